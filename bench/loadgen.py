"""Fallback load generator for machines without wrk: `python -m bench.loadgen --url ... --duration S`.

Raw asyncio streams with keep-alive rather than httpx: an HTTP client library costs more CPU per
request than a small FastAPI endpoint does, so with it the figures would measure the client. Each
connection sends its next request as soon as the previous response is read (closed loop, like wrk).
Prints one `BENCH_JSON {...}` line with the same keys as the wrk script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

MARKER = "BENCH_JSON "


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.non_2xx = 0
        self.sent = 0
        self.connect_errors = 0
        self.read_errors = 0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Reads one response; returns its status and whether the server will close the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection") == "close"


async def _connection(host: str, port: int, requests: list[bytes], deadline: float, stats: Stats) -> None:
    writer = None
    while time.perf_counter() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                stats.connect_errors += 1
                await asyncio.sleep(0.05)
                continue
        request = requests[stats.sent % len(requests)]  # round robin across all connections
        stats.sent += 1
        started = time.perf_counter()
        try:
            writer.write(request)
            status, closing = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
            stats.read_errors += 1
            writer.close()
            writer = None
            continue
        stats.latencies.append(time.perf_counter() - started)
        if not 200 <= status <= 299:
            stats.non_2xx += 1
        if closing:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(round(pct / 100 * (len(sorted_values) - 1))))]


async def run(url: str, method: str, bodies: list[bytes], headers: list[str], connections: int,
              duration: float, tokens: list[str] | None = None) -> dict[str, int]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    head += headers
    requests = []
    for body in bodies or [b""]:
        length = [f"Content-Length: {len(body)}"] if body or method not in ("GET", "HEAD") else []
        for auth in [f"Authorization: Bearer {t}" for t in tokens] if tokens else [None]:
            lines = head + length + ([auth] if auth else [])
            requests.append(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    stats = Stats()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(_connection(host, port, requests, deadline, stats) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies = sorted(stats.latencies)
    return {"requests": len(latencies), "duration_us": int(elapsed * 1e6),
            "p50_us": int(_percentile(latencies, 50) * 1e6), "p99_us": int(_percentile(latencies, 99) * 1e6),
            "non_2xx": stats.non_2xx, "connect_errors": stats.connect_errors,
            "read_errors": stats.read_errors, "write_errors": 0, "timeouts": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", action="append", default=[], help="repeatable: sent in turn")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--token-file", help="bearer tokens, one per line, sent in turn")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    if urlsplit(args.url).hostname != "127.0.0.1":
        parser.error("loopback only: the URL's host must be 127.0.0.1")
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        tokens = open(args.token_file).read().split() if args.token_file else None
        result = runner.run(run(args.url, args.method.upper(), [b.encode() for b in args.body], args.header,
                                args.connections, args.duration, tokens))
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
