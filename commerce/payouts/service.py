"""Payout use cases. Each commits its own transaction: the payout row, its ledger journal and its
event together, or nothing.

Money never leaves a seller's balance without a journal: requesting reserves the amount (seller
balance → the seller's payout clearing, both accounts locked in primary-key order, the balance
checked under the lock), rejecting or cancelling returns it, marking paid sends it to the bank
(payout clearing → cash). Two concurrent requests queue on the balance row, so together they can
never take more than the balance.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.db import violated_constraint
from commerce.core.ids import uuid7
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.ledger import chart
from commerce.ledger import service as ledger
from commerce.ledger.errors import InsufficientFunds
from commerce.ledger.schemas import EntryOut
from commerce.payouts.errors import (
    BankReferenceTaken,
    InsufficientBalance,
    InvalidPayoutTransition,
    OwnPayout,
    PayoutBelowMinimum,
    PayoutNotFound,
)
from commerce.payouts.models import Payout
from commerce.payouts.schemas import PayoutOut, SellerBalance
from commerce.payouts.states import can_move

SELLER_ACCOUNTS = {"available": "seller_available", "pending": "escrow", "payout": "seller_payout"}


def _event(payout: Payout, **extra: Any) -> dict[str, Any]:
    return {"payout_id": str(payout.id), "seller_id": str(payout.seller_id), "amount": payout.amount,
            "currency": payout.currency, "status": payout.status, **extra}


async def seller_balance(session: AsyncSession, *, seller_id: uuid.UUID, minimum: int) -> SellerBalance:
    found = await ledger.balances(session, owner_id=seller_id, kinds=list(SELLER_ACCOUNTS.values()))
    return SellerBalance(seller_id=seller_id, available=found["seller_available"], pending=found["escrow"],
                         in_payout=found["seller_payout"], minimum_payout=minimum)


async def seller_entries(session: AsyncSession, *, seller_id: uuid.UUID, account: str | None,
                         cursor: str | None, limit: int = 20) -> Page[EntryOut]:
    """The seller's statement: every movement of their available, pending (escrow) and payout money."""
    kinds = [SELLER_ACCOUNTS[account]] if account else list(SELLER_ACCOUNTS.values())
    return await ledger.statement(session, owner_id=seller_id, kinds=kinds, cursor=cursor, limit=limit)


async def request_payout(session: AsyncSession, *, seller_id: uuid.UUID, amount: int, note: str | None,
                         minimum: int) -> PayoutOut:
    if amount < minimum:
        raise PayoutBelowMinimum(f"the smallest payout is {minimum} IDR", minimum=minimum)
    now = utcnow()
    payout = Payout(id=uuid7(), seller_id=seller_id, amount=amount, currency="IDR", status="requested", note=note,
                    reject_reason=None, bank_reference=None, requested_at=now, decided_by=None, approved_at=None,
                    rejected_at=None, cancelled_at=None, paid_at=None, paid_by=None, updated_at=now)
    try:
        await ledger.post(session, key=f"payout:{payout.id}:requested", kind="payout_requested",
                          reference=str(payout.id), memo="payout requested: amount reserved",
                          lines=[chart.debit(chart.seller_available(seller_id), amount),
                                 chart.credit(chart.seller_payout(seller_id), amount)],
                          non_negative=[chart.seller_available(seller_id)])
    except InsufficientFunds as exc:
        raise InsufficientBalance(f"the available balance is {exc.extra.get('available', 0)} IDR",
                                  available=exc.extra.get("available", 0)) from exc
    session.add(payout)
    outbox.publish(session, "payout.requested", _event(payout))
    await session.commit()
    return PayoutOut.model_validate(payout)


async def _payout(session: AsyncSession, payout_id: uuid.UUID, *, seller_id: uuid.UUID | None = None,
                  lock: bool = False) -> Payout:
    query = select(Payout).where(Payout.id == payout_id)
    if lock:
        query = query.with_for_update()
    payout = await session.scalar(query)
    if payout is None or (seller_id is not None and payout.seller_id != seller_id):
        raise PayoutNotFound()  # another seller's payout is indistinguishable from none
    return payout


def _move(payout: Payout, target: str) -> None:
    if not can_move(payout.status, target):
        raise InvalidPayoutTransition(f"a payout that is {payout.status} cannot become {target}",
                                      payout_status=payout.status)
    payout.status = target
    payout.updated_at = utcnow()


async def get_payout(session: AsyncSession, *, payout_id: uuid.UUID, seller_id: uuid.UUID | None) -> PayoutOut:
    """`seller_id=None` is the admin view."""
    return PayoutOut.model_validate(await _payout(session, payout_id, seller_id=seller_id))


async def list_payouts(session: AsyncSession, *, seller_id: uuid.UUID | None, status: str | None,
                       cursor: str | None, limit: int = 20, oldest_first: bool = False) -> Page[PayoutOut]:
    """A seller's own payouts (newest first), or with `seller_id=None` the admin queue (oldest
    first: whoever asked first is paid first)."""
    query = select(Payout)
    if seller_id is not None:
        query = query.where(Payout.seller_id == seller_id)
    if status is not None:
        query = query.where(Payout.status == status)
    after = decode_time_id(cursor)
    key = tuple_(Payout.requested_at, Payout.id)
    if after is not None:
        query = query.where(key > after if oldest_first else key < after)
    order = (Payout.requested_at, Payout.id) if oldest_first else (Payout.requested_at.desc(), Payout.id.desc())
    rows = list(await session.scalars(query.order_by(*order).limit(limit + 1)))
    return Page[PayoutOut](items=[PayoutOut.model_validate(p) for p in rows[:limit]],
                           next_cursor=next_time_id_cursor(rows, limit, key=lambda p: (p.requested_at, p.id)))


async def _give_back(session: AsyncSession, payout: Payout, step: str, memo: str) -> None:
    await ledger.post(session, key=f"payout:{payout.id}:{step}", kind=f"payout_{step}", reference=str(payout.id),
                      memo=memo, lines=[chart.debit(chart.seller_payout(payout.seller_id), payout.amount),
                                        chart.credit(chart.seller_available(payout.seller_id), payout.amount)])


async def cancel(session: AsyncSession, *, payout_id: uuid.UUID, seller_id: uuid.UUID) -> PayoutOut:
    """The seller changes their mind before an admin has approved."""
    payout = await _payout(session, payout_id, seller_id=seller_id, lock=True)
    _move(payout, "cancelled")
    payout.cancelled_at = payout.updated_at
    await _give_back(session, payout, "cancelled", "payout cancelled: amount returned to the balance")
    outbox.publish(session, "payout.cancelled", _event(payout))
    await session.commit()
    return PayoutOut.model_validate(payout)


async def _decide(session: AsyncSession, payout_id: uuid.UUID, admin_id: uuid.UUID, target: str) -> Payout:
    payout = await _payout(session, payout_id, lock=True)
    if payout.seller_id == admin_id:
        raise OwnPayout()
    _move(payout, target)
    return payout


async def approve(session: AsyncSession, *, payout_id: uuid.UUID, admin_id: uuid.UUID) -> PayoutOut:
    """Checked and cleared for transfer; the money stays reserved in payout clearing."""
    payout = await _decide(session, payout_id, admin_id, "approved")
    payout.approved_at, payout.decided_by = payout.updated_at, admin_id
    outbox.publish(session, "payout.approved", _event(payout))
    await session.commit()
    return PayoutOut.model_validate(payout)


async def reject(session: AsyncSession, *, payout_id: uuid.UUID, admin_id: uuid.UUID, reason: str) -> PayoutOut:
    payout = await _decide(session, payout_id, admin_id, "rejected")
    payout.rejected_at, payout.reject_reason, payout.decided_by = payout.updated_at, reason, admin_id
    await _give_back(session, payout, "rejected", f"payout rejected: {reason}")
    outbox.publish(session, "payout.rejected", _event(payout, reason=reason))
    await session.commit()
    return PayoutOut.model_validate(payout)


async def mark_paid(session: AsyncSession, *, payout_id: uuid.UUID, admin_id: uuid.UUID,
                    reference: str) -> PayoutOut:
    """The bank transfer went out: payout clearing → cash, with the transfer's reference."""
    payout = await _decide(session, payout_id, admin_id, "paid")
    if await session.scalar(select(Payout.id).where(Payout.bank_reference == reference)) is not None:
        raise BankReferenceTaken(reference=reference)
    payout.paid_at, payout.paid_by, payout.bank_reference = payout.updated_at, admin_id, reference
    try:
        # Written now, not at commit: a concurrent payment with the same reference (which the check
        # above cannot see yet) fails here on the unique index, before any money is booked.
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        if violated_constraint(exc) == "uq_payout_bank_reference":
            raise BankReferenceTaken(reference=reference) from exc
        raise
    await ledger.post(session, key=f"payout:{payout.id}:paid", kind="payout_paid", reference=str(payout.id),
                      memo=f"payout sent, bank reference {reference}",
                      lines=[chart.debit(chart.seller_payout(payout.seller_id), payout.amount),
                             chart.credit(chart.cash(), payout.amount)])
    outbox.publish(session, "payout.paid", _event(payout, reference=reference))
    await session.commit()
    return PayoutOut.model_validate(payout)
