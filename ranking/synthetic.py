"""Synthetic platform data with a planted taste structure, for tests, benchmarks and demos.

Every person has a favourite topic, every post belongs to one topic (its category and hashtags say
which) and topics have popular and obscure posts. Most of a person's events land on their topic;
the rest follow global popularity. A model that learns tastes must therefore beat popularity, and
one that does not, cannot — which is what the tests assert. Hides land on off-topic posts.

`logged_impressions` simulates what the for-you feed logs: candidates shown with the features the
server knew (a noisy CF score, author affinity, age, price, …) and whether the person engaged or
bought, driven by a hidden utility the CF score only partly sees.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

__all__ = ["SyntheticPlatform", "logged_impressions", "synthetic_platform"]

EVENT_MIX = {  # share of events by type (hides are added separately, off-topic)
    "impression": 0.30, "post_view": 0.20, "post_click": 0.18, "like": 0.14, "comment": 0.03, "share": 0.02,
    "save": 0.06, "product_tag_click": 0.04, "add_to_cart": 0.015, "purchase": 0.015,
}
CATEGORIES = ("fashion", "beauty", "home", "food", "travel", "tech", "fitness", "kids", "pets", "books")


@dataclass(frozen=True)
class SyntheticPlatform:
    events: pl.DataFrame  # user_id, post_id, product_id, event_type, occurred_at, quantity, amount
    posts: pl.DataFrame  # post_id, author_id, category, hashtags, created_at, product_id, price
    user_topic: dict[str, int]
    post_topic: dict[str, int]
    now: datetime


def _ids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64).view(np.uint64)
    return np.array([str(uuid.UUID(int=(int(a) << 64) | int(b), version=4)) for a, b in raw])


def synthetic_platform(
    *, n_users: int = 500, n_posts: int = 800, n_events: int = 30_000, n_topics: int = 10, affinity: float = 0.8,
    hide_rate: float = 0.01, days: float = 30.0, now: datetime | None = None, seed: int = 0,
) -> SyntheticPlatform:
    """`affinity` is the share of a person's events on their own topic; the rest follow popularity."""
    rng = np.random.default_rng(seed)
    now = now or datetime(2025, 6, 1, tzinfo=UTC)
    user_ids, post_ids = _ids(rng, n_users), _ids(rng, n_posts)
    n_authors = max(2, n_users // 10)
    author_ids = user_ids[:n_authors]
    user_topic = rng.integers(0, n_topics, n_users)
    post_topic = rng.integers(0, n_topics, n_posts)
    # Zipf-like popularity: a few hits per topic, a long tail.
    popularity = 1.0 / (rng.permutation(n_posts) + 1.0) ** 0.7
    activity = rng.lognormal(0.0, 1.0, n_users)

    # Sampling posts within a topic, vectorised: each topic's normalised cumulative weights are
    # shifted by the topic number, so searchsorted(t + u) lands inside topic t's segment.
    by_topic = np.argsort(post_topic, kind="stable")
    topic_sorted = post_topic[by_topic]
    cum = np.zeros(n_posts)
    for t in range(n_topics):
        seg = topic_sorted == t
        if seg.any():
            w = np.cumsum(popularity[by_topic][seg])
            cum[seg] = t + w / w[-1]
    users = rng.choice(n_users, size=n_events, p=activity / activity.sum())
    on_topic = rng.random(n_events) < affinity
    topic_of_event = user_topic[users]
    has_topic = np.isin(topic_of_event, post_topic)
    picks = np.searchsorted(cum, topic_of_event + rng.random(n_events) * (1 - 1e-9), side="left")
    picks = by_topic[np.clip(picks, 0, n_posts - 1)]
    global_picks = rng.choice(n_posts, size=n_events, p=popularity / popularity.sum())
    posts = np.where(on_topic & has_topic, picks, global_picks)
    names = np.array([*EVENT_MIX, "hide"])
    mix = np.array(list(EVENT_MIX.values()))
    types = rng.choice(len(EVENT_MIX), size=n_events, p=mix / mix.sum())
    hides = (~on_topic) & (rng.random(n_events) < hide_rate / max(1e-9, 1 - affinity))
    types = np.where(hides, len(EVENT_MIX), types)
    created = now - timedelta(days=days) + timedelta(days=days) * rng.random(n_posts) * 0.9
    created_s = np.array([c.timestamp() for c in created])
    # An event happens after its post was created.
    start = created_s[posts]
    occurred = start + rng.random(n_events) * (now.timestamp() - start)

    n_products = max(1, n_posts // 4)
    product_ids = _ids(rng, n_products)
    post_product = np.where(rng.random(n_posts) < 0.6, rng.integers(0, n_products, n_posts), -1)
    price = (rng.lognormal(11.5, 0.8, n_products) // 1000 * 1000).astype(np.int64)  # IDR
    product_of_event = post_product[posts]
    code = {name: i for i, name in enumerate(names)}
    product_events = np.isin(types, [code["product_tag_click"], code["add_to_cart"], code["purchase"]])
    types = np.where(product_events & (product_of_event < 0), code["like"], types)
    product_events &= product_of_event >= 0
    quantity = np.where(np.isin(types, [code["add_to_cart"], code["purchase"]]), rng.integers(1, 3, n_events), 0)
    amount = np.where(quantity > 0, price[np.maximum(product_of_event, 0)] * quantity, 0)

    # Strings are gathered by polars from the small id tables: building a million-row frame from
    # numpy unicode arrays costs seconds.
    product_idx = np.where(product_events, product_of_event, -1)
    events = pl.DataFrame({
        "user_id": pl.Series(user_ids).gather(users),
        "post_id": pl.Series(post_ids).gather(posts),
        "product_id": pl.Series(product_ids).gather(np.maximum(product_idx, 0)),
        "_has_product": product_idx >= 0,
        "event_type": pl.Series(names).gather(types),
        "occurred_at": (occurred * 1e6).astype(np.int64),
        "quantity": quantity,
        "amount": amount,
    }).with_columns(
        pl.when(pl.col("_has_product")).then(pl.col("product_id")).alias("product_id"),
        pl.col("occurred_at").cast(pl.Datetime("us", "UTC")),
        pl.when(pl.col("quantity") > 0).then(pl.col("quantity")).alias("quantity"),
        pl.when(pl.col("amount") > 0).then(pl.col("amount")).alias("amount"),
    ).drop("_has_product").sort("occurred_at")
    tags = [[f"topic{t}", f"{CATEGORIES[t % len(CATEGORIES)]}{t // len(CATEGORIES)}"] for t in post_topic]
    posts_frame = pl.DataFrame({
        "post_id": post_ids,
        "author_id": author_ids[(post_topic * 7 + rng.integers(0, 3, n_posts)) % n_authors],
        "category": [CATEGORIES[t % len(CATEGORIES)] for t in post_topic],
        "hashtags": tags,
        "created_at": (created_s * 1e6).astype(np.int64),
        "product_id": pl.Series(product_ids).gather(np.maximum(post_product, 0)),
        "price": price[np.maximum(post_product, 0)],
        "_has_product": post_product >= 0,
    }).with_columns(
        pl.col("created_at").cast(pl.Datetime("us", "UTC")),
        pl.when(pl.col("_has_product")).then(pl.col("product_id")).alias("product_id"),
        pl.when(pl.col("_has_product")).then(pl.col("price")).alias("price"),
    ).drop("_has_product")
    return SyntheticPlatform(
        events=events, posts=posts_frame, user_topic=dict(zip(user_ids.tolist(), user_topic.tolist(), strict=True)),
        post_topic=dict(zip(post_ids.tolist(), post_topic.tolist(), strict=True)), now=now)


def logged_impressions(*, n_requests: int = 400, per_request: int = 20, seed: int = 0) -> pl.DataFrame:
    """Feed requests with the raw features serving logs per shown candidate and the outcome.

    The hidden utility mixes taste (which the CF score sees with noise), author affinity,
    freshness and price sensitivity; engagement and purchase are drawn from it. A ranker that uses
    the other features as well as the CF score should order each request better than CF alone.
    """
    rng = np.random.default_rng(seed)
    n = n_requests * per_request
    taste = rng.normal(0, 1, n)
    cf_score = taste + rng.normal(0, 1.0, n)
    affinity = np.clip(rng.exponential(0.3, n), 0, 3)
    follows = (rng.random(n) < 0.2).astype(np.int8)
    age_hours = rng.exponential(36, n)
    has_product = rng.random(n) < 0.6
    price = np.where(has_product, np.exp(rng.normal(11.5, 0.8, n)), 0.0)
    clicks = rng.poisson(50, n)
    conversion = rng.beta(2, 30, n)
    purchases = rng.binomial(clicks, conversion)
    impressions = rng.poisson(2000, n)
    engagements = rng.binomial(impressions, np.clip(0.05 + 0.02 * taste, 0.001, 0.5))
    utility = (0.8 * taste + 1.2 * affinity + 0.8 * follows + 1.0 * np.exp(-age_hours / 24)
               - 0.4 * np.where(has_product, (np.log(price + 1) - 11.5), 0) - 2.0)
    engaged = rng.random(n) < 1 / (1 + np.exp(-utility))
    p_buy = np.where(has_product & engaged, 1 / (1 + np.exp(-(utility - 1.0 + 20 * (conversion - 0.06)))), 0)
    purchased = rng.random(n) < p_buy
    request = np.repeat(np.arange(n_requests), per_request)
    cf_rank = np.concatenate([np.argsort(np.argsort(-cf_score[i:i + per_request])) for i in range(0, n, per_request)])
    return pl.DataFrame({
        "request_id": request, "cf_score": cf_score, "cf_rank": cf_rank, "age_hours": age_hours,
        "author_affinity": affinity, "follows_author": follows, "item_impressions": impressions,
        "item_engagements": engagements, "tagged_price": price, "tagged_clicks": clicks,
        "tagged_purchases": purchases, "trending_score": np.zeros(n), "engaged": engaged, "purchased": purchased,
    })
