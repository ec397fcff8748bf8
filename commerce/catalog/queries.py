"""Read side of the catalog: the public listing (filters, sorts, search ranking, keyset cursors), the
product page, and batch card hydration for feeds. No writes.

Every listing is one SQL statement whatever the page size: the brand name is denormalised onto the
product and the cover image is a correlated sub-select, so a page never fans out into N queries.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Double,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog.models import Brand, Category, Product, ProductImage, ProductVariant
from commerce.catalog.schemas import (
    BrandOut,
    CategoryNode,
    CategoryOut,
    ImageOut,
    ManagedProduct,
    ProductCard,
    ProductDetail,
    ProductQuery,
    ProductSummary,
    Sort,
    VariantOut,
)
from commerce.core.pagination import (
    InvalidCursor,
    Page,
    decode_cursor,
    decode_time_id,
    encode_cursor,
    next_time_id_cursor,
    page_by_unique_text,
)

# word_similarity("sneakres", "Sneakers Kanvas Putih") is 0.56 while unrelated short words score
# around 0.4; pg_trgm's default of 0.6 would miss the typo.
TRIGRAM_THRESHOLD = 0.5
SEARCH_LANGUAGES = ("indonesian", "english")


def cover_url() -> ColumnElement[str | None]:
    return (
        select(ProductImage.url).where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position).limit(1).scalar_subquery()
    )


def _variant_in_stock() -> ColumnElement[bool]:
    """NULL stock means inventory has never tracked the variant: sold as before, so in stock."""
    return and_(ProductVariant.status == "active",
                or_(ProductVariant.available_qty.is_(None), ProductVariant.available_qty > 0))


def _in_stock() -> ColumnElement[bool]:
    return and_(Product.status == "active",
                exists().where(ProductVariant.product_id == Product.id, _variant_in_stock()))


def _card_columns() -> tuple[Any, ...]:
    return (Product.id, Product.name, Product.brand_name, Product.price_min, Product.price_max, Product.currency,
            cover_url().label("image_url"), Product.status, _in_stock().label("in_stock"))


def _card_fields(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "brand_name": row.brand_name, "price_min": row.price_min or 0,
        "price_max": row.price_max or 0, "currency": row.currency, "image_url": row.image_url,
        "status": row.status, "in_stock": bool(row.in_stock),
    }


async def product_cards(session: AsyncSession, *, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProductCard]:
    ids = set(product_ids)
    if not ids:
        return {}
    rows = await session.execute(select(*_card_columns()).where(Product.id.in_(ids)))
    return {row.id: ProductCard(**_card_fields(row)) for row in rows}


async def popular_alongside(session: AsyncSession, *, product_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    """Active, in-stock products of the same category (then its parent's), most popular first: what
    "related products" shows before the ranking has learned anything about a product."""
    product = await session.get(Product, product_id)
    if product is None:
        return []
    parent = await session.scalar(select(Category.parent_id).where(Category.id == product.category_id))
    siblings = select(Category.id).where(Category.parent_id == parent) if parent else None
    same = Product.category_id == product.category_id
    near = same if siblings is None else or_(same, Product.category_id.in_(siblings))
    rows = await session.scalars(
        select(Product.id).where(near, Product.id != product_id, _in_stock())
        .order_by(same.desc(), Product.popularity.desc(), Product.id).limit(limit))
    return list(rows)


async def sold_out_product_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Active products none of whose variants can be bought: the feeds stop showing posts that
    only tag such products."""
    rows = await session.scalars(select(Product.id).where(Product.status == "active", ~_in_stock()))
    return list(rows)


# --- the listing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Order:
    """One sort order: its key expression, direction, and how the key travels inside a cursor."""

    key: ColumnElement[Any]
    descending: bool
    to_json: Callable[[Any], Any]
    from_json: Callable[[Any], Any]


def _int_key(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("not an integer")
    return value


def _float_key(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError("not a number")
    return float(value)


def _time_key(value: Any) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive timestamp")
    return parsed


def _search_query(q: str) -> ColumnElement[Any]:
    """The query in both languages, OR-ed: a match in either configuration counts."""
    parts = [func.websearch_to_tsquery(cast(literal(lang, String), REGCONFIG), literal(q, String))
             for lang in SEARCH_LANGUAGES]
    return parts[0].op("||")(parts[1])


def _score(q: str) -> ColumnElement[float]:
    """Full-text rank (weights A for the name, B for brand and description) plus the trigram
    similarity of the query to the name, so an exact phrase beats a typo and a typo still ranks.
    Cast to float8 so the value in a cursor compares exactly with the recomputed one."""
    rank = cast(func.ts_rank(Product.search_vector, _search_query(q)), Double)
    similarity = cast(func.word_similarity(literal(q, String), Product.name), Double)
    return rank + similarity


def _order(sort: Sort, q: str | None) -> _Order:
    if sort == "relevance":
        assert q is not None  # ProductQuery refuses relevance without q
        return _Order(_score(q), True, float, _float_key)
    if sort in ("price_asc", "price_desc"):
        return _Order(Product.price_min, sort == "price_desc", int, _int_key)
    if sort == "popularity":
        return _Order(Product.popularity, True, int, _int_key)
    return _Order(Product.created_at, True, lambda value: value.isoformat(), _time_key)


def _by_id_or_slug(id_column: Any, slug_column: Any, value: str) -> ColumnElement[bool]:
    try:
        return id_column == uuid.UUID(value)
    except ValueError:
        return slug_column == value


def _category_subtree(value: str) -> Select[Any]:
    """The category and every descendant. UNION (not UNION ALL) also ends the walk on a cycle."""
    tree = select(Category.id).where(_by_id_or_slug(Category.id, Category.slug, value)).cte(
        "category_tree", recursive=True)
    child = Category.__table__.alias("child")
    tree = tree.union(select(child.c.id).where(child.c.parent_id == tree.c.id))
    return select(tree.c.id)


async def active_product_ids_in_category(session: AsyncSession, *, category: str,
                                         limit: int = 5_000) -> list[uuid.UUID]:
    """Active products of a category (id or slug) and its sub-categories, newest first: what the
    feeds' PostgreSQL fallback filters explore by when trending per category is unavailable."""
    rows = await session.scalars(select(Product.id).where(
        Product.status == "active", Product.category_id.in_(_category_subtree(category)))
        .order_by(Product.created_at.desc()).limit(limit))
    return list(rows)


def _filtered(query: Select[Any], params: ProductQuery) -> Select[Any]:
    query = query.where(Product.status == "active")
    if params.seller_id is not None:
        query = query.where(Product.seller_id == params.seller_id)
    if params.category is not None:
        query = query.where(Product.category_id.in_(_category_subtree(params.category)))
    if params.brand is not None:
        query = query.where(Product.brand_id.in_(
            select(Brand.id).where(_by_id_or_slug(Brand.id, Brand.slug, params.brand))))
    if params.price_min is not None or params.price_max is not None:
        # "Something in my budget": some active variant in range, not merely an overlapping range.
        variant = and_(ProductVariant.product_id == Product.id, ProductVariant.status == "active")
        if params.price_min is not None:
            variant = and_(variant, ProductVariant.price >= params.price_min)
        if params.price_max is not None:
            variant = and_(variant, ProductVariant.price <= params.price_max)
        query = query.where(exists().where(variant))
    if params.q is not None:
        query = query.where(or_(
            Product.search_vector.bool_op("@@")(_search_query(params.q)),
            literal(params.q, String).bool_op("<%")(Product.name),
        ))
    return query


def _fingerprint(params: ProductQuery, sort: Sort) -> str:
    """Ties a cursor to the query that produced it: replaying it on other filters is an error, not
    a silently wrong page."""
    shape = [sort, params.q, params.category, params.brand, params.price_min, params.price_max]
    if params.seller_id is not None:  # appended only when set, so cursors minted before the filter stay valid
        shape.append(str(params.seller_id))
    return hashlib.sha256(orjson.dumps(shape)).hexdigest()[:16]


def _parse_cursor(cursor: str | None, fingerprint: str, order: _Order) -> tuple[Any, uuid.UUID] | None:
    values = decode_cursor(cursor, 3)
    if values is None:
        return None
    if values[0] != fingerprint:
        raise InvalidCursor("cursor belongs to a different query")
    try:
        return order.from_json(values[1]), uuid.UUID(values[2])
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidCursor() from exc


async def list_products(session: AsyncSession, *, params: ProductQuery) -> Page[ProductSummary]:
    sort = params.effective_sort
    order = _order(sort, params.q)
    fingerprint = _fingerprint(params, sort)
    after = _parse_cursor(params.cursor, fingerprint, order)
    query = _filtered(select(
        *_card_columns(), Product.brand_id, Product.category_id, Product.popularity, Product.rating_avg,
        Product.rating_count, Product.created_at, order.key.label("sort_key"),
    ), params)
    if after is not None:
        position = tuple_(order.key, Product.id)
        query = query.where(position < after if order.descending else position > after)
    if order.descending:
        query = query.order_by(order.key.desc(), Product.id.desc())
    else:
        query = query.order_by(order.key.asc(), Product.id.asc())
    if params.q is not None:
        # Transaction-local: lowers the `<%` operator's cut-off for this query only.
        await session.execute(select(func.set_config("pg_trgm.word_similarity_threshold",
                                                     str(TRIGRAM_THRESHOLD), True)))
    rows = (await session.execute(query.limit(params.limit + 1))).all()
    page = rows[: params.limit]
    items = [ProductSummary(**_summary_fields(row)) for row in page]
    next_cursor = None
    if len(rows) > params.limit:
        last = page[-1]
        next_cursor = encode_cursor(fingerprint, order.to_json(last.sort_key), str(last.id))
    return Page[ProductSummary](items=items, next_cursor=next_cursor)


def _summary_fields(row: Any) -> dict[str, Any]:
    return {**_card_fields(row), "brand_id": row.brand_id, "category_id": row.category_id,
            "popularity": row.popularity, "rating_avg": row.rating_avg, "rating_count": row.rating_count,
            "created_at": row.created_at}


async def managed_products(session: AsyncSession, *, seller_id: uuid.UUID | None, status: str | None,
                           oldest_first: bool, cursor: str | None, limit: int) -> Page[ManagedProduct]:
    """Products of any status for the people who manage them: one seller's own list (newest first)
    or the admins' review queue (oldest first, so nobody waits behind later submissions)."""
    query = select(*_card_columns(), Product.brand_id, Product.category_id, Product.popularity, Product.rating_avg,
                   Product.rating_count, Product.created_at, Product.seller_id, Product.rejection_reason,
                   Product.updated_at, Product.approved_at)
    if seller_id is not None:
        query = query.where(Product.seller_id == seller_id)
    if status is not None:
        query = query.where(Product.status == status)
    after = decode_time_id(cursor)
    position = tuple_(Product.created_at, Product.id)
    if after is not None:
        query = query.where(position > after if oldest_first else position < after)
    order = (Product.created_at.asc(), Product.id.asc()) if oldest_first else (Product.created_at.desc(),
                                                                              Product.id.desc())
    rows = (await session.execute(query.order_by(*order).limit(limit + 1))).all()
    items = [ManagedProduct(**_summary_fields(row), seller_id=row.seller_id, rejection_reason=row.rejection_reason,
                            updated_at=row.updated_at, approved_at=row.approved_at) for row in rows[:limit]]
    return Page[ManagedProduct](items=items, next_cursor=next_time_id_cursor(
        rows, limit, key=lambda row: (row.created_at, row.id)))


async def seller_figures(session: AsyncSession, *, seller_id: uuid.UUID) -> tuple[int, Decimal | None, int]:
    """(active products, rating average, rating count) of one seller. The average weighs each
    product's average by its number of reviews, which is the average over all the shop's reviews
    (up to the products' two-decimal rounding)."""
    active, weighted, count = (await session.execute(
        select(func.count().filter(Product.status == "active"),
               func.sum(Product.rating_avg * Product.rating_count),
               func.coalesce(func.sum(Product.rating_count), 0))
        .where(Product.seller_id == seller_id))).one()
    count = int(count)
    average = (Decimal(weighted) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if count else None
    return int(active), average, count


async def product_sellers(session: AsyncSession, *,
                          product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    ids = set(product_ids)
    if not ids:
        return {}
    return {row.id: row.seller_id for row in await session.execute(
        select(Product.id, Product.seller_id).where(Product.id.in_(ids)))}


# --- product page, brands, categories ------------------------------------------------------------

async def product_detail(session: AsyncSession, *, product: Product, all_variants: bool) -> ProductDetail:
    variants = select(ProductVariant).where(ProductVariant.product_id == product.id)
    if not all_variants:
        variants = variants.where(ProductVariant.status == "active")
    variant_rows = await session.scalars(variants.order_by(ProductVariant.price, ProductVariant.sku))
    images = await session.scalars(
        select(ProductImage).where(ProductImage.product_id == product.id).order_by(ProductImage.position))
    brand = await session.get(Brand, product.brand_id) if product.brand_id else None
    category = await session.get(Category, product.category_id)
    return ProductDetail(
        id=product.id, seller_id=product.seller_id, name=product.name, description=product.description,
        status=product.status, rejection_reason=product.rejection_reason,
        brand=BrandOut.model_validate(brand) if brand else None,
        category=CategoryOut.model_validate(category),
        price_min=product.price_min, price_max=product.price_max, currency=product.currency,
        in_stock=product.status == "active" and bool(await session.scalar(select(exists().where(
            ProductVariant.product_id == product.id, _variant_in_stock())))),
        popularity=product.popularity, rating_avg=product.rating_avg, rating_count=product.rating_count,
        variants=[VariantOut.model_validate(v) for v in variant_rows],
        images=[ImageOut.model_validate(i) for i in images],
        created_at=product.created_at, updated_at=product.updated_at, approved_at=product.approved_at,
    )


async def list_brands(session: AsyncSession, *, cursor: str | None, limit: int) -> Page[BrandOut]:
    """Alphabetical by slug."""
    page, next_cursor = await page_by_unique_text(session, select(Brand), Brand.slug, cursor=cursor, limit=limit)
    return Page[BrandOut](items=[BrandOut.model_validate(b) for b in page], next_cursor=next_cursor)


async def category_tree(session: AsyncSession) -> list[CategoryNode]:
    """The whole tree in one query, assembled in memory: categories number in the hundreds."""
    rows = list(await session.scalars(select(Category).order_by(Category.name, Category.id)))
    nodes = {c.id: CategoryNode.model_validate(c) for c in rows}
    roots: list[CategoryNode] = []
    for category in rows:
        node = nodes[category.id]
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots

