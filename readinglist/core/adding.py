"""``readinglist add THING...``: from what a user pastes to papers in the library.

Each THING is an arXiv id or a URL carrying one (asked of the arXiv API in
batches, ``id_list``), a DOI (content negotiation), or a title (arXiv's
title search, accepted only on the enrichment matcher's terms: never a
wrong paper). What was found is merged into the library like any import:
a paper already there keeps its id and gains only what it lacked. Every
THING gets its own outcome; one bad THING never stops the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from readinglist.core.errors import UserError
from readinglist.core.identifiers import ARXIV, DOI, Identifier, parse_thing
from readinglist.core.links import links_by_kind
from readinglist.core.model import Paper
from readinglist.core.text import clean_text, normalize_title, paper_id

if TYPE_CHECKING:
    from readinglist.core.enrich.arxiv import ArxivEntry
    from readinglist.core.enrich.cache import EnrichCache, JsonCache
    from readinglist.core.enrich.client import PoliteClient
    from readinglist.core.enrich.settings import EnrichSettings
    from readinglist.core.store import Store

ADDED, MERGED, ALREADY, RESTORED = "added", "merged", "already", "restored"
NOT_FOUND, NOT_UNDERSTOOD, FAILED = "not found", "not understood", "failed"
OK_STATUSES = frozenset({ADDED, MERGED, ALREADY, RESTORED})
ID_BATCH = 50  # ids per arXiv id_list request
NEGATIVE_CACHE_DAYS = 30


class AddOffline(UserError):
    """No network when the first request was made: nothing was added."""


@dataclass(slots=True)
class AddOutcome:
    """What became of one THING."""

    thing: str
    status: str
    paper_id: str | None = None
    title: str = ""
    reason: str = ""  # why not found / not understood / failed

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def line(self) -> str:
        """One line of the report; paper text is cleaned for the terminal."""
        thing, title = clean_text(self.thing), clean_text(self.title)[:70]
        if self.status == ADDED:
            return f"added      {thing}: {self.paper_id}  {title}"
        if self.status in (MERGED, ALREADY):
            extra = " (new metadata merged)" if self.status == MERGED else ""
            return f"merged     {thing}: already in the library as {self.paper_id}{extra}  {title}"
        if self.status == RESTORED:
            return f"restored   {thing}: back from the trash as {self.paper_id}  {title}"
        return f"{self.status + ':':<10} {thing}: {clean_text(self.reason)}"

    def to_dict(self) -> dict[str, Any]:
        return {"thing": self.thing, "status": self.status, "id": self.paper_id, "title": self.title, "reason": self.reason}


@dataclass
class Annotate:
    """Annotations to give every paper an add names (``--star``, ``--tag``...)."""

    star: bool = False
    tags: list[str] = field(default_factory=list)
    status: str | None = None
    note: str | None = None

    def apply(self, store: Store, pid: str) -> None:
        if self.star:
            store.set_star(pid, True)
        if self.tags:
            store.update_tags(pid, self.tags)
        if self.status:
            store.set_status(pid, self.status)
        if self.note:
            current = store.annotation(pid).note
            store.set_note(pid, f"{current}\n\n{self.note}" if current else self.note)


def add_things(
    store: Store,
    things: Sequence[str],
    settings: EnrichSettings,
    *,
    titles: Sequence[str] = (),
    client: PoliteClient | None = None,
    annotate: Annotate | None = None,
    refresh: bool = False,
    progress: Callable[[str], None] | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
    group: str | None = None,
) -> list[AddOutcome]:
    """Resolve ``things`` (ids, URLs, DOIs) and ``titles``; add or merge them.

    Returns one outcome per THING, in order. Raises ``AddOffline`` when the
    first request cannot connect (nothing is changed then).
    """
    from readinglist.core.enrich.cache import EnrichCache, JsonCache
    from readinglist.core.enrich.client import Cancelled, Canceller, OfflineError, PoliteClient

    own = client is None
    if client is None:
        client = PoliteClient(settings, cancel=cancel)
    elif cancel is not None:
        client.canceller = Canceller(cancel)
    run = _Resolver(client, settings, EnrichCache(store.home / "cache"), JsonCache(store.home / "cache" / "doi.json"), refresh, progress)
    parsed = [(thing, parse_thing(thing)) for thing in things]
    # Every THING has its outcome from the start: a cancelled run still reports each.
    outcomes = [AddOutcome(thing, FAILED, reason="cancelled before it was looked up") for thing in [*things, *titles]]
    found: list[tuple[AddOutcome, Paper]] = []
    try:
        entries = run.arxiv([i.value for _, i in parsed if i is not None and i.kind == ARXIV])
        for outcome, (_, ident) in zip(outcomes, parsed):
            if ident is None:
                outcome.status, outcome.reason = NOT_UNDERSTOOD, "not an arXiv id, arXiv URL or DOI (use --title for a title)"
                continue
            result = entries.get(_key(ident.value)) if ident.kind == ARXIV else run.doi(ident)
            _settle(outcome, ident, result, found)
        for outcome, title in zip(outcomes[len(parsed) :], titles):
            result = run.title(title)
            if isinstance(result, Paper):
                found.append((outcome, result))
            else:
                outcome.status, outcome.reason = result
    except OfflineError as exc:
        raise AddOffline(f"offline: {exc}. Nothing was added; check the network, or the READINGLIST_*_API settings") from None
    except Cancelled:
        pass  # what was found so far is still added below
    finally:
        run.flush()
        if own:
            client.close()
    _store(store, found)
    added = [o.paper_id for o in outcomes if o.status == ADDED and o.paper_id]
    if added:  # journaled: undo moves them to the trash again
        from readinglist.core.journal import Change

        store.journal_paper_changes([Change(pid, "trashed", True, False) for pid in added], group)
    if annotate is not None:
        for pid in dict.fromkeys(o.paper_id for o in outcomes if o.ok and o.paper_id):
            annotate.apply(store, pid)  # type: ignore[arg-type]
    return outcomes


def _settle(outcome: AddOutcome, ident: Identifier, result: object, found: list[tuple[AddOutcome, Paper]]) -> None:
    outcome.reason = ""
    if isinstance(result, Paper):
        found.append((outcome, result))
    elif isinstance(result, str):
        outcome.status, outcome.reason = FAILED, result
    else:
        outcome.status = NOT_FOUND
        outcome.reason = f"arXiv has no paper {ident.value}" if ident.kind == ARXIV else f"no registration agency knows the DOI {ident.value}"


def _store(store: Store, found: list[tuple[AddOutcome, Paper]]) -> None:
    if not found:
        return
    results: list[tuple[str, str, Paper, bool]] = []
    known = {p.id: p.title for p in store.papers()}  # before the write: no re-read after it
    store.add_papers([paper for _, paper in found], outcomes=results, revive=True)
    status = {"new": ADDED, "merged": MERGED, "unchanged": ALREADY, "restored": RESTORED}
    for (outcome, paper), (state, pid, _, _) in zip(found, results, strict=True):
        outcome.status, outcome.paper_id = status[state], pid
        outcome.title = known.get(pid) or paper.title


class _Resolver:
    """The network side: arXiv ids in batches, DOIs, titles; cached like enrichment."""

    def __init__(
        self,
        client: PoliteClient,
        settings: EnrichSettings,
        cache: EnrichCache,
        doi_cache: JsonCache,
        refresh: bool,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.client, self.settings, self.cache, self.doi_cache = client, settings, cache, doi_cache
        self.refresh, self.progress = refresh, progress
        self.at = _now()

    def _say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def flush(self) -> None:
        self.cache.flush()
        self.doi_cache.flush()

    def arxiv(self, ids: Iterable[str]) -> dict[str, Paper | str | None]:
        """Versionless id (lowercased) -> paper, failure reason, or None (no such paper)."""
        from readinglist.core.enrich import arxiv
        from readinglist.core.enrich.arxiv import ArxivEntry, ArxivRejected
        from readinglist.core.enrich.client import FetchError

        wanted = list(dict.fromkeys(ids))
        answers: dict[str, Paper | str | None] = {}
        missing = []
        for arxiv_id in wanted:
            cached = None if self.refresh else self.cache.ids.get(arxiv_id)
            if cached and cached.get("entry"):
                answers[_key(arxiv_id)] = paper_from_entry(ArxivEntry.from_dict(cached["entry"]), self.at)
            else:
                missing.append(arxiv_id)
        batches = [missing[i : i + ID_BATCH] for i in range(0, len(missing), ID_BATCH)]
        while batches:
            batch = batches.pop(0)
            self._say(f"arXiv: fetching {len(batch)} ids")
            try:
                feed = arxiv.fetch_ids(self.client, self.settings.arxiv_api, batch)
            except ArxivRejected:
                if len(batch) > 1:  # one odd id must not fail the others
                    batches[:0] = [[one] for one in batch]
                else:
                    answers[_key(batch[0])] = None  # arXiv says no such id can exist
                continue
            except FetchError as exc:
                for arxiv_id in batch:
                    answers[_key(arxiv_id)] = f"arXiv: {exc}"
                continue
            for entry in feed.entries:
                self.cache.ids.put(entry.arxiv_id, {"entry": entry.to_dict()})
                answers[_key(entry.arxiv_id)] = paper_from_entry(entry, self.at)
            for arxiv_id in batch:
                answers.setdefault(_key(arxiv_id), None)
        return answers

    def doi(self, ident: Identifier) -> Paper | str | None:
        from readinglist.core.enrich.client import FetchError
        from readinglist.core.enrich.doi import fetch_csl
        from readinglist.core.importers.csl import paper_from_csl

        assert ident.kind == DOI
        key = ident.key()
        cached = None if self.refresh else self.doi_cache.get(key)
        if cached is not None and not cached.get("item"):
            cached = self.doi_cache.get(key, max_age_days=NEGATIVE_CACHE_DAYS)
        if cached is not None:
            item = cached.get("item")
        else:
            self._say(f"DOI: {ident.value}")
            try:
                item = fetch_csl(self.client, self.settings.doi_api, ident.value)
            except FetchError as exc:
                return f"DOI: {exc}"
            self.doi_cache.put(key, {"item": item})
        if not item:
            return None
        paper = paper_from_csl(item, "doi", 0)
        if paper is None:
            return "DOI: the answer has no title"
        paper.sources = []
        paper.doi = paper.doi or ident.value
        for name in ("doi", "venue", "pub_type", "publisher", "pdf_url", "url"):
            if getattr(paper, name):
                paper.provenance[name] = {"source": "doi", "at": self.at}
        return paper

    def title(self, title: str) -> Paper | tuple[str, str]:
        """The paper of an exact (or close and corroborated) arXiv title hit."""
        from readinglist.core.enrich import arxiv
        from readinglist.core.enrich.arxiv import ArxivEntry
        from readinglist.core.enrich.client import FetchError
        from readinglist.core.enrich.match import decide

        wanted = " ".join(clean_text(title).split())
        if not normalize_title(wanted):
            return NOT_UNDERSTOOD, "an empty title"
        key = normalize_title(wanted)
        cached = None if self.refresh else self.cache.titles.get(key, max_age_days=NEGATIVE_CACHE_DAYS)
        if cached is not None:
            entries = [ArxivEntry.from_dict(e) for e in cached.get("entries") or []]
        else:
            self._say(f"arXiv: searching {wanted[:50]}")
            try:
                feed = arxiv.search_titles(self.client, self.settings.arxiv_api, [wanted], per_title=10)
            except FetchError as exc:
                return FAILED, f"arXiv: {exc}"
            entries = feed.entries
        probe = Paper(id=paper_id(wanted), title=wanted)
        decision = decide(probe, entries)
        if cached is None:
            matched = decision.match.entry if decision.match is not None else None
            self.cache.titles.put(key, {"matched": matched is not None, "entries": [e.to_dict() for e in entries[:3]] if matched is None else [matched.to_dict()]})
        if decision.match is None:
            return NOT_FOUND, f"no confident arXiv match ({decision.reason}); nothing added"
        self.cache.ids.put(decision.match.entry.arxiv_id, {"entry": decision.match.entry.to_dict()})
        return paper_from_entry(decision.match.entry, self.at)


def paper_from_entry(entry: ArxivEntry, at: str) -> Paper:
    """A paper as arXiv describes it, every field marked as arXiv's."""
    from readinglist.core.links import arxiv_pdf_url

    title = " ".join(clean_text(entry.title).split())
    paper = Paper(
        id=paper_id(title),
        title=title,
        authors=[clean_text(a) for a in entry.authors],
        category=entry.primary_category,
        categories=list(entry.categories),
        date=entry.published,
        abstract=entry.summary,
        links=links_by_kind(entry.summary),
        arxiv_id=entry.arxiv_id,
        doi=entry.doi,
        pdf_url=entry.pdf_url or arxiv_pdf_url(entry.arxiv_id),
        journal_ref=entry.journal_ref,
    )
    paper.has_code = bool(paper.links.get("code"))
    base = {"source": "arxiv", "at": at, "arxiv_id": entry.arxiv_id}
    for name in ("arxiv_id", "pdf_url", "doi", "category", "abstract", "authors", "date"):
        if getattr(paper, name):
            paper.provenance[name] = dict(base)
    return paper


def _key(arxiv_id: str) -> str:
    """How ids are compared: ``math.GT/0309136`` is arXiv's ``math/0309136``."""
    head, slash, number = arxiv_id.lower().partition("/")
    return f"{head.split('.')[0]}/{number}" if slash else head


def _now() -> str:
    from readinglist.core.enrich.cache import now_iso

    return now_iso()


def unannotated_builtin(store: Store) -> list[str]:
    """Ids of built-in papers the user never annotated nor imported from elsewhere."""
    from readinglist.core.store import bundled_listings

    builtin = {path.name for path in bundled_listings()}
    annotations = store.annotations()
    return [
        p.id
        for p in store.papers()
        if p.sources
        and all(s.listing in builtin for s in p.sources)
        and (p.id not in annotations or annotations[p.id].is_default())
        and not any((r or {}).get("source") == "user" for r in p.provenance.values() if isinstance(r, dict))
    ]
