"""/api/addresses — the caller's own address book. Every path is scoped to the caller: another
user's address id answers 404 exactly like an unknown one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from commerce.addresses import service as addresses
from commerce.addresses.schemas import AddressCreate, AddressOut, AddressUpdate
from serving.deps import CurrentUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["addresses"])
ERRORS = {401: PROBLEM, 404: PROBLEM, 422: PROBLEM}


@router.get("/api/addresses", response_model=list[AddressOut], responses={401: PROBLEM})
async def list_addresses(me: CurrentUser, session: SessionDep) -> list[AddressOut]:
    """The default address first, then newest first (at most 50, so unpaginated)."""
    return await addresses.list_addresses(session, user_id=me.user_id)


@router.post("/api/addresses", status_code=status.HTTP_201_CREATED, response_model=AddressOut,
             responses={401: PROBLEM, 409: PROBLEM, 422: PROBLEM})
async def create_address(body: AddressCreate, me: CurrentUser, session: SessionDep) -> AddressOut:
    """`phone` is normalised to +62…, `province` to its canonical name. The first address becomes the
    default, as does any created with `is_default: true`."""
    return await addresses.create_address(session, user_id=me.user_id, data=body)


@router.get("/api/addresses/{address_id}", response_model=AddressOut, responses=ERRORS)
async def get_address(address_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> AddressOut:
    return await addresses.get_address(session, user_id=me.user_id, address_id=address_id)


@router.patch("/api/addresses/{address_id}", response_model=AddressOut, responses=ERRORS)
async def update_address(address_id: uuid.UUID, body: AddressUpdate, me: CurrentUser,
                         session: SessionDep) -> AddressOut:
    """Change some fields; `label` and `notes` may be cleared with null. Past orders keep their copy."""
    return await addresses.update_address(session, user_id=me.user_id, address_id=address_id, data=body)


@router.delete("/api/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_address(address_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Response:
    """Deleting the default promotes the most recently added remaining address."""
    await addresses.delete_address(session, user_id=me.user_id, address_id=address_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/addresses/{address_id}/default", response_model=AddressOut, responses=ERRORS)
async def set_default(address_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> AddressOut:
    return await addresses.set_default(session, user_id=me.user_id, address_id=address_id)
