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

from readinglist.core.enrich.apply import FAILED, RESOLVED, UNRESOLVED, Outcome, changes_for
from readinglist.core.enrich.arxiv import ArxivError
from readinglist.core.enrich.cache import EnrichCache, now_iso
from readinglist.core.enrich.client import Canceller, Cancelled, FetchError, OfflineError, PoliteClient
from readinglist.core.enrich.lookups import Lookups
from readinglist.core.enrich.settings import EnrichSettings
from readinglist.core.enrich.summary import ProgressCallback, ProgressInfo, Problem, Summary
from readinglist.core.errors import UserError
from readinglist.core.model import Paper
from readinglist.core.text import clean_text

if TYPE_CHECKING:
    from readinglist.core.store import Store

__all__ = ["EnrichOffline", "ProgressInfo", "Summary", "parse_sources", "run_enrichment"]

SOURCES = ("arxiv", "hf", "s2")
DEFAULT_SOURCES = ("arxiv", "hf")


class EnrichOffline(UserError):
    """No network at the start of a run: nothing was changed."""


class _Stop(Exception):
    """Too many requests failed in a row: the service is down or refusing us."""

    def __init__(self, message: str, last: FetchError) -> None:
        super().__init__(message)
        self.last = last


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


class _Run(Lookups):
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
