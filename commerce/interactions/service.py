"""Writing the interaction log: client batches over HTTP, server-side events from the context that
caused them (in that context's transaction, so a rolled-back like leaves no 'like' row)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import stamp, utcnow
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


def _client_rows(user_id: uuid.UUID, events: Sequence[ClientEvent], received_at: datetime,
                 seen: set[uuid.UUID]) -> tuple[list[dict[str, Any]], int]:
    """One app batch as table rows: impersonation refused, repeats within the batch dropped, times
    clamped into the window around the arrival time (and flagged)."""
    if any(e.user_id is not None and e.user_id != user_id for e in events):
        raise ImpersonationForbidden()
    rows, clamped = [], 0
    for event in events:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        occurred_at, was_clamped = _clamp(event.occurred_at, received_at)
        clamped += was_clamped
        properties = dict(event.properties)
        if was_clamped:
            properties["clamped_from"] = event.occurred_at.isoformat()
        rows.append({
            "event_id": event.event_id, "user_id": user_id, "event_type": event.type, "source": "client",
            "surface": event.surface, "position": event.position, "post_id": event.post_id,
            "product_id": event.product_id, "variant_id": event.variant_id, "order_id": None, "quantity": None,
            "amount": None, "session_id": event.session_id, "properties": properties,
            "occurred_at": occurred_at, "received_at": received_at,
        })
    return rows, clamped


async def log_client_batch(session: AsyncSession, *, user_id: uuid.UUID, events: list[ClientEvent]) -> BatchResult:
    """All or nothing: one event claiming another user rejects the whole batch."""
    rows, clamped = _client_rows(user_id, events, utcnow(), set())
    inserted = (await session.execute(
        insert(Interaction).values(rows).on_conflict_do_nothing(index_elements=["user_id", "event_id"])
        .returning(Interaction.id)
    )).all()
    await session.commit()
    return BatchResult(accepted=len(inserted), duplicates=len(events) - len(inserted), clamped=clamped)


@dataclass(frozen=True, slots=True)
class ClientBatch:
    """What one app upload carried: its user, its events and when it reached us (None: now)."""

    user_id: uuid.UUID
    events: Sequence[ClientEvent]
    received_at: datetime | None = None


_COLUMNS = ("event_id", "user_id", "event_type", "source", "surface", "position", "post_id", "product_id",
            "variant_id", "order_id", "quantity", "amount", "session_id", "properties", "occurred_at",
            "received_at")
_STAGING = "_interaction_incoming"


async def append_client_batches(session: AsyncSession, *, batches: Iterable[ClientBatch]) -> BatchResult:
    """Many app uploads at once (an ingest buffer, imports, demo history), with `log_client_batch`'s
    rules per batch — impersonation refused (all or nothing), resent event ids ignored, times clamped
    around each batch's arrival — at COPY speed: rows are copied into a session-local staging table
    and moved with one INSERT … ON CONFLICT DO NOTHING, in arrival order, so `id` (the warehouse's
    watermark) grows with `received_at`. Commits."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    clamped = submitted = 0
    seen: dict[uuid.UUID, set[uuid.UUID]] = {}
    for batch in batches:
        received_at = stamp(batch.received_at, now)
        batch_rows, batch_clamped = _client_rows(batch.user_id, batch.events, received_at,
                                                 seen.setdefault(batch.user_id, set()))
        rows += batch_rows
        clamped += batch_clamped
        submitted += len(batch.events)
    if not rows:
        return BatchResult(accepted=0, duplicates=submitted, clamped=clamped)
    rows.sort(key=lambda r: (r["received_at"], r["occurred_at"]))
    columns = ", ".join(_COLUMNS)
    connection = await session.connection()
    await connection.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS AS "
        f"SELECT 0::bigint AS seq, {columns} FROM interactions.interaction WITH NO DATA")
    driver = (await connection.get_raw_connection()).driver_connection
    async with driver.cursor() as cursor:
        async with cursor.copy(f"COPY {_STAGING} (seq, {columns}) FROM STDIN") as copy:
            for seq, row in enumerate(rows):
                await copy.write_row((seq, *(Jsonb(row[c]) if c == "properties" else row[c] for c in _COLUMNS)))
    result = await connection.exec_driver_sql(
        f"INSERT INTO interactions.interaction ({columns}) SELECT {columns} FROM {_STAGING} ORDER BY seq "
        f"ON CONFLICT (user_id, event_id) DO NOTHING")
    accepted = result.rowcount
    await session.commit()
    return BatchResult(accepted=accepted, duplicates=submitted - accepted, clamped=clamped)


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


_SERVER_DEFAULTS = {"surface": None, "position": None, "post_id": None, "product_id": None, "variant_id": None,
                    "order_id": None, "quantity": None, "amount": None, "session_id": None}


async def record_many(session: AsyncSession, *, events: Iterable[dict[str, Any]]) -> int:
    """Bulk `record` for bulk use cases: each dict has `record`'s keyword arguments, `occurred_at`
    (None: now) included; an event that happened at a past moment was also received then. Joins the
    caller's transaction."""
    now = utcnow()
    rows = []
    for event in events:
        at = stamp(event.get("occurred_at"), now)
        rows.append({**_SERVER_DEFAULTS, **event, "event_id": uuid7(), "source": "server",
                     "properties": event.get("properties") or {}, "occurred_at": at, "received_at": at})
    for start in range(0, len(rows), 5000):
        await session.execute(insert(Interaction), rows[start:start + 5000])
    return len(rows)


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
