"""/dashboard — the analysts' KPI dashboard: one static page, its script and stylesheet.

The page holds no data: it signs in through /api/auth/login and reads /api/analytics/* with the
bearer token, so it needs no session cookies and shows nothing to anyone without the analyst or
admin role. Everything is served from this package (no CDN), under a strict CSP (no inline
scripts or styles: see serving/middleware.py).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

router = APIRouter(tags=["dashboard"], include_in_schema=False)
ASSETS = Path(__file__).resolve().parent.parent / "dashboard"
FILES = {"dashboard.js": "text/javascript", "charts.js": "text/javascript", "dashboard.css": "text/css"}


@router.get("/dashboard")
def dashboard_redirect() -> RedirectResponse:
    return RedirectResponse("/dashboard/", status_code=307)


@router.get("/dashboard/")
def dashboard() -> FileResponse:
    return FileResponse(ASSETS / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


@router.get("/dashboard/{name}")
def asset(name: str) -> FileResponse:
    from commerce.core.errors import NotFound

    if name not in FILES:  # a fixed list: no path from the URL ever reaches the filesystem
        raise NotFound("no such dashboard file")
    return FileResponse(ASSETS / name, media_type=f"{FILES[name]}; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})
