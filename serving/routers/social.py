"""Follows and blocks under /api/users/{id}/…"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from commerce.core.pagination import Page
from commerce.social import service as social
from commerce.social.schemas import Connection, Relationship
from serving.deps import CurrentUser, Cursor, Limit, OptionalUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/users", tags=["social"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM}


@router.post("/{user_id}/follow", response_model=Relationship, responses=ERRORS)
async def follow(user_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Relationship:
    return await social.follow(session, follower_id=me.user_id, followee_id=user_id)


@router.delete("/{user_id}/follow", response_model=Relationship, responses=ERRORS)
async def unfollow(user_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Relationship:
    return await social.unfollow(session, follower_id=me.user_id, followee_id=user_id)


@router.post("/{user_id}/block", response_model=Relationship, responses=ERRORS)
async def block(user_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Relationship:
    return await social.block(session, blocker_id=me.user_id, blocked_id=user_id)


@router.delete("/{user_id}/block", response_model=Relationship, responses=ERRORS)
async def unblock(user_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Relationship:
    return await social.unblock(session, blocker_id=me.user_id, blocked_id=user_id)


@router.get("/{user_id}/relationship", response_model=Relationship, responses=ERRORS)
async def relationship(user_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Relationship:
    return await social.get_relationship(session, viewer_id=me.user_id, other_id=user_id)


@router.get("/{user_id}/followers", response_model=Page[Connection], responses=ERRORS)
async def followers(user_id: uuid.UUID, session: SessionDep, viewer: OptionalUser, cursor: Cursor = None,
                    limit: Limit = 20) -> Page[Connection]:
    return await social.followers(session, user_id=user_id, viewer_id=viewer.user_id if viewer else None,
                                  cursor=cursor, limit=limit)


@router.get("/{user_id}/following", response_model=Page[Connection], responses=ERRORS)
async def following(user_id: uuid.UUID, session: SessionDep, viewer: OptionalUser, cursor: Cursor = None,
                    limit: Limit = 20) -> Page[Connection]:
    return await social.following(session, user_id=user_id, viewer_id=viewer.user_id if viewer else None,
                                  cursor=cursor, limit=limit)
