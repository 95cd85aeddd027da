"""One enrichment run: batches of papers through arXiv, Semantic Scholar and
Hugging Face, written to the store batch by batch.

Synchronous by design: arXiv allows one request every few seconds over one
connection, so concurrency would buy nothing, and a plain function is easy
to run from the CLI and from a Textual thread worker alike. Cancellation is
a ``threading.Event`` (or a predicate) checked between requests and during
every wait; progress is a callback called from the running thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from readinglist.core.enrich import arxiv, hf, s2
from readinglist.core.enrich.apply import FAILED, RESOLVED, UNRESOLVED, Outcome, changes_for
from readinglist.core.enrich.arxiv import ArxivEntry, ArxivError, ArxivRejected, Feed
from readinglist.core.enrich.cache import EnrichCache, now_iso
from readinglist.core.enrich.client import Canceller, Cancelled, FetchError, OfflineError, PoliteClient
from readinglist.core.enrich.match import Decision, decide, title_similarity
from readinglist.core.enrich.settings import EnrichSettings
from readinglist.core.enrich.summary import ProgressCallback, ProgressInfo, Problem, Summary
from readinglist.core.errors import UserError
from readinglist.core.model import Paper
from readinglist.core.text import clean_text, normalize_title

if TYPE_CHECKING:
    from readinglist.core.store import Store

__all__ = ["EnrichOffline", "ProgressInfo", "Summary", "parse_sources", "run_enrichment"]

SOURCES = ("arxiv", "hf", "s2")
DEFAULT_SOURCES = ("arxiv", "hf")
NEGATIVE_CACHE_DAYS = 30  # arXiv grows daily: a "no hit" is asked again after this
CANDIDATES_KEPT = 3
CANDIDATE_MIN_SCORE = 0.6


class EnrichOffline(UserError):
    """No network at the start of a run: nothing was changed."""


class _Stop(Exception):
    """Too many requests failed in a row: the service is down or refusing us."""

    def __init__(self, message: str, last: FetchError) -> None:
        super().__init__(message)
        self.last = last


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


def parse_sources(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    unknown = [n for n in names if n not in SOURCES]
    if unknown or not names:
        raise UserError(f"unknown source {unknown[0] if unknown else text!r}: choose from {', '.join(SOURCES)}")
    if "s2" in names and "arxiv" not in names:
        raise UserError("s2 needs arxiv in the sources: Semantic Scholar's hits are checked against arXiv")
    return names


def run_enrichment(
    store: Store,
    papers: Sequence[Paper],
    settings: EnrichSettings,
    *,
    client: PoliteClient | None = None,
    sources: Iterable[str] = DEFAULT_SOURCES,
    refresh: bool = False,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
) -> Summary:
    """Resolve ``papers`` and save what was found; return the summary.

    Raises ``EnrichOffline`` (a ``UserError``) when the first request cannot
    connect; nothing is written in that case.
    """
    own_client = client is None
    if client is None:
        client = PoliteClient(settings, cancel=cancel)
    elif cancel is not None:
        client.canceller = Canceller(cancel)
    run = _Run(store, list(papers), settings, client, tuple(sources), refresh, progress)
    try:
        run.execute()
    finally:
        if own_client:
            client.close()
    return run.summary


class _Run:
    def __init__(
        self,
        store: Store,
        papers: list[Paper],
        settings: EnrichSettings,
        client: PoliteClient,
        sources: tuple[str, ...],
        refresh: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.store = store
        self.papers = papers
        self.settings = settings
        self.client = client
        self.sources = sources
        self.refresh = refresh
        self.progress = progress
        self.cache = EnrichCache(store.home / "cache")
        self.summary = Summary(total=len(papers))
        self.pending: dict[str, Outcome] = {}  # finished, not yet written
        self.failures_in_row = 0
        self.requests_before = len(client.requests)

    # --- the run ---------------------------------------------------------

    def execute(self) -> None:
        size = max(1, self.settings.batch_size)
        try:
            for start in range(0, len(self.papers), size):
                self._batch(self.papers[start : start + size])
                if self.client.connected:  # see _save
                    self._save()
            self._save()
        except OfflineError as exc:
            self.pending.clear()
            raise EnrichOffline(
                f"offline: {exc}. Nothing was changed; check the network, or the READINGLIST_*_API settings"
            ) from None
        except Cancelled:
            self.summary.cancelled = True
            self._save()
        except _Stop as exc:
            self.summary.stopped = str(exc)
            self._save()
        finally:
            self.summary.requests = len(self.client.requests) - self.requests_before
            self.cache.flush()

    def _batch(self, batch: list[Paper]) -> None:
        outcomes = {p.id: Outcome() for p in batch}
        if "arxiv" in self.sources:
            self._arxiv(batch, outcomes)
        else:
            for paper in batch:
                outcome = outcomes[paper.id]
                if paper.arxiv_id:
                    outcome.status = RESOLVED  # as far as this run can tell
                else:
                    outcome.reason = "no arXiv id yet: add arxiv to the sources"
        if "s2" in self.sources:
            self._semantic_scholar([p for p in batch if outcomes[p.id].status == UNRESOLVED], outcomes)
        for index, paper in enumerate(batch):
            outcome = outcomes[paper.id]
            try:
                if "hf" in self.sources:
                    self._huggingface(paper, outcome)
            except (Cancelled, _Stop) as exc:
                # arXiv's answers for this batch are in: keep them, and mark
                # the code-link lookups still owed so the next run does them.
                if isinstance(exc, _Stop):
                    outcome.errors.append(f"huggingface: {exc.last}")
                for rest in batch[index:]:
                    if rest is not paper or isinstance(exc, Cancelled):
                        outcomes[rest.id].pending.append("huggingface")
                    self._finish(rest, outcomes[rest.id])
                raise
            self._finish(paper, outcome)

    def _finish(self, paper: Paper, outcome: Outcome) -> None:
        self.pending[paper.id] = outcome
        summary = self.summary
        summary.done += 1
        if outcome.status == RESOLVED and outcome.match is not None:
            if outcome.match.kind == "exact":
                summary.exact += 1
            else:
                summary.close += 1
        elif outcome.status == RESOLVED:
            summary.by_id += 1
        elif outcome.status == UNRESOLVED and outcome.reason:
            summary.unresolved.append(Problem(paper.id, clean_text(paper.title), outcome.reason))
        if outcome.status == FAILED or outcome.errors:
            reason = outcome.reason if outcome.status == FAILED else "; ".join(outcome.errors)
            summary.failed.append(Problem(paper.id, clean_text(paper.title), reason))
        self._report(f"{clean_text(paper.title)[:60]}")

    def _report(self, message: str, written: tuple[str, ...] = ()) -> None:
        if self.progress is not None:
            s = self.summary
            self.progress(ProgressInfo(s.total, s.done, s.resolved, len(s.failed), message, written))

    def _save(self) -> None:
        """Write finished papers, re-reading each so a concurrent edit is respected.

        Until one request has gone through, writes are held back: if the
        network turns out to be down, the run changes nothing at all.
        """
        self.cache.flush()
        if not self.pending:
            return
        at = now_iso()
        changes = {}
        for pid, outcome in self.pending.items():
            current = self.store.paper(pid)
            if current is None:  # removed meanwhile
                continue
            change, added = changes_for(current, outcome, at)
            if change:
                changes[pid] = change
            self.summary.code_links += added
            self.summary.papers_with_new_code += bool(added)
        if changes:
            self.store.update_papers(changes)
            self.summary.written += len(changes)
        self.pending.clear()
        self._report("saved", tuple(changes))

    def _call(self, fn: Callable[[], object]) -> object:
        """Run one network step; stop the run after too many failures in a row."""
        try:
            result = fn()
        except ArxivError:
            self.failures_in_row = 0  # the service answered, it just did not like this one
            raise
        except FetchError as exc:
            self.failures_in_row += 1
            if self.failures_in_row >= self.settings.max_consecutive_failures:
                raise _Stop(f"{self.failures_in_row} requests failed in a row (last: {exc})", exc) from None
            raise
        self.failures_in_row = 0
        return result

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
