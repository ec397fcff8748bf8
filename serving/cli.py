"""`lakoo` — the one command for operators and developers."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from commerce.core.embedded import EmbeddedError, embedded_postgres, embedded_redis, resolve_store_urls
from commerce.core.settings import get_settings
from pipelines.cli import app as pipeline_app
from serving import cli_notifications as notifications_cli

app = typer.Typer(help="LAKOO platform command line.", no_args_is_help=True, add_completion=False)
services_app = typer.Typer(help="Embedded PostgreSQL and Redis under ./var.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="User administration.", no_args_is_help=True)
events_app = typer.Typer(help="The event bus.", no_args_is_help=True)
app.add_typer(services_app, name="services")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(events_app, name="events")
app.add_typer(notifications_cli.app, name="notifications")
app.add_typer(pipeline_app, name="pipeline")

console = Console()


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@services_app.command("start")
def services_start() -> None:
    """Start the embedded stores (those whose URL is not set)."""
    settings = get_settings()
    try:
        db_url, redis_url = resolve_store_urls(settings)
    except EmbeddedError as exc:
        _fail(str(exc))
    console.print(f"postgres: {db_url}\nredis:    {redis_url}")


@services_app.command("stop")
def services_stop() -> None:
    """Stop the embedded stores; leaves no server process behind."""
    settings = get_settings()
    for server in (embedded_postgres(settings), embedded_redis(settings)):
        stopped = server.stop()
        console.print(f"{server.status().name}: {'stopped' if stopped else 'was not running'}")


@services_app.command("status")
def services_status() -> None:
    """Show whether each embedded store runs, with its URL and data folder."""
    settings = get_settings()
    table = Table("service", "state", "pid", "url", "data")
    for server in (embedded_postgres(settings), embedded_redis(settings)):
        status = server.status()
        table.add_row(status.name, "running" if status.running else "stopped", str(status.pid or "-"), status.url,
                      str(status.data_dir))
    if settings.database_url or settings.redis_url:
        console.print("[yellow]note:[/yellow] LAKOO_DATABASE_URL/LAKOO_REDIS_URL are set; the app uses those.")
    console.print(table)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Apply migrations up to REVISION (default: every head)."""
    from commerce.core.migrate import upgrade

    db_url, _ = resolve_store_urls(get_settings())
    upgrade(db_url, revision)
    console.print(f"database upgraded to {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the code's head."""
    from commerce.core.db import Database
    from commerce.core.migrate import current_revision, head_revision

    db_url, _ = resolve_store_urls(get_settings())

    async def _current() -> str | None:
        database = Database(db_url, pool_size=1)
        try:
            return await current_revision(database.engine)
        finally:
            await database.dispose()

    console.print(f"database: {asyncio.run(_current()) or 'none'}\ncode head: {head_revision()}")


def _check_migrated() -> None:
    from commerce.core.db import Database
    from commerce.core.migrate import NotMigrated, ensure_migrated

    db_url, _ = resolve_store_urls(get_settings())

    async def _check() -> None:
        database = Database(db_url, pool_size=1)
        try:
            await ensure_migrated(database.engine)
        finally:
            await database.dispose()

    try:
        asyncio.run(_check())
    except NotMigrated as exc:
        _fail(f"{exc.detail}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes")] = None,
    reload: Annotated[bool, typer.Option(help="reload on code changes (development)")] = False,
) -> None:
    """Serve the API (and /docs) with uvicorn."""
    import uvicorn

    settings = get_settings()
    _check_migrated()
    workers = workers or settings.api_workers
    host, port = host or settings.api_host, port or settings.api_port
    if workers > 1:
        # Prometheus counters from every worker process, aggregated at /metrics.
        metrics_dir = (settings.var_dir / "prometheus" / str(port)).resolve()
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    options = {"log_config": None, "access_log": False, "proxy_headers": False, "server_header": False}
    if workers > 1 and not reload:
        from serving.processes import run_workers

        run_workers("serving.asgi:app", host=host, port=port, workers=workers, options=options)
        return
    uvicorn.run("serving.asgi:app", host=host, port=port, workers=workers, reload=reload, **options)


@app.command()
def worker() -> None:
    """Run the outbox relay and every event consumer until SIGINT/SIGTERM."""
    from serving.logging import configure_logging
    from serving.workers.runner import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    _check_migrated()
    asyncio.run(run_worker(settings))


@users_app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True)],
    username: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="LAKOO_ADMIN_PASSWORD")],
) -> None:
    """Create the first admin account (later admins are granted over the API)."""
    from pydantic import ValidationError

    from commerce.auth import service as auth
    from commerce.auth.schemas import RegisterIn
    from commerce.core.db import Database
    from commerce.core.errors import DomainError

    try:
        data = RegisterIn(email=email, password=password, username=username)
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    _check_migrated()
    db_url, _ = resolve_store_urls(get_settings())

    async def _create() -> str:
        database = Database(db_url, pool_size=1)
        try:
            async with database.session() as session:
                created = await auth.create_admin(session, email=data.email, password=data.password,
                                                  username=data.username)
                return str(created.id)
        finally:
            await database.dispose()

    try:
        user_id = asyncio.run(_create())
    except DomainError as exc:
        _fail(f"{exc.code}: {exc.detail}")
    console.print(f"admin created: {user_id}")


@events_app.command("dead-letters")
def dead_letters(count: int = 50) -> None:
    """List events that exhausted their retries."""
    from commerce.core.eventbus import read_dead_letters
    from commerce.core.redis import RedisStore

    settings = get_settings()
    _, redis_url = resolve_store_urls(settings)

    async def _read() -> list[dict[str, str]]:
        store = RedisStore(redis_url, settings.redis_namespace)
        try:
            return await read_dead_letters(store, count)
        finally:
            await store.close()

    table = Table("id", "consumer", "topic", "event_id", "deliveries", "error")
    for entry in asyncio.run(_read()):
        table.add_row(entry["id"], entry.get("consumer", ""), entry.get("topic", ""), entry.get("event_id", ""),
                      entry.get("deliveries", ""), entry.get("error", "")[:80])
    console.print(table)


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="API port")] = None,
) -> None:
    """Start everything for a local demo: stores, migrations, demo accounts, API and worker.

    Ctrl-C stops the API, the worker and the embedded stores this command started."""
    from commerce.core.migrate import upgrade

    settings = get_settings()
    port = port or settings.api_port
    started_here: list = []
    processes: list[subprocess.Popen] = []

    def _terminate(signum, frame):  # noqa: ANN001, ARG001 - SIGTERM (e.g. from a supervisor) means Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    # Everything from the first store start on is inside the try: Ctrl-C during the minutes of seeding
    # or the first pipeline runs must stop the stores too (they run detached, so no signal reaches them).
    try:
        with _progress_bars() as progress:
            step = progress.add_task("starting embedded stores", total=None)
            for server, url_set in ((embedded_postgres(settings), settings.database_url),
                                    (embedded_redis(settings), settings.redis_url)):
                if url_set is None and server.pid() is None:
                    started_here.append(server)
            try:
                db_url, _ = resolve_store_urls(settings)
            except EmbeddedError as exc:
                _fail(str(exc))
            progress.update(step, description="stores up", completed=1, total=1)
            step = progress.add_task("migrating the database", total=None)
            upgrade(db_url)
            progress.update(step, description="database migrated", completed=1, total=1)
            _seed(db_url, users=DEMO_USERS, days=DEMO_DAYS, seed=7, progress=progress)  # makes the demo admin too
            admin = _ensure_demo_accounts(db_url)  # a database seeded before the admin was part of it
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        _demo_pipelines(env)
        processes += [
            subprocess.Popen([sys.executable, "-m", "serving.cli", "serve", "--port", str(port)], env=env),
            subprocess.Popen([sys.executable, "-m", "serving.cli", "worker"], env=env),
        ]
        children = list(processes)
        # The scheduler keeps the KPIs, trending and the models fresh; the demo outlives it if it fails.
        prefect_port = _free_port(4200)
        processes.append(subprocess.Popen([sys.executable, "-m", "serving.cli", "pipeline", "serve",
                                           "--prefect-port", str(prefect_port)], env=env, stdout=subprocess.DEVNULL))
        base = f"http://{settings.api_host}:{port}"
        _wait_http(f"{base}/ready", timeout=60)
        console.print(
            f"\n[bold green]LAKOO is running[/bold green]\n"
            f"  API      {base}/api\n  Docs     {base}/docs\n  Health   {base}/ready\n  Metrics  {base}/metrics\n"
            f"  Dashboard {base}/dashboard  ({DEMO_ANALYST['email']} / {DEMO_ANALYST['password']}, or the admin)\n"
            f"  Prefect  http://127.0.0.1:{prefect_port}  (analytics every 15 minutes, trending every 10, the ranking "
            f"retrain nightly; starting up)\n"
            f"  Admin    {admin['email']} / {admin['password']}\n"
            f"  Users    demo_ayu@demo.lakoo.id (and demo_budi, demo_citra, ...) / lakoo-demo-pass\n"
            f"  Seller   demo_sari@demo.lakoo.id (shop toko-sari: orders to fulfil, balance, payouts)\n"
            f"Press Ctrl-C to stop everything.\n"
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        console.print("[red]a child process exited; shutting down[/red]")
    except KeyboardInterrupt:
        console.print("\nstopping...")
    finally:
        for child in processes:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in processes:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        for server in started_here:
            server.stop()
        console.print("stopped " + ("API, worker, scheduler" if processes else "the set-up")
                      + (" and the embedded stores" if started_here else ""))


DEMO_ANALYST = {"email": "analyst@demo.lakoo.id", "username": "analyst", "password": "lakoo-analyst-demo"}


def _demo_pipelines(env: dict[str, str]) -> None:
    """One analytics run (extract → dbt → publish) so the dashboard has KPIs from the start, then one
    ranking retrain so the for-you and explore feeds are ranked from the start."""
    for flow, what in (("analytics", "building the analytics warehouse (extract → dbt → publish)"),
                       ("retrain", "training the feed ranking (ALS, re-ranker, trending → Redis)")):
        console.print(f"{what} …")
        done = subprocess.run([sys.executable, "-m", "serving.cli", "pipeline", "run", flow], env=env)
        if done.returncode != 0:
            console.print(f"[yellow]warning:[/yellow] the first {flow} run failed; the scheduler will retry it")


def _free_port(preferred: int) -> int:
    import socket

    for candidate in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


def _ensure_demo_accounts(db_url: str) -> dict[str, str]:
    from commerce.auth import service as auth
    from commerce.core.db import Database
    from commerce.core.errors import Conflict
    from serving.seed.people import DEMO_ADMIN

    async def _create() -> None:
        database = Database(db_url, pool_size=1)
        try:
            async with database.session() as session:
                try:
                    await auth.create_admin(session, **DEMO_ADMIN)
                except Conflict:
                    pass  # already there from an earlier demo run
            async with database.session() as session:
                try:
                    analyst = await auth.register(session, **DEMO_ANALYST)
                    await auth.grant_role(session, user_id=analyst.id, role="analyst", granted_by=None)
                except Conflict:
                    pass
        finally:
            await database.dispose()

    asyncio.run(_create())
    return DEMO_ADMIN


DEMO_USERS, DEMO_DAYS = 2000, 90  # serving.seed's defaults; here so `--help` needs no heavy import


def _seed(db_url: str, *, users: int, days: int, seed: int, progress: Progress):  # noqa: ANN202
    from commerce.core.db import Database
    from serving.seed import seed_demo

    tasks: dict[str, int] = {}

    def report(step: str, done: int, total: int, detail: str = "") -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(f"seeding {step}", total=total)
        progress.update(tasks[step], completed=done, total=total,
                        description=f"seeding {step:<9} {detail}".rstrip())

    async def _run():  # noqa: ANN202
        database = Database(db_url, pool_size=2)
        try:
            return await seed_demo(database, users=users, days=days, seed=seed, settings=get_settings(),
                                   progress=report)
        finally:
            await database.dispose()

    summary = asyncio.run(_run())
    if summary.skipped:
        progress.console.print("demo data already loaded")
    return summary


@app.command()
def seed(
    users: Annotated[int, typer.Option(min=2, max=1_000_000, help="how many users (the first 20 are demo_*)")]
    = DEMO_USERS,
    days: Annotated[int, typer.Option(min=1, max=730, help="days of history, ending now")] = DEMO_DAYS,
    random_seed: Annotated[int, typer.Option("--seed", help="random seed: same seed, same data")] = 7,
) -> None:
    """Load a demo marketplace with DAYS of history through the services (skipped when it is there)."""
    from commerce.core.migrate import upgrade

    db_url, _ = resolve_store_urls(get_settings())
    upgrade(db_url)
    with _progress_bars() as progress:
        summary = _seed(db_url, users=users, days=days, seed=random_seed, progress=progress)
    if not summary.skipped:
        _print_summary(summary)


def _print_summary(summary) -> None:  # noqa: ANN001
    table = Table("what", "how many", title=f"seeded in {summary.seconds:.0f} s")
    for name in ("users", "follows", "products", "posts", "likes", "saves", "comments", "client_events", "carts",
                 "orders", "delivered", "reviews"):
        table.add_row(name.replace("_", " "), f"{getattr(summary, name):,}")
    sellers, payouts = summary.sellers, summary.payouts
    table.add_row("sellers approved / pending / rejected",
                  " / ".join(f"{sellers[f'now {s}']:,}" for s in ("approved", "pending", "rejected")))
    table.add_row("shop products listed / live", f"{sellers['products listed']:,} / {sellers['products live']:,}")
    table.add_row("payouts paid", f"{payouts['paid']:,} (Rp{payouts['amount paid']:,})".replace(",", "."))
    table.add_row("checkouts paid with the wallet", f"{summary.wallet_checkouts:,}")
    for kind, count in summary.events.most_common():
        table.add_row(f"  app event {kind}", f"{count:,}")
    console.print(table)


def _progress_bars() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def _wait_http(url: str, *, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    console.print(f"[yellow]warning:[/yellow] {url} did not answer within {timeout:.0f}s")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
