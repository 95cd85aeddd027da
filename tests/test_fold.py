"""``fold``: what searches and comparisons see of a text (casefolded, accents stripped)."""

from __future__ import annotations

import unicodedata

from readinglist.core.text import fold


def reference_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def test_fold_strips_every_combining_mark_and_keeps_the_rest() -> None:
    for start in range(0, 0x110000, 0x1000):
        chars = [chr(cp) for cp in range(start, start + 0x1000) if not 0xD800 <= cp < 0xE000]
        for text in ("".join(chars), "a".join(chars)):
            assert fold(text) == reference_fold(text), hex(start)


def test_fold_examples() -> None:
    assert fold("Élan Café") == "elan cafe"
    assert fold("Straße") == "strasse"
    assert fold("na\u0303\u034fo") == "na\u034fo"  # the grapheme joiner is not an accent
    assert fold("ΣΊΣΥΦΟΣ") == "σισυφοσ"
