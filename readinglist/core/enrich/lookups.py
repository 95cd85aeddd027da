"""The look-ups of an enrichment run: arXiv (by id and by title), Semantic
Scholar and Hugging Face, each with its cache. A mixin of the runner's
``_Run``, which holds the client, the cache, the settings and the progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readinglist.core.enrich import arxiv, hf, s2
from readinglist.core.enrich.apply import FAILED, RESOLVED, UNRESOLVED, Outcome
from readinglist.core.enrich.arxiv import ArxivEntry, ArxivRejected, Feed
from readinglist.core.enrich.client import FetchError
from readinglist.core.enrich.match import Decision, decide, title_similarity
from readinglist.core.model import Paper
from readinglist.core.text import clean_text, normalize_title

if TYPE_CHECKING:
    from collections.abc import Callable

    from readinglist.core.enrich.cache import EnrichCache
    from readinglist.core.enrich.client import PoliteClient
    from readinglist.core.enrich.settings import EnrichSettings

NEGATIVE_CACHE_DAYS = 30  # arXiv grows daily: a "no hit" is asked again after this
CANDIDATES_KEPT = 3
CANDIDATE_MIN_SCORE = 0.6


def _title_answer(paper: Paper, entries: list[ArxivEntry], decision: Decision) -> dict[str, object]:
    """What to remember of a title search: enough to decide again, no more.

    The accepted hit is kept whole; of the others only those whose title is
    at least somewhat alike, without their abstracts.
    """
    matched = decision.match.entry if decision.match is not None else None
    kept = [matched.to_dict()] if matched is not None else []
    scored = sorted(((title_similarity(paper.title, e.title)[0], e) for e in entries if e is not matched), key=lambda p: -p[0])
    for score, entry in scored[: CANDIDATES_KEPT - len(kept)]:
        if score >= CANDIDATE_MIN_SCORE:
            kept.append({**entry.to_dict(), "summary": ""})
    return {"matched": matched is not None, "entries": kept}


class Lookups:
    """Network steps of a run (``self`` is the runner's ``_Run``)."""

    cache: EnrichCache
    client: PoliteClient
    settings: EnrichSettings
    sources: tuple[str, ...]
    refresh: bool
    _call: Callable[[Callable[[], object]], object]
    _report: Callable[..., None]

    # --- arXiv -------------------------------------------------------------

    def _arxiv(self, batch: list[Paper], outcomes: dict[str, Outcome]) -> None:
        by_id = [p for p in batch if p.arxiv_id]
        by_title = [p for p in batch if not p.arxiv_id]
        if by_id:
            self._arxiv_by_id(by_id, outcomes)
        todo: list[Paper] = []
        for paper in by_title:
            cached = None if self.refresh else self._cached_candidates(paper)
            if cached is None:
                todo.append(paper)
            else:
                self._settle(paper, outcomes[paper.id], cached)
        if not todo:
            return
        self._report(f"arXiv: searching {len(todo)} titles")
        try:
            feed = self._call(lambda: arxiv.search_titles(self.client, self.settings.arxiv_api, [p.title for p in todo]))
        except ArxivRejected as exc:
            if len(todo) == 1:
                self._fail(todo[0], outcomes, f"arXiv: {exc}")
                return
            # One title can make a whole query invalid: ask for each alone.
            for paper in todo:
                self._arxiv_single(paper, outcomes)
            return
        except FetchError as exc:
            for paper in todo:
                self._fail(paper, outcomes, f"arXiv: {exc}")
            return
        assert isinstance(feed, Feed)
        complete = feed.total_results <= len(feed.entries)
        for paper in todo:
            decision = self._decide_and_cache(paper, feed.entries, definitive=complete or len(todo) == 1)
            if decision.match is None and not complete and len(todo) > 1:
                # The batch was cut at max_results: this title's hits may be missing.
                self._arxiv_single(paper, outcomes)
            else:
                self._apply_decision(paper, outcomes[paper.id], decision)

    def _arxiv_single(self, paper: Paper, outcomes: dict[str, Outcome]) -> None:
        try:
            feed = self._call(
                lambda: arxiv.search_titles(self.client, self.settings.arxiv_api, [paper.title], per_title=10)
            )
        except FetchError as exc:
            self._fail(paper, outcomes, f"arXiv: {exc}")
            return
        assert isinstance(feed, Feed)
        decision = self._decide_and_cache(paper, feed.entries, definitive=True)
        self._apply_decision(paper, outcomes[paper.id], decision)

    def _arxiv_by_id(self, papers: list[Paper], outcomes: dict[str, Outcome]) -> None:
        entries: dict[str, ArxivEntry] = {}
        missing: list[str] = []
        for paper in papers:
            cached = None if self.refresh else self.cache.ids.get(paper.arxiv_id or "")
            if cached and cached.get("entry"):
                entries[paper.arxiv_id or ""] = ArxivEntry.from_dict(cached["entry"])
            else:
                missing.append(paper.arxiv_id or "")
        if missing:
            self._report(f"arXiv: fetching {len(missing)} ids")
            try:
                feed = self._call(lambda: arxiv.fetch_ids(self.client, self.settings.arxiv_api, missing))
            except FetchError as exc:
                for paper in papers:
                    if paper.arxiv_id in missing:
                        self._fail(paper, outcomes, f"arXiv: {exc}")
                missing = []
            else:
                assert isinstance(feed, Feed)
                for entry in feed.entries:
                    entries[entry.arxiv_id] = entry
                    self.cache.ids.put(entry.arxiv_id, {"entry": entry.to_dict()})
        for paper in papers:
            entry = entries.get(paper.arxiv_id or "")
            outcome = outcomes[paper.id]
            if outcome.status == FAILED:
                continue
            if entry is None:
                outcome.status, outcome.reason = UNRESOLVED, f"arXiv has no paper {paper.arxiv_id}"
                continue
            # The id is known (from the user or an earlier run): fetch its
            # fields, but only match the title for the record.
            decision = decide(paper, [entry])
            outcome.status, outcome.entry, outcome.match = RESOLVED, entry, decision.match
            if decision.match is None:
                outcome.reason = f"kept the known id; {decision.reason}"

    def _cached_candidates(self, paper: Paper) -> list[ArxivEntry] | None:
        key = normalize_title(paper.title)
        item = self.cache.titles.get(key)
        if item is not None and not item.get("matched"):
            item = self.cache.titles.get(key, max_age_days=NEGATIVE_CACHE_DAYS)
        if item is None:
            return None
        return [ArxivEntry.from_dict(e) for e in item.get("entries") or []]

    def _settle(self, paper: Paper, outcome: Outcome, candidates: list[ArxivEntry]) -> None:
        self._apply_decision(paper, outcome, decide(paper, candidates))

    def _decide_and_cache(self, paper: Paper, entries: list[ArxivEntry], *, definitive: bool) -> Decision:
        decision = decide(paper, entries)
        if decision.match is not None or definitive:
            self.cache.titles.put(normalize_title(paper.title), _title_answer(paper, entries, decision))
        if decision.match is not None:
            entry = decision.match.entry
            self.cache.ids.put(entry.arxiv_id, {"entry": entry.to_dict()})
        return decision

    def _apply_decision(self, paper: Paper, outcome: Outcome, decision: Decision) -> None:
        if decision.match is not None:
            outcome.status, outcome.entry, outcome.match, outcome.reason = RESOLVED, decision.match.entry, decision.match, ""
        else:
            outcome.status, outcome.reason = UNRESOLVED, decision.reason

    def _fail(self, paper: Paper, outcomes: dict[str, Outcome], reason: str) -> None:
        outcome = outcomes[paper.id]
        outcome.status, outcome.reason = FAILED, reason

    # --- Semantic Scholar --------------------------------------------------

    def _semantic_scholar(self, papers: list[Paper], outcomes: dict[str, Outcome]) -> None:
        candidates: dict[str, str] = {}  # paper id -> arXiv id suggested
        for paper in papers:
            key = normalize_title(paper.title)
            cached = None if self.refresh else self.cache.s2.get(key, max_age_days=NEGATIVE_CACHE_DAYS)
            if cached is not None:
                hit = s2.S2Hit.from_dict(cached["hit"]) if cached.get("hit") else None
            else:
                self._report(f"Semantic Scholar: {clean_text(paper.title)[:50]}")
                try:
                    hit = self._call(lambda p=paper: s2.match_title(self.client, self.settings.s2_api, p.title))
                except FetchError as exc:
                    outcomes[paper.id].errors.append(f"semanticscholar: {exc}")
                    continue
                self.cache.s2.put(key, {"hit": hit.to_dict() if isinstance(hit, s2.S2Hit) else None})
            if isinstance(hit, s2.S2Hit) and hit.arxiv_id:
                candidates[paper.id] = hit.arxiv_id
        if not candidates:
            return
        entries: dict[str, ArxivEntry] = {}
        missing = []
        for arxiv_id in dict.fromkeys(candidates.values()):
            cached = None if self.refresh else self.cache.ids.get(arxiv_id)
            if cached and cached.get("entry"):
                entries[arxiv_id] = ArxivEntry.from_dict(cached["entry"])
            else:
                missing.append(arxiv_id)
        if missing and "arxiv" in self.sources:
            try:
                feed = self._call(lambda: arxiv.fetch_ids(self.client, self.settings.arxiv_api, missing))
            except FetchError as exc:
                for pid in candidates:
                    outcomes[pid].errors.append(f"arXiv: {exc}")
                return
            assert isinstance(feed, Feed)
            for entry in feed.entries:
                entries[entry.arxiv_id] = entry
                self.cache.ids.put(entry.arxiv_id, {"entry": entry.to_dict()})
        for paper in papers:
            entry = entries.get(candidates.get(paper.id, ""))
            if entry is None:
                continue
            # Semantic Scholar only points; arXiv's own title must pass the same test.
            decision = decide(paper, [entry])
            if decision.match is not None:
                outcome = outcomes[paper.id]
                self._apply_decision(paper, outcome, decision)
                outcome.via = "semanticscholar"

    # --- Hugging Face ------------------------------------------------------

    def _huggingface(self, paper: Paper, outcome: Outcome) -> None:
        arxiv_id = outcome.entry.arxiv_id if outcome.entry is not None else paper.arxiv_id
        if outcome.status == FAILED or not arxiv_id or not hf.is_indexed(arxiv_id):
            return
        cached = None if self.refresh else self.cache.hf.get(arxiv_id, max_age_days=NEGATIVE_CACHE_DAYS)
        if cached is not None:
            outcome.hf = hf.HfPaper.from_dict(cached)
            return
        self._report(f"Hugging Face: {arxiv_id}")
        try:
            answer = self._call(lambda: hf.fetch_paper(self.client, self.settings.hf_api, arxiv_id))
        except FetchError as exc:
            outcome.errors.append(f"huggingface: {exc}")
            return
        assert isinstance(answer, hf.HfPaper)
        outcome.hf = answer
        self.cache.hf.put(arxiv_id, answer.to_dict())
