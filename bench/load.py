"""Drive one endpoint for a fixed time from a separate process and return what it measured.

The load generator never runs in the harness's own interpreter: a Python client sharing a GIL (and,
on a small machine, a core) with anything else would measure itself. `wrk` is preferred because it
is C and costs the server the least CPU; the Python client is the fallback where wrk is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "BENCH_JSON "


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    method: str = "GET"
    body: object | None = None  # sent as JSON
    headers: dict[str, str] = field(default_factory=dict)
    # Several JSON bodies sent in turn (one per request), when one body would measure contention on
    # a single row rather than the endpoint, e.g. many logins of the same account.
    bodies: tuple[object, ...] = ()
    # Bearer tokens sent in turn (one per request), when one user would measure one user's state
    # rather than the endpoint, e.g. a feed whose seen-filter empties a single user's list.
    tokens: tuple[str, ...] = ()

    def payloads(self) -> list[str]:
        items = self.bodies or (() if self.body is None else (self.body,))
        return [json.dumps(item, separators=(",", ":")) for item in items]

    def all_headers(self) -> dict[str, str]:
        extra = {"Content-Type": "application/json"} if self.payloads() else {}
        return {**extra, **self.headers}


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int  # connect/read/write errors and timeouts: requests that got no status at all
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def pick_tool(preference: str = "auto") -> str:
    if preference == "python" or (preference == "auto" and shutil.which("wrk") is None):
        return "python"
    if shutil.which("wrk") is None:
        raise SystemExit("--loadgen wrk asked for, but wrk is not on PATH (apt-get install wrk)")
    return "wrk"


def run_load(base_url: str, scenario: Scenario, *, duration: float, connections: int,
             tool: str = "auto", threads: int = 1) -> LoadResult:
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks only run over loopback")  # never point load at a shared host
    tool = pick_tool(tool)
    url = base_url + scenario.path
    if tool == "wrk":
        with tempfile.TemporaryDirectory(prefix="lakoo-wrk-") as tmp:
            script = Path(tmp) / "scenario.lua"
            script.write_text(_lua(scenario))
            cmd = ["wrk", "--latency", f"-t{max(1, min(threads, connections))}", f"-c{connections}",
                   f"-d{max(1, round(duration))}s", "--timeout", "30s", "-s", str(script), url]
            out = _run(cmd, duration)
    else:
        cmd = [sys.executable, "-m", "bench.loadgen", "--url", url, "--method", scenario.method,
               "--connections", str(connections), "--duration", str(duration)]
        for payload in scenario.payloads():
            cmd += ["--body", payload]
        for key, value in scenario.all_headers().items():
            cmd += ["--header", f"{key}: {value}"]
        with tempfile.NamedTemporaryFile("w", prefix="lakoo-tokens-", suffix=".txt") as tokens:
            if scenario.tokens:
                tokens.write("\n".join(scenario.tokens))
                tokens.flush()
                cmd += ["--token-file", tokens.name]
            out = _run(cmd, duration)
    data = json.loads(out)
    return LoadResult(requests=data["requests"], seconds=data["duration_us"] / 1e6,
                      p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000, non_2xx=data["non_2xx"],
                      errors=data["connect_errors"] + data["read_errors"] + data["write_errors"]
                      + data["timeouts"], tool=tool)


def _run(cmd: list[str], duration: float) -> str:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=duration + 60)
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            return line[len(MARKER):]
    raise RuntimeError(f"load generator printed no result (exit {proc.returncode}):\n"
                       f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def _lua_string(text: str) -> str:
    level = "=" * 4
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


def _lua(scenario: Scenario) -> str:
    """A wrk script: request shape, a per-thread non-2xx counter (wrk itself only counts >= 400),
    and a done() that prints the figures as one JSON line for the harness to parse."""
    headers = "\n".join(f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}"
                        for k, v in scenario.all_headers().items())
    payloads = scenario.payloads()
    body = f"wrk.body = {_lua_string(payloads[0])}" if len(payloads) == 1 else ""
    rotate = "" if len(payloads) < 2 else f"""
local bodies = {{ {", ".join(_lua_string(p) for p in payloads)} }}
local prepared, turn = {{}}, 0
function request()
  if #prepared == 0 then
    for k, b in ipairs(bodies) do prepared[k] = wrk.format(nil, nil, nil, b) end
  end
  turn = turn % #prepared + 1
  return prepared[turn]
end"""
    if scenario.tokens:
        rotate = f"""
local tokens = {{ {", ".join(_lua_string(t) for t in scenario.tokens)} }}
local prepared, turn = {{}}, math.random(1, {len(scenario.tokens)})
function request()
  turn = turn % #tokens + 1
  if prepared[turn] == nil then
    local h = {{}}
    for k, v in pairs(wrk.headers) do h[k] = v end
    h["Authorization"] = "Bearer " .. tokens[turn]
    prepared[turn] = wrk.format(nil, nil, h, nil)
  end
  return prepared[turn]
end"""
    return f"""
wrk.method = {_lua_string(scenario.method)}
{body}
{headers}
{rotate}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    '{MARKER}{{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non_2xx":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
    e.connect, e.read, e.write, e.timeout))
end
"""
