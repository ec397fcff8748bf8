"""Pure pieces of the ledger: the commission split, the chart's account names, order facts from old
and new payloads, and the balance check every journal passes."""

from __future__ import annotations

import random
import uuid

import pytest

from commerce.core.money import Money
from commerce.ledger import chart
from commerce.ledger.errors import UnbalancedJournal
from commerce.ledger.rules import OrderFacts, commission_on
from commerce.ledger.service import _check_balanced


def test_commission_rounds_up_and_loses_no_rupiah():
    assert commission_on(100_000, 500) == 5_000
    assert commission_on(99_999, 500) == 5_000  # 4,999.95: the odd rupiah goes to the first share
    assert commission_on(19, 500) == 1 and commission_on(0, 500) == 0 and commission_on(-5, 500) == 0
    assert commission_on(12_345, 0) == 0 and commission_on(12_345, 10_000) == 12_345
    rng = random.Random(5)
    for _ in range(1_000):
        goods, bps = rng.randint(1, 10**9), rng.randint(1, 9_999)
        fee = commission_on(goods, bps)
        seller = Money(goods).allocate([bps, 10_000 - bps])[1].amount
        assert fee + seller == goods and fee == -(-goods * bps // 10_000)


def test_commission_given_back_by_refunds_telescopes():
    """However a refund after completion is split, the platform keeps commission(goods kept)."""
    rng = random.Random(9)
    for _ in range(200):
        subtotal, bps = rng.randint(1, 10**7), 500
        refunded, given_back = 0, 0
        while refunded < subtotal:
            step = rng.randint(1, subtotal - refunded)
            given_back += commission_on(subtotal - refunded, bps) - commission_on(subtotal - refunded - step, bps)
            assert 0 <= given_back <= commission_on(subtotal, bps)
            refunded += step
            assert commission_on(subtotal, bps) - given_back == commission_on(subtotal - refunded, bps)


def test_account_refs_name_their_owner():
    owner = uuid.uuid4()
    assert chart.wallet(owner).code == f"wallet:{owner}" and chart.wallet(owner).cached
    assert chart.cash().code == "cash:platform" and not chart.cash().cached
    assert chart.escrow(None).code == "escrow:platform" and chart.escrow(owner).cached
    assert chart.debit(chart.cash(), 5).amount == 5 and chart.credit(chart.cash(), 5).amount == -5
    with pytest.raises(ValueError):
        chart.AccountRef("wallet")
    with pytest.raises(ValueError):
        chart.AccountRef("commission", owner)
    with pytest.raises(KeyError):
        chart.AccountRef("petty_cash")


def test_journals_must_balance_per_currency():
    _check_balanced([chart.debit(chart.cash(), 7), chart.credit(chart.payment_clearing(), 7)])
    with pytest.raises(UnbalancedJournal):
        _check_balanced([chart.debit(chart.cash(), 7), chart.credit(chart.payment_clearing(), 6)])
    with pytest.raises(UnbalancedJournal):
        _check_balanced([chart.debit(chart.cash(), 7),
                         chart.credit(chart.AccountRef("payment_clearing", currency="USD"), 7)])
    with pytest.raises(UnbalancedJournal):
        _check_balanced([chart.Line(chart.cash(), 1.5), chart.Line(chart.payment_clearing(), -1.5)])


def test_order_facts_from_new_and_old_payloads():
    order, buyer = uuid.uuid4(), uuid.uuid4()
    new = OrderFacts.from_payload({"order_id": str(order), "buyer_id": str(buyer), "seller_id": None, "total": 110,
                                   "status": "cancelled", "subtotal": 100, "wallet_amount": 30, "refunded_amount": 0,
                                   "refunded_to_wallet": 0, "paid": False, "completed": False})
    assert new.seller_id is None and new.wallet_amount == 30 and not new.paid
    old = OrderFacts.from_payload({"order_id": str(order), "buyer_id": str(buyer), "seller_id": str(buyer),
                                   "total": 110, "status": "completed"})
    assert old.paid and old.completed and old.subtotal == 110 and old.refunded_amount == 0
