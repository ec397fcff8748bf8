"""The app factory: one FastAPI app mounting every context's router under /api/<context>."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette.routing import Route

from commerce.core.db import Database
from commerce.core.embedded import resolve_store_urls
from commerce.core.migrate import ensure_migrated
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings, get_settings
from serving import problems
from serving.feeds.endpoint import FeedEndpoint
from serving.logging import configure_logging
from serving.middleware import RequestContextMiddleware
from serving.processes import freeze_startup_objects
from serving.routers import (
    addresses,
    analytics,
    auth,
    cart,
    catalog,
    content,
    dashboard,
    feed,
    fulfilment,
    interactions,
    inventory,
    notifications,
    orders,
    payments,
    payouts,
    recommendations,
    reviews,
    seller_catalog,
    sellers,
    shipping,
    social,
    system,
    users,
    wallet,
)
from serving.state import AppState, auth_config, experiment, feed_config, ranked_feeds

log = logging.getLogger("lakoo.app")

ROUTERS = [system.router, auth.router, users.router, social.router, catalog.router, content.router,
           interactions.router, feed.router, addresses.router, shipping.router, inventory.router, payments.router,
           cart.router, orders.router, reviews.router, notifications.router, sellers.router, seller_catalog.router,
           fulfilment.router, wallet.router, payouts.router, recommendations.router, analytics.router,
           dashboard.router]


async def open_state(settings: Settings) -> AppState:
    """Connect to the stores (starting the embedded ones if no URLs are set) and refuse an
    unmigrated database: serving on the wrong schema corrupts data quietly."""
    db_url, redis_url = await asyncio.to_thread(resolve_store_urls, settings)
    db = Database(db_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
                  echo=settings.db_echo)
    redis = RedisStore(redis_url, settings.redis_namespace, max_connections=settings.redis_max_connections)
    try:
        await ensure_migrated(db.engine)
    except Exception:
        await db.dispose()
        await redis.close()
        raise
    return AppState(settings=settings, db=db, redis=redis, auth=auth_config(settings), feed=feed_config(settings),
                    ranked=ranked_feeds(db, redis, settings), experiment=experiment(settings))


async def close_state(state: AppState) -> None:
    await state.db.dispose()
    await state.redis.close()


def create_app(settings: Settings | None = None, *, configure_logs: bool = True, freeze_gc: bool = False) -> FastAPI:
    """`freeze_gc` is for server processes (serving/asgi.py), which run one app for their lifetime;
    tests build many apps in one interpreter and must not freeze each one's objects in memory."""
    settings = settings or get_settings()
    if configure_logs:
        configure_logging(settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.lakoo = await open_state(settings)
        if freeze_gc:
            freeze_startup_objects()
        log.info("api ready", extra={"env": settings.env})
        try:
            yield
        finally:
            await close_state(app.state.lakoo)

    # Swagger UI and ReDoc assets come from the installed package, never a CDN: /docs works offline.
    app = FastAPIOffline(
        static_url="/docs/static",
        title="LAKOO API",
        version="0.1.0",
        description="Social commerce: posts that tag products, feeds, checkout and analytics. "
        "Errors are RFC 9457 problem+json with a machine-readable `code`.",
        lifespan=lifespan,
    )
    problems.install(app)
    if settings.feed_fast_path:  # ahead of FastAPI's routes for the same paths (which document them)
        for kind, path in (("for_you", "/api/feed/for-you"), ("explore", "/api/feed/explore")):
            app.router.routes.append(Route(path, FeedEndpoint(kind, path)))
    for router in ROUTERS:
        app.include_router(router)
    if settings.bench_routes:
        @app.get("/_bench/bare", include_in_schema=False)
        async def bare() -> dict[str, str]:
            return {"status": "ok"}

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, hsts=settings.env == "prod")
    return app
