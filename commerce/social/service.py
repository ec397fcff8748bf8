"""The follow graph and blocks. Follow/unfollow/block keep the profile counters exact in the same
transaction and announce `user.followed` through the outbox for the feed's backfill."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core import outbox
from commerce.core.clock import stamp, utcnow
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.social.errors import Blocked, CannotBlockSelf, CannotFollowSelf
from commerce.social.models import Block, Follow
from commerce.social.schemas import Connection, Relationship
from commerce.users import service as users
from commerce.users.errors import UserNotFound


async def is_blocked_between(session: AsyncSession, *, a: uuid.UUID, b: uuid.UUID) -> bool:
    """Either direction: a block hides both people from each other."""
    return bool(await session.scalar(select(exists().where(or_(
        and_(Block.blocker_id == a, Block.blocked_id == b),
        and_(Block.blocker_id == b, Block.blocked_id == a),
    )))))


async def hidden_user_ids(session: AsyncSession, *, viewer_id: uuid.UUID | None) -> set[uuid.UUID]:
    """Everyone the viewer blocked or was blocked by: filtered out of every feed and listing."""
    if viewer_id is None:
        return set()
    rows = await session.execute(
        select(Block.blocked_id).where(Block.blocker_id == viewer_id)
        .union_all(select(Block.blocker_id).where(Block.blocked_id == viewer_id))
    )
    return {row[0] for row in rows}


async def _remove_follow(session: AsyncSession, follower_id: uuid.UUID, followee_id: uuid.UUID) -> bool:
    """The caller holds both people's counter locks (`users.lock_counts`)."""
    removed = await session.execute(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
        .returning(Follow.follower_id)
    )
    if removed.first() is None:
        return False
    await users.adjust_counts(session, user_id=follower_id, following=-1)
    await users.adjust_counts(session, user_id=followee_id, followers=-1)
    return True


def _followed_event(follower_id: uuid.UUID, followee_id: uuid.UUID, at: datetime) -> dict[str, str]:
    return {"follower_id": str(follower_id), "followee_id": str(followee_id), "followed_at": at.isoformat()}


async def follow(session: AsyncSession, *, follower_id: uuid.UUID, followee_id: uuid.UUID) -> Relationship:
    """Follow, unfollow and block first lock the pair's counter rows in id order. That keeps two of
    them on the same pair from deadlocking, and serialises a follow with a block between the same
    people: whichever comes second sees the other's commit (a follow sees the block and is refused,
    a block sees the follow and ends it), so no follow survives a block."""
    if follower_id == followee_id:
        raise CannotFollowSelf()
    await users.ensure_exists(session, user_id=followee_id)
    await users.lock_counts(session, user_ids=(follower_id, followee_id))
    if await is_blocked_between(session, a=follower_id, b=followee_id):
        raise Blocked()
    now = utcnow()
    inserted = await session.execute(
        insert(Follow).values(follower_id=follower_id, followee_id=followee_id, created_at=now)
        .on_conflict_do_nothing().returning(Follow.follower_id)
    )
    if inserted.first() is not None:  # idempotent: a repeated follow changes nothing
        await users.adjust_counts(session, user_id=follower_id, following=1)
        await users.adjust_counts(session, user_id=followee_id, followers=1)
        outbox.publish(session, "user.followed", _followed_event(follower_id, followee_id, now))
    await session.commit()
    return await relationship(session, viewer_id=follower_id, other_id=followee_id)


async def blocked_pairs(session: AsyncSession, *, pairs: Iterable[tuple[uuid.UUID, uuid.UUID]]
                        ) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """Which of these (a, b) pairs have a block between them, either way (bulk `is_blocked_between`)."""
    wanted = set(pairs)
    people = {p for pair in wanted for p in pair}
    if not people:
        return set()
    rows = await session.execute(select(Block.blocker_id, Block.blocked_id).where(
        Block.blocker_id.in_(people), Block.blocked_id.in_(people)))
    blocks = {(row[0], row[1]) for row in rows}
    return {(a, b) for a, b in wanted if (a, b) in blocks or (b, a) in blocks}


async def follow_many(session: AsyncSession, *,
                      follows: Sequence[tuple[uuid.UUID, uuid.UUID, datetime | None]]) -> int:
    """Bulk `follow` for imports and demo history: (follower, followee, followed_at or None for now)
    items, all or nothing, with the same rules (no self-follows, both people exist, no block between
    them), exact counters and one `user.followed` per new edge. Returns how many edges were new."""
    now = utcnow()
    rows: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
    for follower_id, followee_id, at in follows:
        if follower_id == followee_id:
            raise CannotFollowSelf()
        rows.setdefault((follower_id, followee_id), stamp(at, now))
    if not rows:
        return 0
    if missing := await users.missing_ids(session, user_ids={p for pair in rows for p in pair}):
        raise UserNotFound(user_ids=sorted(str(m) for m in missing)[:10])
    if await blocked_pairs(session, pairs=rows):
        raise Blocked()
    inserted: list[tuple[uuid.UUID, uuid.UUID]] = []
    items = [{"follower_id": a, "followee_id": b, "created_at": at} for (a, b), at in rows.items()]
    for start in range(0, len(items), 5000):
        result = await session.execute(insert(Follow).values(items[start:start + 5000]).on_conflict_do_nothing()
                                       .returning(Follow.follower_id, Follow.followee_id))
        inserted += [(row[0], row[1]) for row in result]
    deltas: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
    for follower_id, followee_id in inserted:
        deltas[follower_id][1] += 1
        deltas[followee_id][0] += 1
    await users.adjust_counts_many(session, deltas={uid: (d[0], d[1], d[2]) for uid, d in deltas.items()})
    await outbox.publish_many(session, "user.followed", (
        (_followed_event(a, b, rows[(a, b)]), rows[(a, b)]) for a, b in inserted))
    await session.commit()
    return len(inserted)


async def unfollow(session: AsyncSession, *, follower_id: uuid.UUID, followee_id: uuid.UUID) -> Relationship:
    await users.ensure_exists(session, user_id=followee_id)
    await users.lock_counts(session, user_ids=(follower_id, followee_id))
    await _remove_follow(session, follower_id, followee_id)
    await session.commit()
    return await relationship(session, viewer_id=follower_id, other_id=followee_id)


async def block(session: AsyncSession, *, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> Relationship:
    """Blocking also ends follows in both directions, so neither sees the other in following feeds."""
    if blocker_id == blocked_id:
        raise CannotBlockSelf()
    await users.ensure_exists(session, user_id=blocked_id)
    await users.lock_counts(session, user_ids=(blocker_id, blocked_id))
    await session.execute(
        insert(Block).values(blocker_id=blocker_id, blocked_id=blocked_id, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    await _remove_follow(session, blocker_id, blocked_id)
    await _remove_follow(session, blocked_id, blocker_id)
    outbox.publish(session, "user.blocked", {"blocker_id": str(blocker_id), "blocked_id": str(blocked_id)})
    await session.commit()
    return await relationship(session, viewer_id=blocker_id, other_id=blocked_id)


async def unblock(session: AsyncSession, *, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> Relationship:
    await users.ensure_exists(session, user_id=blocked_id)
    await session.execute(delete(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id))
    outbox.publish(session, "user.unblocked", {"blocker_id": str(blocker_id), "blocked_id": str(blocked_id)})
    await session.commit()
    return await relationship(session, viewer_id=blocker_id, other_id=blocked_id)


async def get_relationship(session: AsyncSession, *, viewer_id: uuid.UUID, other_id: uuid.UUID) -> Relationship:
    await users.ensure_exists(session, user_id=other_id)
    return await relationship(session, viewer_id=viewer_id, other_id=other_id)


async def relationship(session: AsyncSession, *, viewer_id: uuid.UUID, other_id: uuid.UUID) -> Relationship:
    def _follow(a: uuid.UUID, b: uuid.UUID):  # noqa: ANN202
        return exists().where(Follow.follower_id == a, Follow.followee_id == b)

    row = (await session.execute(select(
        _follow(viewer_id, other_id),
        _follow(other_id, viewer_id),
        exists().where(Block.blocker_id == viewer_id, Block.blocked_id == other_id),
    ))).one()
    return Relationship(following=row[0], followed_by=row[1], blocking=row[2])


async def _connections(session: AsyncSession, *, user_id: uuid.UUID, viewer_id: uuid.UUID | None, followers: bool,
                       cursor: str | None, limit: int) -> Page[Connection]:
    if viewer_id is not None and viewer_id != user_id and await is_blocked_between(session, a=viewer_id, b=user_id):
        raise Blocked()
    await users.ensure_exists(session, user_id=user_id)
    mine, other = (Follow.followee_id, Follow.follower_id) if followers else (Follow.follower_id, Follow.followee_id)
    query = select(other, Follow.created_at).where(mine == user_id)
    after = decode_time_id(cursor)
    if after is not None:
        query = query.where(tuple_(Follow.created_at, other) < after)
    hidden = await hidden_user_ids(session, viewer_id=viewer_id)
    if hidden:
        query = query.where(other.not_in(hidden))
    rows = (await session.execute(query.order_by(Follow.created_at.desc(), other.desc()).limit(limit + 1))).all()
    cards = await users.author_cards(session, user_ids=[r[0] for r in rows[:limit]])
    items = [Connection(user=cards[r[0]], since=r[1]) for r in rows[:limit] if r[0] in cards]
    next_cursor = next_time_id_cursor(rows, limit, key=lambda row: (row[1], row[0]))
    return Page[Connection](items=items, next_cursor=next_cursor)


async def followers(session: AsyncSession, *, user_id: uuid.UUID, viewer_id: uuid.UUID | None, cursor: str | None,
                    limit: int = 20) -> Page[Connection]:
    return await _connections(session, user_id=user_id, viewer_id=viewer_id, followers=True, cursor=cursor,
                              limit=limit)


async def following(session: AsyncSession, *, user_id: uuid.UUID, viewer_id: uuid.UUID | None, cursor: str | None,
                    limit: int = 20) -> Page[Connection]:
    return await _connections(session, user_id=user_id, viewer_id=viewer_id, followers=False, cursor=cursor,
                              limit=limit)


async def followee_ids(session: AsyncSession, *, user_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(select(Follow.followee_id).where(Follow.follower_id == user_id))
    return set(rows)


async def iter_follower_ids(session: AsyncSession, *, user_id: uuid.UUID,
                            batch_size: int = 1000) -> AsyncIterator[list[uuid.UUID]]:
    """Keyset-paged follower ids for fan-out (on the followee index): constant memory whatever the
    follower count."""
    last: tuple[datetime, uuid.UUID] | None = None
    while True:
        query = select(Follow.created_at, Follow.follower_id).where(Follow.followee_id == user_id)
        if last is not None:
            query = query.where(tuple_(Follow.created_at, Follow.follower_id) > last)
        rows = (await session.execute(
            query.order_by(Follow.created_at, Follow.follower_id).limit(batch_size))).all()
        if not rows:
            return
        yield [row[1] for row in rows]
        last = (rows[-1][0], rows[-1][1])
