"""Shipping rates, shipments and courier tracking.

Rates come from the rate card in the database (zones of provinces, a price per started kilogram and
a minimum charge per courier service and zone pair), so checkout and the public quote always agree.
Tracking arrives only through signed courier webhooks — the built-in test courier included, which
signs and sends its own — so there is a single code path that moves a shipment.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from datetime import datetime

import orjson
from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.db import violated_constraint
from commerce.core.ids import uuid7
from commerce.core.money import Money
from commerce.shipping import signing
from commerce.shipping.errors import (
    InvalidWebhookBody,
    NotTestCourier,
    ShipmentDelivered,
    ShipmentExists,
    ShipmentNotFound,
    ShippingOptionUnavailable,
    TrackingNumberRequired,
    TrackingNumberTaken,
    UnknownProvince,
    WeightOutOfRange,
)
from commerce.shipping.models import (
    SHIPMENT_STATUSES,
    Courier,
    CourierService,
    Rate,
    Shipment,
    ShipmentEvent,
    ZoneProvince,
)
from commerce.shipping.schemas import MAX_WEIGHT_GRAMS, CourierEvent, RateQuote, ShipmentOut, TrackingEventOut

TEST_COURIER = "test"
RANK = {status: i for i, status in enumerate(SHIPMENT_STATUSES)}
# Where the test courier says the parcel is at each step.
TEST_LOCATIONS = {"picked_up": "LAKOO Hub Cakung, Jakarta Timur", "in_transit": "Sorting centre, in transit",
                  "delivered": "Delivered to the recipient"}


# --- rates ---------------------------------------------------------------------------------------

def charge(*, weight_grams: int, price_per_kg: int, minimum_charge: int) -> Money:
    """Per started kilogram (1,001 g is 2 kg), never below the minimum."""
    kilograms = -(-weight_grams // 1000)
    return max(Money(price_per_kg) * kilograms, Money(minimum_charge), key=lambda m: m.amount)


def _province_key(province: str) -> str:
    return " ".join(province.split()).lower()


async def _zone(session: AsyncSession, province: str) -> str:
    zone = await session.scalar(select(ZoneProvince.zone_code)
                                .where(func.lower(ZoneProvince.province) == _province_key(province)))
    if zone is None:
        raise UnknownProvince(f"{province!r} is not one of Indonesia's provinces")
    return zone


def _check_weight(weight_grams: int) -> None:
    if not 0 < weight_grams <= MAX_WEIGHT_GRAMS:
        raise WeightOutOfRange(f"{weight_grams} g; parcels weigh 1 g to {MAX_WEIGHT_GRAMS:,} g")


def _rates(origin_zone: str | ColumnElement[str], destination_zone: str | ColumnElement[str]) -> Select:
    return (
        select(Rate, CourierService, Courier)
        .join(CourierService, (CourierService.courier_code == Rate.courier_code)
              & (CourierService.code == Rate.service_code))
        .join(Courier, Courier.code == Rate.courier_code)
        .where(Rate.origin_zone == origin_zone, Rate.destination_zone == destination_zone, Courier.active,
               CourierService.active)
    )


def _quote(rate: Rate, service: CourierService, courier: Courier, weight_grams: int) -> RateQuote:
    price = charge(weight_grams=weight_grams, price_per_kg=rate.price_per_kg, minimum_charge=rate.minimum_charge)
    return RateQuote(courier=courier.code, courier_name=courier.name, service=service.code, service_name=service.name,
                     price=price.amount, currency=price.currency, eta_days_min=service.eta_days_min,
                     eta_days_max=service.eta_days_max)


async def quote(session: AsyncSession, *, origin_province: str, destination_province: str,
                weight_grams: int) -> list[RateQuote]:
    """Every active courier service on the route, cheapest first (then fastest)."""
    _check_weight(weight_grams)
    origin, destination = await _zone(session, origin_province), await _zone(session, destination_province)
    rows = (await session.execute(_rates(origin, destination))).all()
    quotes = [_quote(rate, service, courier, weight_grams) for rate, service, courier in rows]
    return sorted(quotes, key=lambda q: (q.price, q.eta_days_max, q.courier, q.service))


async def price_for(session: AsyncSession, *, courier: str, service: str, origin_province: str,
                    destination_province: str, weight_grams: int) -> RateQuote:
    """The price of one chosen option, for checkout; 422 `shipping_option_unavailable` if there is none.

    One query finds the zones and the rate together (checkout pays a round trip for each); only when
    it finds nothing are the zones looked up one by one, to say which was wrong."""
    _check_weight(weight_grams)
    origin_zone, destination_zone = ZoneProvince.__table__.alias("origin"), ZoneProvince.__table__.alias("dest")
    row = (await session.execute(
        _rates(origin_zone.c.zone_code, destination_zone.c.zone_code)
        .where(func.lower(origin_zone.c.province) == _province_key(origin_province),
               func.lower(destination_zone.c.province) == _province_key(destination_province),
               Rate.courier_code == courier, Rate.service_code == service))).first()
    if row is not None:
        return _quote(*row, weight_grams)
    origin, destination = await _zone(session, origin_province), await _zone(session, destination_province)
    row = (await session.execute(_rates(origin, destination).where(Rate.courier_code == courier,
                                                                   Rate.service_code == service))).first()
    if row is None:
        raise ShippingOptionUnavailable(f"{courier} {service} does not ship {origin_province} → {destination_province}")
    return _quote(*row, weight_grams)


# --- shipments -----------------------------------------------------------------------------------

async def _shipments_out(session: AsyncSession, shipments: list[Shipment]) -> list[ShipmentOut]:
    if not shipments:
        return []
    ids = [s.id for s in shipments]
    timelines: dict[uuid.UUID, list[TrackingEventOut]] = defaultdict(list)
    for event in await session.scalars(select(ShipmentEvent).where(ShipmentEvent.shipment_id.in_(ids))
                                       .order_by(ShipmentEvent.occurred_at, ShipmentEvent.id)):
        timelines[event.shipment_id].append(TrackingEventOut.model_validate(event))
    names = {(c, s): (cn, sn) for c, s, cn, sn in (await session.execute(
        select(CourierService.courier_code, CourierService.code, Courier.name, CourierService.name)
        .join(Courier, Courier.code == CourierService.courier_code)
        .where(CourierService.courier_code.in_({s.courier_code for s in shipments}))
    )).all()}
    return [ShipmentOut(
        id=s.id, order_id=s.order_id, courier=s.courier_code, service=s.service_code,
        courier_name=names[(s.courier_code, s.service_code)][0],
        service_name=names[(s.courier_code, s.service_code)][1], tracking_number=s.tracking_number,
        status=s.status, created_at=s.created_at, updated_at=s.updated_at, picked_up_at=s.picked_up_at,
        delivered_at=s.delivered_at, timeline=timelines[s.id],
    ) for s in shipments]


async def _out(session: AsyncSession, shipment: Shipment) -> ShipmentOut:
    return (await _shipments_out(session, [shipment]))[0]


def _test_tracking_number() -> str:
    return f"LKT{secrets.randbelow(10**12):012d}"


async def create_shipment(session: AsyncSession, *, order_id: uuid.UUID, courier: str, service: str,
                          tracking_number: str | None = None) -> ShipmentOut:
    """Joins the caller's transaction (orders ships and records it in one commit); does not commit."""
    option = await session.scalar(
        select(CourierService).join(Courier, Courier.code == CourierService.courier_code)
        .where(CourierService.courier_code == courier, CourierService.code == service, Courier.active,
               CourierService.active))
    if option is None:
        raise ShippingOptionUnavailable(f"{courier} {service} is not an active courier service")
    if await session.scalar(select(Shipment.id).where(Shipment.order_id == order_id)) is not None:
        raise ShipmentExists()
    tracking_number = (tracking_number or "").strip() or None
    if tracking_number is None:
        if courier != TEST_COURIER:
            raise TrackingNumberRequired()
        tracking_number = _test_tracking_number()
    elif await session.scalar(select(Shipment.id).where(Shipment.tracking_number == tracking_number)) is not None:
        raise TrackingNumberTaken()
    now = utcnow()
    shipment = Shipment(id=uuid7(), order_id=order_id, courier_code=courier, service_code=service,
                        tracking_number=tracking_number, status="label_created", created_at=now, updated_at=now,
                        picked_up_at=None, delivered_at=None)
    try:
        # A savepoint, because this joins the caller's transaction: a concurrent shipment that took
        # the number (or the order) after the checks above loses on the unique index, and the caller
        # gets the same typed conflict the checks give instead of a failed transaction.
        async with session.begin_nested():
            session.add(shipment)
            await session.flush()
    except IntegrityError as exc:
        constraint = violated_constraint(exc)
        if constraint == "uq_shipment_tracking_number":
            raise TrackingNumberTaken() from exc
        if constraint == "uq_shipment_order_id":
            raise ShipmentExists() from exc
        raise
    session.add(ShipmentEvent(shipment_id=shipment.id, event_id=None, status="label_created", location=None,
                              applied=True, occurred_at=now, received_at=now))
    await session.flush()
    return await _out(session, shipment)


async def tracking(session: AsyncSession, *, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, ShipmentOut]:
    """Shipments of these orders with their timelines; orders without one are simply absent."""
    if not order_ids:
        return {}
    shipments = list(await session.scalars(select(Shipment).where(Shipment.order_id.in_(order_ids))))
    return {s.order_id: s for s in await _shipments_out(session, shipments)}


async def get_shipment(session: AsyncSession, *, shipment_id: uuid.UUID) -> ShipmentOut:
    shipment = await session.get(Shipment, shipment_id)
    if shipment is None:
        raise ShipmentNotFound()
    return await _out(session, shipment)


# --- courier webhooks ----------------------------------------------------------------------------

def _apply(session: AsyncSession, shipment: Shipment, event: CourierEvent, now: datetime) -> bool:
    """Move the status forward only; a late older status is kept in the timeline and nothing else."""
    if RANK[event.status] <= RANK[shipment.status]:
        return False
    if shipment.status == "label_created":
        # Any later status means the courier has the parcel, even if it never said "picked_up".
        shipment.picked_up_at = event.occurred_at
        outbox.publish(session, "shipment.picked_up", {
            "shipment_id": str(shipment.id), "order_id": str(shipment.order_id),
            "tracking_number": shipment.tracking_number})
    if event.status == "delivered":
        shipment.delivered_at = event.occurred_at
        outbox.publish(session, "shipment.delivered", {
            "shipment_id": str(shipment.id), "order_id": str(shipment.order_id),
            "delivered_at": event.occurred_at.isoformat()})
    shipment.status = event.status
    shipment.updated_at = now
    return True


async def handle_courier_webhook(session: AsyncSession, *, raw_body: bytes, signature_header: str | None, secret: str,
                                 now: datetime | None = None) -> ShipmentOut:
    """Verify, dedupe on the event id, record, move forward, publish — all in one commit. A bad or
    stale signature changes nothing; a redelivered event returns the shipment as it stands."""
    now = now or utcnow()
    signing.verify(raw_body, signature_header, secret=secret, now=now)
    try:
        event = CourierEvent.model_validate_json(raw_body)
    except ValidationError as exc:
        raise InvalidWebhookBody(errors=[{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]) from exc
    # Locking the shipment serialises deliveries of the same parcel, so the duplicate check below
    # sees any copy of this event that committed first.
    shipment = await session.scalar(select(Shipment).where(Shipment.tracking_number == event.tracking_number)
                                    .with_for_update())
    if shipment is None:
        raise ShipmentNotFound(f"no shipment has tracking number {event.tracking_number}")
    if await session.scalar(select(ShipmentEvent.id).where(ShipmentEvent.event_id == event.id)) is None:
        applied = _apply(session, shipment, event, now)
        session.add(ShipmentEvent(shipment_id=shipment.id, event_id=event.id, status=event.status,
                                  location=event.location, applied=applied, occurred_at=event.occurred_at,
                                  received_at=now))
        try:
            await session.commit()
        except IntegrityError:
            # The same event id already arrived for another parcel: a courier bug; keep the first.
            await session.rollback()
            shipment = await session.scalar(select(Shipment).where(Shipment.tracking_number == event.tracking_number))
            if shipment is None:
                raise ShipmentNotFound() from None
            return await _out(session, shipment)
    else:
        await session.commit()  # nothing to write; end the transaction and its lock
    return await _out(session, shipment)


async def advance_test_shipment(session: AsyncSession, *, shipment_id: uuid.UUID, secret: str) -> ShipmentOut:
    """The built-in test courier: one step per call, delivered as a correctly signed webhook to the
    same handler real couriers call."""
    shipment = await session.scalar(select(Shipment).where(Shipment.id == shipment_id).with_for_update())
    if shipment is None:
        raise ShipmentNotFound()
    if shipment.courier_code != TEST_COURIER:
        raise NotTestCourier()
    if shipment.status == "delivered":
        raise ShipmentDelivered()
    now = utcnow()
    status = SHIPMENT_STATUSES[RANK[shipment.status] + 1]
    body = orjson.dumps({"id": f"test-{uuid7()}", "tracking_number": shipment.tracking_number, "status": status,
                         "location": TEST_LOCATIONS[status], "occurred_at": now.isoformat()})
    header = signing.signature_header(body, secret=secret, timestamp=int(now.timestamp()))
    return await handle_courier_webhook(session, raw_body=body, signature_header=header, secret=secret, now=now)
