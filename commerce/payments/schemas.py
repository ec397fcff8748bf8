from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PaymentMethod = Literal["bank_va", "ewallet", "card"]
TestScenario = Literal["success", "failure", "pending_then_success"]
SimulatedOutcome = Literal["success", "failure"]
WebhookType = Literal["payment.succeeded", "payment.failed", "refund.succeeded"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PaymentCreate(_In):
    """What a buyer may say when paying. Amount and status are not here on purpose: they come from
    the intent checkout created and from the provider's webhooks."""

    intent_id: uuid.UUID
    method: PaymentMethod | None = Field(None, description="switch method before paying; default: checkout's")
    test_scenario: TestScenario = Field(description="test mode: how the simulated provider behaves")


class SimulateIn(_In):
    outcome: SimulatedOutcome


class RefundCreate(_In):
    amount: Annotated[int, Field(gt=0)] | None = Field(None, description="omit to refund everything left")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class PaymentIntentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference: str
    buyer_id: uuid.UUID
    amount: int
    currency: str
    method: PaymentMethod
    provider: str
    provider_ref: str | None
    status: str
    next_action: dict[str, Any] | None
    failure_code: str | None
    amount_refunded: int
    created_at: datetime
    updated_at: datetime


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    intent_id: uuid.UUID
    amount: int
    reason: str
    status: str
    refunded_at: datetime


class PaymentEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    amount: int
    provider_event_id: str | None
    payload: dict[str, Any]
    at: datetime


class WebhookData(BaseModel):
    """Providers add fields over time; unknown ones are ignored rather than refused."""

    model_config = ConfigDict(extra="ignore")

    intent_id: uuid.UUID
    amount: int
    currency: str = "IDR"
    provider_ref: str | None = None
    refund_id: uuid.UUID | None = None
    reason: str | None = None
    failure_code: str | None = None


class WebhookEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    type: str
    data: WebhookData
    created: int


class WebhookResult(BaseModel):
    event_id: str
    outcome: Literal["applied", "duplicate", "ignored"]
    intent_id: uuid.UUID | None = None
    intent_status: str | None = None
