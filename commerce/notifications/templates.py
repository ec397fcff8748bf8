"""Wording of every notification, in Indonesian with an English fallback.

Rendered when read or sent, never stored: a batched notification's text follows its current actors
("Ayu dan 12 lainnya"), and a wording fix applies to old notifications too. The inputs are the
facts kept in `notification.data` plus the actors' display names.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commerce.notifications.types import NotificationType as T

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str  # app path, e.g. /orders/<id>


def format_amount(amount: int | None, currency: str | None, locale: str) -> str:
    """Rupiah the way Indonesians write it (Rp1.250.000); English keeps comma grouping."""
    if amount is None:
        return ""
    grouped = f"{amount:,}"
    if locale == "id":
        grouped = grouped.replace(",", ".")
    return f"Rp{grouped}" if (currency or "IDR") == "IDR" else f"{currency} {grouped}"


def order_ref(order_id: uuid.UUID | str | None) -> str:
    """A short reference people can read out to support: the random tail of the order's UUIDv7
    (its head is a timestamp, shared by orders placed in the same minute)."""
    if order_id is None:
        return ""
    return "#" + uuid.UUID(str(order_id)).hex[-8:].upper()


def actor_phrase(names: Sequence[str], count: int, locale: str) -> str:
    someone = "Seseorang" if locale == "id" else "Someone"
    first = names[0] if names else someone
    if count <= 1:
        return first
    if count == 2 and len(names) >= 2:
        return f"{first} dan {names[1]}" if locale == "id" else f"{first} and {names[1]}"
    others = count - 1
    if locale == "id":
        return f"{first} dan {others} lainnya"
    return f"{first} and {others} other{'s' if others != 1 else ''}"


def _quote(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


Ctx = Mapping[str, Any]
Wording = Callable[[Ctx], tuple[str, str]]

# Each entry: locale → (data context → (title, body)). Context keys: who, order, amount, and the
# notification's data (name, reason, courier, tracking_number, excerpt, role, shop_name …).
WORDING: dict[T, dict[str, Wording]] = {
    T.ORDER_PLACED: {
        "id": lambda c: ("Pesanan dibuat", f"Pesanan {c['order']} senilai {c['amount']} menunggu pembayaran."),
        "en": lambda c: ("Order placed", f"Order {c['order']} for {c['amount']} is waiting for payment."),
    },
    T.ORDER_PAID: {
        "id": lambda c: ("Pesanan baru dibayar", f"{c['who']} membayar pesanan {c['order']} senilai {c['amount']}. "
                         "Segera proses dan kirim.") if c.get("role") == "seller" else
                        ("Pembayaran diterima", f"Pembayaran pesanan {c['order']} senilai {c['amount']} sudah kami "
                         "terima. Penjual segera memprosesnya."),
        "en": lambda c: ("New paid order", f"{c['who']} paid for order {c['order']} ({c['amount']}). "
                         "Please process and ship it.") if c.get("role") == "seller" else
                        ("Payment received", f"We received the payment for order {c['order']} ({c['amount']}). "
                         "The seller will process it shortly."),
    },
    T.ORDER_SHIPPED: {
        "id": lambda c: ("Pesanan dikirim", f"Pesanan {c['order']} sedang dikirim dengan {c.get('courier', '')} "
                         f"(resi {c.get('tracking_number', '-')})."),
        "en": lambda c: ("Order shipped", f"Order {c['order']} is on its way with {c.get('courier', '')} "
                         f"(tracking number {c.get('tracking_number', '-')})."),
    },
    T.ORDER_DELIVERED: {
        "id": lambda c: ("Pesanan sampai", f"Pesanan {c['order']} sudah sampai. Jangan lupa beri ulasan!"),
        "en": lambda c: ("Order delivered", f"Order {c['order']} has been delivered. Tell others what you think!"),
    },
    T.NEW_FOLLOWER: {
        "id": lambda c: ("Pengikut baru", f"{c['who']} mulai mengikutimu."),
        "en": lambda c: ("New follower", f"{c['who']} started following you."),
    },
    T.POST_LIKED: {
        "id": lambda c: ("Suka baru", f"{c['who']} menyukai postinganmu."),
        "en": lambda c: ("New like", f"{c['who']} liked your post."),
    },
    T.POST_COMMENTED: {
        "id": lambda c: ("Komentar baru", f"{c['who']} mengomentari postinganmu: “{_quote(c.get('excerpt'))}”"),
        "en": lambda c: ("New comment", f"{c['who']} commented on your post: “{_quote(c.get('excerpt'))}”"),
    },
    T.PRODUCT_APPROVED: {
        "id": lambda c: ("Produk disetujui", f"“{c.get('name', '')}” sudah tayang dan bisa ditandai di postingan."),
        "en": lambda c: ("Product approved", f"“{c.get('name', '')}” is live and can be tagged in posts."),
    },
    T.PRODUCT_REJECTED: {
        "id": lambda c: ("Produk ditolak", f"“{c.get('name', '')}” ditolak: {_quote(c.get('reason'), 200)}. "
                         "Perbaiki lalu ajukan lagi."),
        "en": lambda c: ("Product rejected", f"“{c.get('name', '')}” was rejected: {_quote(c.get('reason'), 200)}. "
                         "Fix it and submit it again."),
    },
    T.SELLER_APPROVED: {
        "id": lambda c: ("Toko terverifikasi", f"Selamat! Toko {c.get('shop_name') or 'kamu'} sudah terverifikasi. "
                         "Mulai unggah produkmu."),
        "en": lambda c: ("Shop verified", f"Congratulations! {c.get('shop_name') or 'Your shop'} is verified. "
                         "Start listing your products."),
    },
    T.SELLER_REJECTED: {
        "id": lambda c: ("Pendaftaran toko ditolak", f"Alasan: {_quote(c.get('reason'), 200)}. "
                         "Perbaiki datanya lalu daftar lagi."),
        "en": lambda c: ("Shop application rejected", f"Reason: {_quote(c.get('reason'), 200)}. "
                         "Fix the details and apply again."),
    },
    T.PAYOUT_PAID: {
        "id": lambda c: ("Dana dicairkan", f"{c['amount']} sudah ditransfer ke rekeningmu."),
        "en": lambda c: ("Payout sent", f"{c['amount']} has been transferred to your bank account."),
    },
    T.PAYOUT_REJECTED: {
        "id": lambda c: ("Pencairan dana ditolak", f"Pencairan {c['amount']} ditolak: "
                         f"{_quote(c.get('reason'), 200)}."),
        "en": lambda c: ("Payout rejected", f"Your payout of {c['amount']} was rejected: "
                         f"{_quote(c.get('reason'), 200)}."),
    },
}

LINKS = {"post": "/posts/{id}", "order": "/orders/{id}", "product": "/products/{id}", "user": "/users/{id}",
         "seller": "/seller", "payout": "/seller/payouts"}


def render(*, type_: str, data: Mapping[str, Any], target_type: str, target_id: uuid.UUID | None,
           actor_names: Sequence[str], actor_count: int, locale: str = DEFAULT_LOCALE) -> Rendered:
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    context = {
        **data,
        "who": actor_phrase(actor_names, actor_count, locale),
        "order": order_ref(data.get("order_id")),
        "amount": format_amount(data.get("amount"), data.get("currency"), locale),
    }
    title, body = WORDING[T(type_)][locale](context)
    return Rendered(title=title, body=body, link=LINKS[target_type].format(id=target_id))


def pick_locale(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header, by q-value; Indonesian otherwise."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        lang, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = lang.strip().lower().split("-")[0]
        if base in LOCALES and quality > 0:
            ranked.append((-quality, position, base))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE
