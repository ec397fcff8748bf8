"""JWT access tokens (HS256 only) and opaque refresh tokens.

Decoding pins the algorithm list to exactly HS256 and requires exp/iat/sub/iss/aud/typ, which is what
rejects `alg: none`, RS/HS confusion and tokens minted for another audience."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from commerce.auth.errors import InvalidToken

ALGORITHM = "HS256"
LEEWAY_S = 5  # clock skew allowed on exp/nbf/iat


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    roles: tuple[str, ...]
    jti: str
    expires_at: datetime


def issue_access_token(*, secret: str, user_id: uuid.UUID, roles: list[str], now: datetime, ttl_s: int,
                       issuer: str, audience: str) -> tuple[str, str]:
    jti = secrets.token_hex(12)
    claims = {
        "sub": str(user_id),
        "roles": sorted(roles),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
        "iss": issuer,
        "aud": audience,
        "typ": "access",
        "jti": jti,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), jti


def decode_access_token(token: str, *, secret: str, issuer: str, audience: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            leeway=LEEWAY_S,
        )
        if claims.get("typ") != "access":
            raise InvalidToken("not an access token")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken()
        from datetime import UTC

        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            roles=tuple(roles),
            jti=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidToken() from exc


def new_refresh_token() -> tuple[str, bytes]:
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class VerifiedTokens:
    """Access tokens this process has already verified, with their claims, until they expire.

    A scrolling viewer sends the same token with every page, and PyJWT's checks (base64 alphabet scan,
    HMAC, JSON, claims) cost ~50 us of a ~450 us request. The same bytes under the same key verify the
    same way every time, so only the expiry needs checking again. Revocation is not cached: callers
    check the denylist on every request (auth.service.verify_access; the feed script)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        # key -> (the moment PyJWT would start refusing it, its claims): a hit costs one float compare
        self._claims: dict[tuple[str, str, str, str], tuple[float, AccessClaims]] = {}

    def decode(self, token: str, *, secret: str, issuer: str, audience: str) -> AccessClaims:
        key = (token, secret, issuer, audience)
        cached = self._claims.get(key)
        if cached is not None:
            if time.time() < cached[0]:
                return cached[1]
            del self._claims[key]
        claims = decode_access_token(token, secret=secret, issuer=issuer, audience=audience)
        if len(self._claims) >= self.size:
            del self._claims[next(iter(self._claims))]  # the oldest entry: dicts keep insertion order
        self._claims[key] = (claims.expires_at.timestamp() + LEEWAY_S, claims)
        return claims


VERIFIED = VerifiedTokens()
