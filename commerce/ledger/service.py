"""Posting journals and reading balances.

`post` is the only writer. It joins the caller's transaction (checkout debits a wallet in its own
transaction; payouts and event consumers post in theirs), never commits, and:

- refuses lines that do not sum to zero per currency (and a deferred trigger refuses them again at
  commit, whatever code wrote them);
- is idempotent on `key`, the fact that caused the movement: a second post of the same key writes
  nothing and returns None;
- locks every cached account it touches `FOR UPDATE` in primary-key order before reading balances,
  so two postings on the same accounts queue instead of deadlocking or overdrawing;
- refuses to take a wallet (or any account the caller names in `non_negative`) below zero.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.ids import uuid7
from commerce.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from commerce.ledger.chart import KINDS, AccountRef, Line
from commerce.ledger.errors import InsufficientFunds, UnbalancedJournal
from commerce.ledger.models import Account, Entry, Journal
from commerce.ledger.schemas import EntryOut, JournalLineOut, JournalOut, KindTotals, TrialBalance


def _check_balanced(lines: Sequence[Line]) -> None:
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise UnbalancedJournal("amounts are whole numbers of the currency's unit")
        sums[line.account.currency] += line.amount
    if any(sums.values()):
        raise UnbalancedJournal(f"lines sum to {dict(sums)}, not zero")


async def _accounts(session: AsyncSession, refs: Collection[AccountRef]) -> dict[AccountRef, Account]:
    """Get or create: accounts appear the first time money moves through them."""
    by_code = {ref.code: ref for ref in refs}
    query = select(Account).where(Account.code.in_(by_code))
    found = {a.code: a for a in await session.scalars(query)}
    missing = [by_code[code] for code in sorted(by_code) if code not in found]
    if missing:
        now = utcnow()
        await session.execute(insert(Account).values([
            {"code": ref.code, "kind": ref.kind, "owner_id": ref.owner_id, "currency": ref.currency,
             "normal_sign": KINDS[ref.kind].normal_sign, "balance": 0 if ref.cached else None,
             "no_overdraft": KINDS[ref.kind].no_overdraft, "created_at": now} for ref in missing
        ]).on_conflict_do_nothing(index_elements=[Account.code]))
        found = {a.code: a for a in await session.scalars(query)}
    return {by_code[code]: account for code, account in found.items()}


async def _lock(session: AsyncSession, ids: Collection[int]) -> dict[int, Account]:
    if not ids:
        return {}
    rows = await session.scalars(select(Account).where(Account.id.in_(sorted(ids))).order_by(Account.id)
                                 .with_for_update().execution_options(populate_existing=True))
    return {a.id: a for a in rows}


async def lock(session: AsyncSession, *, accounts: Collection[AccountRef]) -> None:
    """Lock (creating them if new) the owned accounts a use case is about to post to, in primary-key
    order, until its transaction ends. For use cases that post several journals in one transaction;
    `post` alone locks what it touches."""
    owned = {ref for ref in accounts if ref.cached}
    if not owned:
        return
    found = await _accounts(session, owned)
    await _lock(session, {account.id for account in found.values()})


def _announce_wallet(session: AsyncSession, account: Account, amount: int, balance: int, journal_id: uuid.UUID,
                     kind: str, reference: str | None) -> None:
    """Every wallet movement, whatever caused it, is an event (notifications, analytics)."""
    shown = amount * account.normal_sign
    outbox.publish(session, "wallet.credited" if shown > 0 else "wallet.debited", {
        "user_id": str(account.owner_id), "amount": abs(shown), "balance": balance * account.normal_sign,
        "currency": account.currency, "journal_id": str(journal_id), "kind": kind, "reference": reference,
    })


async def post(session: AsyncSession, *, key: str, kind: str, lines: Sequence[Line], memo: str,
               reference: str | None = None, non_negative: Collection[AccountRef] = ()) -> uuid.UUID | None:
    """Write one balanced journal in the caller's transaction. Returns its id, or None when `key` was
    already posted (or every line is zero). Raises InsufficientFunds, before writing anything, if a
    line would take a wallet or a `non_negative` account below zero."""
    lines = [line for line in lines if line.amount != 0]
    _check_balanced(lines)
    if not lines or await session.scalar(select(Journal.id).where(Journal.key == key)) is not None:
        return None
    accounts = await _accounts(session, {line.account for line in lines})
    locked = await _lock(session, {accounts[ref].id for ref in accounts if ref.cached})
    running = {account_id: account.balance or 0 for account_id, account in locked.items()}
    before = dict(running)
    rows = []
    now = utcnow()
    journal_id = uuid7()
    for line in lines:
        account = accounts[line.account]
        after = None
        if account.id in running:
            running[account.id] += line.amount
            after = running[account.id]
        rows.append({"journal_id": journal_id, "account_id": account.id, "currency": account.currency,
                     "amount": line.amount, "balance_after": after, "created_at": now})
    guarded = {accounts[ref].id for ref in non_negative if ref in accounts}
    for account_id, account in locked.items():
        shown_after = running[account_id] * account.normal_sign
        shown_before = before[account_id] * account.normal_sign
        if (account.no_overdraft or account_id in guarded) and shown_after < 0 and shown_after < shown_before:
            raise InsufficientFunds(f"{account.kind} balance is {shown_before} {account.currency}",
                                    available=max(shown_before, 0), account=account.kind)
    inserted = await session.scalar(
        insert(Journal).values(id=journal_id, key=key, kind=kind, reference=reference, memo=memo, created_at=now)
        .on_conflict_do_nothing(index_elements=[Journal.key]).returning(Journal.id))
    if inserted is None:
        return None  # a concurrent poster of the same fact won
    await session.execute(insert(Entry), rows)
    for account_id, account in locked.items():
        if running[account_id] != before[account_id]:
            account.balance = running[account_id]
    await session.flush()
    for line in lines:
        account = accounts[line.account]
        if account.kind == "wallet":
            _announce_wallet(session, account, line.amount, running[account.id], journal_id, kind, reference)
    return journal_id


# --- reading -----------------------------------------------------------------------------------------

async def balance_for_update(session: AsyncSession, *, account: AccountRef) -> int:
    """The owner's balance, locked until the caller's transaction ends (creating the account if it is
    new), for use cases that decide an amount from it (pay with everything in the wallet)."""
    if not account.cached:
        raise ValueError("only owned accounts have a lockable balance")
    row = (await _accounts(session, [account]))[account]
    locked = (await _lock(session, [row.id]))[row.id]
    return (locked.balance or 0) * locked.normal_sign


async def balances(session: AsyncSession, *, owner_id: uuid.UUID, kinds: Collection[str]) -> dict[str, int]:
    """Balances of one owner's accounts as the owner reads them (0 for accounts never used)."""
    rows = await session.execute(select(Account.kind, Account.balance, Account.normal_sign)
                                 .where(Account.owner_id == owner_id, Account.kind.in_(list(kinds))))
    found = {kind: (balance or 0) * sign for kind, balance, sign in rows}
    return {kind: found.get(kind, 0) for kind in kinds}


async def account_balance(session: AsyncSession, *, account: AccountRef) -> int:
    """Any account's balance from its entries, in its normal direction."""
    row = (await session.execute(
        select(func.coalesce(func.sum(Entry.amount), 0), Account.normal_sign)
        .select_from(Account).outerjoin(Entry, Entry.account_id == Account.id)
        .where(Account.code == account.code).group_by(Account.normal_sign))).first()
    return int(row[0]) * row[1] if row else 0


def _entry_cursor(cursor: str | None) -> int | None:
    values = decode_cursor(cursor, 1)
    if values is None:
        return None
    if not isinstance(values[0], int) or isinstance(values[0], bool):
        raise InvalidCursor()
    return values[0]


async def statement(session: AsyncSession, *, owner_id: uuid.UUID, kinds: Collection[str], cursor: str | None,
                    limit: int = 20) -> Page[EntryOut]:
    """Newest first, across the owner's accounts of `kinds`; keyset on the entry id."""
    query = (select(Entry, Account.kind, Account.normal_sign, Journal.kind, Journal.reference, Journal.memo)
             .join(Account, Account.id == Entry.account_id).join(Journal, Journal.id == Entry.journal_id)
             .where(Account.owner_id == owner_id, Account.kind.in_(list(kinds))))
    after = _entry_cursor(cursor)
    if after is not None:
        query = query.where(Entry.id < after)
    rows = (await session.execute(query.order_by(Entry.id.desc()).limit(limit + 1))).all()
    items = [EntryOut(id=entry.id, at=entry.created_at, account=account_kind, amount=entry.amount * sign,
                      balance_after=None if entry.balance_after is None else entry.balance_after * sign,
                      currency=entry.currency, kind=journal_kind, reference=reference, memo=memo)
             for entry, account_kind, sign, journal_kind, reference, memo in rows[:limit]]
    return Page[EntryOut](items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


async def journals(session: AsyncSession, *, reference: str, limit: int = 100) -> list[JournalOut]:
    """Every journal about one order, checkout, payout or refund, oldest first: where its money went."""
    found = list(await session.scalars(select(Journal).where(Journal.reference == reference)
                                       .order_by(Journal.created_at, Journal.id).limit(limit)))
    lines: dict[uuid.UUID, list[JournalLineOut]] = defaultdict(list)
    if found:
        rows = await session.execute(select(Entry.journal_id, Account.code, Entry.amount)
                                     .join(Account, Account.id == Entry.account_id)
                                     .where(Entry.journal_id.in_([j.id for j in found])).order_by(Entry.id))
        for journal_id, code, amount in rows:
            lines[journal_id].append(JournalLineOut(account=code, amount=amount))
    return [JournalOut(id=j.id, key=j.key, kind=j.kind, reference=j.reference, memo=j.memo,
                       created_at=j.created_at, lines=lines[j.id]) for j in found]


async def trial_balance(session: AsyncSession, *, currency: str = "IDR") -> TrialBalance:
    """Debits and credits per account kind from the entries themselves, plus the two checks an
    auditor asks for: every journal sums to zero, and every cached balance equals its entries."""
    rows = (await session.execute(text("""
        SELECT a.kind, count(DISTINCT a.id),
               coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0),
               coalesce(-sum(e.amount) FILTER (WHERE e.amount < 0), 0)
        FROM ledger.account a LEFT JOIN ledger.entry e ON e.account_id = a.id
        WHERE a.currency = :currency GROUP BY a.kind ORDER BY a.kind"""), {"currency": currency})).all()
    found = {kind: (count, int(debits), int(credits)) for kind, count, debits, credits in rows}
    kinds = []
    for kind in KINDS.values():
        count, debits, credits = found.get(kind.name, (0, 0, 0))
        kinds.append(KindTotals(kind=kind.name, title=kind.title, accounts=count, debits=debits, credits=credits,
                                balance=(debits - credits) * kind.normal_sign))
    unbalanced = await session.scalar(text("""
        SELECT count(*) FROM (SELECT 1 FROM ledger.entry WHERE currency = :currency
                              GROUP BY journal_id HAVING sum(amount) <> 0) s"""), {"currency": currency})
    journal_count = await session.scalar(text(
        "SELECT count(DISTINCT journal_id) FROM ledger.entry WHERE currency = :currency"), {"currency": currency})
    mismatches = list(await session.scalars(text("""
        SELECT a.code FROM ledger.account a
        LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger.entry GROUP BY account_id) e
               ON e.account_id = a.id
        WHERE a.currency = :currency AND a.balance IS NOT NULL AND a.balance <> coalesce(e.total, 0)
        ORDER BY a.id LIMIT 50"""), {"currency": currency}))
    total_debits = sum(k.debits for k in kinds)
    total_credits = sum(k.credits for k in kinds)
    return TrialBalance(currency=currency, kinds=kinds, total_debits=total_debits, total_credits=total_credits,
                        balanced=total_debits == total_credits and not unbalanced, journals=journal_count or 0,
                        unbalanced_journals=unbalanced or 0, cached_mismatches=mismatches, as_of=utcnow())
