"""/api/payments: paying in test mode, simulate, admin refunds and the signed webhook endpoint."""

from __future__ import annotations

import time
import uuid

import orjson
import pytest
from sqlalchemy import func, select

from commerce.core.ids import uuid7
from commerce.core.outbox import OutboxEvent
from commerce.core.settings import Settings
from commerce.payments import service as payments
from commerce.payments.errors import TestModeOnly
from commerce.payments.webhooks import sign
from serving.routers.payments import require_test_mode
from tests.helpers import admin_headers, assert_problem, user_with_token

METHODS = ("bank_va", "ewallet", "card")


async def _intent(db, buyer: dict, *, amount: int = 150_000, method: str = "bank_va") -> str:
    """Checkout opens intents inside its own transaction; here we play checkout."""
    async with db.session() as session:
        intent = await payments.create_intent(session, reference=str(uuid7()), buyer_id=uuid.UUID(buyer["id"]),
                                              amount=amount, method=method)
        await session.commit()
    return str(intent.id)


async def _topics(db, topic: str) -> list[dict]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)))


async def _pay(client, headers, intent_id: str, scenario: str, **extra):
    return await client.post("/api/payments", headers=headers,
                             json={"intent_id": intent_id, "test_scenario": scenario, **extra})


@pytest.mark.parametrize("method", METHODS)
async def test_success_scenario_pays_through_the_webhook(client, db, method):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer, method=method)
    response = await _pay(client, headers, intent_id, "success")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded" and body["method"] == method and body["amount"] == 150_000
    assert body["provider"] == "test" and body["provider_ref"].startswith(f"test_{method}_")
    assert body["next_action"] is None
    [event] = await _topics(db, "payment.succeeded")
    assert event == {"intent_id": intent_id, "reference": body["reference"], "buyer_id": buyer["id"],
                     "amount": 150_000, "currency": "IDR", "method": method}


@pytest.mark.parametrize("method", METHODS)
async def test_failure_scenario_fails_with_a_reason(client, db, method):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer, method=method)
    body = (await _pay(client, headers, intent_id, "failure")).json()
    assert body["status"] == "failed" and body["failure_code"]
    [event] = await _topics(db, "payment.failed")
    assert event["intent_id"] == intent_id and event["failure_code"] == body["failure_code"]
    assert await _topics(db, "payment.succeeded") == []


@pytest.mark.parametrize("method", METHODS)
async def test_pending_waits_for_the_buyer_then_simulate_settles(client, db, method):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer, method=method)
    body = (await _pay(client, headers, intent_id, "pending_then_success")).json()
    assert body["status"] == "processing" and body["next_action"]["type"]
    if method == "bank_va":
        assert body["next_action"]["va_number"].startswith("8808")
    assert (await client.get(f"/api/payments/{intent_id}", headers=headers)).json()["status"] == "processing"
    assert await _topics(db, "payment.succeeded") == []
    response = await client.post(f"/api/payments/{intent_id}/simulate", headers=headers, json={"outcome": "success"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "succeeded" and response.json()["next_action"] is None
    assert len(await _topics(db, "payment.succeeded")) == 1


async def test_pending_va_can_expire_unpaid(client, db):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer)
    await _pay(client, headers, intent_id, "pending_then_success")
    response = await client.post(f"/api/payments/{intent_id}/simulate", headers=headers, json={"outcome": "failure"})
    assert response.json()["status"] == "failed" and response.json()["failure_code"] == "va_expired"


async def test_buyer_may_switch_method_when_paying(client, db):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer, method="bank_va")
    body = (await _pay(client, headers, intent_id, "success", method="ewallet")).json()
    assert body["method"] == "ewallet" and body["status"] == "succeeded"


@pytest.mark.parametrize("payload", [
    {"test_scenario": "success", "amount": 1},
    {"test_scenario": "success", "status": "succeeded"},
    {"test_scenario": "always_pay"},
    {"test_scenario": "success", "method": "cash"},
    {},
])
async def test_client_cannot_set_amount_or_status_or_unknown_values(client, db, payload):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer)
    response = await client.post("/api/payments", headers=headers, json={"intent_id": intent_id, **payload})
    assert_problem(response, 422, "validation_failed")
    body = (await client.get(f"/api/payments/{intent_id}", headers=headers)).json()
    assert body["status"] == "requires_payment_method" and body["amount"] == 150_000


async def test_bad_ids_are_validation_errors(client):
    _, headers = await user_with_token(client)
    assert_problem(await _pay(client, headers, "not-a-uuid", "success"), 422)
    assert_problem(await client.get("/api/payments/not-a-uuid", headers=headers), 422)


async def test_other_buyers_payments_do_not_exist_for_you(client, db):
    owner, owner_headers = await user_with_token(client)
    _, other_headers = await user_with_token(client)
    intent_id = await _intent(db, owner)
    assert_problem(await _pay(client, other_headers, intent_id, "success"), 404, "payment_not_found")
    assert_problem(await client.get(f"/api/payments/{intent_id}", headers=other_headers), 404, "payment_not_found")
    await _pay(client, owner_headers, intent_id, "pending_then_success")
    assert_problem(await client.post(f"/api/payments/{intent_id}/simulate", headers=other_headers,
                                     json={"outcome": "success"}), 404, "payment_not_found")
    assert (await client.get(f"/api/payments/{intent_id}", headers=owner_headers)).json()["status"] == "processing"
    assert_problem(await client.get(f"/api/payments/{uuid7()}", headers=owner_headers), 404, "payment_not_found")


async def test_payments_need_a_login(client, db):
    buyer, _ = await user_with_token(client)
    intent_id = await _intent(db, buyer)
    assert_problem(await client.post("/api/payments", json={"intent_id": intent_id, "test_scenario": "success"}), 401)
    assert_problem(await client.get(f"/api/payments/{intent_id}"), 401)
    assert_problem(await client.post(f"/api/payments/{intent_id}/simulate", json={"outcome": "success"}), 401)


@pytest.mark.parametrize("first", ["success", "failure", "pending_then_success"])
async def test_paying_again_conflicts(client, db, first):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer)
    await _pay(client, headers, intent_id, first)
    assert_problem(await _pay(client, headers, intent_id, "success"), 409, "payment_not_payable")
    assert len(await _topics(db, "payment.succeeded")) == (1 if first == "success" else 0)


async def test_simulate_only_for_a_pending_payment(client, db):
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer)
    url = f"/api/payments/{intent_id}/simulate"
    assert_problem(await client.post(url, headers=headers, json={"outcome": "success"}), 409, "payment_not_pending")
    await _pay(client, headers, intent_id, "pending_then_success")
    assert_problem(await client.post(url, headers=headers, json={"outcome": "maybe"}), 422)
    assert_problem(await client.post(url, headers=headers, json={"outcome": "success", "amount": 1}), 422)
    await client.post(url, headers=headers, json={"outcome": "success"})
    assert_problem(await client.post(url, headers=headers, json={"outcome": "failure"}), 409, "payment_not_pending")
    assert (await client.get(f"/api/payments/{intent_id}", headers=headers)).json()["status"] == "succeeded"


def test_test_payments_are_refused_in_production():
    with pytest.raises(TestModeOnly):
        require_test_mode(Settings(env="prod", jwt_secret="x" * 32, payment_webhook_secret="y" * 32, _env_file=None))


# --- refunds (admin) -------------------------------------------------------------------------------

async def _paid(client, db, amount: int = 150_000) -> tuple[str, dict, dict]:
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer, amount=amount)
    assert (await _pay(client, headers, intent_id, "success")).json()["status"] == "succeeded"
    return intent_id, buyer, headers


async def test_admin_refunds_partially_then_fully(client, db):
    admin = await admin_headers(client, db)
    intent_id, _, headers = await _paid(client, db)
    url = f"/api/payments/{intent_id}/refunds"
    response = await client.post(url, headers=admin, json={"amount": 50_000, "reason": "one item damaged"})
    assert response.status_code == 201, response.text
    first = response.json()
    assert first["amount"] == 50_000 and first["status"] == "succeeded" and first["intent_id"] == intent_id
    body = (await client.get(f"/api/payments/{intent_id}", headers=headers)).json()
    assert body["status"] == "partially_refunded" and body["amount_refunded"] == 50_000
    rest = (await client.post(url, headers=admin, json={"reason": "order cancelled"})).json()
    assert rest["amount"] == 100_000
    body = (await client.get(f"/api/payments/{intent_id}", headers=headers)).json()
    assert body["status"] == "refunded" and body["amount_refunded"] == 150_000
    events = await _topics(db, "payment.refunded")
    assert sorted(e["amount"] for e in events) == [50_000, 100_000]
    assert {e["refund_id"] for e in events} == {first["id"], rest["id"]}
    assert_problem(await client.post(url, headers=admin, json={"amount": 1, "reason": "again"}), 409,
                   "payment_not_refundable")


async def test_over_refund_is_rejected_and_changes_nothing(client, db):
    admin = await admin_headers(client, db)
    intent_id, _, headers = await _paid(client, db)
    url = f"/api/payments/{intent_id}/refunds"
    await client.post(url, headers=admin, json={"amount": 100_000, "reason": "partial"})
    body = assert_problem(await client.post(url, headers=admin, json={"amount": 50_001, "reason": "too much"}), 422,
                          "refund_exceeds_captured")
    assert body["refundable"] == 50_000
    assert (await client.get(f"/api/payments/{intent_id}", headers=headers)).json()["amount_refunded"] == 100_000
    assert len(await _topics(db, "payment.refunded")) == 1


@pytest.mark.parametrize("payload", [{"amount": 0, "reason": "x"}, {"amount": -5, "reason": "x"}, {"amount": 10},
                                     {"amount": 10, "reason": "  "}, {"amount": 10, "reason": "x", "status": "ok"}])
async def test_refund_bad_input(client, db, payload):
    admin = await admin_headers(client, db)
    intent_id, _, _ = await _paid(client, db)
    assert_problem(await client.post(f"/api/payments/{intent_id}/refunds", headers=admin, json=payload), 422)


async def test_refunds_are_for_admins_and_captured_payments_only(client, db):
    admin = await admin_headers(client, db)
    intent_id, _, buyer_headers = await _paid(client, db)
    url = f"/api/payments/{intent_id}/refunds"
    assert_problem(await client.post(url, headers=buyer_headers, json={"reason": "mine"}), 403)
    assert_problem(await client.post(url, json={"reason": "anon"}), 401)
    assert_problem(await client.post(f"/api/payments/{uuid7()}/refunds", headers=admin, json={"reason": "x"}), 404,
                   "payment_not_found")
    buyer, headers = await user_with_token(client)
    unpaid = await _intent(db, buyer)
    assert_problem(await client.post(f"/api/payments/{unpaid}/refunds", headers=admin, json={"reason": "x"}), 409,
                   "payment_not_refundable")
    await _pay(client, headers, unpaid, "pending_then_success")
    assert_problem(await client.post(f"/api/payments/{unpaid}/refunds", headers=admin, json={"reason": "x"}), 409,
                   "payment_not_refundable")


# --- the webhook endpoint --------------------------------------------------------------------------

def _event(intent_id: str, *, kind: str = "payment.succeeded", amount: int = 150_000, **data) -> bytes:
    return orjson.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": kind, "created": int(time.time()),
                         "data": {"intent_id": intent_id, "amount": amount, "currency": "IDR", **data}})


async def _pending(client, db) -> tuple[str, dict]:
    buyer, headers = await user_with_token(client)
    intent_id = await _intent(db, buyer)
    await _pay(client, headers, intent_id, "pending_then_success")
    return intent_id, headers


async def _status(client, headers, intent_id: str) -> str:
    return (await client.get(f"/api/payments/{intent_id}", headers=headers)).json()["status"]


async def test_signed_webhook_is_applied_once(client, db, settings):
    intent_id, headers = await _pending(client, db)
    body = _event(intent_id)
    sent = {"content": body, "headers": {"Lakoo-Signature": sign(settings.webhook_secret("payments"), body)}}
    response = await client.post("/api/payments/webhooks/test", **sent)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "applied" and response.json()["intent_status"] == "succeeded"
    again = await client.post("/api/payments/webhooks/test", **sent)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert await _status(client, headers, intent_id) == "succeeded"
    assert len(await _topics(db, "payment.succeeded")) == 1


def _bad_signatures(secret: str, body: bytes) -> dict[str, dict[str, str] | bytes]:
    now = int(time.time())
    good = sign(secret, body, now)
    return {
        "missing": {},
        "empty": {"Lakoo-Signature": ""},
        "garbage": {"Lakoo-Signature": "not a signature"},
        "no_v1": {"Lakoo-Signature": f"t={now}"},
        "bad_t": {"Lakoo-Signature": good.replace(f"t={now}", "t=soon")},
        "wrong_key": {"Lakoo-Signature": sign("some other secret", body, now)},
        "stale": {"Lakoo-Signature": sign(secret, body, now - 302)},
        "future": {"Lakoo-Signature": sign(secret, body, now + 310)},
        "flipped_hex": {"Lakoo-Signature": good[:-1] + ("0" if good[-1] != "0" else "1")},
    }


@pytest.mark.parametrize("case", ["missing", "empty", "garbage", "no_v1", "bad_t", "wrong_key", "stale", "future",
                                  "flipped_hex", "tampered_body"])
async def test_bad_signatures_are_400_and_change_nothing(client, db, settings, case):
    intent_id, headers = await _pending(client, db)
    secret = settings.webhook_secret("payments")
    body = _event(intent_id)
    if case == "tampered_body":
        sent_body, sent_headers = body.replace(b"150000", b"150001"), {"Lakoo-Signature": sign(secret, body)}
    else:
        sent_body, sent_headers = body, _bad_signatures(secret, body)[case]
    response = await client.post("/api/payments/webhooks/test", content=sent_body, headers=sent_headers)
    assert_problem(response, 400, "invalid_signature")
    assert await _status(client, headers, intent_id) == "processing"
    assert await _topics(db, "payment.succeeded") == []
    async with db.session() as session:
        ledger = await payments.list_events(session, intent_id=uuid.UUID(intent_id))
    assert [e.kind for e in ledger] == ["created", "processing"]


async def test_webhook_for_unknown_provider_or_payment(client, db, settings):
    secret = settings.webhook_secret("payments")
    body = _event(str(uuid7()))
    signed = {"Lakoo-Signature": sign(secret, body)}
    assert_problem(await client.post("/api/payments/webhooks/stripe", content=body, headers=signed), 404,
                   "unknown_provider")
    assert_problem(await client.post("/api/payments/webhooks/test", content=body, headers=signed), 404,
                   "payment_not_found")


async def test_signed_but_malformed_body_is_422(client, settings):
    secret = settings.webhook_secret("payments")
    for body in (b"{not json", b'{"id": "evt_1", "type": "payment.succeeded"}', b"[]"):
        response = await client.post("/api/payments/webhooks/test", content=body,
                                     headers={"Lakoo-Signature": sign(secret, body)})
        assert_problem(response, 422, "invalid_webhook_payload")


async def test_unsubscribed_event_types_are_acknowledged_and_ignored(client, db, settings):
    intent_id, headers = await _pending(client, db)
    body = _event(intent_id, kind="payment.disputed")
    response = await client.post("/api/payments/webhooks/test", content=body,
                                 headers={"Lakoo-Signature": sign(settings.webhook_secret("payments"), body)})
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert await _status(client, headers, intent_id) == "processing"
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)
                                    .where(OutboxEvent.topic.like("payment.%"))) == 0
