"""Profile use cases. `create_profile` joins the caller's transaction (registration owns the commit);
`update_profile` is its own use case and commits."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.users.errors import UsernameTaken, UserNotFound
from commerce.users.models import UserProfile
from commerce.users.schemas import ProfileUpdate, PublicProfile


async def username_taken(session: AsyncSession, *, username: str) -> bool:
    found = await session.scalar(select(func.count()).where(UserProfile.username == username.lower()))
    return bool(found)


async def create_profile(session: AsyncSession, *, user_id: uuid.UUID, username: str) -> UserProfile:
    now = utcnow()
    profile = UserProfile(id=user_id, username=username.lower(), display_name=username, bio="",
                          avatar_url=None, created_at=now, updated_at=now)
    session.add(profile)
    return profile


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
