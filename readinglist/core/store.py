"""The store: the corpus and the user's annotations in two TinyDB files.

``corpus.json`` holds the papers (large, rarely written); ``annotations.json``
holds stars, statuses, tags and notes (small, written on every keystroke that
changes something). Toggling a star therefore rewrites only the small file.

Every write goes through :class:`AtomicJSONStorage` (temp file, fsync,
``os.replace``) under an inter-process lock, after re-reading the file if
another process changed it, so two instances never lose each other's writes.
A file that cannot be read or parsed stops everything with a message naming
it; it is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from tinydb import Storage, TinyDB
from tinydb.table import Document, Table

from readinglist import __version__
from readinglist.core.corpus import IdentityIndex, identity_keys, merge_papers, user_edit
from readinglist.core.errors import StoreError, UnknownPaper, UserError
from readinglist.core.fileio import atomic_write_bytes
from readinglist.core.lock import StoreLock
from readinglist.core.model import STATUSES, Annotation, Paper
from readinglist.core.parse import ParseError, Problem, parse_file

SCHEMA_VERSION = 1
CORPUS_FILE = "corpus.json"
ANNOTATIONS_FILE = "annotations.json"
LOCK_FILE = "lock"
BACKUP_DIR = "backups"
BACKUPS_KEPT = 10

# Migrations upgrade a file's data from version N to N + 1, in place.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], None]] = {}


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes atomically and re-reads only when changed.

    The parsed data is cached with the file's (inode, mtime, size): every
    write replaces the inode, so a write by another process is noticed.
    """

    def __init__(self, path: Path, *, pretty: bool = False, line_per_record: bool = False) -> None:
        self.path = Path(path)
        self._options = orjson.OPT_INDENT_2 if pretty else 0
        self._line_per_record = line_per_record
        self._cache: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None

    def stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def read(self) -> dict[str, Any] | None:
        stamp = self.stamp()
        if stamp is None:
            self._cache, self._stamp = None, None
            return None
        if self._cache is not None and stamp == self._stamp:
            return self._cache
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StoreError(
                f"cannot read {self.path}: {exc.strerror or exc}; fix its permissions, it was left untouched"
            ) from None
        try:
            with _no_gc():
                data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise StoreError(
                f"{self.path} is corrupt ({exc}); it was left untouched: run `readinglist doctor` "
                "to restore a backup, or move the file aside"
            ) from None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise StoreError(
                f"{self.path} is not a readinglist store file; it was left untouched: "
                "run `readinglist doctor` or move the file aside"
            )
        self._cache, self._stamp = data, stamp
        return data

    def _serialise(self, data: dict[str, Any]) -> bytes:
        if not self._line_per_record:
            return orjson.dumps(data, option=self._options)
        # Still one JSON object that any JSON reader (TinyDB's own storage
        # included) reads, laid out one record a line so iter_table() can
        # stream it: 100k papers then load without the ~800 MB peak of
        # parsing 180 MB in one piece.
        dumps = orjson.dumps
        tables = [
            dumps(name) + b":{\n" + b",\n".join(dumps(key) + b":" + dumps(doc) for key, doc in docs.items()) + b"\n}"
            for name, docs in data.items()
        ]
        return b"{" + b",\n".join(tables) + b"}\n"

    def iter_table(self, name: str) -> Iterator[tuple[str, Any]] | None:
        """The records of table ``name``, parsed one line at a time.

        None when the file is not in the one-record-a-line layout (an older
        or hand-edited file): the caller then falls back to read(), which
        also reports a corrupt file properly.
        """
        if not self._line_per_record:
            return None
        try:
            handle = self.path.open("rb")
        except OSError:
            return None
        first = handle.readline()
        if not (first.startswith(b'{"') and first.endswith(b":{\n")):
            handle.close()
            return None
        return self._records(handle, first[1:], name)

    def _records(self, handle: Any, header: bytes, wanted: str) -> Iterator[tuple[str, Any]]:
        loads = orjson.loads
        with handle:
            table = loads(header[:-3])  # b'"name":{\n' -> "name"
            closed = False
            for line in handle:
                if table is None:  # between tables: the next header
                    if not line.endswith(b":{\n"):
                        raise _NotLineLayout
                    table = loads(line[:-3])
                    continue
                if line in (b"},\n", b"}}\n"):
                    if table == wanted:
                        return
                    closed = line == b"}}\n"
                    table = None
                    continue
                if line == b"\n":
                    continue  # an empty table
                if table == wanted:
                    try:
                        record = loads(b"{" + line.rstrip(b",\n") + b"}")
                    except orjson.JSONDecodeError:
                        raise _NotLineLayout from None
                    yield from record.items()
            if not closed:
                raise _NotLineLayout

    def write(self, data: dict[str, Any]) -> None:
        try:
            atomic_write_bytes(self.path, self._serialise(data))
        except OSError as exc:
            # TinyDB changed the cached dict in place before calling us.
            self._cache, self._stamp = None, None
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}; nothing was changed") from None
        except BaseException:
            self._cache, self._stamp = None, None
            raise
        self._cache, self._stamp = data, self.stamp()

    def release(self) -> None:
        """Forget the parsed data (kept: the stamp). The next read re-reads."""
        self._cache = None

    def close(self) -> None:
        pass


class _NotLineLayout(Exception):
    """The file is not laid out one record a line after all: parse it whole."""


class _Table(Table):
    """Documents keyed by paper id instead of TinyDB's integers."""

    document_id_class = str  # type: ignore[assignment]

    def apply(self, updater: Callable[[dict[str, Any]], None]) -> None:
        """One read-modify-write of the whole table: a single atomic write."""
        self._update_table(updater)  # type: ignore[arg-type]


class _TinyDB(TinyDB):
    table_class = _Table


@dataclass
class FileReport:
    """What ``import`` did with one file."""

    path: str
    layout: str | None = None
    parsed: int = 0
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    trashed: int = 0  # entries of papers the user removed: left in the trash
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (entry's title, id it merged into)


def bundled_listings() -> list[Path]:
    """The built-in corpus shipped as package data."""
    root = resources.files("readinglist") / "data" / "seeds"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".txt"))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Store:
    """The user's library on disk. Open it with :meth:`Store.open`."""

    def __init__(self, home: Path, *, lock_timeout: float = 5.0) -> None:
        self.home = Path(home)
        self.corpus_path = self.home / CORPUS_FILE
        self.annotations_path = self.home / ANNOTATIONS_FILE
        self.backup_dir = self.home / BACKUP_DIR
        self.lock = StoreLock(self.home / LOCK_FILE, timeout=lock_timeout)
        self._corpus_storage = AtomicJSONStorage(self.corpus_path, line_per_record=True)
        self._ann_storage = AtomicJSONStorage(self.annotations_path, pretty=True)
        self._corpus_db = _TinyDB(storage=lambda: self._corpus_storage)
        self._ann_db = _TinyDB(storage=lambda: self._ann_storage)
        self._papers_table = self._corpus_db.table("papers")
        self._ann_table = self._ann_db.table("annotations")
        self._papers: list[Paper] = []
        self._positions: dict[str, int] = {}
        self._papers_stamp: object = object()
        self._annotations: dict[str, Annotation] = {}
        self._annotations_stamp: object = object()

    # --- opening ---------------------------------------------------------

    @classmethod
    def open(
        cls,
        home: Path,
        *,
        year: int | None = None,
        seed: bool = True,
        lock_timeout: float = 5.0,
        backup: bool = True,
    ) -> Store:
        """Open (creating if needed) the store in ``home``.

        A new store gets the built-in corpus. Both files are read and checked
        here, so a corrupt file is reported before anything else happens.
        """
        home = Path(home).expanduser()
        if home.exists() and not home.is_dir():
            raise StoreError(f"{home} is not a directory; point --home or READINGLIST_HOME at a directory")
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {home}: {exc.strerror or exc}") from None
        store = cls(home, lock_timeout=lock_timeout)
        with store.lock:
            new = store._corpus_storage.stamp() is None
            store._check_schema(store._corpus_db, store._corpus_storage, new)
            annotations_missing = store._ann_storage.read() is None
            if annotations_missing and store.backups():
                # Starting empty would hide the user's notes: the backups say there were some.
                raise StoreError(
                    f"{store.annotations_path} is missing, but {store.backup_dir} holds backups of it; "
                    "run `readinglist doctor --restore` to restore the newest"
                )
            store._check_schema(store._ann_db, store._ann_storage, annotations_missing)
        if new and seed:
            store.import_files(bundled_listings(), year=year)
        store.papers()  # a corrupt corpus is reported now, before anything else
        if backup:
            store.backup_annotations()
        return store

    @staticmethod
    def _schema_record(db: TinyDB, storage: AtomicJSONStorage) -> dict[str, Any] | None:
        """The schema record, read without parsing the whole corpus if possible."""
        records = storage.iter_table("_meta")
        if records is not None:
            try:
                return dict(records).get("schema")
            except _NotLineLayout:
                pass
        return db.table("_meta").get(doc_id="schema")

    def _check_schema(self, db: TinyDB, storage: AtomicJSONStorage, new: bool) -> None:
        meta = db.table("_meta")
        record = self._schema_record(db, storage)
        if record is None:
            if new:
                meta.upsert(Document({"version": SCHEMA_VERSION, "written_by": __version__}, doc_id="schema"))
            return
        version = int(record.get("version", 0))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{storage.path} was written by a newer readinglist (schema {version}, this one reads "
                f"{SCHEMA_VERSION}); upgrade readinglist. The file was left untouched"
            )
        if version < SCHEMA_VERSION:
            data = storage.read() or {}
            # Keep the pre-migration file; never replace an earlier copy.
            backup = storage.path.with_name(f"{storage.path.name}.schema{version}.bak")
            n = 1
            while backup.exists():
                backup = storage.path.with_name(f"{storage.path.name}.schema{version}.{n}.bak")
                n += 1
            atomic_write_bytes(backup, storage.path.read_bytes())
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](data)
            data["_meta"] = {"schema": {"version": SCHEMA_VERSION, "written_by": __version__}}
            storage.write(data)

    # --- papers ----------------------------------------------------------

    def papers(self) -> list[Paper]:
        """Every paper, in the order they were first imported."""
        stamp = self._corpus_storage.stamp()
        if stamp != self._papers_stamp:
            with _no_gc():
                papers = self._stream_papers() if self._corpus_storage._cache is None else None
                if papers is None:
                    papers = self._papers_from_read()
                else:
                    self._corpus_storage._stamp = stamp
                self._papers = papers
                self._positions = {p.id: i for i, p in enumerate(papers)}
            self._papers_stamp = stamp
        return self._papers

    def _stream_papers(self) -> list[Paper] | None:
        """Papers parsed a line at a time; None if the file is not laid out so."""
        records = self._corpus_storage.iter_table("papers")
        if records is None:
            return None
        try:
            return [Paper.from_dict(record) for _, record in records]
        except _NotLineLayout:
            return None

    def _papers_from_read(self) -> list[Paper]:
        data = self._corpus_storage.read() or {}
        # The Paper objects hold everything the app reads; the parsed JSON
        # beside them would double the memory of a large corpus. So the
        # records are dropped as the papers are built, and the rare writes
        # (import, enrichment) re-read the file.
        self._corpus_storage.release()
        records = data.pop("papers", {})
        del data
        papers: list[Paper] = []
        while records:
            papers.append(Paper.from_dict(records.popitem()[1]))
        papers.reverse()  # popitem takes the last: restore file order
        return papers

    def paper(self, pid: str) -> Paper | None:
        self.papers()
        position = self._positions.get(pid)
        return None if position is None else self._papers[position]

    def resolve_id(self, text: str) -> str:
        """A full id, or a prefix of exactly one id (as git does with hashes)."""
        key = text.strip().lower()
        self.papers()
        if key in self._positions:
            return key
        if len(key) >= 3:
            matches = [pid for pid in self._positions if pid.startswith(key)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise UnknownPaper(f"id {text!r} is ambiguous: it starts {len(matches)} paper ids; type more of it")
        raise UnknownPaper(f"no paper has id {text!r}; `readinglist list` shows the ids")

    def add_papers(
        self, papers: Iterable[Paper], *, outcomes: list[tuple[str, str, Paper, bool]] | None = None, revive: bool = False
    ) -> tuple[int, int, int]:
        """Insert new papers and merge known ones; one atomic write.

        A paper is known when the library has its arXiv id, DOI or normalised
        title (see ``corpus.IdentityIndex``); it then keeps its id. A paper in
        the trash stays there (``revive`` brings it back: an explicit add).
        Returns (new, merged, unchanged); ``outcomes`` collects (status, id,
        incoming paper, duplicate) with status new, merged, unchanged, trashed
        or restored; duplicate is True when the library had the paper from
        another source (not a re-import of the same file).
        Annotations live elsewhere, keyed by the same ids: they stay attached.
        """
        counts = [0, 0, 0]
        now = _now()
        revived: dict[str, dict[str, Any] | None] = {}

        def note(status: str, pid: str, paper: Paper, duplicate: bool = False) -> None:
            if outcomes is not None:
                outcomes.append((status, pid, paper, duplicate))

        def updater(table: dict[str, Any]) -> None:
            data = self._corpus_storage._cache or {}
            trash: dict[str, Any] = data.get("trash") or {}
            index = IdentityIndex.of_records(table)
            trashed = IdentityIndex.of_records({pid: item.get("paper") or {} for pid, item in trash.items()})
            cache: dict[str, Paper] = {}
            for paper in papers:
                keys = identity_keys(paper.arxiv_id, paper.doi, paper.title)
                pid = index.find(paper, keys)
                back = False
                if pid is None and trash and (gone := trashed.find(paper, keys)) is not None:
                    if not revive:
                        note("trashed", gone, paper)
                        continue
                    item = trash.pop(gone)
                    revived[gone] = item.get("annotation")
                    table[gone] = item["paper"]
                    index.add_record(gone, table[gone])
                    pid, back = gone, True
                if pid is None:
                    paper.added = paper.added or now
                    table[paper.id] = paper.to_dict()
                    index.add(paper, keys)
                    counts[0] += 1
                    note("new", paper.id, paper)
                    continue
                existing = cache.get(pid) or Paper.from_dict(table[pid])
                cache[pid] = existing
                duplicate = pid != paper.id or not {s.listing for s in paper.sources} <= {s.listing for s in existing.sources}
                if merge_papers(existing, paper):
                    table[pid] = existing.to_dict()
                    index.add(existing)
                    counts[1] += 1
                    note("restored" if back else "merged", pid, paper, duplicate)
                else:
                    counts[2] += 1
                    note("restored" if back else "unchanged", pid, paper, duplicate)

        with self.lock:
            self._papers_table.apply(updater)
            self._restore_annotations(revived)
        return counts[0], counts[1], counts[2]

    def update_papers(self, changes: dict[str, dict[str, Any]]) -> None:
        """Set fields of many papers in one atomic write (enrichment's path).

        ``provenance`` in a change is merged field by field, not replaced.
        """
        self.papers()
        unknown = [pid for pid in changes if pid not in self._positions]
        if unknown:
            raise UnknownPaper(f"no paper has id {unknown[0]!r}")

        def updater(table: dict[str, Any]) -> None:
            for pid, fields in changes.items():
                record = dict(table[pid])
                for key, value in fields.items():
                    if key == "provenance":
                        merged = dict(record.get("provenance") or {})
                        merged.update(value)
                        record["provenance"] = merged
                    else:
                        record[key] = value
                table[pid] = record

        with self.lock:
            self._papers_table.apply(updater)

    def import_files(self, paths: Iterable[Path], *, year: int | None = None) -> list[FileReport]:
        """Read listings, .bib, CSL-JSON and arXiv metadata files and add their
        papers. A bad file gets its own error in its report; the others still load."""
        from readinglist.core.importers.detect import read_file

        reports: list[FileReport] = []
        for path in paths:
            report = FileReport(path=str(path))
            reports.append(report)
            try:
                with _no_gc():
                    result = read_file(Path(path), year=year)
                    report.layout = result.layout
                    tally = _ImportTally(report, result.tags)
                    report.new, report.merged, report.unchanged = self.add_papers(result.papers, outcomes=tally)  # type: ignore[arg-type]
            except ParseError as exc:
                report.error = exc.reason
                continue
            report.parsed, report.problems = result.parsed, result.problems
            if tally.new_tags:
                self._tag_new_papers(tally.new_tags)
        return reports

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

    def remove_papers(self, ids: Iterable[str]) -> list[str]:
        """Move papers, with a copy of their annotations, to the trash table of
        the corpus (one atomic write), then drop their annotations."""
        wanted = list(dict.fromkeys(ids))
        with self.lock:
            data = self._corpus_storage.read() or {}
            papers, trash = data.setdefault("papers", {}), data.setdefault("trash", {})
            annotations = self.annotations()
            removed = [pid for pid in wanted if pid in papers]
            for pid in removed:
                note = annotations.get(pid)
                trash[pid] = {"paper": papers.pop(pid), "annotation": note.to_dict() if note else None, "removed": _now()}
            if removed:
                self._corpus_storage.write(data)
                self._papers_table.clear_cache()
                gone = [pid for pid in removed if pid in annotations]
                if gone:
                    self._ann_table.remove(doc_ids=gone)
        return removed

    def restore_papers(self, ids: Iterable[str]) -> list[str]:
        """Bring papers back from the trash, with the annotations they had."""
        wanted = list(dict.fromkeys(ids))
        with self.lock:
            data = self._corpus_storage.read() or {}
            papers, trash = data.setdefault("papers", {}), data.setdefault("trash", {})
            restored = [pid for pid in wanted if pid in trash]
            notes: dict[str, dict[str, Any] | None] = {}
            for pid in restored:
                item = trash.pop(pid)
                notes[pid] = item.get("annotation")
                if pid in papers:  # added again meanwhile: keep both's metadata
                    merged = Paper.from_dict(papers[pid])
                    merge_papers(merged, Paper.from_dict(item["paper"]))
                    papers[pid] = merged.to_dict()
                else:
                    papers[pid] = item["paper"]
            if restored:
                self._corpus_storage.write(data)
                self._papers_table.clear_cache()
                self._restore_annotations(notes)
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
        with self.lock:
            data = self._corpus_storage.read() or {}
            trash = data.get("trash") or {}
            gone = list(trash) if ids is None else [pid for pid in ids if pid in trash]
            for pid in gone:
                trash.pop(pid)
            if gone:
                self._corpus_storage.write(data)
        return len(gone)

    def edit_paper(self, pid: str, fields: dict[str, Any]) -> Paper:
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
        return Paper.from_dict(record)

    # --- annotations -----------------------------------------------------

    def annotations(self) -> dict[str, Annotation]:
        """Annotations of every paper that has one (others are defaults)."""
        data = self._ann_storage.read() or {}
        stamp = self._ann_storage._stamp
        if stamp != self._annotations_stamp:
            self._annotations = {
                pid: Annotation.from_dict(rec) for pid, rec in data.get("annotations", {}).items()
            }
            self._annotations_stamp = stamp
        return self._annotations

    def annotation(self, pid: str) -> Annotation:
        found = self.annotations().get(pid)
        return Annotation.from_dict(found.to_dict()) if found else Annotation()

    def annotations_changed_on_disk(self) -> bool:
        """True when the annotations file changed since annotations() read it."""
        return self._ann_storage.stamp() != self._annotations_stamp

    def corpus_changed_on_disk(self) -> bool:
        """True when the corpus file changed since papers() read it."""
        return self._corpus_storage.stamp() != self._papers_stamp

    def _annotate(self, pid: str, change: Callable[[Annotation], None]) -> Annotation:
        if self.paper(pid) is None:
            raise UnknownPaper(f"no paper has id {pid!r}; `readinglist list` shows the ids")
        with self.lock:
            annotation = self.annotation(pid)  # re-read under the lock
            change(annotation)
            now = _now()
            annotation.created = annotation.created or now
            annotation.updated = now
            self._ann_table.upsert(Document(annotation.to_dict(), doc_id=pid))
        return annotation

    def set_star(self, pid: str, star: bool) -> Annotation:
        return self._annotate(pid, lambda a: setattr(a, "star", bool(star)))

    def toggle_star(self, pid: str) -> Annotation:
        return self._annotate(pid, lambda a: setattr(a, "star", not a.star))

    def set_status(self, pid: str, status: str) -> Annotation:
        if status not in STATUSES:
            raise UserError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        return self._annotate(pid, lambda a: setattr(a, "status", status))

    def set_tags(self, pid: str, tags: Iterable[str]) -> Annotation:
        clean = normalize_tags(tags)
        return self._annotate(pid, lambda a: setattr(a, "tags", clean))

    def update_tags(self, pid: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Annotation:
        add_list, remove_set = normalize_tags(add), set(normalize_tags(remove))

        def change(a: Annotation) -> None:
            tags = [t for t in a.tags if t not in remove_set]
            tags += [t for t in add_list if t not in tags]
            a.tags = tags

        return self._annotate(pid, change)

    def set_note(self, pid: str, note: str, *, expected: str | None = None) -> Annotation:
        """Set the note. With ``expected`` (the note the user started editing),
        refuse with ``NoteConflict`` if another process saved a different one
        meanwhile, instead of silently overwriting it."""

        def change(a: Annotation) -> None:
            if expected is not None and a.note != expected.rstrip():
                raise NoteConflict(a.note)
            a.note = note.rstrip()

        return self._annotate(pid, change)

    def all_tags(self) -> list[str]:
        tags: set[str] = set()
        for annotation in self.annotations().values():
            tags.update(annotation.tags)
        return sorted(tags, key=str.casefold)

    # --- backups ---------------------------------------------------------

    def backups(self) -> list[Path]:
        """Annotation backups, newest first."""
        if not self.backup_dir.is_dir():
            return []
        return sorted(self.backup_dir.glob("annotations-*.json"), reverse=True)

    def backup_annotations(self) -> Path | None:
        """Keep a copy of the annotations when they differ from the newest copy."""
        try:
            current = self.annotations_path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            return None
        existing = self.backups()
        if existing and existing[0].read_bytes() == current:
            return None
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.backup_dir / f"annotations-{stamp}.json"
        try:
            atomic_write_bytes(target, current)
        except OSError:
            return None  # a backup that cannot be written must not stop the app
        for old in self.backups()[BACKUPS_KEPT:]:
            try:
                old.unlink()
            except OSError:
                pass
        return target


@contextmanager
def _no_gc() -> Iterator[None]:
    """Building 100k objects triggers many useless full collections: the
    objects are all alive. Pausing the collector halves the load time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What was built here lives on: keep the collector's next passes
            # off it (re-enabling alone cost a ~0.4 s collection at 100k).
            gc.freeze()
            gc.enable()


class _ImportTally:
    """Takes add_papers' outcomes one by one, keeping only what the report
    needs: a streamed file's papers are not all held until the end."""

    def __init__(self, report: FileReport, tags: dict[str, list[str]]) -> None:
        self.report, self.tags = report, tags
        self.new_tags: dict[str, list[str]] = {}

    def append(self, outcome: tuple[str, str, Paper, bool]) -> None:
        status, pid, paper, duplicate = outcome
        if status == "trashed":
            self.report.trashed += 1
        elif duplicate:
            self.report.duplicates.append((paper.title, pid))
        elif status == "new" and paper.id in self.tags:
            self.new_tags[pid] = self.tags[paper.id]


@dataclass
class TrashItem:
    paper: Paper
    annotation: Annotation | None
    removed: str  # ISO timestamp, UTC


class NoteConflict(UserError):
    """The note changed on disk since the user began editing it."""

    def __init__(self, current: str) -> None:
        super().__init__("the note was changed by another readinglist while you edited it; both versions are in the editor")
        self.current = current


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Tags are single words: trimmed, inner spaces to dashes, no duplicates."""
    seen: dict[str, None] = {}
    for tag in tags:
        clean = "-".join(str(tag).strip().lstrip("+#").split())
        if clean and not clean.startswith("-"):
            seen.setdefault(clean, None)
    return list(seen)
