"""/api/wallet and the admin's wallet and ledger views."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from commerce.ledger import service as ledger
from commerce.ledger.schemas import JournalOut, TrialBalance
from commerce.wallet import service as wallet
from commerce.wallet.schemas import GoodwillIn, GoodwillOut, WalletOut
from serving.deps import AdminUser, CurrentUser, Cursor, Limit, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["wallet and ledger"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM}


@router.get("/api/wallet", response_model=WalletOut, responses=ERRORS, summary="My wallet: balance and entries")
async def get_wallet(me: CurrentUser, session: SessionDep, cursor: Cursor = None, limit: Limit = 20) -> WalletOut:
    """The buyer's LAKOO wallet. Refunds land here by default; spend it at checkout with
    `wallet_amount` or `use_wallet`. Entries are newest first with the balance after each."""
    return await wallet.get_wallet(session, user_id=me.user_id, cursor=cursor, limit=limit)


@router.post("/api/admin/wallets/{user_id}/goodwill", status_code=status.HTTP_201_CREATED,
             response_model=GoodwillOut, responses=ERRORS, summary="Credit a buyer's wallet (support)")
async def grant_goodwill(user_id: uuid.UUID, body: GoodwillIn, admin: AdminUser, session: SessionDep) -> GoodwillOut:
    """A goodwill credit booked as platform expense; the buyer gets `wallet.credited`."""
    return await wallet.grant_goodwill(session, user_id=user_id, amount=body.amount, reason=body.reason,
                                       granted_by=admin.user_id)


@router.get("/api/admin/ledger/trial-balance", response_model=TrialBalance, responses=ERRORS,
            summary="Trial balance: proof the books balance")
async def trial_balance(admin: AdminUser, session: SessionDep) -> TrialBalance:
    """Debits and credits per account kind summed from every entry; `balanced` is true when they
    are equal, no journal is unbalanced and every cached balance equals its entries. Reads the
    whole ledger: an audit tool, not a dashboard."""
    return await ledger.trial_balance(session)


@router.get("/api/admin/ledger/journals", response_model=list[JournalOut], responses=ERRORS,
            summary="Journals about one order, checkout, payout or refund")
async def journals(reference: str, admin: AdminUser, session: SessionDep) -> list[JournalOut]:
    """`?reference=<order id | checkout id | payout id>`: every movement of its money, oldest first."""
    return await ledger.journals(session, reference=reference[:100])
