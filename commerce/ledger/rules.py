"""Posting rules: what each payment and order fact does to the books.

- payment captured (`payment.succeeded`): Dr cash / Cr payment_clearing
- wallet used at checkout (in the checkout transaction): Dr wallet / Cr payment_clearing
- order paid: Dr payment_clearing / Cr escrow (the seller's, or the platform's for its own sales)
- order refunded before completion: Dr escrow / Cr wallet (the default) or Cr payment_clearing
  (back to the card; the provider's `payment.refunded` then moves it Dr payment_clearing / Cr cash)
- order completed: Dr escrow / Cr seller_available (net of commission) / Cr commission; for the
  platform's own orders Dr escrow / Cr sales
- order refunded after completion: Dr seller_available + Dr commission (the commission on the
  refunded goods), or Dr sales / Cr wallet or payment_clearing
- unpaid order cancelled or expired: Dr payment_clearing / Cr wallet (the wallet money it held)

Order events carry the order's cumulative money facts; `apply_order_facts` compares them with
`OrderPosition` (what is already booked) and posts only the difference, so the result does not
depend on the order or the number of times events arrive. The commission is charged on the goods
that were finally kept, `subtotal - refunded` (refunds come off the goods first; shipping carries no
commission), and rounded by `Money.allocate`, so the platform's and the seller's shares always add
up to the rupiah. Reversals telescope: the commission given back by a refund after completion is
commission(goods before) - commission(goods after), so however refunds are split, the platform ends
up with exactly commission(goods kept).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.core.money import Money
from commerce.ledger import chart, service
from commerce.ledger.chart import credit, debit
from commerce.ledger.models import OrderPosition

BPS = 10_000
PAID_STATUSES = {"paid", "processing", "packed", "shipped", "delivered", "completed", "refunded",
                 "partially_refunded"}
ENDED_UNPAID = {"cancelled", "expired"}


def commission_on(goods: int, bps: int) -> int:
    """The platform's share of `goods` rupiah at `bps` basis points; allocate gives the indivisible
    remainder to the first share, so platform + seller = goods exactly."""
    if goods <= 0 or bps <= 0:
        return 0
    return Money(goods).allocate([bps, BPS - bps])[0].amount


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: uuid.UUID
    buyer_id: uuid.UUID
    seller_id: uuid.UUID | None
    status: str
    total: int
    subtotal: int
    wallet_amount: int
    refunded_amount: int
    refunded_to_wallet: int
    paid: bool
    completed: bool

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> OrderFacts:
        """Payloads written before these fields existed fall back to what their status implies."""
        status = payload.get("status", "")
        total = int(payload["total"])
        return cls(
            order_id=uuid.UUID(payload["order_id"]), buyer_id=uuid.UUID(payload["buyer_id"]),
            seller_id=uuid.UUID(payload["seller_id"]) if payload.get("seller_id") else None, status=status,
            total=total, subtotal=int(payload.get("subtotal", total)),
            wallet_amount=int(payload.get("wallet_amount", 0)),
            refunded_amount=int(payload.get("refunded_amount", 0)),
            refunded_to_wallet=int(payload.get("refunded_to_wallet", 0)),
            paid=bool(payload.get("paid", status in PAID_STATUSES)),
            completed=bool(payload.get("completed", status == "completed")),
        )


async def _position(session: AsyncSession, facts: OrderFacts) -> OrderPosition:
    await session.execute(insert(OrderPosition).values(
        order_id=facts.order_id, buyer_id=facts.buyer_id, seller_id=facts.seller_id, escrowed=0, refunded=0,
        refunded_to_wallet=0, settled=False, wallet_released=False, commission_bps=None, updated_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=[OrderPosition.order_id]))
    return await session.scalar(select(OrderPosition).where(OrderPosition.order_id == facts.order_id)
                                .with_for_update().execution_options(populate_existing=True))


def _refund_source(pos: OrderPosition, refunded_after: int, amount: int, subtotal: int) -> list[chart.Line]:
    """Where refunded money comes from: escrow until the order is settled; afterwards the seller's
    balance and the commission on the refunded goods (or the platform's own sales revenue)."""
    if not pos.settled:
        return [debit(chart.escrow(pos.seller_id), amount)]
    if pos.seller_id is None:
        return [debit(chart.sales(), amount)]
    bps = pos.commission_bps or 0
    given_back = (commission_on(max(0, subtotal - pos.refunded), bps)
                  - commission_on(max(0, subtotal - refunded_after), bps))
    return [debit(chart.commission(), given_back), debit(chart.seller_available(pos.seller_id), amount - given_back)]


@dataclass(frozen=True, slots=True)
class Posting:
    step: str
    kind: str
    lines: list[chart.Line]
    memo: str


def _plan(pos: OrderPosition, facts: OrderFacts, commission_bps: int) -> list[Posting]:
    """The journals that bring `pos` up to `facts`, in order; advances `pos` as it goes."""
    plan = []
    if facts.paid and pos.escrowed == 0 and facts.total > 0:
        plan.append(Posting("escrow", "order_paid", [debit(chart.payment_clearing(), facts.total),
                                                     credit(chart.escrow(facts.seller_id), facts.total)],
                            "order paid: buyer money held in escrow"))
        pos.escrowed = facts.total
    if facts.paid and facts.refunded_amount > pos.refunded:
        amount = facts.refunded_amount - pos.refunded
        to_wallet = min(amount, max(0, facts.refunded_to_wallet - pos.refunded_to_wallet))
        lines = [*_refund_source(pos, facts.refunded_amount, amount, facts.subtotal),
                 credit(chart.wallet(facts.buyer_id), to_wallet),
                 credit(chart.payment_clearing(), amount - to_wallet)]
        memo = "refund to the buyer's wallet" if to_wallet == amount else "refund to the original payment"
        plan.append(Posting(f"refund:{facts.refunded_amount}", "order_refund", lines, memo))
        pos.refunded, pos.refunded_to_wallet = facts.refunded_amount, pos.refunded_to_wallet + to_wallet
    if facts.completed and facts.paid and not pos.settled:
        release = pos.escrowed - pos.refunded
        if facts.seller_id is None:
            lines = [debit(chart.escrow(None), release), credit(chart.sales(), release)]
        else:
            fee = commission_on(max(0, facts.subtotal - pos.refunded), commission_bps)
            lines = [debit(chart.escrow(facts.seller_id), release),
                     credit(chart.seller_available(facts.seller_id), release - fee), credit(chart.commission(), fee)]
        plan.append(Posting("settle", "order_settled", lines, "order completed: escrow released"))
        pos.settled, pos.commission_bps = True, commission_bps
    if not facts.paid and facts.status in ENDED_UNPAID and facts.wallet_amount > 0 and not pos.wallet_released:
        plan.append(Posting("wallet-release", "wallet_released",
                            [debit(chart.payment_clearing(), facts.wallet_amount),
                             credit(chart.wallet(facts.buyer_id), facts.wallet_amount)],
                            f"order {facts.status} before payment: wallet money returned"))
        pos.wallet_released = True
    return plan


async def apply_order_facts(session: AsyncSession, *, facts: OrderFacts, commission_bps: int) -> int:
    """Bring the books in line with one order's facts. Returns how many journals were posted.

    Every owned account the plan touches is locked up front, in primary-key order, so two workers
    booking two orders of the same seller (or buyer) queue instead of deadlocking."""
    pos = await _position(session, facts)
    plan = _plan(pos, facts, commission_bps)
    await service.lock(session, accounts={line.account for posting in plan for line in posting.lines
                                          if line.amount})
    order = str(facts.order_id)
    posted = 0
    for posting in plan:
        if await service.post(session, key=f"order:{order}:{posting.step}", kind=posting.kind, lines=posting.lines,
                              memo=posting.memo, reference=order) is not None:
            posted += 1
    pos.updated_at = utcnow()
    await session.flush()
    return posted


async def payment_captured(session: AsyncSession, *, intent_id: uuid.UUID, reference: str, amount: int) -> bool:
    return await service.post(
        session, key=f"payment:{intent_id}:captured", kind="payment_captured", reference=reference,
        lines=[debit(chart.cash(), amount), credit(chart.payment_clearing(), amount)],
        memo="payment captured by the provider") is not None


async def provider_refunded(session: AsyncSession, *, refund_id: uuid.UUID, reference: str, amount: int) -> bool:
    return await service.post(
        session, key=f"refund:{refund_id}", kind="provider_refund", reference=reference,
        lines=[debit(chart.payment_clearing(), amount), credit(chart.cash(), amount)],
        memo="refund paid out by the provider") is not None
