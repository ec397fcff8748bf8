"""Bulk synthetic marketplace history for the warehouse benchmarks, made in Postgres with
generate_series (seconds for millions of rows; the demo seeder writes through the services and
is far too slow for this).

Rows are plausible rather than realistic: 100k users registered over 90 days, 5k products, 200k
posts with hashtags and product tags, and interactions whose type mix follows a feed (mostly
impressions, a few percent cart adds, under one percent purchases), arriving in time order over
the same 90 days from a drifting set of daily active users.
"""

from __future__ import annotations

import psycopg

USERS = 100_000
PRODUCTS = 5_000
POSTS = 200_000
HISTORY_DAYS = 90

# Cumulative thresholds on random(): the share of each event type.
EVENT_MIX = [
    (0.58, "impression"), (0.68, "post_view"), (0.76, "post_click"), (0.81, "like"), (0.83, "save"),
    (0.84, "comment"), (0.85, "share"), (0.89, "product_tag_click"), (0.94, "product_view"),
    (0.965, "add_to_cart"), (0.975, "checkout"), (0.985, "purchase"), (0.993, "hide"), (1.01, "not_interested"),
]
SURFACES = ["for_you", "explore", "following", "profile", "search", "hashtag"]


def _uid(prefix: str, expr: str) -> str:
    return f"md5('{prefix}' || ({expr})::text)::uuid"


def make_dimensions(conn: psycopg.Connection) -> None:
    """Users, catalog, posts with hashtags and product tags, and the paid orders behind purchases."""
    conn.execute(f"""
        INSERT INTO auth.account (id, email, password_hash, status, created_at)
        SELECT {_uid('u', 'g')}, 'u' || g || '@bench.example', 'x', 'active',
               now() - random() * interval '{HISTORY_DAYS} days'
        FROM generate_series(1, {USERS}) g""")
    conn.execute("""
        INSERT INTO users.user_profile (id, username, display_name, bio, created_at, updated_at)
        SELECT id, 'u' || left(replace(id::text, '-', ''), 24), 'Bench', '', created_at, created_at
        FROM auth.account""")
    conn.execute(f"""
        INSERT INTO catalog.category (id, name, slug, created_at)
        SELECT {_uid('c', 'g')}, 'Kategori ' || g, 'kategori-' || g, now() FROM generate_series(1, 10) g""")
    conn.execute(f"""
        INSERT INTO catalog.product (id, category_id, name, description, status, price_min, price_max, currency,
                                     created_at, updated_at, approved_at)
        SELECT {_uid('p', 'g')}, {_uid('c', '1 + g % 10')}, 'Produk ' || g, '', 'active',
               10000 + (g % 90) * 10000, 10000 + (g % 90) * 10000, 'IDR', now(), now(), now()
        FROM generate_series(1, {PRODUCTS}) g""")
    conn.execute(f"""
        INSERT INTO catalog.product_variant (id, product_id, sku, attributes, price, weight_grams, status,
                                             created_at, updated_at)
        SELECT {_uid('v', 'g')}, {_uid('p', 'g')}, 'SKU-' || g, '{{}}', 10000 + (g % 90) * 10000, 500, 'active',
               now(), now()
        FROM generate_series(1, {PRODUCTS}) g""")
    conn.execute(f"""
        INSERT INTO content.post (id, author_id, text, status, like_count, comment_count, save_count, created_at,
                                  updated_at)
        SELECT {_uid('post', 'g')}, {_uid('u', '1 + (g * 7919) % ' + str(USERS))}, '', 'active', 0, 0, 0,
               now() - random() * interval '{HISTORY_DAYS} days', now()
        FROM generate_series(1, {POSTS}) g""")
    conn.execute(f"""
        INSERT INTO content.post_hashtag (post_id, tag, created_at)
        SELECT {_uid('post', 'g')}, 'tag' || ((g * k * 31) % 200), now()
        FROM generate_series(1, {POSTS}) g, (VALUES (1), (2)) t(k)
        ON CONFLICT DO NOTHING""")
    conn.execute(f"""
        INSERT INTO content.post_product_tag (post_id, position, product_id)
        SELECT {_uid('post', 'g')}, 0, {_uid('p', '1 + g % ' + str(PRODUCTS))}
        FROM generate_series(1, {POSTS}, 2) g""")


def make_orders(conn: psycopg.Connection, count: int, *, start: int = 1) -> None:
    """`count` paid orders with one line each, placed over the history (most later completed)."""
    conn.execute("""INSERT INTO orders.checkout (id, buyer_id, idempotency_key, request_hash, response, created_at)
                    VALUES ('00000000-0000-0000-0000-00000000bbbb', '00000000-0000-0000-0000-00000000bbbb',
                            'bench', 'x', '{}', now()) ON CONFLICT DO NOTHING""")
    conn.execute(f"""
        INSERT INTO orders."order" (id, checkout_id, buyer_id, status, currency, subtotal, shipping_fee, total,
                                    refunded_amount, courier, courier_service, shipping_address, created_at,
                                    expires_at, paid_at, completed_at)
        SELECT {_uid('o', 'g')}, '00000000-0000-0000-0000-00000000bbbb',
               {_uid('u', '1 + (g * 104729) % ' + str(USERS))},
               CASE WHEN g % 10 = 0 THEN 'paid' ELSE 'completed' END, 'IDR', 100000, 10000, 110000, 0, 'test',
               'regular', '{{}}', at, at, at + interval '10 minutes',
               CASE WHEN g % 10 = 0 THEN NULL ELSE at + interval '3 days' END
        FROM (SELECT g, now() - random() * interval '{HISTORY_DAYS} days' AS at
              FROM generate_series({start}::bigint, {start + count - 1}) g) s""")
    conn.execute(f"""
        INSERT INTO orders.order_item (id, order_id, product_id, variant_id, name, sku, attributes, unit_price,
                                       quantity, line_total, weight_grams, source_post_id, source_surface)
        SELECT {_uid('oi', 'g')}, {_uid('o', 'g')}, {_uid('p', '1 + g % ' + str(PRODUCTS))},
               {_uid('v', '1 + g % ' + str(PRODUCTS))}, 'Produk', 'SKU', '{{}}', 100000, 1, 100000, 500,
               CASE WHEN g % 3 = 0 THEN NULL ELSE {_uid('post', '1 + (g * 13) % ' + str(POSTS))} END,
               (ARRAY{SURFACES!r})[1 + g % {len(SURFACES)}]
        FROM generate_series({start}::bigint, {start + count - 1}) g""")


def make_interactions(conn: psycopg.Connection, count: int, *, recent_days: float = HISTORY_DAYS,
                      chunk: int = 1_000_000) -> None:
    """`count` interactions over the last `recent_days` days, in time order as a live log grows.

    Like real traffic, each day's events come from that day's active users (about 17% of everyone,
    six or seven events each) rather than from everyone at once, and the set of active users drifts
    from day to day."""
    event_type = "CASE " + " ".join(f"WHEN r < {t} THEN '{name}'" for t, name in EVENT_MIX) + " END"
    surfaces = f"(ARRAY{SURFACES!r})[1 + (g % {len(SURFACES)})]"
    active_per_day = USERS // 6
    done = 0
    while done < count:
        n = min(chunk, count - done)
        conn.execute(f"""
            INSERT INTO interactions.interaction (event_id, user_id, event_type, source, surface, post_id,
                                                  product_id, quantity, amount, properties, occurred_at, received_at)
            SELECT gen_random_uuid(), {_uid('u', f'1 + ((g % {active_per_day}) * 31 + day * 977) % {USERS}')}, kind,
                   'client', {surfaces},
                   {_uid('post', '1 + (g * 104729) % ' + str(POSTS))},
                   CASE WHEN kind IN ('product_tag_click', 'product_view', 'add_to_cart', 'checkout', 'purchase')
                        THEN {_uid('p', '1 + (g * 31) % ' + str(PRODUCTS))} END,
                   CASE WHEN kind IN ('add_to_cart', 'checkout', 'purchase') THEN 1 END,
                   CASE WHEN kind IN ('add_to_cart', 'checkout', 'purchase') THEN 100000 END,
                   '{{}}', at, at
            FROM (SELECT g, r, {event_type} AS kind, at, (extract(epoch FROM at) / 86400)::bigint AS day
                  FROM (SELECT g, random() AS r,
                               now() - interval '{recent_days} days'
                                     + (g - 0.5 + random()) * interval '{recent_days} days' / {count} AS at
                        FROM generate_series({done + 1}::bigint, {done + n}) g) s) e""")
        conn.commit()
        done += n


def drop_secondary_indexes(conn: psycopg.Connection) -> None:
    """The extract reads by primary key; the app's other interaction indexes only slow a bulk load."""
    for name in ("uq_interaction_user_event", "ix_interaction_occurred_brin", "ix_interaction_user_occurred",
                 "ix_interaction_post_type"):
        conn.execute(f"DROP INDEX IF EXISTS interactions.{name}")
    conn.commit()
