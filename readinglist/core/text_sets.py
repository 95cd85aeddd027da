"""The index's text fields: title, authors and abstract, and the papers a word or phrase finds in each.

Each field has a word index (``word_index.WordIndex``), read from the index
cache file when it holds this corpus's (``index_cache``, tens of ms at 100k
papers) or built by ``build_word_indexes`` (seconds: meant for a worker
thread, which then writes the cache). Until a field has its word index,
searches scan its folded text, one string per paper (``word_index.text_of``)
built the first time a search needs it, with the same results. A phrase
found through the word index is checked on the candidates' own text. Recent
answers are remembered, so typing and deleting letters stays quick.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from itertools import compress, repeat
from operator import attrgetter, contains
from typing import TYPE_CHECKING

from readinglist.core.bitsets import bits_of, bits_of_few, flags_of, is_few, numbers_of, pack
from readinglist.core.model import Paper
from readinglist.core.word_index import WordIndex, fold_fast, pattern, text_of

if TYPE_CHECKING:
    from readinglist.core.index_cache import IndexCache

TEXT_FIELDS = ("title", "author", "abstract")
_CACHE_SIZE = 256


class TextSets:
    """Folded text and word indexes of the papers numbered 0..n-1 (``paper_of(number)``).

    ``lock`` is the index's lock: ``update`` and ``phrase_set`` are called
    holding it; building takes it only for short moments. ``saved``: the
    index cache file of these papers, read before building and written after.
    """

    def __init__(
        self,
        lock: threading.RLock,
        paper_of: Callable[[int], Paper],
        n: int,
        saved: IndexCache | None = None,
        papers: list[Paper] | None = None,
        pos: list[int] | None = None,
    ) -> None:
        """``papers``: the papers the cache file describes, by position; ``pos[iid]``
        the position of paper ``iid`` (without them: ``paper_of`` now, in number order)."""
        self._lock = lock
        self._paper_of = paper_of
        self.n = n
        self._saved = saved
        self._load_lock = threading.Lock()
        self._load_tried = saved is None
        # The papers the cache file describes: the old text of a paper changed
        # since, unless changed in place.
        if saved is None:
            papers, pos = [], []
        elif papers is None or pos is None:
            papers, pos = [paper_of(iid) for iid in range(n)], list(range(n))
        self._base_papers, self._base_pos = papers, pos
        self._held: dict[str, dict[int, str]] = {field: {} for field in TEXT_FIELDS}  # text indexed, when no texts
        self._build_lock = threading.Lock()
        self._field_locks = {field: threading.Lock() for field in TEXT_FIELDS}
        self.texts: dict[str, list[str]] = {}
        self._indexes: dict[str, WordIndex] = {}
        self._changed: list[int] = []  # papers updated, for builders running meanwhile
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()

    def _base(self, iid: int) -> Paper:
        """Paper ``iid`` as the cache file describes it."""
        return self._base_papers[self._base_pos[iid]]

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

    def prepare(self, field: str) -> None:
        """Make ``field`` searchable: its word index from the cache file, else its folded text."""
        if field not in self._indexes and not self.load_saved():
            self.ensure(field)

    def load_saved(self, *, check: bool = True) -> bool:
        """Take every field's word index from the cache file if it holds these papers'; True once indexed.

        Tried once; papers updated before or while it loads are applied. A
        search arriving while another thread reads the file waits for it
        (tens of ms) rather than fold every paper's text. ``check=False``
        leaves the CRC of the postings to the caller (``_check_loaded``).
        """
        if self.indexed or self._load_tried:
            return self.indexed
        with self._load_lock:
            if not self._load_tried:
                try:
                    self._install(self._saved.load(TEXT_FIELDS, check=check) if self._saved is not None else None)
                finally:
                    self._load_tried = True  # only once installed: nobody scans meanwhile
            return self.indexed

    def _check_loaded(self) -> bool:
        """The postings read from the file are whole; if not, they are dropped (the index is built)."""
        if self._saved is None or self._saved.check_postings():
            return True
        with self._lock:
            self._indexes.clear()
            self._held = {field: {} for field in TEXT_FIELDS}
            self._cache.clear()
        return False

    def _install(self, indexes: dict[str, WordIndex] | None) -> None:
        if indexes is None:
            return
        with self._lock:
            for field, index in indexes.items():
                if field in self._indexes:
                    continue
                texts = self.texts.get(field)
                for iid in set(self._changed):  # the file holds the papers as they were at first
                    base, paper = self._base(iid), self._paper_of(iid)
                    new = texts[iid] if texts is not None else text_of(field, paper, {})
                    if base is paper:  # maybe changed in place: what the file holds is unknown
                        index.forget(iid)
                        index.replace(iid, " ", new)
                    else:
                        old = text_of(field, base, {})
                        if old != new:
                            index.replace(iid, old, new)
                    if texts is None:
                        self._held[field][iid] = new
                self._indexes[field] = index
            self._cache.clear()

    def build_word_indexes(self) -> None:
        """Build the word index of every field; updates made meanwhile are applied before it ends.

        The cache file is read first when there is one; a build writes it
        (unless papers changed meanwhile: the file is keyed by the corpus the
        index began from).
        """
        with self._build_lock:
            if self.load_saved(check=False) and self._check_loaded():
                return
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
            with self._lock:
                unchanged = not self._changed
                indexes = dict(self._indexes)
            if self._saved is not None and unchanged:
                self._saved.save(indexes)

    def update(self, iid: int, paper: Paper) -> set[str]:
        """Take paper ``iid``'s new text into account; the fields whose text changed."""
        changed = set()
        cache: dict[str, str] = {}
        for field in TEXT_FIELDS:
            texts = self.texts.get(field)
            index = self._indexes.get(field)
            if texts is None and index is None:
                continue  # nothing holds this field's text yet: it is read from the papers when needed
            new = text_of(field, paper, cache)
            if texts is not None:
                old: str | None = texts[iid]
            else:
                held = self._held[field]
                old = held.get(iid)
                if old is None and (base := self._base(iid)) is not paper:
                    old = text_of(field, base, cache)
            if new == old:
                continue
            if index is not None:
                if old is None:  # changed in place, and never seen before: look for it in every word
                    index.forget(iid)
                    index.replace(iid, " ", new)
                else:
                    index.replace(iid, old, new)
            if texts is not None:
                texts[iid] = new
            else:
                self._held[field][iid] = new
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
        texts = self.texts.get(field)
        index = self._indexes.get(field)
        if index is not None:
            bits = index.prefix(found[-1])
            for word in found[:-1]:
                if not bits:
                    break
                bits &= index.exact(word)
            if len(found) > 1 and bits:
                within = self._cached_superset(field, wanted)
                bits = self._scan_candidates(field, texts, found, bits if within is None else bits & within)
        else:
            assert texts is not None, f"{field}: prepare() it first"
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

    def _scan_candidates(self, field: str, texts: list[str] | None, found: tuple[str, ...], within: int) -> int:
        """The papers of ``within`` whose ``field`` holds the phrase ``found``: their folded text, or their own."""
        if texts is not None:
            return self._scan(texts, pattern(found), within)
        # Without the folded text (~25 us an abstract to make), the phrase is
        # a pattern over the folded field: each word whole (no letter or digit
        # before the first, at least one other character after each), the last
        # a prefix. The first word leads, so the search skips ahead to it.
        first = re.escape(found[0])
        phrase = re.compile(f"{first}(?<![^\\W_]{first})" + "".join(f"[\\W_]+{re.escape(w)}" for w in found[1:])).search
        wanted = pattern(found)
        n = self.n
        iids = numbers_of(within) if is_few(within, n) else list(compress(range(n), flags_of(within, n)))
        papers = map(self._paper_of, iids)
        if field == "author":  # names are parts: a phrase never runs from one into the next
            cache: dict[str, str] = {}
            found_in = [wanted in text_of(field, paper, cache) for paper in papers]
        else:  # lowering each candidate's text is most of the time (80% for "masked a at 300k)
            found_in = map(phrase, map(fold_fast, map(attrgetter(field), papers)))
        return bits_of_few(list(compress(iids, found_in)), n)

    def _scan(self, texts: list[str], wanted: str, within: int | None) -> int:
        n = self.n
        if within is None or within.bit_count() * 2 > n:
            return pack(bytearray(map(contains, texts, repeat(wanted))))
        iids = numbers_of(within) if is_few(within, n) else list(compress(range(n), flags_of(within, n)))
        hits = compress(iids, map(contains, map(texts.__getitem__, iids), repeat(wanted)))
        return bits_of(hits, n)
