"""Alembic environment: a sync psycopg connection, every context's schema, one version table."""

from alembic import context
from sqlalchemy import create_engine, pool

from commerce.core.db import CONTEXT_SCHEMAS, sqlalchemy_url
from commerce.migrations.metadata import metadata

config = context.config
OUR_SCHEMAS = set(CONTEXT_SCHEMAS)


def include_name(name, type_, parent_names):  # noqa: ANN001, ANN201 - Alembic's hook signature
    # Compare only our schemas: `public` holds alembic_version and nothing of ours.
    if type_ == "schema":
        return name in OUR_SCHEMAS
    return True


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_schemas=True,
            include_name=include_name,
            compare_type=True,
            version_table_schema="public",
        )
        with context.begin_transaction():
            # Two processes upgrading at once (API and worker at start-up) must not both run DDL.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7283451)")
            context.run_migrations()


run_migrations_online()
