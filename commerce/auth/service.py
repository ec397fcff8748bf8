"""Auth use cases: register, login, refresh rotation with reuse detection, logout, verification and
role grants. Every use case here owns its transaction and commits it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.auth import throttle
from commerce.auth.errors import (
    AccountDisabled,
    AccountNotFound,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    RefreshTokenReused,
    UsernameTaken,
)
from commerce.auth.models import ROLES, Account, AccountRole, RefreshToken
from commerce.auth.passwords import hash_password, needs_rehash, verify_password
from commerce.auth.schemas import RegisteredOut, TokenPair
from commerce.auth.tokens import (
    VERIFIED,
    AccessClaims,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from commerce.core import outbox
from commerce.core.clock import stamp, utcnow
from commerce.core.redis import RedisStore
from commerce.users import service as users


@dataclass(frozen=True)
class AuthConfig:
    secret: str
    issuer: str
    audience: str
    access_ttl_s: int
    refresh_ttl_s: int
    max_failures_per_account: int
    max_failures_per_ip: int
    failure_window_s: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def _roles(session: AsyncSession, account_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id))
    return sorted(rows)


async def register(session: AsyncSession, *, email: str, password: str, username: str,
                   roles: tuple[str, ...] = ("buyer",)) -> RegisteredOut:
    email = normalise_email(email)
    if await session.scalar(select(Account.id).where(Account.email == email)):
        raise EmailTaken()
    if await users.username_taken(session, username=username):
        raise UsernameTaken()
    password_hash = await asyncio.to_thread(hash_password, password)
    now = utcnow()
    account = Account(id=uuid.uuid4(), email=email, password_hash=password_hash, status="active",
                      created_at=now, last_login_at=None)
    session.add(account)
    await session.flush()
    for role in roles:
        session.add(AccountRole(account_id=account.id, role=role, granted_at=now, granted_by=None))
    await users.create_profile(session, user_id=account.id, username=username)
    outbox.publish(session, "user.registered",
                   {"user_id": str(account.id), "username": username.lower(), "registered_at": now.isoformat()})
    try:
        await session.commit()
    except IntegrityError as exc:  # lost a race with a concurrent registration
        await session.rollback()
        if "username" in str(exc.orig):
            raise UsernameTaken() from exc
        raise EmailTaken() from exc
    return RegisteredOut(id=account.id, email=email, username=username.lower(), roles=list(roles))


async def register_many(session: AsyncSession, *, accounts: Sequence[tuple[str, str, str, datetime | None]],
                        roles: tuple[str, ...] = ("buyer",)) -> list[uuid.UUID]:
    """Bulk `register` for imports and demo data: (email, username, password_hash, registered_at or
    None) items whose hashes were made by `hash_password` (or carried over from the system being
    imported), all or nothing, one commit, one `user.registered` each. Returns the new ids in order."""
    now = utcnow()
    emails = [normalise_email(email) for email, _, _, _ in accounts]
    names = [username.lower() for _, username, _, _ in accounts]
    if len(set(emails)) != len(emails) or await session.scalar(select(Account.id).where(Account.email.in_(emails))
                                                                .limit(1)):
        raise EmailTaken()
    if len(set(names)) != len(names) or await users.usernames_taken(session, usernames=names):
        raise UsernameTaken()
    ids = [uuid.uuid4() for _ in accounts]
    times = [stamp(at, now) for _, _, _, at in accounts]
    rows = [{"id": account_id, "email": email, "password_hash": password_hash, "status": "active", "created_at": at,
             "last_login_at": None}
            for account_id, email, (_, _, password_hash, _), at in zip(ids, emails, accounts, times, strict=True)]
    for start in range(0, len(rows), 5000):
        await session.execute(insert(Account), rows[start:start + 5000])
        await session.execute(insert(AccountRole), [
            {"account_id": row["id"], "role": role, "granted_at": row["created_at"], "granted_by": None}
            for row in rows[start:start + 5000] for role in roles])
    await users.create_profiles(session, profiles=list(zip(ids, names, times, strict=True)))
    await outbox.publish_many(session, "user.registered", (
        ({"user_id": str(account_id), "username": name, "registered_at": at.isoformat()}, at)
        for account_id, name, at in zip(ids, names, times, strict=True)))
    await session.commit()
    return ids


async def _issue_pair(session: AsyncSession, config: AuthConfig, *, account_id: uuid.UUID, roles: list[str],
                      family_id: uuid.UUID, now: datetime, user_agent: str | None,
                      client_ip: str | None) -> TokenPair:
    access, _ = issue_access_token(secret=config.secret, user_id=account_id, roles=roles, now=now,
                                   ttl_s=config.access_ttl_s, issuer=config.issuer, audience=config.audience)
    refresh, digest = new_refresh_token()
    session.add(RefreshToken(
        id=uuid.uuid4(), account_id=account_id, family_id=family_id, token_hash=digest, issued_at=now,
        expires_at=now + timedelta(seconds=config.refresh_ttl_s), rotated_at=None, revoked_at=None,
        user_agent=(user_agent or "")[:300] or None, client_ip=client_ip,
    ))
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=config.access_ttl_s)


async def login(session: AsyncSession, redis: RedisStore, config: AuthConfig, *, email: str, password: str,
                client_ip: str, user_agent: str | None = None) -> TokenPair:
    email = normalise_email(email)
    await throttle.ensure_login_allowed(redis, email=email, client_ip=client_ip,
                                        max_per_account=config.max_failures_per_account,
                                        max_per_ip=config.max_failures_per_ip)
    row = (await session.execute(
        select(Account.id, Account.password_hash, Account.status).where(Account.email == email))).first()
    # End the read transaction before the ~30 ms of argon2: no connection sits idle in a
    # transaction while a thread hashes.
    await session.rollback()
    ok = await asyncio.to_thread(verify_password, row.password_hash if row else None, password)
    if row is None or not ok:
        await throttle.record_failure(redis, email=email, client_ip=client_ip, window_s=config.failure_window_s)
        raise InvalidCredentials()
    if row.status != "active":
        raise AccountDisabled()
    await throttle.record_success(redis, email=email)
    now = utcnow()
    values: dict[str, object] = {"last_login_at": now}
    if needs_rehash(row.password_hash):
        values["password_hash"] = await asyncio.to_thread(hash_password, password)
    await session.execute(update(Account).where(Account.id == row.id).values(**values))
    pair = await _issue_pair(session, config, account_id=row.id, roles=await _roles(session, row.id),
                             family_id=uuid.uuid4(), now=now, user_agent=user_agent, client_ip=client_ip)
    await session.commit()
    return pair


async def refresh(session: AsyncSession, config: AuthConfig, *, refresh_token: str, client_ip: str | None = None,
                  user_agent: str | None = None) -> TokenPair:
    now = utcnow()
    token = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(refresh_token)).with_for_update()
    )
    if token is None or token.expires_at <= now:
        raise InvalidToken()
    if token.revoked_at is not None or token.rotated_at is not None:
        if token.rotated_at is not None and token.revoked_at is None:
            # A retired token came back: someone holds a copy. Kill every token of this login.
            await _revoke_family(session, token.family_id, now)
            await session.commit()
            raise RefreshTokenReused()
        raise InvalidToken()
    account = await session.get(Account, token.account_id)
    if account is None or account.status != "active":
        raise InvalidToken()
    token.rotated_at = now
    pair = await _issue_pair(session, config, account_id=account.id, roles=await _roles(session, account.id),
                             family_id=token.family_id, now=now, user_agent=user_agent, client_ip=client_ip)
    await session.commit()
    return pair


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def denylist_key(redis: RedisStore, jti: str) -> str:
    """Where a logged-out access token's id is kept until the token would have expired anyway."""
    return redis.key("auth", "revoked-jti", jti)


async def logout(session: AsyncSession, redis: RedisStore, *, refresh_token: str,
                 access: AccessClaims | None) -> None:
    """Revoke the login's whole refresh family and, if the caller sent its access token, deny that
    token for the rest of its short life."""
    now = utcnow()
    token = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(refresh_token))
    )
    if token is None or (access is not None and token.account_id != access.user_id):
        raise InvalidToken()
    await _revoke_family(session, token.family_id, now)
    await session.commit()
    if access is not None:
        ttl = int((access.expires_at - now).total_seconds()) + 5
        if ttl > 0:
            await redis.client.set(denylist_key(redis, access.jti), "1", ex=ttl)


async def verify_access(redis: RedisStore, config: AuthConfig, *, token: str) -> AccessClaims:
    claims = VERIFIED.decode(token, secret=config.secret, issuer=config.issuer, audience=config.audience)
    if await redis.client.exists(denylist_key(redis, claims.jti)):
        raise InvalidToken()
    return claims


async def get_account(session: AsyncSession, *, user_id: uuid.UUID) -> tuple[Account, list[str]]:
    account = await session.get(Account, user_id)
    if account is None:
        raise AccountNotFound()
    return account, await _roles(session, user_id)


async def account_id(session: AsyncSession, *, email: str) -> uuid.UUID | None:
    """The account registered with EMAIL, if any (bootstrap scripts: the demo admin)."""
    return await session.scalar(select(Account.id).where(Account.email == normalise_email(email)))


async def contact_emails(session: AsyncSession, *, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Where to email people (notifications): active accounts only, so a disabled account gets no mail."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = await session.execute(select(Account.id, Account.email).where(Account.id.in_(ids),
                                                                         Account.status == "active"))
    return {row[0]: row[1] for row in rows}


async def grant_role(session: AsyncSession, *, user_id: uuid.UUID, role: str,
                     granted_by: uuid.UUID | None, commit: bool = True) -> list[str]:
    """Roles reach the user's access tokens at their next refresh or login. `commit=False` joins the
    caller's transaction (approving a seller grants `seller` in the same commit)."""
    if role not in ROLES:
        raise ValueError(role)
    if await session.get(Account, user_id) is None:
        raise AccountNotFound()
    if role not in await _roles(session, user_id):
        session.add(AccountRole(account_id=user_id, role=role, granted_at=utcnow(), granted_by=granted_by))
        if commit:
            await session.commit()
        else:
            await session.flush()
    return await _roles(session, user_id)


async def revoke_role(session: AsyncSession, *, user_id: uuid.UUID, role: str) -> list[str]:
    if await session.get(Account, user_id) is None:
        raise AccountNotFound()
    await session.execute(delete(AccountRole).where(AccountRole.account_id == user_id, AccountRole.role == role))
    await session.commit()
    return await _roles(session, user_id)


async def create_admin(session: AsyncSession, *, email: str, password: str, username: str) -> RegisteredOut:
    """The bootstrap path for the first admin (no admin exists yet to grant the role over HTTP)."""
    return await register(session, email=email, password=password, username=username,
                          roles=("buyer", "admin"))
