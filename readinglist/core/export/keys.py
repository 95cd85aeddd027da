"""Citation keys: formed once, then stored with the paper and never changed.

A new key is the first author's surname, the year and the first four title
words that are not stopwords, lowercase ASCII (``[a-z0-9]`` only). A paper
that already has a key (``Paper.citation_key``: from an earlier export or an
imported .bib) keeps it. This module only decides keys; the caller stores
the new ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from readinglist.core.model import Paper
from readinglist.core.text import clean_text, fold

_STOPWORDS = frozenset(
    "a an and are as at be by do does for from how in into is it its of on or our "
    "over than that the these this to toward towards via we what when where which why with without".split()
)
_KEY_TITLE_WORDS = 4  # as arXiv's own export does
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Letters that accent-stripping leaves non-ASCII.
_TRANSLITERATE = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ß": "ss"})
# What BibTeX, biber and pandoc all accept as a key; a stored key outside it
# (a hand-edited one, say) cannot be written safely and is replaced.
VALID_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.+/-]{0,99}$")


def _ascii_words(text: str) -> list[str]:
    return _ASCII_WORD.findall(fold(text).translate(_TRANSLITERATE))


def base_key(paper: Paper) -> str:
    """Surname + year + first non-stopword title words, lowercase ASCII."""
    surname = ""
    if paper.authors:
        first = clean_text(paper.authors[0]).strip()
        last = first.split(",")[0] if "," in first else (first.split() or [""])[-1]
        surname = "".join(_ascii_words(last))
    title_words = [w for w in _ascii_words(clean_text(paper.title)) if w not in _STOPWORDS]
    year = "" if paper.date_inferred else (paper.year or "")
    key = f"{surname}{year}{''.join(title_words[:_KEY_TITLE_WORDS])}"
    if not key or not key[0].isalpha():
        key = f"paper{key}" if key else f"paper{fold(paper.id)}"
    return key


def _suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ...: the spreadsheet-column sequence."""
    n = 0
    while True:
        n += 1
        label, m = "", n
        while m:
            m, r = divmod(m - 1, 26)
            label = chr(ord("a") + r) + label
        yield label


@dataclass(frozen=True, slots=True)
class KeyAssignment:
    """Each paper's key, and which of them are new (the caller stores those)."""

    keys: dict[str, str]  # paper id -> key
    new: dict[str, str]  # paper id -> key, only the keys assigned now


def stored_key(paper: Paper) -> str | None:
    key = (paper.citation_key or "").strip()
    return key if VALID_KEY.match(key) else None


def assign_keys(papers: Iterable[Paper], taken: Iterable[str] = frozenset()) -> KeyAssignment:
    """A unique key per paper: its stored key, else a new one.

    ``taken`` holds keys already used elsewhere (the rest of the library, a
    file being appended to); BibTeX compares keys without case, so do we.
    New keys sharing a base all get suffixes a, b, ... in paper-id order, so
    they do not depend on the order the papers were given in.
    """
    papers = list({p.id: p for p in papers}.values())
    used = {k.casefold() for k in taken}
    keys: dict[str, str] = {}
    stored: set[str] = set()
    for paper in papers:
        key = stored_key(paper)
        if key is not None and key.casefold() not in stored:
            keys[paper.id] = key
            stored.add(key.casefold())
    used |= stored
    groups: dict[str, list[Paper]] = {}
    for paper in papers:
        if paper.id not in keys:
            groups.setdefault(base_key(paper), []).append(paper)
    new: dict[str, str] = {}
    for base in sorted(groups):
        members = sorted(groups[base], key=lambda p: p.id)
        if len(members) == 1 and base not in used:
            new[members[0].id] = base
            used.add(base)
            continue
        labels = (base + s for s in _suffixes())
        for paper in members:
            key = next(k for k in labels if k not in used)
            new[paper.id] = key
            used.add(key)
    keys.update(new)
    return KeyAssignment(keys={p.id: keys[p.id] for p in papers}, new=new)
