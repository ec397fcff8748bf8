"""Property-style: after a randomized sequence of checkouts (card, wallet, split), payments,
cancellations, deliveries, completions, refunds (before and after completion, to the wallet and to
the card), expiries, goodwill credits and payouts, the books balance and every balance equals what
the orders, payments and payouts say it should be — computed here independently of the ledger."""

from __future__ import annotations

import os
import random
import uuid
from collections import defaultdict

import pytest
from sqlalchemy import text

from commerce.inventory.jobs import release_expired_job
from tests.events import drain
from tests.factories import add_to_cart, address, checkout
from tests.helpers import admin_headers, user_with_token
from tests.ledger_helpers import books, commission, deliver, goodwill, pay, seller, seller_product, wallet_balance

STEPS = int(os.environ.get("LAKOO_LEDGER_PROPERTY_STEPS", "30"))  # more for a longer soak
OPEN_PAYOUTS = ("requested", "approved")


class Market:
    def __init__(self, client, db, settings, redis, rng: random.Random) -> None:  # noqa: ANN001
        self.client, self.db, self.settings, self.redis, self.rng = client, db, settings, redis, rng
        self.orders: list[str] = []
        self.checkouts: list[tuple[dict, dict]] = []  # (buyer headers, checkout body)
        self.payouts: list[tuple[dict, str]] = []  # (seller headers, payout id)
        self.granted: dict[str, int] = defaultdict(int)

    async def setup(self) -> None:
        c = self.client
        self.admin = await admin_headers(c, self.db)
        self.sellers = [await seller(c, self.admin) for _ in range(2)]
        self.variants = [await seller_product(c, self.admin, self.db, s["id"], price=self.rng.randint(10_000, 400_000),
                                              quantity=1_000) for s, _ in self.sellers for _ in range(2)]
        self.variants.append(await seller_product(c, self.admin, self.db, None, price=99_999, quantity=1_000))
        self.buyers = []
        for _ in range(3):
            user, headers = await user_with_token(c)
            self.buyers.append((user, headers, (await address(c, headers))["id"]))

    async def order(self, order_id: str) -> dict:
        return (await self.client.get(f"/api/orders/{order_id}", headers=self.admin)).json()

    # --- operations -----------------------------------------------------------------------------------

    async def op_checkout(self) -> None:
        user, headers, address_id = self.rng.choice(self.buyers)
        for variant in self.rng.sample(self.variants, self.rng.randint(1, 3)):
            await add_to_cart(self.client, headers, variant, self.rng.randint(1, 2))
        balance = await wallet_balance(self.client, headers)
        mode = self.rng.choice(["none", "none", "all", "part"])
        extra = {"use_wallet": True} if mode == "all" else (
            {"wallet_amount": self.rng.randint(1, balance)} if mode == "part" and balance else {})
        method = self.rng.choice(["card", "ewallet", "bank_va"])
        response = await checkout(self.client, headers, address_id, payment_method=method, **extra)
        if response.status_code == 422 and response.json()["code"] == "wallet_amount_exceeds_total":
            response = await checkout(self.client, headers, address_id, payment_method=method, use_wallet=True)
        assert response.status_code == 201, response.text
        body = response.json()
        self.checkouts.append((headers, body))
        self.orders += [o["id"] for o in body["orders"]]

    async def op_advance(self) -> None:
        """Move one open order a step along its life: pay its checkout, deliver it, or complete it."""
        await drain(self.settings, self.db, self.redis)
        open_orders = [o for o in [await self.order(o) for o in self.orders]
                       if o["status"] in ("pending_payment", "paid", "delivered")]
        if not open_orders:
            return
        order = self.rng.choice(open_orders)
        headers = self._headers_for(order["id"])
        if order["status"] == "pending_payment":
            intent_id = next(b["payment_intent_id"] for h, b in self.checkouts
                             if any(o["id"] == order["id"] for o in b["orders"]))
            intent = (await self.client.get(f"/api/payments/{intent_id}", headers=headers)).json()
            if intent["status"] == "requires_payment_method":
                await pay(self.client, headers, intent_id)
        elif order["status"] == "paid":
            await deliver(self.client, self.admin, order["id"], self.settings, self.db, self.redis)
        else:  # delivered, partially refunded or not
            response = await self.client.post(f"/api/orders/{order['id']}/complete", headers=headers)
            assert response.status_code == 200, response.text

    def _headers_for(self, order_id: str) -> dict:
        return next(h for h, b in self.checkouts if any(o["id"] == order_id for o in b["orders"]))

    async def op_cancel(self) -> None:
        if self.orders:
            order_id = self.rng.choice(self.orders)
            headers = self._headers_for(order_id)
            # Partially refunded orders included: a refund never takes away the buyer's right to cancel.
            cancellable = (await self.order(order_id))["status"] in ("pending_payment", "paid", "processing")
            body = {"reason": "acak", "refund_to": self.rng.choice(["wallet", "original"])}
            response = await self.client.post(f"/api/orders/{order_id}/cancel", headers=headers, json=body)
            if response.status_code == 422:
                body["refund_to"] = "wallet"
                response = await self.client.post(f"/api/orders/{order_id}/cancel", headers=headers, json=body)
            assert response.status_code == (200 if cancellable else 409), response.text

    async def op_refund(self) -> None:
        if not self.orders:
            return
        order = await self.order(self.rng.choice(self.orders))
        left = order["total"] - order["refunded_amount"]
        if order["paid_at"] is None or left <= 0:
            return
        body = {"amount": self.rng.choice([left, self.rng.randint(1, left)]), "reason": "acak",
                "refund_to": self.rng.choice(["wallet", "original"])}
        response = await self.client.post(f"/api/orders/{order['id']}/refunds", headers=self.admin, json=body)
        if response.status_code == 422:
            body["refund_to"] = "wallet"
            response = await self.client.post(f"/api/orders/{order['id']}/refunds", headers=self.admin, json=body)
        assert response.status_code == 200, response.text
        # A partial refund is money, not a step: the order stays where its fulfilment is.
        expected = "refunded" if body["amount"] == left else order["status"]
        assert response.json()["status"] == expected, response.text

    async def op_expire(self) -> None:
        pending = [o for o in self.orders if (await self.order(o))["status"] == "pending_payment"]
        if pending:
            await self._expire(self.rng.sample(pending, 1))

    async def _expire(self, order_ids: list[str]) -> None:
        async with self.db.session() as session:
            await session.execute(text("UPDATE inventory.reservation SET expires_at = now() - interval '1 minute' "
                                       "WHERE reference = ANY(:refs) AND status = 'live'"), {"refs": order_ids})
            await session.commit()
        await release_expired_job(self.db, self.redis, self.settings)
        await drain(self.settings, self.db, self.redis)

    async def op_payout(self) -> None:
        user, headers = self.rng.choice(self.sellers)
        available = (await self.client.get("/api/sellers/me/balance", headers=headers)).json()["available"]
        amount = self.rng.choice([available, available + 1, self.rng.randint(10_000, max(10_000, available))])
        if amount < 10_000:
            return
        response = await self.client.post("/api/payouts", headers=headers, json={"amount": amount})
        assert response.status_code == (201 if amount <= available else 422), response.text
        if response.status_code == 201:
            self.payouts.append((headers, response.json()["id"]))

    async def op_decide(self) -> None:
        """Move an open payout on: mostly forward (approve, pay), sometimes back (reject, cancel)."""
        found = [(h, p) for h, p in self.payouts
                 if (await self.client.get(f"/api/payouts/{p}", headers=h)).json()["status"] in OPEN_PAYOUTS]
        if not found:
            return
        headers, payout_id = self.rng.choice(found)
        status = (await self.client.get(f"/api/payouts/{payout_id}", headers=headers)).json()["status"]
        action = self.rng.choice(["approve", "approve", "reject", "cancel"] if status == "requested"
                                 else ["mark-paid", "mark-paid", "reject"])
        if action == "cancel":
            response = await self.client.post(f"/api/payouts/{payout_id}/cancel", headers=headers)
        else:
            body = {"reason": "acak"} if action == "reject" else (
                {"reference": f"TRF-{uuid.uuid4().hex[:10]}"} if action == "mark-paid" else None)
            response = await self.client.post(f"/api/admin/payouts/{payout_id}/{action}", headers=self.admin,
                                              json=body)
        assert response.status_code == 200, response.text

    async def op_goodwill(self) -> None:
        user, _, _ = self.rng.choice(self.buyers)
        amount = self.rng.randint(1_000, 300_000)
        await goodwill(self.client, self.admin, user["id"], amount)
        self.granted[user["id"]] += amount

    async def op_drain(self) -> None:
        await drain(self.settings, self.db, self.redis)

    async def run(self, steps: int) -> None:
        ops = {self.op_checkout: 4, self.op_advance: 12, self.op_cancel: 2, self.op_refund: 3, self.op_expire: 1,
               self.op_payout: 3, self.op_decide: 4, self.op_goodwill: 2, self.op_drain: 2}
        for _ in range(steps):
            await self.rng.choices(list(ops), weights=list(ops.values()))[0]()
        await drain(self.settings, self.db, self.redis)
        pending = [o for o in self.orders if (await self.order(o))["status"] == "pending_payment"]
        if pending:
            await self._expire(pending)


async def _rows(db, sql: str) -> list:
    async with db.session() as session:
        return (await session.execute(text(sql))).all()


@pytest.mark.parametrize("seed", [7, 31])
async def test_the_books_balance_after_random_trading(client, db, settings, redis, seed):
    market = Market(client, db, settings, redis, random.Random(seed))
    await market.setup()
    await market.run(STEPS)
    ledger = await books(client, market.admin)

    orders = await _rows(db, "SELECT seller_id, buyer_id, total, subtotal, refunded_amount, refunded_to_wallet, "
                             "wallet_amount, paid_at IS NOT NULL, completed_at IS NOT NULL, status FROM orders.order")
    assert orders and any(o[8] for o in orders), "the random run should complete some orders"
    earned, pending, fees = defaultdict(int), defaultdict(int), 0
    wallets = defaultdict(int, {uuid.UUID(k): v for k, v in market.granted.items()})
    for seller_id, buyer_id, total, subtotal, refunded, to_wallet, from_wallet, paid, completed, status in orders:
        net = total - refunded
        if completed:
            fee = commission(max(0, subtotal - refunded)) if seller_id else 0
            earned[seller_id] += net - fee
            fees += fee
        elif paid:
            pending[seller_id] += net
        wallets[buyer_id] += to_wallet - from_wallet + (from_wallet if not paid and status in (
            "cancelled", "expired") else 0)
    payouts = await _rows(db, "SELECT seller_id, status, amount FROM payouts.payout")
    paid_out = defaultdict(int)
    for seller_id, status, amount in payouts:
        if status == "paid":
            paid_out[seller_id] += amount
    accounts = {(kind, owner): balance for kind, owner, balance in await _rows(
        db, "SELECT kind, owner_id, balance * normal_sign FROM ledger.account WHERE balance IS NOT NULL")}

    for user, _ in market.sellers:
        seller_id = uuid.UUID(user["id"])
        available = accounts.get(("seller_available", seller_id), 0)
        in_payout = accounts.get(("seller_payout", seller_id), 0)
        assert available + in_payout + paid_out[seller_id] == earned[seller_id]
        assert accounts.get(("escrow", seller_id), 0) == pending[seller_id]
        assert in_payout == sum(a for s, st, a in payouts if s == seller_id and st in ("requested", "approved"))
    for user, _, _ in market.buyers:
        assert accounts.get(("wallet", uuid.UUID(user["id"])), 0) == wallets[uuid.UUID(user["id"])] >= 0
    assert ledger["commission"] == fees
    assert ledger["sales"] == earned[None]
    assert ledger["escrow"] == sum(pending.values())
    assert ledger["goodwill"] == sum(market.granted.values())
    [(captured, refunded)] = await _rows(db, "SELECT coalesce(sum(amount) FILTER (WHERE kind = 'captured'), 0), "
                                             "coalesce(sum(amount) FILTER (WHERE kind = 'refunded'), 0) "
                                             "FROM payments.payment_event")
    assert ledger["cash"] == captured - refunded - sum(paid_out.values())
    assert ledger["payment_clearing"] == 0  # every checkout's money ended in an order or back with the buyer
