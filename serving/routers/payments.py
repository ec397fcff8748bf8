"""/api/payments: paying a checkout's intent (test mode), refunds, and provider webhooks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status

from commerce.core.settings import Settings
from commerce.orders import service as orders
from commerce.payments import service as payments
from commerce.payments.errors import TestModeOnly
from commerce.payments.schemas import (
    PaymentCreate,
    PaymentIntentOut,
    RefundCreate,
    RefundOut,
    SimulateIn,
    WebhookResult,
)
from serving.deps import AdminUser, CurrentUser, SessionDep, SettingsDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["payments"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}


def require_test_mode(settings: SettingsDep) -> Settings:
    """The only provider is the simulator: in production it would let a buyer pick "success"."""
    if settings.env == "prod":
        raise TestModeOnly()
    return settings


TestSettings = Annotated[Settings, Depends(require_test_mode)]


@router.post("/api/payments/webhooks/{provider}", response_model=WebhookResult,
             responses={400: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM})
async def webhook(provider: str, request: Request, session: SessionDep, settings: SettingsDep,
                  signature: Annotated[str | None, Header(alias="Lakoo-Signature")] = None) -> WebhookResult:
    """Signed with `Lakoo-Signature: t=<unix>,v1=<hex HMAC-SHA256("{t}.{raw body}")>`. The raw bytes
    are verified before anything is parsed. 2xx means "do not send again"; 404/409 ask for a retry."""
    return await payments.handle_webhook(session, provider=provider, raw_body=await request.body(),
                                         signature_header=signature, secret=settings.webhook_secret("payments"))


@router.post("/api/payments", response_model=PaymentIntentOut, responses=ERRORS)
async def pay(body: PaymentCreate, me: CurrentUser, session: SessionDep, settings: TestSettings) -> PaymentIntentOut:
    return await payments.pay(session, intent_id=body.intent_id, buyer_id=me.user_id, method=body.method,
                              scenario=body.test_scenario, secret=settings.webhook_secret("payments"))


@router.get("/api/payments/{intent_id}", response_model=PaymentIntentOut, responses=ERRORS)
async def get_payment(intent_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> PaymentIntentOut:
    return await payments.get_intent(session, intent_id=intent_id, buyer_id=me.user_id)


@router.post("/api/payments/{intent_id}/simulate", response_model=PaymentIntentOut, responses=ERRORS)
async def simulate(intent_id: uuid.UUID, body: SimulateIn, me: CurrentUser, session: SessionDep,
                   settings: TestSettings) -> PaymentIntentOut:
    return await payments.simulate(session, intent_id=intent_id, buyer_id=me.user_id, outcome=body.outcome,
                                   secret=settings.webhook_secret("payments"))


@router.post("/api/payments/{intent_id}/refunds", status_code=status.HTTP_201_CREATED, response_model=RefundOut,
             responses=ERRORS)
async def refund(intent_id: uuid.UUID, body: RefundCreate, admin: AdminUser, session: SessionDep,
                 settings: SettingsDep) -> RefundOut:
    """Refunds a payment that belongs to no checkout. A checkout's payment is 409
    `refund_through_order` with the `order_ids` to refund through `POST /api/orders/{id}/refunds`."""
    return await orders.refund_payment(session, intent_id=intent_id, amount=body.amount, reason=body.reason,
                                       payment_secret=settings.webhook_secret("payments"))
