"""The product lifecycle as data, so the rules are read in one place and tested without a database.

    draft ──submit──▶ pending_review ──approve──▶ active
      ▲                     │
      └──── edit ──── rejected ◀──reject──┘
    draft | rejected | active ──archive──▶ archived (final)

Only `active` is public and taggable. A rejected product goes back to draft when it is edited, so a
resubmission always passes review again instead of slipping back to active.
"""

from __future__ import annotations

from commerce.catalog.errors import InvalidStatusTransition, ProductNotEditable

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"pending_review", "archived"}),
    "pending_review": frozenset({"active", "rejected"}),
    "active": frozenset({"archived"}),
    "rejected": frozenset({"draft", "archived"}),
    "archived": frozenset(),
}

# Statuses that need a buyable variant before the product may enter them.
NEEDS_ACTIVE_VARIANT = frozenset({"pending_review", "active"})


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise InvalidStatusTransition(f"a {current} product cannot become {target}", current_status=current,
                                      target_status=target)


def status_after_edit(current: str) -> str:
    """Editing keeps the status, except that it reopens a rejected product as a draft; archived
    products are frozen (they may still be referenced by old posts and orders)."""
    if current == "archived":
        raise ProductNotEditable()
    if current == "rejected":
        check_transition(current, "draft")
        return "draft"
    return current
