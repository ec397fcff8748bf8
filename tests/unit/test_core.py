"""Pure functions of the core: money, ids, tokens, validation rules, import boundaries."""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commerce.auth.errors import InvalidToken
from commerce.auth.passwords import hash_password, verify_password
from commerce.auth.tokens import decode_access_token, issue_access_token
from commerce.core.db import sqlalchemy_url
from commerce.core.ids import uuid7
from commerce.core.money import Money
from commerce.users.schemas import ProfileUpdate

ROOT = Path(__file__).resolve().parents[2]


def test_money_is_integer_and_currency_safe():
    assert Money(10_000) + Money(2_500) == Money(12_500)
    assert Money(1_000) * 3 == Money(3_000)
    with pytest.raises(TypeError):
        Money(10.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(1, "IDR") + Money(1, "USD")
    assert [m.amount for m in Money(100).allocate([1, 1, 1])] == [34, 33, 33]
    assert sum(m.amount for m in Money(99_999).allocate([3, 7])) == 99_999


def test_uuid7_is_time_ordered_and_versioned():
    ids = [uuid7() for _ in range(50)]
    assert all(u.version == 7 for u in ids)
    assert len(set(ids)) == 50
    assert [u.bytes[:6] for u in ids] == sorted(u.bytes[:6] for u in ids)


def test_access_token_roundtrip_and_expiry():
    user = uuid.uuid4()
    now = datetime.now(UTC)
    token, jti = issue_access_token(secret="s" * 32, user_id=user, roles=["buyer"], now=now, ttl_s=60,
                                    issuer="lakoo", audience="api")
    claims = decode_access_token(token, secret="s" * 32, issuer="lakoo", audience="api")
    assert claims.user_id == user and claims.roles == ("buyer",) and claims.jti == jti
    old, _ = issue_access_token(secret="s" * 32, user_id=user, roles=[], now=now - timedelta(hours=1), ttl_s=60,
                                issuer="lakoo", audience="api")
    with pytest.raises(InvalidToken):
        decode_access_token(old, secret="s" * 32, issuer="lakoo", audience="api")
    with pytest.raises(InvalidToken):
        decode_access_token(token, secret="s" * 32, issuer="other", audience="api")


def test_passwords_use_argon2id():
    hashed = hash_password("hunter22-hunter")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "hunter22-hunter")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")


def test_database_urls_are_normalised_for_psycopg():
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(ValueError):
        sqlalchemy_url("sqlite:///x.db")


def test_profile_update_rejects_privileged_fields():
    with pytest.raises(ValueError):
        ProfileUpdate.model_validate({"role": "admin"})
    assert ProfileUpdate.model_validate({"username": "Ayu_99"}).username == "ayu_99"


CONTEXTS = sorted(p.name for p in (ROOT / "commerce").iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("core", "migrations"))
PRIVATE = ("models", "queries")


def test_contexts_never_reach_into_each_others_tables():
    """GUIDE.md: contexts talk through each other's service modules, never models or queries."""
    violations = []
    for context in CONTEXTS:
        for path in (ROOT / "commerce" / context).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if (len(parts) >= 3 and parts[0] == "commerce" and parts[1] in CONTEXTS
                            and parts[1] != context and parts[2] in PRIVATE):
                        violations.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not violations, violations


def test_dev_jwt_secret_is_created_once_and_shared(tmp_path):
    from commerce.core.settings import Settings

    first = Settings(var_dir=tmp_path, jwt_secret=None, _env_file=None).resolved_jwt_secret()
    second = Settings(var_dir=tmp_path, jwt_secret=None, _env_file=None).resolved_jwt_secret()
    assert first == second and len(first) >= 40
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jwt_secret"]
    with pytest.raises(RuntimeError):
        Settings(var_dir=tmp_path, env="prod", jwt_secret=None, _env_file=None).resolved_jwt_secret()
