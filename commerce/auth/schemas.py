from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from commerce.users.schemas import Username

Role = Literal["buyer", "seller", "admin", "analyst"]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4096)


class RegisterIn(_Strict):
    email: Annotated[EmailStr, Field(max_length=254)]
    password: Password
    username: Username


class RegisteredOut(BaseModel):
    id: uuid.UUID
    email: str
    username: str
    roles: list[Role]


class LoginIn(_Strict):
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")


class RefreshIn(_Strict):
    refresh_token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class LogoutIn(_Strict):
    refresh_token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class VerifyOut(BaseModel):
    user_id: uuid.UUID
    roles: list[str]
    expires_at: int


class RoleIn(_Strict):
    role: Role


class RolesOut(BaseModel):
    user_id: uuid.UUID
    roles: list[Role]
