"""Courier webhook signatures: the platform's one scheme (commerce.core.webhooks), in the call shape
the shipping service uses."""

from __future__ import annotations

from datetime import datetime

from commerce.core.webhooks import SIGNATURE_HEADER as HEADER  # noqa: F401 - re-exported
from commerce.core.webhooks import TOLERANCE_S, sign
from commerce.core.webhooks import verify as _verify


def signature_header(body: bytes, *, secret: str, timestamp: int) -> str:
    return sign(secret, body, timestamp)


def verify(body: bytes, header: str | None, *, secret: str, now: datetime, tolerance_s: int = TOLERANCE_S) -> None:
    _verify(raw_body=body, signature_header=header, secret=secret, now=now, tolerance_s=tolerance_s)
