"""What the generator remembers about the marketplace it is making: people with latent tastes,
products, posts, the follow graph — by list index, so every decision is reproducible (sets and
dicts keyed by UUIDs iterate in a different order on every run)."""

from __future__ import annotations

import uuid
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(slots=True, eq=False)
class Person:
    index: int
    username: str
    registered_at: datetime
    taste: list[float]  # one weight per leaf category, summing to 1
    activity: float  # expected sessions on an ordinary day at the start of their life here
    creator: float  # 0 for most people; how much they post and how good it is for creators
    buyer: float  # propensity to buy what they like
    price_ceiling: int  # IDR above which they rarely buy
    demo: bool = False
    id: uuid.UUID | None = None
    address_id: uuid.UUID | None = None
    followees: set[int] = field(default_factory=set)
    followers: int = 0
    posts: list[int] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # posts already shown (feeds avoid repeats)
    hidden_authors: set[int] = field(default_factory=set)
    checkouts: int = 0
    shop: int | None = None  # index in World.shops once they applied to sell
    wallet: bool = False  # may have wallet money (a refund came back to it): look before checkout

    def affinity(self, leaf: int) -> float:
        """About 1 for an average category, up to ~5 for a passion, near 0 for no interest."""
        return self.taste[leaf] * len(self.taste)


@dataclass(slots=True, eq=False)
class Product:
    index: int
    id: uuid.UUID
    leaf: int
    name: str
    price: int
    variants: list[tuple[uuid.UUID, int]]  # (variant id, price)
    quality: float  # drives ratings and repeat purchase
    appeal: float  # how clickable its photos are
    live_at: datetime  # approved: taggable and purchasable from then on
    seller: int | None = None  # the owning person's index; None: sold by the platform itself


@dataclass(slots=True, eq=False)
class Shop:
    """A person's seller account, from the first application on."""

    index: int
    person: int
    niche: int  # the leaf category the shop mostly sells in
    payout_weekday: int  # the day of the week the seller usually asks for their money
    name: str = ""
    handle: str = ""
    story: str | None = None  # a demo account's fixed seller story
    status: str = "planned"  # planned → pending → approved | rejected (→ pending again)
    approved_at: datetime | None = None
    warehouse_id: uuid.UUID | None = None
    products: list[int] = field(default_factory=list)  # live products (World.products indexes)
    listed: int = 0  # drafts created, live or not
    cancels: int = 0  # orders the seller cancelled


@dataclass(slots=True, eq=False)
class Post:
    index: int
    id: uuid.UUID
    author: int
    created_at: datetime
    leaf: int
    products: list[int]
    hashtags: list[str]
    quality: float
    engagement: float = 0.0  # likes, saves and clicks so far: what "trending" ranks by


@dataclass
class World:
    people: list[Person] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    products_by_leaf: list[list[int]] = field(default_factory=list)
    posts_by_leaf: list[list[int]] = field(default_factory=list)
    posts_by_hashtag: dict[str, list[int]] = field(default_factory=dict)
    registered: list[int] = field(default_factory=list)  # people with an account, in sign-up order
    # Preferential attachment: each person appears once per follower (plus once on sign-up), so a
    # uniform draw from this list picks people in proportion to their popularity.
    attachment: list[int] = field(default_factory=list)
    post_times: list[datetime] = field(default_factory=list)  # created_at of posts, in creation order
    cart_intents: list = field(default_factory=list)  # handed from the sessions to the commerce stage
    shops: list[Shop] = field(default_factory=list)
    shop_of: dict[str, int] = field(default_factory=dict)  # approved seller's user id (str) → shop index
    admin_id: uuid.UUID | None = None  # the demo admin: verifies sellers, reviews products, pays out
    category_ids: list[uuid.UUID] = field(default_factory=list)  # by leaf index
    brand_ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def recent_posts(self, before: datetime, days: float, limit: int | None = None) -> range:
        """Indexes of posts created in the DAYS before BEFORE (posts are made in time order)."""
        low = bisect_left(self.post_times, before - timedelta(days=days))
        high = bisect_left(self.post_times, before)
        if limit is not None:
            low = max(low, high - limit)
        return range(low, high)

    def add_follow(self, follower: Person, followee: Person) -> bool:
        if followee.index in follower.followees or follower is followee:
            return False
        follower.followees.add(followee.index)
        followee.followers += 1
        self.attachment.append(followee.index)
        return True

    def add_product(self, product: Product) -> None:
        self.products.append(product)
        self.products_by_leaf[product.leaf].append(product.index)
        if product.seller is not None:
            self.shops[self.people[product.seller].shop].products.append(product.index)

    def live_products(self, leaf: int, at: datetime) -> list[int]:
        return [i for i in self.products_by_leaf[leaf] if self.products[i].live_at <= at]
