"""Shipping quotes for the buyer's cart to one of their addresses: exactly what checkout would
charge, before they commit.

Checkout splits a cart into one order per seller and prices each parcel by its weight on the route
(`shipping.price_for`); a quote does the same split and asks the rate card for every option, so
the total a buyer sees for "test regular" is the sum checkout will charge for it. An option is only
offered when it serves every parcel of the cart.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.addresses import service as addresses
from commerce.cart import service as cart
from commerce.catalog import service as catalog
from commerce.orders.errors import CartEmpty, CartNotPurchasable
from commerce.orders.schemas import CartParcel, CartShippingOption, CartShippingQuote
from commerce.shipping import service as shipping

# Where parcels leave from: the platform's fulfilment hub, for every seller, until sellers ship from
# their own warehouses' provinces. Shipping's rate requests default to the same hub; checkout prices
# from it too (orders/service.py).
from commerce.shipping.schemas import ORIGIN_PROVINCE


async def split_by_seller(session: AsyncSession, lines: list) -> tuple[dict[uuid.UUID, catalog.VariantSnapshot],
                                                                       list[tuple[uuid.UUID | None, list]]]:
    """The cart lines' variant snapshots and the lines grouped into one parcel per seller, in a stable
    order: the one split that checkout charges and a quote prices. 422 `cart_not_purchasable` when a
    line's variant is gone or no longer for sale."""
    snapshots = await catalog.variant_snapshots(session, variant_ids=[line.variant_id for line in lines])
    if any(line.variant_id not in snapshots or not snapshots[line.variant_id].purchasable for line in lines):
        raise CartNotPurchasable()
    groups: dict[uuid.UUID | None, list] = defaultdict(list)
    for line in lines:
        groups[snapshots[line.variant_id].seller_id].append(line)
    return snapshots, sorted(groups.items(), key=lambda kv: str(kv[0]))


async def shipping_quote(session: AsyncSession, *, buyer_id: uuid.UUID, address_id: uuid.UUID) -> CartShippingQuote:
    """404 for an address that is not the buyer's; 422 `cart_empty` / `cart_not_purchasable` as at checkout."""
    lines = await cart.lines_for_checkout(session, user_id=buyer_id)
    if not lines:
        raise CartEmpty()
    address = await addresses.get_address(session, user_id=buyer_id, address_id=address_id)
    snapshots, groups = await split_by_seller(session, lines)
    parcels: list[CartParcel] = []
    priced: dict[tuple[str, str], list] = defaultdict(list)
    for seller_id, seller_lines in groups:
        weight = sum(snapshots[line.variant_id].weight_grams * line.quantity for line in seller_lines)
        subtotal = sum(snapshots[line.variant_id].price * line.quantity for line in seller_lines)
        parcels.append(CartParcel(seller_id=seller_id, items=sum(line.quantity for line in seller_lines),
                                  weight_grams=weight, subtotal=subtotal))
        for option in await shipping.quote(session, origin_province=ORIGIN_PROVINCE,
                                           destination_province=address.province, weight_grams=weight):
            priced[(option.courier, option.service)].append(option)
    options = [CartShippingOption(
        courier=quotes[0].courier, courier_name=quotes[0].courier_name, service=quotes[0].service,
        service_name=quotes[0].service_name, price=sum(q.price for q in quotes),
        per_parcel=[q.price for q in quotes], eta_days_min=max(q.eta_days_min for q in quotes),
        eta_days_max=max(q.eta_days_max for q in quotes))
        for quotes in priced.values() if len(quotes) == len(parcels)]
    options.sort(key=lambda o: (o.price, o.eta_days_max, o.courier, o.service))
    return CartShippingQuote(address_id=address_id, origin_province=ORIGIN_PROVINCE,
                             destination_province=address.province, parcels=parcels,
                             subtotal=sum(p.subtotal for p in parcels), options=options)
