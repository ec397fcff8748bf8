"""Sending pending deliveries: claim → send → record, each delivery at most once per channel.

1. **Claim** (one short transaction, `FOR UPDATE SKIP LOCKED` so several workers share the work):
   due rows become `sending` with a lease, their attempt is counted and their message is rendered.
2. **Send** outside any transaction, a few at a time, each call carrying the delivery's idempotency key.
3. **Record** (one transaction): sent, or back to pending with exponential backoff, or failed after
   `max_attempts` or a permanent refusal.

A worker that dies between 2 and 3 leaves rows `sending` past their lease. The next claim resends
them only through providers that deduplicate on the key (the resend is then a no-op downstream);
for the others (plain SMTP) the outcome is unknown, and the row is failed rather than risk a
second email — an operator can retry it (`lakoo notifications retry`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.addresses import service as addresses
from commerce.auth import service as auth
from commerce.core.clock import utcnow
from commerce.core.db import Database
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.notifications import service
from commerce.notifications.channels import DeliveryFailed, OutboundMessage, Provider, SendResult, build_providers
from commerce.notifications.config import NotificationConfig, notification_config
from commerce.notifications.models import Delivery, Notification

log = logging.getLogger("lakoo.notifications")

OUTCOME_UNKNOWN = "outcome unknown: the worker stopped mid-send and this provider cannot deduplicate; not resent"
TURNED_OFF = "turned off by the recipient before it was sent"
NO_DESTINATION = {"email": "no active email address", "push": "no registered push device",
                  "sms": "no phone number (default address)"}


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    attempts: int
    message: OutboundMessage


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    result: SendResult | None = None
    error: str | None = None
    permanent: bool = False


async def _destinations(session: AsyncSession, rows: Sequence[Delivery]) -> dict[uuid.UUID, tuple[str, ...]]:
    by_channel: dict[str, set[uuid.UUID]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, set()).add(row.user_id)
    emails = await auth.contact_emails(session, user_ids=by_channel.get("email", ()))
    tokens = await service.device_tokens(session, user_ids=by_channel.get("push", ()))
    phones = {}
    for user_id in by_channel.get("sms", ()):
        address = await addresses.default_address(session, user_id=user_id)
        phones[user_id] = address.phone if address else None
    found: dict[uuid.UUID, tuple[str, ...]] = {}
    for row in rows:
        if row.channel == "email":
            found[row.id] = (emails[row.user_id],) if row.user_id in emails else ()
        elif row.channel == "push":
            found[row.id] = tuple(tokens.get(row.user_id, ()))
        else:
            found[row.id] = (phones[row.user_id],) if phones.get(row.user_id) else ()
    return found


async def _messages(session: AsyncSession, config: NotificationConfig,
                    rows: Sequence[Delivery]) -> dict[uuid.UUID, OutboundMessage | str]:
    """The message of each row, or why it will not be sent (channel turned off, nowhere to send)."""
    notifications = {n.id: n for n in await session.scalars(
        select(Notification).where(Notification.id.in_({r.notification_id for r in rows})))}
    allowed = await service.channel_allowed(
        session, keys={(r.user_id, notifications[r.notification_id].type, r.channel) for r in rows})
    rows = [r for r in rows if allowed[(r.user_id, notifications[r.notification_id].type, r.channel)]]
    rendered = await service.render_rows(session, [notifications[r.notification_id] for r in rows],
                                         locale=config.locale)
    destinations = await _destinations(session, rows)
    out: dict[uuid.UUID, OutboundMessage | str] = {}
    for row in rows:
        n = notifications[row.notification_id]
        text, _ = rendered[n.id]
        to = destinations[row.id]
        out[row.id] = OutboundMessage(
            idempotency_key=row.idempotency_key, channel=row.channel, to=to, title=text.title, body=text.body,
            link=config.app_url + text.link,
            data={"notification_id": str(n.id), "type": n.type, "target_type": n.target_type,
                  "target_id": str(n.target_id) if n.target_id else ""},
        ) if to else NO_DESTINATION[row.channel]
    return out


@dataclass(frozen=True)
class Claimed:
    claims: list[Claim]  # to send now
    settled: int  # due rows finished without sending (no destination, outcome unknown)


async def claim_due(db: Database, providers: Mapping[str, Provider], config: NotificationConfig, *,
                    now: datetime) -> Claimed:
    async with db.session() as session:
        rows = list(await session.scalars(
            select(Delivery).where(Delivery.status.in_(("pending", "sending")), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(config.dispatch_batch_size)
            .with_for_update(skip_locked=True)))
        sendable = []
        for row in rows:
            if row.status == "sending" and not providers[row.channel].deduplicates:
                row.status, row.last_error = "failed", OUTCOME_UNKNOWN
                log.error("delivery outcome unknown", extra={"delivery_id": str(row.id), "channel": row.channel})
                continue
            row.status, row.attempts = "sending", row.attempts + 1
            row.next_attempt_at = now + timedelta(seconds=config.lease_s)
            sendable.append(row)
        messages = await _messages(session, config, sendable) if sendable else {}
        claims = []
        for row in sendable:
            message = messages.get(row.id, TURNED_OFF)
            if isinstance(message, str):
                row.status, row.last_error = "skipped", message
            else:
                claims.append(Claim(delivery_id=row.id, attempts=row.attempts, message=message))
        await session.commit()
    return Claimed(claims=claims, settled=len(rows) - len(claims))


async def send_claimed(providers: Mapping[str, Provider], claims: Sequence[Claim], *,
                       concurrency: int = 8) -> list[Outcome]:
    gate = asyncio.Semaphore(concurrency)

    async def one(claim: Claim) -> Outcome:
        async with gate:
            try:
                return Outcome(claim, result=await providers[claim.message.channel].send(claim.message))
            except DeliveryFailed as exc:
                return Outcome(claim, error=str(exc)[:1000], permanent=exc.permanent)
            except Exception as exc:  # noqa: BLE001 - an unexpected provider error is retried like a transient one
                return Outcome(claim, error=repr(exc)[:1000])

    return list(await asyncio.gather(*(one(c) for c in claims)))


def backoff(config: NotificationConfig, attempts: int) -> timedelta:
    return timedelta(seconds=min(config.retry_max_s, config.retry_base_s * 2 ** max(0, attempts - 1)))


async def record(db: Database, providers: Mapping[str, Provider], config: NotificationConfig,
                 outcomes: Sequence[Outcome], *, now: datetime) -> None:
    async with db.session() as session:
        for outcome in outcomes:
            claim = outcome.claim
            if outcome.result is not None:
                values = {"status": "sent", "sent_at": utcnow(), "last_error": None,
                          "provider": providers[claim.message.channel].name,
                          "provider_ref": outcome.result.provider_ref[:200]}
            elif outcome.permanent or claim.attempts >= config.max_attempts:
                values = {"status": "failed", "last_error": outcome.error}
                log.warning("delivery failed", extra={"delivery_id": str(claim.delivery_id), "error": outcome.error})
            else:
                values = {"status": "pending", "last_error": outcome.error,
                          "next_attempt_at": now + backoff(config, claim.attempts)}
            # Only our own claim: if the lease ran out and another worker took the row, it decides.
            await session.execute(update(Delivery).where(
                Delivery.id == claim.delivery_id, Delivery.status == "sending", Delivery.attempts == claim.attempts,
            ).values(**values))
        await session.commit()


async def dispatch_due(db: Database, providers: Mapping[str, Provider], config: NotificationConfig, *,
                       now: datetime | None = None) -> int:
    """One round: claim a batch, send it, record the outcomes. Returns how many due rows it handled."""
    now = now or utcnow()
    claimed = await claim_due(db, providers, config, now=now)
    if claimed.claims:
        outcomes = await send_claimed(providers, claimed.claims, concurrency=config.send_concurrency)
        await record(db, providers, config, outcomes, now=now)
    return len(claimed.claims) + claimed.settled


async def dispatch_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    """The worker's periodic job: drain what is due, a bounded number of rounds per tick."""
    config, providers = notification_config(settings), build_providers(settings)
    done = 0
    for _ in range(10):
        sent = await dispatch_due(db, providers, config)
        done += sent
        if sent < config.dispatch_batch_size:
            break
    return done


async def retry_delivery(db: Database, *, delivery_id: uuid.UUID) -> bool:
    """An operator's decision to try a failed (or skipped) delivery again, e.g. after an SMTP outage
    or an outcome-unknown crash they have checked. Returns False if there is no such finished row."""
    async with db.session() as session:
        result = await session.execute(update(Delivery).where(
            Delivery.id == delivery_id, Delivery.status.in_(("failed", "skipped")),
        ).values(status="pending", next_attempt_at=utcnow(), last_error=None))
        await session.commit()
        return bool(result.rowcount)


async def list_deliveries(db: Database, *, status: str | None = None, limit: int = 50) -> list[Delivery]:
    async with db.session() as session:
        query = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
        if status:
            query = query.where(Delivery.status == status)
        return list(await session.scalars(query))


async def prune_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    """Read notifications past the retention period go (their deliveries and actors cascade)."""
    cutoff = utcnow() - timedelta(days=settings.notification_retention_days)
    async with db.session() as session:
        result = await session.execute(delete(Notification).where(Notification.read_at.is_not(None),
                                                                  Notification.updated_at < cutoff))
        await session.commit()
        return result.rowcount or 0
