"""The ledger's guarantees on a real database: balanced journals (in code and by a deferred trigger),
append-only entries, idempotent postings, redelivered or reordered events that change nothing,
and locks that keep concurrent payouts and wallet payments from overdrawing."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from commerce.core.eventbus import Consumer, Event
from commerce.core.outbox import OutboxEvent
from commerce.ledger import chart
from commerce.ledger import service as ledger
from commerce.ledger.errors import UnbalancedJournal
from commerce.ledger.handlers import ORDER_TOPICS, PAYMENT_TOPICS, book_order_event, book_payment_event
from commerce.ledger.handlers import make_handlers as ledger_handlers
from commerce.payouts import service as payouts
from commerce.payouts.errors import InsufficientBalance
from commerce.wallet import service as wallet
from commerce.wallet.errors import InsufficientWalletBalance
from tests.events import drain
from tests.factories import add_to_cart, address, checkout
from tests.helpers import admin_headers, user_with_token
from tests.ledger_helpers import books, bought_and_paid, deliver, goodwill, seller, seller_product, wallet_balance

LEDGER_TABLES = "ledger.entry, ledger.journal, ledger.account, ledger.order_position"


async def _balances(db) -> dict[str, int]:
    async with db.session() as session:
        rows = await session.execute(text(
            "SELECT a.code, coalesce(sum(e.amount), 0) FROM ledger.account a "
            "LEFT JOIN ledger.entry e ON e.account_id = a.id GROUP BY a.code"))
        return {code: int(total) for code, total in rows if total}


async def _count(db, table: str) -> int:
    async with db.session() as session:
        return await session.scalar(text(f"SELECT count(*) FROM {table}"))


async def _fund_seller(db, seller_id: uuid.UUID, amount: int) -> None:
    async with db.session() as session:
        await ledger.post(session, key=f"test:{uuid.uuid4()}", kind="test", memo="test funds",
                          lines=[chart.debit(chart.cash(), amount),
                                 chart.credit(chart.seller_available(seller_id), amount)])
        await session.commit()


async def test_post_refuses_unbalanced_lines_and_zero_sums_are_enforced_by_the_database(db):
    async with db.session() as session:
        with pytest.raises(UnbalancedJournal):
            await ledger.post(session, key="bad", kind="test", memo="x",
                              lines=[chart.debit(chart.cash(), 100), chart.credit(chart.payment_clearing(), 99)])
    assert await _count(db, "ledger.journal") == 0
    await _fund_seller(db, uuid.uuid4(), 1_000)
    async with db.session() as session:
        account_id = await session.scalar(text("SELECT id FROM ledger.account WHERE kind = 'cash'"))
        journal_id = uuid.uuid4()
        await session.execute(text("INSERT INTO ledger.journal (id, key, kind, memo, created_at) "
                                   "VALUES (:id, 'sneaky', 'test', 'one-legged', now())"), {"id": journal_id})
        await session.execute(text("INSERT INTO ledger.entry (journal_id, account_id, currency, amount, created_at) "
                                   "VALUES (:j, :a, 'IDR', 500, now())"), {"j": journal_id, "a": account_id})
        with pytest.raises(DBAPIError, match="does not balance"):
            await session.commit()


async def test_entries_are_append_only_and_wallets_never_go_negative(db):
    await _fund_seller(db, uuid.uuid4(), 1_000)
    for statement in ("UPDATE ledger.entry SET amount = amount * 2", "DELETE FROM ledger.entry",
                      "DELETE FROM ledger.journal", "UPDATE ledger.journal SET memo = 'edited'"):
        async with db.session() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
    async with db.session() as session:
        await ledger.balance_for_update(session, account=chart.wallet(uuid.uuid4()))
        await session.commit()
    async with db.session() as session:
        with pytest.raises(DBAPIError, match="ck_account_no_overdraft"):
            await session.execute(text("UPDATE ledger.account SET balance = 1 WHERE kind = 'wallet'"))


async def test_the_same_key_posts_once(db):
    seller_id = uuid.uuid4()
    async with db.session() as session:
        lines = [chart.debit(chart.cash(), 10), chart.credit(chart.seller_available(seller_id), 10)]
        first = await ledger.post(session, key="once", kind="test", memo="x", lines=lines)
        again = await ledger.post(session, key="once", kind="test", memo="x", lines=lines)
        await session.commit()
    assert first is not None and again is None
    async with db.session() as session:
        assert (await ledger.balances(session, owner_id=seller_id, kinds=["seller_available"])) == {
            "seller_available": 10}


async def _money_flow(client, db, settings, redis) -> dict:
    """Two sellers and the platform; paid, refunded before and after completion, to the wallet and
    to the card; one order left unpaid and cancelled. Only events drive the ledger here."""
    admin = await admin_headers(client, db)
    first, _ = await seller(client, admin)
    second, _ = await seller(client, admin)
    a = await seller_product(client, admin, db, first["id"], price=123_457)
    b = await seller_product(client, admin, db, second["id"], price=88_001)
    c = await seller_product(client, admin, db, None, price=50_000)
    _, buyer = await user_with_token(client)
    body = await bought_and_paid(client, buyer, [a, b, c], settings, db, redis, payment_method="card")
    by_seller = {o["seller_id"]: o for o in body["orders"]}
    oa, ob, oc = by_seller[first["id"]], by_seller[second["id"]], by_seller[None]
    for order in (oa, ob, oc):
        await deliver(client, admin, order["id"], settings, db, redis)
    steps = [(f"/api/orders/{oa['id']}/refunds", admin, {"amount": 23_457, "reason": "cacat"})]
    steps += [(f"/api/orders/{order['id']}/complete", buyer, None) for order in (oa, ob, oc)]
    steps += [(f"/api/orders/{ob['id']}/refunds", admin,
               {"amount": 40_000, "reason": "retur", "refund_to": "original"}),
              (f"/api/orders/{oc['id']}/refunds", admin, {"amount": 1, "reason": "voucher"})]
    for url, headers, json in steps:
        assert (await client.post(url, headers=headers, json=json)).status_code == 200
    await add_to_cart(client, buyer, c, 1)
    unpaid = (await checkout(client, buyer, (await address(client, buyer))["id"])).json()
    cancelled = await client.post(f"/api/orders/{unpaid['orders'][0]['id']}/cancel", headers=buyer,
                                  json={"reason": "batal"})
    assert cancelled.status_code == 200
    await drain(settings, db, redis)
    await books(client, admin)
    return {"admin": admin, "buyer": buyer}


async def _ledger_events(db) -> list[Event]:
    async with db.session() as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.topic.in_(ORDER_TOPICS + PAYMENT_TOPICS))
                                     .order_by(OutboxEvent.id))
        return [Event(event_id=r.event_id, topic=r.topic, payload=r.payload, occurred_at=r.occurred_at)
                for r in rows]


async def _book(db, event: Event) -> None:
    async with db.session() as session:
        if event.topic in ORDER_TOPICS:
            await book_order_event(session, payload=event.payload, commission_bps=500)
        else:
            await book_payment_event(session, topic=event.topic, payload=event.payload)


async def test_redelivered_and_republished_events_post_nothing_twice(client, db, settings, redis):
    await _money_flow(client, db, settings, redis)
    before, journals = await _balances(db), await _count(db, "ledger.journal")
    events = await _ledger_events(db)
    assert {e.topic for e in events} >= {"order.paid", "order.completed", "order.refunded", "order.cancelled",
                                         "payment.succeeded", "payment.refunded"}
    # The bus redelivers the same message: the consumer has it recorded and skips it.
    handlers = {h.name: h for h in ledger_handlers(settings)}
    for event in events:
        consumer = Consumer(db, redis, handlers["ledger.orders" if event.topic in ORDER_TOPICS else "ledger.payments"])
        assert await consumer._handle("stream", event)
    # The same facts announced again under new event ids: the postings themselves are idempotent.
    for event in events:
        await _book(db, event)
    assert await _balances(db) == before and await _count(db, "ledger.journal") == journals


async def test_events_in_any_order_give_the_same_books(client, db, settings, redis):
    await _money_flow(client, db, settings, redis)
    expected = await _balances(db)
    events = await _ledger_events(db)
    for seed in (1, 2):
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {LEDGER_TABLES} RESTART IDENTITY CASCADE"))
        shuffled = list(reversed(events)) if seed == 1 else random.Random(seed).sample(events, len(events))
        for event in shuffled:
            await _book(db, event)
        assert await _balances(db) == expected


async def test_concurrent_payout_requests_cannot_overdraw(db):
    seller_id = uuid.uuid4()
    await _fund_seller(db, seller_id, 100_000)

    async def request(amount: int) -> str:
        async with db.session() as session:
            try:
                await payouts.request_payout(session, seller_id=seller_id, amount=amount, note=None, minimum=10_000)
                return "ok"
            except InsufficientBalance:
                return "refused"

    outcomes = await asyncio.gather(*(request(60_000) for _ in range(4)))
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    async with db.session() as session:
        assert await ledger.balances(session, owner_id=seller_id, kinds=["seller_available", "seller_payout"]) == {
            "seller_available": 40_000, "seller_payout": 60_000}


async def test_concurrent_wallet_payments_cannot_overdraw(client, db):
    admin = await admin_headers(client, db)
    buyer, _ = await user_with_token(client)
    await goodwill(client, admin, buyer["id"], 100_000)
    buyer_id = uuid.UUID(buyer["id"])

    async def spend() -> str:
        async with db.session() as session:
            try:
                await wallet.pay_checkout(session, buyer_id=buyer_id, checkout_id=uuid.uuid4(), total=70_000,
                                          requested=70_000)
            except InsufficientWalletBalance:
                return "refused"
            await asyncio.sleep(0.05)  # hold the row lock a moment, as a checkout reserving stock would
            await session.commit()
            return "ok"

    outcomes = await asyncio.gather(*(spend() for _ in range(3)))
    assert sorted(outcomes) == ["ok", "refused", "refused"]
    async with db.session() as session:
        assert (await ledger.balances(session, owner_id=buyer_id, kinds=["wallet"]))["wallet"] == 30_000


async def test_concurrent_checkouts_with_the_wallet_charge_it_once(client, db, settings, redis):
    admin = await admin_headers(client, db)
    variant = await seller_product(client, admin, db, None, price=60_000)
    buyer, headers = await user_with_token(client)
    await goodwill(client, admin, buyer["id"], 100_000)
    where = await address(client, headers)
    await add_to_cart(client, headers, variant, 1)
    responses = await asyncio.gather(*(checkout(client, headers, where["id"], wallet_amount=60_000)
                                       for _ in range(3)))
    assert sorted(r.status_code for r in responses) == [201, 422, 422]
    assert await wallet_balance(client, headers) == 40_000
    await drain(settings, db, redis)
    await books(client, admin)
