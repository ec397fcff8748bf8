"""Turning "something happened" into notifications: self-actions and blocked pairs are dropped,
batched types fold into the open notification of their group, and each outbound channel the
recipient wants gets a pending delivery row — all in the consumer's transaction, so a redelivered
event (already recorded as processed) produces nothing twice and nothing is sent from here.

A notification is dated by the event that caused it, not by when a consumer got to it, so a backlog
(an outage, or the demo's months of seeded history relayed on the worker's first start) lands in
the inbox at the right place. Events older than `outbound_max_age_s` by then still reach the inbox
but get no email, push or SMS: a "your order shipped" push three days late is noise, and replayed
history must not mail thousands of people.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.core.ids import uuid7
from commerce.notifications import service
from commerce.notifications.config import NotificationConfig
from commerce.notifications.models import Delivery, Notification, NotificationActor
from commerce.notifications.types import OUTBOUND_CHANNELS, TYPES, NotificationType
from commerce.social import service as social

KEPT_ACTORS = 5  # newest distinct actors kept on the row for display; the count stays exact


@dataclass(frozen=True)
class Intent:
    """One notification to one recipient. `group` names what batched types fold on (a post for
    likes, "followers" for follows)."""

    user_id: uuid.UUID
    type: NotificationType
    target_type: str
    target_id: uuid.UUID | None
    actor_id: uuid.UUID | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    group: str | None = None


async def notify(session: AsyncSession, config: NotificationConfig, *, intents: Sequence[Intent],
                 event_id: uuid.UUID | None = None, occurred_at: datetime | None = None) -> list[uuid.UUID]:
    """Apply the intents and commit. Returns the ids of the notifications created or grown.
    `occurred_at` is when the event happened (default: now)."""
    now = utcnow()
    at = min(occurred_at, now) if occurred_at is not None else now
    outbound = now - at <= timedelta(seconds=config.outbound_max_age_s)
    touched = []
    for intent in intents:
        notification_id = await _apply(session, config, intent, event_id, at, outbound=outbound)
        if notification_id is not None:
            touched.append(notification_id)
    await session.commit()
    return touched


async def _suppressed(session: AsyncSession, intent: Intent) -> bool:
    if intent.actor_id is None:
        return False
    if intent.actor_id == intent.user_id:
        return True  # liking your own post, buying from your own shop
    return TYPES[intent.type].social and await social.is_blocked_between(session, a=intent.user_id,
                                                                        b=intent.actor_id)


async def _apply(session: AsyncSession, config: NotificationConfig, intent: Intent, event_id: uuid.UUID | None,
                 at: datetime, *, outbound: bool) -> uuid.UUID | None:
    """AT: when the event happened; OUTBOUND: whether it is recent enough for email, push and SMS."""
    if await _suppressed(session, intent):
        return None
    spec = TYPES[intent.type]
    group_key = f"{intent.type.value}:{intent.group or intent.target_id}" if spec.batched else None
    if group_key is not None:
        grown = await _grow_open(session, config, intent, group_key, event_id, at)
        if grown is not None:
            return grown
    notification = Notification(
        id=uuid7(), user_id=intent.user_id, type=intent.type.value, group_key=group_key,
        target_type=intent.target_type, target_id=intent.target_id,
        actor_ids=[intent.actor_id] if intent.actor_id else [], actor_count=1 if intent.actor_id else 0,
        data=dict(intent.data), source_event_id=event_id, created_at=at, updated_at=at, read_at=None,
    )
    session.add(notification)
    await session.flush()
    if intent.actor_id is not None:
        session.add(NotificationActor(notification_id=notification.id, actor_id=intent.actor_id, acted_at=at))
    if not outbound:
        return notification.id  # in-app only: too old to send
    now = utcnow()
    # Batched notifications wait a little before going out, so the first push already says
    # "Ayu and 4 others" instead of five pushes in a minute.
    due = now + timedelta(seconds=config.batch_delay_s if spec.batched else 0)
    channels = await service.enabled_channels(session, user_id=intent.user_id, type_=intent.type)
    for channel in OUTBOUND_CHANNELS:
        if channel in channels:
            session.add(Delivery(
                id=uuid7(), notification_id=notification.id, user_id=intent.user_id, channel=channel.value,
                status="pending", idempotency_key=f"{notification.id}:{channel.value}", attempts=0,
                next_attempt_at=due, last_error=None, provider=None, provider_ref=None, created_at=now,
                sent_at=None,
            ))
    return notification.id


async def _grow_open(session: AsyncSession, config: NotificationConfig, intent: Intent, group_key: str,
                     event_id: uuid.UUID | None, at: datetime) -> uuid.UUID | None:
    """Fold the action into the group's open notification (unread, started inside the window).

    A transaction-scoped advisory lock on (recipient, group) serialises concurrent likes on one post,
    which would otherwise both find no open notification and start two."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{intent.user_id}|{group_key}",
                                                                                   0))))
    open_ = await session.scalar(
        select(Notification).where(
            Notification.user_id == intent.user_id, Notification.group_key == group_key,
            Notification.read_at.is_(None), Notification.created_at >= at - timedelta(seconds=config.batch_window_s),
        ).order_by(Notification.created_at.desc()).limit(1).with_for_update()
    )
    if open_ is None:
        return None
    if intent.actor_id is not None:
        added = await session.execute(insert(NotificationActor).values(
            notification_id=open_.id, actor_id=intent.actor_id, acted_at=at,
        ).on_conflict_do_nothing().returning(NotificationActor.actor_id))
        if added.first() is None:
            return open_.id  # the same person again (unlike, like): nothing new to say
        open_.actor_count += 1
        open_.actor_ids = [intent.actor_id, *[a for a in open_.actor_ids if a != intent.actor_id]][:KEPT_ACTORS]
    open_.target_id = intent.target_id
    open_.data = {**open_.data, **intent.data}
    open_.source_event_id = event_id
    open_.updated_at = max(open_.updated_at, at)  # events of one group may arrive out of order
    return open_.id
