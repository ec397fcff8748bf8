"""The bulk use cases (imports, demo history) keep the single-item rules: all or nothing, exact
counters, one event each, dedup — and the simulated clock stamps what they write."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from commerce.auth import service as auth
from commerce.auth.errors import EmailTaken, UsernameTaken
from commerce.content import service as content
from commerce.content.errors import PostNotFound
from commerce.content.schemas import CommentCreate, ImageIn, PostCreate
from commerce.core.clock import travel_to, utcnow
from commerce.core.errors import ValidationFailed
from commerce.core.ids import uuid7
from commerce.interactions import service as interactions
from commerce.interactions.schemas import ClientEvent
from commerce.interactions.service import ClientBatch, ImpersonationForbidden
from commerce.social import service as social
from commerce.social.errors import Blocked, CannotFollowSelf
from commerce.users.errors import UserNotFound

PAST = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HASH = auth.hash_password("correct horse battery")


async def _scalar(session, sql: str, **params):  # noqa: ANN001, ANN202
    return (await session.execute(text(sql), params)).scalar_one()


async def _people(session, n: int) -> list[uuid.UUID]:  # noqa: ANN001
    with travel_to(PAST):
        return await auth.register_many(session, accounts=[
            (f"bulk{i}@example.com", f"bulk{i}", HASH, PAST - timedelta(hours=i)) for i in range(n)])


def test_travel_to_overrides_the_clock_for_the_block_only():
    real = utcnow()
    with travel_to(PAST):
        assert utcnow() == PAST
        assert datetime.fromtimestamp((uuid7().int >> 80) / 1000, UTC) == PAST
        with travel_to(PAST + timedelta(days=1)):
            assert utcnow() == PAST + timedelta(days=1)
        assert utcnow() == PAST
    assert utcnow() >= real
    with pytest.raises(ValueError):
        with travel_to(datetime(2026, 1, 1)):  # noqa: DTZ001 - the point of the test
            pass


async def test_register_many_and_follow_many_keep_the_rules(db):
    async with db.session() as session:
        a, b, c = await _people(session, 3)
        assert await _scalar(session, "SELECT min(created_at) FROM auth.account") == PAST - timedelta(hours=2)
        assert await _scalar(session, "SELECT count(*) FROM platform.outbox_event WHERE topic = 'user.registered'") == 3
        with pytest.raises(EmailTaken):
            await auth.register_many(session, accounts=[("BULK0@example.com", "fresh", HASH, None)])
        with pytest.raises(UsernameTaken):
            await auth.register_many(session, accounts=[("x@example.com", "dup", HASH, None),
                                                        ("y@example.com", "dup", HASH, None)])
        with travel_to(PAST + timedelta(days=1)):
            edges = [(a, b, PAST + timedelta(minutes=5)), (c, b, None), (a, b, None)]
            assert await social.follow_many(session, follows=edges) == 2
            assert await social.follow_many(session, follows=edges) == 0  # repeats change nothing
            with pytest.raises(CannotFollowSelf):
                await social.follow_many(session, follows=[(a, a, None)])
            with pytest.raises(UserNotFound):
                await social.follow_many(session, follows=[(a, uuid.uuid4(), None)])
            with pytest.raises(ValidationFailed):  # nothing happens in the future
                await social.follow_many(session, follows=[(c, a, PAST + timedelta(days=2))])
            await session.rollback()
            await social.block(session, blocker_id=c, blocked_id=a)
            with pytest.raises(Blocked):
                await social.follow_many(session, follows=[(b, c, None), (a, c, None)])
            await session.rollback()
        assert await _scalar(session, "SELECT followers_count FROM users.user_profile WHERE id = :id", id=b) == 2
        assert await _scalar(session, "SELECT count(*) FROM social.follow WHERE followee_id = :id", id=b) == 2
        assert await _scalar(session, "SELECT count(*) FROM social.follow WHERE follower_id = :id", id=b) == 0
        assert await _scalar(session, "SELECT min(created_at) FROM social.follow") == PAST + timedelta(minutes=5)
        assert await _scalar(session, "SELECT count(*) FROM platform.outbox_event WHERE topic = 'user.followed'") == 2


async def test_posts_likes_saves_and_comments_in_bulk(db):
    async with db.session() as session:
        author, fan, other = await _people(session, 3)
        post = PostCreate(text="Kopi pagi #kopi", images=[ImageIn(url="https://img.lakoo.id/p/1.jpg", width=1080,
                                                                 height=1080)])
        with travel_to(PAST + timedelta(hours=2)):
            first, second = await content.create_posts(session, posts=[(author, post, PAST), (author, post, None)])
            likes = [(first, fan, PAST + timedelta(minutes=1), "for_you"), (first, other, None, None),
                     (second, fan, None, "following"), (first, fan, None, None)]
            assert await content.like_many(session, likes=likes) == 3
            assert await content.like_many(session, likes=likes) == 0
            assert await content.save_many(session, saves=[(second, other, None, "explore")]) == 1
            ids = await content.comment_many(session, comments=[(first, fan, CommentCreate(text="Cakep!"), None)])
            await content.comment_many(session, comments=[
                (first, author, CommentCreate(text="Makasih!", parent_id=ids[0]), None)])
            with pytest.raises(PostNotFound):
                await content.like_many(session, likes=[(uuid.uuid4(), fan, None, None)])
        counts = (await session.execute(text(
            "SELECT like_count, save_count, comment_count FROM content.post ORDER BY created_at"))).all()
        assert [tuple(c) for c in counts] == [(2, 0, 2), (1, 1, 0)]
        assert await _scalar(session, "SELECT posts_count FROM users.user_profile WHERE id = :id", id=author) == 2
        assert await _scalar(session, "SELECT count(*) FROM content.post_hashtag WHERE tag = 'kopi'") == 2
        kinds = dict((await session.execute(text(
            "SELECT event_type, count(*) FROM interactions.interaction GROUP BY 1"))).all())
        assert kinds == {"like": 3, "save": 1, "comment": 2}
        assert await _scalar(session, "SELECT count(*) FROM platform.outbox_event WHERE topic = 'post.liked'") == 3
        assert await _scalar(session, "SELECT count(*) FROM platform.outbox_event WHERE topic = 'post.created'") == 2
        assert await _scalar(session, "SELECT min(occurred_at) FROM interactions.interaction") == \
            PAST + timedelta(minutes=1)


async def test_client_batches_append_with_the_single_batch_rules(db):
    async with db.session() as session:
        me, you = await _people(session, 2)

        def event(event_id: uuid.UUID, at: datetime, **extra) -> ClientEvent:  # noqa: ANN003
            return ClientEvent(event_id=event_id, type="impression", occurred_at=at, surface="for_you", **extra)

        e1, e2, e3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with travel_to(PAST + timedelta(hours=1)):
            result = await interactions.append_client_batches(session, batches=[
                ClientBatch(me, [event(e1, PAST), event(e1, PAST), event(e2, PAST - timedelta(days=30))],
                            received_at=PAST + timedelta(minutes=2)),
                ClientBatch(you, [event(e1, PAST, position=3)], received_at=PAST + timedelta(minutes=1)),
            ])
            assert (result.accepted, result.duplicates, result.clamped) == (3, 1, 1)
            again = await interactions.append_client_batches(session, batches=[
                ClientBatch(me, [event(e1, PAST), event(e3, PAST)])])
            assert (again.accepted, again.duplicates) == (1, 1)
            with pytest.raises(ImpersonationForbidden):
                await interactions.append_client_batches(session, batches=[
                    ClientBatch(me, [event(uuid.uuid4(), PAST, user_id=you)])])
            await session.rollback()
        rows = (await session.execute(text(
            "SELECT user_id, received_at, occurred_at, properties FROM interactions.interaction ORDER BY id"))).all()
        # Arrival order: `id` grows with received_at, the warehouse's watermark sees them in that order.
        assert [r.received_at for r in rows] == sorted(r.received_at for r in rows)
        assert rows[0].user_id == you and rows[-1].received_at == PAST + timedelta(hours=1)
        clamped = [r for r in rows if "clamped_from" in r.properties]
        assert len(clamped) == 1 and clamped[0].occurred_at == PAST + timedelta(minutes=2) - timedelta(days=7)
        assert all(r.received_at >= r.occurred_at for r in rows)
