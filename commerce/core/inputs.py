"""What every request model refuses whatever its fields: values PostgreSQL cannot store.

PostgreSQL text and JSON cannot hold the NUL character, and JSON has no NaN or Infinity although
Python's parser accepts them. Left alone, such a value travels all the way to the database and comes
back as a 500; refused here, the client gets a 422 that names the field. (serving maps the database's
own refusal to a 422 as well, for any path that skips these models.)
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from commerce.core.errors import ValidationFailed

NUL = "\x00"


def unstorable(value: Any) -> str | None:
    """Why VALUE (a str, number, or list/dict of them, keys included) cannot be stored, or None."""
    if isinstance(value, str):
        return "text cannot contain the NUL character (\\u0000)" if NUL in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "numbers must be finite (no NaN or Infinity)"
    if isinstance(value, dict):
        items: Any = (x for pair in value.items() for x in pair)
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        return None  # nested models check their own fields
    return next((reason for reason in map(unstorable, items) if reason), None)


def ensure_storable(value: Any, *, field: str) -> None:
    """For inputs that arrive outside a model (a path segment handed to a service)."""
    if reason := unstorable(value):
        raise ValidationFailed(f"{field}: {reason}", field=field)


class StorableInput(BaseModel):
    """Base of request models: every field, however deeply nested in lists and dicts, must be storable."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if reason := unstorable(value):
            raise ValueError(reason)
        return value
