from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'deleted')", name="status_known"),
        CheckConstraint("like_count >= 0 AND comment_count >= 0 AND save_count >= 0", name="counts_not_negative"),
        Index("ix_post_author_created", "author_id", "created_at", "id"),
        Index("ix_post_active_created", "created_at", "id", postgresql_where=text("status = 'active'")),
        {"schema": "content"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(index=False)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="active")
    like_count: Mapped[int] = mapped_column(BigInteger, default=0)
    comment_count: Mapped[int] = mapped_column(BigInteger, default=0)
    save_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class PostImage(Base):
    __tablename__ = "post_image"
    __table_args__ = {"schema": "content"}

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content.post.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    width: Mapped[int]
    height: Mapped[int]


class PostHashtag(Base):
    __tablename__ = "post_hashtag"
    __table_args__ = (
        Index("ix_post_hashtag_tag_created", "tag", "created_at", "post_id"),
        {"schema": "content"},
    )

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content.post.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime]


class PostProductTag(Base):
    __tablename__ = "post_product_tag"
    __table_args__ = (
        CheckConstraint("(x IS NULL) = (y IS NULL)", name="xy_together"),
        CheckConstraint("x IS NULL OR (x BETWEEN 0 AND 1 AND y BETWEEN 0 AND 1)", name="xy_in_unit_square"),
        Index("ix_post_product_tag_product", "product_id"),
        {"schema": "content"},
    )

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content.post.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    product_id: Mapped[uuid.UUID]
    variant_id: Mapped[uuid.UUID | None]
    image_index: Mapped[int | None] = mapped_column(SmallInteger)
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)


class PostLike(Base):
    __tablename__ = "post_like"
    __table_args__ = (Index("ix_post_like_user_created", "user_id", "created_at"), {"schema": "content"})

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content.post.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]


class PostSave(Base):
    __tablename__ = "post_save"
    __table_args__ = (Index("ix_post_save_user_created", "user_id", "created_at"), {"schema": "content"})

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content.post.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'deleted')", name="status_known"),
        Index("ix_comment_post_created", "post_id", "created_at", "id"),
        {"schema": "content"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content.post.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID]
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("content.comment.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
