"""Text helpers shared by the parser, the store, the query engine and export.

Paper text comes from scraped listings and remote APIs: it is data, never
markup or terminal instructions.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

# C0/C1 controls, DEL, and the bidi overrides/isolates that can reorder what
# a terminal shows. Tab and newline are kept where text may be multi-line.
_ESCAPE_SEQ = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI ... final byte
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC ... BEL or ST
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?  # DCS / SOS / PM / APC strings
    | \x1b[@-Z\\-_]                  # other two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]          # 8-bit CSI
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_CONTROL_NO_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Remove terminal escape sequences, control characters and bidi overrides.

    Single-line text also has newlines and tabs folded to spaces.
    """
    if not text:
        return ""
    if text.isprintable():
        # Nothing to strip: the common case, skip the regexes. Every character
        # removed or replaced below (controls, ESC, bidi marks, tab, newline)
        # is non-printable, so a printable text is returned as it is.
        return text
    text = _ESCAPE_SEQ.sub("", text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROL.sub("", text.replace("\t", "    "))
    text = re.sub(r"[\t\r\n]+", " ", text)
    return _CONTROL_NO_NEWLINE.sub("", text)


# The Latin accents (every combining mark of U+0300-U+036F but the grapheme
# joiner, which is not one) go in one regex pass; what else is not ASCII is
# looked at a character at a time, as before: ~0.5 ms less per accented abstract.
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _unless_combining(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


def fold(text: str) -> str:
    """Casefold and strip accents: the form searched and compared."""
    if text.isascii():
        return text.lower()  # the common case, and ten times faster
    stripped = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", text))
    if not stripped.isascii():
        stripped = _NON_ASCII.sub(_unless_combining, stripped)
    return stripped.casefold()


_NON_WORD = re.compile(r"[\W_]+")


# fold() then _NON_WORD.sub(" ", ...) on ASCII, as one bytes.translate:
# A-Z to a-z, a-z and 0-9 kept, every other byte to a space.
_ASCII_FOLD_WORDS = bytes(
    c if chr(c).isascii() and (chr(c).islower() or chr(c).isdigit()) else c + 32 if chr(c).isascii() and chr(c).isupper() else 32
    for c in range(256)
)


def normalize_title(title: str) -> str:
    """Casefold, strip accents, punctuation to spaces, collapse whitespace."""
    if title.isascii():
        return b" ".join(title.encode("ascii").translate(_ASCII_FOLD_WORDS).split()).decode("ascii")
    return " ".join(_NON_WORD.sub(" ", fold(title)).split())


def words(text: str) -> list[str]:
    """The folded words of ``text``, as the index and the matcher see them."""
    return _NON_WORD.sub(" ", fold(text)).split()


_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, no i l o u
_ID_PAIRS = [a + b for a in _ID_ALPHABET for b in _ID_ALPHABET]


def paper_id(title: str) -> str:
    """A short id derived from the normalised title only.

    It never depends on the listing, the arXiv id or anything enrichment
    finds later, so annotations stay attached across re-imports.
    """
    digest = hashlib.blake2b(normalize_title(title).encode("utf-8"), digest_size=8).digest()
    # The top 45 bits of the digest, five at a time (one character), here
    # ten at a time (two characters): 4x faster than a loop of nine.
    number = int.from_bytes(digest, "big") >> (64 - 45)
    return (
        _ID_ALPHABET[number >> 40]
        + _ID_PAIRS[number >> 30 & 1023]
        + _ID_PAIRS[number >> 20 & 1023]
        + _ID_PAIRS[number >> 10 & 1023]
        + _ID_PAIRS[number & 1023]
    )


SAFE_SCHEMES = ("http", "https")
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")


def is_safe_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host and nothing hidden in it."""
    if not url or _URL_FORBIDDEN.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_SCHEMES and bool(parts.hostname)
