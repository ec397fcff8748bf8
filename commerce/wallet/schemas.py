from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commerce.ledger.schemas import EntryOut

MAX_AMOUNT = 1_000_000_000_000  # a trillion rupiah: far above any real amount, far below BIGINT


class WalletOut(BaseModel):
    user_id: uuid.UUID
    balance: int
    currency: str = "IDR"
    entries: list[EntryOut] = Field(description="newest first")
    next_cursor: str | None = None


class GoodwillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Annotated[int, Field(gt=0, le=100_000_000, strict=True,
                                      description="IDR credited to the buyer's wallet")]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class GoodwillOut(BaseModel):
    user_id: uuid.UUID
    amount: int
    balance: int
    journal_id: uuid.UUID
