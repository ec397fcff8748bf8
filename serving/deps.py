"""FastAPI dependencies as `Annotated` aliases: the session, Redis, the current user and role checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.auth import service as auth
from commerce.auth.errors import RoleRequired
from commerce.auth.service import AuthConfig
from commerce.auth.tokens import AccessClaims
from commerce.core.errors import Unauthenticated
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.feed.service import FeedConfig
from commerce.sellers import service as sellers
from serving.state import AppState


# The accessors below are `async def` although they never await: FastAPI runs a plain `def`
# dependency in its thread pool, a thread hop (and GIL hand-off) per request for an attribute read.
async def get_state(request: Request) -> AppState:
    return request.app.state.lakoo


State = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: State) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_redis(state: State) -> RedisStore:
    return state.redis


RedisDep = Annotated[RedisStore, Depends(get_redis)]


async def get_auth_config(state: State) -> AuthConfig:
    return state.auth


AuthConfigDep = Annotated[AuthConfig, Depends(get_auth_config)]

_bearer = HTTPBearer(auto_error=False, description="access token from POST /api/auth/login")


async def optional_claims(
    state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> AccessClaims | None:
    if credentials is None:
        return None
    if credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    return await auth.verify_access(state.redis, state.auth, token=credentials.credentials)


async def current_claims(claims: Annotated[AccessClaims | None, Depends(optional_claims)]) -> AccessClaims:
    if claims is None:
        raise Unauthenticated("Send an access token as `Authorization: Bearer <token>`")
    return claims


CurrentUser = Annotated[AccessClaims, Depends(current_claims)]
OptionalUser = Annotated[AccessClaims | None, Depends(optional_claims)]


def require_role(*roles: str) -> Callable[[AccessClaims], AccessClaims]:
    def _check(claims: CurrentUser) -> AccessClaims:
        if not set(roles) & set(claims.roles):
            raise RoleRequired(f"requires one of: {', '.join(roles)}")
        return claims

    return _check


AdminUser = Annotated[AccessClaims, Depends(require_role("admin"))]


async def approved_seller(claims: CurrentUser, session: SessionDep) -> AccessClaims:
    """The current user, if they own an approved shop (403 `seller_required` otherwise)."""
    await sellers.require_approved(session, user_id=claims.user_id)
    return claims


SellerUser = Annotated[AccessClaims, Depends(approved_seller)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]


def get_feed_config(state: State) -> FeedConfig:
    return state.feed


FeedConfigDep = Annotated[FeedConfig, Depends(get_feed_config)]

Limit = Annotated[int, Query(ge=1, le=100, description="page size")]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor from the previous page")]
