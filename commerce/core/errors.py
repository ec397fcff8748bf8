"""Typed domain errors. Each has a stable machine-readable `code`; serving maps the kind to an HTTP
status once, so services never think in HTTP and clients can branch on `code` forever."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code: str = "domain_error"
    # bad_request | invalid | unauthenticated | forbidden | not_found | conflict | throttled | unavailable
    kind: str = "invalid"
    title: str = "Request could not be processed"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class ValidationFailed(DomainError):
    code = "validation_failed"
    kind = "invalid"
    title = "Invalid input"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    kind = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    kind = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    code = "not_found"
    kind = "not_found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    kind = "conflict"
    title = "Conflict"


class Throttled(DomainError):
    code = "throttled"
    kind = "throttled"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after_s: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after_s = max(1, int(retry_after_s))


class Unavailable(DomainError):
    code = "unavailable"
    kind = "unavailable"
    title = "Service unavailable"
