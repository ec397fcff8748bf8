"""Wallet use cases. The wallet is a ledger account (`wallet:<user id>`), so its balance is the sum
of its entries and every movement is half of a balanced journal; this module decides *when* money
moves, the ledger *how*."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.ids import uuid7
from commerce.ledger import chart
from commerce.ledger import service as ledger
from commerce.ledger.errors import InsufficientFunds
from commerce.users import service as users
from commerce.wallet.errors import InsufficientWalletBalance, WalletAmountExceedsTotal
from commerce.wallet.schemas import GoodwillOut, WalletOut


async def pay_checkout(session: AsyncSession, *, buyer_id: uuid.UUID, checkout_id: uuid.UUID, total: int,
                       requested: int | None) -> int:
    """Spend wallet money on a checkout, in the checkout's transaction: `requested` rupiah, or with
    None as much as the wallet holds up to `total`. The wallet row stays locked until that
    transaction ends, so two checkouts spending the same wallet queue and the second sees what the
    first left. Returns the amount debited (0: nothing happened)."""
    if requested is not None and requested > total:
        raise WalletAmountExceedsTotal(f"the checkout's total is {total} IDR", total=total)
    if requested == 0:
        return 0
    available = await ledger.balance_for_update(session, account=chart.wallet(buyer_id))
    amount = min(available, total) if requested is None else requested
    if amount > available:
        raise InsufficientWalletBalance(f"the wallet holds {available} IDR", available=available)
    if amount <= 0:
        return 0
    try:
        await ledger.post(session, key=f"checkout:{checkout_id}:wallet", kind="wallet_payment",
                          reference=str(checkout_id), memo="paid at checkout",
                          lines=[chart.debit(chart.wallet(buyer_id), amount),
                                 chart.credit(chart.payment_clearing(), amount)])
    except InsufficientFunds as exc:  # unreachable while the row is locked; kept as the last word
        raise InsufficientWalletBalance(exc.detail, **exc.extra) from exc
    return amount


async def get_wallet(session: AsyncSession, *, user_id: uuid.UUID, cursor: str | None,
                     limit: int = 20) -> WalletOut:
    balance = (await ledger.balances(session, owner_id=user_id, kinds=["wallet"]))["wallet"]
    page = await ledger.statement(session, owner_id=user_id, kinds=["wallet"], cursor=cursor, limit=limit)
    return WalletOut(user_id=user_id, balance=balance, entries=page.items, next_cursor=page.next_cursor)


async def grant_goodwill(session: AsyncSession, *, user_id: uuid.UUID, amount: int, reason: str,
                         granted_by: uuid.UUID) -> GoodwillOut:
    """Support credits a buyer (a late parcel, a voucher promised on the phone): platform expense."""
    await users.ensure_exists(session, user_id=user_id)
    grant_id = uuid7()
    journal_id = await ledger.post(session, key=f"goodwill:{grant_id}", kind="goodwill", reference=str(grant_id),
                                   memo=f"goodwill from support ({granted_by}): {reason}",
                                   lines=[chart.debit(chart.goodwill(), amount),
                                          chart.credit(chart.wallet(user_id), amount)])
    balance = (await ledger.balances(session, owner_id=user_id, kinds=["wallet"]))["wallet"]
    await session.commit()
    assert journal_id is not None  # a fresh key always posts
    return GoodwillOut(user_id=user_id, amount=amount, balance=balance, journal_id=journal_id)
