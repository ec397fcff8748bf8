from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_.]{1,28}[a-z0-9_])$")


def _username(value: str) -> str:
    value = value.strip().lower()
    if not USERNAME_RE.fullmatch(value) or ".." in value:
        raise ValueError("3-30 characters: letters, digits, '_' and '.', starting with a letter or digit")
    return value


Username = Annotated[str, StringConstraints(max_length=30), AfterValidator(_username)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Bio = Annotated[str, StringConstraints(max_length=500)]


class PublicProfile(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    bio: str
    avatar_url: str | None
    followers_count: int = 0
    following_count: int = 0
    posts_count: int = 0
    created_at: datetime


class AuthorCard(BaseModel):
    """The slice of a profile shown next to a post or comment."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    avatar_url: str | None


class MyProfile(PublicProfile):
    email: str
    roles: list[str]


class ProfileUpdate(BaseModel):
    """Only what a user may change about themselves; unknown fields (role, email, id...) are rejected."""

    model_config = ConfigDict(extra="forbid")

    username: Username | None = None
    display_name: DisplayName | None = None
    bio: Bio | None = None
    avatar_url: Annotated[AnyHttpUrl, Field(max_length=2048)] | None = None
