"""Cart use cases. Every read recomputes prices and stock from the catalog and inventory, so what
the buyer sees is current; the stored price is only there to flag changes."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.cart.errors import CartFull, CartItemNotFound, CartNotFound, NotEnoughStock, VariantNotPurchasable
from commerce.cart.models import CartItem
from commerce.cart.schemas import MAX_LINES, MAX_QUANTITY, AddItem, CartLine, CartOut, SellerGroup
from commerce.catalog import service as catalog
from commerce.core.clock import utcnow
from commerce.interactions import service as interactions
from commerce.inventory import service as inventory


async def _check_stock(session: AsyncSession, variant_id: uuid.UUID, quantity: int) -> None:
    available = (await inventory.availability(session, variant_ids=[variant_id])).get(variant_id, 0)
    if quantity > available:
        raise NotEnoughStock(f"only {available} available", available=available, requested=quantity)


async def add_item(session: AsyncSession, *, user_id: uuid.UUID, data: AddItem) -> CartOut:
    snapshot = (await catalog.variant_snapshots(session, variant_ids=[data.variant_id])).get(data.variant_id)
    if snapshot is None or not snapshot.purchasable:
        raise VariantNotPurchasable()
    existing = await session.get(CartItem, (user_id, data.variant_id), with_for_update=True)
    quantity = min(MAX_QUANTITY, (existing.quantity if existing else 0) + data.quantity)
    if existing is None:
        lines = await session.scalar(select(func.count()).where(CartItem.user_id == user_id))
        if lines >= MAX_LINES:
            raise CartFull()
    await _check_stock(session, data.variant_id, quantity)
    now = utcnow()
    await session.execute(
        insert(CartItem).values(
            user_id=user_id, variant_id=data.variant_id, product_id=snapshot.product_id, quantity=quantity,
            price_at_add=snapshot.price, currency=snapshot.currency, source_post_id=data.post_id,
            source_surface=data.surface, added_at=now, updated_at=now,
        ).on_conflict_do_update(
            index_elements=[CartItem.user_id, CartItem.variant_id],
            set_={"quantity": quantity, "updated_at": now},
        )
    )
    interactions.record(session, user_id=user_id, event_type="add_to_cart", post_id=data.post_id,
                        product_id=snapshot.product_id, variant_id=data.variant_id, quantity=data.quantity,
                        amount=snapshot.price * data.quantity, surface=data.surface)
    await session.commit()
    return await get_cart(session, user_id=user_id)


async def update_item(session: AsyncSession, *, user_id: uuid.UUID, variant_id: uuid.UUID, quantity: int) -> CartOut:
    item = await session.get(CartItem, (user_id, variant_id), with_for_update=True)
    if item is None:
        raise CartItemNotFound()
    if quantity > item.quantity:
        await _check_stock(session, variant_id, quantity)
    item.quantity, item.updated_at = quantity, utcnow()
    await session.commit()
    return await get_cart(session, user_id=user_id)


async def remove_item(session: AsyncSession, *, user_id: uuid.UUID, variant_id: uuid.UUID) -> CartOut:
    removed = await session.execute(delete(CartItem).where(CartItem.user_id == user_id,
                                                           CartItem.variant_id == variant_id)
                                    .returning(CartItem.variant_id))
    if removed.first() is None:
        raise CartItemNotFound()
    await session.commit()
    return await get_cart(session, user_id=user_id)


async def get_cart(session: AsyncSession, *, user_id: uuid.UUID) -> CartOut:
    items = list(await session.scalars(select(CartItem).where(CartItem.user_id == user_id)
                                       .order_by(CartItem.added_at, CartItem.variant_id)
                                       .execution_options(populate_existing=True)))
    variant_ids = [i.variant_id for i in items]
    snapshots = await catalog.variant_snapshots(session, variant_ids=variant_ids)
    stock = await inventory.availability(session, variant_ids=variant_ids)
    groups: dict[uuid.UUID | None, list[CartLine]] = defaultdict(list)
    for item in items:
        snap = snapshots.get(item.variant_id)
        if snap is None:
            continue  # the variant was deleted from the catalog; nothing to show or buy
        groups[snap.seller_id].append(CartLine(
            variant_id=item.variant_id, product_id=snap.product_id, name=snap.product_name, sku=snap.sku,
            attributes=snap.attributes, image_url=snap.image_url, quantity=item.quantity, unit_price=snap.price,
            price_at_add=item.price_at_add, price_changed=snap.price != item.price_at_add, currency=snap.currency,
            line_total=snap.price * item.quantity, available=stock.get(item.variant_id, 0),
            purchasable=snap.purchasable and stock.get(item.variant_id, 0) >= item.quantity,
            source_post_id=item.source_post_id, source_surface=item.source_surface,
        ))
    out_groups = [SellerGroup(seller_id=seller, items=lines, subtotal=sum(line.line_total for line in lines))
                  for seller, lines in groups.items()]
    lines = [line for group in out_groups for line in group.items]
    return CartOut(user_id=user_id, groups=out_groups, item_count=sum(line.quantity for line in lines),
                   subtotal=sum(g.subtotal for g in out_groups),
                   has_price_changes=any(line.price_changed for line in lines),
                   has_unavailable_items=any(not line.purchasable for line in lines))


async def get_cart_of(session: AsyncSession, *, owner_id: uuid.UUID, viewer_id: uuid.UUID) -> CartOut:
    """`GET /api/cart/{userId}` from the old cart-service: only its owner may read it (404 otherwise)."""
    if owner_id != viewer_id:
        raise CartNotFound()
    return await get_cart(session, user_id=owner_id)


async def lines_for_checkout(session: AsyncSession, *, user_id: uuid.UUID, lock: bool = True) -> list[CartItem]:
    """The buyer's cart rows, locked for the checkout transaction (joins the caller's transaction)."""
    query = select(CartItem).where(CartItem.user_id == user_id).order_by(CartItem.variant_id)
    if lock:
        query = query.with_for_update()
    return list(await session.scalars(query))


async def remove_lines(session: AsyncSession, *, user_id: uuid.UUID, variant_ids: list[uuid.UUID]) -> None:
    """Joins the caller's transaction: checkout empties what it bought in the same commit."""
    await session.execute(delete(CartItem).where(CartItem.user_id == user_id, CartItem.variant_id.in_(variant_ids)))
