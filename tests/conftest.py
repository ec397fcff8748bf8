"""Test fixtures on real stores.

`LAKOO_DATABASE_URL` / `LAKOO_REDIS_URL` point the suite at running servers (CI sets them when the
machine's own Postgres/Redis answer); unset, the suite starts the embedded ones under var/test and
stops them again at the end. Each run gets its own database and Redis key namespace, and every test
starts from empty tables and keys, so runs and tests cannot see each other.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text

from commerce.core.db import CONTEXT_SCHEMAS, Database, libpq_url
from commerce.core.embedded import EmbeddedPostgres, EmbeddedRedis
from commerce.core.migrate import upgrade
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Reference data the migrations seed (the courier rate card): kept between tests, never truncated.
REFERENCE_TABLES = {"shipping.courier", "shipping.courier_service", "shipping.zone", "shipping.zone_province",
                    "shipping.rate"}
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _with_database(url: str, name: str) -> str:
    base, _, _ = libpq_url(url).rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def store_urls() -> Iterator[tuple[str, str]]:
    started: list = []
    db_url = os.environ.get("LAKOO_DATABASE_URL")
    redis_url = os.environ.get("LAKOO_REDIS_URL")
    var_dir = ROOT / "var" / "test"
    if not db_url:
        pg = EmbeddedPostgres(var_dir, int(os.environ.get("LAKOO_TEST_PG_PORT", "54339")))
        if pg.pid() is None:
            started.append(pg)
        db_url = pg.start()
    if not redis_url:
        rd = EmbeddedRedis(var_dir, int(os.environ.get("LAKOO_TEST_REDIS_PORT", "63809")))
        if rd.pid() is None:
            started.append(rd)
        redis_url = rd.start()
    name = f"lakoo_test_{secrets.token_hex(4)}"
    admin_url = _with_database(db_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    test_db_url = _with_database(db_url, name)
    upgrade(test_db_url)
    try:
        yield test_db_url, redis_url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def settings(store_urls: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    db_url, redis_url = store_urls
    return Settings(
        env="test",
        var_dir=tmp_path_factory.mktemp("var"),
        database_url=db_url,
        redis_url=redis_url,
        redis_namespace=f"t{secrets.token_hex(4)}",
        jwt_secret=secrets.token_urlsafe(32),
        log_json=True,
        log_level="WARNING",
        feed_pointer_cache_s=0,  # every test flushes Redis, and version numbers start again at 1
        _env_file=None,
    )


@pytest.fixture(scope="session")
async def db(settings: Settings, redis: RedisStore) -> AsyncIterator[Database]:
    # Depends on `redis` so the per-test clean-up can always flush both stores.
    database = Database(settings.database_url, pool_size=5)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def redis(settings: Settings) -> AsyncIterator[RedisStore]:
    store = RedisStore(settings.redis_url, settings.redis_namespace)
    yield store
    await _flush_namespace(store)
    await store.close()


async def _flush_namespace(store: RedisStore) -> None:
    keys = [k async for k in store.client.scan_iter(match=f"{store.namespace}:*", count=1000)]
    for i in range(0, len(keys), 500):
        await store.client.delete(*keys[i : i + 500])


async def empty_stores(database: Database, store: RedisStore) -> None:
    """Every table (but the reference data) and every key of the run's namespace, emptied."""
    async with database.engine.begin() as conn:
        tables = (await conn.execute(text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname = ANY(:schemas) AND schemaname || '.' || tablename <> ALL(:keep)"),
            {"schemas": list(CONTEXT_SCHEMAS), "keep": sorted(REFERENCE_TABLES)})).scalars().all()
        if tables:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    await _flush_namespace(store)


@pytest.fixture(autouse=True)
async def _clean_stores(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table and key before each test that touches the stores."""
    if "db" in request.fixturenames or "client" in request.fixturenames:
        await empty_stores(request.getfixturevalue("db"), request.getfixturevalue("redis"))
    yield


@pytest.fixture(scope="session")
async def app(settings: Settings, db: Database, redis: RedisStore):  # noqa: ANN201
    from serving.app import create_app

    application = create_app(settings, configure_logs=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server and database for flow tests: started once per session (~15 s)."""
    from pipelines.prefect_compat import configure

    configure()  # Prefect's server needs shims to run on the pinned FastAPI/SQLAlchemy
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
