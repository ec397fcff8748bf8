from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from commerce.users.schemas import AuthorCard


class Relationship(BaseModel):
    following: bool
    followed_by: bool
    blocking: bool


class Connection(BaseModel):
    user: AuthorCard
    since: datetime
