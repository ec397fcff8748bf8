"""The buyer's address book. Exactly one address is the default whenever the user has any: the first
one becomes it, deleting it promotes the most recently added other one. Writes serialise per user on
a transaction-scoped advisory lock, so two concurrent "first" addresses cannot both become default
(the partial unique index would reject the loser with a 500 instead)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.addresses.errors import AddressBookFull, AddressNotFound
from commerce.addresses.models import Address
from commerce.addresses.provinces import PROVINCES, canonical_province
from commerce.addresses.schemas import MAX_ADDRESSES, AddressCreate, AddressOut, AddressUpdate
from commerce.core.clock import utcnow
from commerce.core.ids import uuid7

__all__ = ["PROVINCES", "canonical_province", "create_address", "delete_address", "default_address", "get_address",
           "list_addresses", "set_default", "update_address"]


async def _lock_book(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"addresses:{user_id}"})


async def _own(session: AsyncSession, *, user_id: uuid.UUID, address_id: uuid.UUID) -> Address:
    address = await session.scalar(select(Address).where(Address.id == address_id, Address.user_id == user_id))
    if address is None:
        raise AddressNotFound()  # someone else's address is indistinguishable from none
    return address


async def _clear_default(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(update(Address).where(Address.user_id == user_id, Address.is_default)
                          .values(is_default=False))


async def list_addresses(session: AsyncSession, *, user_id: uuid.UUID) -> list[AddressOut]:
    """The default first, then newest first. The book is capped, so there is nothing to paginate."""
    rows = await session.scalars(select(Address).where(Address.user_id == user_id)
                                 .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id.desc()))
    return [AddressOut.model_validate(a) for a in rows]


async def get_address(session: AsyncSession, *, user_id: uuid.UUID, address_id: uuid.UUID) -> AddressOut:
    """For checkout too: 404 `address_not_found` unless the address is this user's."""
    return AddressOut.model_validate(await _own(session, user_id=user_id, address_id=address_id))


async def default_address(session: AsyncSession, *, user_id: uuid.UUID) -> AddressOut | None:
    address = await session.scalar(select(Address).where(Address.user_id == user_id, Address.is_default))
    return AddressOut.model_validate(address) if address else None


async def create_address(session: AsyncSession, *, user_id: uuid.UUID, data: AddressCreate) -> AddressOut:
    await _lock_book(session, user_id)
    count = await session.scalar(select(func.count()).select_from(Address).where(Address.user_id == user_id)) or 0
    if count >= MAX_ADDRESSES:
        raise AddressBookFull(f"at most {MAX_ADDRESSES} addresses; delete one first")
    make_default = data.is_default or count == 0
    if make_default:
        await _clear_default(session, user_id)
    now = utcnow()
    address = Address(id=uuid7(), user_id=user_id, **data.model_dump(exclude={"is_default"}), is_default=make_default,
                      created_at=now, updated_at=now)
    session.add(address)
    await session.commit()
    return AddressOut.model_validate(address)


async def update_address(session: AsyncSession, *, user_id: uuid.UUID, address_id: uuid.UUID,
                         data: AddressUpdate) -> AddressOut:
    address = await _own(session, user_id=user_id, address_id=address_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(address, name, value)
    address.updated_at = utcnow()
    await session.commit()
    return AddressOut.model_validate(address)


async def set_default(session: AsyncSession, *, user_id: uuid.UUID, address_id: uuid.UUID) -> AddressOut:
    await _lock_book(session, user_id)
    address = await _own(session, user_id=user_id, address_id=address_id)
    if not address.is_default:
        await _clear_default(session, user_id)  # before setting: the partial unique index checks per statement
        address.is_default = True
        address.updated_at = utcnow()
    await session.commit()
    return AddressOut.model_validate(address)


async def delete_address(session: AsyncSession, *, user_id: uuid.UUID, address_id: uuid.UUID) -> None:
    await _lock_book(session, user_id)
    address = await _own(session, user_id=user_id, address_id=address_id)
    was_default = address.is_default
    await session.delete(address)
    await session.flush()
    if was_default:
        successor = await session.scalar(select(Address).where(Address.user_id == user_id)
                                         .order_by(Address.created_at.desc(), Address.id.desc()).limit(1))
        if successor is not None:
            successor.is_default = True
            successor.updated_at = utcnow()
    await session.commit()
