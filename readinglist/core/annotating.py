"""The annotation half of the store: stars, statuses, tags and notes.

Mixed into :class:`~readinglist.core.store.Store`. Every change is made under
the store lock on freshly read data, journaled (fsynced) before it is
written, and written atomically; the journal is how it can be undone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from readinglist.core.backups import list_backups, take_backup
from readinglist.core.errors import StoreError, UnknownPaper, UserError
from readinglist.core.generation import replaced_message
from readinglist.core.journal import ANNOTATION_FIELDS, PAPER_FIELDS, Change, Journal, new_group
from readinglist.core.model import STATUSES, Annotation
from readinglist.core.tags import merge_tags, normalize_tags, tag_key
from readinglist.core.validate import MAX_NOTE_CHARS, check_annotations

if TYPE_CHECKING:
    from readinglist.core.lock import StoreLock
    from readinglist.core.model import Paper
    from readinglist.core.storage import AtomicJSONStorage


@dataclass(frozen=True)
class Undo:
    """What :meth:`AnnotationsMixin.undo` did: its own journal group (None
    when nothing was undone), the changes made, and those skipped because
    the field changed again since (as the changes that were not made)."""

    group: str | None
    undone: list[Change]
    skipped: list[Change]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class AnnotationsMixin:
    """Store methods over ``annotations.json``, its backups and the journal."""

    annotations_path: Path
    backup_dir: Path
    lock: StoreLock
    journal: Journal
    _ann_storage: AtomicJSONStorage
    _ann_table: Any
    _annotations: dict[str, Annotation]
    _annotations_stamp: object
    _annotations_seen: bool
    _papers_stamp: object
    _corpus_storage: AtomicJSONStorage

    def paper(self, pid: str) -> Paper | None:  # pragma: no cover - Store's
        raise NotImplementedError

    # --- annotations -----------------------------------------------------

    def annotations(self) -> dict[str, Annotation]:
        """Annotations of every paper that has one (others are defaults).

        Every record is checked first: a wrong-typed value is a StoreError
        naming the file and the paper, never coerced and saved back.
        """
        data = self._ann_storage.read()
        if data is None:
            if self._annotations_seen:
                raise StoreError(
                    f"{self.annotations_path} vanished while readinglist was using it; nothing was written: "
                    "run `readinglist doctor --restore`, or put the file back"
                )
            data = {}
        else:
            self._annotations_seen = True
        stamp = self._ann_storage._stamp
        if stamp != self._annotations_stamp:
            records = data.get("annotations", {})
            check_annotations(self.annotations_path, records)
            self._annotations = {pid: Annotation.from_dict(rec) for pid, rec in records.items()}
            self._annotations_stamp = stamp
        return self._annotations

    def _refuse_to_start_empty(self) -> None:
        """Starting empty would hide the user's notes when backups or the journal say there were some."""
        if self._annotations_seen or self.backups() or self.journal.holds_data():
            raise StoreError(
                f"{self.annotations_path} is missing, but {self.backup_dir} or the journal hold its data; "
                "run `readinglist doctor --restore` to restore the newest backup"
            )

    def annotation(self, pid: str) -> Annotation:
        found = self.annotations().get(pid)
        return Annotation.from_dict(found.to_dict()) if found else Annotation()

    def annotations_changed_on_disk(self) -> bool:
        """True when the annotations file changed since annotations() read it."""
        return self._ann_storage.stamp() != self._annotations_stamp

    def corpus_changed_on_disk(self) -> bool:
        """True when the corpus file changed since papers() read it."""
        return self._corpus_storage.stamp() != self._papers_stamp

    def change_annotation(
        self, pid: str, change: Callable[[Annotation], None], *, group: str | None = None
    ) -> tuple[Annotation, Annotation]:
        """Apply ``change`` under the lock; journal it, then write it. (before, after).

        Changes sharing ``group`` undo as one step (a bulk change).
        """
        if self.paper(pid) is None:
            raise UnknownPaper(f"no paper has id {pid!r}; `readinglist list` shows the ids")
        with self.lock:
            before = self.annotation(pid)  # re-read under the lock
            if self._ann_storage.stamp() is None:
                self._refuse_to_start_empty()
            annotation = self.annotation(pid)
            change(annotation)
            now = _now()
            annotation.created = annotation.created or now
            annotation.updated = now
            changes = [
                Change(pid, name, getattr(before, name), getattr(annotation, name))
                for name in ANNOTATION_FIELDS
                if getattr(before, name) != getattr(annotation, name)
            ]
            self._settle_journal()
            entries = self.journal.append(changes, group or new_group(), gen=self._ann_storage.generation + 1)
            try:
                # One write (TinyDB's upsert of a new record writes twice): the
                # journal's generation then names exactly the write of this change.
                record = annotation.to_dict()
                self._ann_table.apply(lambda table: table.__setitem__(pid, record))
            except BaseException:
                self.journal.abort([e.id for e in entries])
                raise
        return before, annotation

    def _annotate(self, pid: str, change: Callable[[Annotation], None], group: str | None = None) -> Annotation:
        return self.change_annotation(pid, change, group=group)[1]

    def set_star(self, pid: str, star: bool, *, group: str | None = None) -> Annotation:
        return self._annotate(pid, lambda a: setattr(a, "star", bool(star)), group)

    def toggle_star(self, pid: str, *, group: str | None = None) -> Annotation:
        return self._annotate(pid, lambda a: setattr(a, "star", not a.star), group)

    def set_status(self, pid: str, status: str, *, group: str | None = None) -> Annotation:
        if status not in STATUSES:
            raise UserError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        return self._annotate(pid, lambda a: setattr(a, "status", status), group)

    def set_tags(self, pid: str, tags: Iterable[str], *, group: str | None = None) -> Annotation:
        clean = normalize_tags(tags)
        return self._annotate(pid, lambda a: setattr(a, "tags", clean), group)

    def update_tags(
        self, pid: str, add: Iterable[str] = (), remove: Iterable[str] = (), *, group: str | None = None
    ) -> Annotation:
        add, remove = list(add), list(remove)

        def change(a: Annotation) -> None:
            # By tag identity: +Vision on a paper tagged vision keeps one tag.
            a.tags = merge_tags(a.tags, add, remove)

        return self._annotate(pid, change, group)

    def set_note(self, pid: str, note: str, *, expected: str | None = None, group: str | None = None) -> Annotation:
        """Set the note. With ``expected`` (the note the user started editing),
        refuse with ``NoteConflict`` if another process saved a different one
        meanwhile, instead of silently overwriting it."""
        if len(note) > MAX_NOTE_CHARS:
            raise UserError(
                f"the note is {len(note):,} characters; a note holds at most {MAX_NOTE_CHARS:,}. Nothing was saved"
            )

        def change(a: Annotation) -> None:
            if expected is not None and a.note != expected.rstrip():
                raise NoteConflict(a.note)
            a.note = note.rstrip()

        return self._annotate(pid, change, group)

    def undo(self, group: str) -> Undo:
        """Put back the values from before journal group ``group``, in one write.

        A field changed again since is skipped, not overwritten. The undo is
        journaled itself as a new group (``Undo.group``) undoing ``group``;
        undoing that group is a redo.
        """
        with self.lock:
            self._settle_journal()
            entries = [e for e in self.journal.read() if e.group == group]
            mine = [e for e in entries if e.field in ANNOTATION_FIELDS]
            papers = [e for e in entries if e.field in PAPER_FIELDS]
            if papers and not mine:  # a removal or an edit of papers (curation.py)
                undone, skipped = self.undo_paper_changes(papers)  # type: ignore[attr-defined]
                undo_group = new_group() if undone else None
                if undone:
                    self.journal.append(undone, undo_group, undoes=group)
                return Undo(undo_group, undone, skipped)
            if not mine:
                raise UserError(f"no change {group!r} in the journal {self.journal.path}")
            undone: list[Change] = []
            skipped: list[Change] = []
            changed: dict[str, Annotation] = {}
            now = _now()
            for entry in reversed(mine):
                annotation = changed.get(entry.pid) or self.annotation(entry.pid)
                back = Change(entry.pid, entry.field, entry.after, entry.before)
                if getattr(annotation, entry.field) != entry.after:
                    skipped.append(back)
                    continue
                setattr(annotation, entry.field, entry.before)
                annotation.updated = now
                changed[entry.pid] = annotation
                undone.append(back)
            undo_group = None
            if undone:
                undo_group = new_group()
                written = self.journal.append(undone, undo_group, undoes=group, gen=self._ann_storage.generation + 1)

                def updater(table: dict[str, Any]) -> None:
                    for pid, annotation in changed.items():
                        table[pid] = annotation.to_dict()

                try:
                    self._ann_table.apply(updater)
                except BaseException:
                    self.journal.abort([e.id for e in written])
                    raise
        return Undo(undo_group, undone, skipped)

    def _settle_journal(self) -> None:
        """Mark the journal's last entries aborted if they never reached the file.

        Appends and writes happen together under the lock, so only the last
        append can be missing from the file: its writer was killed between
        the two. Called under the lock, before the next append.

        Entries record the generation of the file their write produces
        (core/generation.py): a file behind the journal by more than that
        last write was replaced by an older copy, which is reported (a
        StoreError), never taken for a killed writer and written over.
        """
        tail = self.journal.tail()
        if not tail:
            return
        current = self.annotations()
        found = self._ann_storage.generation
        newest, newest_group = self.journal.newest_generation(tail)
        if newest > found + 1:
            raise StoreError(replaced_message(self.annotations_path, found, newest))
        if newest == found + 1:
            # Its writer was killed between its journal line and its write.
            # (Lines without a generation, such as an import's, may follow it:
            # they are appended outside the lock.)
            unsettled = newest_group
        elif any(e.group == tail[-1].group and e.gen is None and e.field in ANNOTATION_FIELDS for e in tail):
            unsettled = tail[-1].group  # written without generations (an older readinglist): by value
        else:
            return  # the newest write landed
        lost = [
            e.id
            for e in tail
            if e.group == unsettled
            and e.field in ANNOTATION_FIELDS
            and getattr(current.get(e.pid) or Annotation(), e.field) != e.after
        ]
        self.journal.abort(lost)

    def all_tags(self) -> list[str]:
        """Every tag in use, one spelling each (the first met)."""
        tags: dict[str, str] = {}
        for annotation in self.annotations().values():
            for tag in annotation.tags:
                tags.setdefault(tag_key(tag), tag)
        return sorted(tags.values(), key=str.casefold)

    # --- backups ---------------------------------------------------------

    def backups(self) -> list[Path]:
        """Annotation backups, newest (by sequence number, not clock) first."""
        return [b.path for b in list_backups(self.backup_dir)]

    def backup_annotations(self) -> Path | None:
        """Keep a copy of the annotations when they differ from the newest copy.

        Only a file that parses is copied: a damaged one must not push good
        generations out. A backup that cannot be written never stops the app.
        """
        try:
            with self.lock:
                current = self.annotations_path.read_bytes()
                data = orjson.loads(current)
                if not isinstance(data, dict) or not isinstance(data.get("annotations", {}), dict):
                    return None
                check_annotations(self.annotations_path, data.get("annotations", {}))
                return take_backup(self.backup_dir, current)
        except (OSError, orjson.JSONDecodeError, UserError):
            return None


class NoteConflict(UserError):
    """The note changed on disk since the user began editing it."""

    def __init__(self, current: str) -> None:
        super().__init__("the note was changed by another readinglist while you edited it; both versions are in the editor")
        self.current = current
