"""Writing the interaction log: client batches over HTTP, server-side events from the context that
caused them (in that context's transaction, so a rolled-back like leaves no 'like' row)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.core.errors import Forbidden
from commerce.core.ids import uuid7
from commerce.interactions.models import Interaction
from commerce.interactions.schemas import BatchResult, ClientEvent

# A phone may queue events offline for days; anything older, or from a clock far in the future, is
# clamped into this window and flagged, rather than dropped or trusted.
MAX_PAST = timedelta(days=7)
MAX_FUTURE = timedelta(minutes=5)


class ImpersonationForbidden(Forbidden):
    code = "interaction_user_mismatch"
    title = "Events can only be logged for yourself"


def _clamp(occurred_at: datetime, now: datetime) -> tuple[datetime, bool]:
    low, high = now - MAX_PAST, now + MAX_FUTURE
    if occurred_at < low:
        return low, True
    if occurred_at > high:
        return now, True
    return occurred_at, False


async def log_client_batch(session: AsyncSession, *, user_id: uuid.UUID, events: list[ClientEvent]) -> BatchResult:
    """All or nothing: one event claiming another user rejects the whole batch."""
    if any(e.user_id is not None and e.user_id != user_id for e in events):
        raise ImpersonationForbidden()
    now = utcnow()
    rows, clamped = [], 0
    seen: set[uuid.UUID] = set()
    for event in events:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        occurred_at, was_clamped = _clamp(event.occurred_at, now)
        clamped += was_clamped
        properties = dict(event.properties)
        if was_clamped:
            properties["clamped_from"] = event.occurred_at.isoformat()
        rows.append({
            "event_id": event.event_id, "user_id": user_id, "event_type": event.type, "source": "client",
            "surface": event.surface, "position": event.position, "post_id": event.post_id,
            "product_id": event.product_id, "variant_id": event.variant_id, "order_id": None, "quantity": None,
            "amount": None, "session_id": event.session_id, "properties": properties,
            "occurred_at": occurred_at, "received_at": now,
        })
    inserted = (await session.execute(
        insert(Interaction).values(rows).on_conflict_do_nothing(index_elements=["user_id", "event_id"])
        .returning(Interaction.id)
    )).all()
    await session.commit()
    return BatchResult(accepted=len(inserted), duplicates=len(events) - len(inserted), clamped=clamped)


def record(session: AsyncSession, *, user_id: uuid.UUID, event_type: str, post_id: uuid.UUID | None = None,
           product_id: uuid.UUID | None = None, variant_id: uuid.UUID | None = None,
           order_id: uuid.UUID | None = None, quantity: int | None = None, amount: int | None = None,
           surface: str | None = None, position: int | None = None, properties: dict[str, Any] | None = None,
           occurred_at: datetime | None = None) -> None:
    """Stage a server-side interaction in the caller's transaction."""
    now = utcnow()
    session.add(Interaction(
        event_id=uuid7(), user_id=user_id, event_type=event_type, source="server", surface=surface,
        position=position, post_id=post_id, product_id=product_id, variant_id=variant_id, order_id=order_id,
        quantity=quantity, amount=amount, session_id=None, properties=properties or {},
        occurred_at=occurred_at or now, received_at=now,
    ))


async def count_by_type(session: AsyncSession, *, user_id: uuid.UUID | None = None) -> dict[str, int]:
    query = select(Interaction.event_type, func.count()).group_by(Interaction.event_type)
    if user_id is not None:
        query = query.where(Interaction.user_id == user_id)
    return {row[0]: row[1] for row in await session.execute(query)}


async def recent(session: AsyncSession, *, user_id: uuid.UUID, limit: int = 50) -> list[Interaction]:
    rows = await session.scalars(
        select(Interaction).where(Interaction.user_id == user_id).order_by(Interaction.id.desc()).limit(limit)
    )
    return list(rows)


async def append_served(session: AsyncSession, *, rows: list[dict[str, Any]]) -> int:
    """Server-side events logged after the fact (impressions the feeds served), each with an event id
    derived from where it was logged, so a redelivered batch inserts nothing twice. Commits."""
    if not rows:
        return 0
    now = utcnow()
    values = [{"source": "server", "variant_id": None, "order_id": None, "quantity": None, "amount": None,
               "session_id": None, "product_id": None, "received_at": now, **row} for row in rows]
    inserted = 0
    for start in range(0, len(values), 1000):  # well under PostgreSQL's 65,535 bind parameters
        result = await session.execute(
            insert(Interaction).values(values[start:start + 1000])
            .on_conflict_do_nothing(index_elements=["user_id", "event_id"]).returning(Interaction.id))
        inserted += len(result.all())
    await session.commit()
    return inserted
