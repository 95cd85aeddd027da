"""Folded text and the word index of one text field.

Text fields are kept as one folded string per paper, " word word ... ", so a
prefix or a phrase is a substring test (" transf", " masked auto"). The word
index (folded word -> papers) answers a prefix with a binary search of the
sorted vocabulary instead of a scan.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter

from readinglist.core.bitsets import bits_of, bits_of_few
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

    Packed so it can be written to and read from the index cache as it is
    (``index_cache``): the sorted vocabulary; frequent words (in 1/32 of the
    papers or more) as bitsets of ``(n + 7) // 8`` bytes; the long tail as
    one array of paper numbers (4 bytes each), word after word in vocabulary
    order, so the papers of a prefix are one contiguous slice. Every first
    letter keeps the union of its words, so the first keystroke does not
    merge thousands of lists. Words changed by ``replace`` live in a small
    overlay that wins over the packed postings.
    """

    __slots__ = ("n", "vocab", "starts", "dense", "sparse", "bitsets", "by_first", "_overlay", "_overlaid")

    def __init__(self, texts: Sequence[str], n: int) -> None:
        postings: dict[str, array[int]] = {}
        # Python lists of ints cost 8 bytes a posting, arrays 4: collecting a
        # chunk at a time into arrays halves the peak memory of the build.
        for start in range(0, n, _BUILD_CHUNK):
            lists: defaultdict[str, list[int]] = defaultdict(list)
            lookup = lists.__getitem__
            for iid in range(start, min(n, start + _BUILD_CHUNK)):
                unique = set(texts[iid].split())
                unique.discard(";")
                for found in map(lookup, unique):
                    found.append(iid)
            while lists:
                term, iids = lists.popitem()
                existing = postings.get(term)
                if existing is None:
                    postings[term] = array("i", iids)
                else:
                    existing.extend(iids)
        vocab = sorted(postings)
        dense_at = max(8, n // 32)
        size = (n + 7) // 8
        starts, dense, sparse, bitsets = array("q", [0]), array("i"), array("i"), bytearray()
        for term in vocab:
            iids = postings.pop(term)  # freed as it is packed
            if len(iids) >= dense_at:
                dense.append(len(bitsets) // size)
                bitsets += bits_of(iids, n).to_bytes(size, "little")
            else:
                dense.append(-1)
                sparse.extend(iids)
            starts.append(len(sparse))
        self._setup(n, vocab, starts, dense, memoryview(sparse), bitsets, None)

    @classmethod
    def packed(
        cls,
        n: int,
        vocab: list[str],
        starts: Sequence[int],
        dense: Sequence[int],
        sparse: memoryview,
        bitsets: bytes | bytearray | memoryview,
        by_first: dict[str, int],
    ) -> WordIndex:
        """An index from its packed parts (as ``parts`` gives them), e.g. read from the cache."""
        index = cls.__new__(cls)
        index._setup(n, vocab, starts, dense, sparse, bitsets, by_first)
        return index

    def _setup(self, n, vocab, starts, dense, sparse, bitsets, by_first) -> None:
        self.n = n
        self.vocab = vocab
        self.starts = starts  # word k's sparse postings are sparse[starts[k]:starts[k + 1]]
        self.dense = dense  # word k's bitset number, or -1: its postings are sparse
        self.sparse = sparse
        self.bitsets = bitsets
        self._overlay: dict[str, int | array[int]] = {}  # word -> postings changed since packing (empty: gone)
        self._overlaid: list[str] = []  # the overlay's words, sorted
        if by_first is None:
            by_first = {}
            low = 0
            for first, group in groupby(vocab, key=itemgetter(0)):
                high = low + sum(1 for _ in group)
                by_first[first] = self._packed_union(low, high)
                low = high
        self.by_first = by_first

    @property
    def changed(self) -> bool:
        """True once ``replace`` changed something: the packed parts are no longer the whole index."""
        return bool(self._overlay)

    def parts(self) -> tuple[list[str], Sequence[int], Sequence[int], memoryview, bytes | bytearray | memoryview, dict[str, int]]:
        return self.vocab, self.starts, self.dense, self.sparse, self.bitsets, self.by_first

    # --- reading postings ---------------------------------------------------------

    def _bitset(self, slot: int) -> int:
        size = (self.n + 7) // 8
        return int.from_bytes(self.bitsets[slot * size : (slot + 1) * size], "little")

    def _packed_union(self, low: int, high: int) -> int:
        """The papers of packed words ``low`` to ``high`` (positions in the vocabulary)."""
        if low >= high:
            return 0
        bits = 0
        for slot in self.dense[low:high]:
            if slot >= 0:
                bits |= self._bitset(slot)
        start, stop = self.starts[low], self.starts[high]
        if stop - start > 64:
            bits |= bits_of(self.sparse[start:stop], self.n)
        else:
            for iid in self.sparse[start:stop]:
                bits |= 1 << iid
        return bits

    def _packed_postings(self, word: str) -> int | array[int] | None:
        at = bisect_left(self.vocab, word)
        if at == len(self.vocab) or self.vocab[at] != word:
            return None
        slot = self.dense[at]
        if slot >= 0:
            return self._bitset(slot)
        return array("i", self.sparse[self.starts[at] : self.starts[at + 1]])

    def _postings(self, word: str) -> int | array[int] | None:
        if word in self._overlay:
            return self._overlay[word]
        return self._packed_postings(word)

    def _bits(self, postings: int | array[int]) -> int:
        if type(postings) is int:
            return postings
        return bits_of_few(postings, self.n)  # type: ignore[arg-type]

    def prefix(self, word: str) -> int:
        if len(word) == 1:
            return self.by_first.get(word, 0)
        low = bisect_left(self.vocab, word)
        high = bisect_left(self.vocab, word + AFTER_ALL, low)
        if not self._overlay:
            return self._packed_union(low, high)
        start = bisect_left(self._overlaid, word)
        changed = self._overlaid[start : bisect_left(self._overlaid, word + AFTER_ALL, start)]
        bits = 0
        for term in changed:  # packed words the overlay replaces are skipped below
            bits |= self._bits(self._overlay[term])
            at = bisect_left(self.vocab, term, low, high)
            if at < high and self.vocab[at] == term:
                bits |= self._packed_union(low, at)
                low = at + 1
        return bits | self._packed_union(low, high)

    def exact(self, word: str) -> int:
        postings = self._postings(word)
        return 0 if postings is None else self._bits(postings)

    # --- changes --------------------------------------------------------------------

    def replace(self, iid: int, old_text: str, new_text: str) -> None:
        old, new = set(old_text.split()), set(new_text.split())
        old.discard(";")
        new.discard(";")
        self._move(iid, old - new, new - old, new)

    def forget(self, iid: int) -> None:
        """Take paper ``iid`` out of every word (its old text is unknown: slow, a scan of every word)."""
        bit = 1 << iid
        had = [term for term, postings in self._overlay.items() if self._holds(postings, iid)]
        for at, term in enumerate(self.vocab):
            if term in self._overlay:
                continue
            slot = self.dense[at]
            if slot >= 0:
                if self._bitset(slot) & bit:
                    had.append(term)
                continue
            start, stop = self.starts[at], self.starts[at + 1]
            found = bisect_left(self.sparse, iid, start, stop)
            if found < stop and self.sparse[found] == iid:
                had.append(term)
        self._move(iid, set(had), set(), set())

    @staticmethod
    def _holds(postings: int | array[int] | None, iid: int) -> bool:
        if postings is None:
            return False
        if type(postings) is int:
            return bool(postings >> iid & 1)
        at = bisect_left(postings, iid)  # type: ignore[arg-type]
        return at < len(postings) and postings[at] == iid  # type: ignore[arg-type]

    def _move(self, iid: int, gone: set[str], added: set[str], now: set[str]) -> None:
        """Paper ``iid`` leaves the words ``gone`` and enters ``added``; ``now`` is all its words."""
        bit = 1 << iid
        for term in gone:
            postings = self._postings(term)
            if postings is None:
                continue
            if type(postings) is int:
                postings &= ~bit
            else:
                at = bisect_left(postings, iid)  # type: ignore[arg-type]
                if at < len(postings) and postings[at] == iid:  # type: ignore[arg-type]
                    del postings[at]  # type: ignore[union-attr]
            self._set(term, postings)
        for term in added:
            postings = self._postings(term)
            if postings is None:
                postings = array("i", [iid])
            elif type(postings) is int:
                postings |= bit
            else:
                insort(postings, iid)  # type: ignore[arg-type]
            self._set(term, postings)
        new_firsts = {term[0] for term in now}
        for first in {term[0] for term in gone} | new_firsts:
            current = self.by_first.get(first, 0)
            self.by_first[first] = current | bit if first in new_firsts else current & ~bit

    def _set(self, term: str, postings: int | array[int]) -> None:
        if term not in self._overlay:
            insort(self._overlaid, term)
        self._overlay[term] = postings
