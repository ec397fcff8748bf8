"""Seller balances and payouts: /api/sellers/me/balance|entries, /api/payouts, /api/admin/payouts."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from commerce.core.pagination import Page
from commerce.ledger.schemas import EntryOut
from commerce.payouts import service as payouts
from commerce.payouts.schemas import MarkPaidIn, PayoutOut, PayoutRequest, PayoutStatus, RejectIn, SellerBalance
from serving.deps import AdminUser, CurrentUser, Cursor, Limit, SellerUser, SessionDep, SettingsDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["payouts"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}
SellerAccount = Annotated[Literal["available", "pending", "payout"] | None,
                          Query(description="one account only; default: all three")]


@router.get("/api/sellers/me/balance", response_model=SellerBalance, responses=ERRORS,
            summary="My seller balance")
async def my_balance(me: SellerUser, session: SessionDep, settings: SettingsDep) -> SellerBalance:
    """Available (withdrawable), pending (paid orders in escrow until they complete, minus the
    platform commission when they do) and in payout."""
    return await payouts.seller_balance(session, seller_id=me.user_id, minimum=settings.payout_min_amount)


@router.get("/api/sellers/me/entries", response_model=Page[EntryOut], responses=ERRORS,
            summary="My seller statement")
async def my_entries(me: SellerUser, session: SessionDep, account: SellerAccount = None, cursor: Cursor = None,
                     limit: Limit = 20) -> Page[EntryOut]:
    """Every movement of the seller's money, newest first, + in and - out, with the balance after."""
    return await payouts.seller_entries(session, seller_id=me.user_id, account=account, cursor=cursor, limit=limit)


@router.post("/api/payouts", status_code=status.HTTP_201_CREATED, response_model=PayoutOut, responses=ERRORS,
             summary="Request a payout")
async def request_payout(body: PayoutRequest, me: SellerUser, session: SessionDep,
                         settings: SettingsDep) -> PayoutOut:
    """Reserves `amount` from the available balance at once (422 `insufficient_balance` when it
    does not cover it, `payout_below_minimum` under the minimum). The transfer goes to the bank
    account on the seller's profile once an admin approves and pays it."""
    return await payouts.request_payout(session, seller_id=me.user_id, amount=body.amount, note=body.note,
                                        minimum=settings.payout_min_amount)


@router.get("/api/payouts", response_model=Page[PayoutOut], responses=ERRORS, summary="My payouts")
async def my_payouts(me: SellerUser, session: SessionDep, status: PayoutStatus | None = None, cursor: Cursor = None,
                     limit: Limit = 20) -> Page[PayoutOut]:
    return await payouts.list_payouts(session, seller_id=me.user_id, status=status, cursor=cursor, limit=limit)


@router.get("/api/payouts/{payout_id}", response_model=PayoutOut, responses=ERRORS, summary="One payout")
async def get_payout(payout_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> PayoutOut:
    """The seller's own (anyone else's is 404); admins see every payout."""
    return await payouts.get_payout(session, payout_id=payout_id,
                                    seller_id=None if "admin" in me.roles else me.user_id)


@router.post("/api/payouts/{payout_id}/cancel", response_model=PayoutOut, responses=ERRORS,
             summary="Cancel my payout request")
async def cancel_payout(payout_id: uuid.UUID, me: SellerUser, session: SessionDep) -> PayoutOut:
    """Only while it is `requested`; the amount returns to the available balance."""
    return await payouts.cancel(session, payout_id=payout_id, seller_id=me.user_id)


@router.get("/api/admin/payouts", response_model=Page[PayoutOut], responses=ERRORS, summary="Payout queue")
async def queue(admin: AdminUser, session: SessionDep, status: PayoutStatus | None = "requested",
                cursor: Cursor = None, limit: Limit = 20) -> Page[PayoutOut]:
    """Oldest first; `status` defaults to `requested` (the approval queue); `approved` is the
    transfer queue."""
    return await payouts.list_payouts(session, seller_id=None, status=status, cursor=cursor, limit=limit,
                                      oldest_first=True)


@router.post("/api/admin/payouts/{payout_id}/approve", response_model=PayoutOut, responses=ERRORS,
             summary="Approve a payout")
async def approve(payout_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> PayoutOut:
    return await payouts.approve(session, payout_id=payout_id, admin_id=admin.user_id)


@router.post("/api/admin/payouts/{payout_id}/reject", response_model=PayoutOut, responses=ERRORS,
             summary="Reject a payout")
async def reject(payout_id: uuid.UUID, body: RejectIn, admin: AdminUser, session: SessionDep) -> PayoutOut:
    """While requested or approved; the amount returns to the seller's available balance."""
    return await payouts.reject(session, payout_id=payout_id, admin_id=admin.user_id, reason=body.reason)


@router.post("/api/admin/payouts/{payout_id}/mark-paid", response_model=PayoutOut, responses=ERRORS,
             summary="Mark a payout paid")
async def mark_paid(payout_id: uuid.UUID, body: MarkPaidIn, admin: AdminUser, session: SessionDep) -> PayoutOut:
    """After the bank transfer: approved → paid with the transfer's reference; a reference that
    already paid another payout is 409 `bank_reference_taken`."""
    return await payouts.mark_paid(session, payout_id=payout_id, admin_id=admin.user_id, reference=body.reference)
