"""Opaque keyset cursors. Clients get a base64 token, never offsets: pages stay stable while rows are
inserted, and the server can change what is inside without breaking clients."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.errors import ValidationFailed

MAX_LIMIT = 100


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"
    title = "Cursor is malformed or expired"


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidCursor()
    return values


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def decode_time_id(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The usual keyset: (a timestamp, an id) of the last row served, newest-first or oldest-first.
    Every time we hand out is timezone-aware; a naive one is forged and would not compare with ours."""
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    try:
        at, id_ = datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except (TypeError, ValueError) as exc:
        raise InvalidCursor() from exc
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidCursor()
    return at, id_


def encode_time_id(at: datetime, id_: uuid.UUID) -> str:
    return encode_cursor(at.isoformat(), str(id_))


def next_time_id_cursor(rows: Sequence[Any], limit: int,
                        key: Callable[[Any], tuple[datetime, uuid.UUID]]) -> str | None:
    """Callers fetch `limit + 1` rows; a row beyond the page means there is a next page."""
    return encode_time_id(*key(rows[limit - 1])) if len(rows) > limit else None


async def page_by_unique_text(session: AsyncSession, query: Select[Any], column: Any, *, cursor: str | None,
                              limit: int) -> tuple[list[Any], str | None]:
    """A page of ORM rows in order of a unique text column (a slug, a code), which is a complete
    keyset on its own. Returns the rows and the cursor of the next page, if any."""
    after = decode_cursor(cursor, 1)
    if after is not None:
        if not isinstance(after[0], str):
            raise InvalidCursor()
        query = query.where(column > after[0])
    rows = list(await session.scalars(query.order_by(column).limit(limit + 1)))
    page = rows[:limit]
    key = column.key
    return page, (encode_cursor(getattr(page[-1], key)) if len(rows) > limit else None)
