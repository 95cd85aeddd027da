"""One fetch: every planned source, then one merge into the store.

Synchronous, like enrichment: arXiv allows one request every 3 s over one
connection, so the CLI and an app thread worker call the same function.
Sources fail independently: a source that is down or answers nonsense gets
its error in the report and the others' papers are still added. Only when
every source is unreachable does the fetch end as offline, with nothing
changed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from readinglist.core.enrich.arxiv import ArxivEntry
from readinglist.core.enrich.cache import EnrichCache, JsonCache
from readinglist.core.enrich.client import Canceller, Cancelled, FetchError, OfflineError, PoliteClient
from readinglist.core.enrich.settings import EnrichSettings
from readinglist.core.errors import UserError
from readinglist.core.feeds import arxiv_backfill, arxiv_rss, hf_daily
from readinglist.core.feeds.items import FeedItem
from readinglist.core.feeds.merge import ADDED, MERGED, plan_merge
from readinglist.core.feeds.plan import FetchPlan, SourcePlan
from readinglist.core.feeds.report import FetchProgress, FetchReport, ProgressCallback, SourceReport
from readinglist.core.feeds.state import load_state

if TYPE_CHECKING:
    from readinglist.core.store import Store

FRESH_DAYS = 1.0  # an answer about a day that has ended: arXiv and HF change it at most daily
LATEST_DAYS = 1 / 24  # an answer about today or the latest announcement may grow within the day


class FeedsOffline(UserError):
    """No source could be reached: nothing was changed."""


def run_fetch(
    store: Store,
    plan: FetchPlan,
    settings: EnrichSettings,
    *,
    client: PoliteClient | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
    dry_run: bool = False,
    refresh: bool = False,
    now: dt.datetime | None = None,
) -> FetchReport:
    """Fetch what ``plan`` asks, merge it into ``store`` and report per source.

    Raises ``FeedsOffline`` when no source could be reached, and
    ``FeedStateError`` when feeds.json is unreadable (before any request).
    With ``dry_run`` nothing is written but the answer cache.
    """
    state = load_state(store.home)
    own_client = client is None
    if client is None:
        client = PoliteClient(settings, cancel=cancel)
    elif cancel is not None:
        client.canceller = Canceller(cancel)
    now = now or dt.datetime.now(dt.timezone.utc)
    run = _Fetch(store, settings, client, progress, refresh, now)
    report = FetchReport(dry_run=dry_run)
    before = len(client.requests)
    try:
        fetched = run.sources(plan, report)
        if not report.cancelled:
            run.resolve(fetched, report)
        run.merge(fetched, report, dry_run=dry_run)
        if not dry_run:
            for source in report.sources:
                if source.ok and source.source in fetched:
                    state.record(source.source, run.covered_day(source), run.at)
            if any(s.ok for s in report.sources):
                state.save()
    finally:
        report.requests = len(client.requests) - before
        run.flush()
        if own_client:
            client.close()
    return report


class _Fetch:
    def __init__(
        self,
        store: Store,
        settings: EnrichSettings,
        client: PoliteClient,
        progress: ProgressCallback | None,
        refresh: bool,
        now: dt.datetime,
    ) -> None:
        self.store = store
        self.settings = settings
        self.client = client
        self.progress = progress
        self.refresh = refresh
        self.today = now.astimezone(dt.timezone.utc).date()
        self.at = now.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()
        self.answers = JsonCache(store.home / "cache" / "feeds.json")
        self.lookups = EnrichCache(store.home / "cache")  # arXiv entries by id, shared with enrichment
        self.plans: dict[str, SourcePlan] = {}

    def _say(self, source: str, message: str, fetched: int = 0, written: tuple[str, ...] = ()) -> None:
        if self.progress is not None:
            self.progress(FetchProgress(source, message, fetched, written))

    def flush(self) -> None:
        self.answers.flush()
        self.lookups.ids.flush()

    # --- listing -----------------------------------------------------------

    def sources(self, plan: FetchPlan, report: FetchReport) -> dict[str, list[FeedItem]]:
        fetched: dict[str, list[FeedItem]] = {}
        offline: list[str] = []
        for source in plan.sources:
            self.plans[source.source] = source
            rep = SourceReport(source.source, source.requested(), list(source.categories))
            report.sources.append(rep)
            try:
                items = self._hf(source, rep) if source.source == "hf" else self._arxiv(source, rep)
            except Cancelled:
                report.cancelled = True
                break
            except OfflineError as exc:
                offline.append(str(exc))
                rep.errors.append(f"offline: {exc}")
                continue
            except _SourceFailed:
                continue  # its errors are in its report
            fetched[source.source] = items
        if offline and len(offline) == len(report.sources) and not report.cancelled:
            raise FeedsOffline(
                f"offline: {offline[0]}. Nothing was changed; check the network, or the READINGLIST_*_API settings"
            )
        return fetched

    def _cached(self, key: str, day: dt.date | None) -> list[FeedItem] | None:
        if self.refresh:
            return None
        fresh = FRESH_DAYS if day is not None and day < self.today else LATEST_DAYS
        hit = self.answers.get(key, max_age_days=fresh)
        if hit is None or not isinstance(hit.get("items"), list):
            return None
        return [FeedItem.from_dict(d) for d in hit["items"] if isinstance(d, dict)]

    def _remember(self, key: str, items: list[FeedItem], **extra: object) -> None:
        self.answers.put(key, {"items": [i.to_dict() for i in items], **extra})

    def _hf(self, plan: SourcePlan, rep: SourceReport) -> list[FeedItem]:
        items: list[FeedItem] = []
        failures_in_row = 0
        for day in plan.days or (None,):
            if failures_in_row >= max(1, self.settings.max_consecutive_failures):
                rep.errors.append(f"stopped after {failures_in_row} days failed in a row")
                break
            label = day.isoformat() if day else "latest"
            key = f"hf|{self.settings.hf_api}|{label}|{plan.page_size}"
            found = self._cached(key, day)
            if found is None:
                self._say("hf", f"Hugging Face {label}", len(items))
                try:
                    found = hf_daily.fetch_day(
                        self.client,
                        self.settings.hf_api,
                        day.isoformat() if day else None,
                        page_size=plan.page_size,
                        on_page=lambda page, n, lbl=label: self._say("hf", f"Hugging Face {lbl}: page {page}", len(items) + n),
                    )
                except FetchError as exc:
                    rep.errors.append(f"Hugging Face {label}: {exc}")
                    failures_in_row += 1
                    continue
                self._remember(key, found)
            failures_in_row = 0
            items += found
            days = [i.listed for i in found if i.listed]
            rep.day = max([rep.day or "", *days]) or rep.day
        rep.fetched = len(items)
        if rep.errors and not items:
            raise _SourceFailed
        return items

    def _arxiv(self, plan: SourcePlan, rep: SourceReport) -> list[FeedItem]:
        items: list[FeedItem] = []
        if plan.backfill is not None:
            start, end = plan.backfill
            query = arxiv_backfill.backfill_query(plan.categories, start, end)
            key = f"api|{self.settings.arxiv_api}|{query}|{plan.page_size}"
            found = self._cached(key, end)
            if found is None:
                self._say("arxiv", f"arXiv {start}..{end}")
                try:
                    found = arxiv_backfill.backfill(
                        self.client,
                        self.settings.arxiv_api,
                        plan.categories,
                        start,
                        end,
                        page_size=plan.page_size,
                        on_page=lambda done, total, n: self._say("arxiv", f"arXiv {start}..{end}: {done} of {total}", n),
                    )
                except FetchError as exc:
                    rep.errors.append(f"arXiv API {start}..{end}: {exc}")
                    found = None
                else:
                    self._remember(key, found)
            items += found or []
        if plan.rss:
            url = arxiv_rss.feed_url(self.settings.arxiv_rss, plan.categories)
            key = f"rss|{url}"
            hit = None if self.refresh else self.answers.get(key, max_age_days=LATEST_DAYS)
            try:
                if hit is not None and isinstance(hit.get("items"), list):
                    announcement = arxiv_rss.Announcement(hit.get("day"), [FeedItem.from_dict(d) for d in hit["items"]])
                else:
                    self._say("arxiv", "arXiv announcement", len(items))
                    announcement = arxiv_rss.fetch_announcement(self.client, self.settings.arxiv_rss, plan.categories)
                    self.answers.put(key, {"day": announcement.day, "items": [i.to_dict() for i in announcement.items]})
            except FetchError as exc:
                rep.errors.append(f"arXiv RSS: {exc}")
            else:
                rep.day = announcement.day
                # The announcement is the better record of a day: it wins over the API's copy.
                known = {i.arxiv_id for i in announcement.items}
                items = announcement.items + [i for i in items if i.arxiv_id not in known]
        rep.fetched = len(items)
        if rep.errors and not items:
            raise _SourceFailed
        kept = [i for i in items if (i.announce or "new") in plan.announce]
        rep.skipped += len(items) - len(kept)
        return kept

    # --- resolving and merging ---------------------------------------------

    def resolve(self, fetched: dict[str, list[FeedItem]], report: FetchReport) -> None:
        """Categories (primary first), dates and full author lists from arXiv, by id."""
        everything = [i for items in fetched.values() for i in items]
        known = {i.arxiv_id: i for i in everything if i.resolved}
        library = {p.arxiv_id: p for p in self.store.papers() if p.arxiv_id}
        todo: dict[str, list[FeedItem]] = {}
        for item in everything:
            if item.resolved:
                continue
            if item.arxiv_id in known:
                arxiv_backfill.complete(item, known[item.arxiv_id])
                continue
            have = library.get(item.arxiv_id)
            if have is not None and have.categories and have.date:
                continue  # the library already knows: no request for it
            cached = None if self.refresh else self.lookups.ids.get(item.arxiv_id)
            if cached and isinstance(cached.get("entry"), dict):
                arxiv_backfill.complete(item, arxiv_backfill.item_from_entry(ArxivEntry.from_dict(cached["entry"]), "arxiv"))
                continue
            todo.setdefault(item.arxiv_id, []).append(item)
        if not todo:
            return
        self._say("arxiv", f"arXiv: details of {len(todo)} papers")
        try:
            entries = arxiv_backfill.lookup(self.client, self.settings.arxiv_api, list(todo))
        except (FetchError, OfflineError) as exc:
            owners = {i.source for items in todo.values() for i in items}
            for rep in report.sources:
                if rep.source in owners:
                    rep.errors.append(f"arXiv details of {len(todo)} papers: {exc}; they were kept without categories")
            return
        except Cancelled:
            report.cancelled = True
            return
        for arxiv_id, entry in entries.items():
            self.lookups.ids.put(arxiv_id, {"entry": entry.to_dict()})
            full = arxiv_backfill.item_from_entry(entry, "arxiv")
            for item in todo.get(arxiv_id, []):
                arxiv_backfill.complete(item, full)

    def merge(self, fetched: dict[str, list[FeedItem]], report: FetchReport, *, dry_run: bool) -> None:
        items = [i for source in report.sources for i in fetched.get(source.source, [])]
        outcome = plan_merge(self.store.papers(), items, self.at)
        reports = {r.source: r for r in report.sources}
        for item, verdict, pid in outcome.verdicts:
            rep = reports[item.source]
            if verdict == ADDED:
                rep.added += 1
                report.new_papers.append((pid, item.title, item.source))
            elif verdict == MERGED:
                rep.merged += 1
            else:
                rep.skipped += 1
        if dry_run:
            return
        if outcome.new:
            self.store.add_papers(list(outcome.new.values()))
            self.store.journal_added(list(outcome.new))  # `readinglist undo` takes a fetch back
        if outcome.changed:
            self.store.update_papers(outcome.changed)
        report.written = [*outcome.new, *outcome.changed]
        if report.written:
            self._say("", f"saved {len(report.written)} papers", written=tuple(report.written))

    def covered_day(self, rep: SourceReport) -> dt.date:
        """The last day this fetch covered for a source: where the next one starts."""
        plan = self.plans[rep.source]
        if plan.days:
            return plan.days[-1]
        if plan.backfill is not None and not plan.rss:
            return plan.backfill[1]
        return self.today


class _SourceFailed(FetchError):
    """Every request of a source failed; its errors are in its report."""
