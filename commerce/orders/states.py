"""The order state machine as data: which status may follow which. Everything that changes an
order's status goes through `transition`, so the table is the whole truth."""

from __future__ import annotations

ALLOWED: dict[str, set[str]] = {
    "pending_payment": {"paid", "cancelled", "expired"},
    "paid": {"processing", "shipped", "cancelled", "refunded", "partially_refunded"},
    "processing": {"shipped", "cancelled", "refunded", "partially_refunded"},
    "shipped": {"delivered", "refunded", "partially_refunded"},
    "delivered": {"completed", "refunded", "partially_refunded"},
    "completed": {"refunded", "partially_refunded"},
    "partially_refunded": {"refunded", "partially_refunded", "shipped", "delivered", "completed"},
    "cancelled": set(),
    "expired": set(),
    "refunded": set(),
}
CANCELLABLE_BY_BUYER = {"pending_payment", "paid", "processing"}
REVIEWABLE = {"delivered", "completed"}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())
