"""Payment intents, their append-only ledger of events, and refunds.

An intent is one attempt to collect one checkout's money. Its status only ever moves forward along
`states.ALLOWED`; the ledger (`payment_event`) records every state change and every money movement,
so captured − refunded can always be re-derived from it and compared with the intent's counters.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

INTENT_STATUSES = ("requires_payment_method", "processing", "succeeded", "failed", "canceled", "refunded",
                   "partially_refunded")
METHODS = ("bank_va", "ewallet", "card")
PROVIDERS = ("test",)
EVENT_KINDS = ("created", "processing", "captured", "failed", "canceled", "refunded", "ignored")
# A failed or canceled intent is history: checkout may open a new one for the same reference.
DEAD_STATUSES = ("failed", "canceled")


def _sql_list(values: tuple[str, ...]) -> str:
    """A SQL list literal; a Python tuple's repr is not one when it has a single element."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class PaymentIntent(Base):
    __tablename__ = "payment_intent"
    __table_args__ = (
        CheckConstraint(f"status IN {_sql_list(INTENT_STATUSES)}", name="status_known"),
        CheckConstraint(f"method IN {_sql_list(METHODS)}", name="method_known"),
        CheckConstraint(f"provider IN {_sql_list(PROVIDERS)}", name="provider_known"),
        CheckConstraint("currency = 'IDR'", name="currency_idr"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("amount_refunded >= 0 AND amount_refunded <= amount", name="refunds_within_amount"),
        CheckConstraint("(status IN ('refunded', 'partially_refunded')) = (amount_refunded > 0)",
                        name="refund_status_matches_amount"),
        CheckConstraint("status <> 'refunded' OR amount_refunded = amount", name="refunded_means_all"),
        # At most one live intent per checkout: paying twice for the same orders must be impossible.
        Index("uq_payment_intent_live_reference", "reference", unique=True,
              postgresql_where=text(f"status NOT IN {_sql_list(DEAD_STATUSES)}")),
        {"schema": "payments"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The checkout id grouping one buyer's orders; no foreign key, orders live in another context.
    reference: Mapped[str] = mapped_column(String(100))
    buyer_id: Mapped[uuid.UUID] = mapped_column(index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    method: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(20), default="test")
    provider_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(30), default="requires_payment_method")
    # What the buyer has to do next while processing (transfer to a VA number, approve in the app).
    next_action: Mapped[dict[str, Any] | None]
    failure_code: Mapped[str | None] = mapped_column(String(50))
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentEvent(Base):
    """Append-only. `provider_event_id` is unique, which is what makes webhook redelivery harmless:
    a second delivery finds its event already here and changes nothing."""

    __tablename__ = "payment_event"
    __table_args__ = (
        CheckConstraint(f"kind IN {_sql_list(EVENT_KINDS)}", name="kind_known"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        {"schema": "payments"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    intent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.payment_intent.id", ondelete="RESTRICT"),
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Money that moved with this event (captured or refunded); 0 for pure state changes.
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    provider_event_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    payload: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class Refund(Base):
    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status = 'succeeded'", name="status_known"),
        {"schema": "payments"},
    )

    # Chosen by us before asking the provider, so the provider's webhook can name it.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    intent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.payment_intent.id", ondelete="RESTRICT"),
                                                 index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="succeeded")
    refunded_at: Mapped[datetime]
