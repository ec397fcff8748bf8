"""Client event batches into the interaction log."""

from __future__ import annotations

from fastapi import APIRouter, status

from commerce.interactions import service as interactions
from commerce.interactions.schemas import BatchResult, EventBatch
from serving.deps import CurrentUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/interactions", tags=["interactions"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=BatchResult,
             responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM})
async def log_events(body: EventBatch, me: CurrentUser, session: SessionDep) -> BatchResult:
    """Up to 500 events per batch, all or nothing. Resent events (same `event_id`) are counted as
    duplicates, not stored twice; timestamps outside [now − 7 days, now + 5 min] are clamped."""
    return await interactions.log_client_batch(session, user_id=me.user_id, events=body.events)
