"""`lakoo notifications …` — look at outbound deliveries, retry failed ones, send what is due now."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from commerce.core.db import Database
from commerce.core.embedded import resolve_store_urls
from commerce.core.settings import get_settings

app = typer.Typer(help="Notification deliveries (email, push, SMS).", no_args_is_help=True)
console = Console()
T = TypeVar("T")
STATUSES = ("pending", "sending", "sent", "failed", "skipped")


def _with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    db_url, _ = resolve_store_urls(get_settings())

    async def run() -> T:
        db = Database(db_url, pool_size=2)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


@app.command("deliveries")
def deliveries(
    status: Annotated[str | None, typer.Option(help=f"one of {', '.join(STATUSES)}")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The newest deliveries, e.g. `--status failed` to see what needs attention."""
    from commerce.notifications.dispatch import list_deliveries

    if status is not None and status not in STATUSES:
        console.print(f"[red]error:[/red] status must be one of {', '.join(STATUSES)}")
        raise typer.Exit(1)
    rows = _with_db(lambda db: list_deliveries(db, status=status, limit=limit))
    table = Table("id", "channel", "status", "attempts", "next attempt", "provider", "error")
    for row in rows:
        table.add_row(str(row.id), row.channel, row.status, str(row.attempts),
                      row.next_attempt_at.isoformat(timespec="seconds"), row.provider or "",
                      (row.last_error or "")[:80])
    console.print(table)


@app.command("retry")
def retry(delivery_id: Annotated[str, typer.Argument(help="a failed or skipped delivery's id")]) -> None:
    """Send a failed (or skipped) delivery again, e.g. after an SMTP outage you have checked."""
    from commerce.notifications.dispatch import retry_delivery

    try:
        parsed = uuid.UUID(delivery_id)
    except ValueError:
        console.print("[red]error:[/red] not a delivery id")
        raise typer.Exit(1) from None
    if not _with_db(lambda db: retry_delivery(db, delivery_id=parsed)):
        console.print("[red]error:[/red] no failed or skipped delivery with that id")
        raise typer.Exit(1)
    console.print(f"queued again: {parsed} (the worker sends it on its next round)")


@app.command("send-due")
def send_due() -> None:
    """Send every due delivery now, without waiting for the worker."""
    from commerce.notifications.dispatch import dispatch_job

    settings = get_settings()
    done = _with_db(lambda db: dispatch_job(db, None, settings))  # type: ignore[arg-type] - the job needs no Redis
    console.print(f"handled {done} deliveries")
