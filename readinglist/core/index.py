"""The search index: answers a parsed query over the whole corpus.

Built once when the corpus loads and kept current with ``update_annotation``
and ``update_paper``. Designed for 100k papers:

- Each paper gets an internal number in date order, newest first, so a set
  of papers read in ascending order is already sorted by date.
- Sets of papers are Python ints used as bitsets (bit i = paper i): AND,
  OR and NOT over 100k papers take microseconds.
- Text fields are kept as one folded string per paper, " word word ... ",
  so a prefix or a phrase is a substring test (" transf", " masked auto").
- A word index per field (folded word -> papers) answers a prefix with a
  binary search of the sorted vocabulary instead of a scan. It takes seconds
  to build at 100k papers, so ``index_text()`` builds it, typically in a
  worker thread; ``search()`` scans until then and returns the same results.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, insort
from collections import OrderedDict, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress, groupby, repeat
from operator import contains, itemgetter

from readinglist.core.model import Annotation, Paper
from readinglist.core.query import SORTS, Query, Term, parse_query
from readinglist.core.text import fold, words

TEXT_FIELDS = ("title", "author", "abstract")

_ASCII_WORDS = str.maketrans({chr(c): (chr(c) if chr(c).isalnum() else " ") for c in range(128)})
_TO_ASCII = bytes.maketrans(b"\x00\x01", b"01")
_EXPAND = tuple(bytes((byte >> bit) & 1 for bit in range(8)) for byte in range(256))
_AFTER_ALL = "\U0010ffff"  # sorts after every word character
_PART_SEPARATOR = " ; "  # not a word, so a phrase never runs from one author or tag into the next
_CACHE_SIZE = 256
_BUILD_CHUNK = 32768


# --- sets of papers as bitsets ------------------------------------------------


def _pack(flags: bytearray) -> int:
    """A bitset from one 0/1 byte per paper."""
    return int(flags.translate(_TO_ASCII)[::-1], 2) if flags else 0


def _bits_of(iids: Iterable[int], n: int) -> int:
    flags = bytearray(n)
    deque(map(flags.__setitem__, iids, repeat(1)), maxlen=0)
    return _pack(flags)


def _bits_of_few(iids: Sequence[int], n: int) -> int:
    if len(iids) > 64:
        return _bits_of(iids, n)
    bits = 0
    for iid in iids:
        bits |= 1 << iid
    return bits


def _flags(bits: int, n: int) -> bytes:
    """One 0/1 byte per paper (at least ``n``), for ``itertools.compress``."""
    return b"".join(map(_EXPAND.__getitem__, bits.to_bytes((n + 7) // 8, "little")))


# --- folded text ------------------------------------------------------------------


def _normalized(text: str) -> str:
    """The folded words of ``text`` joined by single spaces, with a space at both ends.

    Same words as ``text.words``; plain ASCII takes a fast path because
    folding character by character costs seconds over 100k abstracts.
    """
    if text.isascii():
        found = text.lower().translate(_ASCII_WORDS).split()
    else:
        found = words(text)
    return f" {' '.join(found)} " if found else " "


def _fold(text: str) -> str:
    """``text.fold`` with a fast path for plain ASCII (casefold is lower there)."""
    return text.lower() if text.isascii() else fold(text)


def _authors_text(authors: Sequence[str], cache: dict[str, str]) -> str:
    parts = []
    for name in authors:
        part = cache.get(name)
        if part is None:
            part = cache[name] = _normalized(name).strip()
        parts.append(part)
    return f" {_PART_SEPARATOR.join(parts)} " if parts else " "


def _text_of(field: str, paper: Paper, cache: dict[str, str]) -> str:
    if field == "title":
        return _normalized(paper.title)
    if field == "author":
        return _authors_text(paper.authors, cache)
    return _normalized(paper.abstract)


def _pattern(found: Sequence[str]) -> str:
    # No trailing space: the last word matches as a prefix.
    return " " + " ".join(found)


def _year(paper: Paper) -> int | None:
    head = (paper.date or "")[:4]
    return int(head) if len(head) == 4 and head.isdigit() else None


def _has_code(paper: Paper) -> bool:
    return bool(paper.has_code or paper.code_links)


# --- the word index of one field -----------------------------------------------


class _WordIndex:
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
                self.postings[term] = _bits_of(iids, n)
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
        return bits | _pack(flags) if flags is not None else bits

    def prefix(self, word: str) -> int:
        if len(word) == 1:
            return self.by_first.get(word, 0)
        low = bisect_left(self.vocab, word)
        high = bisect_left(self.vocab, word + _AFTER_ALL, low)
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


# --- the index --------------------------------------------------------------------


class SearchIndex:
    """Evaluates queries over ``papers``; results are positions in that list.

    Thread safe: ``search`` may run in a worker thread while the UI thread
    calls ``update_annotation``, and ``index_text`` may run in another.
    """

    def __init__(self, papers: Sequence[Paper], annotations: Mapping[str, Annotation]) -> None:
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._text_locks = {field: threading.Lock() for field in TEXT_FIELDS}
        self._papers = list(papers)
        n = self._n = len(self._papers)
        self._all = (1 << n) - 1
        dates = [paper.date or "" for paper in self._papers]
        # Stable: equal dates keep list order. Missing dates ("") sort last.
        self._pos = sorted(range(n), key=dates.__getitem__, reverse=True)
        self._date_of = [dates[pos] for pos in self._pos]
        self._stale_dates = False  # a date changed: numbers are no longer in date order
        self._order: list[int] = []  # numbers newest first, once stale
        self._rank: list[int] | None = None  # each number's place in _order
        self._iid_by_id = {self._papers[pos].id: iid for iid, pos in enumerate(self._pos)}
        id_order = sorted((_fold(paper_id), iid) for paper_id, iid in self._iid_by_id.items())
        self._id_keys = [key for key, _ in id_order]
        self._id_iids = [iid for _, iid in id_order]

        self._years: dict[int, int] = {}
        self._categories: dict[str, int] = {}
        self._code = self._arxiv = 0
        self._index_metadata()

        self._annotations: dict[int, Annotation] = {}
        self._starred: set[int] = set()
        self._reading: set[int] = set()
        self._read: set[int] = set()
        self._noted: set[int] = set()
        self._tagged: set[int] = set()
        self._annotation_text: dict[int, tuple[str, str, tuple[str, ...]]] = {}
        self._annotation_bits: dict[str, int] = {}
        for paper_id, annotation in annotations.items():
            iid = self._iid_by_id.get(paper_id)
            if iid is not None:
                self._set_annotation(iid, annotation)

        self._texts: dict[str, list[str]] = {}
        self._word_indexes: dict[str, _WordIndex] = {}
        self._changed_iids: list[int] = []  # papers updated, for builders running meanwhile
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._title_order: list[int] | None = None
        self._changed_order: list[int] | None = None

    def __len__(self) -> int:
        return self._n

    @property
    def text_indexed(self) -> bool:
        """True once ``index_text`` has finished; searches are fastest then."""
        return len(self._word_indexes) == len(TEXT_FIELDS)

    # --- building ---------------------------------------------------------------

    def _index_metadata(self) -> None:
        years: defaultdict[int, list[int]] = defaultdict(list)
        categories: defaultdict[str, list[int]] = defaultdict(list)
        code, arxiv = [], []
        for iid, pos in enumerate(self._pos):
            paper = self._papers[pos]
            year = _year(paper)
            if year is not None:
                years[year].append(iid)
            if paper.category:
                categories[_fold(paper.category).strip()].append(iid)
            if _has_code(paper):
                code.append(iid)
            if paper.arxiv_id:
                arxiv.append(iid)
        n = self._n
        self._years = {year: _bits_of(iids, n) for year, iids in years.items()}
        self._categories = {cat: _bits_of(iids, n) for cat, iids in categories.items()}
        self._code = _bits_of(code, n)
        self._arxiv = _bits_of(arxiv, n)

    def _ensure_text(self, field: str) -> list[str]:
        texts = self._texts.get(field)
        if texts is not None:
            return texts
        with self._text_locks[field]:
            texts = self._texts.get(field)
            if texts is not None:
                return texts
            with self._lock:
                papers = [self._papers[pos] for pos in self._pos]
                seen = len(self._changed_iids)
            cache: dict[str, str] = {}
            texts = [_text_of(field, paper, cache) for paper in papers]
            with self._lock:
                for iid in self._changed_iids[seen:]:
                    texts[iid] = _text_of(field, self._papers[self._pos[iid]], cache)
                self._texts[field] = texts
            return texts

    def index_text(self) -> None:
        """Build the word index of every text field (seconds at 100k papers).

        Meant for a worker thread: searches and updates keep working while it
        runs, and updates made meanwhile are applied before it finishes.
        """
        with self._build_lock:
            for field in TEXT_FIELDS:
                if field in self._word_indexes:
                    continue
                self._ensure_text(field)
                with self._lock:
                    snapshot = list(self._texts[field])
                    seen = len(self._changed_iids)
                index = _WordIndex(snapshot, self._n)
                with self._lock:
                    current = self._texts[field]
                    for iid in set(self._changed_iids[seen:]):
                        if current[iid] != snapshot[iid]:
                            index.replace(iid, snapshot[iid], current[iid])
                    self._word_indexes[field] = index

    # --- updates ----------------------------------------------------------------

    def update_annotation(self, paper_id: str, annotation: Annotation | None) -> None:
        """Take a changed star, status, tags or note into account (cheap)."""
        with self._lock:
            self._set_annotation(self._iid_by_id[paper_id], annotation)
            self._annotation_bits.clear()
            self._changed_order = None

    def _set_annotation(self, iid: int, annotation: Annotation | None) -> None:
        for members in (self._starred, self._reading, self._read, self._noted, self._tagged):
            members.discard(iid)
        self._annotations.pop(iid, None)
        self._annotation_text.pop(iid, None)
        if annotation is None:
            return
        self._annotations[iid] = annotation
        if annotation.star:
            self._starred.add(iid)
        if annotation.status == "reading":
            self._reading.add(iid)
        elif annotation.status == "read":
            self._read.add(iid)
        tags = [tag for tag in annotation.tags if tag.strip()]
        note = annotation.note.strip()
        if tags:
            self._tagged.add(iid)
        if note:
            self._noted.add(iid)
        if tags or note:
            tag_words = _PART_SEPARATOR.join(_normalized(tag).strip() for tag in tags)
            folded_tags = tuple(" ".join(_fold(tag).split()) for tag in tags)
            self._annotation_text[iid] = (f" {tag_words} ", _normalized(note), folded_tags)

    def update_paper(self, paper: Paper) -> None:
        """Take a paper changed by enrichment into account (the id must be known).

        Works when ``paper`` is the same object, mutated in place: nothing is
        compared with the old object, only with what the index holds.
        """
        with self._lock:
            iid = self._iid_by_id.get(paper.id)
            if iid is None:
                raise KeyError(f"paper {paper.id} is not in the index")
            self._papers[self._pos[iid]] = paper
            bit = 1 << iid
            year = _year(paper)
            for key, bits in list(self._years.items()):
                if key != year and bits & bit:
                    self._years[key] = bits & ~bit
            if year is not None:
                self._years[year] = self._years.get(year, 0) | bit
            category = _fold(paper.category).strip() if paper.category else None
            for key, bits in list(self._categories.items()):
                if key != category and bits & bit:
                    self._categories[key] = bits & ~bit
            if category:
                self._categories[category] = self._categories.get(category, 0) | bit
            self._code = self._code | bit if _has_code(paper) else self._code & ~bit
            self._arxiv = self._arxiv | bit if paper.arxiv_id else self._arxiv & ~bit
            date = paper.date or ""
            if date != self._date_of[iid]:
                self._date_of[iid] = date
                self._rank = self._title_order = self._changed_order = None
                self._stale_dates = True
            cache: dict[str, str] = {}
            for field, texts in self._texts.items():
                new = _text_of(field, paper, cache)
                if new != texts[iid]:
                    index = self._word_indexes.get(field)
                    if index is not None:
                        index.replace(iid, texts[iid], new)
                    texts[iid] = new
                    if field == "title":
                        self._title_order = None
            self._changed_iids.append(iid)
            self._cache.clear()

    # --- searching --------------------------------------------------------------

    def search(self, query: Query | str, sort: str = "relevance") -> list[int]:
        """Positions (into the papers given at construction) matching ``query``, ordered by ``sort``.

        ``query`` may be text (parsed here, so ``QueryError`` may be raised).
        """
        if isinstance(query, str):
            query = parse_query(query)
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}: choose one of {', '.join(SORTS)}")
        for field in _fields_needed(query, sort):
            self._ensure_text(field)
        with self._lock:
            result = self._all
            ranked: list[tuple[int, int, int]] = []
            for term in query.terms:
                if term.field is None:
                    title, author, abstract, annotation = self._free_sets(term.words)
                    matched = title | author | abstract | annotation
                    if not term.negated:
                        ranked.append((title, author, abstract))
                else:
                    matched = self._field_set(term)
                result = result & ~matched if term.negated else result & matched
                if not result:
                    return []
            return self._ordered(result, ranked, sort)

    def _free_sets(self, found: tuple[str, ...]) -> tuple[int, int, int, int]:
        pattern = _pattern(found)
        return (
            self._text_set("title", found),
            self._text_set("author", found),
            self._text_set("abstract", found),
            self._annotation_set(lambda tags, note, _folded: pattern in tags or pattern in note),
        )

    def _text_set(self, field: str, found: tuple[str, ...]) -> int:
        pattern = _pattern(found)
        key = (field, pattern)
        bits = self._cache.get(key)
        if bits is not None:
            self._cache.move_to_end(key)
            return bits
        texts = self._texts[field]
        index = self._word_indexes.get(field)
        if index is not None:
            bits = index.prefix(found[-1])
            for word in found[:-1]:
                if not bits:
                    break
                bits &= index.exact(word)
            if len(found) > 1 and bits:
                bits = self._scan(texts, pattern, bits)
        else:
            bits = self._scan(texts, pattern, self._cached_superset(field, pattern))
        self._cache[key] = bits
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return bits

    def _cached_superset(self, field: str, pattern: str) -> int | None:
        # Whatever contains " transfo" contains " transf": typing on only
        # needs to look again at what the previous keystroke found.
        for end in range(len(pattern) - 1, 1, -1):
            bits = self._cache.get((field, pattern[:end]))
            if bits is not None:
                return bits
        return None

    def _scan(self, texts: list[str], pattern: str, within: int | None) -> int:
        n = self._n
        if within is None or within.bit_count() * 2 > n:
            return _pack(bytearray(map(contains, texts, repeat(pattern))))
        iids = list(compress(range(n), _flags(within, n)))
        hits = compress(iids, map(contains, map(texts.__getitem__, iids), repeat(pattern)))
        return _bits_of(hits, n)

    def _annotation_set(self, test) -> int:
        hits = [iid for iid, (tags, note, folded) in self._annotation_text.items() if test(tags, note, folded)]
        return _bits_of_few(hits, self._n)

    def _field_set(self, term: Term) -> int:
        field, value = term.field, term.value
        if field in TEXT_FIELDS:
            return self._text_set(field, term.words)
        if field == "note":
            pattern = _pattern(term.words)
            return self._annotation_set(lambda _tags, note, _folded: pattern in note)
        if field == "tag":
            return self._annotation_set(lambda _tags, _note, folded: any(tag.startswith(value) for tag in folded))
        if field == "cat":
            bits = 0
            for category, members in self._categories.items():
                if category.startswith(value) or category.partition(".")[2].startswith(value):
                    bits |= members
            return bits
        if field == "year":
            low, high = term.years
            bits = 0
            for year, members in self._years.items():
                if (low is None or year >= low) and (high is None or year <= high):
                    bits |= members
            return bits
        if field == "id":
            start = bisect_left(self._id_keys, value)
            stop = bisect_left(self._id_keys, value + _AFTER_ALL, start)
            return _bits_of_few(self._id_iids[start:stop], self._n)
        return self._flag_set(f"{field}:{value}")

    def _flag_set(self, name: str) -> int:
        bits = self._annotation_bits.get(name)
        if bits is not None:
            return bits
        n = self._n
        if name == "is:starred":
            bits = _bits_of(self._starred, n)
        elif name == "is:reading":
            bits = _bits_of(self._reading, n)
        elif name == "is:read":
            bits = _bits_of(self._read, n)
        elif name == "is:unread":
            bits = self._all & ~_bits_of(self._reading | self._read, n)
        elif name == "has:note":
            bits = _bits_of(self._noted, n)
        elif name == "has:tags":
            bits = _bits_of(self._tagged, n)
        elif name == "has:code":
            return self._code
        elif name == "has:arxiv":
            return self._arxiv
        else:  # the parser only lets known values through
            raise ValueError(name)
        self._annotation_bits[name] = bits
        return bits

    # --- ordering ---------------------------------------------------------------

    def _ordered(self, result: int, ranked: list[tuple[int, int, int]], sort: str) -> list[int]:
        if sort == "relevance":
            return self._positions(_relevance_groups(result, ranked))
        if sort == "date":
            return self._positions([result])
        if sort == "starred":
            starred = self._flag_set("is:starred")
            groups = _relevance_groups(result & starred, ranked) + _relevance_groups(result & ~starred, ranked)
            return self._positions(groups)
        order = self._by_title() if sort == "title" else self._by_change()
        flags = _flags(result, self._n)
        first = list(compress(map(self._pos.__getitem__, order), map(flags.__getitem__, order)))
        if sort == "title":
            return first
        return first + self._positions([result & ~_bits_of_few(order, self._n)])

    def _positions(self, groups: Iterable[int]) -> list[int]:
        """Each group's papers newest first, one group after the other."""
        n = self._n
        out: list[int] = []
        for bits in groups:
            if not bits:
                continue
            flags = _flags(bits, n)
            if not self._stale_dates:
                out.extend(compress(self._pos, flags))
                continue
            order, rank = self._date_order()
            if bits.bit_count() * 16 < n:
                iids = sorted(compress(range(n), flags), key=rank.__getitem__)
            else:
                iids = compress(order, map(flags.__getitem__, order))
            out.extend(map(self._pos.__getitem__, iids))
        return out

    def _date_order(self) -> tuple[list[int], list[int]]:
        """Paper numbers newest first, and each number's place in that list.

        Only needed once a date has changed: before, numbers are in date order.
        """
        if self._rank is None:
            order = sorted(range(self._n), key=self._pos.__getitem__)
            order.sort(key=self._date_of.__getitem__, reverse=True)
            rank = [0] * self._n
            for place, iid in enumerate(order):
                rank[iid] = place
            self._order, self._rank = order, rank
        return self._order, self._rank

    def _newest_first(self, iids: Iterable[int]) -> list[int]:
        if not self._stale_dates:
            return sorted(iids)
        rank = self._date_order()[1]
        return sorted(iids, key=rank.__getitem__)

    def _by_title(self) -> list[int]:
        if self._title_order is None:
            titles = self._texts["title"]
            order = self._newest_first(range(self._n))
            order.sort(key=titles.__getitem__)
            self._title_order = order
        return self._title_order

    def _by_change(self) -> list[int]:
        if self._changed_order is None:
            changed = [iid for iid, a in self._annotations.items() if a.updated]
            order = self._newest_first(changed)
            order.sort(key=lambda iid: self._annotations[iid].updated, reverse=True)
            self._changed_order = order
        return self._changed_order


def _relevance_groups(result: int, ranked: list[tuple[int, int, int]]) -> list[int]:
    """Papers whose words all hit the title, then title or authors, then also the abstract, then the rest."""
    if not ranked:
        return [result]
    in_title = in_authors = in_abstract = result
    for title, author, abstract in ranked:
        in_title &= title
        in_authors &= title | author
        in_abstract &= title | author | abstract
    return [in_title, in_authors & ~in_title, in_abstract & ~in_authors, result & ~in_abstract]


def _fields_needed(query: Query, sort: str) -> list[str]:
    needed = {"title"} if sort == "title" else set()
    for term in query.terms:
        if term.field is None:
            needed.update(TEXT_FIELDS)
        elif term.field in TEXT_FIELDS:
            needed.add(term.field)
    return [field for field in TEXT_FIELDS if field in needed]
