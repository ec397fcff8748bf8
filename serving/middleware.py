"""One pure-ASGI middleware for request ids, security headers, metrics and the access log.

Pure ASGI (not BaseHTTPMiddleware) because it wraps every request: it adds no task per request
and keeps streaming responses streaming."""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.logging import request_id_var

log = logging.getLogger("lakoo.access")

REQUESTS = Counter("lakoo_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "lakoo_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The Swagger UI at /docs needs inline scripts and styles; everything else gets the strict policy.
CSP_API = b"default-src 'none'; frame-ancestors 'none'"
CSP_PAGES = (b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             b"img-src 'self' data:; frame-ancestors 'none'")
# The dashboard is all our own files: scripts and styles from 'self' only, nothing inline.
CSP_DASHBOARD = (b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
QUIET_PATHS = {"/health", "/metrics"}


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}
        path = scope["path"]
        csp = CSP_DASHBOARD if path.startswith("/dashboard") else (
            CSP_PAGES if path.startswith(("/docs", "/redoc")) else CSP_API)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                headers.append((b"content-security-policy", csp))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            status = status_holder["status"]
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(elapsed)
            if path not in QUIET_PATHS:
                log.info("request", extra={"method": method, "path": path, "route": template,
                                           "status": status, "duration_ms": round(elapsed * 1000, 2)})
            request_id_var.reset(token)
