"""Folded text and the word index of one text field.

Text fields are kept as one folded string per paper, " word word ... ", so a
prefix or a phrase is a substring test (" transf", " masked auto"). The word
index (folded word -> papers) answers a prefix with a binary search of the
sorted vocabulary instead of a scan.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from itertools import groupby, repeat
from operator import itemgetter

from readinglist.core.bitsets import bits_of, pack
from readinglist.core.model import Paper
from readinglist.core.text import fold, words

_ASCII_WORDS = str.maketrans({chr(c): (chr(c) if chr(c).isalnum() else " ") for c in range(128)})
AFTER_ALL = "\U0010ffff"  # sorts after every word character
PART_SEPARATOR = " ; "  # not a word, so a phrase never runs from one author or tag into the next
_BUILD_CHUNK = 32768


# --- folded text ------------------------------------------------------------------


def normalized(text: str) -> str:
    """The folded words of ``text`` joined by single spaces, with a space at both ends.

    Same words as ``text.words``; plain ASCII takes a fast path because
    folding character by character costs seconds over 100k abstracts.
    """
    if text.isascii():
        found = text.lower().translate(_ASCII_WORDS).split()
    else:
        found = words(text)
    return f" {' '.join(found)} " if found else " "


def fold_fast(text: str) -> str:
    """``text.fold`` with a fast path for plain ASCII (casefold is lower there)."""
    return text.lower() if text.isascii() else fold(text)


def _authors_text(authors: Sequence[str], cache: dict[str, str]) -> str:
    parts = []
    for name in authors:
        part = cache.get(name)
        if part is None:
            part = cache[name] = normalized(name).strip()
        parts.append(part)
    return f" {PART_SEPARATOR.join(parts)} " if parts else " "


def text_of(field: str, paper: Paper, cache: dict[str, str]) -> str:
    if field == "title":
        return normalized(paper.title)
    if field == "author":
        return _authors_text(paper.authors, cache)
    return normalized(paper.abstract)


def pattern(found: Sequence[str]) -> str:
    # No trailing space: the last word matches as a prefix.
    return " " + " ".join(found)


# --- the word index of one field -----------------------------------------------


class WordIndex:
    """Folded word -> the papers whose field contains it.

    Frequent words keep a bitset; the long tail keeps a sorted array of
    paper numbers (4 bytes each), which is smaller below 1/32 of the corpus.
    Every first letter keeps the union of its words, so the first keystroke
    does not merge thousands of lists.
    """

    __slots__ = ("n", "postings", "vocab", "by_first")

    def __init__(self, texts: Sequence[str], n: int) -> None:
        self.n = n
        self.postings: dict[str, int | array[int]] = {}
        # Python lists of ints cost 8 bytes a posting, arrays 4: collecting a
        # chunk at a time into arrays halves the peak memory of the build.
        for start in range(0, n, _BUILD_CHUNK):
            lists: defaultdict[str, list[int]] = defaultdict(list)
            lookup = lists.__getitem__
            for iid in range(start, min(n, start + _BUILD_CHUNK)):
                unique = set(texts[iid].split())
                unique.discard(";")
                for postings in map(lookup, unique):
                    postings.append(iid)
            while lists:
                term, iids = lists.popitem()
                existing = self.postings.get(term)
                if existing is None:
                    self.postings[term] = array("i", iids)
                else:
                    existing.extend(iids)
        dense_at = max(8, n // 32)
        for term, iids in self.postings.items():
            if len(iids) >= dense_at:
                self.postings[term] = bits_of(iids, n)
        self.vocab = sorted(self.postings)
        self.by_first = {
            first: self._union(list(group)) for first, group in groupby(self.vocab, key=itemgetter(0))
        }

    def _union(self, terms: Iterable[str]) -> int:
        bits = 0
        flags = None
        for term in terms:
            postings = self.postings[term]
            if type(postings) is int:
                bits |= postings
            else:
                if flags is None:
                    flags = bytearray(self.n)
                deque(map(flags.__setitem__, postings, repeat(1)), maxlen=0)
        return bits | pack(flags) if flags is not None else bits

    def prefix(self, word: str) -> int:
        if len(word) == 1:
            return self.by_first.get(word, 0)
        low = bisect_left(self.vocab, word)
        high = bisect_left(self.vocab, word + AFTER_ALL, low)
        return self._union(self.vocab[low:high])

    def exact(self, word: str) -> int:
        return self._union([word]) if word in self.postings else 0

    def replace(self, iid: int, old_text: str, new_text: str) -> None:
        old, new = set(old_text.split()), set(new_text.split())
        old.discard(";")
        new.discard(";")
        bit = 1 << iid
        for term in old - new:
            postings = self.postings[term]
            if type(postings) is int:
                postings &= ~bit
                self.postings[term] = postings
            else:
                at = bisect_left(postings, iid)
                if at < len(postings) and postings[at] == iid:
                    del postings[at]
            if not postings:
                del self.postings[term]
                del self.vocab[bisect_left(self.vocab, term)]
        for term in new - old:
            postings = self.postings.get(term)
            if postings is None:
                self.postings[term] = array("i", [iid])
                insort(self.vocab, term)
            elif type(postings) is int:
                self.postings[term] = postings | bit
            else:
                insort(postings, iid)
        new_firsts = {term[0] for term in new}
        for first in {term[0] for term in old} | new_firsts:
            current = self.by_first.get(first, 0)
            self.by_first[first] = current | bit if first in new_firsts else current & ~bit
