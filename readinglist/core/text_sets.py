"""The index's text fields: title, authors and abstract, and the papers a word or phrase finds in each.

Each field is kept as one folded string per paper (``word_index.text_of``),
built the first time a search needs it. ``build_word_indexes`` adds a word
index per field; it takes seconds at 100k papers, so it is meant for a worker
thread, and until it is done searches scan the folded text with the same
results. Recent answers are remembered, so typing and deleting letters stays
quick.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from itertools import compress, repeat
from operator import contains

from readinglist.core.bitsets import bits_of, flags_of, pack
from readinglist.core.model import Paper
from readinglist.core.word_index import WordIndex, pattern, text_of

TEXT_FIELDS = ("title", "author", "abstract")
_CACHE_SIZE = 256


class TextSets:
    """Folded text and word indexes of the papers numbered 0..n-1 (``paper_of(number)``).

    ``lock`` is the index's lock: ``update`` and ``phrase_set`` are called
    holding it; building takes it only for short moments.
    """

    def __init__(self, lock: threading.RLock, paper_of: Callable[[int], Paper], n: int) -> None:
        self._lock = lock
        self._paper_of = paper_of
        self.n = n
        self._build_lock = threading.Lock()
        self._field_locks = {field: threading.Lock() for field in TEXT_FIELDS}
        self.texts: dict[str, list[str]] = {}
        self._indexes: dict[str, WordIndex] = {}
        self._changed: list[int] = []  # papers updated, for builders running meanwhile
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()

    @property
    def indexed(self) -> bool:
        return len(self._indexes) == len(TEXT_FIELDS)

    def ensure(self, field: str) -> list[str]:
        """The folded text of ``field``, built now if it is not yet."""
        texts = self.texts.get(field)
        if texts is not None:
            return texts
        with self._field_locks[field]:
            texts = self.texts.get(field)
            if texts is not None:
                return texts
            with self._lock:
                papers = [self._paper_of(iid) for iid in range(self.n)]
                seen = len(self._changed)
            cache: dict[str, str] = {}
            texts = [text_of(field, paper, cache) for paper in papers]
            with self._lock:
                for iid in self._changed[seen:]:
                    texts[iid] = text_of(field, self._paper_of(iid), cache)
                self.texts[field] = texts
            return texts

    def build_word_indexes(self) -> None:
        """Build the word index of every field; updates made meanwhile are applied before it ends."""
        with self._build_lock:
            for field in TEXT_FIELDS:
                if field in self._indexes:
                    continue
                self.ensure(field)
                with self._lock:
                    snapshot = list(self.texts[field])
                    seen = len(self._changed)
                index = WordIndex(snapshot, self.n)
                with self._lock:
                    current = self.texts[field]
                    for iid in set(self._changed[seen:]):
                        if current[iid] != snapshot[iid]:
                            index.replace(iid, snapshot[iid], current[iid])
                    self._indexes[field] = index

    def update(self, iid: int, paper: Paper) -> set[str]:
        """Take paper ``iid``'s new text into account; the fields whose text changed."""
        changed = set()
        cache: dict[str, str] = {}
        for field, texts in self.texts.items():
            new = text_of(field, paper, cache)
            if new != texts[iid]:
                index = self._indexes.get(field)
                if index is not None:
                    index.replace(iid, texts[iid], new)
                texts[iid] = new
                changed.add(field)
        self._changed.append(iid)
        self._cache.clear()
        return changed

    def phrase_set(self, field: str, found: tuple[str, ...]) -> int:
        """The papers whose ``field`` holds the words ``found`` in a row, the last as a prefix."""
        wanted = pattern(found)
        key = (field, wanted)
        bits = self._cache.get(key)
        if bits is not None:
            self._cache.move_to_end(key)
            return bits
        texts = self.texts[field]
        index = self._indexes.get(field)
        if index is not None:
            bits = index.prefix(found[-1])
            for word in found[:-1]:
                if not bits:
                    break
                bits &= index.exact(word)
            if len(found) > 1 and bits:
                bits = self._scan(texts, wanted, bits)
        else:
            bits = self._scan(texts, wanted, self._cached_superset(field, wanted))
        self._cache[key] = bits
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return bits

    def _cached_superset(self, field: str, wanted: str) -> int | None:
        # Whatever contains " transfo" contains " transf": typing on only
        # needs to look again at what the previous keystroke found.
        for end in range(len(wanted) - 1, 1, -1):
            bits = self._cache.get((field, wanted[:end]))
            if bits is not None:
                return bits
        return None

    def _scan(self, texts: list[str], wanted: str, within: int | None) -> int:
        n = self.n
        if within is None or within.bit_count() * 2 > n:
            return pack(bytearray(map(contains, texts, repeat(wanted))))
        iids = list(compress(range(n), flags_of(within, n)))
        hits = compress(iids, map(contains, map(texts.__getitem__, iids), repeat(wanted)))
        return bits_of(hits, n)
