"""Transactional outbox: an event is a row written in the same commit as the change that caused it,
so "the change happened" and "the event will be delivered" can never disagree after a crash."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.clock import utcnow
from commerce.core.db import Base
from commerce.core.ids import uuid7


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_event_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        {"schema": "platform"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """Which consumer has already applied which event: redelivery then has no second effect."""

    __tablename__ = "processed_event"
    __table_args__ = {"schema": "platform"}

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime]


def publish(session: AsyncSession, topic: str, payload: dict[str, Any],
            occurred_at: datetime | None = None) -> uuid.UUID:
    """Stage an event in the caller's transaction; it exists only if that transaction commits."""
    event_id = uuid7()
    session.add(OutboxEvent(event_id=event_id, topic=topic, payload=payload, occurred_at=occurred_at or utcnow(),
                            published_at=None))
    return event_id


async def publish_many(session: AsyncSession, topic: str,
                       events: Iterable[tuple[dict[str, Any], datetime | None]]) -> int:
    """Stage many events of one topic in the caller's transaction with one multi-row INSERT, for bulk
    use cases; each is (payload, occurred_at or None for now). Same rows as `publish` writes."""
    now = utcnow()
    rows = [{"event_id": uuid7(), "topic": topic, "payload": payload, "occurred_at": at or now,
             "published_at": None} for payload, at in events]
    for start in range(0, len(rows), 5000):
        await session.execute(insert(OutboxEvent), rows[start:start + 5000])
    return len(rows)
