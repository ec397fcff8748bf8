"""Schema migrations (Alembic) driven from code, so `lakoo db upgrade`, tests and the app's start-up
check all agree on where the migrations live and what "head" is."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from commerce.core.db import libpq_url
from commerce.core.errors import Unavailable

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class NotMigrated(Unavailable):
    code = "database_not_migrated"
    title = "Database schema is not up to date"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", libpq_url(url).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """'heads': contexts may add migrations on parallel branches; every branch is applied."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ",".join(sorted(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())) or None


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        heads = await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    return ",".join(sorted(heads)) or None


async def ensure_migrated(engine: AsyncEngine) -> None:
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise NotMigrated(
            f"database is at revision {current or 'none'}, code expects {head}: run `lakoo db upgrade`"
        )
