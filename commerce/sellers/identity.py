"""Indonesian business identity and bank-account rules, as pure functions so they are unit-tested
without a database and shared by the schemas and the service.

- NIK (Nomor Induk Kependudukan, on the KTP): 16 digits — province (11–94), regency, district,
  date of birth DDMMYY (women add 40 to the day), then a 4-digit serial that is never 0000.
- NPWP (tax id): 15 digits in the legacy format `99.999.999.9-999.999`, or 16 digits since 2024
  (for individuals it is the NIK). Punctuation is accepted and dropped.
- NIB (Nomor Induk Berusaha, business licence from OSS): 13 digits.
"""

from __future__ import annotations

import re

MASK = "••••"

# Bank code → name for payouts (the banks and digital banks Indonesian sellers use most).
BANKS: dict[str, str] = {
    "bca": "Bank Central Asia", "bni": "Bank Negara Indonesia", "bri": "Bank Rakyat Indonesia",
    "mandiri": "Bank Mandiri", "bsi": "Bank Syariah Indonesia", "cimb": "CIMB Niaga", "permata": "Bank Permata",
    "danamon": "Bank Danamon", "btn": "Bank Tabungan Negara", "ocbc": "OCBC Indonesia", "maybank": "Maybank Indonesia",
    "panin": "Panin Bank", "jago": "Bank Jago", "seabank": "SeaBank Indonesia", "jenius": "Jenius (SMBC Indonesia)",
    "blu": "blu by BCA Digital",
}

RESERVED_HANDLES = frozenset({"admin", "administrator", "api", "help", "lakoo", "me", "official", "seller",
                              "sellers", "shop", "shops", "support", "www"})
_SEPARATORS = re.compile(r"[\s.\-]")


def digits_only(value: str) -> str:
    return _SEPARATORS.sub("", value)


def valid_nik(nik: str) -> bool:
    if not re.fullmatch(r"\d{16}", nik):
        return False
    province, day, month, serial = int(nik[0:2]), int(nik[6:8]), int(nik[8:10]), nik[12:16]
    day = day - 40 if day > 40 else day
    return 11 <= province <= 94 and 1 <= day <= 31 and 1 <= month <= 12 and serial != "0000"


def valid_npwp(npwp: str) -> bool:
    return bool(re.fullmatch(r"\d{15}|\d{16}", npwp)) and npwp.strip("0") != ""


def valid_nib(nib: str) -> bool:
    return bool(re.fullmatch(r"\d{13}", nib)) and nib.strip("0") != ""


def valid_account_number(number: str) -> bool:
    """Indonesian account numbers run from 10 digits (BCA, BNI) to 16 (some digital banks)."""
    return bool(re.fullmatch(r"\d{8,18}", number))


def mask(value: str | None, *, keep: int = 4) -> str | None:
    """`••••1234`: enough for the owner to recognise the number, useless to anyone else."""
    if value is None:
        return None
    return MASK + value[-keep:]
