"""Payment providers behind one Protocol, and the built-in test provider.

A provider never changes our state by being called: like a real gateway, it answers the API call
with a reference and tells us the outcome later through a signed webhook. `TestProvider` keeps that
shape in-process — it queues signed webhook bodies and hands them to our own webhook handler when
`deliver_webhooks` is called — so the only way to "paid" is a verified webhook, in tests as in
production.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from commerce.core.clock import utcnow
from commerce.payments.schemas import WebhookResult
from commerce.payments.webhooks import sign

Deliver = Callable[[bytes, str], Awaitable[WebhookResult]]
SCENARIOS = ("success", "failure", "pending_then_success")
FAILURE_CODES = {"bank_va": "va_expired", "ewallet": "insufficient_balance", "card": "card_declined"}


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    intent_id: uuid.UUID
    amount: int
    currency: str
    method: str
    scenario: str


@dataclass(frozen=True, slots=True)
class Charge:
    provider_ref: str
    next_action: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class RefundRequest:
    intent_id: uuid.UUID
    provider_ref: str | None
    refund_id: uuid.UUID
    amount: int
    currency: str
    reason: str


class PaymentProvider(Protocol):
    name: str

    async def create_charge(self, request: ChargeRequest) -> Charge: ...

    async def create_refund(self, request: RefundRequest) -> None: ...

    async def deliver_webhooks(self) -> list[WebhookResult]:
        """Send whatever the provider has to tell us; a real gateway does this on its own schedule."""
        ...


def _next_action(method: str, provider_ref: str) -> dict[str, Any]:
    if method == "bank_va":
        return {"type": "bank_transfer", "bank": "BCA", "va_number": "8808" + str(uuid.uuid4().int)[:12]}
    if method == "ewallet":
        return {"type": "ewallet_approval", "deeplink": f"lakoo-test://ewallet/approve/{provider_ref}"}
    return {"type": "three_d_secure", "url": f"https://pay.test.lakoo.id/3ds/{provider_ref}"}


@dataclass
class TestProvider:
    """Simulates a bank virtual account, an e-wallet and a card.

    Scenarios: "success" and "failure" settle at once (the webhook goes out with the next delivery);
    "pending_then_success" waits with a `next_action` — the buyer transferring to the VA, approving
    in the wallet app, passing 3-D Secure — until `settle` is called (the simulate endpoint).
    """

    __test__ = False  # not a pytest class, whatever its name says

    secret: str
    deliver: Deliver
    name: str = "test"
    clock: Callable[[], float] = field(default=lambda: utcnow().timestamp())
    _outgoing: list[bytes] = field(default_factory=list)

    def _queue(self, event_type: str, data: dict[str, Any]) -> None:
        event = {"id": f"evt_{secrets.token_hex(12)}", "type": event_type, "data": data,
                 "created": int(self.clock())}
        self._outgoing.append(orjson.dumps(event))

    async def create_charge(self, request: ChargeRequest) -> Charge:
        if request.scenario not in SCENARIOS:
            raise ValueError(f"unknown test scenario {request.scenario!r}")
        provider_ref = f"test_{request.method}_{secrets.token_hex(8)}"
        if request.scenario == "pending_then_success":
            return Charge(provider_ref=provider_ref, next_action=_next_action(request.method, provider_ref))
        self.settle(intent_id=request.intent_id, provider_ref=provider_ref, amount=request.amount,
                    currency=request.currency, method=request.method,
                    outcome="success" if request.scenario == "success" else "failure")
        return Charge(provider_ref=provider_ref, next_action=None)

    def settle(self, *, intent_id: uuid.UUID, provider_ref: str, amount: int, currency: str, method: str,
               outcome: str) -> None:
        data = {"intent_id": str(intent_id), "amount": amount, "currency": currency, "provider_ref": provider_ref,
                "method": method}
        if outcome == "success":
            self._queue("payment.succeeded", data)
        else:
            self._queue("payment.failed", {**data, "failure_code": FAILURE_CODES.get(method, "payment_failed")})

    async def create_refund(self, request: RefundRequest) -> None:
        self._queue("refund.succeeded", {"intent_id": str(request.intent_id), "amount": request.amount,
                                         "currency": request.currency, "provider_ref": request.provider_ref,
                                         "refund_id": str(request.refund_id), "reason": request.reason})

    async def deliver_webhooks(self) -> list[WebhookResult]:
        results = []
        while self._outgoing:
            body = self._outgoing.pop(0)
            results.append(await self.deliver(body, sign(self.secret, body, int(self.clock()))))
        return results
