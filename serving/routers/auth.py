"""/api/auth — thin: parse, call one auth service function, return."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from commerce.auth import service as auth
from commerce.auth.schemas import (
    LoginIn,
    LogoutIn,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    Role,
    RoleIn,
    RolesOut,
    TokenPair,
    VerifyOut,
)
from serving.deps import AdminUser, AuthConfigDep, ClientIP, CurrentUser, OptionalUser, RedisDep, SessionDep

router = APIRouter(prefix="/api/auth", tags=["auth"])

PROBLEM = {"content": {"application/problem+json": {}}}


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=RegisteredOut,
             responses={409: PROBLEM, 422: PROBLEM})
async def register(body: RegisterIn, session: SessionDep) -> RegisteredOut:
    return await auth.register(session, email=body.email, password=body.password, username=body.username)


@router.post("/login", response_model=TokenPair, responses={401: PROBLEM, 422: PROBLEM, 429: PROBLEM})
async def login(body: LoginIn, request: Request, session: SessionDep, redis: RedisDep, config: AuthConfigDep,
                ip: ClientIP) -> TokenPair:
    return await auth.login(session, redis, config, email=body.email, password=body.password, client_ip=ip,
                            user_agent=request.headers.get("user-agent"))


@router.post("/refresh", response_model=TokenPair, responses={401: PROBLEM, 422: PROBLEM})
async def refresh(body: RefreshIn, request: Request, session: SessionDep, config: AuthConfigDep,
                  ip: ClientIP) -> TokenPair:
    return await auth.refresh(session, config, refresh_token=body.refresh_token, client_ip=ip,
                              user_agent=request.headers.get("user-agent"))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses={401: PROBLEM, 422: PROBLEM})
async def logout(body: LogoutIn, session: SessionDep, redis: RedisDep, claims: OptionalUser) -> Response:
    await auth.logout(session, redis, refresh_token=body.refresh_token, access=claims)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/verify", response_model=VerifyOut, responses={401: PROBLEM})
async def verify(claims: CurrentUser) -> VerifyOut:
    """For the gateway and other services: is this bearer token good, and whose is it."""
    return VerifyOut(user_id=claims.user_id, roles=list(claims.roles),
                     expires_at=int(claims.expires_at.timestamp()))


@router.get("/users/{user_id}/roles", response_model=RolesOut, responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM})
async def list_roles(user_id: uuid.UUID, session: SessionDep, admin: AdminUser) -> RolesOut:
    _, roles = await auth.get_account(session, user_id=user_id)
    return RolesOut(user_id=user_id, roles=roles)


@router.post("/users/{user_id}/roles", response_model=RolesOut,
             responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM})
async def grant_role(user_id: uuid.UUID, body: RoleIn, session: SessionDep, admin: AdminUser) -> RolesOut:
    roles = await auth.grant_role(session, user_id=user_id, role=body.role, granted_by=admin.user_id)
    return RolesOut(user_id=user_id, roles=roles)


@router.delete("/users/{user_id}/roles/{role}", response_model=RolesOut,
               responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM})
async def revoke_role(user_id: uuid.UUID, role: Role, session: SessionDep, admin: AdminUser) -> RolesOut:
    roles = await auth.revoke_role(session, user_id=user_id, role=role)
    return RolesOut(user_id=user_id, roles=roles)
