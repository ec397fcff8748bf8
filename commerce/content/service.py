"""Post, like, save and comment use cases. Each commits once, with its counters, its outbox event
and its server-side interaction in the same transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.content import queries
from commerce.content.errors import CommentNotFound, InvalidProductTag, PostNotFound, ReplyTooDeep
from commerce.content.hashtags import normalise_tag, parse_hashtags
from commerce.content.models import Comment, Post, PostHashtag, PostImage, PostLike, PostProductTag, PostSave
from commerce.content.schemas import (
    CommentCreate,
    CommentOut,
    PostCard,
    PostCreate,
    PostUpdate,
    ProductTagIn,
    ViewerState,
)
from commerce.core import outbox
from commerce.core.clock import stamp, utcnow
from commerce.core.ids import uuid7
from commerce.core.inputs import ensure_storable
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.interactions import service as interactions
from commerce.social import service as social
from commerce.users import service as users
from commerce.users.errors import UserNotFound


async def _visible_post(session: AsyncSession, *, post_id: uuid.UUID, viewer_id: uuid.UUID | None,
                        lock: bool = False) -> Post:
    """Deleted posts and posts across a block do not exist for the viewer (404, not 403: a block is
    not announced)."""
    query = select(Post).where(Post.id == post_id, Post.status == "active")
    if lock:
        query = query.with_for_update()
    post = await session.scalar(query)
    if post is None:
        raise PostNotFound()
    if viewer_id is not None and viewer_id != post.author_id and await social.is_blocked_between(
        session, a=viewer_id, b=post.author_id
    ):
        raise PostNotFound()
    return post


async def _own_post(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID) -> Post:
    post = await session.scalar(select(Post).where(Post.id == post_id, Post.status == "active").with_for_update())
    if post is None or post.author_id != user_id:
        raise PostNotFound()  # someone else's post is indistinguishable from no post
    return post


def _check_image_indexes(tags: list[ProductTagIn], image_count: int) -> None:
    for tag in tags:
        if tag.image_index is not None and tag.image_index >= image_count:
            raise InvalidProductTag(f"image_index {tag.image_index} but the post has {image_count} images")


async def _check_tags(session: AsyncSession, tags: list[ProductTagIn], image_count: int) -> None:
    _check_image_indexes(tags, image_count)
    if tags:
        await catalog.ensure_taggable(session, tags=[(t.product_id, t.variant_id) for t in tags])


def _add_tags(session: AsyncSession, post_id: uuid.UUID, tags: list[ProductTagIn]) -> None:
    for position, tag in enumerate(tags):
        session.add(PostProductTag(post_id=post_id, position=position, product_id=tag.product_id,
                                   variant_id=tag.variant_id, image_index=tag.image_index, x=tag.x, y=tag.y))


def _add_hashtags(session: AsyncSession, post: Post) -> list[str]:
    tags = parse_hashtags(post.text)
    for tag in tags:
        session.add(PostHashtag(post_id=post.id, tag=tag, created_at=post.created_at))
    return tags


async def _card(session: AsyncSession, post_id: uuid.UUID, viewer_id: uuid.UUID | None) -> PostCard:
    cards = await queries.post_cards(session, post_ids=[post_id], viewer_id=viewer_id)
    if post_id not in cards:
        raise PostNotFound()
    return cards[post_id]


def _stage_post(session: AsyncSession, author_id: uuid.UUID, data: PostCreate, now: datetime) -> Post:
    """Add a new post with its images, hashtags and tags, and its `post.created`, to the transaction."""
    post = Post(id=uuid7(now), author_id=author_id, text=data.text, status="active", like_count=0, comment_count=0,
                save_count=0, created_at=now, updated_at=now, deleted_at=None)
    session.add(post)
    for position, image in enumerate(data.images):
        session.add(PostImage(post_id=post.id, position=position, url=str(image.url), width=image.width,
                              height=image.height))
    hashtags = _add_hashtags(session, post)
    _add_tags(session, post.id, data.product_tags)
    outbox.publish(session, "post.created", {
        "post_id": str(post.id), "author_id": str(author_id), "created_at": now.isoformat(), "hashtags": hashtags,
        "product_ids": sorted({str(t.product_id) for t in data.product_tags}),
    }, occurred_at=now)
    return post


async def create_post(session: AsyncSession, *, author_id: uuid.UUID, data: PostCreate) -> PostCard:
    await _check_tags(session, data.product_tags, len(data.images))
    post = _stage_post(session, author_id, data, utcnow())
    await users.adjust_counts(session, user_id=author_id, posts=1)
    await session.commit()
    return await _card(session, post.id, author_id)


async def create_posts(session: AsyncSession, *,
                       posts: Sequence[tuple[uuid.UUID, PostCreate, datetime | None]]) -> list[uuid.UUID]:
    """Bulk `create_post` for imports and demo history: (author_id, post, created_at or None) items,
    all or nothing, one commit; every post gets its own `post.created`. Returns the new post ids."""
    now = utcnow()
    for _, data, _ in posts:
        _check_image_indexes(data.product_tags, len(data.images))
    tags = [(t.product_id, t.variant_id) for _, data, _ in posts for t in data.product_tags]
    if tags:
        await catalog.ensure_taggable(session, tags=tags)
    if missing := await users.missing_ids(session, user_ids={author for author, _, _ in posts}):
        raise UserNotFound(user_ids=sorted(str(m) for m in missing)[:10])
    created = [_stage_post(session, author, data, stamp(at, now)) for author, data, at in posts]
    per_author = Counter(author for author, _, _ in posts)
    await users.adjust_counts_many(session, deltas={author: (0, 0, n) for author, n in per_author.items()})
    await session.commit()
    return [post.id for post in created]


async def update_post(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, data: PostUpdate) -> PostCard:
    post = await _own_post(session, post_id=post_id, user_id=user_id)
    if data.product_tags is not None:
        image_count = len(list(await session.scalars(select(PostImage.position).where(PostImage.post_id == post_id))))
        await _check_tags(session, data.product_tags, image_count)
        await session.execute(delete(PostProductTag).where(PostProductTag.post_id == post_id))
        _add_tags(session, post_id, data.product_tags)
    if data.text is not None and data.text != post.text:
        post.text = data.text
        await session.execute(delete(PostHashtag).where(PostHashtag.post_id == post_id))
        _add_hashtags(session, post)
    post.updated_at = utcnow()
    outbox.publish(session, "post.updated", {"post_id": str(post_id), "author_id": str(user_id),
                                             "updated_at": post.updated_at.isoformat()})
    await session.commit()
    return await _card(session, post_id, user_id)


async def delete_post(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Soft delete: the row stays for analytics and moderation; every read path filters it."""
    post = await _own_post(session, post_id=post_id, user_id=user_id)
    now = utcnow()
    post.status, post.deleted_at, post.updated_at = "deleted", now, now
    await users.adjust_counts(session, user_id=user_id, posts=-1)
    outbox.publish(session, "post.deleted", {"post_id": str(post_id), "author_id": str(user_id),
                                             "deleted_at": now.isoformat()})
    await session.commit()


async def get_post(session: AsyncSession, *, post_id: uuid.UUID, viewer_id: uuid.UUID | None) -> PostCard:
    await _visible_post(session, post_id=post_id, viewer_id=viewer_id)
    return await _card(session, post_id, viewer_id)


async def _viewer_state(session: AsyncSession, post_id: uuid.UUID, user_id: uuid.UUID) -> ViewerState:
    liked = await session.scalar(select(PostLike.post_id).where(PostLike.post_id == post_id,
                                                                PostLike.user_id == user_id))
    saved = await session.scalar(select(PostSave.post_id).where(PostSave.post_id == post_id,
                                                                PostSave.user_id == user_id))
    return ViewerState(liked=liked is not None, saved=saved is not None)


async def _toggle(session: AsyncSession, *, model: type[PostLike] | type[PostSave], counter: str, post_id: uuid.UUID,
                  user_id: uuid.UUID, on: bool) -> bool:
    """Insert-or-nothing on the (post, user) key decides whether anything changed; the counter moves
    only then, with an in-place increment under the row lock, so concurrent likes stay exact."""
    if on:
        result = await session.execute(insert(model).values(post_id=post_id, user_id=user_id, created_at=utcnow())
                                       .on_conflict_do_nothing().returning(model.post_id))
    else:
        result = await session.execute(delete(model).where(model.post_id == post_id, model.user_id == user_id)
                                       .returning(model.post_id))
    changed = result.first() is not None
    if changed:
        column = getattr(Post, counter)
        await session.execute(update(Post).where(Post.id == post_id).values({counter: column + (1 if on else -1)}))
    return changed


async def like_post(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, liked: bool = True,
                    surface: str | None = None) -> ViewerState:
    post = await _visible_post(session, post_id=post_id, viewer_id=user_id)
    changed = await _toggle(session, model=PostLike, counter="like_count", post_id=post_id, user_id=user_id, on=liked)
    if changed and liked:
        interactions.record(session, user_id=user_id, event_type="like", post_id=post_id, surface=surface)
        outbox.publish(session, "post.liked", _liked_event(post_id, post.author_id, user_id, utcnow()))
    await session.commit()
    return await _viewer_state(session, post_id, user_id)


async def save_post(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, saved: bool = True,
                    surface: str | None = None) -> ViewerState:
    await _visible_post(session, post_id=post_id, viewer_id=user_id)
    changed = await _toggle(session, model=PostSave, counter="save_count", post_id=post_id, user_id=user_id, on=saved)
    if changed and saved:
        interactions.record(session, user_id=user_id, event_type="save", post_id=post_id, surface=surface)
        outbox.publish(session, "post.saved", _saved_event(post_id, user_id, utcnow()))
    await session.commit()
    return await _viewer_state(session, post_id, user_id)


async def add_comment(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID,
                      data: CommentCreate) -> CommentOut:
    post = await _visible_post(session, post_id=post_id, viewer_id=user_id)
    if data.parent_id is not None:
        parent = await session.scalar(select(Comment).where(Comment.id == data.parent_id, Comment.post_id == post_id,
                                                            Comment.status == "active"))
        if parent is None:
            raise CommentNotFound()
        if parent.parent_id is not None:
            raise ReplyTooDeep()
    now = utcnow()
    comment = Comment(id=uuid7(), post_id=post_id, author_id=user_id, parent_id=data.parent_id, text=data.text,
                      status="active", created_at=now, deleted_at=None)
    session.add(comment)
    await session.execute(update(Post).where(Post.id == post_id).values(comment_count=Post.comment_count + 1))
    interactions.record(session, user_id=user_id, event_type="comment", post_id=post_id)
    outbox.publish(session, "post.commented", _commented_event(comment, post.author_id))
    await session.commit()
    authors = await users.author_cards(session, user_ids=[user_id])
    return CommentOut(id=comment.id, post_id=post_id, parent_id=comment.parent_id, author=authors[user_id],
                      text=comment.text, created_at=now)


async def delete_comment(session: AsyncSession, *, comment_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The comment's author or the post's author may remove it; anyone else sees 404."""
    row = (await session.execute(
        select(Comment, Post.author_id).join(Post, Post.id == Comment.post_id)
        .where(Comment.id == comment_id, Comment.status == "active").with_for_update(of=Comment)
    )).first()
    if row is None or user_id not in (row[0].author_id, row[1]):
        raise CommentNotFound()
    comment = row[0]
    comment.status, comment.deleted_at = "deleted", utcnow()
    await session.execute(update(Post).where(Post.id == comment.post_id)
                          .values(comment_count=Post.comment_count - 1))
    await session.commit()


# --- bulk use cases: imports and demo history (same rules, one statement per step) ---------------

async def _visible_authors(session: AsyncSession,
                           pairs: set[tuple[uuid.UUID, uuid.UUID]]) -> dict[uuid.UUID, uuid.UUID]:
    """{post_id: author_id} for (post, viewer) pairs, each post active and no block between the viewer
    and its author — else PostNotFound, as `_visible_post` answers one at a time."""
    post_ids = {post_id for post_id, _ in pairs}
    authors = dict((await session.execute(select(Post.id, Post.author_id).where(
        Post.id.in_(post_ids), Post.status == "active"))).all()) if post_ids else {}
    if len(authors) != len(post_ids):
        raise PostNotFound()
    if await social.blocked_pairs(session, pairs={(viewer, authors[post]) for post, viewer in pairs
                                                  if viewer != authors[post]}):
        raise PostNotFound()
    return authors


async def _add_to_counter(session: AsyncSession, counter: str, per_post: Counter[uuid.UUID]) -> None:
    """One UPDATE for many posts; the rows are locked in id order first, so bulk writers cannot deadlock."""
    ids = sorted(per_post)
    if not ids:
        return
    await session.execute(select(Post.id).where(Post.id.in_(ids)).order_by(Post.id).with_for_update())
    await session.execute(text(
        f"UPDATE content.post AS p SET {counter} = p.{counter} + d.n "  # counter: a fixed column name
        "FROM unnest(CAST(:ids AS uuid[]), CAST(:ns AS bigint[])) AS d(id, n) WHERE p.id = d.id"),
        {"ids": ids, "ns": [per_post[i] for i in ids]})


def _liked_event(post_id: uuid.UUID, author_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> dict[str, str]:
    return {"post_id": str(post_id), "author_id": str(author_id), "user_id": str(user_id), "liked_at": at.isoformat()}


def _saved_event(post_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> dict[str, str]:
    return {"post_id": str(post_id), "user_id": str(user_id), "saved_at": at.isoformat()}


async def _react_many(session: AsyncSession, *, model: type[PostLike] | type[PostSave], counter: str, kind: str,
                      reactions: Sequence[tuple[uuid.UUID, uuid.UUID, datetime | None, str | None]]) -> int:
    now = utcnow()
    wanted: dict[tuple[uuid.UUID, uuid.UUID], tuple[datetime, str | None]] = {}
    for post_id, user_id, at, surface in reactions:
        wanted.setdefault((post_id, user_id), (stamp(at, now), surface))
    if not wanted:
        return 0
    authors = await _visible_authors(session, set(wanted))
    items = [{"post_id": p, "user_id": u, "created_at": at} for (p, u), (at, _) in wanted.items()]
    inserted: list[tuple[uuid.UUID, uuid.UUID]] = []
    for start in range(0, len(items), 5000):
        result = await session.execute(insert(model).values(items[start:start + 5000]).on_conflict_do_nothing()
                                       .returning(model.post_id, model.user_id))
        inserted += [(row[0], row[1]) for row in result]
    await _add_to_counter(session, counter, Counter(post_id for post_id, _ in inserted))
    await interactions.record_many(session, events=(
        {"user_id": u, "event_type": kind, "post_id": p, "surface": wanted[(p, u)][1],
         "occurred_at": wanted[(p, u)][0]} for p, u in inserted))
    if kind == "like":
        await outbox.publish_many(session, "post.liked", (
            (_liked_event(p, authors[p], u, wanted[(p, u)][0]), wanted[(p, u)][0]) for p, u in inserted))
    else:
        await outbox.publish_many(session, "post.saved", (
            (_saved_event(p, u, wanted[(p, u)][0]), wanted[(p, u)][0]) for p, u in inserted))
    await session.commit()
    return len(inserted)


async def like_many(session: AsyncSession, *,
                    likes: Sequence[tuple[uuid.UUID, uuid.UUID, datetime | None, str | None]]) -> int:
    """Bulk `like_post`: (post_id, user_id, liked_at or None, surface) items, all or nothing; repeats
    change nothing. Returns how many likes were new."""
    return await _react_many(session, model=PostLike, counter="like_count", kind="like", reactions=likes)


async def save_many(session: AsyncSession, *,
                    saves: Sequence[tuple[uuid.UUID, uuid.UUID, datetime | None, str | None]]) -> int:
    """Bulk `save_post`, as `like_many`."""
    return await _react_many(session, model=PostSave, counter="save_count", kind="save", reactions=saves)


def _commented_event(comment: Comment, post_author: uuid.UUID) -> dict[str, str | None]:
    return {"post_id": str(comment.post_id), "author_id": str(post_author), "comment_id": str(comment.id),
            "user_id": str(comment.author_id), "parent_id": str(comment.parent_id) if comment.parent_id else None,
            "commented_at": comment.created_at.isoformat(), "excerpt": comment.text[:140]}


async def comment_many(session: AsyncSession, *,
                       comments: Sequence[tuple[uuid.UUID, uuid.UUID, CommentCreate, datetime | None]]
                       ) -> list[uuid.UUID]:
    """Bulk `add_comment`: (post_id, user_id, comment, commented_at or None) items, all or nothing,
    replies only to existing top-level comments of the same post. Returns the new comment ids."""
    now = utcnow()
    if not comments:
        return []
    authors = await _visible_authors(session, {(post_id, user_id) for post_id, user_id, _, _ in comments})
    parent_ids = {data.parent_id for _, _, data, _ in comments if data.parent_id is not None}
    parents = {row[0]: (row[1], row[2]) for row in await session.execute(
        select(Comment.id, Comment.post_id, Comment.parent_id).where(
            Comment.id.in_(parent_ids), Comment.status == "active"))} if parent_ids else {}
    rows = []
    for post_id, user_id, data, at in comments:
        if data.parent_id is not None:
            parent = parents.get(data.parent_id)
            if parent is None or parent[0] != post_id:
                raise CommentNotFound()
            if parent[1] is not None:
                raise ReplyTooDeep()
        at = stamp(at, now)
        rows.append(Comment(id=uuid7(at), post_id=post_id, author_id=user_id, parent_id=data.parent_id, text=data.text,
                            status="active", created_at=at, deleted_at=None))
    session.add_all(rows)
    await session.flush()
    await _add_to_counter(session, "comment_count", Counter(c.post_id for c in rows))
    await interactions.record_many(session, events=(
        {"user_id": c.author_id, "event_type": "comment", "post_id": c.post_id, "occurred_at": c.created_at}
        for c in rows))
    await outbox.publish_many(session, "post.commented", (
        (_commented_event(c, authors[c.post_id]), c.created_at) for c in rows))
    await session.commit()
    return [c.id for c in rows]


async def list_comments(session: AsyncSession, *, post_id: uuid.UUID, viewer_id: uuid.UUID | None,
                        cursor: str | None, limit: int = 20) -> Page[CommentOut]:
    """Oldest first, replies inline with their parent_id, so clients can thread one level."""
    await _visible_post(session, post_id=post_id, viewer_id=viewer_id)
    query = select(Comment).where(Comment.post_id == post_id, Comment.status == "active")
    after = decode_time_id(cursor)
    if after is not None:
        query = query.where(tuple_(Comment.created_at, Comment.id) > after)
    hidden = await social.hidden_user_ids(session, viewer_id=viewer_id)
    if hidden:
        query = query.where(Comment.author_id.not_in(hidden))
    rows = list(await session.scalars(query.order_by(Comment.created_at, Comment.id).limit(limit + 1)))
    authors = await users.author_cards(session, user_ids={c.author_id for c in rows[:limit]})
    items = [CommentOut(id=c.id, post_id=c.post_id, parent_id=c.parent_id, author=authors[c.author_id], text=c.text,
                        created_at=c.created_at) for c in rows[:limit] if c.author_id in authors]
    next_cursor = next_time_id_cursor(rows, limit, key=lambda c: (c.created_at, c.id))
    return Page[CommentOut](items=items, next_cursor=next_cursor)


async def posts_by_user(session: AsyncSession, *, user_id: uuid.UUID, viewer_id: uuid.UUID | None,
                        cursor: str | None, limit: int = 20) -> Page[PostCard]:
    await users.ensure_exists(session, user_id=user_id)
    if viewer_id is not None and viewer_id != user_id and await social.is_blocked_between(
        session, a=viewer_id, b=user_id
    ):
        return Page[PostCard](items=[], next_cursor=None)
    query = queries.active_posts().where(Post.author_id == user_id)
    return await queries.page_of_posts(session, query, viewer_id=viewer_id, cursor=cursor, limit=limit)


async def posts_by_hashtag(session: AsyncSession, *, tag: str, viewer_id: uuid.UUID | None, cursor: str | None,
                           limit: int = 20) -> Page[PostCard]:
    ensure_storable(tag, field="tag")
    query = queries.active_posts().join(PostHashtag, PostHashtag.post_id == Post.id).where(
        PostHashtag.tag == normalise_tag(tag.lstrip("#")))
    return await queries.page_of_posts(session, query, viewer_id=viewer_id, cursor=cursor, limit=limit)


async def recent_posts(session: AsyncSession, *, viewer_id: uuid.UUID, cursor: str | None, limit: int = 20,
                       hashtag: str | None = None, category: str | None = None,
                       exclude: Collection[uuid.UUID] = ()) -> Page[PostCard]:
    """Everyone's newest posts but the viewer's own and `exclude` (blocked authors are dropped while
    hydrating): what the ranked feeds serve from PostgreSQL when Redis or the ranking is unavailable,
    or when the viewer has seen everything ranked for them. `category` (id or slug, sub-categories
    included) keeps posts tagging a product of it."""
    query = queries.active_posts().where(Post.author_id != viewer_id)
    if exclude:
        query = query.where(Post.id.not_in(list(exclude)))
    if hashtag:
        ensure_storable(hashtag, field="hashtag")
        query = query.join(PostHashtag, PostHashtag.post_id == Post.id).where(
            PostHashtag.tag == normalise_tag(hashtag.lstrip("#")))
    if category:
        ensure_storable(category, field="category")
        products = await catalog.active_product_ids_in_category(session, category=category)
        query = query.where(Post.id.in_(select(PostProductTag.post_id).where(PostProductTag.product_id.in_(products))))
    return await queries.page_of_posts(session, query, viewer_id=viewer_id, cursor=cursor, limit=limit)


async def post_ref(session: AsyncSession, *, post_id: uuid.UUID) -> tuple[uuid.UUID, str] | None:
    """(author_id, status) — for consumers deciding whether an event still matters."""
    row = (await session.execute(select(Post.author_id, Post.status).where(Post.id == post_id))).first()
    return (row[0], row[1]) if row else None


# The read side other contexts (the feeds) use, published through this module as GUIDE.md asks.
post_cards = queries.post_cards
posts_by_authors = queries.posts_by_authors
post_refs = queries.post_refs
parse_post_cursor = queries.parse_post_cursor
post_cursor = queries.post_cursor
