"""Seller onboarding and the public shop.

    (none) ──apply──▶ pending ──approve──▶ approved        (grants the `seller` role)
                        │  ▲
                        │  └──── apply again ────┐
                        └──reject (reason)──▶ rejected

Each use case owns its transaction and writes its event (`seller.applied|approved|rejected`) and a
`seller_review` history row in the same commit. The applicant's bank account number is stored once,
for payouts, and every response shows only its last four digits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.auth import service as auth
from commerce.catalog import service as catalog
from commerce.catalog.schemas import ProductQuery, ProductSummary
from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.db import violated_constraint
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.sellers import events
from commerce.sellers.errors import (
    AlreadySeller,
    ApplicationNotPending,
    ApplicationPending,
    HandleTaken,
    NotASeller,
    SelfVerificationForbidden,
    SellerNotFound,
    ShopNotFound,
)
from commerce.sellers.identity import BANKS, mask
from commerce.sellers.models import Seller, SellerReview, SellerStats
from commerce.sellers.schemas import (
    ApplicationOut,
    ApplicationSummary,
    DecisionOut,
    PayoutAccountIn,
    PayoutAccountOut,
    SellerApply,
    SellerOut,
    SellerStatsOut,
    SellerUpdate,
    ShopPage,
    ShopStats,
)
from commerce.sellers.stats import ensure_stats_row
from commerce.users import service as users

IDENTITY_FIELDS = ("business_type", "legal_name", "nik", "npwp", "nib")


@dataclass(frozen=True)
class PayoutAccount:
    """The unmasked account, for the payout use case only; never serialised by any endpoint."""

    seller_id: uuid.UUID
    bank_code: str
    bank_name: str
    account_number: str
    holder_name: str


# --- output -------------------------------------------------------------------------------------

def _payout_out(seller: Seller) -> PayoutAccountOut:
    return PayoutAccountOut(bank_code=seller.payout_bank_code, bank_name=BANKS.get(seller.payout_bank_code, ""),
                            account_number_masked=mask(seller.payout_account_last4) or "",
                            holder_name=seller.payout_account_holder)


def _seller_out(seller: Seller) -> SellerOut:
    return SellerOut(
        user_id=seller.user_id, status=seller.status, shop_name=seller.shop_name, handle=seller.handle,
        description=seller.description, province=seller.province, city=seller.city,
        business_type=seller.business_type, legal_name=seller.legal_name, nik_masked=mask(seller.nik),
        npwp_masked=mask(seller.npwp), nib=seller.nib, payout_account=_payout_out(seller),
        rejection_reason=seller.rejection_reason, applied_at=seller.applied_at, reviewed_at=seller.reviewed_at,
        approved_at=seller.approved_at, created_at=seller.created_at, updated_at=seller.updated_at,
    )


async def _application_out(session: AsyncSession, seller: Seller) -> ApplicationOut:
    history = await session.scalars(select(SellerReview).where(SellerReview.seller_id == seller.user_id)
                                    .order_by(SellerReview.id))
    cards = await users.author_cards(session, user_ids=[seller.user_id])
    return ApplicationOut(**_seller_out(seller).model_dump(), nik=seller.nik, npwp=seller.npwp,
                          username=cards[seller.user_id].username if seller.user_id in cards else None,
                          history=[DecisionOut.model_validate(h) for h in history])


def _set_payout(seller: Seller, account: PayoutAccountIn) -> None:
    seller.payout_bank_code = account.bank_code
    seller.payout_account_number = account.account_number
    seller.payout_account_last4 = account.account_number[-4:]
    seller.payout_account_holder = account.holder_name


def _record(session: AsyncSession, seller: Seller, decision: str, at: datetime, *, reason: str | None = None,
            reviewer_id: uuid.UUID | None = None) -> None:
    session.add(SellerReview(seller_id=seller.user_id, decision=decision, reason=reason, reviewer_id=reviewer_id,
                             at=at))


async def _commit(session: AsyncSession) -> None:
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        constraint = violated_constraint(exc)
        if constraint == "uq_seller_handle":
            raise HandleTaken() from exc
        if constraint == "pk_seller":
            raise ApplicationPending() from exc  # a concurrent first application by the same user
        raise


async def _locked(session: AsyncSession, user_id: uuid.UUID) -> Seller | None:
    return await session.scalar(select(Seller).where(Seller.user_id == user_id).with_for_update()
                                .execution_options(populate_existing=True))


# --- the applicant ------------------------------------------------------------------------------

async def apply(session: AsyncSession, *, user_id: uuid.UUID, data: SellerApply,
                now: datetime | None = None) -> SellerOut:
    """A first application, or a new one after a rejection (which replaces the rejected details).
    `now` lets the demo generator spread applications over past months."""
    now = now or utcnow()
    existing = await _locked(session, user_id)
    if existing is not None and existing.status == "pending":
        raise ApplicationPending()
    if existing is not None and existing.status != "rejected":
        raise AlreadySeller()
    holder = await session.scalar(select(Seller.user_id).where(Seller.handle == data.handle))
    if holder is not None and holder != user_id:
        raise HandleTaken(f"the handle {data.handle!r} is taken", handle=data.handle)
    seller = existing or Seller(user_id=user_id, created_at=now)
    for field in ("shop_name", "handle", "description", "province", "city", *IDENTITY_FIELDS):
        setattr(seller, field, getattr(data, field))
    _set_payout(seller, data.payout_account)
    seller.status, seller.rejection_reason = "pending", None
    seller.applied_at, seller.updated_at = now, now
    seller.reviewed_at = seller.reviewed_by = seller.approved_at = None
    if existing is None:
        session.add(seller)
        await session.flush()
    _record(session, seller, "applied", now)
    outbox.publish(session, events.SELLER_APPLIED, events.seller_applied(seller, reapplication=existing is not None))
    await _commit(session)
    return _seller_out(seller)


async def get_own(session: AsyncSession, *, user_id: uuid.UUID) -> SellerOut:
    seller = await session.get(Seller, user_id)
    if seller is None:
        raise SellerNotFound("you have not applied to sell yet")
    return _seller_out(seller)


async def update_own(session: AsyncSession, *, user_id: uuid.UUID, data: SellerUpdate) -> SellerOut:
    """Shop details and the payout account of an approved seller."""
    seller = await _locked(session, user_id)
    if seller is None or seller.status != "approved":
        raise NotASeller()
    changes = data.model_dump(exclude_unset=True, exclude={"payout_account"})
    for field, value in changes.items():
        setattr(seller, field, value)
    if data.payout_account is not None:
        _set_payout(seller, data.payout_account)
    seller.updated_at = utcnow()
    await _commit(session)
    return _seller_out(seller)


async def require_approved(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """The gate of every seller endpoint: the sellers table, not the token's roles, decides — a role
    in a token outlives a change for up to the token's lifetime."""
    status = await session.scalar(select(Seller.status).where(Seller.user_id == user_id))
    if status != "approved":
        raise NotASeller()


async def is_approved(session: AsyncSession, *, user_id: uuid.UUID) -> bool:
    return await session.scalar(select(Seller.status).where(Seller.user_id == user_id)) == "approved"


async def payout_account(session: AsyncSession, *, seller_id: uuid.UUID) -> PayoutAccount:
    """For the payout use case (ledger): where the money goes. Never return this from an endpoint."""
    seller = await session.get(Seller, seller_id)
    if seller is None:
        raise SellerNotFound()
    return PayoutAccount(seller_id=seller.user_id, bank_code=seller.payout_bank_code,
                         bank_name=BANKS.get(seller.payout_bank_code, ""),
                         account_number=seller.payout_account_number, holder_name=seller.payout_account_holder)


# --- the verifiers (admins) ---------------------------------------------------------------------

async def list_applications(session: AsyncSession, *, status: str | None, cursor: str | None,
                            limit: int = 20) -> Page[ApplicationSummary]:
    """Oldest application first, so the queue is worked in the order people applied."""
    query = select(Seller)
    if status is not None:
        query = query.where(Seller.status == status)
    after = decode_time_id(cursor)
    if after is not None:
        query = query.where(tuple_(Seller.applied_at, Seller.user_id) > after)
    rows = list(await session.scalars(query.order_by(Seller.applied_at, Seller.user_id).limit(limit + 1)))
    page = rows[:limit]
    cards = await users.author_cards(session, user_ids=[s.user_id for s in page])
    items = [ApplicationSummary(
        user_id=s.user_id, username=cards[s.user_id].username if s.user_id in cards else None, status=s.status,
        shop_name=s.shop_name, handle=s.handle, business_type=s.business_type, legal_name=s.legal_name,
        province=s.province, applied_at=s.applied_at, reviewed_at=s.reviewed_at,
        rejection_reason=s.rejection_reason) for s in page]
    return Page[ApplicationSummary](items=items, next_cursor=next_time_id_cursor(
        rows, limit, key=lambda s: (s.applied_at, s.user_id)))


async def get_application(session: AsyncSession, *, seller_id: uuid.UUID) -> ApplicationOut:
    seller = await session.get(Seller, seller_id)
    if seller is None:
        raise SellerNotFound()
    return await _application_out(session, seller)


async def _pending(session: AsyncSession, seller_id: uuid.UUID, reviewer_id: uuid.UUID | None) -> Seller:
    if reviewer_id is not None and seller_id == reviewer_id:
        raise SelfVerificationForbidden()
    seller = await _locked(session, seller_id)
    if seller is None:
        raise SellerNotFound()
    if seller.status != "pending":
        raise ApplicationNotPending(f"the application is {seller.status}", seller_status=seller.status)
    return seller


async def approve(session: AsyncSession, *, seller_id: uuid.UUID, reviewer_id: uuid.UUID | None,
                  now: datetime | None = None) -> ApplicationOut:
    """pending → approved: the shop opens, the user gets the `seller` role (in their next token).
    `reviewer_id` is the verifying admin (None only for system jobs such as the demo generator)."""
    seller = await _pending(session, seller_id, reviewer_id)
    now = now or utcnow()
    seller.status, seller.reviewed_at, seller.reviewed_by, seller.updated_at = "approved", now, reviewer_id, now
    seller.approved_at = seller.approved_at or now
    _record(session, seller, "approved", now, reviewer_id=reviewer_id)
    await auth.grant_role(session, user_id=seller_id, role="seller", granted_by=reviewer_id, commit=False)
    await ensure_stats_row(session, seller_id=seller_id)
    outbox.publish(session, events.SELLER_APPROVED, events.seller_approved(seller))
    await _commit(session)
    return await _application_out(session, seller)


async def reject(session: AsyncSession, *, seller_id: uuid.UUID, reviewer_id: uuid.UUID | None, reason: str,
                 now: datetime | None = None) -> ApplicationOut:
    """pending → rejected with a reason the applicant sees; they may apply again."""
    seller = await _pending(session, seller_id, reviewer_id)
    now = now or utcnow()
    seller.status, seller.reviewed_at, seller.reviewed_by, seller.updated_at = "rejected", now, reviewer_id, now
    seller.rejection_reason = reason
    _record(session, seller, "rejected", now, reason=reason, reviewer_id=reviewer_id)
    outbox.publish(session, events.SELLER_REJECTED, events.seller_rejected(seller))
    await _commit(session)
    return await _application_out(session, seller)


# --- public shop and stats ----------------------------------------------------------------------

async def _approved_shop(session: AsyncSession, *, handle: str | None = None,
                         seller_id: uuid.UUID | None = None) -> Seller:
    if seller_id is not None:
        seller = await session.get(Seller, seller_id)
    else:
        seller = await session.scalar(select(Seller).where(Seller.handle == (handle or "").lower()))
    if seller is None or seller.status != "approved":
        raise ShopNotFound()
    return seller


async def shop_products(session: AsyncSession, *, handle: str, cursor: str | None,
                        limit: int = 20) -> Page[ProductSummary]:
    seller = await _approved_shop(session, handle=handle)
    return await catalog.list_products(session, params=ProductQuery(seller_id=seller.user_id, sort="newest",
                                                                    cursor=cursor, limit=limit))


async def shop(session: AsyncSession, *, handle: str | None = None, seller_id: uuid.UUID | None = None,
               limit: int = 20) -> ShopPage:
    """The public page of an approved shop, by handle or by the seller id a product carries: who it
    is, its figures and its first page of products."""
    seller = await _approved_shop(session, handle=handle, seller_id=seller_id)
    figures = await stats(session, seller_id=seller.user_id)
    products = await catalog.list_products(session, params=ProductQuery(seller_id=seller.user_id, sort="newest",
                                                                        limit=limit))
    return ShopPage(
        seller_id=seller.user_id, handle=seller.handle, shop_name=seller.shop_name, description=seller.description,
        province=seller.province, city=seller.city, joined_at=seller.approved_at,
        stats=ShopStats(active_products=figures.active_products, orders_completed=figures.orders_completed,
                        rating_avg=figures.rating_avg, rating_count=figures.rating_count),
        products=products,
    )


async def stats(session: AsyncSession, *, seller_id: uuid.UUID) -> SellerStatsOut:
    row = await session.get(SellerStats, seller_id)
    if row is None:
        return SellerStatsOut(active_products=0, orders_paid=0, orders_to_ship=0, orders_completed=0,
                              orders_cancelled=0, gmv=0, gmv_completed=0, rating_avg=None, rating_count=0,
                              updated_at=None)
    return SellerStatsOut(
        active_products=row.active_products, orders_paid=row.orders_paid, orders_to_ship=row.orders_to_ship,
        orders_completed=row.orders_completed, orders_cancelled=row.orders_cancelled, gmv=row.gmv,
        gmv_completed=row.gmv_completed, rating_avg=row.rating_avg, rating_count=row.rating_count,
        updated_at=row.updated_at)
