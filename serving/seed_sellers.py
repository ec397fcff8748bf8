"""Demo-data stage: sellers, their products and their fulfilled orders.

Everything goes through the services the seller and admin endpoints call — apply → verify, draft →
submit → approve (or reject), stock into the seller's own warehouse, and orders accepted, packed,
shipped, delivered and completed (or cancelled by the seller) — so the demo exercises the same rules,
events and stats as real traffic. Applications are spread over the past months (the sellers service
takes the decision time as a parameter); the rest happens now.

The demo-data generator calls `seed_sellers` after users (and ideally the catalog's categories)
exist; see the signature below.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.addresses import service as addresses
from commerce.addresses.schemas import AddressCreate
from commerce.cart import service as cart
from commerce.cart.schemas import AddItem
from commerce.catalog import service as catalog
from commerce.catalog.schemas import CategoryCreate, ImageIn, ProductCreate, VariantCreate
from commerce.core.clock import utcnow
from commerce.core.db import Database
from commerce.core.errors import DomainError
from commerce.core.settings import Settings
from commerce.orders import fulfilment
from commerce.orders import service as orders
from commerce.orders.schemas import CheckoutIn, ShippingChoice
from commerce.payments import service as payments
from commerce.reviews import service as reviews
from commerce.reviews.schemas import ReviewIn
from commerce.sellers import service as sellers
from commerce.sellers import stats, stock
from commerce.sellers.identity import BANKS
from commerce.sellers.schemas import PayoutAccountIn, SellerApply, WarehouseIn
from commerce.shipping import service as shipping
from commerce.users import service as users

Progress = Callable[[str, int, int], None]

# Province → the two-digit code a NIK of someone registered there starts with.
PROVINCE_CODES = {"DKI Jakarta": 31, "Jawa Barat": 32, "Jawa Tengah": 33, "DI Yogyakarta": 34, "Jawa Timur": 35,
                  "Banten": 36, "Bali": 51, "Sumatera Utara": 12, "Sulawesi Selatan": 73, "Kalimantan Timur": 64}
CITIES = {"DKI Jakarta": "Jakarta Selatan", "Jawa Barat": "Bandung", "Jawa Tengah": "Semarang",
          "DI Yogyakarta": "Yogyakarta", "Jawa Timur": "Surabaya", "Banten": "Tangerang", "Bali": "Denpasar",
          "Sumatera Utara": "Medan", "Sulawesi Selatan": "Makassar", "Kalimantan Timur": "Balikpapan"}
SHOP_WORDS = (["Toko", "Rumah", "Galeri", "Warung", "Kedai", "Butik"],
              ["Seruni", "Melati", "Nusantara", "Kenanga", "Cempaka", "Lestari", "Mentari", "Pelangi", "Senja"])
# Category name → products a small Indonesian shop would list there.
PRODUCTS = {
    "Fashion": ["Kemeja Batik Tulis", "Kain Tenun Ikat", "Hijab Voal Motif", "Tas Anyaman Pandan", "Sandal Kulit"],
    "Kecantikan": ["Lulur Rempah", "Minyak Kemiri", "Sabun Sereh Wangi", "Masker Bengkoang"],
    "Rumah": ["Keranjang Rotan", "Taplak Batik", "Cobek Batu", "Lampu Bambu", "Tatakan Gelas Kayu"],
    "Makanan": ["Kopi Gayo Bubuk", "Sambal Roa", "Keripik Tempe", "Dodol Garut", "Teh Tubruk"],
}
REJECTIONS = ["Foto KTP tidak terbaca", "Nama rekening berbeda dengan nama pemilik", "NIK tidak valid di Dukcapil"]
PRODUCT_REJECTIONS = ["Foto produk buram", "Deskripsi kurang lengkap", "Produk termasuk barang terlarang"]
REVIEW_TEXTS = ["Kualitas mantap", "Sesuai foto", "Pengiriman cepat, penjual ramah", "Bagus, akan beli lagi"]


@dataclass
class SellerSeedSummary:
    applications: int = 0
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    products: int = 0
    products_live: int = 0
    orders: int = 0
    shipped: int = 0
    completed: int = 0
    cancelled: int = 0
    reviews: int = 0
    seller_ids: list[uuid.UUID] = field(default_factory=list)


def _nik(rng: random.Random, province: str) -> str:
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    return (f"{PROVINCE_CODES[province]:02d}{rng.randint(1, 20):02d}{rng.randint(1, 20):02d}"
            f"{day:02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}{rng.randint(1, 999):04d}")


def _application(rng: random.Random, username: str, index: int) -> SellerApply:
    province = rng.choice(list(PROVINCE_CODES))
    name = f"{rng.choice(SHOP_WORDS[0])} {rng.choice(SHOP_WORDS[1])}"
    legal = username.removeprefix("demo_").replace("_", " ").title() + " " + rng.choice(["Saputra", "Lestari",
                                                                                          "Wijaya", "Rahayu"])
    company = rng.random() < 0.2
    return SellerApply(
        shop_name=name, handle=f"{name.lower().replace(' ', '-')}-{index}", province=province, city=CITIES[province],
        description=f"{name}: produk lokal pilihan dari {CITIES[province]}.",
        business_type="company" if company else "individual", legal_name=("PT " if company else "") + legal,
        nik=None if company else _nik(rng, province),
        npwp=f"{rng.randrange(10**14, 10**15):015d}" if company or rng.random() < 0.3 else None,
        payout_account=PayoutAccountIn(bank_code=rng.choice(sorted(BANKS)),
                                       account_number=f"{rng.randrange(10**9, 10**10)}", holder_name=legal))


async def _categories(session: AsyncSession) -> dict[str, uuid.UUID]:
    """Leaf categories by their root's name, creating the demo roots the catalog does not have."""
    tree = {node.name: node for node in await catalog.category_tree(session)}
    found: dict[str, uuid.UUID] = {}
    for root in PRODUCTS:
        node = tree.get(root)
        if node is None:
            found[root] = (await catalog.create_category(session, data=CategoryCreate(name=root))).id
        else:
            leaf = node
            while leaf.children:
                leaf = leaf.children[0]
            found[root] = leaf.id
    return found


async def seed_sellers(db: Database, rng: random.Random, progress: Progress, *, user_ids: Sequence[uuid.UUID],
                       buyer_ids: Sequence[uuid.UUID] | None = None, admin_id: uuid.UUID | None = None,
                       settings: Settings | None = None, seller_share: float = 0.25, history_days: int = 180,
                       now: datetime | None = None) -> SellerSeedSummary:
    """Turn a share of `user_ids` into sellers and give them a working shop.

    - `seller_share` of the users apply, at times spread over the last `history_days`: about 70 %
      are approved (some after a rejection and a second application), 15 % rejected, 15 % pending.
    - Approved sellers list 2-5 products each through draft → submit → approve; about one in ten is
      rejected with a reason and a few stay in review or draft. Live products get stock in the
      seller's own warehouse.
    - Two thirds of `buyer_ids` (default: the users who did not become sellers) place 1-3 orders
      each for those products, paid with the test provider; the sellers
      accept, pack and ship through the fulfilment services, the test courier delivers, most buyers
      confirm (and many review), a few orders are cancelled by the seller before shipping, and some
      stay at each earlier step so the seller order lists have work in them.
    - `admin_id` is recorded as the verifier (None: no reviewer id). Seller stats are refreshed at the
      end, so the shop pages show figures before the worker has run.
    """
    settings = settings or Settings()
    now = now or utcnow()
    summary = SellerSeedSummary()
    candidates = rng.sample(list(user_ids), k=min(len(user_ids), max(3, round(len(user_ids) * seller_share))))
    async with db.session() as session:
        approved = await _onboard(session, rng, candidates, admin_id, now, history_days, summary, progress)
        live = await _shops(session, rng, approved, admin_id, summary, progress)
        chosen = set(candidates)
        buyers = list(buyer_ids) if buyer_ids is not None else [u for u in user_ids if u not in chosen]
        await _orders(session, rng, buyers, live, settings, summary, progress)
        await stats.refresh_all(session, seller_ids=approved)
    summary.seller_ids = approved
    return summary


async def _onboard(session: AsyncSession, rng: random.Random, candidates: list[uuid.UUID], admin_id: uuid.UUID | None,
                   now: datetime, history_days: int, summary: SellerSeedSummary, progress: Progress) -> list[uuid.UUID]:
    cards = await users.author_cards(session, user_ids=candidates)
    reviewer = admin_id
    approved = []
    for i, user_id in enumerate(candidates):
        applied_at = now - timedelta(days=rng.uniform(1, history_days))
        username = cards[user_id].username if user_id in cards else f"seller{i}"
        try:
            await sellers.apply(session, user_id=user_id, data=_application(rng, username, i), now=applied_at)
        except DomainError:  # already a seller (a re-run over the same users)
            await session.rollback()
            continue
        summary.applications += 1
        decided_at = min(now, applied_at + timedelta(hours=rng.uniform(2, 96)))
        roll = rng.random()
        if roll < 0.15:
            summary.pending += 1
        elif roll < 0.35:
            await sellers.reject(session, seller_id=user_id, reviewer_id=reviewer, reason=rng.choice(REJECTIONS),
                                 now=decided_at)
            if roll < 0.25 and decided_at + timedelta(days=2) < now:  # applied again, fixed, approved
                again = min(now, decided_at + timedelta(days=rng.uniform(1, 10)))
                await sellers.apply(session, user_id=user_id, data=_application(rng, username, i), now=again)
                await sellers.approve(session, seller_id=user_id, reviewer_id=reviewer,
                                      now=min(now, again + timedelta(hours=rng.uniform(2, 48))))
                approved.append(user_id)
            else:
                summary.rejected += 1
        else:
            await sellers.approve(session, seller_id=user_id, reviewer_id=reviewer, now=decided_at)
            approved.append(user_id)
        progress("sellers", i + 1, len(candidates))
    summary.approved = len(approved)
    return approved


async def _shops(session: AsyncSession, rng: random.Random, seller_ids: list[uuid.UUID], admin_id: uuid.UUID | None,
                 summary: SellerSeedSummary, progress: Progress) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Products through the review flow, and stock for the live ones. Returns (seller, variant)."""
    categories = await _categories(session)
    reviewer = admin_id
    live: list[tuple[uuid.UUID, uuid.UUID]] = []
    for i, seller_id in enumerate(seller_ids):
        shop = await sellers.get_own(session, user_id=seller_id)
        warehouse = await stock.create_warehouse(session, seller_id=seller_id, data=WarehouseIn(
            code=f"SL-{seller_id.hex[:10].upper()}", name=f"Gudang {shop.shop_name}", province=shop.province,
            city=shop.city))
        for n in range(rng.randint(2, 5)):
            root = rng.choice(list(PRODUCTS))
            name = f"{rng.choice(PRODUCTS[root])} {shop.shop_name.split()[-1]}"
            price = rng.randrange(15, 600) * 1000
            variants = [VariantCreate(sku=f"SL-{seller_id.hex[:8].upper()}-{n}-{k}", attributes={"varian": label},
                                      price=price + k * 5_000, weight_grams=rng.randrange(150, 1500))
                        for k, label in enumerate(rng.sample(["Kecil", "Sedang", "Besar"], k=rng.randint(1, 3)))]
            product = await catalog.create_product(session, seller_id=seller_id, data=ProductCreate(
                name=name, description=f"{name} buatan tangan, dikirim dari {shop.city}.",
                category_id=categories[root], variants=variants,
                images=[ImageIn(url=f"https://img.lakoo.id/seller/{rng.randrange(10**8):08d}.jpg", width=1080,
                                height=1080)]))
            summary.products += 1
            roll = rng.random()
            if roll < 0.05:
                continue  # still a draft
            await catalog.submit_product(session, product_id=product.id, owner=seller_id)
            if roll < 0.12:
                continue  # waiting in the review queue
            if roll < 0.22:
                await catalog.reject_product(session, product_id=product.id, reason=rng.choice(PRODUCT_REJECTIONS),
                                             reviewer_id=reviewer)
                continue
            approved = await catalog.approve_product(session, product_id=product.id, reviewer_id=reviewer)
            summary.products_live += 1
            for variant in approved.variants:
                await stock.receive(session, seller_id=seller_id, warehouse_id=warehouse.id, variant_id=variant.id,
                                    quantity=rng.randint(20, 60))
                live.append((seller_id, variant.id))
        progress("seller products", i + 1, len(seller_ids))
    return live


async def _orders(session: AsyncSession, rng: random.Random, buyers: list[uuid.UUID],
                  live: list[tuple[uuid.UUID, uuid.UUID]], settings: Settings, summary: SellerSeedSummary,
                  progress: Progress) -> None:
    if not live or not buyers:
        return
    shoppers = rng.sample(buyers, k=min(len(buyers), max(2, len(buyers) * 2 // 3)))
    for i, buyer in enumerate(shoppers):
        try:
            address = await addresses.create_address(session, user_id=buyer, data=AddressCreate(
                label="Rumah", recipient=f"Pembeli {i}", phone="081234567890",
                province=rng.choice(list(PROVINCE_CODES)), city="Kota", district="Kecamatan",
                postal_code=f"{rng.randrange(10000, 99999)}", street=f"Jl. Kenanga No. {rng.randrange(1, 200)}"))
        except DomainError:  # an address book that is full
            await session.rollback()
            continue
        for k in range(rng.randint(1, 3)):
            await _order(session, rng, buyer, address.id, rng.choice(live)[1], f"seed-sellers-{i}-{k}", settings,
                         summary)
        progress("seller orders", i + 1, len(shoppers))


async def _order(session: AsyncSession, rng: random.Random, buyer: uuid.UUID, address_id: uuid.UUID,
                 variant_id: uuid.UUID, key: str, settings: Settings, summary: SellerSeedSummary) -> None:
    payment_secret, courier_secret = settings.webhook_secret("payments"), settings.webhook_secret("courier")
    try:
        await cart.add_item(session, user_id=buyer, data=AddItem(variant_id=variant_id, quantity=rng.randint(1, 2),
                                                                 surface="explore"))
        placed, _ = await orders.checkout(session, buyer_id=buyer, idempotency_key=key, data=CheckoutIn(
            address_id=address_id, shipping=ShippingChoice(courier="test", service=rng.choice(["regular", "express"])),
            payment_method=rng.choice(["bank_va", "ewallet", "card"])), reservation_ttl_s=settings.reservation_ttl_s)
    except DomainError:  # sold out, or a stale line in the cart: this shopper leaves
        await session.rollback()
        return
    summary.orders += len(placed["orders"])
    await payments.pay(session, intent_id=uuid.UUID(placed["payment_intent_id"]), buyer_id=buyer, method=None,
                       scenario="success", secret=payment_secret)
    # What the worker's payment.succeeded consumer does (it finds nothing left to do later).
    await orders.mark_checkout_paid(session, checkout_id=uuid.UUID(placed["checkout_id"]),
                                    payment_secret=payment_secret)
    for order in placed["orders"]:
        if order["seller_id"] is None:
            continue  # a platform product left in the buyer's cart by an earlier stage
        await _fulfil(session, rng, buyer, order, payment_secret, courier_secret, summary)


async def _fulfil(session: AsyncSession, rng: random.Random, buyer: uuid.UUID, order: dict, payment_secret: str,
                  courier_secret: str, summary: SellerSeedSummary) -> None:
    """Walk one paid order as far as a random point of the seller's and the buyer's journey."""
    order_id, seller_id = uuid.UUID(order["id"]), uuid.UUID(order["seller_id"])
    roll = rng.random()
    if roll < 0.1:
        return  # paid, waiting for the seller to accept
    if roll < 0.15:
        await fulfilment.cancel(session, seller_id=seller_id, order_id=order_id, payment_secret=payment_secret,
                                reason=rng.choice(["Stok habis", "Barang rusak saat pengecekan"]))
        summary.cancelled += 1
        return
    await fulfilment.accept(session, seller_id=seller_id, order_id=order_id)
    if roll < 0.22:
        return
    await fulfilment.pack(session, seller_id=seller_id, order_id=order_id)
    if roll < 0.27:
        return
    shipped = await fulfilment.ship(session, seller_id=seller_id, order_id=order_id, courier=None,
                                    tracking_number=None)
    summary.shipped += 1
    if roll < 0.35 or shipped.tracking is None:
        return
    for _ in range(3):
        await shipping.advance_test_shipment(session, shipment_id=uuid.UUID(shipped.tracking["id"]),
                                             secret=courier_secret)
    await orders.mark_delivered(session, order_id=order_id)  # what the shipment.delivered consumer does
    if roll < 0.45:
        return
    await orders.complete(session, order_id=order_id, buyer_id=buyer)
    summary.completed += 1
    if rng.random() < 0.7:
        await reviews.create_review(session, buyer_id=buyer, data=ReviewIn(
            order_item_id=order["items"][0]["id"], rating=rng.choice([3, 4, 4, 5, 5, 5]),
            text=rng.choice(REVIEW_TEXTS)))
        summary.reviews += 1
