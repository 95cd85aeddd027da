"""The search index: answers a parsed query over the whole corpus.

Built once when the corpus loads and kept current with ``update_annotation``
and ``update_paper``. Designed for 100k papers:

- Each paper gets an internal number in date order, newest first, so a set
  of papers read in ascending order is already sorted by date
  (``index_order``).
- Sets of papers are Python ints used as bitsets (``bitsets``): AND, OR and
  NOT over 100k papers take microseconds.
- Text fields are searched through a word index per field (``text_sets``,
  ``word_index``), read from the index cache file (``index_cache``) by the
  first search or ``index_text()``; without a usable file, ``index_text()``
  builds the word indexes, typically in a worker thread, and writes the
  file; ``search()`` scans the folded text until then with the same results.
- Metadata and annotations keep their own sets (``paper_sets``,
  ``annotation_sets``). Sets only the caller knows (which papers are new,
  which have a PDF) and the similarity of papers are given by the caller.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from itertools import repeat
from operator import attrgetter, gt, itemgetter
from typing import TYPE_CHECKING

from readinglist.core.annotation_sets import AnnotationSets
from readinglist.core.bitsets import bits_of_few, pack
from readinglist.core.index_order import Levels, Ordering, newest_order, paper_dates, relevance_groups
from readinglist.core.model import Annotation, Paper
from readinglist.core.paper_sets import PaperSets
from readinglist.core.query import SORTS, Group, Query, QueryError, Term, parse_query
from readinglist.core.steps import mapped, numbered
from readinglist.core.text_sets import TEXT_FIELDS, TextSets
from readinglist.core.word_index import AFTER_ALL, fold_fast, pattern

if TYPE_CHECKING:
    from readinglist.core.index_cache import IndexCache

CALLER_FLAGS = ("new", "pdf")
"""Sets the caller gives with ``set_flag``: ``is:new`` and ``has:pdf``."""

FIT_TERM = Term("like", value="starred")
"""What the similarity hook is asked for the "fit" sort of a query without like: terms."""

Similarity = Callable[[Term], Sequence[float] | None]
"""Given a like: term, a score per paper position (> 0: similar), or None when it cannot tell."""

_Scores = dict[Term, Sequence[float]]


class SimilarityUnavailable(QueryError):
    """A like: term or the fit sort, and no similarity model to answer it."""


class SearchIndex:
    """Evaluates queries over ``papers``; results are positions in that list.

    Thread safe: ``search`` may run in a worker thread while the UI thread
    calls ``update_annotation``, and ``index_text`` may run in another.
    ``clock`` gives the current time in UTC, for ``added:7d``.
    """

    def __init__(
        self,
        papers: Sequence[Paper],
        annotations: Mapping[str, Annotation],
        *,
        clock: Callable[[], datetime] | None = None,
        saved: IndexCache | None = None,
        newest: Sequence[int] | None = None,
        dates: Sequence[str] | None = None,
    ) -> None:
        """``saved``: the index cache file of the corpus ``papers`` were read from (None: none).
        ``newest``: the positions of ``papers`` newest first, if the caller sorted them already;
        ``dates``: each paper's date ("" for none), if the caller read them already."""
        self._lock = threading.RLock()
        self._papers = list(papers)
        n = self._n = len(self._papers)
        self._all = (1 << n) - 1
        # Set up after the first paint, before the first search answers: C
        # loops (attrgetter, itemgetter) where it can, ~60 ms less at 100k.
        if dates is None or len(dates) != n:
            dates = paper_dates(self._papers)
        if newest is None or len(newest) != n:
            newest = newest_order(dates)
        self._pos = list(newest)
        self._order = Ordering(self._pos, list(dates))
        # Papers are read in position order, the order they were built in:
        # reading them in number order (scattered in memory) took 3x longer.
        # In steps: the worker does this while the first frame is painted.
        ids_by_position = mapped(attrgetter("id"), self._papers)
        ids = mapped(ids_by_position.__getitem__, self._pos)
        self._iid_by_id = numbered(ids)
        # Built by the first search that needs them: a text query typed at
        # launch does not wait for them.
        self._ids: tuple[list[str], list[int]] | None = None
        self._meta: PaperSets | None = None
        self._updated: list[int] = []  # papers updated, for a metadata build running meanwhile
        self._meta_lock = threading.Lock()  # one metadata build at a time
        self._annotations = AnnotationSets(n)
        for paper_id, annotation in annotations.items():
            iid = self._iid_by_id.get(paper_id)
            if iid is not None:
                self._annotations.set(iid, annotation)
        if saved is not None:
            saved = saved.for_papers(ids)
        self._text = TextSets(self._lock, self._paper_of, n, saved, self._papers.copy() if saved else None, self._pos)
        self._flags = dict.fromkeys(CALLER_FLAGS, 0)
        self._similarity: Similarity | None = None
        self._gather_fn: Callable[[Sequence[float]], Sequence[float]] | None = None
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def __len__(self) -> int:
        return self._n

    def _paper_of(self, iid: int) -> Paper:
        return self._papers[self._pos[iid]]

    def _gather(self) -> Callable[[Sequence[float]], Sequence[float]]:
        """values by position -> values by paper number (a C loop: ~2 ms at 100k)."""
        gather = self._gather_fn
        if gather is None:
            pos = self._pos
            # itemgetter of one index gives a value, not a tuple; of none, an error.
            gather = itemgetter(*pos) if len(pos) > 1 else (lambda values: [values[i] for i in pos])
            self._gather_fn = gather
        return gather

    @property
    def _metadata(self) -> PaperSets:
        with self._lock:
            if self._meta is None:
                self._meta = PaperSets(list(map(self._papers.__getitem__, self._pos)))
            return self._meta

    def _build_metadata(self) -> None:
        """The metadata sets, built without holding the lock (0.3 s at 100k): searches go on meanwhile.

        A search needing them while the worker builds them waits for that build.
        """
        if self._meta is not None:
            return
        with self._meta_lock:
            with self._lock:
                if self._meta is not None:
                    return
                papers = mapped(self._papers.__getitem__, self._pos)  # in index order
                seen = len(self._updated)
            built = PaperSets(papers)
            with self._lock:
                for iid in dict.fromkeys(self._updated[seen:]):
                    for name in built.update(iid, self._paper_of(iid)):
                        self._order.forget(name)
                self._meta = built

    def _id_order(self) -> tuple[list[str], list[int]]:
        """Folded ids, sorted, and their papers' numbers (for id: prefixes)."""
        if self._ids is None:
            order = sorted((fold_fast(paper_id), iid) for paper_id, iid in self._iid_by_id.items())
            self._ids = [key for key, _ in order], [iid for _, iid in order]
        return self._ids

    @property
    def text_indexed(self) -> bool:
        """True once ``index_text`` has finished; searches are fastest then."""
        return self._text.indexed

    def index_text(self) -> None:
        """Read the word index of every text field from the cache file, or build it (seconds at 100k papers).

        Meant for a worker thread: searches and updates keep working while it
        runs, and updates made meanwhile are applied before it finishes. A
        build writes the cache file (when the index was given one). The
        metadata sets (cat:, year:, has:code...) are built then too, unless a
        search needed them first.
        """
        self._text.build_word_indexes()
        self._build_metadata()

    # --- what the caller tells the index ----------------------------------------

    def update_annotation(self, paper_id: str, annotation: Annotation | None) -> None:
        """Take a changed star, status, tags or note into account (cheap)."""
        with self._lock:
            self._annotations.set(self._iid_by_id[paper_id], annotation)
            self._order.forget("changed")

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
            self._updated.append(iid)
            for name in self._meta.update(iid, paper) if self._meta is not None else ():
                self._order.forget(name)
            self._order.date_changed(iid, paper.date or "")
            if "title" in self._text.update(iid, paper):
                self._order.forget("title")

    def set_flag(self, name: str, paper_ids: Iterable[str]) -> None:
        """The papers ``has:pdf`` (name "pdf") or ``is:new`` (name "new") finds; unknown ids are ignored."""
        if name not in CALLER_FLAGS:
            raise ValueError(f"unknown flag {name!r}: choose one of {', '.join(CALLER_FLAGS)}")
        iids = [iid for iid in map(self._iid_by_id.get, paper_ids) if iid is not None]
        with self._lock:
            self._flags[name] = bits_of_few(iids, self._n)

    def set_new(self, paper_ids: Iterable[str]) -> None:
        """The papers ``is:new`` finds."""
        self.set_flag("new", paper_ids)

    def set_similarity(self, similarity: Similarity | None) -> None:
        """The hook answering ``like:`` terms and the "fit" sort (None: there is none)."""
        self._similarity = similarity

    # --- searching --------------------------------------------------------------

    def search(self, query: Query | str, sort: str = "relevance") -> Sequence[int]:
        """Positions (into the papers given at construction) matching ``query``, ordered by ``sort``.

        A large answer is a ``LazyPositions``, worked out as far as it is read.

        ``query`` may be text (parsed here, so ``QueryError`` may be raised).
        ``SimilarityUnavailable`` is raised for like: terms or the "fit" sort
        when no similarity hook answers.
        """
        if isinstance(query, str):
            query = parse_query(query)
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}: choose one of {', '.join(SORTS)}")
        for field in _fields_needed(query):
            self._text.prepare(field)
        if sort == "title":
            self._text.ensure("title")
        if sort in ("added", "upvotes") or any(_needs_metadata(term) for term in query.terms):
            self._build_metadata()  # before taking the lock: an index_text() building them may be under way
        scores = self._similarities(query, sort)  # outside the lock: a model may take a while
        with self._lock:
            result, levels = self._evaluate(query.tree, scores)
            if not result:
                return []
            return self._ordered(result, levels, sort, query, scores)

    def _similarities(self, query: Query, sort: str) -> _Scores:
        wanted = [term for term in query.terms if term.field == "like"]
        if sort == "fit" and not query.like_terms:
            wanted.append(FIT_TERM)
        scores: _Scores = {}
        for term in wanted:
            key = Term("like", value=term.value)
            if key in scores:
                continue
            found = self._similarity(key) if self._similarity is not None else None
            if found is None:
                what = "the fit sort needs" if term is FIT_TERM else "like: needs"
                raise SimilarityUnavailable(f"{what} the similarity model", term.position)
            if len(found) != self._n:
                raise ValueError(f"the similarity hook gave {len(found)} scores for {self._n} papers")
            scores[key] = found
        return scores

    def _evaluate(self, node: Term | Group, scores: _Scores) -> tuple[int, Levels | None]:
        """The papers ``node`` finds, and the relevance levels of its free words (None: it has none)."""
        levels: Levels | None = None
        if isinstance(node, Term):
            if node.field is None:
                title, author, abstract = (self._text.phrase_set(field, node.words) for field in TEXT_FIELDS)
                annotated = self._annotations.words_set(pattern(node.words))
                matched = title | author | abstract | annotated
                levels = (title, title | author, title | author | abstract)
            else:
                matched = self._term_set(node, scores)
        elif node.any_of:
            matched, found = 0, [0, 0, 0]
            for child in node.children:
                bits, child_levels = self._evaluate(child, scores)
                matched |= bits
                # A paper ranks by the best side it matches; a side without free words ranks first.
                for level, level_bits in enumerate(child_levels or (bits, bits, bits)):
                    found[level] |= level_bits & bits
            levels = (found[0], found[1], found[2])
        else:
            matched = self._all
            for child in node.children:
                bits, child_levels = self._evaluate(child, scores)
                matched &= bits
                if not matched:
                    levels = None
                    break
                if child_levels is not None:
                    levels = child_levels if levels is None else _both(levels, child_levels)
        if node.negated:
            return self._all & ~matched, None
        return matched, levels

    def _term_set(self, term: Term, scores: _Scores) -> int:
        field, value = term.field, term.value
        if field in TEXT_FIELDS:
            return self._text.phrase_set(field, term.words)  # type: ignore[arg-type]
        if field == "note":
            return self._annotations.note_set(pattern(term.words))
        if field == "tag":
            return self._annotations.tag_set(value)
        if field == "cat":
            return self._metadata.category_set(value)
        if field == "year":
            return self._metadata.year_set(*term.years)
        if field in ("added", "listed"):
            low, high = term.span
            if term.ago is not None:
                since = (self._clock() - timedelta(seconds=term.ago)).strftime("%Y-%m-%dT%H:%M:%S")
                low = since if field == "added" else since[:10]  # listed is a day: that whole day counts
            return self._metadata.date_set(field, low, high)
        if field == "upvotes":
            return self._metadata.upvotes_set(*term.counts)
        if field == "like":
            wanted = scores[Term("like", value=value)]
            # The scores are by position, the bits by paper number: a flag per
            # position, then one gather of them in C. Gathering the scores
            # themselves made a tuple of 100k floats: ~10 ms instead of ~5.
            return pack(bytearray(self._gather()(bytes(map(gt, wanted, repeat(0.0))))))
        if field == "id":
            keys, iids = self._id_order()
            start = bisect_left(keys, value)
            stop = bisect_left(keys, value + AFTER_ALL, start)
            return bits_of_few(iids[start:stop], self._n)
        if (field, value) in (("is", "new"), ("has", "pdf")):
            return self._flags[value]
        if (field, value) == ("has", "code"):
            return self._metadata.code
        if (field, value) == ("has", "arxiv"):
            return self._metadata.arxiv
        return self._annotations.flag(f"{field}:{value}", self._all)

    # --- ordering ---------------------------------------------------------------

    def _ordered(self, result: int, levels: Levels | None, sort: str, query: Query, scores: _Scores) -> Sequence[int]:
        order = self._order
        if sort in ("relevance", "fit"):
            liked = [scores[Term("like", value=term.value)] for term in query.like_terms]
            if sort == "fit" and not liked:
                liked = [scores[FIT_TERM]]
            if liked:
                combined = liked[0] if len(liked) == 1 else [sum(each) for each in zip(*liked)]
                return order.by_scores(result, combined)
            return order.positions(relevance_groups(result, levels))
        if sort == "date":
            return order.positions([result])
        if sort == "starred":
            starred = self._annotations.flag("is:starred", self._all)
            return order.positions(relevance_groups(result & starred, levels) + relevance_groups(result & ~starred, levels))
        if sort == "title":
            return order.by_key(result, "title", lambda: list(enumerate(self._text.texts["title"])), descending=False)
        if sort == "changed":
            return order.by_key(result, "changed", self._annotations.changed, descending=True)
        values = self._metadata.added if sort == "added" else self._metadata.upvotes
        return order.by_key(result, sort, lambda: _present(values.of), descending=True)


def _both(first: Levels, second: Levels) -> Levels:
    return (first[0] & second[0], first[1] & second[1], first[2] & second[2])


def _present(values: Sequence[object]) -> list[tuple[int, object]]:
    return [(iid, value) for iid, value in enumerate(values) if value is not None]


def _needs_metadata(term: Term) -> bool:
    if term.field in ("cat", "year", "added", "listed", "upvotes"):
        return True
    return term.field == "has" and term.value in ("code", "arxiv")


def _fields_needed(query: Query) -> list[str]:
    needed = set()
    for term in query.terms:
        if term.field is None:
            needed.update(TEXT_FIELDS)
        elif term.field in TEXT_FIELDS:
            needed.add(term.field)
    return [field for field in TEXT_FIELDS if field in needed]
