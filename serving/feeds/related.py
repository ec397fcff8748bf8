"""Related products: the product model's item-to-item neighbours from the live ranking version,
or, before the model knows a product (new, or nothing published yet), the most popular products
of the same category."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.catalog.schemas import ProductCard
from ranking.publish import bucket_of, decode_list, keys
from serving.state import AppState


class RelatedProducts(BaseModel):
    items: list[ProductCard]
    source: Literal["ranked", "fallback"]


async def _neighbours(state: AppState, product_id: uuid.UUID, want: int) -> list[uuid.UUID]:
    version = await state.ranked.pointer.current()
    space = version.space("product") if version else None
    if not space or not space.get("similar_items"):
        return []
    ns, client = state.redis.namespace, state.redis.binary
    key = keys.similar(ns, version.number, "product", bucket_of(str(product_id), int(space["similar_buckets"])))
    blob = await client.hget(key, str(product_id))
    if not blob:
        return []
    indices, _ = decode_list(blob)
    items_key = keys.items(ns, version.number, "product")
    pipe = client.pipeline(transaction=False)
    for index in indices[:want].tolist():
        pipe.getrange(items_key, index * 37, index * 37 + 35)  # fixed-width uuid strings, "\n"-separated
    return [uuid.UUID(raw.decode()) for raw in await pipe.execute() if len(raw) == 36]


async def related_products(state: AppState, session: AsyncSession, *, product_id: uuid.UUID,
                           limit: int) -> RelatedProducts:
    await catalog.get_product(session, product_id=product_id)  # 404 unless it is public
    try:
        ids = await _neighbours(state, product_id, limit * 3)  # room for archived and sold-out ones
    except RedisError:
        ids = []
    source: Literal["ranked", "fallback"] = "ranked"
    cards = await catalog.product_cards(session, product_ids=ids)
    items = [cards[i] for i in ids if i in cards and i != product_id and cards[i].status == "active"
             and cards[i].in_stock][:limit]
    if not items:
        source = "fallback"
        ids = await catalog.popular_alongside(session, product_id=product_id, limit=limit)
        cards = await catalog.product_cards(session, product_ids=ids)
        items = [cards[i] for i in ids if i in cards]
    return RelatedProducts(items=items, source=source)
