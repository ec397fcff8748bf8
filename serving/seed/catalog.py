"""Catalog stage: categories, brands and the platform's own products (`seller_id=None`: created,
submitted and approved by the demo admin through the catalog service), their stock in two
warehouses, launches during the window and restocks when shelves run low. Marketplace sellers list
the rest of the catalogue as they join (serving/seed/sellers.py), with the same product builder."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from commerce.catalog import service as catalog
from commerce.catalog.schemas import (
    BrandCreate,
    CategoryCreate,
    ImageIn,
    ProductCreate,
    ProductDetail,
    VariantCreate,
)
from commerce.inventory import service as inventory
from commerce.inventory.schemas import WarehouseCreate
from serving.seed.core import Day, SeedContext, Stage
from serving.seed.people import ensure_admin
from serving.seed.vocab import LEAVES
from serving.seed.world import Product

WAREHOUSES = (("WH-JKT-1", "Gudang Cakung", "DKI Jakarta", "Jakarta Timur"),
              ("WH-SBY-1", "Gudang Rungkut", "Jawa Timur", "Surabaya"))
LAUNCHED_LATER = 0.2  # share of products that go live during the window rather than before it
LOW_STOCK = 8
FIRST_PARTY_SHARE = 0.4  # of `product_count`: the platform's own shelf at launch; sellers add more


def product_count(users: int) -> int:
    return max(len(LEAVES) * 3, min(3000, users // 15))


def first_party_count(users: int) -> int:
    """Every leaf gets at least three products of the platform's own, so feeds have something to tag
    on day one, before the first sellers are verified."""
    return max(len(LEAVES) * 3, round(product_count(users) * FIRST_PARTY_SHARE))


def image(rng: random.Random, kind: str) -> dict:
    return {"url": f"https://img.lakoo.id/{kind}/{rng.randrange(10**8):08d}.jpg",
            "width": 1080, "height": rng.choice([1080, 1350, 1440])}


def product_data(ctx: SeedContext, rng: random.Random, leaf_index: int, sku: str,
                 shop_name: str | None = None) -> tuple[ProductCreate, str, int]:
    """A product of the leaf: (what to create, its name, its base price). A shop (SHOP_NAME) sells a
    local brand or, one time in three, something of its own making under its own name."""
    leaf = LEAVES[leaf_index]
    base = rng.choice(leaf.products)
    brand = rng.choice(leaf.brands)
    if shop_name is not None and rng.random() < 1 / 3:
        brand, name, description = None, f"{base} {shop_name}", f"{base} buatan {shop_name}, dikemas dengan rapi."
    else:
        name, description = f"{brand} {base}", f"{base} dari {brand}. Produk lokal pilihan komunitas LAKOO."
    price = rng.randrange(leaf.price[0], leaf.price[1] + 1) * 1000
    attribute, values = leaf.options
    chosen = sorted(rng.sample(range(len(values)), k=rng.randint(1, min(3, len(values)))))
    stem = re.sub(r"[^A-Z0-9]", "", base.upper())[:10] or "ITEM"
    variants = [VariantCreate(sku=f"{stem}-{sku}-{i}", attributes={attribute: values[v]},
                              price=price + (i * rng.choice([0, 5000, 10000])),
                              weight_grams=rng.randrange(leaf.weight[0], leaf.weight[1] + 1))
                for i, v in enumerate(chosen)]
    data = ProductCreate(name=name, description=description, category_id=ctx.world.category_ids[leaf_index],
                         brand_id=ctx.world.brand_ids[brand] if brand else None, variants=variants,
                         images=[ImageIn(**image(rng, "product")) for _ in range(rng.randint(1, 4))])
    return data, name, price


def remember_product(ctx: SeedContext, rng: random.Random, detail: ProductDetail, leaf_index: int, name: str,
                     price: int, live_at: datetime, seller: int | None = None) -> Product:
    """A live product joins the world: feeds may tag it and people buy it from LIVE_AT on."""
    product = Product(index=len(ctx.world.products), id=detail.id, leaf=leaf_index, name=name, price=price,
                      variants=[(v.id, v.price) for v in detail.variants], quality=rng.betavariate(5, 1.6),
                      appeal=rng.lognormvariate(0, 0.35), live_at=live_at, seller=seller)
    ctx.world.add_product(product)
    ctx.summary.products += 1
    return product


class CatalogStage(Stage):
    name = "catalog"

    def __init__(self) -> None:
        self.warehouse_ids: list = []
        self.launches: dict[int, list[tuple[int, int]]] = {}  # day → (product number, leaf)

    def detail(self, ctx: SeedContext) -> str:
        return f"{ctx.summary.products:,} products"

    async def setup(self, ctx: SeedContext) -> None:
        rng = ctx.rng(self.name)
        session = ctx.session
        world = ctx.world
        world.products_by_leaf = [[] for _ in LEAVES]
        await ensure_admin(ctx, ctx.start - timedelta(days=7, hours=2))
        with ctx.at(ctx.start - timedelta(days=7)):
            parents = {}
            for leaf in LEAVES:
                if leaf.parent not in parents:
                    parents[leaf.parent] = (await catalog.create_category(
                        session, data=CategoryCreate(name=leaf.parent))).id
                world.category_ids.append((await catalog.create_category(
                    session, data=CategoryCreate(name=leaf.name, parent_id=parents[leaf.parent]))).id)
                for brand in leaf.brands:
                    if brand not in world.brand_ids:
                        world.brand_ids[brand] = (await catalog.create_brand(session, data=BrandCreate(name=brand))).id
            for code, name, province, city in WAREHOUSES:
                self.warehouse_ids.append((await inventory.create_warehouse(session, data=WarehouseCreate(
                    code=code, name=name, province=province, city=city))).id)
        total = first_party_count(ctx.options.users)
        # Every leaf gets products in proportion to a popularity draw, at least three.
        weights = [rng.uniform(0.6, 1.6) for _ in LEAVES]
        leaves = [i for i in range(len(LEAVES)) for _ in range(3)]
        leaves += rng.choices(range(len(LEAVES)), weights=weights, k=total - len(leaves))
        for number, leaf in enumerate(leaves):
            if rng.random() < LAUNCHED_LATER and len(ctx.days) > 2:
                self.launches.setdefault(rng.randrange(1, len(ctx.days)), []).append((number, leaf))
            else:
                moment = ctx.start - timedelta(days=rng.uniform(1, 6))
                await self.launch(ctx, rng, number, leaf, moment)

    async def day(self, ctx: SeedContext, day: Day) -> None:
        rng = ctx.rng(self.name)
        for number, leaf in self.launches.get(day.index, []):
            await self.launch(ctx, rng, number, leaf, ctx.moment_in(day.start, day.end, rng))
        if day.index % 3 == 2:
            await self.restock(ctx, rng, day)

    async def launch(self, ctx: SeedContext, rng: random.Random, number: int, leaf_index: int,
                     moment: datetime) -> None:
        """Create, submit and approve one product, then receive its first stock."""
        data, name, price = product_data(ctx, rng, leaf_index, f"{number:04d}")
        detail, approved_at = await self.create_product(ctx, rng, data, moment)
        with ctx.at(approved_at):
            for variant in detail.variants:
                await inventory.receive(ctx.session, warehouse_id=rng.choice(self.warehouse_ids),
                                        variant_id=variant.id, quantity=rng.randrange(30, 160))
        remember_product(ctx, rng, detail, leaf_index, name, price, approved_at)

    async def create_product(self, ctx: SeedContext, rng: random.Random, data: ProductCreate,
                             moment: datetime) -> tuple[ProductDetail, datetime]:
        """Draft at MOMENT, submitted within hours, approved by the admin about a day later:
        (product, approved at). The hook to override for a catalogue made some other way."""
        with ctx.at(moment):
            detail = await catalog.create_product(ctx.session, data=data)
        with ctx.at(moment + timedelta(hours=rng.uniform(0.5, 20))):
            await catalog.submit_product(ctx.session, product_id=detail.id)
        approved_at = min(ctx.end, moment + timedelta(hours=rng.uniform(21, 30)))
        with ctx.at(approved_at):
            await catalog.approve_product(ctx.session, product_id=detail.id, reviewer_id=ctx.world.admin_id)
        return detail, approved_at

    async def restock(self, ctx: SeedContext, rng: random.Random, day: Day) -> None:
        """The buyer team tops up whatever of the platform's own is running low, in the warehouse's
        working hours (sellers restock their own)."""
        variants = [variant for product in ctx.world.products if product.seller is None
                    for variant, _ in product.variants]
        available = await inventory.availability(ctx.session, variant_ids=variants)
        low = [v for v in variants if available.get(v, 0) < LOW_STOCK]
        if not low:
            return
        with ctx.at(min(day.end, day.start + timedelta(hours=3))):  # 10:00 WIB
            for variant in low:
                await inventory.receive(ctx.session, warehouse_id=rng.choice(self.warehouse_ids), variant_id=variant,
                                        quantity=rng.randrange(40, 200), reference=f"PO-{day.index:03d}")
