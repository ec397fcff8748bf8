"""The intent state machine as data. Webhooks may arrive late, twice or out of order; only moves
listed here have an effect, so a stale "failed" can never undo a "succeeded"."""

from __future__ import annotations

ALLOWED: dict[str, set[str]] = {
    "requires_payment_method": {"processing", "canceled"},
    "processing": {"succeeded", "failed", "canceled"},
    "succeeded": {"partially_refunded", "refunded"},
    "partially_refunded": {"partially_refunded", "refunded"},
    "failed": set(),
    "canceled": set(),
    "refunded": set(),
}
REFUNDABLE = {"succeeded", "partially_refunded"}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())
