"""Signed webhooks, Stripe style, for every provider we receive calls from (payments, couriers):
header `Lakoo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "{t}.{raw body}")>`.

Signing the timestamp with the body lets us refuse replays older than the tolerance; several `v1`
values are accepted so a secret can be rotated without downtime, and any one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from commerce.core.clock import utcnow
from commerce.core.errors import DomainError

SIGNATURE_HEADER = "Lakoo-Signature"
TOLERANCE_S = 300


class InvalidSignature(DomainError):
    """400, not 401: the caller is a provider's system, not a user who could log in."""

    code = "invalid_signature"
    kind = "bad_request"
    title = "Webhook signature is missing, stale or wrong"


def signature(secret: str, raw_body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()


def sign(secret: str, raw_body: bytes, timestamp: int | None = None) -> str:
    """The header value a provider sends with RAW_BODY."""
    t = int(utcnow().timestamp()) if timestamp is None else timestamp
    return f"t={t},v1={signature(secret, raw_body, t)}"


def verify(*, raw_body: bytes, signature_header: str | None, secret: str, now: datetime | None = None,
           tolerance_s: int = TOLERANCE_S) -> None:
    """Raises InvalidSignature; the reason goes in the detail, never the expected digest."""
    if not signature_header:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in signature_header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature(f"{SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>")
    if abs((now or utcnow()).timestamp() - timestamp) > tolerance_s:
        raise InvalidSignature(f"signature timestamp is more than {tolerance_s} s away from now")
    expected = signature(secret, raw_body, timestamp)
    # Compare every candidate in constant time, so timing reveals neither which nor how much matched.
    matched = [hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in candidates]
    if not any(matched):
        raise InvalidSignature("signature does not match the body")
