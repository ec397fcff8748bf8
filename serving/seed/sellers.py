"""Sellers stage: the marketplace side of the window, through the services the seller and admin
endpoints call.

- **Onboarding.** A few percent of people (creators more often) apply to sell some days after
  signing up; the demo admin works the queue in office hours (Monday–Saturday, 09:00–18:00 WIB),
  approving most applications and rejecting some with a reason; about half of the rejected fix
  their details and apply again. Applications from the last day or so are still pending at the end,
  so the admin's queue has work in it and the onboarding rate has a daily and weekly series.
- **Shops.** An approved seller opens a warehouse and lists products over the following weeks:
  draft (stocked in their own warehouse) → submitted → reviewed by the admin (approved, or rejected
  with a reason and often fixed and resubmitted); a few drafts are never submitted. Live products
  join the world with their seller, so posts tag them and people buy them (the commerce stage
  fulfils those orders through the seller fulfilment services). Sellers restock what runs low.
- **Payouts.** On their usual weekday, most sellers with a worthwhile available balance ask for
  all of it; the admin approves within a working day or so and marks it paid with a bank reference
  the next; a few are rejected with a reason (the money returns to the balance). The balance is the
  ledger's, brought up to date first (`ctx.worker`), as the worker would have kept it.

Some demo accounts have a fixed story (`DEMO_SELLERS`): demo_sari runs the demo shop.
"""

from __future__ import annotations

import math
import random
import re
from datetime import datetime, timedelta

from commerce.catalog import service as catalog
from commerce.catalog.schemas import ProductUpdate
from commerce.inventory import service as inventory
from commerce.payouts import service as payouts
from commerce.sellers import service as sellers
from commerce.sellers import stock
from commerce.sellers.identity import BANKS
from commerce.sellers.schemas import PayoutAccountIn, SellerApply, WarehouseIn
from serving.seed.catalog import LOW_STOCK, product_data, remember_product
from serving.seed.core import WIB, Day, ScheduledStage, SeedContext, office_hours
from serving.seed.sessions import CartIntent
from serving.seed.vocab import CITIES, LEAVES, SURNAMES
from serving.seed.world import Person, Shop

SELLER_SHARE = 0.028  # of ordinary people apply to sell at some point; creators CREATOR_PULL times as often
CREATOR_PULL = 3.0
APPLY_AFTER_DAYS = 6.0  # median time from signing up to applying
REJECT_SHARE = 0.22
REAPPLY_SHARE = 0.55
FIRST_LISTINGS = (1, 2)
LISTING_EVERY_DAYS = 24.0  # mean days between a shop's next products after the first ones
GOES_QUIET = 0.3  # chance a shop stops listing after each new product
DRAFT_LEFT = 0.06
PRODUCT_REJECT_SHARE = 0.12
FIX_AND_RESUBMIT = 0.65
RESTOCKS = 0.75  # chance a seller notices low stock on a restock day
PAYOUT_DILIGENCE = 0.7
PAYOUT_WORTH_ASKING = 50_000  # IDR; below this sellers let it grow
PAYOUT_REJECT_SHARE = 0.04

# Demo accounts with a fixed seller story, applying this far into the window (None: right after
# signing up; negative: this long before its end).
DEMO_SELLERS = {"sari": ("approved", None), "hana": ("approved", 0.3), "joko": ("reapplied", 0.12),
                "eko": ("rejected", 0.45), "tono": ("pending", -0.25)}

DEMO_SHOP = "demo_sari"
DEMO_SHOP_BUYERS = ("demo_ayu", "demo_citra", "demo_dewi", "demo_indra")  # its regulars
REGULAR_ORDERS_PER_DAY = 0.4

SHOP_WORDS = (("Toko", "Rumah", "Galeri", "Warung", "Kedai", "Butik", "Pojok", "Lapak"),
              ("Seruni", "Melati", "Nusantara", "Kenanga", "Cempaka", "Lestari", "Mentari", "Pelangi", "Senja",
               "Bambu", "Rempah", "Kirana", "Sekar", "Arunika", "Padi"))
# Province → the two-digit code a NIK issued there starts with.
PROVINCE_CODES = {"DKI Jakarta": 31, "Jawa Barat": 32, "Jawa Tengah": 33, "DI Yogyakarta": 34, "Jawa Timur": 35,
                  "Banten": 36, "Bali": 51, "Sumatera Utara": 12, "Sumatera Selatan": 16, "Sulawesi Selatan": 73,
                  "Kalimantan Timur": 64}
APPLICATION_REJECTIONS = ("Foto KTP tidak terbaca", "Nama pemilik rekening berbeda dengan nama di KTP",
                          "NIK tidak cocok dengan data Dukcapil", "Deskripsi toko belum menjelaskan produk yang dijual")
PRODUCT_REJECTIONS = ("Foto produk buram", "Deskripsi kurang lengkap: cantumkan bahan dan ukuran",
                      "Harga tidak wajar dibanding produk sejenis", "Foto mengandung watermark toko lain")
PAYOUT_REJECTIONS = ("Nama pemilik rekening tidak sesuai", "Rekening tujuan tidak aktif")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _nik(rng: random.Random, province: str) -> str:
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    return (f"{PROVINCE_CODES[province]:02d}{rng.randint(1, 20):02d}{rng.randint(1, 20):02d}"
            f"{day:02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}{rng.randint(1, 9999):04d}")


class SellersStage(ScheduledStage):
    name = "sellers"

    def __init__(self) -> None:
        super().__init__()
        self.applications: dict[int, SellerApply] = {}  # by shop index

    def detail(self, ctx: SeedContext) -> str:
        s = ctx.summary.sellers
        return f"{s['applications']:,} applications · {s['approvals']:,} approved · {s['products listed']:,} listed"

    # --- who will sell, and when ---------------------------------------------------------------------

    async def setup(self, ctx: SeedContext) -> None:
        rng = ctx.rng(self.name)
        world = ctx.world
        span = ctx.end - ctx.start
        for person in world.people:
            first = person.username.removeprefix("demo_")
            story = DEMO_SELLERS.get(first) if person.demo else None
            if story is not None:
                fraction = story[1]
                applied = (person.registered_at + _hours(rng, 1, 4) if fraction is None
                           else ctx.start + span * fraction if fraction >= 0 else ctx.end + span * fraction / 10)
            elif not person.demo and rng.random() < SELLER_SHARE * (CREATOR_PULL if person.creator else 1):
                applied = person.registered_at + timedelta(
                    days=max(0.02, rng.lognormvariate(math.log(APPLY_AFTER_DAYS), 1.0)))
            else:
                continue
            applied = max(applied, person.registered_at + timedelta(minutes=20))
            if applied >= ctx.end:
                continue
            niche = max(range(len(LEAVES)), key=lambda leaf: (person.taste[leaf], -leaf))
            name = (f"Toko {first.title()}" if person.demo
                    else f"{rng.choice(SHOP_WORDS[0])} {rng.choice(SHOP_WORDS[1])}")
            shop = Shop(index=len(world.shops), person=person.index, niche=niche,
                        payout_weekday=rng.choice((0, 1, 2, 3, 4, 4, 5)), name=name,
                        handle=_slug(name) if person.demo else _slug(f"{name} {person.username}")[:30].strip("-"),
                        story=story[0] if story else None)
            world.shops.append(shop)
            person.shop = shop.index
            self.applications[shop.index] = self._application(rng, person, shop)
            self.schedule(applied, "apply", shop)

    def _application(self, rng: random.Random, person: Person, shop: Shop) -> SellerApply:
        province, city = rng.choice([c for c in CITIES if c[0] in PROVINCE_CODES])
        given = re.split(r"[._\d]", person.username.removeprefix("demo_"))[0].title()
        legal = f"{given} {rng.choice(SURNAMES).title()}"
        company = rng.random() < 0.15
        return SellerApply(
            shop_name=shop.name, handle=shop.handle, province=province, city=city,
            description=f"{shop.name}: {LEAVES[shop.niche].name.lower()} pilihan, dikirim dari {city}.",
            business_type="company" if company else "individual",
            legal_name=f"CV {shop.name}" if company else legal, nik=None if company else _nik(rng, province),
            npwp=f"{rng.randrange(10**14, 10**15):015d}" if company or rng.random() < 0.3 else None,
            payout_account=PayoutAccountIn(bank_code=rng.choice(sorted(BANKS)),
                                           account_number=f"{rng.randrange(10**9, 10**10)}", holder_name=legal))

    async def day(self, ctx: SeedContext, day: Day) -> None:
        rng = ctx.rng(self.name)
        for shop in ctx.world.shops:
            diligence = 1.0 if shop.story else PAYOUT_DILIGENCE  # the demo shops are on top of their money
            if shop.warehouse_id is not None and day.weekday == shop.payout_weekday and rng.random() < diligence:
                evening = day.start.astimezone(WIB).replace(hour=19, minute=0, second=0, microsecond=0)
                self.schedule(evening + _hours(rng, 0, 3), "ask_for_payout", shop)
        if day.index % 3 == 1:
            await self.restock(ctx, rng, day)
        self.regulars(ctx, rng, day)
        await self.run_due(ctx, day.end)

    def regulars(self, ctx: SeedContext, rng: random.Random, day: Day) -> None:
        """The demo shop's regulars (demo accounts) order from it every few days, and each of them in
        the window's last hours, so it has a steady trade, a balance to pay out and orders to fulfil
        when the demo starts (the commerce stage buys them as it buys everything)."""
        world = ctx.world
        owner = next((p for p in world.people if p.username == DEMO_SHOP), None)
        shop = world.shops[owner.shop] if owner is not None and owner.shop is not None else None
        live = [p for p in shop.products if world.products[p].live_at < day.start] if shop is not None else []
        buyers = [p for p in world.people if p.username in DEMO_SHOP_BUYERS and p.id is not None]
        if not live or not buyers:
            return
        if day.index == len(ctx.days) - 1:
            orders = [(person, ctx.moment_in(max(day.start, ctx.end - timedelta(hours=5)),
                                             ctx.end - timedelta(minutes=40), rng)) for person in buyers]
        elif rng.random() < REGULAR_ORDERS_PER_DAY:
            orders = [(rng.choice(buyers), ctx.local_time(day, rng))]
        else:
            return
        for person, at in orders:
            product = world.products[rng.choice(live)]
            if at is not None:
                world.cart_intents.append(CartIntent(
                    at=at, person=person.index, product=product.index, variant=rng.randrange(len(product.variants)),
                    quantity=1, post=None, surface="profile", story="kept"))

    async def finish(self, ctx: SeedContext) -> None:
        await super().finish(ctx)
        ctx.summary.sellers.update(f"now {shop.status}" for shop in ctx.world.shops if shop.status != "planned")

    # --- onboarding ----------------------------------------------------------------------------------

    async def apply(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop) -> None:
        person = ctx.world.people[shop.person]
        await sellers.apply(ctx.session, user_id=person.id, data=self.applications[shop.index])
        again = shop.status == "rejected"
        shop.status = "pending"
        ctx.summary.sellers["reapplications" if again else "applications"] += 1
        if shop.story == "pending":
            return  # still in the queue when the window ends
        self.schedule(office_hours(at + _hours(rng, 1, 30), rng), "review_application", shop, again)

    async def review_application(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop,
                                 again: bool) -> None:
        seller_id = ctx.world.people[shop.person].id
        if shop.story in ("approved", "rejected"):
            rejected = shop.story == "rejected"
        elif shop.story == "reapplied":
            rejected = not again
        else:
            rejected = rng.random() < (REJECT_SHARE / 3 if again else REJECT_SHARE)
        if rejected:
            await sellers.reject(ctx.session, seller_id=seller_id, reviewer_id=ctx.world.admin_id,
                                 reason=rng.choice(APPLICATION_REJECTIONS))
            shop.status = "rejected"
            ctx.summary.sellers["rejections"] += 1
            if shop.story == "reapplied" or (shop.story is None and not again and rng.random() < REAPPLY_SHARE):
                self.applications[shop.index] = self.applications[shop.index].model_copy(
                    update={"description": f"{self.applications[shop.index].description} Data sudah diperbaiki."})
                self.schedule(at + timedelta(days=rng.uniform(1, 10)), "apply", shop)
            return
        await sellers.approve(ctx.session, seller_id=seller_id, reviewer_id=ctx.world.admin_id)
        shop.status, shop.approved_at = "approved", at
        ctx.world.shop_of[str(seller_id)] = shop.index
        ctx.summary.sellers["approvals"] += 1
        self.schedule(at + _hours(rng, 0.5, 30), "open_shop", shop)

    # --- the shop's catalogue ------------------------------------------------------------------------

    async def open_shop(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop) -> None:
        application = self.applications[shop.index]
        warehouse = await stock.create_warehouse(ctx.session, seller_id=ctx.world.people[shop.person].id,
                                                 data=WarehouseIn(code=f"SL-{shop.index:05d}",
                                                                  name=f"Gudang {shop.name}",
                                                                  province=application.province,
                                                                  city=application.city))
        shop.warehouse_id = warehouse.id
        first = FIRST_LISTINGS[1] + 1 if shop.story == "approved" else rng.randint(*FIRST_LISTINGS)
        for _ in range(first):
            self.schedule(at + _hours(rng, 0.2, 72), "list_product", shop, False)
        self.schedule(at + timedelta(days=rng.expovariate(1 / LISTING_EVERY_DAYS)), "list_product", shop, True)

    async def list_product(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop,
                           keeps_going: bool) -> None:
        """A draft, stocked right away in the shop's warehouse; usually submitted within the day."""
        person = ctx.world.people[shop.person]
        leaf = shop.niche if rng.random() < 0.75 else rng.choices(range(len(LEAVES)), weights=person.taste)[0]
        data, name, price = product_data(ctx, rng, leaf, f"S{shop.index:04d}{shop.listed:02d}", shop_name=shop.name)
        shop.listed += 1
        if keeps_going and rng.random() >= GOES_QUIET:
            self.schedule(at + timedelta(days=rng.expovariate(1 / LISTING_EVERY_DAYS)), "list_product", shop, True)
        draft = await catalog.create_product(ctx.session, data=data, seller_id=person.id)
        ctx.summary.sellers["products listed"] += 1
        with ctx.at(at + timedelta(minutes=rng.uniform(2, 20))):
            for variant in draft.variants:
                await stock.receive(ctx.session, seller_id=person.id, warehouse_id=shop.warehouse_id,
                                    variant_id=variant.id, quantity=rng.randrange(8, 60))
        if rng.random() < DRAFT_LEFT:
            ctx.summary.sellers["drafts left"] += 1
            return
        item = (draft.id, leaf, name, price)
        self.schedule(at + _hours(rng, 0.2, 20), "submit_product", shop, item)

    async def submit_product(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop,
                             item: tuple) -> None:
        await catalog.submit_product(ctx.session, product_id=item[0], owner=ctx.world.people[shop.person].id)
        self.schedule(office_hours(at + _hours(rng, 0.5, 20), rng), "review_product", shop, item, False)

    async def review_product(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop, item: tuple,
                             resubmitted: bool) -> None:
        product_id, leaf, name, price = item
        if not resubmitted and rng.random() < PRODUCT_REJECT_SHARE:
            await catalog.reject_product(ctx.session, product_id=product_id, reason=rng.choice(PRODUCT_REJECTIONS),
                                         reviewer_id=ctx.world.admin_id)
            ctx.summary.sellers["products rejected"] += 1
            if rng.random() < FIX_AND_RESUBMIT:
                self.schedule(at + _hours(rng, 3, 72), "fix_product", shop, item)
            return
        detail = await catalog.approve_product(ctx.session, product_id=product_id, reviewer_id=ctx.world.admin_id)
        remember_product(ctx, rng, detail, leaf, name, price, at, seller=shop.person)
        ctx.summary.sellers["products live"] += 1

    async def fix_product(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop, item: tuple) -> None:
        """Editing a rejected product reopens it as a draft; the seller submits it again."""
        owner = ctx.world.people[shop.person].id
        current = await catalog.get_product(ctx.session, product_id=item[0], owner=owner)
        await catalog.update_product(ctx.session, product_id=item[0], owner=owner, data=ProductUpdate(
            description=f"{current.description} Bahan, ukuran dan isi paket sudah dilengkapi."))
        with ctx.at(at + timedelta(minutes=rng.uniform(5, 90))):
            await catalog.submit_product(ctx.session, product_id=item[0], owner=owner)
        self.schedule(office_hours(at + _hours(rng, 2, 20), rng), "review_product", shop, item, True)

    async def restock(self, ctx: SeedContext, rng: random.Random, day: Day) -> None:
        products = ctx.world.products
        variants = [v for shop in ctx.world.shops for p in shop.products for v, _ in products[p].variants]
        if not variants:
            return
        available = await inventory.availability(ctx.session, variant_ids=variants)
        for shop in ctx.world.shops:
            low = [v for p in shop.products for v, _ in products[p].variants if available.get(v, 0) < LOW_STOCK]
            if not low or rng.random() >= RESTOCKS:
                continue
            with ctx.at(min(day.end, day.start + _hours(rng, 9, 17))):  # 09:00–17:00 WIB
                for variant in low:
                    await stock.receive(ctx.session, seller_id=ctx.world.people[shop.person].id,
                                        warehouse_id=shop.warehouse_id, variant_id=variant,
                                        quantity=rng.randrange(10, 50), reference=f"RESTOCK-{day.index:03d}")

    # --- payouts -------------------------------------------------------------------------------------

    async def ask_for_payout(self, ctx: SeedContext, rng: random.Random, at: datetime, shop: Shop) -> None:
        """The seller checks their balance and, when it is worth it, asks for all of it."""
        await ctx.worker.catch_up(ctx)
        seller_id = ctx.world.people[shop.person].id
        balance = await payouts.seller_balance(ctx.session, seller_id=seller_id,
                                               minimum=ctx.settings.payout_min_amount)
        await ctx.session.commit()
        if balance.available < max(PAYOUT_WORTH_ASKING, ctx.settings.payout_min_amount):
            return
        payout = await payouts.request_payout(ctx.session, seller_id=seller_id, amount=balance.available, note=None,
                                              minimum=ctx.settings.payout_min_amount)
        ctx.summary.payouts["requested"] += 1
        self.schedule(office_hours(at + _hours(rng, 2, 26), rng), "decide_payout", payout.id)

    async def decide_payout(self, ctx: SeedContext, rng: random.Random, at: datetime, payout_id) -> None:  # noqa: ANN001
        if rng.random() < PAYOUT_REJECT_SHARE:
            await payouts.reject(ctx.session, payout_id=payout_id, admin_id=ctx.world.admin_id,
                                 reason=rng.choice(PAYOUT_REJECTIONS))
            ctx.summary.payouts["rejected"] += 1
            return
        await payouts.approve(ctx.session, payout_id=payout_id, admin_id=ctx.world.admin_id)
        ctx.summary.payouts["approved"] += 1
        self.schedule(office_hours(at + _hours(rng, 1, 20), rng), "mark_paid", payout_id)

    async def mark_paid(self, ctx: SeedContext, rng: random.Random, at: datetime, payout_id) -> None:  # noqa: ANN001
        number = ctx.summary.payouts["paid"] + 1
        paid = await payouts.mark_paid(ctx.session, payout_id=payout_id, admin_id=ctx.world.admin_id,
                                       reference=f"TRF{at.astimezone(WIB):%Y%m%d}{number:05d}")
        ctx.summary.payouts["paid"] += 1
        ctx.summary.payouts["amount paid"] += paid.amount
