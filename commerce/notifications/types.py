"""The catalogue of notification types and channels, and the defaults users start from.

One table instead of scattered `if type == ...`: the consumers, the preferences API, the renderer
and the dispatcher all read the same facts, so adding a type is one entry here plus its wording in
`templates.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    PUSH = "push"
    SMS = "sms"


# Channels that go through a provider and a delivery record; in-app is the notification row itself.
OUTBOUND_CHANNELS = (Channel.EMAIL, Channel.PUSH, Channel.SMS)


class NotificationType(StrEnum):
    ORDER_PLACED = "order_placed"
    ORDER_PAID = "order_paid"
    ORDER_SHIPPED = "order_shipped"
    ORDER_DELIVERED = "order_delivered"
    NEW_FOLLOWER = "new_follower"
    POST_LIKED = "post_liked"
    POST_COMMENTED = "post_commented"
    PRODUCT_APPROVED = "product_approved"
    PRODUCT_REJECTED = "product_rejected"
    SELLER_APPROVED = "seller_approved"
    SELLER_REJECTED = "seller_rejected"
    PAYOUT_PAID = "payout_paid"
    PAYOUT_REJECTED = "payout_rejected"


@dataclass(frozen=True)
class TypeSpec:
    """`social` types come from another person's action: self-actions and blocked pairs never
    notify. `batched` types fold repeated actions on one target into one notification."""

    category: str  # orders | social | selling
    defaults: frozenset[Channel]
    social: bool = False
    batched: bool = False


_ORDERS = frozenset({Channel.IN_APP, Channel.EMAIL, Channel.PUSH})
_SOCIAL = frozenset({Channel.IN_APP, Channel.PUSH})
_SELLING = frozenset({Channel.IN_APP, Channel.EMAIL, Channel.PUSH})

TYPES: dict[NotificationType, TypeSpec] = {
    NotificationType.ORDER_PLACED: TypeSpec("orders", _ORDERS),
    NotificationType.ORDER_PAID: TypeSpec("orders", _ORDERS),
    # The one SMS a buyer gets by default: the courier may call, and the resi is worth having offline.
    NotificationType.ORDER_SHIPPED: TypeSpec("orders", _ORDERS | {Channel.SMS}),
    NotificationType.ORDER_DELIVERED: TypeSpec("orders", _ORDERS),
    NotificationType.NEW_FOLLOWER: TypeSpec("social", _SOCIAL, social=True, batched=True),
    NotificationType.POST_LIKED: TypeSpec("social", _SOCIAL, social=True, batched=True),
    NotificationType.POST_COMMENTED: TypeSpec("social", _SOCIAL, social=True),
    NotificationType.PRODUCT_APPROVED: TypeSpec("selling", _SELLING),
    NotificationType.PRODUCT_REJECTED: TypeSpec("selling", _SELLING),
    NotificationType.SELLER_APPROVED: TypeSpec("selling", _SELLING),
    NotificationType.SELLER_REJECTED: TypeSpec("selling", _SELLING),
    NotificationType.PAYOUT_PAID: TypeSpec("selling", _SELLING),
    NotificationType.PAYOUT_REJECTED: TypeSpec("selling", _SELLING),
}


def default_enabled(type_: NotificationType, channel: Channel) -> bool:
    return channel in TYPES[type_].defaults
