"""The payout state machine as data.

requested → approved → paid; requested | approved → rejected (an admin: wrong details, a transfer
that bounced); requested → cancelled (the seller). The money is reserved when the payout is
requested (balance → payout clearing), so any number of requests can never withdraw more than the
balance, and goes back on rejection or cancellation.
"""

from __future__ import annotations

STATUSES = ("requested", "approved", "paid", "rejected", "cancelled")
ALLOWED: dict[str, set[str]] = {
    "requested": {"approved", "rejected", "cancelled"},
    "approved": {"paid", "rejected"},
    "paid": set(),
    "rejected": set(),
    "cancelled": set(),
}
OPEN = ("requested", "approved")


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())
