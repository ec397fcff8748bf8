"""A small marketplace with known history, written straight into Postgres, and a warehouse built
from it: KPI tests compare the marts and the API with values computed by hand from this story.

Two ISO weeks, Monday 2026-01-05 to Sunday 2026-01-18 (UTC):

- ayu and budi register on Mon 01-05, citra on Wed 01-07, dewi on Mon 01-12.
- ayu posts P1 on 01-05 (tags product A, hashtags #ootd #batik); budi posts P2 on 01-06 (#ootd).
- 01-05: ayu and budi see P1 in for_you; budi clicks it, taps the product tag, views A at 10:00,
  adds A to the cart at 10:05 (from P1, for_you) and buys it at 10:30 (order O1, Rp 100.000).
- 01-06: ayu sees P2 in explore and views product B at 09:00.
- 01-07: citra sees P1 in for_you and likes it; her order O3 for A is placed and expires unpaid.
- 01-12: ayu sees P2 in for_you; dewi sees P1 in explore. O1 is completed.
- 01-14: ayu adds B to the cart (8 days after her view: outside the 7-day window) and pays O2
  (2 × B = Rp 100.000, not from any post or surface).

Sellers: ayu and budi apply on 01-06 (ayu approved, budi rejected on 01-07), citra applies on
01-08 and is approved the same day (suspended since), dewi applies on 01-13 and is still pending:
week 1 onboards 2 of 3 applications, week 2 0 of 1.

The ranking experiment (`ranking-v1`): the for_you impressions are logged by the ranked feed
(source `server`) with the variant it served; the later ones name the experiment, the older ones do
not (they count as ranking-v1, the dbt var untagged_experiment).
- control: ayu (for_you 01-05 and 01-12; buys O2 on 01-14). Dewi's explore impression also says
  control, but explore buckets nobody: it is not an exposure, and dewi is in no variant.
- treatment: budi (for_you 01-05, clicks, buys O1) and citra (for_you 01-07, likes, buys nothing).
So over both weeks: control 1 user, 2 impressions, 0 clicks, 1 converted; treatment 2 users,
2 impressions, 1 click, 1 converted (EXPERIMENT below).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import psycopg

from commerce.core.db import CONTEXT_SCHEMAS, libpq_url
from commerce.core.settings import Settings


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


AYU, BUDI, CITRA, DEWI = _id(1), _id(2), _id(3), _id(4)
P1, P2 = _id(101), _id(102)
CATEGORY, PRODUCT_A, PRODUCT_B, VARIANT_A, VARIANT_B = _id(201), _id(202), _id(203), _id(204), _id(205)
O1, O2, O3, CHECKOUT = _id(301), _id(302), _id(303), _id(300)
FIRST_DAY, LAST_DAY = "2026-01-05", "2026-01-18"
CONTROL, TREATMENT = {"variant": "control"}, {"variant": "treatment"}  # served before impressions named it
TAGGED_CONTROL = {"experiment": "ranking-v1", "variant": "control"}
TAGGED_TREATMENT = {"experiment": "ranking-v1", "variant": "treatment"}


def at(day: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(2026, 1, day, hh, mm, tzinfo=UTC)


# (user, type, day, hh, mm, surface, post, product, order, quantity, amount[, properties of an
# impression a ranked feed served, logged by the server])
EVENTS = [
    (AYU, "impression", 5, 9, 0, "for_you", P1, None, None, None, None, CONTROL),
    (BUDI, "impression", 5, 9, 30, "for_you", P1, None, None, None, None, TREATMENT),
    (BUDI, "post_click", 5, 9, 31, "for_you", P1, None, None, None, None),
    (BUDI, "product_tag_click", 5, 9, 32, "for_you", P1, PRODUCT_A, None, None, None),
    (BUDI, "product_view", 5, 10, 0, "post", P1, PRODUCT_A, None, None, None),
    (BUDI, "add_to_cart", 5, 10, 5, "for_you", P1, PRODUCT_A, None, 1, 100_000),
    (BUDI, "purchase", 5, 10, 30, "for_you", P1, PRODUCT_A, O1, 1, 100_000),
    (AYU, "impression", 6, 8, 0, "explore", P2, None, None, None, None),
    (AYU, "product_view", 6, 9, 0, "product", None, PRODUCT_B, None, None, None),
    (CITRA, "impression", 7, 18, 0, "for_you", P1, None, None, None, None, TAGGED_TREATMENT),
    (CITRA, "like", 7, 18, 1, "for_you", P1, None, None, None, None),
    (AYU, "impression", 12, 8, 0, "for_you", P2, None, None, None, None, TAGGED_CONTROL),
    (DEWI, "impression", 12, 20, 0, "explore", P1, None, None, None, None, TAGGED_CONTROL),  # explore: not bucketed
    (AYU, "add_to_cart", 14, 9, 0, "product", None, PRODUCT_B, None, 2, 100_000),
    (AYU, "purchase", 14, 9, 10, None, None, PRODUCT_B, O2, 2, 100_000),
]

# Hand-computed from the story above.
WEEK1 = {
    "registrations": 3, "posts_created": 2, "impressions": 4, "post_clicks": 1, "likes": 1,
    "product_tag_clicks": 1, "tagged_post_impressions": 3, "product_views": 2, "add_to_carts": 1, "purchases": 1,
    "orders_placed": 2, "orders_placed_completed": 1, "orders_paid": 1, "gmv": 100_000, "wau": 3, "mau": 3,
    "seller_applications": 3, "seller_applications_approved": 2, "sellers_approved": 2,
    "feed_click_through_rate": 0.25, "tag_click_through_rate": 1 / 3, "aov": 100_000.0, "order_completion_rate": 0.5,
    "seller_onboarding_rate": 2 / 3, "dau": 4 / 7,
}
WEEK2 = {"registrations": 1, "posts_created": 0, "impressions": 2, "orders_paid": 1, "gmv": 100_000, "wau": 2,
         "mau": 4, "add_to_carts": 1, "purchases": 1, "dau": 3 / 7, "orders_placed": 1, "orders_placed_completed": 0,
         "order_completion_rate": 0.0, "seller_applications": 1, "seller_applications_approved": 0,
         "sellers_approved": 0, "seller_onboarding_rate": 0.0}
# The ranking experiment over both weeks, per variant (rates and 95% intervals are derived in the tests).
EXPERIMENT = {
    "control": {"exposed_users": 1, "impressions": 2, "post_clicks": 0, "clicking_users": 0, "purchases": 1,
                "purchase_amount": 100_000, "converted_users": 1, "mixed_exposure_users": 0},
    "treatment": {"exposed_users": 2, "impressions": 2, "post_clicks": 1, "clicking_users": 1, "purchases": 1,
                  "purchase_amount": 100_000, "converted_users": 1, "mixed_exposure_users": 0},
}


def truncate_all(db_url: str) -> None:
    """Empty every context table (like the per-test clean-up) for tests that do not use `db`."""
    from tests.conftest import REFERENCE_TABLES

    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname = ANY(%s) AND schemaname || '.' || tablename <> ALL(%s)",
            (list(CONTEXT_SCHEMAS), sorted(REFERENCE_TABLES))).fetchall()]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def insert_event(conn: psycopg.Connection, user: uuid.UUID, event_type: str, when: datetime, *,
                 surface: str | None = None, post: uuid.UUID | None = None, product: uuid.UUID | None = None,
                 order: uuid.UUID | None = None, quantity: int | None = None, amount: int | None = None,
                 served: dict[str, str] | None = None) -> int:
    """One interaction row; `served`: an impression a ranked feed logged (source `server`) with
    these properties (the experiment variant, and the experiment's name when it names it)."""
    server = served is not None or event_type in ("like", "save", "comment", "add_to_cart", "checkout", "purchase")
    return conn.execute("""
        INSERT INTO interactions.interaction (event_id, user_id, event_type, source, surface, post_id, product_id,
            order_id, quantity, amount, properties, occurred_at, received_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (uuid.uuid4(), user, event_type, "server" if server else "client", surface, post, product, order, quantity,
         amount, orjson.dumps(served or {}).decode(), when, when),
    ).fetchone()[0]


def _seller(conn: psycopg.Connection, user: uuid.UUID, name: str, status: str, applied: datetime,
            reviewed: datetime | None) -> None:
    conn.execute("""
        INSERT INTO sellers.seller (user_id, status, shop_name, handle, description, province, city, business_type,
            legal_name, nik, payout_bank_code, payout_account_number, payout_account_last4, payout_account_holder,
            rejection_reason, applied_at, reviewed_at, approved_at, created_at, updated_at)
        VALUES (%s, %s, %s, %s, '', 'DKI Jakarta', 'Jakarta Selatan', 'individual', %s, '3171000000000001', 'bca',
            '1234567890', '7890', %s, %s, %s, %s, %s, %s, %s)""",
        (user, status, f"Toko {name.title()}", f"toko-{name}", name.title(), name.title(),
         "incomplete documents" if status == "rejected" else None, applied, reviewed,
         reviewed if status in ("approved", "suspended") else None, applied, reviewed or applied))


def _order(conn: psycopg.Connection, order_id: uuid.UUID, buyer: uuid.UUID, status: str, placed: datetime,
           product: uuid.UUID, variant: uuid.UUID, quantity: int, unit_price: int, *, paid: datetime | None = None,
           completed: datetime | None = None, post: uuid.UUID | None = None, surface: str | None = None) -> None:
    subtotal = quantity * unit_price
    conn.execute("""
        INSERT INTO orders."order" (id, checkout_id, buyer_id, status, currency, subtotal, shipping_fee, total,
            refunded_amount, courier, courier_service, shipping_address, created_at, expires_at, paid_at,
            completed_at, cancelled_at)
        VALUES (%s, %s, %s, %s, 'IDR', %s, 10000, %s, 0, 'test', 'regular', '{}', %s, %s, %s, %s, %s)""",
        (order_id, CHECKOUT, buyer, status, subtotal, subtotal + 10_000, placed, placed, paid, completed,
         placed if status == "expired" else None))
    conn.execute("""
        INSERT INTO orders.order_item (id, order_id, product_id, variant_id, name, sku, attributes, unit_price,
            quantity, line_total, weight_grams, source_post_id, source_surface)
        VALUES (%s, %s, %s, %s, %s, %s, '{}', %s, %s, %s, 500, %s, %s)""",
        (uuid.uuid4(), order_id, product, variant, f"Produk {product.int}", f"SKU-{order_id.int}", unit_price,
         quantity, subtotal, post, surface))


def load_known_dataset(db_url: str) -> None:
    with psycopg.connect(libpq_url(db_url)) as conn:
        for user, name, day in ((AYU, "ayu", 5), (BUDI, "budi", 5), (CITRA, "citra", 7), (DEWI, "dewi", 12)):
            conn.execute("INSERT INTO auth.account (id, email, password_hash, status, created_at) "
                         "VALUES (%s, %s, 'x', 'active', %s)", (user, f"{name}@known.example", at(day, 8)))
            conn.execute("INSERT INTO auth.account_role (account_id, role, granted_at) VALUES (%s, 'buyer', %s)",
                         (user, at(day, 8)))
            conn.execute("INSERT INTO users.user_profile (id, username, display_name, bio, created_at, updated_at) "
                         "VALUES (%s, %s, %s, '', %s, %s)",
                         (user, f"known_{name}", name.title(), at(day, 8), at(day, 8)))
        conn.execute("INSERT INTO catalog.category (id, name, slug, created_at) VALUES (%s, 'Fashion', 'fashion', %s)",
                     (CATEGORY, at(1)))
        for product, variant, name, price in ((PRODUCT_A, VARIANT_A, "Kemeja Batik", 100_000),
                                              (PRODUCT_B, VARIANT_B, "Sandal Kulit", 50_000)):
            conn.execute("""INSERT INTO catalog.product (id, category_id, name, description, status, price_min,
                                price_max, currency, created_at, updated_at, approved_at)
                            VALUES (%s, %s, %s, '', 'active', %s, %s, 'IDR', %s, %s, %s)""",
                         (product, CATEGORY, name, price, price, at(1), at(1), at(1)))
            conn.execute("""INSERT INTO catalog.product_variant (id, product_id, sku, attributes, price, weight_grams,
                                status, created_at, updated_at) VALUES (%s, %s, %s, '{}', %s, 500, 'active', %s, %s)""",
                         (variant, product, f"SKU-{product.int}", price, at(1), at(1)))
        posts = ((P1, AYU, 5, ("ootd", "batik"), PRODUCT_A), (P2, BUDI, 6, ("ootd",), None))
        for post, author, day, tags, product in posts:
            conn.execute("""INSERT INTO content.post (id, author_id, text, status, like_count, comment_count,
                                save_count, created_at, updated_at)
                            VALUES (%s, %s, 'post', 'active', 0, 0, 0, %s, %s)""",
                         (post, author, at(day, 7), at(day, 7)))
            for tag in tags:
                conn.execute("INSERT INTO content.post_hashtag (post_id, tag, created_at) VALUES (%s, %s, %s)",
                             (post, tag, at(day, 7)))
            if product:
                conn.execute("INSERT INTO content.post_product_tag (post_id, position, product_id) VALUES (%s, 0, %s)",
                             (post, product))
        conn.execute("""INSERT INTO orders.checkout (id, buyer_id, idempotency_key, request_hash, response, created_at)
                        VALUES (%s, %s, 'known', 'x', %s, %s)""", (CHECKOUT, BUDI, orjson.dumps({}).decode(), at(5)))
        _order(conn, O1, BUDI, "completed", at(5, 10, 10), PRODUCT_A, VARIANT_A, 1, 100_000, paid=at(5, 10, 30),
               completed=at(12, 10), post=P1, surface="for_you")
        _order(conn, O2, AYU, "paid", at(14, 9, 5), PRODUCT_B, VARIANT_B, 2, 50_000, paid=at(14, 9, 10))
        _order(conn, O3, CITRA, "expired", at(7, 19), PRODUCT_A, VARIANT_A, 1, 100_000)
        for user, kind, day, hh, mm, surface, post, product, order, quantity, amount, *served in EVENTS:
            insert_event(conn, user, kind, at(day, hh, mm), surface=surface, post=post, product=product, order=order,
                         quantity=quantity, amount=amount, served=served[0] if served else None)
        for user, name, status, applied, reviewed in (
                (AYU, "ayu", "approved", at(6, 10), at(7, 10)), (BUDI, "budi", "rejected", at(6, 11), at(7, 11)),
                (CITRA, "citra", "suspended", at(8, 9), at(8, 15)), (DEWI, "dewi", "pending", at(13, 9), None)):
            _seller(conn, user, name, status, applied, reviewed)


def build_warehouse(settings: Settings, *, fresh: bool = True):  # noqa: ANN201
    """extract → dbt build → publish into the settings' warehouse, as the analytics flow does."""
    import shutil

    from pipelines.extract import run_extract
    from pipelines.publish import publish
    from pipelines.transform import run_transform
    from pipelines.warehouse import snapshots_dir, warehouse_path

    if fresh:
        path = warehouse_path(settings)
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        shutil.rmtree(snapshots_dir(settings), ignore_errors=True)
    run_extract(settings)
    run_transform(settings)
    return publish(settings)
