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

from commerce.auth import service as auth
from commerce.catalog import service as catalog
from commerce.catalog.schemas import BrandCreate, CategoryCreate, ImageIn, ProductCreate, VariantCreate
from commerce.content import service as content
from commerce.content.schemas import CommentCreate, PostCreate, ProductTagIn
from commerce.content.schemas import ImageIn as PostImage
from commerce.core.db import Database
from commerce.core.errors import Conflict
from commerce.social import service as social
from commerce.users import service as users

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
    skipped: bool = False


Progress = Callable[[str, int, int], None]


def _img(rng: random.Random, kind: str) -> dict:
    return {"url": f"https://img.lakoo.id/{kind}/{rng.randrange(10**8):08d}.jpg",
            "width": 1080, "height": rng.choice([1080, 1350, 1440])}


async def seed_demo(db: Database, *, users_count: int = 60, seed: int = 7,
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
