"""Throwaway stores for one bench run: a fresh database and a private Redis namespace.

A bench writes thousands of rows (refresh tokens, users) and Redis keys; doing that in the developer's
`lakoo` database or namespace would pollute it and make runs depend on each other. Everything made
here is removed in `cleanup`, whatever happened in between.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pg_works(url: str) -> bool:
    """An open port is not enough: the server must also let user postgres in without a password."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _redis_works(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _start_embedded(server, started: list) -> str:  # noqa: ANN001 - an embedded store
    if server.pid() is None:
        started.append(server)
    return server.start()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class BenchStores:
    """Where the bench server's data goes, and what to undo afterwards."""

    db_url: str
    redis_url: str
    namespace: str
    source: str  # "env", "local" or "embedded": printed with the results, since it changes the figures
    admin_url: str = ""
    database: str = ""
    _started: list = field(default_factory=list)

    @classmethod
    def open(cls) -> BenchStores:
        """Env URLs first, then the machine's own servers, then the embedded ones.

        The embedded fallback is started here rather than by the app so that the bench can still
        create and migrate its own database before the server starts; stores started here are
        stopped in cleanup, ones that were already running are left as they were."""
        db_url, redis_url = os.environ.get("LAKOO_DATABASE_URL"), os.environ.get("LAKOO_REDIS_URL")
        sources, started = [], []
        if db_url:
            sources.append("env")
        elif _answers(5432) and _pg_works(LOCAL_PG):
            db_url = LOCAL_PG
            sources.append("local")
        if redis_url:
            sources.append("env")
        elif _answers(6379) and _redis_works(LOCAL_REDIS):
            redis_url = LOCAL_REDIS
            sources.append("local")
        if not db_url or not redis_url:
            from commerce.core.embedded import embedded_postgres, embedded_redis
            from commerce.core.settings import Settings

            settings = Settings()
            if not db_url:
                db_url = _start_embedded(embedded_postgres(settings), started)
                sources.append("embedded")
            if not redis_url:
                redis_url = _start_embedded(embedded_redis(settings), started)
                sources.append("embedded")
        stores = cls(db_url=db_url, redis_url=redis_url, namespace=f"bench{secrets.token_hex(4)}",
                     source="+".join(dict.fromkeys(sources)), _started=started)
        stores._create_database()
        return stores

    def _create_database(self) -> None:
        import psycopg
        from psycopg import sql

        from commerce.core.db import libpq_url

        self.admin_url = with_database(libpq_url(self.db_url), "postgres")
        self.database = f"lakoo_bench_{secrets.token_hex(4)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        self.db_url = with_database(libpq_url(self.db_url), self.database)

    def migrate(self) -> None:
        from commerce.core.migrate import upgrade

        upgrade(self.db_url)

    def cleanup(self) -> list[str]:
        """Undo everything; returns what could not be undone instead of raising, so one failure
        does not leave the rest behind."""
        problems = []
        if self.database:
            try:
                import psycopg
                from psycopg import sql

                with psycopg.connect(self.admin_url, autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                                 .format(sql.Identifier(self.database)))
            except Exception as exc:  # noqa: BLE001 - report, carry on cleaning
                problems.append(f"database {self.database} not dropped: {exc}")
        try:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            batch = []
            for key in client.scan_iter(match=f"{self.namespace}:*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    client.delete(*batch)
                    batch.clear()
            if batch:
                client.delete(*batch)
            client.close()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"redis namespace {self.namespace} not cleared: {exc}")
        for server in self._started:
            server.stop()
        return problems
