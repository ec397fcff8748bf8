"""Intents as checkout and orders use them, and the money ledger: captured − refunded = net."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from commerce.core.ids import uuid7
from commerce.payments import service as payments
from commerce.payments.errors import (
    InvalidPaymentInput,
    PaymentNotFound,
    PaymentNotPayable,
    PaymentNotRefundable,
    ReferenceHasLiveIntent,
    RefundExceedsCaptured,
)
from commerce.payments.models import Refund

AMOUNT = 480_000


async def _create(db, *, reference: str | None = None, buyer: uuid.UUID | None = None, amount: int = AMOUNT,
                  method: str = "card"):  # noqa: ANN202
    async with db.session() as session:
        intent = await payments.create_intent(session, reference=reference or str(uuid7()),
                                              buyer_id=buyer or uuid7(), amount=amount, method=method)
        await session.commit()
    return intent


async def _paid(db, secret: str, amount: int = AMOUNT):  # noqa: ANN202
    intent = await _create(db, amount=amount)
    async with db.session() as session:
        return await payments.pay(session, intent_id=intent.id, buyer_id=intent.buyer_id, method=None,
                                  scenario="success", secret=secret)


async def _refund(db, secret: str, intent_id: uuid.UUID, amount: int | None, reason: str = "test"):  # noqa: ANN202
    async with db.session() as session:
        return await payments.refund(session, intent_id=intent_id, amount=amount, reason=reason, secret=secret)


async def _ledger(db, intent_id: uuid.UUID) -> dict[str, int]:
    async with db.session() as session:
        events = await payments.list_events(session, intent_id=intent_id)
    totals: dict[str, int] = {}
    for event in events:
        totals[event.kind] = totals.get(event.kind, 0) + event.amount
    return totals


async def test_partial_then_full_refunds_and_the_ledger_adds_up(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent = await _paid(db, secret)
    first = await _refund(db, secret, intent.id, 80_000, "size swap")
    second = await _refund(db, secret, intent.id, 100_000)
    with pytest.raises(RefundExceedsCaptured):
        await _refund(db, secret, intent.id, 300_001)
    rest = await _refund(db, secret, intent.id, None, "cancelled")
    assert (first.amount, second.amount, rest.amount) == (80_000, 100_000, 300_000)
    assert first.reason == "size swap" and first.status == "succeeded"
    ledger = await _ledger(db, intent.id)
    assert ledger["captured"] == AMOUNT and ledger["refunded"] == AMOUNT
    async with db.session() as session:
        now = await payments.get_intent(session, intent_id=intent.id, buyer_id=None)
        refunded = await session.scalar(select(func.sum(Refund.amount)).where(Refund.intent_id == intent.id))
    assert now.status == "refunded" and now.amount_refunded == refunded == AMOUNT
    assert ledger["captured"] - ledger["refunded"] == now.amount - now.amount_refunded == 0
    with pytest.raises(PaymentNotRefundable):
        await _refund(db, secret, intent.id, None)


async def test_net_after_a_partial_refund(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent = await _paid(db, secret)
    await _refund(db, secret, intent.id, 1)
    ledger = await _ledger(db, intent.id)
    async with db.session() as session:
        now = await payments.get_intent(session, intent_id=intent.id, buyer_id=None)
    assert now.status == "partially_refunded"
    assert ledger["captured"] - ledger["refunded"] == now.amount - now.amount_refunded == AMOUNT - 1


async def test_refund_can_join_the_callers_transaction(db, redis, settings):
    """Order cancellation refunds as one step of its own change: if that change rolls back, so does the refund."""
    secret = settings.webhook_secret("payments")
    intent = await _paid(db, secret)
    async with db.session() as session:
        out = await payments.refund(session, intent_id=intent.id, amount=10_000, reason="cancel", secret=secret,
                                    commit=False)
        assert out.amount == 10_000
        await session.rollback()
    async with db.session() as session:
        assert (await payments.get_intent(session, intent_id=intent.id, buyer_id=None)).amount_refunded == 0
        assert await session.get(Refund, out.id) is None


@pytest.mark.parametrize("amount", [0, -1, True])
async def test_refund_amount_must_be_positive(db, redis, settings, amount):
    secret = settings.webhook_secret("payments")
    intent = await _paid(db, secret)
    with pytest.raises(InvalidPaymentInput):
        await _refund(db, secret, intent.id, amount)


@pytest.mark.parametrize(("field", "value"), [("amount", 0), ("amount", -10), ("currency", "USD"),
                                              ("method", "cash"), ("reference", "")])
async def test_create_intent_validates(db, redis, field, value):
    kwargs = {"reference": str(uuid7()), "buyer_id": uuid7(), "amount": 1_000, "currency": "IDR", "method": "card",
              field: value}
    async with db.session() as session:
        with pytest.raises(InvalidPaymentInput):
            await payments.create_intent(session, **kwargs)


async def test_one_live_intent_per_checkout(db, redis, settings):
    secret = settings.webhook_secret("payments")
    reference = str(uuid7())
    first = await _create(db, reference=reference)
    with pytest.raises(ReferenceHasLiveIntent):
        await _create(db, reference=reference)
    async with db.session() as session:
        await payments.pay(session, intent_id=first.id, buyer_id=first.buyer_id, method=None, scenario="failure",
                           secret=secret)
    async with db.session() as session:
        assert await payments.intent_for_reference(session, reference=reference) is None
    second = await _create(db, reference=reference, buyer=first.buyer_id)
    async with db.session() as session:
        found = await payments.intent_for_reference(session, reference=reference)
        assert found is not None and found.id == second.id
        assert await payments.intent_for_reference(session, reference=str(uuid7())) is None


async def test_create_intent_joins_the_callers_transaction(db, redis):
    reference = str(uuid7())
    async with db.session() as session:
        intent = await payments.create_intent(session, reference=reference, buyer_id=uuid7(), amount=5_000,
                                              method="ewallet")
        await session.rollback()
    async with db.session() as session:
        assert await payments.intent_for_reference(session, reference=reference) is None
        with pytest.raises(PaymentNotFound):
            await payments.get_intent(session, intent_id=intent.id, buyer_id=None)


async def test_service_refuses_what_the_api_schema_would(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent = await _create(db)
    async with db.session() as session:
        with pytest.raises(InvalidPaymentInput):
            await payments.pay(session, intent_id=intent.id, buyer_id=intent.buyer_id, method=None,
                               scenario="free", secret=secret)
        with pytest.raises(InvalidPaymentInput):
            await payments.pay(session, intent_id=intent.id, buyer_id=intent.buyer_id, method="cash",
                               scenario="success", secret=secret)
        with pytest.raises(PaymentNotFound):
            await payments.pay(session, intent_id=intent.id, buyer_id=uuid7(), method=None, scenario="success",
                               secret=secret)
    paid = await _paid(db, secret)
    async with db.session() as session:
        with pytest.raises(PaymentNotPayable):
            await payments.pay(session, intent_id=paid.id, buyer_id=paid.buyer_id, method=None, scenario="success",
                               secret=secret)
