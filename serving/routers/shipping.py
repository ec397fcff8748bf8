"""/api/shipping — public rate quotes, the signed courier webhook, and admin tools for shipments.
Buyers follow their parcels through their orders, not here."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request

from commerce.core.errors import Unauthenticated
from commerce.orders import service as orders
from commerce.orders.schemas import CartShippingQuote
from commerce.shipping import service as shipping
from commerce.shipping.schemas import RateQuote, RateRequest, ShipmentOut
from serving.deps import AdminUser, OptionalUser, SessionDep, SettingsDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["shipping"])
ADMIN_ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM}


@router.post("/api/shipping/rates", response_model=list[RateQuote] | CartShippingQuote,
             responses={401: PROBLEM, 404: PROBLEM, 422: PROBLEM})
async def rates(body: RateRequest, session: SessionDep, user: OptionalUser) -> list[RateQuote] | CartShippingQuote:
    """With `destination_province` and `weight_grams`: every courier service on the route, cheapest
    first, priced per started kilogram with a minimum charge (provinces are matched
    case-insensitively against Indonesia's 38). With `address_id` (signed in): the caller's cart
    to that address of theirs, one parcel per seller, each option's price the sum checkout will charge."""
    if body.address_id is not None:
        if user is None:
            raise Unauthenticated("Sign in to quote your cart")
        return await orders.shipping_quote(session, buyer_id=user.user_id, address_id=body.address_id)
    return await shipping.quote(session, origin_province=body.origin_province,
                                destination_province=body.destination_province, weight_grams=body.weight_grams)


@router.post("/api/shipping/webhooks/courier", response_model=ShipmentOut,
             responses={400: PROBLEM, 404: PROBLEM, 422: PROBLEM})
async def courier_webhook(request: Request, session: SessionDep, settings: SettingsDep,
                          signature: Annotated[str | None, Header(alias="Lakoo-Signature")] = None) -> ShipmentOut:
    """Courier tracking updates. Signed `Lakoo-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`
    over the raw body with the courier webhook secret; older than 300 s or wrong → 400
    `invalid_signature`. Body `{id, tracking_number, status, location, occurred_at}`; a repeated `id`
    is acknowledged without effect, and statuses only move forward."""
    return await shipping.handle_courier_webhook(session, raw_body=await request.body(), signature_header=signature,
                                                 secret=settings.webhook_secret("courier"))


@router.post("/api/shipping/test-courier/shipments/{shipment_id}/advance", response_model=ShipmentOut,
             responses={**ADMIN_ERRORS, 409: PROBLEM})
async def advance_test_shipment(shipment_id: uuid.UUID, session: SessionDep, settings: SettingsDep,
                                admin: AdminUser) -> ShipmentOut:
    """Test courier only: label_created → picked_up → in_transit → delivered, one step per call,
    delivered to ourselves as a signed courier webhook."""
    return await shipping.advance_test_shipment(session, shipment_id=shipment_id,
                                                secret=settings.webhook_secret("courier"))


@router.get("/api/shipping/shipments/{shipment_id}", response_model=ShipmentOut, responses=ADMIN_ERRORS)
async def get_shipment(shipment_id: uuid.UUID, session: SessionDep, admin: AdminUser) -> ShipmentOut:
    return await shipping.get_shipment(session, shipment_id=shipment_id)
