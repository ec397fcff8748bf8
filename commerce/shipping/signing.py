"""Webhook signatures in the Stripe style the payment webhooks use: header
`Lakoo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">`.

Signing the timestamp with the body lets us refuse replays older than the tolerance; several `v1`
values may be sent while a courier rotates keys, and any one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from commerce.shipping.errors import InvalidSignature

HEADER = "Lakoo-Signature"
TOLERANCE_S = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, *, secret: str, timestamp: int) -> str:
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(body: bytes, header: str | None, *, secret: str, now: datetime, tolerance_s: int = TOLERANCE_S) -> None:
    """Raises InvalidSignature; the reason goes in the detail, never the expected digest."""
    if not header:
        raise InvalidSignature(f"missing {HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature(f"{HEADER} must look like t=<unix seconds>,v1=<hex>")
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise InvalidSignature(f"signature timestamp is more than {tolerance_s} s away from now")
    expected = _digest(secret, timestamp, body)
    # Compare every candidate, so timing says nothing about which one (if any) matched.
    matched = [hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in candidates]
    if not any(matched):
        raise InvalidSignature("signature does not match the body")
