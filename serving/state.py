"""What the app holds for its lifetime: settings, database, Redis, auth config."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from commerce.auth.service import AuthConfig
from commerce.core.db import Database
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.feed import cards
from commerce.feed.service import FeedConfig
from serving.feeds.experiments import Experiment
from serving.feeds.ranked import RankedFeeds


@dataclass
class AppState:
    settings: Settings
    db: Database
    redis: RedisStore
    auth: AuthConfig
    feed: FeedConfig
    ranked: RankedFeeds
    experiment: Experiment


def ranked_feeds(db: Database, redis: RedisStore, settings: Settings) -> RankedFeeds:
    async def render_cards(post_ids: list[uuid.UUID]) -> None:
        async with db.session() as session:
            await cards.render(session, redis, post_ids)

    return RankedFeeds(redis, render_cards, pointer_ttl_s=settings.feed_pointer_cache_s)


def experiment(settings: Settings) -> Experiment:
    return Experiment(name=settings.experiment_name, treatment_pct=settings.experiment_treatment_pct,
                      treatment_space=settings.experiment_treatment_space)


def auth_config(settings: Settings) -> AuthConfig:
    return AuthConfig(
        secret=settings.resolved_jwt_secret(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        access_ttl_s=settings.access_token_ttl_s,
        refresh_ttl_s=settings.refresh_token_ttl_s,
        max_failures_per_account=settings.login_max_failures_per_account,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        failure_window_s=settings.login_window_s,
    )


def feed_config(settings: Settings) -> FeedConfig:
    return FeedConfig(fanout_threshold=settings.feed_fanout_threshold)
