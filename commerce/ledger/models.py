"""Accounts, journals and entries.

Entries are signed: a debit is positive, a credit negative, so "every journal balances" is
`SUM(amount) = 0` per currency (a deferred constraint trigger checks it at commit) and an account's
balance is `SUM(amount)` of its entries. `normal_sign` turns that raw sum into the figure people
read: +1 for assets and expenses (debit-normal), -1 for liabilities and revenue (credit-normal).

Per-owner accounts (a buyer's wallet, a seller's balances) cache their balance on the row, locked
`FOR UPDATE` while posting, so checks like "the wallet covers this" are one locked read. Platform-wide
accounts (cash, clearing, escrow of first-party sales, revenue) leave `balance` NULL: every payment
touches them, and a cached figure would make every payment in the country queue on one row. Their
balance is the sum of their entries, which is what the trial balance reads for every account anyway.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("id", "currency"),  # the target of entry's (account_id, currency) foreign key
        CheckConstraint("normal_sign IN (1, -1)", name="normal_sign_known"),
        CheckConstraint("NOT no_overdraft OR (balance IS NOT NULL AND balance * normal_sign >= 0)",
                        name="no_overdraft"),
        Index("ix_account_owner_kind", "owner_id", "kind"),
        {"schema": "ledger"},
    )

    # Identity, not uuid: the order every posting locks accounts in.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # "<kind>:<owner id>" or "<kind>:platform"; what the code asks for.
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[uuid.UUID | None]
    currency: Mapped[str] = mapped_column(String(3))
    normal_sign: Mapped[int] = mapped_column(SmallInteger)
    # Raw signed sum of the entries (cached accounts only; NULL = read the entries).
    balance: Mapped[int | None] = mapped_column(BigInteger)
    no_overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Journal(Base):
    """One business event's money movement. `key` names the fact that caused it (`order:<id>:settle`,
    `payout:<id>:paid`, …): posting the same fact twice finds the key taken and posts nothing."""

    __tablename__ = "journal"
    __table_args__ = (Index("ix_journal_reference", "reference"), {"schema": "ledger"})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The order, checkout, payout or refund this is about (for support and statements).
    reference: Mapped[str | None] = mapped_column(String(100))
    memo: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Entry(Base):
    __tablename__ = "entry"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        # An entry's currency is its account's: a journal cannot balance rupiah against dollars.
        ForeignKeyConstraint(["account_id", "currency"], ["ledger.account.id", "ledger.account.currency"],
                             name="fk_entry_account_currency"),
        Index("ix_entry_account", "account_id", "id"),
        {"schema": "ledger"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    journal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger.journal.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # Signed: debit > 0, credit < 0.
    amount: Mapped[int] = mapped_column(BigInteger)
    # The account's raw balance after this entry (cached accounts; statements show it).
    balance_after: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class OrderPosition(Base):
    """What the ledger has already booked for one order. Order events carry the order's cumulative
    money facts (paid, refunded so far, completed); the ledger posts the difference between those and
    this row, so events arriving late, twice or out of order post each rupiah exactly once."""

    __tablename__ = "order_position"
    __table_args__ = (
        CheckConstraint("escrowed >= 0 AND refunded >= 0 AND refunded_to_wallet >= 0 "
                        "AND refunded_to_wallet <= refunded", name="amounts_sane"),
        {"schema": "ledger"},
    )

    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    buyer_id: Mapped[uuid.UUID]
    seller_id: Mapped[uuid.UUID | None]
    escrowed: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_to_wallet: Mapped[int] = mapped_column(BigInteger, default=0)
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The commission rate the settlement used; refunds after completion give back at the same rate.
    commission_bps: Mapped[int | None] = mapped_column(SmallInteger)
    wallet_released: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
