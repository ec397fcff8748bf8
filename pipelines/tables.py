"""The Postgres tables the warehouse copies, and how each is kept up to date.

Each lands in DuckDB as `raw.<pg_schema>__<pg_table>` with the Postgres column names (a contract:
dbt sources and the ranking retrain flow read these names), plus `_batch_id` (the extract run that
loaded the row) and `_loaded_at` (that run's Postgres snapshot time).

Strategies:
- `append`: insert-only tables with an identity id (the interaction log, order timelines). Only
  rows past a *safe* id are read again; see `extract.py` for why "id > max id seen" would lose rows.
- `changed`: mutable tables with a trigger-maintained `updated_at` (orders): rows changed since
  the last safe time are read and replace their previous version.
- `child`: rows that belong to a `changed` parent and are written in its transaction (order
  items): read when their parent is.
- `full`: small or delete-prone dimension tables (users, posts, products, follows): copied whole
  each run inside one snapshot, which also picks up deletes.

Columns that hold secrets or personal data (password hashes, e-mail addresses, shipping
addresses, identity numbers, bank accounts) never leave Postgres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Strategy = Literal["append", "changed", "child", "full"]


@dataclass(frozen=True)
class SourceTable:
    schema: str
    table: str
    strategy: Strategy
    key: tuple[str, ...]
    cursor: str | None = None  # append: the identity column; changed: the updated_at column
    parent: str | None = None  # child: "<schema>.<table>" of the parent
    parent_link: tuple[str, str] | None = None  # child: (child column, parent column)
    exclude: tuple[str, ...] = ()  # columns that never leave Postgres
    only: tuple[str, ...] = ()  # when set, just these columns (an allow-list for sensitive tables)
    # DuckDB column types of a table that may not exist yet (another context is building it): the
    # raw table is created empty with these, so dbt still builds.
    declared: dict[str, str] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def raw_name(self) -> str:
        return f"{self.schema}__{self.table}"


TABLES: tuple[SourceTable, ...] = (
    SourceTable("auth", "account", "full", ("id",), exclude=("email", "password_hash")),
    SourceTable("auth", "account_role", "full", ("account_id", "role")),
    SourceTable("users", "user_profile", "full", ("id",), exclude=("bio", "avatar_url")),
    SourceTable("social", "follow", "full", ("follower_id", "followee_id")),
    SourceTable("catalog", "category", "full", ("id",)),
    SourceTable("catalog", "brand", "full", ("id",)),
    SourceTable("catalog", "product", "full", ("id",), exclude=("description", "search_vector")),
    SourceTable("catalog", "product_variant", "full", ("id",)),
    SourceTable("content", "post", "full", ("id",), exclude=("text",)),
    SourceTable("content", "post_hashtag", "full", ("post_id", "tag")),
    SourceTable("content", "post_product_tag", "full", ("post_id", "position")),
    SourceTable(
        "sellers", "seller", "full", ("user_id",),
        only=("user_id", "status", "applied_at", "reviewed_at", "created_at", "updated_at"),
        declared={"user_id": "UUID", "status": "VARCHAR", "applied_at": "TIMESTAMPTZ",
                  "reviewed_at": "TIMESTAMPTZ", "created_at": "TIMESTAMPTZ", "updated_at": "TIMESTAMPTZ"},
    ),
    SourceTable("orders", "order", "changed", ("id",), cursor="updated_at", exclude=("shipping_address",)),
    SourceTable("orders", "order_item", "child", ("id",), parent="orders.order", parent_link=("order_id", "id")),
    SourceTable("orders", "order_status_change", "append", ("id",), cursor="id"),
    SourceTable("interactions", "interaction", "append", ("id",), cursor="id"),
)

BY_RAW_NAME = {t.raw_name: t for t in TABLES}
BY_QUALIFIED = {t.qualified: t for t in TABLES}


def select_tables(names: list[str] | None) -> tuple[SourceTable, ...]:
    """Tables by raw name or `schema.table`, parents pulled in before their children."""
    if not names:
        return TABLES
    wanted = set()
    for name in names:
        match = next((t for t in TABLES if name in (t.raw_name, t.qualified)), None)
        if match is None:
            raise ValueError(f"unknown table {name!r}; known: {', '.join(t.qualified for t in TABLES)}")
        wanted.add(match.qualified)
        if match.parent:
            wanted.add(match.parent)
    return tuple(t for t in TABLES if t.qualified in wanted)
