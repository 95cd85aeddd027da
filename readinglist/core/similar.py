"""Papers like other papers: a TF-IDF relevance model over the library's own text.

A *profile* says what the user wants more of: one paper (``like`` a paper
id), the starred papers, the papers of a tag, or pasted text. It is the
sum of those papers' TF-IDF vectors (each paper's notes and a tag's name
count as more of its text), cut to its strongest terms, as Lucene's
"more like this" does. ``rank`` scores papers by the cosine between the
profile and each paper, walking only the postings of the profile's terms;
``reasons`` names the few shared terms and authors that drove a score.

Built in ``build()`` (seconds at 100k papers, meant for a worker thread) or
on first use. Kept current cheaply: ``update_annotation`` only changes which
papers a profile is made of; ``update_paper`` and ``remove_paper`` change one
paper's postings. Profiles and their scores are cached by their inputs, so
ranking again with the same stars and the same papers costs a look-up.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, islice, repeat
from operator import and_, mul, not_, truediv

from readinglist.core.errors import UserError
from readinglist.core.model import Annotation, Paper
from readinglist.core.similar_terms import MAX_TF, TF_WEIGHT, TermPostings, display_term, paper_terms, word_terms

PROFILE_TERMS = 80  # more terms cost time (their postings) and add little beyond this
# Terms in more than this share of a large library are left out of profiles:
# they say little (low IDF) and their postings are most of a ranking's time.
# A small library keeps them all, or a word in 3 of 20 papers would be lost.
PROFILE_MAX_DF = 0.1
PROFILE_MAX_DF_FLOOR = 1000
_SCORE_CACHE = 2  # two profiles in turn (like:starred and like:ID) are looked up; each entry is ~3 MB at 100k
_PROFILE_CACHE = 64
_VECTOR_CACHE = 1024  # member vectors kept (a few KB each: ~5 MB at most)
_ALIVE = bytes.maketrans(b"\0\1", b"\1\0")  # dead flags -> live flags
# A ranking's sums are kept on a grid of 2**-26: every addition is then
# exact (while a sum stays below 2**25: 51 bits), so sums worked out from
# the last ranking's (a star changes a few of the profile's weights) are
# the very sums a fresh pass gives, and a paper left with no term of the
# profile is at exactly 0. Rounding a weight to 1.5e-8 changes no order
# that a reader could see.
_GRID = float(2**26)
_GRID_REACH = float(2**25)


def _papers(count: int) -> str:
    return "paper" if count == 1 else f"{count} papers"


class ProfileError(UserError):
    """A profile that cannot be made: an unknown paper, no starred papers, an unused tag."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What a ranking is similar to.

    ``weights`` maps term ids to weights (the profile's TF-IDF times the
    term's IDF, over the profile's norm), ``seeds`` the positions of the
    papers the profile was made of, which rankings leave out by default.
    A ranking adds up ``raw`` (each weight times ``norm``, on the grid) and
    divides by ``norm`` at the end.
    """

    key: tuple
    label: str
    weights: dict[int, float]
    seeds: frozenset[int]
    raw: dict[int, float]
    norm: float


class SimilarityModel:
    """Similarity of papers to a profile; positions index the ``papers`` given (then appended ones).

    Thread safe: ``build`` may run in a worker while the UI thread calls the
    update methods; updates made meanwhile are applied before it finishes.
    """

    def __init__(self, papers: Sequence[Paper], annotations: Mapping[str, Annotation]) -> None:
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._papers: list[Paper | None] = list(papers)
        self._position = {paper.id: pos for pos, paper in enumerate(self._papers) if paper is not None}
        self._annotations = {pid: a for pid, a in annotations.items() if pid in self._position}
        self._postings: TermPostings | None = None
        self._slot_of = array("i", [-1]) * len(self._papers)  # position -> slot, -1 when none
        self._position_of = array("i")  # slot -> position
        self._slots_are_positions = False  # slot i is position i, for every slot: as built from a library with no gaps
        self._changed: list[int] = []  # positions changed, for a build running meanwhile
        self._generation = 0  # bumped when a paper's text changes
        # Each member's normalised term weights, by (position, note, tag, generation):
        # a star changes one member of the starred profile, so the others are reused.
        self._vectors: dict[tuple, dict[int, float]] = {}
        self._profiles: dict[tuple, Profile] = {}
        self._scores: OrderedDict[tuple, tuple[list[float], list[int] | None]] = OrderedDict()
        # The last ranking's sums, by slot, with what they were made of:
        # (postings, generation, raw weights, sums). The next starts from them.
        self._last_sums: tuple[TermPostings, int, dict[int, float], list[float]] | None = None

    # --- building ---------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once built: rankings answer without building first."""
        return self._postings is not None

    def build(self) -> None:
        """Build the postings of every paper (seconds at 100k papers); does nothing when built."""
        with self._build_lock:
            if self._postings is not None:
                return
            with self._lock:
                snapshot = [(pos, paper) for pos, paper in enumerate(self._papers) if paper is not None]
                seen = len(self._changed)
            postings = TermPostings.from_papers(paper for _, paper in snapshot)
            position_of = array("i", [pos for pos, _ in snapshot])
            with self._lock:
                self._position_of = position_of
                self._slots_are_positions = len(position_of) == len(self._papers) and position_of == array("i", range(len(position_of)))
                for slot, pos in enumerate(position_of):
                    self._slot_of[pos] = slot
                self._postings = postings
                for pos in dict.fromkeys(self._changed[seen:]):
                    self._reindex(pos, None)
                self._changed.clear()

    def _ensure_built(self) -> TermPostings:
        if self._postings is None:
            self.build()
        assert self._postings is not None
        return self._postings

    @property
    def dead_fraction(self) -> float:
        """Share of slots left by removed or changed papers; above ~0.3 a fresh model pays off."""
        return self._postings.dead_fraction if self._postings else 0.0

    # --- updates ----------------------------------------------------------------

    def update_paper(self, paper: Paper, old: Paper | None = None) -> int:
        """Add a new paper or take a changed one into account; returns its position.

        ``old`` is the paper as it was when added, if the caller still has it:
        it keeps document frequencies exact. Without it they drift a little
        until the next build, which no ranking would notice.
        """
        with self._lock:
            pos = self._position.get(paper.id)
            if pos is None:
                pos = self._position[paper.id] = len(self._papers)
                self._papers.append(paper)
                self._slot_of.append(-1)
            else:
                self._papers[pos] = paper
            self._changed_text(pos, old)
            return pos

    def remove_paper(self, pid: str) -> None:
        with self._lock:
            pos = self._position.pop(pid, None)
            if pos is None:
                return
            old = self._papers[pos]
            self._papers[pos] = None
            self._annotations.pop(pid, None)
            self._changed_text(pos, old)

    def _changed_text(self, pos: int, old: Paper | None) -> None:
        self._generation += 1
        self._profiles.clear()
        self._scores.clear()
        if self._postings is None:
            self._changed.append(pos)
        else:
            self._reindex(pos, old)

    def _reindex(self, pos: int, old: Paper | None) -> None:
        postings = self._postings
        assert postings is not None
        self._slots_are_positions = False  # the paper gets a new slot, or none
        slot = self._slot_of[pos]
        self._slot_of[pos] = -1
        if slot >= 0:
            postings.remove(slot, old)
        paper = self._papers[pos]
        if paper is not None:
            self._slot_of[pos] = postings.add(paper)
            self._position_of.append(pos)

    def update_annotation(self, pid: str, annotation: Annotation | None) -> None:
        """A changed star, tag or note: only profiles made from them change, on next use."""
        with self._lock:
            if pid not in self._position:
                return
            if annotation is None or annotation.is_default():
                self._annotations.pop(pid, None)
            else:
                self._annotations[pid] = annotation

    # --- profiles ---------------------------------------------------------------

    def profile_for(self, like: str | None = None, *, text: str | None = None) -> Profile:
        """The profile of ``like`` ("starred", "tag:NAME" or a paper id) or of free ``text``.

        Cached by its inputs: the same stars (tags, notes) and papers give the
        same object back without any work.
        """
        with self._lock:
            if text is not None:
                key: tuple = ("text", " ".join(word_terms(text)))
                members: list[tuple[int, str]] = []
                label = "the text"
            elif like is None:
                raise ProfileError("say what to be like: a paper id, starred, tag:NAME or a text")
            else:
                members, label = self._members(like)
                key = ("like", like, tuple(members))
            key = (*key, self._generation)
            profile = self._profiles.get(key)
            if profile is None:
                if len(self._profiles) >= _PROFILE_CACHE:
                    self._profiles.clear()  # old star sets; rebuilding one costs milliseconds
                profile = self._profiles[key] = self._make_profile(key, label, members, text)
            return profile

    def check(self, like: str) -> None:
        """Raise ``ProfileError`` if ``like`` names no paper (nothing starred, an
        unused tag, an unknown id): cheap, so a caller checks before ``build``."""
        with self._lock:
            self._members(like)

    def _members(self, like: str) -> tuple[list[tuple[int, str]], str]:
        """The positions a profile is made of, each with the extra text it brings (its note)."""
        annotations = self._annotations
        if like == "starred":
            chosen = [pid for pid, a in annotations.items() if a.star]
            if not chosen:
                raise ProfileError("no paper is starred yet: star a few papers first (s in the app)")
            label = "the starred paper" if len(chosen) == 1 else f"the {len(chosen)} starred papers"
        elif like.startswith("tag:"):
            tag = like[4:].strip().casefold()
            chosen = [pid for pid, a in annotations.items() if any(t.casefold() == tag for t in a.tags)]
            if not chosen:
                raise ProfileError(f"no paper has the tag {like[4:]!r}")
            label = f"the {_papers(len(chosen))} tagged {like[4:]}"
        else:
            if like not in self._position:
                raise ProfileError(f"no paper has the id {like!r}")
            chosen = [like]
            label = f"paper {like}"
        members = sorted((self._position[pid], annotations[pid].note if pid in annotations else "") for pid in chosen)
        return members, label

    def _make_profile(self, key: tuple, label: str, members: list[tuple[int, str]], text: str | None) -> Profile:
        postings = self._ensure_built()
        totals: Counter[int] = Counter()
        max_df = max(PROFILE_MAX_DF_FLOOR, int(PROFILE_MAX_DF * postings.live))
        vectors = [Counter(word_terms(text))] if text is not None else []
        tag = key[1][4:] if key[1].startswith("tag:") else ""

        def weighted(counts: Counter[str]) -> dict[int, float]:
            weights = {}
            for term, tf in counts.items():
                term_id = postings.term_id(term)
                if term_id is not None and 0 < postings.df[term_id] <= max_df:
                    weights[term_id] = TF_WEIGHT[min(tf, MAX_TF)] * postings.idf(term_id)
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            return {term_id: weight / norm for term_id, weight in weights.items()}

        each = [weighted(counts) for counts in vectors]
        if len(self._vectors) > _VECTOR_CACHE:
            self._vectors.clear()
        for pos, note in members:
            cache_key = (pos, note, tag, self._generation, len(postings), postings.live)  # idf moves with the library
            vector = self._vectors.get(cache_key)
            if vector is None:
                paper = self._papers[pos]
                assert paper is not None
                vector = self._vectors[cache_key] = weighted(paper_terms(paper, extra=(note, tag)))
            each.append(vector)
        for vector in each:
            for term_id, weight in vector.items():
                totals[term_id] += weight
        if members:
            # A term that no paper outside the seeds has cannot bring any
            # paper: it would only take the place of one that can.
            seed_slots = {self._slot_of[pos] for pos, _ in members}
            for term_id in [t for t in totals if postings.df[t] <= len(seed_slots)]:
                if postings.slots_of(term_id) <= seed_slots:
                    del totals[term_id]
        if not totals:
            raise ProfileError(f"nothing in {label} is shared with any paper of the library")
        strongest = totals.most_common(PROFILE_TERMS)
        norm = math.sqrt(sum(w * w for _, w in strongest))
        weights = {term_id: w * postings.idf(term_id) / norm for term_id, w in strongest}
        raw = {term_id: _on_grid(w * postings.idf(term_id)) for term_id, w in strongest}
        return Profile(key=key, label=label, weights=weights, seeds=frozenset(pos for pos, _ in members), raw=raw, norm=norm)

    # --- ranking ---------------------------------------------------------------

    def scores(self, profile: Profile) -> list[float]:
        """The cosine of every slot with ``profile`` (cached for the last few profiles)."""
        return self._ranked(profile, ordered=False)[0]

    def scores_by_position(self, profile: Profile) -> Sequence[float]:
        """The cosine of every paper position with ``profile`` (0.0 where none):
        what the index's like: terms want. Not to be changed: it may be the
        cached scores themselves."""
        with self._lock:
            by_slot = self.scores(profile)
            if self._slots_are_positions and len(by_slot) == len(self._slot_of):
                return by_slot  # until a paper changes, slot i holds position i: nothing to move
            out = [0.0] * len(self._slot_of)
            deque(map(out.__setitem__, self._position_of, by_slot), maxlen=0)  # a C loop: ~5 ms at 100k
            return out

    def _ranked(self, profile: Profile, ordered: bool = True) -> tuple[list[float], list[int] | None]:
        """Scores by slot, and (when ``ordered``) the slots that share a term with the profile, best first."""
        with self._lock:
            postings = self._ensure_built()
            cached = self._scores.get(profile.key)
            if cached is None or len(cached[0]) != len(postings):
                sums = self._sums(profile.raw, postings)
                cached = (list(map(truediv, sums, map(mul, postings.norms, repeat(profile.norm)))), None)
            if ordered and cached[1] is None:
                scores = cached[0]
                # Stable: equal scores keep slot order, which is the papers' order.
                cached = (scores, sorted(compress(range(len(scores)), scores), key=scores.__getitem__, reverse=True))
            self._scores[profile.key] = cached
            self._scores.move_to_end(profile.key)
            if len(self._scores) > _SCORE_CACHE:
                self._scores.popitem(last=False)
            return cached

    def _sums(self, raw: dict[int, float], postings: TermPostings) -> list[float]:
        """Each slot's sum of ``raw`` weights times its count weights.

        Made from the last ranking's sums when at most half the weights
        differ: a star changes the totals of the starred paper's terms
        only, and the terms that enter or leave the profile (~10 of 80),
        so this reads their postings, not all 80 terms' (~30 ms at 100k).
        Exact on the grid: the same sums as a fresh pass.
        """
        reach = sum(map(abs, raw.values())) * TF_WEIGHT[-1]  # no sum goes past it
        last = self._last_sums if reach < _GRID_REACH else None
        if last is not None and last[0] is postings and last[1] == self._generation and len(last[3]) == len(postings):
            before = last[2]
            changed = [term_id for term_id in before.keys() | raw.keys() if before.get(term_id) != raw.get(term_id)]
            if 2 * len(changed) <= len(raw):
                sums = last[3].copy()
                for term_id in changed:
                    if term_id in before:
                        _add_term(postings, sums, term_id, -before[term_id])
                    if term_id in raw:
                        _add_term(postings, sums, term_id, raw[term_id])
                self._last_sums = (postings, self._generation, raw, sums)
                return sums
        sums = [0.0] * len(postings)
        for term_id, weight in raw.items():
            _add_term(postings, sums, term_id, weight)
        self._last_sums = (postings, self._generation, raw, sums) if reach < _GRID_REACH else None
        return sums

    def rank(
        self,
        profile: Profile,
        candidates: Iterable[int] | None = None,
        *,
        limit: int | None = None,
        exclude_seeds: bool = True,
    ) -> list[tuple[int, float]]:
        """``(position, score)`` of ``candidates`` (all papers when None), best first.

        Papers that share nothing with the profile score 0 and follow in the
        candidates' order, so a filter's date order survives below the matches.
        """
        with self._lock:
            scores = self._ranked(profile)[0]
            slots = self._select(profile, candidates, limit, exclude_seeds)
            position_of = self._position_of
        return list(zip(map(position_of.__getitem__, slots), map(scores.__getitem__, slots)))

    def order(
        self, profile: Profile, candidates: Iterable[int] | None = None, *, exclude_seeds: bool = False
    ) -> list[int]:
        """The positions of ``rank``, without scores: a "fit" sort of a filter's papers.

        The seeds stay in by default: a sort keeps every paper the filter shows.
        """
        with self._lock:
            slots = self._select(profile, candidates, None, exclude_seeds)
            return list(map(self._position_of.__getitem__, slots))

    def _select(self, profile: Profile, candidates: Iterable[int] | None, limit: int | None, exclude_seeds: bool) -> list[int]:
        """The candidates' slots, best first; the whole ordering is cached, so this only picks them out.

        Everything here runs in C loops (``map``, ``compress``): at 100k
        papers a Python loop per paper would cost more than the scoring.
        """
        scores, order = self._ranked(profile)
        assert order is not None and self._postings is not None
        slot_of = self._slot_of
        if candidates is None:
            # One flag per slot, plus a last one that removed papers (slot -1) land on.
            wanted = self._postings.dead.translate(_ALIVE) + b"\0"
            candidate_slots = None
        else:
            candidate_slots = list(map(slot_of.__getitem__, candidates))
            wanted = bytearray(len(scores) + 1)
            deque(map(wanted.__setitem__, candidate_slots, repeat(1)), maxlen=0)
        if exclude_seeds:
            for pos in profile.seeds:
                wanted[slot_of[pos]] = 0
        wanted[-1] = 0
        chosen = list(islice(compress(order, map(wanted.__getitem__, order)), limit))
        if limit is not None and len(chosen) >= limit:
            return chosen
        unscored = bytes(map(not_, scores)) + b"\0"
        if candidate_slots is None:
            rest = compress(range(len(scores)), map(and_, wanted, unscored))
        else:
            rest = compress(candidate_slots, map(and_, map(wanted.__getitem__, candidate_slots), map(unscored.__getitem__, candidate_slots)))
        chosen.extend(islice(rest, None if limit is None else limit - len(chosen)))
        return chosen

    def reasons(self, profile: Profile, position: int, k: int = 3) -> list[str]:
        """The ``k`` terms (words, authors, categories) that add most to the paper's score."""
        with self._lock:
            postings = self._ensure_built()
            paper = self._papers[position] if 0 <= position < len(self._papers) else None
            if paper is None:
                return []
            shares = []
            for term, tf in paper_terms(paper).items():
                term_id = postings.term_id(term)
                weight = profile.weights.get(term_id) if term_id is not None else None
                if weight:
                    shares.append((weight * TF_WEIGHT[min(tf, MAX_TF)], term))
        shares.sort(reverse=True)
        return [display_term(term, paper) for _, term in shares[:k]]

    def paper(self, position: int) -> Paper | None:
        return self._papers[position] if 0 <= position < len(self._papers) else None

    def position(self, pid: str) -> int | None:
        return self._position.get(pid)


def _on_grid(value: float) -> float:
    """``value`` to the nearest multiple of 1 / _GRID (never 0 for a value that is not)."""
    steps = round(value * _GRID)
    if not steps and value:
        steps = 1 if value > 0 else -1
    return steps / _GRID


def _add_term(postings: TermPostings, sums: list[float], term_id: int, weight: float) -> None:
    """Add ``weight`` (on the grid) times each slot's count weight of the term, each product on the grid."""
    postings.accumulate(sums, term_id, weight, by_tf=[_on_grid(weight * w) for w in TF_WEIGHT])
