"""Hashtag parsing: whole words in every script, nothing from punctuation, entities or emoji."""

from __future__ import annotations

import pytest

from commerce.content.hashtags import MAX_TAG_LENGTH, MAX_TAGS, normalise_tag, parse_hashtags


@pytest.mark.parametrize("text, tags", [
    # Thai: vowel and tone marks are combining marks (Mn), not letters.
    ("สวัสดีค่ะ #สวัสดี #ร้านกาแฟ", ["สวัสดี", "ร้านกาแฟ"]),
    ("#น้ำแข็งใส่ไข่มุก!", ["น้ำแข็งใส่ไข่มุก"]),
    # Devanagari: vowel signs (Mc, Mn) and the virama (Mn) inside conjuncts.
    ("#नमस्ते दोस्तों #हिन्दी", ["नमस्ते", "हिन्दी"]),
    ("#क्षत्रिय।", ["क्षत्रिय"]),
    # Indonesian, with case and underscore.
    ("OOTD hari ini #OOTD #Sepatu_Lari #racunBelanja #ootd", ["ootd", "sepatu_lari", "racunbelanja"]),
    ("#kopi2024 #2024kopi #1 #_x", ["kopi2024", "2024kopi"]),
    ("#日常 #ＣＡＦÉ", ["日常", "café"]),  # CJK, full-width letters folded by NFKC
    ("ngopi ＃santai", ["santai"]),  # a full-width hash sign
    ("#café vs #cafe\u0301", ["café"]),  # composed and decomposed é are one tag
    # Emoji next to a tag end it, before or after.
    ("#kopi☕ #teh🍵️ ☕#susu", ["kopi", "teh", "susu"]),
    ("#mantap👍🏽 #family👨‍👩‍👧 #🔥 #️⃣ #☕️", ["mantap", "family"]),
    # Punctuation ends a tag; a hash inside a word, an entity or a double hash starts none.
    ("(#kopi), #teh. #susu! #es-teh #a/b", ["kopi", "teh", "susu", "es", "a"]),
    ("a#b &#123; ##kopi #", []),
    ("สวัสดี#ไม่ใช่ ก่อน\u0e31#no", []),  # glued to a word, even one ending in a mark
    ("#\u0301abc", []),  # a tag cannot start with a mark
    # Zero-width non-joiner and joiner inside a word stay; trailing ones go.
    ("#می\u200cخواهم #कर\u200dना #abc\u200d", ["می\u200cخواهم", "कर\u200dना", "abc"]),
])
def test_parse_hashtags(text, tags):
    assert parse_hashtags(text) == [normalise_tag(t) for t in tags]  # NFKC splits the Thai sara am


def test_limits():
    assert parse_hashtags("#" + "ก\u0e34" * 40) == ["ก\u0e34" * 25]
    assert len(parse_hashtags("#" + "x" * 80)[0]) == MAX_TAG_LENGTH
    assert len(parse_hashtags(" ".join(f"#tag{i}" for i in range(50)))) == MAX_TAGS


def test_lookups_match_parsed_tags():
    for word in ("สวัสดี", "नमस्ते", "OOTD", "ＣＡＦÉ"):
        assert parse_hashtags(f"#{word}") == [normalise_tag(word)]
