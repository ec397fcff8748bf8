"""/api/users — profiles."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from commerce.auth import service as auth
from commerce.users import service as users
from commerce.users.schemas import MyProfile, ProfileUpdate, PublicProfile
from serving.deps import CurrentUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("/me", response_model=MyProfile, responses={401: PROBLEM})
async def me(claims: CurrentUser, session: SessionDep) -> MyProfile:
    return await _my_profile(session, claims.user_id)


@router.patch("/me", response_model=MyProfile, responses={401: PROBLEM, 409: PROBLEM, 422: PROBLEM})
async def update_me(body: ProfileUpdate, claims: CurrentUser, session: SessionDep) -> MyProfile:
    await users.update_profile(session, user_id=claims.user_id, changes=body)
    return await _my_profile(session, claims.user_id)


@router.get("/{user_id}", response_model=PublicProfile, responses={404: PROBLEM, 422: PROBLEM})
async def public_profile(user_id: uuid.UUID, session: SessionDep) -> PublicProfile:
    return await users.get_profile(session, user_id=user_id)


async def _my_profile(session: SessionDep, user_id: uuid.UUID) -> MyProfile:
    profile = await users.get_profile(session, user_id=user_id)
    account, roles = await auth.get_account(session, user_id=user_id)
    return MyProfile(**profile.model_dump(), email=account.email, roles=roles)
