"""Notification wording: every type renders in both languages, amounts and actors read naturally."""

from __future__ import annotations

import uuid

import pytest

from commerce.notifications.channels import OutboundMessage, build_email, sms_text
from commerce.notifications.templates import WORDING, actor_phrase, format_amount, order_ref, pick_locale, render
from commerce.notifications.types import TYPES, Channel, NotificationType, default_enabled


def test_every_type_has_wording_in_both_languages_and_defaults():
    assert set(WORDING) == set(TYPES) == set(NotificationType)
    for type_ in NotificationType:
        assert default_enabled(type_, Channel.IN_APP)
        for locale in ("id", "en"):
            text = render(type_=type_.value, data={"order_id": str(uuid.uuid4()), "amount": 10_000, "name": "Tas",
                                                   "reason": "buram", "courier": "jne", "tracking_number": "X1"},
                          target_type="order", target_id=uuid.uuid4(), actor_names=["Ayu"], actor_count=1,
                          locale=locale)
            assert text.title and text.body and "{" not in text.body


@pytest.mark.parametrize(("names", "count", "locale", "expected"), [
    (["Ayu"], 1, "id", "Ayu"),
    (["Ayu", "Budi"], 2, "id", "Ayu dan Budi"),
    (["Ayu", "Budi", "Citra"], 13, "id", "Ayu dan 12 lainnya"),
    (["Ayu", "Budi", "Citra"], 13, "en", "Ayu and 12 others"),
    (["Ayu"], 2, "en", "Ayu and 1 other"),
    ([], 1, "id", "Seseorang"),
])
def test_actor_phrase(names, count, locale, expected):
    assert actor_phrase(names, count, locale) == expected


def test_amounts_and_order_references():
    assert format_amount(1_250_000, "IDR", "id") == "Rp1.250.000"
    assert format_amount(1_250_000, "IDR", "en") == "Rp1,250,000"
    assert format_amount(None, "IDR", "id") == ""
    order = uuid.UUID("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    assert order_ref(order) == "#2E3F4A5B"


@pytest.mark.parametrize(("header", "locale"), [
    (None, "id"), ("", "id"), ("en", "en"), ("en-US,en;q=0.9", "en"), ("id-ID,en;q=0.8", "id"),
    ("fr, en;q=0.5", "en"), ("en;q=0.2, id;q=0.9", "id"), ("en;q=0", "id"), ("en;q=abc", "id"), ("de", "id"),
])
def test_pick_locale(header, locale):
    assert pick_locale(header) == locale


def test_email_escapes_user_text_and_sms_fits_one_segment():
    message = OutboundMessage(idempotency_key="n:email", channel="email", to=("a@example.com",),
                              title="Komentar baru", body="<script>alert(1)</script> bilang “halo”",
                              link="https://lakoo.id/posts/1?a=1&b=2")
    mail = build_email(message, "LAKOO <no-reply@lakoo.id>")
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "a=1&amp;b=2" in html
    assert mail["Message-ID"] == "<n-email@lakoo.id>"
    long = OutboundMessage(idempotency_key="n:sms", channel="sms", to=("+62812",), title="t", body="x" * 400, link="")
    assert len(sms_text(long)) == 160 and sms_text(long).endswith("…")
