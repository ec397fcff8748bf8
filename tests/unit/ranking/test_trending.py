"""Trending: time-decayed engagement velocity, overall and per hashtag/category, hard to game."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from ranking.trending import TrendingConfig, trending

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def events(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    """(user, post, event_type, hours ago)"""
    return pl.DataFrame({"user_id": [r[0] for r in rows], "post_id": [r[1] for r in rows],
                         "event_type": [r[2] for r in rows],
                         "occurred_at": [NOW - timedelta(hours=r[3]) for r in rows]})


def crowd(post: str, n: int, event: str, hours_ago: float) -> list[tuple[str, str, str, float]]:
    return [(f"{post}-u{i}", post, event, hours_ago) for i in range(n)]


CFG = TrendingConfig(half_life_hours=6.0, window_hours=48.0, min_users=3)


def test_score_is_decayed_weighted_engagements_per_hour():
    out = trending(events(crowd("p1", 3, "like", 6.0)), now=NOW, config=CFG)
    ids, scores = out["global"]
    assert ids.tolist() == ["p1"]
    assert scores[0] == pytest.approx(3 * 2.0 * 0.5 * math.log(2) / 6.0, rel=1e-5)


def test_recent_engagement_beats_older_engagement_of_the_same_size():
    out = trending(events(crowd("old", 5, "like", 20.0) + crowd("new", 5, "like", 1.0)), now=NOW, config=CFG)
    assert out["global"][0].tolist() == ["new", "old"]


def test_one_person_repeating_an_action_cannot_make_a_post_trend():
    spam = [("bot", "spam", "like", h / 10) for h in range(200)] + [("bot2", "spam", "like", 1.0)]
    honest = crowd("fine", 3, "post_click", 2.0)
    out = trending(events(spam + honest), now=NOW, config=CFG)
    assert out["global"][0].tolist() == ["fine"]


def test_hides_subtract_and_old_events_fall_out_of_the_window():
    rows = crowd("p1", 4, "like", 1.0) + crowd("p2", 4, "like", 1.0) + [("h", "p2", "hide", 1.0)]
    rows += crowd("p3", 10, "purchase", 60.0)
    out = trending(events(rows), now=NOW, config=CFG)
    ids, scores = out["global"]
    assert ids.tolist() == ["p1", "p2"] and scores[1] < scores[0]


def test_lists_per_hashtag_and_category_from_maps():
    rows = crowd("p1", 5, "save", 1.0) + crowd("p2", 3, "like", 1.0) + crowd("p3", 4, "like", 2.0)
    tags = {"p1": ["#OOTD", "hijab"], "p2": ["ootd"], "p3": ["kopi"]}
    cats = pl.DataFrame({"post_id": ["p1", "p2", "p3"], "category": ["fashion", "fashion", "food"]})
    out = trending(events(rows), now=NOW, item_hashtags=tags, item_category=cats, config=CFG)
    assert out["tag:#ootd"][0].tolist() == ["p1"] and out["tag:ootd"][0].tolist() == ["p2"]
    assert out["cat:fashion"][0].tolist() == ["p1", "p2"] and out["cat:food"][0].tolist() == ["p3"]
    assert "tag:kopi" in out and set(out.names()) >= {"global", "tag:hijab"}
    assert out.scores_of("cat:food")["p3"] > 0


def test_top_n_caps_each_list(platform):
    out = trending(platform.events, now=platform.now, config=TrendingConfig(top_n=5, min_users=1),
                   item_category=platform.posts.select("post_id", "category"))
    assert all(len(ids) <= 5 for ids, _ in out.lists.values()) and len(out.names()) > 3
