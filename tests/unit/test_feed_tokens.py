"""The cache of verified access tokens (every route's verify_access and the feed fast path): it saves
re-verifying a token, never the expiry check, and a token that fails verification is never cached."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from commerce.auth import tokens
from commerce.auth.errors import InvalidToken
from commerce.auth.tokens import LEEWAY_S, VerifiedTokens, issue_access_token

SECRET, ISSUER, AUDIENCE = "k" * 48, "lakoo", "lakoo-api"


def _token(*, ttl_s: int = 600, secret: str = SECRET) -> str:
    return issue_access_token(secret=secret, user_id=uuid.uuid4(), roles=["buyer"], now=datetime.now(UTC),
                              ttl_s=ttl_s, issuer=ISSUER, audience=AUDIENCE)[0]


def _decode(cache: VerifiedTokens, token: str, secret: str = SECRET):  # noqa: ANN202
    return cache.decode(token, secret=secret, issuer=ISSUER, audience=AUDIENCE)


def test_a_cached_token_stops_working_when_it_expires(monkeypatch):
    cache = VerifiedTokens()
    token = _token(ttl_s=60)
    claims = _decode(cache, token)
    assert _decode(cache, token) is claims  # the second time from the cache
    later = (claims.expires_at + timedelta(seconds=LEEWAY_S + 1)).timestamp()
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    monkeypatch.setattr("jwt.api_jwt.datetime", _FrozenDatetime(later))
    with pytest.raises(InvalidToken):
        _decode(cache, token)


def test_tampered_or_foreign_tokens_are_refused_even_after_the_real_one_was_cached():
    cache = VerifiedTokens()
    token = _token()
    _decode(cache, token)
    head, body, signature = token.split(".")
    with pytest.raises(InvalidToken):
        _decode(cache, f"{head}.{body}.{signature[:-2]}AA")
    with pytest.raises(InvalidToken):
        _decode(cache, token, secret="another-key" * 4)  # the same bytes under another key
    with pytest.raises(InvalidToken):
        _decode(cache, _token(secret="x" * 48))


def test_the_cache_is_bounded():
    cache = VerifiedTokens(size=3)
    tokens = [_token() for _ in range(5)]
    for token in tokens:
        _decode(cache, token)
    assert len(cache._claims) == 3
    assert [key[0] for key in cache._claims] == tokens[2:]


class _FrozenDatetime:
    """PyJWT reads the clock through datetime.now(tz=UTC)."""

    def __init__(self, timestamp: float) -> None:
        self.timestamp = timestamp

    def now(self, tz=None):  # noqa: ANN001, ANN201
        return datetime.fromtimestamp(self.timestamp, tz)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(datetime, name)
