"""Demo data written through the contexts' services (never around them), so the demo exercises the
same rules, counters, events and interactions as real traffic. Deterministic for a given seed.

This is the small, quick seed `lakoo demo` loads; the analytics issue grows it into the full
generator with months of history and sessions."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.addresses import service as addresses
from commerce.addresses.schemas import AddressCreate
from commerce.auth import service as auth
from commerce.cart import service as cart
from commerce.cart.schemas import AddItem
from commerce.catalog import service as catalog
from commerce.catalog.schemas import BrandCreate, CategoryCreate, ImageIn, ProductCreate, VariantCreate
from commerce.content import service as content
from commerce.content.schemas import CommentCreate, PostCreate, ProductTagIn
from commerce.content.schemas import ImageIn as PostImage
from commerce.core.db import Database
from commerce.core.errors import Conflict
from commerce.core.settings import Settings
from commerce.inventory import service as inventory
from commerce.inventory.schemas import WarehouseCreate
from commerce.orders import service as orders
from commerce.orders.schemas import CheckoutIn, ShippingChoice
from commerce.payments import service as payments
from commerce.reviews import service as reviews
from commerce.reviews.schemas import ReviewIn
from commerce.shipping import service as shipping
from commerce.social import service as social
from commerce.users import service as users

PROVINCES = ["DKI Jakarta", "Jawa Barat", "Jawa Tengah", "Jawa Timur", "Banten", "Bali", "Sumatera Utara",
             "Sulawesi Selatan", "DI Yogyakarta", "Kalimantan Timur"]

DEMO_PASSWORD = "lakoo-demo-pass"
CATEGORIES = {
    "Fashion": ["Sepatu", "Tas", "Pakaian"],
    "Kecantikan": ["Skincare", "Makeup"],
    "Rumah": ["Dapur", "Dekorasi"],
}
BRANDS = ["Langkah", "Kain Nusantara", "Seruni Beauty", "Rumah Kayu", "Batik Kita", "Kopi Pagi"]
PRODUCT_NAMES = {
    "Sepatu": ["Sepatu Lari Pria", "Sneakers Kanvas Putih", "Sandal Kulit Wanita"],
    "Tas": ["Tas Kanvas Tote", "Ransel Laptop Anti Air", "Tas Selempang Mini"],
    "Pakaian": ["Kemeja Batik Modern", "Kaos Oversize Katun", "Rok Plisket Midi"],
    "Skincare": ["Serum Vitamin C", "Sunscreen SPF 50", "Toner Hydrating"],
    "Makeup": ["Lip Cream Matte", "Cushion Foundation", "Maskara Waterproof"],
    "Dapur": ["Teflon Anti Lengket", "Gelas Kaca Set", "Pisau Dapur Jepang"],
    "Dekorasi": ["Lampu Tidur Rotan", "Vas Keramik", "Cermin Dinding Bulat"],
}
HASHTAGS = ["ootd", "skincareroutine", "laripagi", "racuntiktok", "homedecor", "kopi", "batik", "makeupnatural",
            "jajananjakarta", "diy", "thrift", "review"]
FIRST_NAMES = ["ayu", "budi", "citra", "dewi", "eko", "fitri", "gilang", "hana", "indra", "joko", "kartika", "lina",
               "made", "nina", "oka", "putri", "rudi", "sari", "tono", "wulan"]


@dataclass
class SeedSummary:
    users: int = 0
    products: int = 0
    follows: int = 0
    posts: int = 0
    likes: int = 0
    comments: int = 0
    orders: int = 0
    delivered: int = 0
    reviews: int = 0
    skipped: bool = False


Progress = Callable[[str, int, int], None]


def _img(rng: random.Random, kind: str) -> dict:
    return {"url": f"https://img.lakoo.id/{kind}/{rng.randrange(10**8):08d}.jpg",
            "width": 1080, "height": rng.choice([1080, 1350, 1440])}


async def seed_demo(db: Database, *, users_count: int = 60, seed: int = 7, settings: Settings | None = None,
                    progress: Progress | None = None) -> SeedSummary:
    rng = random.Random(seed)
    summary = SeedSummary()
    report = progress or (lambda step, done, total: None)
    async with db.session() as session:
        if await users.username_taken(session, username="demo_ayu"):
            return SeedSummary(skipped=True)
        product_ids = await _catalog(session, rng, summary, report)
        user_ids = await _users(session, rng, users_count, summary, report)
        await _follows(session, rng, user_ids, summary, report)
        post_ids = await _posts(session, rng, user_ids, product_ids, summary, report)
        await _engagement(session, rng, user_ids, post_ids, summary, report)
        await _stock(session, product_ids)
        await _purchases(session, rng, user_ids, product_ids, settings or Settings(), summary, report)
    return summary


async def _catalog(session: AsyncSession, rng: random.Random, summary: SeedSummary,
                   report: Progress) -> list[uuid.UUID]:
    brands = [(await catalog.create_brand(session, data=BrandCreate(name=name))).id for name in BRANDS]
    product_ids = []
    total = sum(len(v) for v in PRODUCT_NAMES.values())
    for parent, children in CATEGORIES.items():
        parent_id = (await catalog.create_category(session, data=CategoryCreate(name=parent))).id
        for child in children:
            child_id = (await catalog.create_category(session, data=CategoryCreate(name=child,
                                                                                   parent_id=parent_id))).id
            for name in PRODUCT_NAMES[child]:
                price = rng.randrange(25, 900) * 1000
                variants = [VariantCreate(sku=f"DEMO-{len(product_ids):03d}-{size}", attributes={"size": size},
                                          price=price + i * 10_000, weight_grams=rng.randrange(100, 2000))
                            for i, size in enumerate(rng.sample(["S", "M", "L", "XL"], k=rng.randint(1, 3)))]
                product = await catalog.create_product(session, data=ProductCreate(
                    name=name, description=f"{name} — pilihan favorit komunitas LAKOO.", category_id=child_id,
                    brand_id=rng.choice(brands), variants=variants,
                    images=[ImageIn(**_img(rng, "product"))]))
                await catalog.submit_product(session, product_id=product.id)
                await catalog.approve_product(session, product_id=product.id)
                product_ids.append(product.id)
                summary.products += 1
                report("catalog", summary.products, total)
    return product_ids


async def _users(session: AsyncSession, rng: random.Random, count: int, summary: SeedSummary,
                 report: Progress) -> list[uuid.UUID]:
    ids = []
    for i in range(count):
        suffix = str(i // len(FIRST_NAMES)) if i >= len(FIRST_NAMES) else ""
        name = f"demo_{FIRST_NAMES[i % len(FIRST_NAMES)]}{suffix}"
        try:
            created = await auth.register(session, email=f"{name}@demo.lakoo.id", password=DEMO_PASSWORD,
                                          username=name)
        except Conflict:
            continue
        ids.append(created.id)
        summary.users += 1
        report("users", i + 1, count)
    return ids


async def _follows(session: AsyncSession, rng: random.Random, user_ids: list[uuid.UUID], summary: SeedSummary,
                   report: Progress) -> None:
    """Power-law in-degree: a few creators are followed by most people, most by a handful."""
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(user_ids))]
    for i, follower in enumerate(user_ids):
        k = min(len(user_ids) - 1, rng.randint(3, 15))
        targets = {t for t in rng.choices(user_ids, weights=weights, k=k * 2) if t != follower}
        for followee in list(targets)[:k]:
            await social.follow(session, follower_id=follower, followee_id=followee)
            summary.follows += 1
        report("follows", i + 1, len(user_ids))


async def _posts(session: AsyncSession, rng: random.Random, user_ids: list[uuid.UUID], product_ids: list[uuid.UUID],
                 summary: SeedSummary, report: Progress) -> list[uuid.UUID]:
    post_ids = []
    for i, author in enumerate(user_ids):
        creator = i < max(3, len(user_ids) // 10)  # the most-followed accounts post the most
        for _ in range(rng.randint(2, 5) if creator else rng.randint(0, 2)):
            tags = " ".join(f"#{t}" for t in rng.sample(HASHTAGS, k=rng.randint(1, 3)))
            tagged = rng.sample(product_ids, k=rng.randint(0, 3))
            images = [_img(rng, "post") for _ in range(rng.randint(1, 3))]
            card = await content.create_post(session, author_id=author, data=PostCreate(
                text=f"{rng.choice(['Suka banget', 'Racun minggu ini', 'Review jujur', 'Look hari ini'])} {tags}",
                images=[PostImage(**img) for img in images],
                product_tags=[ProductTagIn(product_id=p, image_index=0, x=round(rng.random(), 2),
                                           y=round(rng.random(), 2)) for p in tagged]))
            post_ids.append(card.id)
            summary.posts += 1
        report("posts", i + 1, len(user_ids))
    return post_ids


async def _engagement(session: AsyncSession, rng: random.Random, user_ids: list[uuid.UUID],
                      post_ids: list[uuid.UUID], summary: SeedSummary, report: Progress) -> None:
    for i, user in enumerate(user_ids):
        for post_id in rng.sample(post_ids, k=min(len(post_ids), rng.randint(0, 8))):
            await content.like_post(session, post_id=post_id, user_id=user)
            summary.likes += 1
            if rng.random() < 0.25:
                await content.add_comment(session, post_id=post_id, user_id=user, data=CommentCreate(
                    text=rng.choice(["Cakep!", "Beli di mana kak?", "Mau dong", "Keren banget 😍", "Info harga"])))
                summary.comments += 1
        report("engagement", i + 1, len(user_ids))


async def _stock(session: AsyncSession, product_ids: list[uuid.UUID]) -> None:
    warehouse = await inventory.create_warehouse(session, data=WarehouseCreate(
        code="WH-JKT-1", name="Gudang Cakung", province="DKI Jakarta", city="Jakarta Timur"))
    for product_id in product_ids:
        detail = await catalog.get_product(session, product_id=product_id, include_unpublished=True)
        for variant in detail.variants:
            await inventory.receive(session, warehouse_id=warehouse.id, variant_id=variant.id, quantity=40)


async def _purchases(session: AsyncSession, rng: random.Random, user_ids: list[uuid.UUID],
                     product_ids: list[uuid.UUID], settings: Settings, summary: SeedSummary, report: Progress) -> None:
    """The Buyer journey for a share of the users, through the same services the API calls: cart →
    checkout → pay (test provider) → ship → courier delivers → review."""
    payment_secret, courier_secret = settings.webhook_secret("payments"), settings.webhook_secret("courier")
    buyers = user_ids[: max(2, len(user_ids) * 2 // 5)]
    for i, buyer in enumerate(buyers):
        address = await addresses.create_address(session, user_id=buyer, data=AddressCreate(
            label="Rumah", recipient=f"Pembeli {i}", phone="081234567890", province=rng.choice(PROVINCES),
            city="Kota", district="Kecamatan", postal_code=f"{rng.randrange(10000, 99999)}",
            street=f"Jl. Melati No. {rng.randrange(1, 200)}"))
        for product_id in rng.sample(product_ids, k=rng.randint(1, 2)):
            detail = await catalog.get_product(session, product_id=product_id, include_unpublished=False)
            await cart.add_item(session, user_id=buyer, data=AddItem(
                variant_id=detail.variants[0].id, quantity=rng.randint(1, 2), surface="following"))
        placed, _ = await orders.checkout(session, buyer_id=buyer, idempotency_key=f"seed-{i}", data=CheckoutIn(
            address_id=address.id, shipping=ShippingChoice(courier="test", service=rng.choice(["regular", "express"])),
            payment_method=rng.choice(["bank_va", "ewallet", "card"])), reservation_ttl_s=settings.reservation_ttl_s)
        summary.orders += len(placed["orders"])
        if rng.random() < 0.85:
            intent_id = uuid.UUID(placed["payment_intent_id"])
            await payments.pay(session, intent_id=intent_id, buyer_id=buyer, method=None, scenario="success",
                               secret=payment_secret)
            # What the worker's payment.succeeded consumer does (it finds nothing left to do later).
            await orders.mark_checkout_paid(session, checkout_id=uuid.UUID(placed["checkout_id"]),
                                            payment_secret=payment_secret)
            for order in placed["orders"]:
                if rng.random() < 0.7:
                    shipped = await orders.ship(session, order_id=uuid.UUID(order["id"]), tracking_number=None)
                    if rng.random() < 0.8:
                        for _ in range(3):
                            await shipping.advance_test_shipment(session, shipment_id=uuid.UUID(shipped.tracking["id"]),
                                                                 secret=courier_secret)
                        await orders.mark_delivered(session, order_id=uuid.UUID(order["id"]))
                        summary.delivered += 1
                        if rng.random() < 0.7:
                            item = order["items"][0]
                            await reviews.create_review(session, buyer_id=buyer, data=ReviewIn(
                                order_item_id=item["id"], rating=rng.choice([3, 4, 4, 5, 5, 5]),
                                text=rng.choice(["Sesuai foto", "Pengiriman cepat", "Bahannya bagus", "Mantap!"])))
                            summary.reviews += 1
        report("orders", i + 1, len(buyers))
