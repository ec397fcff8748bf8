"""RFC 9457 problem details. Every error leaves the API as `application/problem+json` with a stable
`code`, whether it came from a domain error, request validation, routing or an unexpected crash."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from commerce.core.errors import DomainError, Throttled

log = logging.getLogger("lakoo.errors")

KIND_STATUS = {
    "bad_request": 400,
    "invalid": 422,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "throttled": 429,
    "unavailable": 503,
}

HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "throttled", 500: "internal_error",
    503: "unavailable",
}


def problem(status: int, code: str, detail: str, *, title: str | None = None, instance: str | None = None,
            headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> JSONResponse:
    body = {
        "type": f"urn:lakoo:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **({"instance": instance} if instance else {}),
    }
    for key, value in (extra or {}).items():  # a domain error's extras never overwrite the standard members
        body[key if key not in body else f"{key}_detail"] = value
    response = JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")
    return response


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        # Never echo the rejected input back: it may be a password.
        errors.append({"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")})
    return errors


def domain_problem(exc: DomainError, instance: str) -> JSONResponse:
    """A domain error as problem+json: its kind decides the status, its code and extras travel."""
    status = KIND_STATUS.get(exc.kind, 400)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Throttled) else None
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return problem(status, exc.code, exc.detail, title=exc.title, instance=instance, headers=headers,
                   extra=exc.extra)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        malformed = any(e["type"] == "json_invalid" for e in errors)
        return problem(
            422, "malformed_json" if malformed else "validation_failed",
            "Request body is not valid JSON" if malformed else "Request failed validation",
            title="Invalid input", instance=request.url.path, extra={"errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(exc.status_code, code, detail, instance=request.url.path,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value for its column type (a NUL character, a number out of range,
        # malformed JSON). Request models refuse the usual ones first; this is the net under every
        # path they miss, and the request's transaction has rolled back. Logged, in case the value
        # came from our code rather than the client's input.
        log.warning("database refused a value", extra={
            "path": request.url.path, "sqlstate": getattr(exc.orig, "sqlstate", None),
            "reason": str(exc.orig).splitlines()[0][:200] if exc.orig else type(exc).__name__})
        return problem(422, "validation_failed", "A value cannot be stored as given (for example a NUL character "
                       "or a number out of range)", title="Invalid input", instance=request.url.path)

    @app.exception_handler(RedisError)
    @app.exception_handler(SQLAlchemyTimeoutError)
    @app.exception_handler(OperationalError)
    async def _store_busy(request: Request, exc: Exception) -> JSONResponse:
        # Pool exhausted, too many connections, a store restarting: the request's transaction rolled
        # back, so the client may safely retry.
        log.warning("store unavailable", extra={"path": request.url.path, "error": type(exc).__name__,
                                                   "reason": str(exc).splitlines()[0][:200]})
        return problem(503, "store_unavailable", "A data store is busy or unreachable; retry shortly",
                       instance=request.url.path, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem(500, "internal_error", "An unexpected error occurred; it has been logged",
                       instance=request.url.path)
