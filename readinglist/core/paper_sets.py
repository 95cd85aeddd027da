"""The index's sets over paper metadata: year, category, code, arXiv, added, listed, upvotes.

Papers are known by their number in the index (see ``readinglist.core.index``);
every set is a bitset (``readinglist.core.bitsets``). Values compared as
ranges (the added timestamp, the listed day, the upvotes) are kept sorted, so
a range is two binary searches.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from operator import attrgetter
from typing import Generic, TypeVar

from readinglist.core.bitsets import bits_of
from readinglist.core.model import Paper
from readinglist.core.word_index import fold_fast

Value = TypeVar("Value", str, int)


def paper_year(paper: Paper) -> int | None:
    return _year((paper.date or "")[:4])


def _year(head: str) -> int | None:
    """The year a date's first four characters give, if they are one."""
    return int(head) if len(head) == 4 and head.isdigit() else None


class SortedValues(Generic[Value]):
    """One value (or none) per paper, sorted on first use so that ranges are binary searches."""

    def __init__(self, values: Sequence[Value | None]) -> None:
        self.of = list(values)
        self._keys: list[Value] | None = None  # sorted values, built when first asked
        self._iids: list[int] = []

    def _sorted(self) -> list[Value]:
        if self._keys is None:
            of = self.of
            iids = [iid for iid, value in enumerate(of) if value is not None]
            iids.sort(key=of.__getitem__)  # stable: equal values keep number order
            self._iids = iids
            self._keys = [of[iid] for iid in iids]  # type: ignore[misc]
        return self._keys

    def within(self, low: Value | None, high: Value | None, *, high_included: bool, n: int) -> int:
        """The papers whose value is at least ``low`` and below (or up to) ``high``."""
        keys = self._sorted()
        start = 0 if low is None else bisect_left(keys, low)
        if high is None:
            stop = len(keys)
        else:
            stop = bisect_left(keys, high, start)
            if high_included:
                while stop < len(keys) and keys[stop] == high:
                    stop += 1
        return bits_of(self._iids[start:stop], n)

    def replace(self, iid: int, value: Value | None) -> bool:
        """Set paper ``iid``'s value; False when it was already that."""
        old = self.of[iid]
        if old == value:
            return False
        self.of[iid] = value
        keys = self._keys
        if keys is None:
            return True
        if old is not None:
            at = bisect_left(keys, old)
            while self._iids[at] != iid:
                at += 1
            del keys[at], self._iids[at]
        if value is not None:
            at = bisect_left(keys, value)
            while at < len(keys) and keys[at] == value and self._iids[at] < iid:
                at += 1
            keys.insert(at, value)
            self._iids.insert(at, iid)
        return True


class PaperSets:
    """Sets of papers by metadata, kept current by ``update``."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        """``papers`` in index order: ``papers[iid]``."""
        n = self.n = len(papers)
        # Built in a worker right after launch, while the first keys are
        # typed: one pass reading every field in C (attrgetter), and years
        # and categories worked out once per distinct value, not per paper.
        by_head: defaultdict[str, list[int]] = defaultdict(list)
        by_category: defaultdict[str, list[int]] = defaultdict(list)
        code, arxiv = [], []
        added: list[str | None] = []
        listed: list[str | None] = []
        upvotes: list[int | None] = []
        fields = attrgetter("date", "category", "has_code", "links", "arxiv_id", "added", "listed", "upvotes")
        for iid, (date, category, has_code, links, arxiv_id, added_at, listed_on, votes) in enumerate(map(fields, papers)):
            if date:
                by_head[date[:4]].append(iid)
            if category:
                by_category[category].append(iid)
            if has_code or links.get("code"):  # Paper.code_available
                code.append(iid)
            if arxiv_id:
                arxiv.append(iid)
            added.append(added_at or None)
            listed.append(listed_on or None)
            upvotes.append(votes)
        years: defaultdict[int, list[int]] = defaultdict(list)
        for head, iids in by_head.items():
            if (year := _year(head)) is not None:
                years[year].extend(iids)
        categories: defaultdict[str, list[int]] = defaultdict(list)
        for category, iids in by_category.items():
            categories[fold_fast(category).strip()].extend(iids)
        self.years = {year: bits_of(iids, n) for year, iids in years.items()}
        self.categories = {cat: bits_of(iids, n) for cat, iids in categories.items()}
        self.code = bits_of(code, n)
        self.arxiv = bits_of(arxiv, n)
        self.added: SortedValues[str] = SortedValues(added)
        self.listed: SortedValues[str] = SortedValues(listed)
        self.upvotes: SortedValues[int] = SortedValues(upvotes)

    def update(self, iid: int, paper: Paper) -> set[str]:
        """Take ``paper``'s metadata into account; the names of the values that changed."""
        bit = 1 << iid
        year = paper_year(paper)
        for key, bits in list(self.years.items()):
            if key != year and bits & bit:
                self.years[key] = bits & ~bit
        if year is not None:
            self.years[year] = self.years.get(year, 0) | bit
        category = fold_fast(paper.category).strip() if paper.category else None
        for key, bits in list(self.categories.items()):
            if key != category and bits & bit:
                self.categories[key] = bits & ~bit
        if category:
            self.categories[category] = self.categories.get(category, 0) | bit
        self.code = self.code | bit if paper.code_available() else self.code & ~bit
        self.arxiv = self.arxiv | bit if paper.arxiv_id else self.arxiv & ~bit
        changed = set()
        if self.added.replace(iid, paper.added or None):
            changed.add("added")
        if self.listed.replace(iid, paper.listed or None):
            changed.add("listed")
        if self.upvotes.replace(iid, paper.upvotes):
            changed.add("upvotes")
        return changed

    def category_set(self, value: str) -> int:
        bits = 0
        for category, members in self.categories.items():
            if category.startswith(value) or category.partition(".")[2].startswith(value):
                bits |= members
        return bits

    def year_set(self, low: int | None, high: int | None) -> int:
        bits = 0
        for year, members in self.years.items():
            if (low is None or year >= low) and (high is None or year <= high):
                bits |= members
        return bits

    def date_set(self, field: str, low: str | None, high: str | None) -> int:
        """``added``/``listed`` from ``low`` (an ISO prefix, included) to ``high`` (excluded)."""
        values = self.added if field == "added" else self.listed
        return values.within(low, high, high_included=False, n=self.n)

    def upvotes_set(self, low: int | None, high: int | None) -> int:
        return self.upvotes.within(low, high, high_included=True, n=self.n)
