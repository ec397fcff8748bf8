"""The user-facing side of notifications: the inbox, read marks, preferences and push devices.

Producing notifications from events is `producer.py`; sending them out is `dispatch.py`. Every use
case here is scoped to the caller: another user's notification or device is simply not found (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.core.ids import uuid7
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.notifications.errors import DeviceNotFound, InAppAlwaysOn, NotificationNotFound
from commerce.notifications.models import Notification, Preference, PushDevice
from commerce.notifications.schemas import DeviceIn, DeviceOut, NotificationOut, PreferencesIn, PreferencesOut, Target
from commerce.notifications.templates import DEFAULT_LOCALE, Rendered, render
from commerce.notifications.types import TYPES, Channel, NotificationType, default_enabled
from commerce.users import service as users
from commerce.users.schemas import AuthorCard

SHOWN_ACTORS = 3


# --- rendering ----------------------------------------------------------------------------------

async def render_rows(session: AsyncSession, rows: Sequence[Notification], *,
                      locale: str = DEFAULT_LOCALE) -> dict[uuid.UUID, tuple[Rendered, list[AuthorCard]]]:
    """Text and shown actors per notification, with the actors' current names (one query)."""
    cards = await users.author_cards(session, user_ids={a for n in rows for a in n.actor_ids[:SHOWN_ACTORS]})
    out = {}
    for n in rows:
        actors = [cards[a] for a in n.actor_ids[:SHOWN_ACTORS] if a in cards]
        out[n.id] = (render(type_=n.type, data=n.data, target_type=n.target_type, target_id=n.target_id,
                            actor_names=[a.display_name for a in actors], actor_count=n.actor_count,
                            locale=locale), actors)
    return out


async def present(session: AsyncSession, rows: Sequence[Notification], *,
                  locale: str = DEFAULT_LOCALE) -> list[NotificationOut]:
    rendered = await render_rows(session, rows, locale=locale)
    out = []
    for n in rows:
        text, actors = rendered[n.id]
        out.append(NotificationOut(
            id=n.id, type=NotificationType(n.type), title=text.title, body=text.body, actors=actors,
            actor_count=n.actor_count, target=Target(type=n.target_type, id=n.target_id), data=n.data,
            created_at=n.created_at, updated_at=n.updated_at, read_at=n.read_at,
        ))
    return out


# --- inbox --------------------------------------------------------------------------------------

async def list_notifications(session: AsyncSession, *, user_id: uuid.UUID, unread_only: bool = False,
                             cursor: str | None = None, limit: int = 20,
                             locale: str = DEFAULT_LOCALE) -> Page[NotificationOut]:
    """Newest activity first. A batched notification that grows moves to the top, so a client
    paging at that moment may meet it again on a later page; refreshing from the top is exact."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    after = decode_time_id(cursor)
    if after is not None:
        query = query.where(tuple_(Notification.updated_at, Notification.id) < after)
    rows = list(await session.scalars(
        query.order_by(Notification.updated_at.desc(), Notification.id.desc()).limit(limit + 1)))
    items = await present(session, rows[:limit], locale=locale)
    return Page[NotificationOut](items=items,
                                 next_cursor=next_time_id_cursor(rows, limit, key=lambda n: (n.updated_at, n.id)))


async def get_notification(session: AsyncSession, *, user_id: uuid.UUID, notification_id: uuid.UUID,
                           locale: str = DEFAULT_LOCALE) -> NotificationOut:
    row = await session.scalar(select(Notification).where(Notification.id == notification_id,
                                                          Notification.user_id == user_id))
    if row is None:
        raise NotificationNotFound()
    return (await present(session, [row], locale=locale))[0]


async def unread_count(session: AsyncSession, *, user_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


async def mark_read(session: AsyncSession, *, user_id: uuid.UUID, notification_id: uuid.UUID,
                    locale: str = DEFAULT_LOCALE) -> NotificationOut:
    """Idempotent: reading a read notification keeps its first read time. Once read, a batched
    notification stops growing; the next like starts a new one."""
    await session.execute(update(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id, Notification.read_at.is_(None),
    ).values(read_at=utcnow()))
    await session.commit()
    return await get_notification(session, user_id=user_id, notification_id=notification_id, locale=locale)


async def mark_all_read(session: AsyncSession, *, user_id: uuid.UUID) -> int:
    result = await session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    await session.commit()
    return result.rowcount or 0


# --- preferences --------------------------------------------------------------------------------

async def _overrides(session: AsyncSession, user_id: uuid.UUID,
                     types: Iterable[str] | None = None) -> dict[tuple[str, str], bool]:
    query = select(Preference.type, Preference.channel, Preference.enabled).where(Preference.user_id == user_id)
    if types is not None:
        query = query.where(Preference.type.in_(list(types)))
    return {(row[0], row[1]): row[2] for row in await session.execute(query)}


async def enabled_channels(session: AsyncSession, *, user_id: uuid.UUID, type_: NotificationType) -> set[Channel]:
    overrides = await _overrides(session, user_id, [type_.value])
    return {c for c in Channel if overrides.get((type_.value, c.value), default_enabled(type_, c))}


async def channel_allowed(session: AsyncSession, *,
                          keys: Iterable[tuple[uuid.UUID, str, str]]) -> dict[tuple[uuid.UUID, str, str], bool]:
    """(user, type, channel) → the user's current choice, for many keys in one query: the dispatcher
    checks again at send time, so turning a channel off also stops what is already queued."""
    keys = set(keys)
    if not keys:
        return {}
    rows = await session.execute(select(Preference.user_id, Preference.type, Preference.channel, Preference.enabled)
                                 .where(Preference.user_id.in_({k[0] for k in keys})))
    chosen = {(r[0], r[1], r[2]): r[3] for r in rows}
    return {k: chosen.get(k, default_enabled(NotificationType(k[1]), Channel(k[2]))) for k in keys}


async def get_preferences(session: AsyncSession, *, user_id: uuid.UUID) -> PreferencesOut:
    overrides = await _overrides(session, user_id)
    return PreferencesOut(preferences={
        t: {c: overrides.get((t.value, c.value), default_enabled(t, c)) for c in Channel} for t in TYPES
    })


async def update_preferences(session: AsyncSession, *, user_id: uuid.UUID, data: PreferencesIn) -> PreferencesOut:
    """Only deviations from the defaults are stored, so improving a default reaches everyone who
    never chose otherwise."""
    now = utcnow()
    for type_, channels in data.preferences.items():
        for channel, enabled in channels.items():
            if channel is Channel.IN_APP and not enabled:
                raise InAppAlwaysOn()
            key = (Preference.user_id == user_id, Preference.type == type_.value, Preference.channel == channel.value)
            if enabled == default_enabled(type_, channel):
                await session.execute(delete(Preference).where(*key))
                continue
            await session.execute(insert(Preference).values(
                user_id=user_id, type=type_.value, channel=channel.value, enabled=enabled, updated_at=now,
            ).on_conflict_do_update(index_elements=["user_id", "type", "channel"],
                                    set_={"enabled": enabled, "updated_at": now}))
    await session.commit()
    return await get_preferences(session, user_id=user_id)


# --- push devices -------------------------------------------------------------------------------

def _device_out(device: PushDevice) -> DeviceOut:
    return DeviceOut(id=device.id, platform=device.platform, token_hint="…" + device.token[-6:],
                     created_at=device.created_at, last_seen_at=device.last_seen_at)


async def register_device(session: AsyncSession, *, user_id: uuid.UUID, data: DeviceIn) -> DeviceOut:
    """Idempotent on the token. A token already registered to someone else moves to the caller: the
    phone changed hands (or accounts), and pushes must follow whoever is signed in on it now."""
    now = utcnow()
    device = await session.scalar(insert(PushDevice).values(
        id=uuid7(), user_id=user_id, token=data.token, platform=data.platform, created_at=now, last_seen_at=now,
    ).on_conflict_do_update(index_elements=["token"], set_={
        "user_id": user_id, "platform": data.platform, "last_seen_at": now,
    }).returning(PushDevice))
    await session.commit()
    return _device_out(device)


async def list_devices(session: AsyncSession, *, user_id: uuid.UUID) -> list[DeviceOut]:
    rows = await session.scalars(select(PushDevice).where(PushDevice.user_id == user_id)
                                 .order_by(PushDevice.created_at.desc(), PushDevice.id.desc()))
    return [_device_out(d) for d in rows]


async def remove_device(session: AsyncSession, *, user_id: uuid.UUID, device_id: uuid.UUID) -> None:
    result = await session.execute(delete(PushDevice).where(PushDevice.id == device_id,
                                                            PushDevice.user_id == user_id))
    if not result.rowcount:
        raise DeviceNotFound()
    await session.commit()


async def device_tokens(session: AsyncSession, *, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    ids = set(user_ids)
    tokens: dict[uuid.UUID, list[str]] = {u: [] for u in ids}
    if ids:
        for user_id, token in await session.execute(select(PushDevice.user_id, PushDevice.token)
                                                    .where(PushDevice.user_id.in_(ids))
                                                    .order_by(PushDevice.last_seen_at.desc())):
            tokens[user_id].append(token)
    return tokens
