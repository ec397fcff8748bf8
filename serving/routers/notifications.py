"""/api/notifications — the caller's inbox, read marks, channel preferences and push devices.

Text comes in Indonesian unless `Accept-Language` prefers English."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from commerce.core.pagination import Page
from commerce.notifications import service as notifications
from commerce.notifications.schemas import (
    DeviceIn,
    DeviceOut,
    MarkedRead,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    UnreadCount,
)
from commerce.notifications.templates import pick_locale
from serving.deps import CurrentUser, Cursor, Limit, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/notifications", tags=["notifications"])
ERRORS = {401: PROBLEM, 404: PROBLEM, 422: PROBLEM}


def _locale(accept_language: Annotated[str | None, Header()] = None) -> str:
    return pick_locale(accept_language)


Locale = Annotated[str, Depends(_locale)]


@router.get("", response_model=Page[NotificationOut], responses=ERRORS, summary="List my notifications")
async def list_notifications(me: CurrentUser, session: SessionDep, locale: Locale, cursor: Cursor = None,
                             limit: Limit = 20,
                             unread: Annotated[bool, Query(description="only unread ones")] = False,
                             ) -> Page[NotificationOut]:
    """Newest activity first, cursor-paginated. Likes on one post and new followers arrive batched:
    one notification that grows ("Ayu dan 12 lainnya menyukai postinganmu") until it is read."""
    return await notifications.list_notifications(session, user_id=me.user_id, unread_only=unread, cursor=cursor,
                                                  limit=limit, locale=locale)


@router.get("/unread-count", response_model=UnreadCount, responses=ERRORS, summary="Count my unread notifications")
async def unread_count(me: CurrentUser, session: SessionDep) -> UnreadCount:
    return UnreadCount(unread=await notifications.unread_count(session, user_id=me.user_id))


@router.post("/read-all", response_model=MarkedRead, responses=ERRORS, summary="Mark all my notifications read")
async def mark_all_read(me: CurrentUser, session: SessionDep) -> MarkedRead:
    return MarkedRead(marked=await notifications.mark_all_read(session, user_id=me.user_id))


@router.get("/preferences", response_model=PreferencesOut, responses=ERRORS,
            summary="My channel preferences per notification type")
async def get_preferences(me: CurrentUser, session: SessionDep) -> PreferencesOut:
    """Every type × channel (in_app, email, push, sms) with its effective value: the user's choice
    or the default (in-app always; email for orders and selling; push for all but SMS; SMS only
    for order_shipped)."""
    return await notifications.get_preferences(session, user_id=me.user_id)


@router.put("/preferences", response_model=PreferencesOut, responses=ERRORS,
            summary="Change my channel preferences")
async def update_preferences(body: PreferencesIn, me: CurrentUser, session: SessionDep) -> PreferencesOut:
    """Send only what changes, e.g. `{"preferences": {"post_liked": {"push": false}}}`. Unknown types
    or channels are 422; in-app cannot be turned off (422 `in_app_always_on`)."""
    return await notifications.update_preferences(session, user_id=me.user_id, data=body)


@router.get("/devices", response_model=list[DeviceOut], responses=ERRORS, summary="My push devices")
async def list_devices(me: CurrentUser, session: SessionDep) -> list[DeviceOut]:
    return await notifications.list_devices(session, user_id=me.user_id)


@router.post("/devices", status_code=status.HTTP_201_CREATED, response_model=DeviceOut, responses=ERRORS,
             summary="Register a push device token")
async def register_device(body: DeviceIn, me: CurrentUser, session: SessionDep) -> DeviceOut:
    """Idempotent per token; a token registered by another account moves to the caller."""
    return await notifications.register_device(session, user_id=me.user_id, data=body)


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS,
               summary="Unregister a push device")
async def remove_device(device_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Response:
    await notifications.remove_device(session, user_id=me.user_id, device_id=device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{notification_id}", response_model=NotificationOut, responses=ERRORS, summary="One of my notifications")
async def get_notification(notification_id: uuid.UUID, me: CurrentUser, session: SessionDep,
                           locale: Locale) -> NotificationOut:
    return await notifications.get_notification(session, user_id=me.user_id, notification_id=notification_id,
                                                locale=locale)


@router.post("/{notification_id}/read", response_model=NotificationOut, responses=ERRORS,
             summary="Mark one of my notifications read")
async def mark_read(notification_id: uuid.UUID, me: CurrentUser, session: SessionDep,
                    locale: Locale) -> NotificationOut:
    """Idempotent; another user's notification is 404."""
    return await notifications.mark_read(session, user_id=me.user_id, notification_id=notification_id,
                                         locale=locale)
