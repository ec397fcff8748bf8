"""Commerce stage: the buyer journey after the tap — cart (with the post and surface that led there),
checkout (with the wallet, when a refund left money in it), payment with the test provider,
fulfilment, the test courier, delivery, completion, reviews — and everything that goes wrong on the
way: abandoned carts, failed and never-made payments (the hold expires), cancellations by the buyer
or the seller, refunds (to the wallet, or back to the card or e-wallet).

Platform orders are shipped by the admin; a seller's orders go through the seller fulfilment
services: accepted, packed and handed to the courier with a tracking number in the shop's office
hours, or cancelled by the seller with a reason. Each step is scheduled at its own simulated moment
and run through the same services the API and the worker call (the worker's consumers' steps — paid
on `payment.succeeded`, delivered on `shipment.delivered`, expiry, auto-completion — are run here at
the moment the worker would have; when the real worker later sees those events it finds nothing left
to do).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from commerce.addresses import service as addresses
from commerce.addresses.schemas import AddressCreate
from commerce.cart import service as cart
from commerce.cart.schemas import AddItem
from commerce.inventory import service as inventory
from commerce.ledger import service as ledger
from commerce.orders import fulfilment
from commerce.orders import service as orders
from commerce.orders.schemas import CheckoutIn, ShippingChoice
from commerce.payments import service as payments
from commerce.reviews import service as reviews
from commerce.reviews.schemas import ReviewIn
from commerce.shipping import service as shipping
from serving.seed.core import WIB, Day, ScheduledStage, SeedContext, office_hours
from serving.seed.sessions import CartIntent
from serving.seed.vocab import CANCEL_REASONS, CITIES, REVIEWS, SELLER_CANCEL_REASONS, STREETS
from serving.seed.world import Person

PAY_OUTCOMES = (("success", 0.84), ("failure", 0.04), ("pending_then_success", 0.05), ("never", 0.07))
METHODS = (("bank_va", 0.35), ("ewallet", 0.45), ("card", 0.2))
CANCEL_SHARE = 0.04
SELLER_CANCEL_SHARE = 0.04
REFUND_SHARE = 0.035
TO_ORIGINAL = 0.35  # refunds of card and e-wallet payments sent back there instead of to the wallet
SPENDS_WALLET = 0.75  # people with wallet money who use it at their next checkout
KEEPS_WALLET = {"demo_budi"}  # the demo buyer whose refund stays in the wallet, to show a balance
# Each demo account's first order tells one story, so the demo shows every way an order ends.
DEMO_STORIES = ("kept", "refunded", "cancelled", "expired")


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*table, strict=True)
    return rng.choices(names, weights=weights)[0]


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


class CommerceStage(ScheduledStage):
    name = "commerce"

    def __init__(self) -> None:
        super().__init__()
        self.pending_checkout: set[int] = set()
        self.product_index: dict[uuid.UUID, int] = {}
        self.stories: dict[int, str] = {}  # person → the story of their next checkout
        self.parcels = 0

    def detail(self, ctx: SeedContext) -> str:
        s = ctx.summary
        return f"{s.carts:,} carts · {s.orders:,} orders · {s.delivered:,} delivered"

    async def day(self, ctx: SeedContext, day: Day) -> None:
        self.refund_story(ctx, ctx.rng(self.name), day)
        for intent in ctx.world.cart_intents:
            self.schedule(intent.at, "add_to_cart", intent)
        ctx.world.cart_intents = []
        await self.run_due(ctx, day.end)
        with ctx.at(day.end):  # the worker's periodic job
            while await orders.auto_complete(ctx.session, older_than=timedelta(days=ctx.settings.auto_complete_days)):
                pass

    def refund_story(self, ctx: SeedContext, rng: random.Random, day: Day) -> None:
        """Who keeps their refund in the wallet buys something within hours of signing up, and it will
        be refunded: the demo always has a buyer with a wallet balance."""
        world = ctx.world
        for person in (p for p in world.people if p.username in KEEPS_WALLET):
            if person.id is None or person.index in self.stories or person.checkouts:
                continue
            at = max(day.start, person.registered_at) + _hours(rng, 1, 6)
            live = [p.index for p in world.products if p.live_at <= at and p.seller != person.index]
            if at < day.end and live:
                world.cart_intents.append(CartIntent(at=at, person=person.index, product=rng.choice(live), variant=0,
                                                     quantity=1, post=None, surface="explore", story="refunded"))
                self.stories[person.index] = "refunded"

    # --- cart and checkout -------------------------------------------------------------------------

    async def add_to_cart(self, ctx: SeedContext, rng: random.Random, at: datetime, intent) -> None:  # noqa: ANN001
        world = ctx.world
        person = world.people[intent.person]
        product = world.products[intent.product]
        post = world.posts[intent.post] if intent.post is not None else None
        if product.seller == person.index:
            return  # a seller browsing their own shop
        await cart.add_item(ctx.session, user_id=person.id, data=AddItem(
            variant_id=product.variants[intent.variant][0], quantity=intent.quantity,
            post_id=post.id if post else None, surface=intent.surface))
        ctx.summary.carts += 1
        if intent.story is not None:
            self.stories[person.index] = intent.story
            self.schedule(at + timedelta(minutes=rng.uniform(2, 10)), "checkout", person.index)
            return
        if person.index in self.pending_checkout:
            return
        if rng.random() < 0.12 + 0.4 * person.buyer:  # most carts are abandoned
            delay = timedelta(minutes=rng.uniform(2, 40)) if rng.random() < 0.7 else _hours(rng, 1, 48)
            self.pending_checkout.add(person.index)
            self.schedule(at + delay, "checkout", person.index)
        elif rng.random() < 0.3:  # thinks better of it
            variant_id = product.variants[intent.variant][0]
            self.schedule(at + _hours(rng, 2, 96), "remove_from_cart", person.index, variant_id)

    async def remove_from_cart(self, ctx: SeedContext, rng: random.Random, at: datetime, person: int,
                               variant_id: uuid.UUID) -> None:
        await cart.remove_item(ctx.session, user_id=ctx.world.people[person].id, variant_id=variant_id)

    async def _address(self, ctx: SeedContext, rng: random.Random, person: Person) -> uuid.UUID:
        if person.address_id is None:
            province, city = rng.choice(CITIES)
            person.address_id = (await addresses.create_address(ctx.session, user_id=person.id, data=AddressCreate(
                label="Rumah", recipient=person.username.replace("_", " ").replace(".", " ").title(),
                phone=f"08{rng.randrange(10**9, 10**10)}", province=province, city=city,
                district=f"Kecamatan {rng.choice(('Utara', 'Selatan', 'Barat', 'Timur', 'Tengah'))}",
                postal_code=f"{rng.randrange(10000, 99999)}",
                street=f"{rng.choice(STREETS)} No. {rng.randrange(1, 250)}"))).id
        return person.address_id

    async def _spend_wallet(self, ctx: SeedContext, rng: random.Random, person: Person) -> bool:
        """Whether this checkout uses the wallet: when a refund left money there, usually yes."""
        if not person.wallet or person.username in KEEPS_WALLET or rng.random() >= SPENDS_WALLET:
            return False
        await ctx.worker.catch_up(ctx)  # the refund's credit is booked by the ledger consumer
        balance = (await ledger.balances(ctx.session, owner_id=person.id, kinds=["wallet"]))["wallet"]
        await ctx.session.commit()
        person.wallet = balance > 0
        return person.wallet

    async def checkout(self, ctx: SeedContext, rng: random.Random, at: datetime, index: int) -> None:
        self.pending_checkout.discard(index)
        person = ctx.world.people[index]
        address_id = await self._address(ctx, rng, person)
        person.checkouts += 1
        method = _pick(rng, METHODS)
        placed, _ = await orders.checkout(ctx.session, buyer_id=person.id, idempotency_key=f"seed-{person.checkouts}",
                                          data=CheckoutIn(address_id=address_id, shipping=ShippingChoice(
                                              courier="test", service="express" if rng.random() < 0.3 else "regular"),
                                              payment_method=method,
                                              use_wallet=await self._spend_wallet(ctx, rng, person)),
                                          reservation_ttl_s=ctx.settings.reservation_ttl_s)
        ctx.summary.orders += len(placed["orders"])
        if placed["wallet_amount"]:
            ctx.summary.wallet_checkouts += 1
            person.wallet = False  # it took as much as the wallet held (or all the checkout needed)
        story = self.stories.pop(index, None) or (
            DEMO_STORIES[index % len(DEMO_STORIES)] if person.demo and person.checkouts == 1 else None)
        # Orders and items in an order of the world's making (the service sorts them by ids, which differ
        # between runs), so every draw about them is the same for the same seed.
        ranked = sorted(placed["orders"], key=lambda o: min(self._product(ctx, i["product_id"]) for i in o["items"]))
        placed = {"checkout_id": placed["checkout_id"], "payment_intent_id": placed["payment_intent_id"],
                  "orders": [{"id": o["id"], "buyer": index, "seller": o["seller_id"], "method": method,
                              "total": o["total"], "subtotal": o["subtotal"], "story": story,
                              "items": [{"id": i["id"], "product_id": i["product_id"]}
                                        for i in sorted(o["items"], key=lambda i: i["sku"])]}
                             for o in ranked]}
        if placed["payment_intent_id"] is None:  # the wallet paid for everything: paid already
            self.plan(ctx, rng, at, placed)
            return
        outcome = _pick(rng, PAY_OUTCOMES) if story is None else "never" if story == "expired" else "success"
        ttl = timedelta(seconds=ctx.settings.reservation_ttl_s)
        if outcome == "never":
            self.schedule(at + ttl + timedelta(seconds=30), "expire", placed)
            return
        self.schedule(at + timedelta(minutes=rng.uniform(0.5, 6)), "pay", index, placed, outcome)

    async def pay(self, ctx: SeedContext, rng: random.Random, at: datetime, index: int, placed: dict,
                  outcome: str) -> None:
        person = ctx.world.people[index]
        intent = await payments.pay(ctx.session, intent_id=uuid.UUID(placed["payment_intent_id"]), buyer_id=person.id,
                                    method=None, scenario=outcome, secret=ctx.payment_secret)
        if intent.status == "failed":
            self.schedule(at + timedelta(seconds=ctx.settings.reservation_ttl_s + 30), "expire", placed)
        elif intent.status == "processing":  # the buyer transfers to the virtual account a little later
            self.schedule(at + timedelta(minutes=rng.uniform(2, 8)), "settle", index, placed)
        else:
            await self.paid(ctx, rng, at, placed)

    async def settle(self, ctx: SeedContext, rng: random.Random, at: datetime, index: int, placed: dict) -> None:
        await payments.simulate(ctx.session, intent_id=uuid.UUID(placed["payment_intent_id"]),
                                buyer_id=ctx.world.people[index].id, outcome="success", secret=ctx.payment_secret)
        await self.paid(ctx, rng, at, placed)

    async def paid(self, ctx: SeedContext, rng: random.Random, at: datetime, placed: dict) -> None:
        """What the worker's `payment.succeeded` consumer does, then the order's future."""
        with ctx.at(at + timedelta(seconds=rng.uniform(1, 4))):
            await orders.mark_checkout_paid(ctx.session, checkout_id=uuid.UUID(placed["checkout_id"]),
                                            payment_secret=ctx.payment_secret)
        self.plan(ctx, rng, at, placed)

    def plan(self, ctx: SeedContext, rng: random.Random, at: datetime, placed: dict) -> None:
        """A paid order's future: the buyer cancels, the seller cancels, or it is fulfilled."""
        for order in placed["orders"]:
            if order["story"] == "cancelled" or (order["story"] is None and rng.random() < CANCEL_SHARE):
                self.schedule(at + _hours(rng, 0.3, 10), "cancel", order)
            elif order["seller"] is None:
                self.schedule(at + _hours(rng, 2, 30), "ship", order)
            elif order["story"] is None and self._seller_cancels(ctx, rng, order):
                self.schedule(office_hours(at + _hours(rng, 0.5, 12), rng), "seller_cancel", order)
            else:
                self.schedule(office_hours(at + _hours(rng, 0.3, 10), rng), "accept", order)

    @staticmethod
    def _seller_cancels(ctx: SeedContext, rng: random.Random, order: dict) -> bool:
        """Now and then a seller cannot fulfil (out of stock…); the demo shops once, to show it."""
        shop = ctx.world.shops[ctx.world.shop_of[order["seller"]]]
        if (shop.story is not None and shop.cancels == 0) or rng.random() < SELLER_CANCEL_SHARE:
            shop.cancels += 1
            return True
        return False

    async def expire(self, ctx: SeedContext, rng: random.Random, at: datetime, placed: dict) -> None:
        """The worker's sweep: lapsed holds go back on the shelf and their orders expire."""
        for reference in await inventory.release_expired(ctx.session):
            if await orders.expire(ctx.session, order_id=uuid.UUID(reference)):
                ctx.summary.order_outcomes["expired"] += 1

    async def cancel(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        await orders.cancel(ctx.session, order_id=uuid.UUID(order["id"]), buyer_id=self._buyer(ctx, order).id,
                            reason=rng.choice(CANCEL_REASONS), payment_secret=ctx.payment_secret,
                            refund_to=self._refund_to(rng, order))
        self._buyer(ctx, order).wallet = True
        ctx.summary.order_outcomes["cancelled"] += 1

    @staticmethod
    def _refund_to(rng: random.Random, order: dict) -> str:
        """Refunds go to the wallet unless the buyer asks for the card or e-wallet (a bank transfer
        cannot be sent back); what the wallet paid always returns there."""
        if order["story"] is not None:
            return "wallet"  # the demo's stories leave money in the buyer's wallet
        return "original" if order["method"] != "bank_va" and rng.random() < TO_ORIGINAL else "wallet"

    # --- fulfilment ---------------------------------------------------------------------------------

    async def ship(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        """The admin hands a paid platform order to the test courier (the courier numbers it)."""
        detail = await orders.ship(ctx.session, order_id=uuid.UUID(order["id"]), tracking_number=None)
        self.schedule(at + _hours(rng, 2, 12), "courier", order, uuid.UUID(detail.tracking["id"]))

    async def accept(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        await fulfilment.accept(ctx.session, seller_id=uuid.UUID(order["seller"]), order_id=uuid.UUID(order["id"]))
        self.schedule(at + _hours(rng, 0.2, 5), "pack", order)

    async def pack(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        await fulfilment.pack(ctx.session, seller_id=uuid.UUID(order["seller"]), order_id=uuid.UUID(order["id"]))
        self.schedule(office_hours(at + _hours(rng, 1, 20), rng), "hand_over", order)

    async def hand_over(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        """The seller drops the parcel at the courier's counter and enters its tracking number."""
        self.parcels += 1
        detail = await fulfilment.ship(ctx.session, seller_id=uuid.UUID(order["seller"]),
                                       order_id=uuid.UUID(order["id"]), courier=None,
                                       tracking_number=f"LKS{at.astimezone(WIB):%y%m%d}{self.parcels:06d}")
        self.schedule(at + _hours(rng, 2, 12), "courier", order, uuid.UUID(detail.tracking["id"]))

    async def seller_cancel(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        await fulfilment.cancel(ctx.session, seller_id=uuid.UUID(order["seller"]), order_id=uuid.UUID(order["id"]),
                                reason=rng.choice(SELLER_CANCEL_REASONS), payment_secret=ctx.payment_secret)
        self._buyer(ctx, order).wallet = True
        ctx.summary.order_outcomes["cancelled by the seller"] += 1

    async def courier(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict,
                      shipment_id: uuid.UUID) -> None:
        """One step of the test courier's signed webhooks: picked up → in transit → delivered."""
        moved = await shipping.advance_test_shipment(ctx.session, shipment_id=shipment_id, secret=ctx.courier_secret)
        if moved.status != "delivered":
            self.schedule(at + _hours(rng, 6, 40), "courier", order, shipment_id)
            return
        if not await orders.mark_delivered(ctx.session, order_id=uuid.UUID(order["id"])):  # the consumer's step
            return
        ctx.summary.delivered += 1
        buyer = self._buyer(ctx, order)
        if order["story"] == "refunded" or (order["story"] is None and rng.random() < REFUND_SHARE):
            self.schedule(at + _hours(rng, 12, 96), "refund", order)
        elif rng.random() < 0.45:
            self.schedule(at + _hours(rng, 6, 72), "complete", order)
        if rng.random() < (0.85 if buyer.demo else 0.38):
            self.schedule(at + _hours(rng, 8, 120), "review", order)

    async def complete(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        await orders.complete(ctx.session, order_id=uuid.UUID(order["id"]), buyer_id=self._buyer(ctx, order).id)

    async def refund(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        """Admin refund after a complaint: all of it, or the goods without the shipping fee."""
        amount = order["total"] if order["story"] or rng.random() < 0.65 else order["subtotal"]
        await orders.refund(ctx.session, order_id=uuid.UUID(order["id"]), amount=amount,
                            reason="barang tidak sesuai pesanan", payment_secret=ctx.payment_secret,
                            refund_to=self._refund_to(rng, order))
        self._buyer(ctx, order).wallet = True
        ctx.summary.order_outcomes["refunded"] += 1

    async def review(self, ctx: SeedContext, rng: random.Random, at: datetime, order: dict) -> None:
        buyer = self._buyer(ctx, order)
        for item in order["items"]:
            product = ctx.world.products[self._product(ctx, item["product_id"])]
            rating = max(1, min(5, round(1 + 4 * product.quality + rng.gauss(0, 0.7))))
            await reviews.create_review(ctx.session, buyer_id=buyer.id, data=ReviewIn(
                order_item_id=uuid.UUID(item["id"]), rating=rating, text=rng.choice(REVIEWS[rating])))
            ctx.summary.reviews += 1

    def _product(self, ctx: SeedContext, product_id: str) -> int:
        if len(self.product_index) != len(ctx.world.products):
            self.product_index = {p.id: p.index for p in ctx.world.products}
        return self.product_index[uuid.UUID(product_id)]

    def _buyer(self, ctx: SeedContext, order: dict) -> Person:
        return ctx.world.people[order["buyer"]]
