"""Removing, restoring and editing papers: the trash and the user's edits.

Mixed into :class:`~readinglist.core.store.Store`. The trash is a table of
the corpus file, so moving a paper there is one atomic write; its
annotation goes with it and comes back with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinydb.table import Document

from readinglist.core.tags import normalize_tags
from readinglist.core.corpus import merge_papers, user_edit
from readinglist.core.errors import StoreError, UnknownPaper
from readinglist.core.journal import ADDED, Change, Entry, new_group
from readinglist.core.model import Annotation, Paper
from readinglist.core.storage import _NotLineLayout

if TYPE_CHECKING:
    from readinglist.core.lock import StoreLock
    from readinglist.core.storage import AtomicJSONStorage, Records


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class TrashItem:
    paper: Paper
    annotation: Annotation | None
    removed: str  # ISO timestamp, UTC


class CurationMixin:
    """Store methods that remove, restore and edit papers (``self`` is the Store)."""

    lock: StoreLock
    _corpus_storage: AtomicJSONStorage
    _papers_table: Any
    _rewrite_papers: Any
    _ann_table: Any

    def _tag_new_papers(self, tags: dict[str, list[str]]) -> None:
        """Keywords of a newly imported entry become its tags, in one write."""
        now = _now()

        def updater(table: dict[str, Any]) -> None:
            for pid, names in tags.items():
                record = Annotation.from_dict(table.get(pid) or {})
                record.tags = normalize_tags([*record.tags, *names])
                record.created, record.updated = record.created or now, now
                table[pid] = record.to_dict()

        with self.lock:
            self._ann_table.apply(updater)

    # --- trash and edits ---------------------------------------------------

    def remove_papers(self, ids: Iterable[str], *, group: str | None = None, journal: bool = True) -> list[str]:
        """Move papers, with a copy of their annotations, to the trash table of
        the corpus (one atomic write), then drop their annotations."""
        wanted = list(dict.fromkeys(ids))
        removed: list[str] = []

        def change(papers: dict[str, Any], data: dict[str, Any], records: Records) -> bool:
            trash = data.setdefault("trash", {})
            removed.extend(pid for pid in wanted if pid in papers)
            for pid in removed:
                note = annotations.get(pid)
                record = records.record(papers.pop(pid))
                trash[pid] = {"paper": record, "annotation": note.to_dict() if note else None, "removed": _now()}
            return bool(removed)

        with self.lock:
            annotations = self.annotations()
            self._rewrite_papers(change)
            gone = [pid for pid in removed if pid in annotations]
            if gone:
                self._ann_table.remove(doc_ids=gone)
        if journal and removed:  # undo (or `readinglist undo`) brings them back
            self.journal_paper_changes([Change(pid, "trashed", False, True) for pid in removed], group)
        return removed

    def restore_papers(self, ids: Iterable[str], *, group: str | None = None, journal: bool = True) -> list[str]:
        """Bring papers back from the trash, with the annotations they had."""
        wanted = list(dict.fromkeys(ids))
        restored: list[str] = []
        notes: dict[str, dict[str, Any] | None] = {}

        def change(papers: dict[str, Any], data: dict[str, Any], records: Records) -> bool:
            trash = data.setdefault("trash", {})
            restored.extend(pid for pid in wanted if pid in trash)
            for pid in restored:
                item = trash.pop(pid)
                notes[pid] = item.get("annotation")
                if pid in papers:  # added again meanwhile: keep both's metadata
                    merged = Paper.from_dict(records.record(papers[pid]))
                    merge_papers(merged, Paper.from_dict(item["paper"]))
                    papers[pid] = records.encoded(merged.to_dict())
                else:
                    papers[pid] = item["paper"]
            return bool(restored)

        with self.lock:
            self._rewrite_papers(change)
            if restored:
                self._restore_annotations(notes)
        if journal and restored:
            self.journal_paper_changes([Change(pid, "trashed", True, False) for pid in restored], group)
        return restored

    def _restore_annotations(self, notes: dict[str, dict[str, Any] | None]) -> None:
        """Put back the annotations papers had when removed (never over newer ones)."""
        current = self.annotations()
        for pid, saved in notes.items():
            if saved and pid not in current:
                self._ann_table.upsert(Document(saved, doc_id=pid))

    def trash(self) -> list[TrashItem]:
        """Removed papers, most recently removed first."""
        records = self._corpus_storage.iter_table("trash")  # streamed: no parse of the papers
        try:
            trash = dict(records) if records is not None else None
        except _NotLineLayout:
            trash = None
        if trash is None:
            trash = (self._corpus_storage.read() or {}).get("trash") or {}
        items = [
            TrashItem(Paper.from_dict(item["paper"]), Annotation.from_dict(item["annotation"]) if item.get("annotation") else None, item.get("removed") or "")
            for item in trash.values()
        ]
        return sorted(items, key=lambda i: i.removed, reverse=True)

    def empty_trash(self, ids: Iterable[str] | None = None) -> int:
        """Delete papers from the trash for good (all of them without ``ids``)."""
        gone: list[str] = []

        def change(papers: dict[str, Any], data: dict[str, Any], records: Records) -> bool:
            trash = data.get("trash") or {}
            gone.extend(list(trash) if ids is None else [pid for pid in ids if pid in trash])
            for pid in gone:
                trash.pop(pid)
            return bool(gone)

        with self.lock:
            self._rewrite_papers(change)
        return len(gone)

    def journal_paper_changes(self, changes: list[Change], group: str | None = None) -> str:
        """Record removals and edits in the journal, so undo can take them back."""
        group = group or new_group()
        if changes:
            self.journal.append(changes, group)  # type: ignore[attr-defined]
        return group

    def journal_added(self, ids: list[str], group: str | None = None) -> None:
        """Record papers an import or a fetch brought in: one entry, so undo can
        move them to the trash again. Best effort: the papers are already saved."""
        if ids:
            try:
                self.journal_paper_changes([Change("", ADDED, None, list(ids))], group)
            except StoreError:
                pass

    def undo_paper_changes(self, entries: list[Entry]) -> tuple[list[Change], list[Change]]:
        """Put papers back as they were before ``entries`` (called under the lock by undo)."""
        undone: list[Change] = []
        for entry in (e for e in entries if e.field == ADDED):
            if isinstance(entry.after, list):  # brought in: to the trash
                gone = self.remove_papers([x for x in entry.after if isinstance(x, str)], journal=False)
                if gone:
                    undone.append(Change("", ADDED, gone, None))
            elif isinstance(entry.before, list):  # an undone import: back from the trash
                back = self.restore_papers([x for x in entry.before if isinstance(x, str)], journal=False)
                if back:
                    undone.append(Change("", ADDED, None, back))
        back_to_trash = [e.pid for e in entries if e.field == "trashed" and e.before]
        out_of_trash = [e.pid for e in entries if e.field == "trashed" and not e.before]
        if out_of_trash:
            restored = set(self.restore_papers(out_of_trash, journal=False))
            undone += [Change(pid, "trashed", True, False) for pid in out_of_trash if pid in restored]
        if back_to_trash:
            removed = set(self.remove_papers(back_to_trash, journal=False))
            undone += [Change(pid, "trashed", False, True) for pid in back_to_trash if pid in removed]
        edits: dict[str, dict[str, Any]] = {}
        for entry in reversed([e for e in entries if e.field.startswith("paper.")]):
            name = entry.field.removeprefix("paper.")
            edit = edits.setdefault(entry.pid, {"provenance": {}})
            edit[name] = entry.before
            # The user's own step back: it passes the compare-and-set that keeps others off user fields.
            edit["provenance"][name] = {"source": "user", "at": _now(), "undo": True}
            undone.append(Change(entry.pid, entry.field, entry.after, entry.before))
        if edits:
            self.update_papers(edits)  # type: ignore[attr-defined]
        return undone, []

    def edit_paper(self, pid: str, fields: dict[str, Any], *, group: str | None = None) -> Paper:
        """Set fields by hand: each becomes the user's, never overwritten after.

        The id does not change, even with a new title: annotations are keyed by it.
        """
        paper = self.paper(pid)
        if paper is None:
            raise UnknownPaper(f"no paper has id {pid!r}; `readinglist list` shows the ids")
        changes = user_edit(paper, fields, _now())
        if not changes:
            return paper
        self.update_papers({pid: changes})
        # Built here rather than re-read: re-reading a 100k corpus costs seconds.
        record = paper.to_dict()
        record.update({k: v for k, v in changes.items() if k != "provenance"})
        record["provenance"] = {**record["provenance"], **changes["provenance"]}
        before = paper.to_dict()
        self.journal_paper_changes(
            [
                Change(pid, f"paper.{name}", before.get(name), record.get(name))
                for name in ("title", "authors", "date", "arxiv_id", "doi", "url", "links", "citation_key")
                if before.get(name) != record.get(name)
            ],
            group,
        )
        return Paper.from_dict(record)
