"""POST /api/interactions: validated, deduplicated, clamped, all-or-nothing batches."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson

from commerce.interactions import service as interactions
from tests.helpers import assert_problem, user_with_token


def _event(**overrides) -> dict:
    return {"event_id": str(uuid.uuid4()), "type": "post_view", "occurred_at": datetime.now(UTC).isoformat(),
            "surface": "following", "position": 3, "post_id": str(uuid.uuid4()), **overrides}


async def _stored(db, user_id: str) -> dict[str, int]:
    async with db.session() as session:
        return await interactions.count_by_type(session, user_id=uuid.UUID(user_id))


async def test_batch_is_stored_and_resends_are_deduplicated(client, db):
    me, headers = await user_with_token(client)
    events = [_event(type=t) for t in ("impression", "post_view", "post_click", "share", "product_tag_click",
                                       "product_view", "hide", "not_interested")]
    first = await client.post("/api/interactions", json={"events": events}, headers=headers)
    assert first.status_code == 202 and first.json() == {"accepted": 8, "duplicates": 0, "clamped": 0}
    again = await client.post("/api/interactions", json={"events": events[:3] + [_event()]}, headers=headers)
    assert again.json() == {"accepted": 1, "duplicates": 3, "clamped": 0}
    stored = await _stored(db, me["id"])
    assert sum(stored.values()) == 9 and stored["post_view"] == 2


async def test_timestamps_are_clamped_into_a_sane_window(client, db):
    me, headers = await user_with_token(client)
    old = _event(occurred_at=(datetime.now(UTC) - timedelta(days=400)).isoformat())
    future = _event(occurred_at=(datetime.now(UTC) + timedelta(days=3)).isoformat())
    result = (await client.post("/api/interactions", json={"events": [old, future]}, headers=headers)).json()
    assert result == {"accepted": 2, "duplicates": 0, "clamped": 2}
    async with db.session() as session:
        rows = await interactions.recent(session, user_id=uuid.UUID(me["id"]))
    now = datetime.now(UTC)
    for row in rows:
        assert now - timedelta(days=7, minutes=1) <= row.occurred_at <= now + timedelta(minutes=5)
        assert "clamped_from" in row.properties


async def test_bad_batches_store_nothing(client, db):
    me, headers = await user_with_token(client)
    too_many = [_event() for _ in range(501)]
    assert_problem(await client.post("/api/interactions", json={"events": too_many}, headers=headers), 422)
    unknown = [_event(), _event(type="teleport")]
    assert_problem(await client.post("/api/interactions", json={"events": unknown}, headers=headers), 422)
    server_only = [_event(), _event(type="purchase")]
    assert_problem(await client.post("/api/interactions", json={"events": server_only}, headers=headers), 422)
    naive = [_event(occurred_at="2026-01-01T10:00:00")]
    assert_problem(await client.post("/api/interactions", json={"events": naive}, headers=headers), 422)
    assert_problem(await client.post("/api/interactions", json={"events": []}, headers=headers), 422)
    bad_surface = [_event(surface="homepage")]
    assert_problem(await client.post("/api/interactions", json={"events": bad_surface}, headers=headers), 422)
    nested = [_event(properties={"a": {"b": 1}})]
    assert_problem(await client.post("/api/interactions", json={"events": nested}, headers=headers), 422)
    assert await _stored(db, me["id"]) == {}


async def test_unstorable_values_are_422_naming_the_field(client, db):
    me, headers = await user_with_token(client)
    for event in (_event(session_id="s\u0000"), _event(properties={"note": "a\u0000b"}),
                  _event(properties={"k\u0000": "v"})):
        body = assert_problem(await client.post("/api/interactions", json={"events": [_event(), event]},
                                                headers=headers), 422, "validation_failed")
        assert body["errors"][0]["loc"][:3] == ["body", "events", 1], body
    # JSON has no NaN or Infinity, but Python's parser reads them: they must not reach the JSONB column.
    for literal in ("NaN", "Infinity", "-Infinity"):
        raw = orjson.dumps({"events": [_event(properties={"x": 0})]}).decode().replace('"x":0', f'"x":{literal}')
        response = await client.post("/api/interactions", content=raw,
                                     headers={**headers, "content-type": "application/json"})
        assert_problem(response, 422, "validation_failed")
    ok = await client.post("/api/interactions", json={"events": [_event(properties={"x": 1.5, "s": "é 日常"})]},
                           headers=headers)
    assert ok.status_code == 202, ok.text
    assert await _stored(db, me["id"]) == {"post_view": 1}


async def test_events_can_only_be_logged_as_yourself(client, db):
    me, headers = await user_with_token(client)
    other, _ = await user_with_token(client)
    batch = [_event(user_id=me["id"]), _event(user_id=other["id"])]
    assert_problem(await client.post("/api/interactions", json={"events": batch}, headers=headers), 403,
                   "interaction_user_mismatch")
    assert await _stored(db, me["id"]) == {} and await _stored(db, other["id"]) == {}
    assert_problem(await client.post("/api/interactions", json={"events": [_event()]}), 401)
    own = await client.post("/api/interactions", json={"events": [_event(user_id=me["id"])]}, headers=headers)
    assert own.json()["accepted"] == 1


async def test_the_log_is_append_only(db, client):
    import pytest
    from sqlalchemy import text

    me, headers = await user_with_token(client)
    await client.post("/api/interactions", json={"events": [_event()]}, headers=headers)
    for statement in ("UPDATE interactions.interaction SET event_type = 'like'",
                      "DELETE FROM interactions.interaction"):
        async with db.session() as session:
            with pytest.raises(Exception, match="append-only"):
                await session.execute(text(statement))
