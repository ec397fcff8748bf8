"""The generated marketplace looks like one: history inside the window, a funnel that narrows,
a heavy-tailed follow graph, daily and weekly rhythm, counters that agree with rows, orders in every
end state, and demo accounts that log in and see a following feed."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from serving.seed import DEMO_PASSWORD, seed_demo
from tests.events import drain_all
from tests.helpers import login

USERS, DAYS = 300, 40
# Every table.column that stamps when something happened.
STAMPS = ("auth.account.created_at", "users.user_profile.created_at", "social.follow.created_at",
          "catalog.product.created_at", "content.post.created_at", "content.post_like.created_at",
          "content.post_save.created_at", "content.comment.created_at", "interactions.interaction.occurred_at",
          "interactions.interaction.received_at", "cart.cart_item.added_at", "orders.\"order\".created_at",
          "orders.order_status_change.at", "payments.payment_event.at", "shipping.shipment_event.occurred_at",
          "reviews.review.created_at", "platform.outbox_event.occurred_at", "inventory.reservation.created_at",
          "sellers.seller.applied_at", "sellers.seller_review.at", "payouts.payout.requested_at",
          "ledger.journal.created_at", "ledger.entry.created_at")


async def _rows(db, sql: str, **params) -> list:  # noqa: ANN001
    async with db.session() as session:
        return (await session.execute(text(sql), params)).all()


async def test_seeded_marketplace_has_a_believable_shape(settings, db, redis, client):
    end = datetime.now(UTC).replace(microsecond=0)
    summary = await seed_demo(db, users=USERS, days=DAYS, seed=5, settings=settings, end=end)
    start = end - timedelta(days=DAYS)
    now = datetime.now(UTC)

    # History: spread over the window, nothing in the future (the catalog predates the window by a week).
    for stamp in STAMPS:
        table, column = stamp.rsplit(".", 1)
        low, high = (await _rows(db, f"SELECT min({column}), max({column}) FROM {table}"))[0]
        assert low is not None, stamp
        assert start - timedelta(days=8) <= low and high <= end <= now, (stamp, low, high)
    low, high = (await _rows(db, "SELECT min(occurred_at), max(occurred_at) FROM interactions.interaction"))[0]
    assert low < start + timedelta(days=2) and high > end - timedelta(days=2)
    assert not await _rows(db, "SELECT 1 FROM interactions.interaction WHERE received_at < occurred_at")

    # The funnel narrows at every step.
    counts = dict(await _rows(db, "SELECT event_type, count(*) FROM interactions.interaction GROUP BY 1"))
    assert counts["impression"] > counts["post_click"] > counts["product_tag_click"] > counts["add_to_cart"] \
        > counts["purchase"] > 0
    assert 0.01 < counts["post_click"] / counts["impression"] < 0.1  # single-digit CTR
    for kind in ("post_view", "like", "save", "comment", "share", "product_view", "checkout", "hide",
                 "not_interested"):
        assert counts.get(kind, 0) > 0, kind
    assert summary.events["impression"] == counts["impression"]
    # CTR falls with position.
    ctr = dict(await _rows(db, """
        SELECT i.position < 3, avg((c.event_id IS NOT NULL)::int)::float FROM interactions.interaction i
        LEFT JOIN interactions.interaction c ON c.user_id = i.user_id AND c.post_id = i.post_id
             AND c.session_id = i.session_id AND c.event_type = 'post_click' AND c.position = i.position
        WHERE i.event_type = 'impression' GROUP BY 1"""))
    assert ctr[True] > ctr[False]
    # Most carts are abandoned; attribution to the post and surface that led there is kept. The demo
    # accounts are left out: their purchases are scripted (the demo shop's regulars, the refund
    # stories), and at this test's size they would be a third of all orders.
    carts, attributed, purchases = (await _rows(db, """
        SELECT count(*) FILTER (WHERE event_type = 'add_to_cart'),
               count(post_id) FILTER (WHERE event_type = 'add_to_cart'),
               count(*) FILTER (WHERE event_type = 'purchase')
        FROM interactions.interaction i JOIN users.user_profile u ON u.id = i.user_id
        WHERE u.username NOT LIKE 'demo\\_%'"""))[0]
    assert 0 < purchases < carts / 2 and attributed > carts / 2

    # A heavy-tailed follow graph: a few accounts hold a large share of all follows.
    degrees = sorted((n for (n,) in await _rows(db, "SELECT followers_count FROM users.user_profile")), reverse=True)
    assert degrees[0] >= 5 * max(1, statistics.median(degrees))
    assert sum(degrees[: len(degrees) // 10]) >= 0.35 * sum(degrees)

    # Evenings are busier than nights, weekends than weekdays (Jakarta time).
    by_hour = dict(await _rows(db, "SELECT extract(hour FROM occurred_at AT TIME ZONE 'Asia/Jakarta')::int, "
                                   "count(*) FROM interactions.interaction GROUP BY 1"))
    assert sum(by_hour.get(h, 0) for h in (19, 20, 21)) > 3 * sum(by_hour.get(h, 0) for h in (2, 3, 4))
    per_day = await _rows(db, """
        SELECT extract(isodow FROM d)::int >= 6, avg(n) FROM (
            SELECT date_trunc('day', occurred_at AT TIME ZONE 'Asia/Jakarta') AS d, count(*) AS n
            FROM interactions.interaction WHERE occurred_at > :since GROUP BY 1) days GROUP BY 1""",
                          since=start + timedelta(days=7))
    weekend = dict(per_day)
    assert weekend[True] > weekend[False]

    # Denormalized counters agree with the rows they count.
    for sql in (
        "SELECT p.id FROM content.post p WHERE p.like_count <> (SELECT count(*) FROM content.post_like l "
        "WHERE l.post_id = p.id) OR p.save_count <> (SELECT count(*) FROM content.post_save s "
        "WHERE s.post_id = p.id) OR p.comment_count <> (SELECT count(*) FROM content.comment c "
        "WHERE c.post_id = p.id AND c.status = 'active')",
        "SELECT u.id FROM users.user_profile u WHERE u.followers_count <> (SELECT count(*) FROM social.follow f "
        "WHERE f.followee_id = u.id) OR u.following_count <> (SELECT count(*) FROM social.follow f "
        "WHERE f.follower_id = u.id) OR u.posts_count <> (SELECT count(*) FROM content.post p "
        "WHERE p.author_id = u.id)",
        "SELECT id FROM inventory.stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand",
    ):
        assert not await _rows(db, sql), sql
    likes = (await _rows(db, "SELECT count(*) FROM content.post_like"))[0][0]
    assert likes == counts["like"] == summary.likes

    # Orders end in every way an order can end.
    statuses = dict(await _rows(db, "SELECT status, count(*) FROM orders.\"order\" GROUP BY 1"))
    for status in ("completed", "cancelled", "expired", "refunded"):
        assert statuses.get(status, 0) > 0, statuses
    assert (await _rows(db, "SELECT count(*) FROM reviews.review"))[0][0] > 0

    # Demo accounts: log in over HTTP, see their following feed, orders and reviews.
    await drain_all(settings, db, redis, names={"feed.fan-out"})
    demo_orders = 0
    for name in ("ayu", "budi", "citra"):
        tokens = await login(client, f"demo_{name}@demo.lakoo.id", DEMO_PASSWORD)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        feed = await client.get("/api/feed/following", headers=headers)
        assert feed.status_code == 200 and feed.json()["items"], name
        demo_orders += len((await client.get("/api/orders", headers=headers)).json()["items"])
    assert demo_orders > 0
    demo_reviews = (await _rows(db, "SELECT count(*) FROM reviews.review r JOIN users.user_profile u "
                                    "ON u.id = r.buyer_id WHERE u.username LIKE 'demo\\_%'"))[0][0]
    assert demo_reviews > 0
