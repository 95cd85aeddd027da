"""The library: the one in-memory session over the store.

Both the CLI and the app open a ``Library`` and call its verbs; nothing else
keeps its own copy of the papers, the annotations or the search index. Each
verb writes through the store (atomic, under the store lock) and then brings
its in-memory state and the index up to date, so what the user sees is what
is on disk. ``refresh()`` takes in what another process wrote.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from readinglist.core.errors import UserError
from readinglist.core.model import DEFAULT_ANNOTATION, STATUSES, Annotation, Paper
from readinglist.core.scope import Scope
from readinglist.core.exporting import ExportMixin
from readinglist.core.recommending import RecommendMixin
from readinglist.core.undoing import UndoMixin

if TYPE_CHECKING:
    from readinglist.core.adding import AddOutcome
    from readinglist.core.enrich.settings import EnrichSettings
    from readinglist.core.similar import SimilarityModel
    from readinglist.core.index import SearchIndex
    from readinglist.core.query import Query
    from readinglist.core.store import Store


@dataclass(slots=True)
class Changes:
    """What a verb or a refresh changed, for the views to redraw."""

    papers: set[str] = field(default_factory=set)  # ids whose metadata changed
    annotations: set[str] = field(default_factory=set)  # ids whose annotation changed
    reloaded: bool = False  # papers were added or removed: positions changed
    moved: dict[int, int] = field(default_factory=dict)  # on reload: old position -> new one (removed: absent)

    def __bool__(self) -> bool:
        return bool(self.papers or self.annotations or self.reloaded)

    def __ior__(self, other: Changes) -> Changes:
        self.papers |= other.papers
        self.annotations |= other.annotations
        self.reloaded = self.reloaded or other.reloaded
        self.moved = other.moved or self.moved
        return self


class Library(RecommendMixin, UndoMixin, ExportMixin):
    """Papers, annotations and the search index of one store, and the verbs over them."""

    def __init__(self, store: Store, *, label: str | None = None) -> None:
        """``label`` names this process in the journal ("app", "cli")."""
        self.store = store
        if label is not None:
            store.journal.label = label
        self._undo: list[str] = []  # journal groups this library made, newest last
        self._redo: list[str] = []
        # A lazy store (the CLI's one-paper commands) has not parsed its
        # papers: they are loaded on first need, and papers are looked up
        # one at a time until then.
        self._loaded: list[Paper] | None = None if store.lazy else list(store.papers())
        self._papers_stamp = store.papers_stamp  # the corpus version _papers hold (None: unknown, mixed)
        # (_changes, newest_first(), every paper's date) of _papers: the index reuses both
        self._newest: tuple[int, list[int], list[str]] | None = None
        self._changes = 0  # bumped whenever _papers change
        self._positions: tuple[list[Paper], dict[str, int]] | None = None  # (_papers, by id)
        self._annotations: dict[str, Annotation] = dict(store.annotations())
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()
        self._similar: SimilarityModel | None = None
        # is:new finds the papers that entered the library after this time
        # (the app sets it to its previous launch); None: none is new.
        self.new_since: str | None = None

    @classmethod
    def open(cls, home: Path, **options: object) -> Library:
        from readinglist.core.store import Store

        return cls(Store.open(home, **options))  # type: ignore[arg-type]

    # --- reading -------------------------------------------------------------

    @property
    def home(self) -> Path:
        return self.store.home

    @property
    def _papers(self) -> list[Paper]:
        if self._loaded is None:
            self._loaded = list(self.store.papers())
            self._papers_stamp = self.store.papers_stamp
        return self._loaded

    @_papers.setter
    def _papers(self, papers: list[Paper]) -> None:
        self._loaded = papers

    @property
    def papers(self) -> Sequence[Paper]:
        """Every paper, in store order. Read-only: change papers through the verbs."""
        return self._papers

    @property
    def annotations(self) -> Mapping[str, Annotation]:
        """Annotations of the papers that have one (the others are defaults)."""
        return MappingProxyType(self._annotations)

    def __len__(self) -> int:
        return len(self._papers)

    def position(self, pid: str) -> int | None:
        # Held with the list it was worked out from (see Store._positions).
        papers, held = self._papers, self._positions
        if held is None or held[0] is not papers or len(held[1]) != len(papers):
            held = self._positions = (papers, {p.id: i for i, p in enumerate(papers)})
        return held[1].get(pid)

    def paper(self, pid: str) -> Paper | None:
        if self._loaded is None:
            return self.store.paper(pid)  # found in the file: the rest stays unparsed
        position = self.position(pid)
        return None if position is None else self._papers[position]

    def annotation(self, pid: str) -> Annotation:
        """The paper's annotation (shared: do not change it, use the verbs)."""
        return self._annotations.get(pid, DEFAULT_ANNOTATION)

    def resolve_id(self, text: str) -> str:
        """A full id, or a prefix of exactly one id (as git does with hashes)."""
        return self.store.resolve_id(text)

    def resolve_ids(self, texts: Iterable[str]) -> list[str]:
        """Every id resolved before anything is done: all or nothing."""
        return list(dict.fromkeys(self.resolve_id(text) for text in texts))

    def all_tags(self) -> list[str]:
        """Every tag in use, one spelling each."""
        from readinglist.core.tags import tag_key

        tags: dict[str, str] = {}
        for annotation in self._annotations.values():
            for tag in annotation.tags:
                tags.setdefault(tag_key(tag), tag)
        return sorted(tags.values(), key=str.casefold)

    # --- searching -----------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        """The search index, built on first use (0.4 s at 100k papers), once."""
        with self._index_lock:
            if self._index is None:
                from readinglist.core.index import SearchIndex
                from readinglist.core.index_cache import IndexCache, index_cache_path

                stamp = self._papers_stamp
                saved = IndexCache(index_cache_path(self.home), stamp) if stamp is not None else None
                # The first list's order, if nothing changed since; else sorted now
                # (or taken from the paper cache: a command's first search).
                sorted_ = self._newest if self._newest and self._newest[0] == self._changes else self._sort_newest()
                newest, dates = sorted_[1], sorted_[2]
                index = SearchIndex(self._papers, self._annotations, saved=saved, newest=newest, dates=dates)
                index.set_similarity(self._like_scores)
                self._set_flags(index)
                self._index = index
            return self._index

    def _set_flags(self, index: SearchIndex) -> None:
        from readinglist.core.pdf import PDF_DIR

        since = self.new_since
        # Without a previous launch nothing is new: no pass over every paper.
        index.set_new([p.id for p in self._papers if p.added and p.added > since] if since else [])
        try:
            index.set_flag("pdf", [path.stem for path in (self.home / PDF_DIR).glob("*.pdf")])
        except OSError:
            index.set_flag("pdf", [])

    def refresh_flags(self) -> None:
        """is:new and has:pdf again (after a fetch, a download, a new launch time)."""
        if self._index is not None:
            self._set_flags(self._index)

    @property
    def has_index(self) -> bool:
        """True once the index exists (searches no longer wait for it to be built)."""
        return self._index is not None

    @property
    def index_ready(self) -> bool:
        """True once the index and its word postings are built: searches are fastest."""
        index = self._index
        return index is not None and index.text_indexed

    def build_index(self) -> None:
        """Build the index and its word postings, or read them from the cache file,
        and the id look-ups; then save the papers for the next launch if they
        are not (for a worker thread)."""
        self.index.index_text()
        # The id look-ups the first star, tag or note of a session needs
        # (70 ms at 100k papers, 240 ms beside the other workers), done here.
        self.position("")
        self.store.prepare_lookups()
        self.save_paper_cache()

    def read_abstracts(self) -> None:
        """Read the abstracts a launch from ``cache/papers.bin`` left in that file
        (for a worker, after ``build_index``), so the first phrase search need not."""
        self.store.read_abstracts()

    def save_paper_cache(self) -> bool:
        """Save the papers as last read from the corpus to ``cache/papers.bin``,
        so the next launch need not parse it (for a worker: ~0.6 s at 100k).
        False when nothing was saved: it holds them already, the corpus changed
        since, or the disk refused (``Store.save_papers``)."""
        return not self.store.lazy and self.store.save_papers()

    def search(self, query: Query | str, sort: str = "relevance") -> Sequence[int]:
        """Positions into ``papers`` matching ``query`` (text is parsed: may raise QueryError);
        a large answer is worked out as far as it is read (``LazyPositions``)."""
        return self.index.search(query, sort=sort)

    def newest_first(self) -> list[int]:
        """Every paper newest first, without the index: the first paint needs no more."""
        return list(self._sort_newest()[1])

    def _sort_newest(self) -> tuple[int, list[int], list[str]]:
        """(_changes, every paper's position newest first, every paper's date), kept for the index."""
        from readinglist.core.index_order import newest_order, paper_dates

        papers, changes = self._papers, self._changes
        dates = paper_dates(papers)
        # The paper cache holds this order for the papers it gave (sorting
        # them was 40-55 ms of a 100k launch, 125 ms at 300k).
        newest = self.store.saved_newest(self._papers_stamp, len(papers)) if changes == 0 else None
        if newest is None:
            newest = newest_order(dates)
        self._newest = (changes, newest, dates)  # the index numbers papers in this order: it need not sort again
        return self._newest

    def select(self, scope: Scope) -> list[Paper]:
        """The papers of ``scope``: query results in the query's order, the rest in store order."""
        papers = self._papers
        match scope.kind:
            case "query":
                from readinglist.core.query import QueryError, parse_query

                try:
                    query = parse_query(scope.query)
                except QueryError as exc:
                    raise UserError(f"bad query {scope.query!r}: {exc}") from None
                try:
                    positions = self.search(query, sort=scope.sort or "relevance")
                except ValueError as exc:  # an unknown sort
                    raise UserError(str(exc)) from None
                return [papers[i] for i in positions]
            case "starred":
                return [p for p in papers if self.annotation(p.id).star]
            case "tag":
                from readinglist.core.tags import normalize_tags, tag_key

                wanted = [tag_key(t) for t in normalize_tags([scope.tag])]
                if not wanted:
                    raise UserError(f"{scope.tag!r} is not a tag name")
                return [p for p in papers if wanted[0] in {tag_key(t) for t in self.annotation(p.id).tags}]
            case "ids" | "selection":
                chosen = [self.paper(pid) for pid in self.resolve_ids(scope.ids)]
                return [p for p in chosen if p is not None]
            case "unresolved":
                # Imported here: it brings the arXiv client, 22 ms of every `list` else.
                from readinglist.core.enrich.apply import needs_enrichment

                return [p for p in papers if needs_enrichment(p)]
        return list(papers)

    # --- verbs: annotations ------------------------------------------------------

    def _took(self, pid: str, annotation: Annotation) -> None:
        self._annotations[pid] = annotation
        if self._index is not None:
            self._index.update_annotation(pid, annotation)
        if self._similar is not None:
            self._similar.update_annotation(pid, annotation)

    def _known(self, pid: str) -> str:
        if self.paper(pid) is None:
            from readinglist.core.errors import UnknownPaper

            raise UnknownPaper(f"no paper has id {pid!r}; `readinglist list` shows the ids")
        return pid

    def _each(self, pids: Iterable[str], write) -> Changes:
        """Apply ``write(pid, group)`` to every paper as one journal group: one undo step."""
        from readinglist.core.journal import new_group

        pids = [self._known(pid) for pid in pids]
        group = new_group()
        changes = Changes()
        try:
            for pid in pids:
                self._took(pid, write(pid, group))
                changes.annotations.add(pid)
        finally:
            if changes.annotations:
                self._undo.append(group)
                self._redo.clear()
        return changes

    def toggle_star(self, pid: str) -> Annotation:
        self._each([pid], lambda pid, group: self.store.toggle_star(pid, group=group))
        return self.annotation(pid)

    def set_star(self, pids: Iterable[str], star: bool) -> Changes:
        return self._each(pids, lambda pid, group: self.store.set_star(pid, star, group=group))

    def set_status(self, pids: Iterable[str], status: str) -> Changes:
        if status not in STATUSES:
            raise UserError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        return self._each(pids, lambda pid, group: self.store.set_status(pid, status, group=group))

    def cycle_status(self, pid: str) -> Annotation:
        """unread → reading → read → unread."""
        current = self.annotation(pid).status
        following = STATUSES[(STATUSES.index(current) + 1) % len(STATUSES)]
        self.set_status([pid], following)
        return self.annotation(pid)

    def update_tags(self, pids: Iterable[str], add: Iterable[str] = (), remove: Iterable[str] = ()) -> Changes:
        add, remove = list(add), list(remove)
        return self._each(pids, lambda pid, group: self.store.update_tags(pid, add, remove, group=group))

    def set_note(self, pid: str, text: str, *, expected: str | None = None) -> Annotation:
        """Save a note; with ``expected`` (the note the user began from), a note
        saved elsewhere meanwhile raises ``NoteConflict`` instead of being lost."""
        from readinglist.core.store import NoteConflict

        try:
            self._each([pid], lambda pid, group: self.store.set_note(pid, text, expected=expected, group=group))
        except NoteConflict:
            self._took(pid, self.store.annotation(pid))
            raise
        return self.annotation(pid)

    # --- verbs: papers ------------------------------------------------------------

    def remove_papers(self, pids: Iterable[str]) -> tuple[Changes, list[str]]:
        """Move papers (with their annotations) to the trash; one undo step."""
        from readinglist.core.journal import new_group

        group = new_group()
        removed = self.store.remove_papers(self.resolve_ids(pids), group=group)
        if removed:
            self._undo.append(group)
            self._redo.clear()
        for pid in removed:
            self._annotations.pop(pid, None)
        return self.reload_papers(None), removed

    def add_things(self, things: list[str], settings: EnrichSettings, **options: Any) -> list[AddOutcome]:
        """Add papers by id, URL, DOI (or ``titles=``); one undo step moves the new ones to the trash.

        Safe from a worker thread: the caller reloads the papers afterwards.
        """
        from readinglist.core.adding import ADDED, add_things
        from readinglist.core.journal import new_group

        group = new_group()
        outcomes = add_things(self.store, things, settings, group=group, **options)
        if any(o.status == ADDED for o in outcomes):
            self._undo.append(group)
            self._redo.clear()
        return outcomes

    def edit_paper(self, pid: str, fields: dict[str, str]) -> Changes:
        """Set metadata by hand (the user's from then on); one undo step."""
        from readinglist.core.journal import new_group

        group = new_group()
        self.store.edit_paper(self._known(pid), fields, group=group)
        self._undo.append(group)
        self._redo.clear()
        return self.reload_papers([pid])

    # --- changes made elsewhere -------------------------------------------------

    def refresh(self, *, papers: bool = True) -> Changes:
        """Take in what another process wrote since we last read the store.

        ``papers=False`` leaves the corpus alone (our own resolve run is writing it).
        """
        changes = Changes()
        if papers and self.corpus_changed_on_disk():
            changes |= self.reload_papers(None)
        if self.store.annotations_changed_on_disk():
            fresh = self.store.annotations()
            for pid in set(fresh) | set(self._annotations):
                annotation = fresh.get(pid, DEFAULT_ANNOTATION)
                if self._annotations.get(pid, DEFAULT_ANNOTATION) != annotation:
                    if self._loaded is None or self.position(pid) is not None:
                        self._took(pid, annotation)
                    else:
                        self._annotations[pid] = annotation
                    changes.annotations.add(pid)
        return changes

    def corpus_changed_on_disk(self) -> bool:
        """Another process wrote the corpus since these papers were read."""
        return self._loaded is not None and self.store.corpus_changed_on_disk()

    def take_papers(self, papers: list[Paper], stamp: tuple[int, int, int]) -> Changes:
        """Take in papers a worker read with ``Store.read_papers`` (nothing if the
        file changed again meanwhile: the next refresh reads it)."""
        if not self.store.adopt_papers(papers, stamp):
            return Changes()
        return self.reload_papers(None)

    def reload_papers(self, pids: Iterable[str] | None) -> Changes:
        """Take papers changed in the store (by enrichment, an import) into the view.

        ``pids`` narrows the comparison to the papers a writer said it changed.
        """
        fresh = {p.id: p for p in self.store.papers()}
        stamp = self.store.papers_stamp
        changes = Changes()
        if set(fresh) != {p.id for p in self._papers}:
            # Papers were added or removed: positions change, the index is rebuilt.
            new_positions = {pid: i for i, pid in enumerate(fresh)}
            changes.moved = {i: new_positions[p.id] for i, p in enumerate(self._papers) if p.id in new_positions}
            self._papers = list(fresh.values())
            self._papers_stamp = stamp
            self._positions = None
            self._changes += 1
            with self._index_lock:
                self._index = None
                self._similar = None
            changes.reloaded = True
            return changes
        wanted = set(pids) if pids is not None else None
        for i, paper in enumerate(self._papers):
            if wanted is not None and paper.id not in wanted:
                continue
            updated = fresh[paper.id]
            # Field by field (the dataclass's own ==): a third of the time of
            # comparing to_dict() copies, ~0.35 s instead of 1.2 s at 100k.
            if updated is not paper and updated != paper:
                self._papers[i] = updated
                self._changes += 1
                if self._index is not None:
                    self._index.update_paper(updated)
                if self._similar is not None:
                    self._similar.update_paper(updated, old=paper)
                changes.papers.add(paper.id)
        if changes.papers:
            # Compared with every paper, ours are that version of the corpus; else a mix.
            self._papers_stamp = stamp if wanted is None else None
        return changes

    def backup(self) -> None:
        """Keep a copy of the annotations (at launch, every so often, at exit)."""
        self.store.backup_annotations()
