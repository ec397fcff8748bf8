"""Event consumers that produce notifications. Each reads only the event's payload (plus the post's
status for likes and comments), so the topics and fields below are the contract with publishers:

| topic | fields read | notifies |
| --- | --- | --- |
| order.placed | order_id, buyer_id, total, currency?, item_count? | buyer: order_placed |
| order.paid | order_id, buyer_id, seller_id?, total | buyer and seller: order_paid |
| order.shipped | order_id, buyer_id, courier, tracking_number | buyer: order_shipped |
| order.delivered | order_id, buyer_id | buyer: order_delivered |
| user.followed | follower_id, followee_id | followee: new_follower (batched) |
| post.liked | post_id, author_id, user_id | author: post_liked (batched per post) |
| post.commented | post_id, author_id, user_id, comment_id, excerpt? | author: post_commented |
| product.approved / .rejected | product_id, seller_id?, name, reason (rejected) | seller |
| seller.approved / .rejected | user_id or seller_id, shop_name?, reason (rejected) | the seller |
| payout.paid / .rejected | payout_id or id, seller_id or user_id, amount, currency?, reason? | the seller |

`seller_id` is the selling user's id; NULL means the platform sells, and nobody is notified.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.content import service as content
from commerce.core.eventbus import Event, Handler
from commerce.core.redis import RedisStore
from commerce.notifications import producer
from commerce.notifications.config import NotificationConfig
from commerce.notifications.producer import Intent
from commerce.notifications.types import NotificationType as T

Build = Callable[[AsyncSession, dict[str, Any]], Awaitable[list[Intent]]]


def _id(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _pick(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: payload[k] for k in keys if payload.get(k) is not None}


def _order_facts(p: dict[str, Any], *extra: str) -> dict[str, Any]:
    return {"order_id": p["order_id"], "amount": p.get("total"), "currency": p.get("currency", "IDR"),
            **_pick(p, "item_count", *extra)}


async def order_placed(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
    return [Intent(user_id=_id(p["buyer_id"]), type=T.ORDER_PLACED, target_type="order",
                   target_id=_id(p["order_id"]), data=_order_facts(p))]


async def order_paid(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
    buyer, seller, order = _id(p["buyer_id"]), _id(p.get("seller_id")), _id(p["order_id"])
    intents = [Intent(user_id=buyer, type=T.ORDER_PAID, target_type="order", target_id=order,
                      data={**_order_facts(p), "role": "buyer"})]
    if seller is not None:
        intents.append(Intent(user_id=seller, type=T.ORDER_PAID, target_type="order", target_id=order,
                              actor_id=buyer, data={**_order_facts(p), "role": "seller"}))
    return intents


async def order_shipped(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
    return [Intent(user_id=_id(p["buyer_id"]), type=T.ORDER_SHIPPED, target_type="order",
                   target_id=_id(p["order_id"]),
                   data=_order_facts(p, "courier", "courier_service", "tracking_number"))]


async def order_delivered(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
    return [Intent(user_id=_id(p["buyer_id"]), type=T.ORDER_DELIVERED, target_type="order",
                   target_id=_id(p["order_id"]), data=_order_facts(p))]


async def user_followed(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
    follower = _id(p["follower_id"])
    return [Intent(user_id=_id(p["followee_id"]), type=T.NEW_FOLLOWER, target_type="user", target_id=follower,
                   actor_id=follower, group="followers")]


async def _live_post(session: AsyncSession, post_id: uuid.UUID) -> bool:
    ref = await content.post_ref(session, post_id=post_id)
    return ref is not None and ref[1] == "active"


async def post_liked(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
    post = _id(p["post_id"])
    if not await _live_post(session, post):
        return []
    return [Intent(user_id=_id(p["author_id"]), type=T.POST_LIKED, target_type="post", target_id=post,
                   actor_id=_id(p["user_id"]), data={"post_id": str(post)}, group=f"post:{post}")]


async def post_commented(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
    post = _id(p["post_id"])
    if not await _live_post(session, post):
        return []
    return [Intent(user_id=_id(p["author_id"]), type=T.POST_COMMENTED, target_type="post", target_id=post,
                   actor_id=_id(p["user_id"]), data={"post_id": str(post), **_pick(p, "comment_id", "excerpt")})]


def _first(payload: dict[str, Any], keys: tuple[str, ...]) -> uuid.UUID | None:
    return _id(next((payload[k] for k in keys if payload.get(k)), None))


def _to_owner(type_: T, *, target_type: str, owner: tuple[str, ...], target: tuple[str, ...],
              facts: Callable[[dict[str, Any]], dict[str, Any]]) -> Build:
    """A notification for whoever owns the thing (a product's seller, an applicant, a payout's
    seller); none when the payload names no owner (a platform product)."""
    async def build(session: AsyncSession, p: dict[str, Any]) -> list[Intent]:
        user = _first(p, owner)
        if user is None:
            return []
        return [Intent(user_id=user, type=type_, target_type=target_type, target_id=_first(p, target), data=facts(p))]
    return build


def _product(type_: T) -> Build:
    return _to_owner(type_, target_type="product", owner=("seller_id",), target=("product_id",),
                     facts=lambda p: _pick(p, "name", "reason"))


def _seller(type_: T) -> Build:
    return _to_owner(type_, target_type="seller", owner=("user_id", "seller_id"), target=("user_id", "seller_id"),
                     facts=lambda p: _pick(p, "shop_name", "reason"))


def _payout(type_: T) -> Build:
    return _to_owner(type_, target_type="payout", owner=("seller_id", "user_id"), target=("payout_id", "id"),
                     facts=lambda p: {"amount": p.get("amount"), "currency": p.get("currency", "IDR"),
                                      **_pick(p, "reason")})


BUILDERS: dict[str, Build] = {
    "order.placed": order_placed,
    "order.paid": order_paid,
    "order.shipped": order_shipped,
    "order.delivered": order_delivered,
    "user.followed": user_followed,
    "post.liked": post_liked,
    "post.commented": post_commented,
    "product.approved": _product(T.PRODUCT_APPROVED),
    "product.rejected": _product(T.PRODUCT_REJECTED),
    "seller.approved": _seller(T.SELLER_APPROVED),
    "seller.rejected": _seller(T.SELLER_REJECTED),
    "payout.paid": _payout(T.PAYOUT_PAID),
    "payout.rejected": _payout(T.PAYOUT_REJECTED),
}

# One consumer group per family, so a stuck family (say, a bad payout payload) never holds up
# order notifications.
GROUPS = {
    "notifications.orders": ("order.placed", "order.paid", "order.shipped", "order.delivered"),
    "notifications.social": ("user.followed", "post.liked", "post.commented"),
    "notifications.selling": ("product.approved", "product.rejected", "seller.approved", "seller.rejected",
                              "payout.paid", "payout.rejected"),
}


def make_handlers(config: NotificationConfig) -> list[Handler]:
    async def handle(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        intents = await BUILDERS[event.topic](session, event.payload)
        await producer.notify(session, config, intents=intents, event_id=event.event_id,
                              occurred_at=event.occurred_at)

    return [Handler(name=name, topics=topics, fn=handle) for name, topics in GROUPS.items()]
