"""The analysts' dashboard in real headless Chromium, against a real `lakoo serve` process: sign in
as an analyst, change the date range, and read the same numbers the KPI API gives."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port
from tests.pipelines.conftest import warehouse_settings
from tests.warehouse_data import FIRST_DAY, LAST_DAY, build_warehouse, load_known_dataset, truncate_all

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = ROOT / "var" / "screenshots" / "dashboard.png"  # var/ is git-ignored

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                                                               "(apt-get install chromium; .ci/run does it)")



@contextmanager
def lakoo_server(env: dict[str, str]) -> Iterator[str]:
    """`lakoo serve` on a free loopback port, as an operator would start it; stopped afterwards."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "serving.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stdout.read().decode(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _analyst(base: str, env: dict[str, str]) -> tuple[str, str]:
    """An admin made with the CLI grants the analyst role over the API, as operators do."""
    password = "correct horse battery"
    admin_email, analyst_email = f"root{secrets.token_hex(3)}@example.com", f"ana{secrets.token_hex(3)}@example.com"
    made = subprocess.run([sys.executable, "-m", "serving.cli", "users", "create-admin", "--email", admin_email,
                           "--username", admin_email.split("@")[0], "--password", password],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stdout + made.stderr
    with httpx.Client(base_url=base) as http:
        analyst = http.post("/api/auth/register", json={"email": analyst_email, "password": password,
                                                        "username": analyst_email.split("@")[0]}).json()
        admin = http.post("/api/auth/login", json={"email": admin_email, "password": password}).json()
        granted = http.post(f"/api/auth/users/{analyst['id']}/roles", json={"role": "analyst"},
                            headers={"Authorization": f"Bearer {admin['access_token']}"})
        assert granted.status_code == 200, granted.text
    return analyst_email, password


def test_dashboard_shows_the_kpi_api_numbers_for_the_chosen_range(settings, tmp_path):
    from playwright.sync_api import sync_playwright

    wh = warehouse_settings(settings, tmp_path)
    truncate_all(wh.database_url)
    load_known_dataset(wh.database_url)
    build_warehouse(wh)
    env = {"LAKOO_DATABASE_URL": wh.database_url, "LAKOO_REDIS_URL": wh.redis_url,
           "LAKOO_REDIS_NAMESPACE": wh.redis_namespace, "LAKOO_VAR_DIR": str(tmp_path / "var"),
           "LAKOO_WAREHOUSE_PATH": str(wh.resolved_warehouse_path), "LAKOO_JWT_SECRET": secrets.token_urlsafe(32),
           "LAKOO_LOG_LEVEL": "WARNING"}
    with lakoo_server(env) as base, sync_playwright() as playwright:
        email, password = _analyst(base, env)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{base}/dashboard")
            page.fill("#email", email)
            page.fill("#password", password)
            page.click("#login-button")
            page.wait_for_selector("body[data-state=ready]", timeout=30_000)

            page.fill("#from", FIRST_DAY)
            page.fill("#to", LAST_DAY)
            page.select_option("#grain", "week")
            page.click("#apply")
            page.wait_for_selector(f"body[data-state=ready][data-range='{FIRST_DAY}..{LAST_DAY}']", timeout=30_000)
            tiles = page.eval_on_selector_all(
                ".tile", "els => els.map(e => [e.dataset.kpi, e.dataset.value, e.querySelector('.value').textContent])")
            funnel_steps = page.get_attribute("#chart-funnel", "data-steps")
            experiment_rows = page.eval_on_selector_all("#table-experiments tr[data-variant]", """
                rows => rows.map(r => [r.dataset.experiment, r.dataset.variant,
                Object.fromEntries([...r.querySelectorAll('td')].map(td => [td.dataset.key,
                    {value: td.dataset.value, low: td.dataset.low, high: td.dataset.high, text: td.textContent}]))])""")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()

        token = httpx.post(f"{base}/api/auth/login", json={"email": email, "password": password}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        params = {"from": FIRST_DAY, "to": LAST_DAY}
        api = httpx.get(f"{base}/api/analytics/kpis", params={**params, "grain": "week"}, headers=headers).json()
        funnel = httpx.get(f"{base}/api/analytics/funnel", params=params, headers=headers).json()
        experiments = httpx.get(f"{base}/api/analytics/experiments", params=params, headers=headers).json()

    assert not problems, problems  # no CSP violations, no script errors
    shown = {kpi: (value, text) for kpi, value, text in tiles}
    assert set(shown) >= {"registrations", "gmv", "dau", "mau", "tag_click_through_rate", "order_completion_rate"}
    for kpi, (value, text) in shown.items():
        expected = api["totals"][kpi]
        if expected is None:
            assert value == "" and text == "–", kpi
        elif isinstance(expected, int):
            assert int(value) == expected and text == f"{expected:,}".replace(",", "."), (kpi, value, text)
        else:
            assert float(value) == pytest.approx(expected), kpi
    assert shown["registrations"][1] == "4" and shown["gmv"][1] == "200.000"
    assert funnel_steps == ",".join(str(s["count"]) for s in funnel["steps"]) == "2,1,1"
    assert SCREENSHOT.stat().st_size > 10_000

    # The experiments panel: one row per variant, with the API's counts, rates and intervals.
    api_rows = [(e["experiment"], v) for e in experiments["experiments"] for v in e["variants"]]
    assert [(name, v["variant"]) for name, v in api_rows] == [(e, v) for e, v, _ in experiment_rows] == [
        ("ranking-v1", "control"), ("ranking-v1", "treatment")]
    for (_, expected), (_, variant, cells) in zip(api_rows, experiment_rows, strict=True):
        for key in ("exposed_users", "impressions", "post_clicks", "converted_users", "purchases"):
            assert (int(cells[key]["value"]), cells[key]["text"]) == (expected[key], str(expected[key])), (variant, key)
        for key in ("click_through_rate", "conversion_rate", "click_through_rate_vs_control",
                    "conversion_rate_vs_control"):
            if expected[key] is None:
                assert cells[key]["text"] == "–", (variant, key)
                continue
            for part in ("value", "low", "high"):
                assert float(cells[key][part]) == pytest.approx(expected[key][part]), (variant, key, part)
    control, treatment = experiment_rows[0][2], experiment_rows[1][2]
    assert control["conversion_rate"]["text"] == "100.0% (20.7% … 100.0%)"
    assert treatment["click_through_rate"]["text"] == "50.0% (9.5% … 90.5%)"
    assert treatment["click_through_rate_vs_control"]["text"] == "+50.0 pp (-27.3 pp … +90.5 pp)"
    assert treatment["conversion_rate_vs_control"]["text"] == "-50.0 pp (-90.5 pp … +39.1 pp)"
    assert control["click_through_rate_vs_control"]["text"] == "–"
