"""The orders of search results: newest first, relevance groups, and the sorts by a key.

Papers are known by their number in the index, given in date order (newest
first), so a bitset read in ascending order is already newest first. Once a
paper's date changes that no longer holds and a date order is kept instead.
"""

from __future__ import annotations

import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import attrgetter, ge, not_
from typing import Any, overload

from readinglist.core.bitsets import bits_of_few, few, flags_of, is_few, numbers_of


def paper_dates(papers: Sequence[Any]) -> list[str]:
    """Each paper's date, "" for none (which sorts last, newest first)."""
    return [date or "" for date in map(attrgetter("date"), papers)]


def newest_order(dates: Sequence[str]) -> list[int]:
    """The positions of ``dates`` newest first; equal dates keep their order.

    New int objects, laid out in this order: every search walks this list
    (the index numbers papers in it), and walking the sorted range's ints,
    scattered in memory, took twice as long at 300k.
    """
    return array("q", sorted(range(len(dates)), key=dates.__getitem__, reverse=True)).tolist()


# Papers whose free words all hit the title, the title or authors, the title, authors or abstract.
Levels = tuple[int, int, int]


def relevance_groups(result: int, levels: Levels | None) -> list[int]:
    """``result`` split by relevance: title hits, then author hits, then abstract hits, then the rest."""
    if levels is None:
        return [result]
    in_title, in_authors, in_abstract = (result & bits for bits in levels)  # each contains the one before
    return [in_title, in_authors & ~in_title, in_abstract & ~in_authors, result & ~in_abstract]


class Ordering:
    """Turns sets of paper numbers into positions, in the order a sort asks for."""

    def __init__(self, pos: list[int], dates: list[str]) -> None:
        """``pos[iid]`` is paper ``iid``'s position for the caller; ``dates[position]``
        the date of the paper at that position (the Ordering's own list: it changes it)."""
        self.n = len(pos)
        self.pos = pos
        self.dates = dates  # by position: read in position order, it costs nothing to set up
        self._stale_dates = False  # a date changed: numbers are no longer in date order
        self._order: list[int] = []  # numbers newest first, once stale
        self._rank: list[int] | None = None  # each number's place in _order
        self._sorted: dict[str, list[int]] = {}
        self._numbers_of: list[int] | None = None

    def date_changed(self, iid: int, date: str) -> None:
        position = self.pos[iid]
        if date != self.dates[position]:
            self.dates[position] = date
            self._rank = None
            self._sorted.clear()  # ties are broken newest first
            self._stale_dates = True

    def forget(self, name: str) -> None:
        """The keys of sort ``name`` changed."""
        self._sorted.pop(name, None)

    def positions(self, groups: Iterable[int]) -> Sequence[int]:
        """Each group's papers newest first, one group after the other.

        A large answer comes back as a ``LazyPositions``: worked out as it is
        read, so the first screen of 300k papers costs what 40 papers do.
        """
        groups = [bits for bits in groups if bits]
        if not self._stale_dates and not few(sum(bits.bit_count() for bits in groups), self.n):
            return LazyPositions(groups, self.pos)
        return self._positions(groups)

    def _positions(self, groups: Iterable[int]) -> list[int]:
        n = self.n
        out: list[int] = []
        for bits in groups:
            if not bits:
                continue
            if is_few(bits, n):  # a walk over every paper would cost more than these few
                numbers = numbers_of(bits)
                if self._stale_dates:
                    numbers.sort(key=self._date_order()[1].__getitem__)
                out.extend(map(self.pos.__getitem__, numbers))
                continue
            flags = flags_of(bits, n)
            if not self._stale_dates:
                out.extend(compress(self.pos, flags))
                continue
            order, rank = self._date_order()
            if bits.bit_count() * 16 < n:
                iids = sorted(compress(range(n), flags), key=rank.__getitem__)
            else:
                iids = compress(order, map(flags.__getitem__, order))
            out.extend(map(self.pos.__getitem__, iids))
        return out

    def _date_order(self) -> tuple[list[int], list[int]]:
        """Paper numbers newest first, and each number's place in that list.

        Only needed once a date has changed: before, numbers are in date order.
        """
        if self._rank is None:
            order = sorted(range(self.n), key=self.pos.__getitem__)
            order.sort(key=list(map(self.dates.__getitem__, self.pos)).__getitem__, reverse=True)
            rank = [0] * self.n
            for place, iid in enumerate(order):
                rank[iid] = place
            self._order, self._rank = order, rank
        return self._order, self._rank

    def newest_first(self, iids: Iterable[int]) -> list[int]:
        if not self._stale_dates:
            return sorted(iids)
        rank = self._date_order()[1]
        return sorted(iids, key=rank.__getitem__)

    def by_key(
        self,
        result: int,
        name: str,
        keyed: Callable[[], Sequence[tuple[int, Any]]],
        *,
        descending: bool,
    ) -> list[int]:
        """``result`` ordered by a key, ties newest first; the papers without a key last, newest first.

        ``keyed()`` gives (paper number, key) for the papers that have one;
        the order is remembered as ``name`` until ``forget(name)``.
        """
        order = self._sorted.get(name)
        if order is None:
            pairs = keyed()
            key_of = dict(pairs)
            order = self.newest_first(key_of)
            order.sort(key=key_of.__getitem__, reverse=descending)
            self._sorted[name] = order
        flags = flags_of(result, self.n)
        first = list(compress(map(self.pos.__getitem__, order), map(flags.__getitem__, order)))
        if len(first) == result.bit_count():
            return first
        return first + self._positions([result & ~bits_of_few(order, self.n)])

    def by_scores(self, result: int, scores: Sequence[float]) -> Sequence[int]:
        """``result`` by ``scores`` (indexed by position), highest first, ties newest first.

        A large answer puts in order here only its papers at or above a
        score about ``2 * BEST_FIRST`` of them reach, and the rest when it is
        read past them: ``like:starred`` matches most of a library, and
        sorting 90k papers was ~15 ms of each such search at 100k, for a
        list that shows 40 rows.
        """
        count = result.bit_count()
        if count > 4 * BEST_FIRST and not self._stale_dates and len(scores) == self.n:
            best = self._best_by_scores(result, count, scores)
            if best is not None:
                return best
        positions = self._positions([result])
        positions.sort(key=scores.__getitem__, reverse=True)  # stable, even reversed
        return positions

    def _best_by_scores(self, result: int, count: int, scores: Sequence[float]) -> LazyPositions | None:
        n, pos = self.n, self.pos
        flags = flags_of(result, n)  # by paper number, which is date order
        step = n // (4 * BEST_FIRST)
        sample = sorted(map(scores.__getitem__, compress(pos[::step], flags[:n:step])), reverse=True)
        at = 2 * BEST_FIRST * len(sample) // count  # each sampled paper stands for count / len(sample)
        if at >= len(sample) or not sample[at] > 0.0:
            return None  # most papers tie at 0 (a fit sort): nothing to leave for later
        bar = sample[at]
        # The papers at or above the bar: one pass over the scores, in C.
        above = list(map(self._numbers().__getitem__, compress(range(len(scores)), map(ge, scores, repeat(bar)))))
        numbers = sorted(compress(above, map(flags.__getitem__, above)))  # those of the result, newest first
        if len(numbers) < BEST_FIRST:  # a skewed sample: sort them all
            return None
        first = list(map(pos.__getitem__, numbers))
        # Newest first, then by score (stable): in a full sort they come first, in this order.
        first.sort(key=scores.__getitem__, reverse=True)
        return LazyPositions.in_steps(first, count, _rest_by_scores(pos, flags, scores, bar))

    def _numbers(self) -> list[int]:
        """Each position's paper number (``pos`` turned inside out), made once."""
        if self._numbers_of is None:
            numbers = [0] * len(self.pos)
            deque(map(numbers.__setitem__, self.pos, range(len(self.pos))), maxlen=0)
            self._numbers_of = numbers
        return self._numbers_of


FIRST_STEP = 1 << 12  # papers (by number) a lazy walk looks at before it walks them all
BEST_FIRST = 1 << 10  # papers a lazy sort by score puts in order before it sorts them all


class LazyPositions(Sequence[int]):
    """The positions of the papers in bitset groups, each group newest first,
    one after the other, worked out as far as they are read (or, made by
    ``in_steps``, any answer whose first part is known and the rest is not).

    Only for papers numbered in date order (``pos[number]`` is a paper's
    position). Holds ints and ``pos``, which never change, so it may be made
    in one thread and read in another; reads take a lock. Equal to any
    sequence holding the same positions, a list included.
    """

    __slots__ = ("_len", "_done", "_rest", "_lock")

    def __init__(self, groups: Sequence[int], pos: Sequence[int], *, first_step: int | None = None) -> None:
        self._len = sum(bits.bit_count() for bits in groups)
        self._done: list[int] = []
        self._rest: Iterator[Iterable[int]] = _walk(groups, pos, FIRST_STEP if first_step is None else first_step)
        self._lock = threading.Lock()

    @classmethod
    def in_steps(cls, first: list[int], length: int, rest: Iterator[Iterable[int]]) -> LazyPositions:
        """``length`` positions: ``first``, then each step of ``rest`` (worked
        out when it is read; it must hold only what never changes)."""
        self = cls.__new__(cls)
        self._len, self._done, self._rest, self._lock = length, first, rest, threading.Lock()
        return self

    def __len__(self) -> int:
        return self._len

    def _first(self, count: int) -> list[int]:
        """At least the first ``count`` positions (all of them if there are fewer)."""
        done = self._done
        if len(done) >= count:
            return done
        with self._lock:
            for step in self._rest:
                done.extend(step)
                if len(done) >= count:
                    break
        return done

    def _all(self) -> list[int]:
        return self._first(self._len)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            if index.step is not None and index.step < 0:
                return self._all()[index]
            start, stop, step = index.indices(self._len)  # bounds counted from the whole answer's end
            return self._first(stop)[start:stop:step]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("position index out of range")
        return self._first(index + 1)[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        return self._all().index(value, start, self._len if stop is None else stop)

    def count(self, value: Any) -> int:
        return self._all().count(value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPositions | list | tuple | range):
            return len(self) == len(other) and self._all() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyPositions({len(self._done)} of {self._len} worked out)"


def _rest_by_scores(pos: Sequence[int], flags: bytes, scores: Sequence[float], bar: float) -> Iterator[list[int]]:
    """The papers flagged (by number) that do not score ``bar`` or more, highest first, ties newest first (one step)."""
    positions = list(compress(pos, flags))
    rest = list(compress(positions, map(not_, map(ge, map(scores.__getitem__, positions), repeat(bar)))))
    rest.sort(key=scores.__getitem__, reverse=True)
    yield rest


def _walk(groups: Sequence[int], pos: Sequence[int], first_step: int) -> Iterator[Iterator[int]]:
    """The positions of each group in two steps: its papers among the first
    ``first_step`` by number (a screenful, in most answers), then the rest.
    Each step must be read to its end before the next is asked for."""
    n = len(pos)
    for bits in groups:
        if is_few(bits, n):
            yield map(pos.__getitem__, numbers_of(bits))
            continue
        window = bits & ((1 << first_step) - 1)
        if window:
            yield compress(pos[:first_step], flags_of(window, first_step))
        if bits := bits ^ window:
            # The rest walks pos from its start: compress over the list itself
            # is the quickest walk there is, and the first step's part costs little.
            yield compress(pos, flags_of(bits, n))
