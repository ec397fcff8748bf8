"""The shared input rule: nothing PostgreSQL cannot store (NUL, NaN, Infinity) gets past a model."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from commerce.content.schemas import CommentCreate, PostCreate
from commerce.core.errors import ValidationFailed
from commerce.core.inputs import StorableInput, ensure_storable, unstorable
from commerce.interactions.schemas import ClientEvent


@pytest.mark.parametrize("value", [
    "a\x00b", "\x00", ["ok", "\x00"], {"k": "\x00"}, {"\x00": 1}, {"k": [1.0, math.nan]}, math.inf, -math.inf,
    ("x", {"y": math.nan}),
])
def test_unstorable_values(value):
    assert unstorable(value)
    with pytest.raises(ValidationFailed):
        ensure_storable(value, field="f")


@pytest.mark.parametrize("value", ["", "日常 #kopi é", 1.5, 0, True, None, ["a", 2.0], {"k": "v", "n": -0.0}])
def test_storable_values(value):
    assert unstorable(value) is None
    ensure_storable(value, field="f")


def test_every_field_of_a_subclass_is_checked_however_nested():
    class Model(StorableInput):
        name: str
        tags: list[str] = []
        extra: dict[str, object] = {}
        score: float = 0.0

    assert Model(name="ok", tags=["a"], extra={"x": 1.0}, score=2.0).name == "ok"
    for bad in ({"name": "\x00"}, {"name": "ok", "tags": ["\x00"]}, {"name": "ok", "extra": {"x": math.inf}},
                {"name": "ok", "score": math.nan}, {"name": "ok", "score": "NaN"}):
        with pytest.raises(ValidationError):
            Model.model_validate(bad)


def test_request_models_refuse_nul_and_non_finite_numbers():
    image = {"url": "https://img.example.com/1.jpg", "width": 1, "height": 1}
    with pytest.raises(ValidationError):
        PostCreate.model_validate({"text": "a\x00", "images": [image]})
    with pytest.raises(ValidationError):
        CommentCreate.model_validate({"text": "\x00"})
    event = {"event_id": "0190a8f2-5f2e-7000-8000-000000000000", "type": "share",
             "occurred_at": "2026-01-01T00:00:00+00:00"}
    for bad in ({"properties": {"x": math.nan}}, {"properties": {"x": "\x00"}}, {"session_id": "\x00"}):
        with pytest.raises(ValidationError):
            ClientEvent.model_validate({**event, **bad})
    assert ClientEvent.model_validate({**event, "properties": {"x": 1.5}}).properties == {"x": 1.5}
