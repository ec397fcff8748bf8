"""Hashtags from post text. Unicode-aware (`#kopi`, `#日常`, `#cantik_alami`, `#สวัสดี`, `#नमस्ते`),
case- and width-insensitive via NFKC + casefold, so `#OOTD` and `#ootd` are one tag.

A tag starts with a letter or digit and runs on through letters, digits, `_` and combining marks.
The marks matter: Thai vowels and tone marks, Devanagari vowel signs and virama are marks, not
letters, and `\\w` alone would cut `#สวัสดี` to `#สว`. Zero-width (non-)joiners inside a word, which
Indic and Persian spelling uses, stay part of it. A `#` glued to a word, a `&#` entity or `##` starts
no tag.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TAG_LENGTH = 50
MAX_TAGS = 30
_START = re.compile(r"#(?=[^\W_])")  # after NFKC, the full-width ＃ is a plain #
_JOINERS = "\u200c\u200d"


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


def _tags(text: str) -> list[str]:
    found = []
    for match in _START.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        if before in "#&" or _in_word(before):
            continue
        end = match.end()
        while end < len(text) and (_in_word(text[end]) or text[end] in _JOINERS):
            end += 1
        found.append(text[match.end():end].rstrip(_JOINERS))
    return found


def normalise_tag(tag: str) -> str:
    return unicodedata.normalize("NFKC", tag).casefold()


def parse_hashtags(text: str) -> list[str]:
    """Distinct tags in order of first appearance. Pure digits (`#1`) are not tags."""
    seen: dict[str, None] = {}
    for raw in _tags(unicodedata.normalize("NFKC", text)):
        tag = normalise_tag(raw)[:MAX_TAG_LENGTH]
        if tag.isdigit():
            continue
        seen.setdefault(tag, None)
        if len(seen) == MAX_TAGS:
            break
    return list(seen)
