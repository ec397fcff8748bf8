"""Where an order's money comes from and goes back to: the buyer's wallet and the checkout's payment
intent. Kept apart from the checkout and lifecycle code so both stay about orders.

An order is paid `wallet_amount` from the wallet (debited in the checkout transaction) and the rest
through the checkout's one payment intent. Refunds of a paid order go to the wallet unless the
buyer (or an admin) asks for the original method; then the card or e-wallet part that is left goes
back through the provider and anything beyond it (what the wallet paid) to the wallet. The ledger
books all of it from the order's events (`wallet_amount`, `refunded_amount`, `refunded_to_wallet`).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.money import Money
from commerce.orders.errors import RefundToOriginalUnavailable
from commerce.orders.models import Order
from commerce.orders.schemas import CheckoutIn
from commerce.payments import service as payments
from commerce.wallet import service as wallet


async def spend_wallet(session: AsyncSession, *, buyer_id: uuid.UUID, checkout_id: uuid.UUID,
                       orders: list[Order], data: CheckoutIn) -> int:
    """Debit the wallet for this checkout (locked, never below zero) and spread the amount over its
    orders in proportion to their totals, to the rupiah. Returns the amount spent."""
    if not data.use_wallet and not data.wallet_amount:
        return 0
    spent = await wallet.pay_checkout(session, buyer_id=buyer_id, checkout_id=checkout_id,
                                      total=sum(o.total for o in orders),
                                      requested=None if data.use_wallet else data.wallet_amount)
    if spent:
        for order, share in zip(orders, Money(spent).allocate([o.total for o in orders]), strict=True):
            order.wallet_amount = share.amount
    return spent


def card_part_left(order: Order) -> int:
    """What the payment intent paid for this order and has not been refunded to it yet."""
    return (order.total - order.wallet_amount) - (order.refunded_amount - order.refunded_to_wallet)


async def _through_provider(session: AsyncSession, order: Order, amount: int, reason: str, secret: str) -> int:
    intent = await payments.intent_for_reference(session, reference=str(order.checkout_id))
    if intent is None or amount <= 0:
        return 0
    await payments.refund(session, intent_id=intent.id, amount=amount, reason=reason, secret=secret, commit=False)
    return amount


async def refund(session: AsyncSession, *, order: Order, amount: int, reason: str, secret: str,
                 to: str = "wallet") -> None:
    """Give `amount` of a paid order back to its buyer, to the wallet or the original method."""
    to_original = 0
    if to == "original":
        to_original = min(amount, max(0, card_part_left(order)))
        if to_original:
            intent = await payments.intent_for_reference(session, reference=str(order.checkout_id))
            if intent is not None and intent.method == "bank_va":
                raise RefundToOriginalUnavailable()
            to_original = await _through_provider(session, order, to_original, reason, secret)
    order.refunded_amount += amount
    order.refunded_to_wallet += amount - to_original


async def return_payment(session: AsyncSession, *, order: Order, reason: str, secret: str) -> None:
    """The checkout's payment arrived for an order that will never ship (expired, cancelled, sold
    out): its card part goes straight back through the provider. Its wallet part is not a refund —
    the wallet hold is released when the order ends unpaid (the ledger does that from the event)."""
    order.refunded_amount += await _through_provider(session, order, card_part_left(order), reason, secret)
