"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import os

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from serving.deps import State

router = APIRouter(tags=["system"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers. Says nothing about its dependencies, on purpose."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(state: State) -> JSONResponse:
    """Readiness: Postgres and Redis both answer within a second."""
    checks: dict[str, str] = {}

    async def check(name: str, probe) -> None:  # noqa: ANN001
        try:
            await asyncio.wait_for(probe(), timeout=1.0)
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            checks[name] = f"error: {type(exc).__name__}"

    await asyncio.gather(check("postgres", state.db.ping), check("redis", state.redis.ping))
    ok = all(v == "ok" for v in checks.values())
    if ok:
        return JSONResponse({"status": "ready", "checks": checks})
    return JSONResponse(
        {"type": "urn:lakoo:problem:not_ready", "title": "Service Unavailable", "status": 503,
         "code": "not_ready", "detail": "a dependency is down", "checks": checks},
        status_code=503, media_type="application/problem+json",
    )


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    registry = DEFAULT_REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
