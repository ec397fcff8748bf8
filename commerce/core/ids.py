"""Identifiers. UUIDv7 keeps primary keys time-ordered, so B-tree inserts stay at the right edge and
keyset pagination by id follows creation order; Python 3.11 has no uuid7, hence this helper. The
timestamp comes from `clock.utcnow()`, so rows written at a simulated time (demo history) still
sort by the time they claim."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

from commerce.core.clock import utcnow


def uuid7(at: datetime | None = None) -> uuid.UUID:
    """AT: the moment the row claims (bulk imports of history); default now."""
    ms = int((at or utcnow()).timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)
