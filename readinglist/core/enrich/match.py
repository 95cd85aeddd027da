"""Deciding whether an arXiv hit is the paper: never a guess.

Accepted: exactly one hit whose normalised title equals the paper's; or,
when none does, exactly one hit whose title is very close AND that is
backed by a second signal (a shared author surname, the same primary
category, or a publication date within a few days of the listing's).
Everything else stays unresolved, with the reason kept for the summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from readinglist.core.enrich.arxiv import ArxivEntry
from readinglist.core.model import Paper
from readinglist.core.text import normalize_title, words

EXACT, CLOSE = "exact", "close"
RATIO_MIN = 0.95  # character similarity of the whole titles
WORD_RATIO_MIN = 0.8  # of each differing word with its counterpart: a plural, a typo
SMALL_WORDS = frozenset("a an the of for and in on with to via by from at".split())
DATE_WINDOW_DAYS = 7


@dataclass(slots=True)
class Match:
    entry: ArxivEntry
    kind: str  # EXACT or CLOSE
    score: float  # title similarity, 1.0 for exact
    signals: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Decision:
    match: Match | None
    reason: str = ""  # why nothing was accepted


def title_similarity(a: str, b: str) -> tuple[float, bool]:
    """(score, close enough) for two titles, compared normalised.

    The score is the character similarity of the normalised titles. A pair
    is close only when every difference is a small misspelling of a word
    (a plural, a typo, a split compound) or a dropped/added small word:
    "3D" for "2D", "large" for "small", or an extra content word is never
    close, however long the title.
    """
    na, nb = normalize_title(a), normalize_title(b)
    if not na or not nb:
        return 0.0, False
    if na == nb:
        return 1.0, True
    score = round(SequenceMatcher(None, na, nb, autojunk=False).ratio(), 3)
    return score, score >= RATIO_MIN and _only_small_differences(na.split(), nb.split())


def _only_small_differences(wa: list[str], wb: list[str]) -> bool:
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        left, right = wa[i1:i2], wb[j1:j2]
        if op == "equal":
            continue
        if op in ("insert", "delete"):
            if any(w not in SMALL_WORDS for w in left + right):
                return False
            continue
        joined_left, joined_right = "".join(left), "".join(right)
        if any(ch.isdigit() for ch in joined_left + joined_right):
            return False
        if SequenceMatcher(None, joined_left, joined_right, autojunk=False).ratio() < WORD_RATIO_MIN:
            return False
    return True


def surname(name: str) -> str:
    parts = words(name)
    return parts[-1] if parts else ""


def signals(paper: Paper, entry: ArxivEntry) -> list[str]:
    """Independent evidence that ``entry`` is ``paper``, besides the title."""
    found: list[str] = []
    theirs = {surname(a) for a in entry.authors} - {""}
    shared = sorted({surname(a) for a in paper.authors} & theirs)
    if shared:
        found.append(f"author {shared[0]}")
    if paper.category and entry.primary_category and paper.category.casefold() == entry.primary_category.casefold():
        found.append(f"category {entry.primary_category}")
    if paper.date and not paper.date_inferred and entry.published:
        days = _days_apart(paper.date, entry.published)
        if days is not None and days <= DATE_WINDOW_DAYS:
            found.append(f"date within {days} days")
    return found


def _days_apart(a: str, b: str) -> int | None:
    try:
        return abs((dt.date.fromisoformat(a[:10]) - dt.date.fromisoformat(b[:10])).days)
    except ValueError:
        return None


def decide(paper: Paper, entries: Sequence[ArxivEntry]) -> Decision:
    if not entries:
        return Decision(None, "no arXiv hit")
    target = normalize_title(paper.title)
    unique = {e.arxiv_id: e for e in entries}.values()
    exact = [e for e in unique if normalize_title(e.title) == target]
    if len(exact) == 1:
        return Decision(Match(exact[0], EXACT, 1.0, signals(paper, exact[0])))
    if len(exact) > 1:
        backed = [(e, s) for e in exact if (s := signals(paper, e))]
        if len(backed) == 1:
            return Decision(Match(backed[0][0], EXACT, 1.0, backed[0][1]))
        return Decision(None, f"{len(exact)} arXiv papers share this title")
    scored = sorted(((*title_similarity(paper.title, e.title), e) for e in unique), key=lambda p: -p[0])
    close = [(score, e) for score, is_close, e in scored if is_close]
    if not close:
        best_score, _, best = scored[0]
        return Decision(None, f"closest arXiv title differs ({best_score:.2f}): {best.title[:80]}")
    backed_close = [(score, e, s) for score, e in close if (s := signals(paper, e))]
    if not backed_close:
        return Decision(None, f"close arXiv title ({close[0][0]:.2f}) but no author, category or date agrees")
    if len(backed_close) > 1:
        return Decision(None, f"{len(backed_close)} close arXiv titles: ambiguous")
    score, entry, found = backed_close[0]
    return Decision(Match(entry, CLOSE, score, found))
