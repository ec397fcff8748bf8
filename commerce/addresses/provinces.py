"""Indonesia's 38 provinces (since the 2022 Papua split), with the spellings people actually type.

Addresses store the canonical name so that shipping zones, analytics and couriers all see one
spelling; matching is case- and whitespace-insensitive.
"""

from __future__ import annotations

PROVINCES: tuple[str, ...] = (
    # Sumatra
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi", "Sumatera Selatan",
    "Kepulauan Bangka Belitung", "Bengkulu", "Lampung",
    # Java
    "DKI Jakarta", "Jawa Barat", "Banten", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur",
    # Bali and Nusa Tenggara
    "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur",
    # Kalimantan
    "Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara",
    # Sulawesi
    "Sulawesi Utara", "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan", "Sulawesi Tenggara",
    # Maluku and Papua
    "Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Tengah", "Papua Pegunungan",
    "Papua Selatan",
)

# Official long forms and common short forms; anything else must match a canonical name.
ALIASES: dict[str, str] = {
    "jakarta": "DKI Jakarta",
    "daerah khusus ibukota jakarta": "DKI Jakarta",
    "daerah khusus jakarta": "DKI Jakarta",
    "yogyakarta": "DI Yogyakarta",
    "diy": "DI Yogyakarta",
    "daerah istimewa yogyakarta": "DI Yogyakarta",
    "bangka belitung": "Kepulauan Bangka Belitung",
    "ntb": "Nusa Tenggara Barat",
    "ntt": "Nusa Tenggara Timur",
}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_LOOKUP: dict[str, str] = {**{_key(p): p for p in PROVINCES}, **ALIASES}


def canonical_province(name: str) -> str | None:
    return _LOOKUP.get(_key(name))
