"""`lakoo seed` is reproducible and refuses to seed twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from serving.seed import seed_demo
from tests.conftest import empty_stores

# What must not change between two runs with the same seed (ids and identity values may).
FINGERPRINT = {
    "users": "SELECT username, created_at FROM users.user_profile ORDER BY username",
    "follows": "SELECT a.username, b.username, f.created_at FROM social.follow f "
               "JOIN users.user_profile a ON a.id = f.follower_id JOIN users.user_profile b ON b.id = f.followee_id "
               "ORDER BY 1, 2",
    "products": "SELECT name, price_min, price_max, created_at FROM catalog.product ORDER BY created_at, name",
    "posts": "SELECT u.username, p.text, p.created_at, p.like_count, p.save_count, p.comment_count "
             "FROM content.post p JOIN users.user_profile u ON u.id = p.author_id ORDER BY p.created_at, p.text",
    "interactions": "SELECT event_type, source, surface, position, occurred_at, received_at, count(*) "
                    "FROM interactions.interaction GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
    "client_event_ids": "SELECT event_id FROM interactions.interaction WHERE source = 'client' ORDER BY event_id",
    "orders": "SELECT u.username, o.status, o.total, o.created_at FROM orders.\"order\" o "
              "JOIN users.user_profile u ON u.id = o.buyer_id ORDER BY o.created_at, u.username, o.total",
    "reviews": "SELECT rating, text, created_at FROM reviews.review ORDER BY created_at, text",
    "sellers": "SELECT u.username, s.handle, s.status, s.applied_at, s.reviewed_at, s.rejection_reason "
               "FROM sellers.seller s JOIN users.user_profile u ON u.id = s.user_id ORDER BY u.username",
    "seller_reviews": "SELECT u.username, r.decision, r.reason, r.at FROM sellers.seller_review r "
                      "JOIN users.user_profile u ON u.id = r.seller_id ORDER BY r.at, u.username, r.decision",
    "seller_products": "SELECT s.handle, p.name, p.status, p.rejection_reason, p.created_at FROM catalog.product p "
                       "JOIN sellers.seller s ON s.user_id = p.seller_id ORDER BY p.created_at, p.name",
    "seller_orders": "SELECT s.handle, o.status, o.total, o.wallet_amount, o.accepted_at, o.packed_at, o.shipped_at "
                     "FROM orders.\"order\" o JOIN sellers.seller s ON s.user_id = o.seller_id "
                     "ORDER BY o.created_at, s.handle, o.total",
    "payouts": "SELECT s.handle, p.status, p.amount, p.requested_at, p.paid_at, p.bank_reference "
               "FROM payouts.payout p JOIN sellers.seller s ON s.user_id = p.seller_id ORDER BY p.requested_at",
    "books": "SELECT a.kind, count(DISTINCT a.id), sum(e.amount) FILTER (WHERE e.amount > 0), count(e.id) "
             "FROM ledger.account a JOIN ledger.entry e ON e.account_id = a.id GROUP BY 1 ORDER BY 1",
}


async def _fingerprint(db) -> dict[str, list]:  # noqa: ANN001
    async with db.session() as session:
        return {name: [tuple(row) for row in (await session.execute(text(sql))).all()]
                for name, sql in FINGERPRINT.items()}


async def test_same_seed_same_marketplace_and_no_second_seeding(settings, db, redis):
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    first = await seed_demo(db, users=40, days=10, seed=11, settings=settings, end=end)
    assert not first.skipped and first.users == 40 and first.orders > 0
    assert (await seed_demo(db, users=40, days=10, seed=11, settings=settings, end=end)).skipped
    before = await _fingerprint(db)

    await empty_stores(db, redis)
    second = await seed_demo(db, users=40, days=10, seed=11, settings=settings, end=end)
    after = await _fingerprint(db)
    assert {k: v for k, v in vars(first).items() if k.endswith("seconds") is False} == \
        {k: v for k, v in vars(second).items() if k.endswith("seconds") is False}
    for name in FINGERPRINT:
        assert before[name] == after[name], name
    sparse = {"reviews", "seller_orders", "payouts"}  # ten days are too few for them to be sure to exist
    assert all(before[name] for name in FINGERPRINT if name not in sparse), "the fingerprint compares real rows"

    await empty_stores(db, redis)
    other = await seed_demo(db, users=40, days=10, seed=12, settings=settings, end=end)
    assert (await _fingerprint(db))["posts"] != before["posts"]
    assert other.users == 40


async def test_lakoo_seed_command(settings, db):
    from tests.integration.test_cli import _invoke

    result = await _invoke(settings, ["seed", "--users", "12", "--days", "3", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "seeded in" in result.output and "impression" in result.output
    async with db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM users.user_profile "
                                           "WHERE username <> 'admin'"))).scalar_one() == 12
    again = await _invoke(settings, ["seed", "--users", "12", "--days", "3"])
    assert again.exit_code == 0 and "already loaded" in again.output
    for bad in (["seed", "--users", "1"], ["seed", "--days", "0"], ["seed", "--users", "many"]):
        refused = await _invoke(settings, bad)
        assert refused.exit_code == 2, (bad, refused.output)
