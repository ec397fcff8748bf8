from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class EntryOut(BaseModel):
    """One line of a statement, signed the way the account's owner reads it: + money in, - money out."""

    id: int
    at: datetime
    account: str = Field(description="account kind, e.g. wallet, seller_available, escrow")
    amount: int
    balance_after: int | None
    currency: str
    kind: str = Field(description="what moved the money, e.g. order_settled, refund, payout_requested")
    reference: str | None = Field(None, description="the order, checkout or payout it is about")
    memo: str


class KindTotals(BaseModel):
    kind: str
    title: str
    accounts: int
    debits: int
    credits: int
    balance: int = Field(description="debits - credits, in the account kind's normal direction")


class TrialBalance(BaseModel):
    currency: str
    kinds: list[KindTotals]
    total_debits: int
    total_credits: int
    balanced: bool = Field(description="total debits equal total credits")
    journals: int
    unbalanced_journals: int = Field(description="journals whose entries do not sum to zero (always 0)")
    cached_mismatches: list[str] = Field(description="accounts whose cached balance differs from their entries")
    as_of: datetime


class JournalLineOut(BaseModel):
    account: str
    amount: int


class JournalOut(BaseModel):
    id: uuid.UUID
    key: str
    kind: str
    reference: str | None
    memo: str
    created_at: datetime
    lines: list[JournalLineOut]
