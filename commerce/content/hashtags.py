"""Hashtags from post text. Unicode-aware (`#kopi`, `#日常`, `#cantik_alami`), case- and
width-insensitive via NFKC + casefold, so `#OOTD` and `#ootd` are one tag."""

from __future__ import annotations

import re
import unicodedata

MAX_TAG_LENGTH = 50
MAX_TAGS = 30
_HASHTAG = re.compile(r"(?<![\w#&])[#＃]([^\W_][\w]*)")


def normalise_tag(tag: str) -> str:
    return unicodedata.normalize("NFKC", tag).casefold()


def parse_hashtags(text: str) -> list[str]:
    """Distinct tags in order of first appearance. Pure digits (`#1`) are not tags."""
    seen: dict[str, None] = {}
    for match in _HASHTAG.finditer(unicodedata.normalize("NFKC", text)):
        tag = normalise_tag(match.group(1))[:MAX_TAG_LENGTH]
        if tag.isdigit():
            continue
        seen.setdefault(tag, None)
        if len(seen) == MAX_TAGS:
            break
    return list(seen)
