from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commerce.addresses.provinces import canonical_province

MAX_ADDRESSES = 50
# +62, 62 or 0, then the mobile prefix 8 and 8–12 more digits: 9–13 digits after the country/trunk prefix.
MOBILE_RE = re.compile(r"^(?:\+62|62|0)(8\d{8,12})$")
PHONE_SEPARATORS = re.compile(r"[\s\-.()]")


def _phone(value: str) -> str:
    match = MOBILE_RE.fullmatch(PHONE_SEPARATORS.sub("", value))
    if match is None:
        raise ValueError("an Indonesian mobile number: +62, 62 or 0, then 8 and 8-12 more digits")
    return "+62" + match.group(1)


def _province(value: str) -> str:
    canonical = canonical_province(value)
    if canonical is None:
        raise ValueError("one of Indonesia's 38 provinces, e.g. 'Jawa Barat' or 'DKI Jakarta'")
    return canonical


def _blank_is_none(value: str) -> str | None:
    return value or None


Recipient = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Street = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phone = Annotated[str, StringConstraints(max_length=30), AfterValidator(_phone)]
Province = Annotated[str, StringConstraints(max_length=60), AfterValidator(_province)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{5}$")]
# Blank optional text is stored as null, so "no label" has one representation.
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30), AfterValidator(_blank_is_none),
                  Field(description="free text such as Rumah or Kantor")]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_blank_is_none),
                  Field(description="for the courier, e.g. 'pagar hitam, titip satpam'")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressCreate(_In):
    label: Label | None = None
    recipient: Recipient
    phone: Phone
    province: Province
    city: Place
    district: Place
    postal_code: PostalCode
    street: Street
    notes: Notes | None = None
    is_default: bool = Field(False, description="make this the default; the first address always is")


class AddressUpdate(_In):
    """A missing field means "leave it"; null clears the optional ones and is a 422 for the rest."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"label", "notes"})

    label: Label | None = None
    recipient: Recipient | None = None
    phone: Phone | None = None
    province: Province | None = None
    city: Place | None = None
    district: Place | None = None
    postal_code: PostalCode | None = None
    street: Street | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> AddressUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self.NULLABLE:
                raise ValueError(f"{name} cannot be null")
        return self


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str | None
    recipient: str
    phone: str = Field(description="normalised to +62…")
    province: str = Field(description="canonical province name")
    city: str
    district: str
    postal_code: str
    street: str
    notes: str | None
    is_default: bool
    created_at: datetime
    updated_at: datetime
