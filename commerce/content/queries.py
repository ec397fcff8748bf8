"""Read side of content: hydrating post cards in a fixed number of queries whatever the page size,
and the keyset listings behind profiles, hashtags and the feeds."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, exists, func, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.catalog.schemas import ProductCard
from commerce.content.models import Post, PostHashtag, PostImage, PostLike, PostProductTag, PostSave
from commerce.content.schemas import ImageOut, PostCard, ProductTagOut, ViewerState
from commerce.core.pagination import Page, decode_time_id, encode_time_id
from commerce.social import service as social
from commerce.users import service as users

PostKey = tuple[datetime, uuid.UUID]


def _available(card: ProductCard | None) -> ProductCard | None:
    """A tag keeps pointing at its product, but an archived or rejected one shows as unavailable."""
    return card if card is not None and card.status == "active" else None


def _json_list(*pairs: object, order_by: object, where: object) -> ScalarSelect:
    """A correlated subquery returning one post's child rows as a JSON array, in order."""
    return (
        select(func.coalesce(func.json_agg(aggregate_order_by(func.json_build_object(*pairs), order_by)),
                             literal_column("'[]'::json")))
        .where(where).scalar_subquery()
    )


async def post_cards(session: AsyncSession, *, post_ids: list[uuid.UUID], viewer_id: uuid.UUID | None,
                     hidden_authors: set[uuid.UUID] | None = None) -> dict[uuid.UUID, PostCard]:
    """Active posts only, minus authors hidden from the viewer by a block. Missing ids are absent.

    One query brings each post with its images, hashtags, product tags and the viewer's like/save
    (child rows folded into JSON by correlated subqueries), then one each for authors and products:
    the cost of a page does not grow with the number of child tables."""
    if not post_ids:
        return {}
    if hidden_authors is None:
        hidden_authors = await social.hidden_user_ids(session, viewer_id=viewer_id)
    images = _json_list("url", PostImage.url, "width", PostImage.width, "height", PostImage.height,
                        order_by=PostImage.position, where=PostImage.post_id == Post.id)
    tags = _json_list("product_id", PostProductTag.product_id, "variant_id", PostProductTag.variant_id,
                      "image_index", PostProductTag.image_index, "x", PostProductTag.x, "y", PostProductTag.y,
                      order_by=PostProductTag.position, where=PostProductTag.post_id == Post.id)
    hashtags = select(func.coalesce(func.array_agg(PostHashtag.tag), literal_column("'{}'::varchar[]"))) \
        .where(PostHashtag.post_id == Post.id).scalar_subquery()
    if viewer_id is not None:
        liked = exists().where(PostLike.post_id == Post.id, PostLike.user_id == viewer_id)
        saved = exists().where(PostSave.post_id == Post.id, PostSave.user_id == viewer_id)
    else:
        liked = saved = literal_column("false")
    query = select(Post, images.label("images"), tags.label("tags"), hashtags.label("hashtags"),
                   liked.label("liked"), saved.label("saved")).where(Post.id.in_(post_ids), Post.status == "active")
    if hidden_authors:
        query = query.where(Post.author_id.not_in(hidden_authors))
    rows = (await session.execute(query)).all()
    if not rows:
        return {}
    products = await catalog.product_cards(
        session, product_ids={uuid.UUID(t["product_id"]) for row in rows for t in row.tags})
    authors = await users.author_cards(session, user_ids={row.Post.author_id for row in rows})
    cards = {}
    for row in rows:
        post = row.Post
        if post.author_id not in authors:
            continue
        cards[post.id] = PostCard(
            id=post.id, author=authors[post.author_id], text=post.text,
            images=[ImageOut(**image) for image in row.images], hashtags=list(row.hashtags),
            product_tags=[ProductTagOut(**tag, product=_available(products.get(uuid.UUID(tag["product_id"]))))
                          for tag in row.tags],
            like_count=post.like_count, comment_count=post.comment_count, save_count=post.save_count,
            created_at=post.created_at, updated_at=post.updated_at,
            viewer=ViewerState(liked=row.liked, saved=row.saved),
        )
    return cards


def parse_post_cursor(cursor: str | None) -> PostKey | None:
    return decode_time_id(cursor)


def post_cursor(created_at: datetime, post_id: uuid.UUID) -> str:
    return encode_time_id(created_at, post_id)


async def page_of_posts(session: AsyncSession, query: Select, *, viewer_id: uuid.UUID | None, cursor: str | None,
                        limit: int) -> Page[PostCard]:
    """`query` selects (Post.id, Post.created_at) rows; newest first, keyset on (created_at, id)."""
    after = parse_post_cursor(cursor)
    if after is not None:
        query = query.where(tuple_(Post.created_at, Post.id) < after)
    rows = (await session.execute(query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit + 1))).all()
    page_rows = rows[:limit]
    cards = await post_cards(session, post_ids=[r[0] for r in page_rows], viewer_id=viewer_id)
    next_cursor = post_cursor(page_rows[-1][1], page_rows[-1][0]) if len(rows) > limit else None
    return Page[PostCard](items=[cards[r[0]] for r in page_rows if r[0] in cards], next_cursor=next_cursor)


def active_posts() -> Select:
    return select(Post.id, Post.created_at).where(Post.status == "active")


async def posts_by_authors(session: AsyncSession, *, author_ids: set[uuid.UUID], before: PostKey | None,
                           limit: int) -> list[tuple[uuid.UUID, datetime]]:
    """Newest active posts of these authors: the feed's read-time merge for big authors and its
    Postgres fallback when Redis is down."""
    if not author_ids:
        return []
    query = select(Post.id, Post.created_at).where(Post.author_id.in_(author_ids), Post.status == "active")
    if before is not None:
        query = query.where(tuple_(Post.created_at, Post.id) < before)
    rows = await session.execute(query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit))
    return [(row[0], row[1]) for row in rows]


async def post_refs(session: AsyncSession, *, post_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, datetime]]:
    """(author_id, created_at) of the active posts among these ids."""
    if not post_ids:
        return {}
    rows = await session.execute(
        select(Post.id, Post.author_id, Post.created_at).where(Post.id.in_(post_ids), Post.status == "active"))
    return {row[0]: (row[1], row[2]) for row in rows}
