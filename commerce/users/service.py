"""Profile use cases. `create_profile` joins the caller's transaction (registration owns the commit);
`update_profile` is its own use case and commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.users.errors import UsernameTaken, UserNotFound
from commerce.users.models import UserProfile
from commerce.users.schemas import AuthorCard, ProfileUpdate, PublicProfile


async def username_taken(session: AsyncSession, *, username: str) -> bool:
    found = await session.scalar(select(func.count()).where(UserProfile.username == username.lower()))
    return bool(found)


async def usernames_taken(session: AsyncSession, *, usernames: Sequence[str]) -> bool:
    names = [u.lower() for u in usernames]
    return bool(names) and await session.scalar(
        select(UserProfile.id).where(UserProfile.username.in_(names)).limit(1)) is not None


async def create_profile(session: AsyncSession, *, user_id: uuid.UUID, username: str) -> UserProfile:
    now = utcnow()
    profile = UserProfile(id=user_id, username=username.lower(), display_name=username, bio="",
                          avatar_url=None, created_at=now, updated_at=now)
    session.add(profile)
    return profile


async def create_profiles(session: AsyncSession, *, profiles: Sequence[tuple[uuid.UUID, str, datetime]]) -> None:
    """Bulk `create_profile`: (user_id, username, created_at) items; joins the caller's transaction."""
    rows = [{"id": user_id, "username": username.lower(), "display_name": username, "bio": "", "avatar_url": None,
             "created_at": at, "updated_at": at} for user_id, username, at in profiles]
    for start in range(0, len(rows), 5000):
        await session.execute(insert(UserProfile), rows[start:start + 5000])


async def get_profile(session: AsyncSession, *, user_id: uuid.UUID) -> PublicProfile:
    profile = await session.get(UserProfile, user_id)
    if profile is None:
        raise UserNotFound()
    return PublicProfile.model_validate(profile)


async def update_profile(session: AsyncSession, *, user_id: uuid.UUID, changes: ProfileUpdate) -> PublicProfile:
    profile = await session.get(UserProfile, user_id, with_for_update=True)
    if profile is None:
        raise UserNotFound()
    data = changes.model_dump(exclude_unset=True)
    if data.get("username") and data["username"] != profile.username:
        if await username_taken(session, username=data["username"]):
            raise UsernameTaken()
    for field, value in data.items():
        if value is None and field in ("username", "display_name", "bio"):
            continue  # explicit null means "leave as is" for required fields
        setattr(profile, field, str(value) if field == "avatar_url" and value is not None else value)
    profile.updated_at = utcnow()
    try:
        await session.commit()
    except IntegrityError as exc:  # a concurrent rename won the race for that username
        await session.rollback()
        raise UsernameTaken() from exc
    return PublicProfile.model_validate(profile)


async def ensure_exists(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    if await session.scalar(select(UserProfile.id).where(UserProfile.id == user_id)) is None:
        raise UserNotFound()


async def missing_ids(session: AsyncSession, *, user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these users do not exist (bulk `ensure_exists`)."""
    ids = set(user_ids)
    found = set(await session.scalars(select(UserProfile.id).where(UserProfile.id.in_(ids)))) if ids else set()
    return ids - found


async def author_cards(session: AsyncSession, *, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AuthorCard]:
    ids = set(user_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(UserProfile.id, UserProfile.username, UserProfile.display_name, UserProfile.avatar_url)
        .where(UserProfile.id.in_(ids))
    )
    return {row.id: AuthorCard.model_validate(row) for row in rows}


async def adjust_counts(session: AsyncSession, *, user_id: uuid.UUID, followers: int = 0, following: int = 0,
                        posts: int = 0) -> None:
    """Joins the caller's transaction. An in-place increment holds the row lock until commit, so
    concurrent follows serialise on it and the counter stays exact."""
    await session.execute(
        update(UserProfile)
        .where(UserProfile.id == user_id)
        .values(followers_count=UserProfile.followers_count + followers,
                following_count=UserProfile.following_count + following,
                posts_count=UserProfile.posts_count + posts)
    )


async def lock_counts(session: AsyncSession, *, user_ids: Iterable[uuid.UUID]) -> None:
    """Lock these profiles' counter rows in id order until the caller commits (joins its transaction).
    A use case that moves two people's counters takes both locks up front, in one order: A following
    B while B follows A then queue on the same first row instead of each holding the row the other
    needs. NO KEY UPDATE, like the increments themselves, so rows referring to a profile still insert."""
    ids = sorted(set(user_ids))
    if ids:
        await session.execute(select(UserProfile.id).where(UserProfile.id.in_(ids)).order_by(UserProfile.id)
                              .with_for_update(key_share=True))


async def followers_count(session: AsyncSession, *, user_id: uuid.UUID) -> int:
    return int(await session.scalar(select(UserProfile.followers_count).where(UserProfile.id == user_id)) or 0)


async def followers_counts(session: AsyncSession, *, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    ids = set(user_ids)
    if not ids:
        return {}
    rows = await session.execute(select(UserProfile.id, UserProfile.followers_count).where(UserProfile.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


_ADD_COUNTS = text("""
    UPDATE users.user_profile AS p
       SET followers_count = p.followers_count + d.followers,
           following_count = p.following_count + d.following,
           posts_count = p.posts_count + d.posts
      FROM unnest(CAST(:ids AS uuid[]), CAST(:followers AS bigint[]), CAST(:following AS bigint[]),
                  CAST(:posts AS bigint[])) AS d(id, followers, following, posts)
     WHERE p.id = d.id
""")


async def adjust_counts_many(session: AsyncSession, *, deltas: dict[uuid.UUID, tuple[int, int, int]]) -> None:
    """Bulk `adjust_counts`: {user_id: (followers, following, posts)} in two statements. Joins the
    caller's transaction; the rows are locked in id order first, so bulk writers cannot deadlock."""
    ids = sorted(uid for uid, delta in deltas.items() if any(delta))
    if not ids:
        return
    await session.execute(select(UserProfile.id).where(UserProfile.id.in_(ids)).order_by(UserProfile.id)
                          .with_for_update())
    await session.execute(_ADD_COUNTS, {"ids": ids, "followers": [deltas[i][0] for i in ids],
                                        "following": [deltas[i][1] for i in ids],
                                        "posts": [deltas[i][2] for i in ids]})
