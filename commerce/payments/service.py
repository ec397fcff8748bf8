"""Payment use cases (test mode).

Checkout opens an intent inside its own transaction; the buyer pays it; admins and orders refund it.
None of these functions marks money as moved: they ask the provider, and the provider answers with
a signed webhook that goes through `webhooks.receive` — the same code the public webhook endpoint
runs — so "paid" and "refunded" have exactly one way in.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.core.ids import uuid7
from commerce.payments import webhooks
from commerce.payments.errors import (
    InvalidPaymentInput,
    PaymentNotFound,
    PaymentNotPayable,
    PaymentNotPending,
    PaymentNotRefundable,
    ProviderDidNotConfirm,
    ReferenceHasLiveIntent,
    RefundExceedsCaptured,
)
from commerce.payments.models import DEAD_STATUSES, METHODS, PaymentEvent, PaymentIntent, Refund
from commerce.payments.providers import SCENARIOS, ChargeRequest, RefundRequest, TestProvider
from commerce.payments.schemas import PaymentEventOut, PaymentIntentOut, RefundOut, WebhookResult
from commerce.payments.states import REFUNDABLE, can_move


def _provider(session: AsyncSession, name: str, secret: str) -> TestProvider:
    """The provider's webhooks land in this session's transaction, so the use case that asked for
    them commits their effects together with its own."""

    async def deliver(raw_body: bytes, signature_header: str) -> WebhookResult:
        return await webhooks.receive(session, provider=name, raw_body=raw_body, signature_header=signature_header,
                                      secret=secret)

    return TestProvider(secret=secret, deliver=deliver, name=name)


async def _intent(session: AsyncSession, intent_id: uuid.UUID, buyer_id: uuid.UUID | None, *,
                  lock: bool = False) -> PaymentIntent:
    query = select(PaymentIntent).where(PaymentIntent.id == intent_id)
    if lock:
        query = query.with_for_update()
    intent = await session.scalar(query)
    if intent is None or (buyer_id is not None and intent.buyer_id != buyer_id):
        raise PaymentNotFound()  # someone else's payment is indistinguishable from none
    return intent


def _out(intent: PaymentIntent) -> PaymentIntentOut:
    return PaymentIntentOut.model_validate(intent)


async def create_intent(session: AsyncSession, *, reference: str, buyer_id: uuid.UUID, amount: int,
                        currency: str = "IDR", method: str, new_reference: bool = False) -> PaymentIntentOut:
    """Joins the caller's transaction: checkout opens the intent together with its orders.

    `new_reference`: the caller made the reference in this transaction (checkout's new id), so no
    intent can hold it yet and the look-up for a live one is skipped; the unique index on live
    references still forbids a second one."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidPaymentInput("amount must be a positive whole number of rupiah")
    if currency != "IDR":
        raise InvalidPaymentInput("only IDR is supported")
    if method not in METHODS:
        raise InvalidPaymentInput(f"method must be one of {', '.join(METHODS)}")
    if not reference or len(reference) > 100:
        raise InvalidPaymentInput("reference must be 1-100 characters")
    if not new_reference:
        live = await session.scalar(select(PaymentIntent.id).where(PaymentIntent.reference == reference,
                                                                   PaymentIntent.status.not_in(DEAD_STATUSES)))
        if live is not None:
            raise ReferenceHasLiveIntent()
    now = utcnow()
    intent = PaymentIntent(id=uuid7(), reference=reference, buyer_id=buyer_id, amount=amount, currency=currency,
                           method=method, provider="test", provider_ref=None, status="requires_payment_method",
                           next_action=None, failure_code=None, amount_refunded=0, created_at=now, updated_at=now)
    session.add(intent)
    await session.flush()
    webhooks.record(session, intent, "created", payload={"amount": amount, "currency": currency, "method": method})
    await session.flush()
    return _out(intent)


async def pay(session: AsyncSession, *, intent_id: uuid.UUID, buyer_id: uuid.UUID, method: str | None,
              scenario: str, secret: str) -> PaymentIntentOut:
    """The buyer confirms. "success"/"failure" settle through the provider's webhook before this
    returns; "pending_then_success" leaves the intent processing with a `next_action`."""
    if scenario not in SCENARIOS:
        raise InvalidPaymentInput(f"test_scenario must be one of {', '.join(SCENARIOS)}")
    if method is not None and method not in METHODS:
        raise InvalidPaymentInput(f"method must be one of {', '.join(METHODS)}")
    intent = await _intent(session, intent_id, buyer_id, lock=True)
    if not can_move(intent.status, "processing"):
        raise PaymentNotPayable(f"the payment is {intent.status}")
    if method is not None:
        intent.method = method
    provider = _provider(session, intent.provider, secret)
    charge = await provider.create_charge(ChargeRequest(intent_id=intent.id, amount=intent.amount,
                                                        currency=intent.currency, method=intent.method,
                                                        scenario=scenario))
    intent.status, intent.updated_at = "processing", utcnow()
    intent.provider_ref, intent.next_action = charge.provider_ref, charge.next_action
    webhooks.record(session, intent, "processing", payload={"method": intent.method, "scenario": scenario,
                                                            "provider_ref": charge.provider_ref})
    await session.flush()
    await provider.deliver_webhooks()
    await session.commit()
    return _out(intent)


async def simulate(session: AsyncSession, *, intent_id: uuid.UUID, buyer_id: uuid.UUID, outcome: str,
                   secret: str) -> PaymentIntentOut:
    """Test mode: what the buyer paying at the bank (or giving up) looks like to us."""
    if outcome not in ("success", "failure"):
        raise InvalidPaymentInput("outcome must be success or failure")
    intent = await _intent(session, intent_id, buyer_id, lock=True)
    if intent.status != "processing" or intent.provider_ref is None:
        raise PaymentNotPending(f"the payment is {intent.status}")
    provider = _provider(session, intent.provider, secret)
    provider.settle(intent_id=intent.id, provider_ref=intent.provider_ref, amount=intent.amount,
                    currency=intent.currency, method=intent.method, outcome=outcome)
    await provider.deliver_webhooks()
    await session.commit()
    return _out(intent)


async def refund(session: AsyncSession, *, intent_id: uuid.UUID, amount: int | None, reason: str, secret: str,
                 commit: bool = True) -> RefundOut:
    """Full (`amount=None`: whatever is left) or partial. The refund exists once the provider's
    signed `refund.succeeded` has been applied. `commit=False` joins the caller's transaction, for
    use cases (order cancellation) that refund as one step of a larger change."""
    intent = await _intent(session, intent_id, None, lock=True)
    if intent.status not in REFUNDABLE:
        raise PaymentNotRefundable(f"the payment is {intent.status}")
    remaining = intent.amount - intent.amount_refunded
    amount = remaining if amount is None else amount
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidPaymentInput("refund amount must be a positive whole number of rupiah")
    if amount > remaining:
        raise RefundExceedsCaptured(f"at most {remaining} {intent.currency} is left to refund", refundable=remaining)
    refund_id = uuid7()
    provider = _provider(session, intent.provider, secret)
    await provider.create_refund(RefundRequest(intent_id=intent.id, provider_ref=intent.provider_ref,
                                               refund_id=refund_id, amount=amount, currency=intent.currency,
                                               reason=reason))
    await provider.deliver_webhooks()
    row = await session.get(Refund, refund_id)
    if row is None:
        raise ProviderDidNotConfirm()
    if commit:
        await session.commit()
    return RefundOut.model_validate(row)


async def get_intent(session: AsyncSession, *, intent_id: uuid.UUID, buyer_id: uuid.UUID | None) -> PaymentIntentOut:
    """`buyer_id=None` is the admin and system view."""
    return _out(await _intent(session, intent_id, buyer_id))


async def intent_for_reference(session: AsyncSession, *, reference: str) -> PaymentIntentOut | None:
    """The live intent of a checkout (paid ones included); failed and canceled ones are history."""
    intent = await session.scalar(select(PaymentIntent).where(PaymentIntent.reference == reference,
                                                              PaymentIntent.status.not_in(DEAD_STATUSES)))
    return _out(intent) if intent is not None else None


async def list_events(session: AsyncSession, *, intent_id: uuid.UUID) -> list[PaymentEventOut]:
    """The intent's ledger, oldest first, for reconciliation and support."""
    await _intent(session, intent_id, None)
    rows = await session.scalars(select(PaymentEvent).where(PaymentEvent.intent_id == intent_id)
                                 .order_by(PaymentEvent.id))
    return [PaymentEventOut.model_validate(row) for row in rows]


async def handle_webhook(session: AsyncSession, *, provider: str, raw_body: bytes, signature_header: str | None,
                         secret: str, now: datetime | None = None) -> WebhookResult:
    """A delivery from outside. Verifies, applies and commits; a bad signature changes nothing."""
    try:
        result = await webhooks.receive(session, provider=provider, raw_body=raw_body,
                                        signature_header=signature_header, secret=secret, now=now)
        await session.commit()
    except IntegrityError:
        # A concurrent delivery of the same event won; run again to answer as the duplicate it is.
        await session.rollback()
        result = await webhooks.receive(session, provider=provider, raw_body=raw_body,
                                        signature_header=signature_header, secret=secret, now=now)
        await session.commit()
    return result
