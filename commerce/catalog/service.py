"""Catalog use cases: categories, brands, products and variants, the review lifecycle, and the reads
other contexts build on (`ensure_taggable`, `product_cards`). Every write owns its transaction and
commits it, with its outbox event in the same commit."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import events, queries
from commerce.catalog.errors import (
    ActiveVariantRequired,
    ProductNotFound,
    ProductNotTaggable,
    SelfReviewForbidden,
    SkuTaken,
    SlugRequired,
    SlugTaken,
    UnknownBrand,
    UnknownCategory,
    VariantNotFound,
)
from commerce.catalog.lifecycle import NEEDS_ACTIVE_VARIANT, check_transition, status_after_edit
from commerce.catalog.models import Brand, Category, Product, ProductImage, ProductVariant
from commerce.catalog.schemas import (
    BrandCreate,
    BrandOut,
    CategoryCreate,
    CategoryNode,
    CategoryOut,
    ImageIn,
    ManagedProduct,
    ProductCard,
    ProductCreate,
    ProductDetail,
    ProductQuery,
    ProductSummary,
    ProductUpdate,
    VariantCreate,
    VariantOut,
    VariantUpdate,
)
from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.db import violated_constraint
from commerce.core.errors import DomainError
from commerce.core.ids import uuid7
from commerce.core.pagination import Page


def slugify(name: str) -> str:
    """ASCII slug for URLs: "Sepatu & Tas Wanita" → "sepatu-tas-wanita"; accents fold to letters."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:200].rstrip("-")


def _conflict(exc: IntegrityError) -> DomainError | None:
    """A unique index lost a race with a concurrent request: report it as the pre-check would have."""
    constraint = violated_constraint(exc)
    if constraint == "uq_product_variant_sku":
        return SkuTaken()
    if constraint in ("uq_brand_slug", "uq_category_slug"):
        return SlugTaken()
    return None


async def _commit(session: AsyncSession) -> None:
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        error = _conflict(exc)
        if error is None:
            raise
        raise error from exc


# --- categories and brands ----------------------------------------------------------------------

async def _free_slug(session: AsyncSession, model: type[Brand] | type[Category], slug: str | None,
                     name: str) -> str:
    slug = slug or slugify(name)
    if not slug:
        raise SlugRequired()
    if await session.scalar(select(exists().where(model.slug == slug))):
        raise SlugTaken(f"slug {slug!r} is taken", slug=slug)
    return slug


async def create_category(session: AsyncSession, *, data: CategoryCreate) -> CategoryOut:
    if data.parent_id is not None and await session.get(Category, data.parent_id) is None:
        raise UnknownCategory("parent category does not exist", parent_id=str(data.parent_id))
    category = Category(id=uuid7(), parent_id=data.parent_id, name=data.name,
                        slug=await _free_slug(session, Category, data.slug, data.name), created_at=utcnow())
    session.add(category)
    await _commit(session)
    return CategoryOut.model_validate(category)


async def category_tree(session: AsyncSession) -> list[CategoryNode]:
    return await queries.category_tree(session)


async def create_brand(session: AsyncSession, *, data: BrandCreate) -> BrandOut:
    brand = Brand(id=uuid7(), name=data.name, slug=await _free_slug(session, Brand, data.slug, data.name),
                  logo_url=str(data.logo_url) if data.logo_url else None, created_at=utcnow())
    session.add(brand)
    await _commit(session)
    return BrandOut.model_validate(brand)


async def list_brands(session: AsyncSession, *, cursor: str | None, limit: int) -> Page[BrandOut]:
    return await queries.list_brands(session, cursor=cursor, limit=limit)


# --- products and variants ----------------------------------------------------------------------

async def _category(session: AsyncSession, category_id: uuid.UUID) -> Category:
    category = await session.get(Category, category_id)
    if category is None:
        raise UnknownCategory(category_id=str(category_id))
    return category


async def _brand(session: AsyncSession, brand_id: uuid.UUID) -> Brand:
    brand = await session.get(Brand, brand_id)
    if brand is None:
        raise UnknownBrand(brand_id=str(brand_id))
    return brand


async def _locked_product(session: AsyncSession, product_id: uuid.UUID, owner: uuid.UUID | None = None) -> Product:
    """`owner` is a seller acting on their own catalog: another seller's product is a 404, never a
    403, so product ids cannot be probed."""
    product = await session.scalar(select(Product).where(Product.id == product_id).with_for_update())
    if product is None or (owner is not None and product.seller_id != owner):
        raise ProductNotFound()
    return product


async def _ensure_skus_free(session: AsyncSession, skus: list[str],
                            except_variant: uuid.UUID | None = None) -> None:
    repeated = sorted({sku for sku in skus if skus.count(sku) > 1})
    if repeated:
        raise SkuTaken(f"SKU {repeated[0]} appears more than once", skus=repeated)
    query = select(ProductVariant.sku).where(ProductVariant.sku.in_(skus))
    if except_variant is not None:
        query = query.where(ProductVariant.id != except_variant)
    taken = sorted(await session.scalars(query))
    if taken:
        raise SkuTaken(f"SKU {taken[0]} is already in use", skus=taken)


def _new_variant(product_id: uuid.UUID, data: VariantCreate) -> ProductVariant:
    now = utcnow()
    return ProductVariant(id=uuid7(), product_id=product_id, sku=data.sku, attributes=dict(data.attributes),
                          price=data.price, weight_grams=data.weight_grams, status=data.status,
                          created_at=now, updated_at=now)


def _add_images(session: AsyncSession, product_id: uuid.UUID, images: list[ImageIn]) -> None:
    for position, image in enumerate(images):
        session.add(ProductImage(product_id=product_id, position=position, url=str(image.url),
                                 width=image.width, height=image.height))


async def _refresh_price_range(session: AsyncSession, product: Product) -> None:
    """Keep the denormalised range equal to the active variants' prices (null when there are none)."""
    await session.flush()
    low, high = (await session.execute(
        select(func.min(ProductVariant.price), func.max(ProductVariant.price))
        .where(ProductVariant.product_id == product.id, ProductVariant.status == "active")
    )).one()
    product.price_min, product.price_max = low, high


async def _has_active_variant(session: AsyncSession, product_id: uuid.UUID) -> bool:
    await session.flush()
    return bool(await session.scalar(select(exists().where(
        ProductVariant.product_id == product_id, ProductVariant.status == "active"))))


async def _detail(session: AsyncSession, product: Product) -> ProductDetail:
    return await queries.product_detail(session, product=product, all_variants=True)


async def create_product(session: AsyncSession, *, data: ProductCreate,
                         seller_id: uuid.UUID | None = None) -> ProductDetail:
    """A draft with its variants and images in one transaction. `seller_id` is for the sellers
    context; admin-created products have none."""
    await _category(session, data.category_id)
    brand = await _brand(session, data.brand_id) if data.brand_id else None
    await _ensure_skus_free(session, [v.sku for v in data.variants])
    now = utcnow()
    product = Product(id=uuid7(), seller_id=seller_id, brand_id=data.brand_id, brand_name=brand.name if brand else None,
                      category_id=data.category_id, name=data.name, description=data.description, status="draft",
                      rejection_reason=None, currency="IDR", popularity=0, rating_avg=None, rating_count=0,
                      created_at=now, updated_at=now, approved_at=None)
    session.add(product)
    await session.flush()
    session.add_all([_new_variant(product.id, v) for v in data.variants])
    _add_images(session, product.id, data.images)
    await _refresh_price_range(session, product)
    await _commit(session)
    return await _detail(session, product)


async def update_product(session: AsyncSession, *, product_id: uuid.UUID, data: ProductUpdate,
                         owner: uuid.UUID | None = None) -> ProductDetail:
    """Editing a rejected product reopens it as a draft; it must be submitted again."""
    product = await _locked_product(session, product_id, owner)
    product.status = status_after_edit(product.status)
    changes = data.model_dump(exclude_unset=True, exclude={"images"})
    if "category_id" in changes:
        await _category(session, changes["category_id"])
    if "brand_id" in changes:
        brand = await _brand(session, changes["brand_id"]) if changes["brand_id"] else None
        product.brand_name = brand.name if brand else None
    for field, value in changes.items():
        setattr(product, field, value)
    if data.images is not None:
        await session.execute(delete(ProductImage).where(ProductImage.product_id == product_id))
        _add_images(session, product_id, data.images)
    product.updated_at = utcnow()
    await _commit(session)
    return await _detail(session, product)


async def add_variant(session: AsyncSession, *, product_id: uuid.UUID, data: VariantCreate,
                      owner: uuid.UUID | None = None) -> VariantOut:
    product = await _locked_product(session, product_id, owner)
    product.status = status_after_edit(product.status)
    await _ensure_skus_free(session, [data.sku])
    variant = _new_variant(product_id, data)
    session.add(variant)
    await _refresh_price_range(session, product)
    product.updated_at = utcnow()
    await _commit(session)
    return VariantOut.model_validate(variant)


async def update_variant(session: AsyncSession, *, product_id: uuid.UUID, variant_id: uuid.UUID,
                         data: VariantUpdate, owner: uuid.UUID | None = None) -> VariantOut:
    product = await _locked_product(session, product_id, owner)
    variant = await session.scalar(select(ProductVariant).where(
        ProductVariant.id == variant_id, ProductVariant.product_id == product_id))
    if variant is None:
        raise VariantNotFound()
    product.status = status_after_edit(product.status)
    changes = data.model_dump(exclude_unset=True)
    if "sku" in changes and changes["sku"] != variant.sku:
        await _ensure_skus_free(session, [changes["sku"]], except_variant=variant_id)
    for field, value in changes.items():
        setattr(variant, field, value)
    if product.status == "active" and not await _has_active_variant(session, product_id):
        raise ActiveVariantRequired("a live product must keep at least one active variant; archive it instead")
    now = utcnow()
    variant.updated_at = product.updated_at = now
    await _refresh_price_range(session, product)
    await _commit(session)
    return VariantOut.model_validate(variant)


# --- the review lifecycle -----------------------------------------------------------------------

async def _move(session: AsyncSession, product_id: uuid.UUID, target: str, *, owner: uuid.UUID | None = None,
                reviewer: uuid.UUID | None = None) -> tuple[Product, str]:
    """The row lock makes concurrent reviews of one product queue up, so a second approve sees
    `active` and gets a 409 instead of publishing the event twice. A reviewer never decides on
    their own product, even when they are an admin who also sells."""
    product = await _locked_product(session, product_id, owner)
    if reviewer is not None and product.seller_id == reviewer:
        raise SelfReviewForbidden()
    previous = product.status
    check_transition(previous, target)
    if target in NEEDS_ACTIVE_VARIANT and not await _has_active_variant(session, product_id):
        raise ActiveVariantRequired()
    product.status = target
    product.updated_at = utcnow()
    return product, previous


async def submit_product(session: AsyncSession, *, product_id: uuid.UUID,
                         owner: uuid.UUID | None = None) -> ProductDetail:
    product, _ = await _move(session, product_id, "pending_review", owner=owner)
    await _commit(session)
    return await _detail(session, product)


async def approve_product(session: AsyncSession, *, product_id: uuid.UUID,
                          reviewer_id: uuid.UUID | None = None) -> ProductDetail:
    product, _ = await _move(session, product_id, "active", reviewer=reviewer_id)
    product.approved_at = product.updated_at
    product.rejection_reason = None
    outbox.publish(session, events.PRODUCT_APPROVED, events.product_approved(product, at=product.updated_at))
    await _commit(session)
    return await _detail(session, product)


async def reject_product(session: AsyncSession, *, product_id: uuid.UUID, reason: str,
                         reviewer_id: uuid.UUID | None = None) -> ProductDetail:
    product, _ = await _move(session, product_id, "rejected", reviewer=reviewer_id)
    product.rejection_reason = reason
    outbox.publish(session, events.PRODUCT_REJECTED,
                   events.product_rejected(product, reason=reason, at=product.updated_at))
    await _commit(session)
    return await _detail(session, product)


async def archive_product(session: AsyncSession, *, product_id: uuid.UUID,
                          owner: uuid.UUID | None = None) -> ProductDetail:
    product, previous = await _move(session, product_id, "archived", owner=owner)
    outbox.publish(session, events.PRODUCT_ARCHIVED,
                   events.product_archived(product, previous_status=previous, at=product.updated_at))
    await _commit(session)
    return await _detail(session, product)


# --- reads --------------------------------------------------------------------------------------

async def get_product(session: AsyncSession, *, product_id: uuid.UUID, include_unpublished: bool = False,
                      owner: uuid.UUID | None = None) -> ProductDetail:
    """Anything but an active product is indistinguishable from a missing one to the public. An
    `owner` (a seller) sees every status of their own products and nobody else's."""
    product = await session.get(Product, product_id)
    if product is not None and owner is not None:
        if product.seller_id != owner:
            raise ProductNotFound()
        include_unpublished = True
    if product is None or (product.status != "active" and not include_unpublished):
        raise ProductNotFound()
    return await queries.product_detail(session, product=product, all_variants=include_unpublished)


async def list_products(session: AsyncSession, *, params: ProductQuery) -> Page[ProductSummary]:
    return await queries.list_products(session, params=params)


async def managed_products(session: AsyncSession, *, seller_id: uuid.UUID | None, status: str | None = None,
                           oldest_first: bool = False, cursor: str | None = None,
                           limit: int = 20) -> Page[ManagedProduct]:
    """Any status: `seller_id` for a seller's own list, None (with a status) for the review queue."""
    return await queries.managed_products(session, seller_id=seller_id, status=status, oldest_first=oldest_first,
                                          cursor=cursor, limit=limit)


async def seller_figures(session: AsyncSession, *, seller_id: uuid.UUID) -> tuple[int, Decimal | None, int]:
    """(active products, rating average over all the seller's reviews, review count)."""
    return await queries.seller_figures(session, seller_id=seller_id)


async def product_sellers(session: AsyncSession, *,
                          product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Who sells each product (None: a platform product); unknown ids are absent."""
    return await queries.product_sellers(session, product_ids=product_ids)


async def ensure_taggable(session: AsyncSession, *, tags: list[tuple[uuid.UUID, uuid.UUID | None]]) -> None:
    """tags = [(product_id, variant_id or None)]. Raises ProductNotTaggable naming every offending id:
    a product that is unknown or not active, a variant that is unknown, inactive or another
    product's. Joins the caller's transaction and takes no locks: an archive racing a post is
    harmless, because cards show the product's current status."""
    if not tags:
        return
    product_ids = {product_id for product_id, _ in tags}
    variant_ids = {variant_id for _, variant_id in tags if variant_id is not None}
    active = set(await session.scalars(
        select(Product.id).where(Product.id.in_(product_ids), Product.status == "active")))
    variants = {}
    if variant_ids:
        variants = {row.id: row for row in await session.execute(
            select(ProductVariant.id, ProductVariant.product_id, ProductVariant.status)
            .where(ProductVariant.id.in_(variant_ids)))}
    bad_products = sorted(str(p) for p in product_ids - active)
    bad_variants = sorted({
        str(variant_id) for product_id, variant_id in tags
        if variant_id is not None and (variant_id not in variants or variants[variant_id].status != "active"
                                       or variants[variant_id].product_id != product_id)
    })
    if bad_products or bad_variants:
        raise ProductNotTaggable(
            f"not taggable: {', '.join(bad_products + bad_variants)}",
            product_ids=bad_products, variant_ids=bad_variants,
        )


async def product_cards(session: AsyncSession, *, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProductCard]:
    """Batch lookup (one query) for feed and post hydration, whatever the product's status: the card
    carries `status` and `in_stock` so callers decide how to show an archived product. Unknown ids
    are simply absent."""
    return await queries.product_cards(session, product_ids=product_ids)


async def sold_out_product_ids(session: AsyncSession) -> list[uuid.UUID]:
    return await queries.sold_out_product_ids(session)


async def popular_alongside(session: AsyncSession, *, product_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    return await queries.popular_alongside(session, product_id=product_id, limit=limit)


# --- stock state, written by the inventory context ----------------------------------------------

async def variant_exists(session: AsyncSession, *, variant_id: uuid.UUID) -> bool:
    """Whatever the variant's or product's status: stock may be received before a product goes live."""
    return bool(await session.scalar(select(exists().where(ProductVariant.id == variant_id))))


async def set_available(session: AsyncSession, *, variant_id: uuid.UUID, available: int) -> None:
    """Inventory's total across warehouses, denormalised so cards and listings show the stock state
    without asking inventory per row. Joins the caller's transaction (the one that moved the stock),
    so the card can never disagree with a committed stock level."""
    await session.execute(update(ProductVariant).where(ProductVariant.id == variant_id)
                          .values(available_qty=max(0, available)))


# Lookups for cart, checkout and reviews, published through this module (see lookups.py).
from commerce.catalog.lookups import (  # noqa: E402, F401
    VariantSnapshot,
    lock_for_rating,
    set_rating,
    variant_snapshots,
)

# The read side the feeds' fallback uses.
active_product_ids_in_category = queries.active_product_ids_in_category
