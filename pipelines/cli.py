"""`lakoo pipeline …`: run the analytics flows ad hoc, serve them on a schedule, open the Prefect UI."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from commerce.core.settings import get_settings
from pipelines.prefect_compat import configure

app = typer.Typer(help="Analytics pipelines: Postgres → DuckDB warehouse → dbt KPI marts.", no_args_is_help=True)
console = Console()


class FlowName(StrEnum):
    analytics = "analytics"
    extract = "extract"
    transform = "transform"
    retrain = "retrain"
    trending = "trending"


def _prepare_prefect() -> None:
    """Shims and PREFECT_HOME; report to a running `lakoo pipeline serve|ui` server when there is one."""
    settings = get_settings()
    configure(settings.var_dir)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the progress bars tell the story
    if "PREFECT_API_URL" not in os.environ:
        from pipelines.schedules import running_api_url

        url = running_api_url(settings.var_dir)
        if url:
            os.environ["PREFECT_API_URL"] = url


def _rich_reporter(progress: Progress):  # noqa: ANN202
    from pipelines.flows import Reporter

    tasks: dict[str, int] = {}

    def on_step(step: str, what: str, done: int, total: int | None) -> None:
        key = f"{step}:{what}" if step == "extract" else step
        label = f"{step} {what}" if step == "extract" else f"{step}: {what}"
        if key not in tasks:
            tasks[key] = progress.add_task(label, total=total)
        progress.update(tasks[key], completed=done, total=total, description=label)

    def on_wait(holder: str) -> None:
        progress.console.print(f"[yellow]waiting for the warehouse: another pipeline run (pid {holder}) "
                               f"is writing it[/yellow]")

    return Reporter(on_step=on_step, on_wait=on_wait)


@app.command("run")
def run(
    flow_name: Annotated[FlowName, typer.Argument(help="analytics = extract → transform; retrain = extract → train "
                                                       "→ publish the feed ranking; trending = extract → trending "
                                                       "lists")] = FlowName.analytics,
    full_refresh: Annotated[bool, typer.Option(help="analytics/transform: rebuild incremental models from "
                                                    "scratch")] = False,
    window_days: Annotated[float | None, typer.Option(min=1, help="retrain: days of interactions to learn from "
                                                                 "(default LAKOO_RANKING_WINDOW_DAYS)")] = None,
) -> None:
    """Run one flow now, in this process (no Prefect server needed; runs are recorded in var/prefect)."""
    _prepare_prefect()
    from pipelines.flows import flow_named, set_reporter
    from pipelines.transform import DbtFailed

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console)
    kwargs: dict = {}
    if flow_name in (FlowName.analytics, FlowName.transform):
        kwargs = {"full_refresh": full_refresh}
    elif flow_name is FlowName.retrain:
        kwargs = {"window_days": window_days}
    try:
        with progress:
            set_reporter(_rich_reporter(progress))
            result = flow_named(flow_name.value)(**kwargs)
    except DbtFailed as exc:
        _print_dbt_failure(exc)
        raise typer.Exit(1) from None
    except Exception as exc:  # noqa: BLE001 - the CLI's job is a clear message and exit status
        console.print(f"[red]{flow_name.value} failed:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    finally:
        set_reporter(None)
    _print_summary(flow_name.value, result)


def _print_dbt_failure(exc) -> None:  # noqa: ANN001
    table = Table("status", "node", "failing rows", "message", title=f"dbt {exc.command} failed")
    for failure in exc.failures:
        table.add_row(str(failure.get("status")), str(failure.get("name")), str(failure.get("failures") or ""),
                      str(failure.get("message") or "")[:120])
    console.print(table)
    from pipelines.snapshots import WarehouseNotBuilt, snapshot_store

    try:
        info = snapshot_store(get_settings()).current().info
        kept = f"the API keeps serving the previous snapshot (data as of {info.as_of:%Y-%m-%d %H:%M:%S} UTC)"
    except WarehouseNotBuilt:
        kept = "no snapshot has been published yet"
    console.print(f"[red]nothing was published:[/red] {kept}. Fix the data or the model and run again.")


def _print_summary(name: str, result: dict) -> None:
    extract = result if name == "extract" else result.get("extract")
    if extract:
        console.print(f"[green]extract[/green] batch {extract['batch_id']}: {extract['rows_loaded']:,} rows in "
                      f"{extract['seconds']}s (Postgres snapshot {extract['snapshot_at']})")
    dbt = result.get("dbt")
    if dbt:
        console.print(f"[green]dbt build[/green]: {dbt['models']} models, {dbt['tests']} tests passed in "
                      f"{dbt['seconds']}s" + (f"; warnings: {', '.join(dbt['warnings'])}" if dbt["warnings"] else ""))
    published = result.get("publish")
    if published:
        console.print(f"[green]published[/green] {published['snapshot']} (data as of {published['as_of']})")
    if result.get("retrain"):
        _print_retrain(result["retrain"])
    trend = result.get("trending")
    if trend:
        console.print(f"[green]trending[/green] version {trend['version']}: {trend['lists']} lists, "
                      f"{trend['global']} posts overall (data as of {trend['data_as_of']})")


def _print_retrain(done: dict) -> None:
    """One line per model: what was trained, how it scored against what, and what serves now."""
    for name in ("posts", "products"):
        part = done.get(name)
        if not part:
            continue
        versus = f"popularity {part['popularity_score']:.4f}" + (
            f", champion {part['champion_score']:.4f}" if part.get("champion_score") is not None else "")
        verdict = "[green]promoted[/green]" if part["promoted"] else "[yellow]kept the champion[/yellow]"
        console.print(f"[green]{name}[/green] {part['candidate']}: {part['metric']} {part['candidate_score']:.4f} "
                      f"on the holdout ({versus}) — {verdict}: {part['reason']}")
    ranker = done.get("reranker") or {}
    if "metrics" in ranker:
        m = ranker["metrics"]
        versus = f"CF alone {m['ndcg@10_cf']:.4f}" + (
            f", champion {ranker['champion_score']:.4f}" if ranker.get("champion_score") is not None else "")
        verdict = "[green]promoted[/green]" if ranker["promoted"] else "[yellow]not promoted[/yellow]"
        console.print(f"[green]re-ranker[/green] {ranker['candidate']}: ndcg@10 {m['ndcg@10']:.4f} over "
                      f"{ranker['requests']:,} feed requests ({versus}) — {verdict}: {ranker['reason']}")
    else:
        console.print(f"[yellow]re-ranker not trained[/yellow]: {ranker.get('skipped', '?')}")
    console.print(f"candidates re-ranked with {ranker.get('serving') or 'nothing (CF order)'}")
    users = ", ".join(f"{n:,} {space}" for space, n in done["users"].items())
    console.print(f"[green]published[/green] ranking version {done['version']}"
                  f"{'' if done['swapped'] else ' (a newer version was already live, so it was not swapped in)'}: "
                  f"lists for {users} ({done['cold_start_users']:,} from cold start); data as of {done['data_as_of']}")


@app.command("serve")
def serve_command(
    prefect_port: Annotated[int, typer.Option(help="port of the Prefect server started when PREFECT_API_URL "
                                                   "is not set (its UI too)")] = 4200,
) -> None:
    """Run the flows on their schedules (analytics every 15 minutes, trending every 10, the ranking retrain
    nightly) until Ctrl-C."""
    from pipelines.schedules import SCHEDULES, prefect_server, serve

    settings = get_settings()
    configure(settings.var_dir)
    table = Table("deployment", "flow", "schedule", title="scheduled flows")
    for s in SCHEDULES:
        table.add_row(s.name, s.flow, f"every {s.interval}" if s.interval else f"cron {s.cron} (UTC)")
    try:
        if os.environ.get("PREFECT_API_URL"):
            console.print(table, f"Prefect API: {os.environ['PREFECT_API_URL']}")
            serve()
            return
        console.print("starting the Prefect server (scheduler and UI) …")
        with prefect_server(settings.var_dir, port=prefect_port) as url:
            os.environ["PREFECT_API_URL"] = url
            console.print(table, f"Prefect UI: {url.removesuffix('/api')}  (Ctrl-C stops the schedules and the server)")
            serve()
    except KeyboardInterrupt:
        pass


@app.command("ui")
def ui(port: Annotated[int, typer.Option(help="port of the Prefect server and UI")] = 4200) -> None:
    """Start a Prefect server with its UI (runs of `lakoo pipeline run` then report to it) until Ctrl-C."""
    import time

    from pipelines.schedules import prefect_server

    settings = get_settings()
    try:
        console.print("starting the Prefect server …")
        with prefect_server(settings.var_dir, port=port) as url:
            console.print(f"Prefect UI: {url.removesuffix('/api')}\nAd-hoc runs (`lakoo pipeline run …`) report "
                          f"to it while it runs. Ctrl-C stops it.")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass


@app.command("status")
def status() -> None:
    """The published snapshot the API serves, and whether a pipeline is writing the warehouse now."""
    from pipelines.snapshots import WarehouseNotBuilt, snapshot_store
    from pipelines.warehouse import warehouse_path

    settings = get_settings()
    try:
        info = snapshot_store(settings).current().info
        console.print(f"published snapshot: {info.path}\n  data as of: {info.as_of}\n  built at:   {info.built_at}\n"
                      f"  published:  {info.published_at}\n  days:       {info.first_date} … {info.last_date}")
    except WarehouseNotBuilt as exc:
        console.print(f"[yellow]{exc.detail}[/yellow]")
    lock = warehouse_path(settings).with_suffix(".lock")
    holder = lock.read_text().strip() if lock.exists() else ""
    console.print(f"warehouse: {warehouse_path(settings)}" + (f" (being written by pid {holder})" if holder else ""))
