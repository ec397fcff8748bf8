from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

ROLES = ("buyer", "seller", "admin", "analyst")


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("status IN ('active', 'disabled')", name="status_known"),
        {"schema": "auth"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class AccountRole(Base):
    __tablename__ = "account_role"
    __table_args__ = (
        CheckConstraint("role IN ('buyer', 'seller', 'admin', 'analyst')", name="role_known"),
        {"schema": "auth"},
    )

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.account.id", ondelete="CASCADE"),
                                                  primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[datetime]
    granted_by: Mapped[uuid.UUID | None]


class RefreshToken(Base):
    """Opaque refresh tokens, stored as SHA-256 digests. Each login starts a family; each refresh
    retires one token and issues its successor in the same family, so a replayed (stolen) token
    is recognisable and revokes the whole family."""

    __tablename__ = "refresh_token"
    __table_args__ = {"schema": "auth"}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.account.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(300))
    client_ip: Mapped[str | None] = mapped_column(String(64))
