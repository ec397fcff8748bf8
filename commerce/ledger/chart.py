"""The chart of accounts. Every account is one of these kinds; platform kinds have one account,
per-owner kinds one per buyer or seller, created on first use.

- cash (platform, debit-normal): money at the payment provider and the bank — captures in,
  provider refunds and payouts out.
- payment_clearing (platform, credit): buyer money (a capture, or wallet money at checkout) not yet
  in a paid order's escrow, or a refund on its way back through the provider.
- escrow (per seller, or the platform's for its own sales; credit): paid orders not yet completed —
  the seller's "pending".
- commission (platform, credit): revenue, the platform's commission on completed seller orders.
- sales (platform, credit): revenue, orders the platform sold itself (no seller).
- goodwill (platform, debit): expense, wallet credits granted by support.
- seller_available (per seller, credit): what the platform owes the seller, withdrawable.
- seller_payout (per seller, credit): payouts requested or approved, not yet sent to the bank.
- wallet (per buyer, credit): the buyer's LAKOO wallet; never below zero.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from commerce.core.money import DEFAULT_CURRENCY

DEBIT, CREDIT = 1, -1


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    normal_sign: int
    per_owner: bool
    no_overdraft: bool = False
    title: str = ""


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("cash", DEBIT, False, title="Cash at the payment provider and bank"),
    Kind("payment_clearing", CREDIT, False, title="Buyer money between payment and order"),
    Kind("escrow", CREDIT, False, title="Escrow of paid, not yet completed orders"),
    Kind("commission", CREDIT, False, title="Commission revenue"),
    Kind("sales", CREDIT, False, title="First-party sales revenue"),
    Kind("goodwill", DEBIT, False, title="Goodwill credits to buyers (expense)"),
    Kind("seller_available", CREDIT, True, title="Seller balance available for payout"),
    Kind("seller_payout", CREDIT, True, title="Seller payouts in progress"),
    Kind("wallet", CREDIT, True, no_overdraft=True, title="Buyer wallets"),
)}
# Escrow exists per seller as well as for the platform's own sales.
OWNER_OPTIONAL = {"escrow"}


@dataclass(frozen=True, slots=True, order=True)
class AccountRef:
    """Names an account without touching the database; `post` creates it on first use."""

    kind: str
    owner_id: uuid.UUID | None = None
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        kind = KINDS[self.kind]
        if kind.per_owner and self.owner_id is None:
            raise ValueError(f"a {self.kind} account belongs to someone")
        if not kind.per_owner and self.kind not in OWNER_OPTIONAL and self.owner_id is not None:
            raise ValueError(f"{self.kind} is a platform account")

    @property
    def code(self) -> str:
        owner = str(self.owner_id) if self.owner_id else "platform"
        suffix = "" if self.currency == DEFAULT_CURRENCY else f":{self.currency}"
        return f"{self.kind}:{owner}{suffix}"

    @property
    def cached(self) -> bool:
        """Owned accounts keep a locked running balance; platform ones are summed from entries."""
        return self.owner_id is not None


def cash() -> AccountRef:
    return AccountRef("cash")


def payment_clearing() -> AccountRef:
    return AccountRef("payment_clearing")


def escrow(seller_id: uuid.UUID | None) -> AccountRef:
    return AccountRef("escrow", seller_id)


def commission() -> AccountRef:
    return AccountRef("commission")


def sales() -> AccountRef:
    return AccountRef("sales")


def goodwill() -> AccountRef:
    return AccountRef("goodwill")


def seller_available(seller_id: uuid.UUID) -> AccountRef:
    return AccountRef("seller_available", seller_id)


def seller_payout(seller_id: uuid.UUID) -> AccountRef:
    return AccountRef("seller_payout", seller_id)


def wallet(buyer_id: uuid.UUID) -> AccountRef:
    return AccountRef("wallet", buyer_id)


@dataclass(frozen=True, slots=True)
class Line:
    """One side of a journal: a positive amount is a debit, a negative one a credit."""

    account: AccountRef
    amount: int


def debit(account: AccountRef, amount: int) -> Line:
    return Line(account, amount)


def credit(account: AccountRef, amount: int) -> Line:
    return Line(account, -amount)
