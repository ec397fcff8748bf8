"""The order state machine as data: which status may follow which. Everything that changes an
order's status goes through `service._move`, so the table is the whole truth.

The status is where the goods are, never how much money went back: a partial refund leaves the
order where its fulfilment is (`refunded_amount` says how much was returned) so the seller can still
accept, pack and ship it and it still completes, settling only what was kept. Only a refund of
everything that is left ends the order, as `refunded`."""

from __future__ import annotations

ALLOWED: dict[str, set[str]] = {
    "pending_payment": {"paid", "cancelled", "expired"},
    "paid": {"processing", "shipped", "cancelled", "refunded"},
    "processing": {"shipped", "cancelled", "refunded"},
    "shipped": {"delivered", "refunded"},
    "delivered": {"completed", "refunded"},
    "completed": {"refunded"},
    "cancelled": set(),
    "expired": set(),
    "refunded": set(),
}
CANCELLABLE_BY_BUYER = {"pending_payment", "paid", "processing"}
REFUNDABLE = {"paid", "processing", "shipped", "delivered", "completed"}
REVIEWABLE = {"delivered", "completed"}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())
