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
import weakref
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB
from tinydb.table import Document, Table

from readinglist import __version__
from readinglist.core.corpus import IdentityIndex, identity_keys, merged_record
from readinglist.core.curation import CurationMixin, TrashItem  # noqa: F401 - TrashItem re-exported
from readinglist.core.errors import StoreError, UnknownPaper
from readinglist.core.fileio import atomic_write_bytes
from readinglist.core.annotating import AnnotationsMixin, NoteConflict  # noqa: F401 - re-exported
from readinglist.core.tags import merge_tag_duplicates, normalize_tags  # noqa: F401 - re-exported
from readinglist.core.journal import Journal
from readinglist.core.lock import StoreLock
from readinglist.core.model import Annotation, Paper
from readinglist.core.paper_update import merge_update
from readinglist.core.storage import AtomicJSONStorage, EncodedRead, PlainRecords, Records, _NotLineLayout, collector_paused
from readinglist.core.validate import CHECKED_FILE, CheckedStamp, check_paper, schema_version_problem

if TYPE_CHECKING:
    from readinglist.core.lookup import CorpusLines
    from readinglist.core.parse import Problem

SCHEMA_VERSION = 2
CORPUS_FILE = "corpus.json"
ANNOTATIONS_FILE = "annotations.json"
LOCK_FILE = "lock"
BACKUP_DIR = "backups"

# Migrations upgrade a file's data from version N to N + 1, in place.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], None]] = {}


def _one_spelling_per_tag(data: dict[str, Any]) -> None:
    """Schema 1 -> 2: tags are one tag whatever their case ("Vision" and
    "vision"); each gets the spelling most papers use. The corpus has no tags."""
    records = data.get("annotations")
    if not isinstance(records, dict):
        return
    tags = {pid: record.get("tags") or [] for pid, record in records.items() if isinstance(record, dict)}
    for pid, merged in merge_tag_duplicates(tags).items():
        records[pid]["tags"] = merged


MIGRATIONS[1] = _one_spelling_per_tag


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
    from importlib import resources  # imported here: a command on one paper never needs it

    root = resources.files("readinglist") / "data" / "seeds"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".txt"))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Store(AnnotationsMixin, CurationMixin):
    """The user's library on disk. Open it with :meth:`Store.open`."""

    def __init__(self, home: Path, *, lock_timeout: float = 5.0) -> None:
        self.home = Path(home)
        self.corpus_path = self.home / CORPUS_FILE
        self.annotations_path = self.home / ANNOTATIONS_FILE
        self.backup_dir = self.home / BACKUP_DIR
        self.lock = StoreLock(self.home / LOCK_FILE, timeout=lock_timeout)
        self._corpus_storage = AtomicJSONStorage(self.corpus_path, line_per_record=True)
        self._ann_storage = AtomicJSONStorage(self.annotations_path, pretty=True, generations=True)
        self._corpus_db = _TinyDB(storage=lambda: self._corpus_storage)
        self._ann_db = _TinyDB(storage=lambda: self._ann_storage)
        self._papers_table = self._corpus_db.table("papers")
        self._ann_table = self._ann_db.table("annotations")
        self._papers: list[Paper] = []
        self._id_positions: tuple[list[Paper], dict[str, int]] | None = None  # (_papers, by id); None: not worked out yet
        self._papers_stamp: object = object()
        # The corpus version this store wrote and took into _papers itself
        # (an edit): the next read takes them as that version, without parsing.
        self._written_stamp: object = object()
        self._cached_stamp: object = None  # the corpus version last read from cache/papers.bin
        self._saved_newest: tuple[object, array[int]] | None = None  # that file's date order, until taken
        # Opened lazily (the CLI's one-paper commands): papers are looked up a
        # record at a time (core/lookup.py) until something needs them all.
        self.lazy = False
        self._lines_stamp: tuple[int, int, int] | None = None
        self._found: dict[str, Paper | None] = {}  # looked up in the file of _lines_stamp
        self._offsets: dict[str, int] = {}  # where resolve_id saw an id's line in that file
        self._annotations: dict[str, Annotation] = {}
        self._annotations_stamp: object = object()
        self._checked = CheckedStamp(self.home / CHECKED_FILE)
        self._annotations_seen = False  # the file existed: its vanishing is news, not a fresh start
        self.journal = Journal(self.home)

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
        rebuild_corpus: bool = False,
        lazy: bool = False,
    ) -> Store:
        """Open (creating if needed) the store in ``home``.

        A new store gets the built-in corpus. Both files are read and checked
        here, so a corrupt file is reported before anything else happens.

        ``lazy`` (a command about a few papers) leaves the papers unparsed:
        only the corpus's layout and schema record are checked here, each
        paper when it is looked up, and all of them when something needs
        them all (``papers()``). A corpus not laid out a record a line is
        still read whole here.
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
            if new and not rebuild_corpus and store._ann_storage.stamp() is not None:
                # Seeding afresh would silently drop every paper the user imported.
                raise StoreError(
                    f"{store.corpus_path} is missing, but the annotations are there; put it back, or run "
                    "`readinglist doctor --rebuild-corpus` to re-import the built-in corpus"
                )
            store._check_schema(store._corpus_db, store._corpus_storage, new)
            annotations_missing = store._ann_storage.read() is None
            if annotations_missing:
                store._refuse_to_start_empty()
            store._check_schema(store._ann_db, store._ann_storage, annotations_missing)
            store.annotations()  # a bad record is reported now, before any backup copies it
            store._settle_journal()  # a change whose writer was killed before writing it never happened
        if new and seed:
            store.import_files(bundled_listings(), year=year, journal=False)
        if not (lazy and store._laid_out()):
            store._current_papers()  # a corrupt corpus is reported now, before anything else
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
        problem = schema_version_problem(record)
        if problem:
            raise StoreError(
                f"{storage.path} {problem}; it was left untouched: run `readinglist doctor`, "
                "or restore the file from a copy"
            )
        version = record["version"]
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
        """Every paper, in the order they were first imported (a new list: the caller's own)."""
        return list(self._current_papers())

    @property
    def papers_stamp(self) -> tuple[int, int, int] | None:
        """The corpus file's (inode, mtime, size) when ``papers()`` last read it; None before."""
        stamp = self._papers_stamp
        return stamp if isinstance(stamp, tuple) else None

    @property
    def _positions(self) -> dict[str, int]:
        """Each paper's position in ``_papers``, by id."""
        return self._id_lookup()

    def _id_lookup(self) -> dict[str, int]:
        # Held with the list it was worked out from: one a worker built
        # (``prepare_lookups``) while the papers were read again is never
        # taken for the new list's.
        papers, held = self._papers, self._id_positions
        if held is None or held[0] is not papers:
            held = self._id_positions = (papers, {p.id: i for i, p in enumerate(papers)})
        return held[1]

    def prepare_lookups(self) -> None:
        """Work out the id look-up now (for a worker): the first change of a
        session then need not (40 ms at 100k papers, more beside a worker)."""
        if not self.lazy:
            self._id_lookup()

    def _current_papers(self) -> list[Paper]:
        stamp = self._corpus_storage.stamp()
        if stamp is None and (self._papers or self.lazy):
            raise StoreError(
                f"{self.corpus_path} vanished while readinglist was using it; nothing was written: "
                "put it back, or run `readinglist doctor`"
            )
        if stamp != self._papers_stamp and stamp == self._written_stamp:
            self._papers_stamp = stamp  # this store's own write: its papers were updated in place
        elif stamp != self._papers_stamp:
            trusted = self._checked.holds(stamp)
            with collector_paused():
                papers = None
                if self._corpus_storage._cache is None:
                    papers = self._saved_papers(stamp) if trusted else None
                    papers = papers if papers is not None else self._stream_papers(trusted)
                if papers is None:
                    papers = self._papers_from_read(trusted)
                else:
                    self._corpus_storage._stamp = stamp
                self._papers = papers
                self._id_positions = None  # worked out on first use: a launch needs none
            self._papers_stamp = stamp
            if not trusted and self._corpus_storage.stamp() == stamp:
                self._checked.remember(stamp)
        return self._papers

    def read_papers(self) -> tuple[list[Paper], tuple[int, int, int]] | None:
        """The corpus parsed afresh, leaving what the store holds alone (for a
        worker thread: the app reads another process's write off its UI
        thread, then ``adopt_papers`` on it). None when the file is gone or not
        laid out a record a line (``papers()`` then reads it, and reports it)."""
        stamp = self._corpus_storage.stamp()
        if stamp is None:
            return None
        with collector_paused():
            papers = self._stream_papers(self._checked.holds(stamp))
        if papers is None or self._corpus_storage.stamp() != stamp:
            return None
        return papers, stamp

    def adopt_papers(self, papers: list[Paper], stamp: tuple[int, int, int]) -> bool:
        """Take papers ``read_papers`` gave, if the file is still that version."""
        if self._corpus_storage.stamp() != stamp:
            return False  # written again meanwhile: the next look reads it
        self._papers = papers
        self._id_positions = None
        self._papers_stamp = stamp
        self._corpus_storage.release()
        self._corpus_storage._stamp = stamp
        self._checked.remember(stamp)
        return True

    def _saved_papers(self, stamp: tuple[int, int, int] | None) -> list[Paper] | None:
        """The papers of the corpus version ``stamp`` from ``cache/papers.bin``, if it holds them."""
        from readinglist.core.paper_cache import PaperCache, paper_cache_path

        if stamp is None:
            return None
        # Held weakly: through their file, the papers must not keep the store alive
        # (a loop, which the heap freeze after a load would keep for good).
        store = weakref.ref(self)

        def recover() -> dict[str, str] | None:
            alive = store()
            return alive._abstracts_from_corpus(stamp) if alive is not None else None

        cache = PaperCache(paper_cache_path(self.home), stamp)
        papers = cache.load(recover=recover)
        if papers is None or self._corpus_storage.stamp() != stamp:
            return None
        self._cached_stamp = stamp
        self._saved_newest = (stamp, cache.newest)
        return papers

    def saved_newest(self, stamp: object, n: int) -> list[int] | None:
        """The positions of the ``n`` papers of corpus version ``stamp`` newest
        first, as ``cache/papers.bin`` held them (``index_order.newest_order``
        of them, worked out when it was written); None when they did not come
        from it. Given once: the caller keeps it."""
        saved, self._saved_newest = self._saved_newest, None
        if saved is None or saved[0] != stamp or len(saved[1]) != n:
            return None
        return saved[1].tolist()

    def read_abstracts(self) -> None:
        """Read the abstracts a launch from ``cache/papers.bin`` left in that file
        (for a worker: the first phrase search then need not)."""
        from readinglist.core.paper_cache import read_abstracts

        read_abstracts(self._papers)

    def _abstracts_from_corpus(self, stamp: tuple[int, int, int]) -> dict[str, str] | None:
        """Every paper's abstract, by id, parsed from the corpus if it is still
        the version ``stamp``: for papers whose cached abstracts turned out
        damaged after the launch read the cache (which is then removed)."""
        # Only a corpus laid out a record a line is ever read from the cache (one
        # that is not is parsed whole to check its schema): read_papers parses it.
        fresh = self.read_papers()
        if fresh is None or fresh[1] != stamp:
            return None
        if self._cached_stamp == stamp:
            self._cached_stamp = None  # the file is gone: the next save_papers writes it again
        return {paper.id: paper.abstract for paper in fresh[0]}

    def save_papers(self) -> bool:
        """Save the papers as read from the corpus to ``cache/papers.bin`` for the
        next launch, unless it holds them already (a few seconds at 100k: for a
        worker thread). False when nothing was saved."""
        from readinglist.core.paper_cache import PaperCache, paper_cache_path

        # The stamp first: a reload sets the papers, then their stamp, so these
        # papers are never older than it (and the file's stamp is checked below).
        stamp = self.papers_stamp
        papers = self._papers
        # Only papers of a checked corpus that is still on disk as they were read.
        if stamp is None or not self._checked.holds(stamp) or self._corpus_storage.stamp() != stamp:
            return False
        if self._cached_stamp == stamp:
            return False  # read from the cache: it holds them
        return PaperCache(paper_cache_path(self.home), stamp).save(papers)

    def _stream_papers(self, trusted: bool = False) -> list[Paper] | None:
        """Papers parsed a line at a time; None if the file is not laid out so."""
        records = self._corpus_storage.iter_table("papers")
        if records is None:
            return None
        convert = _trusted_paper if trusted else partial(_paper, self.corpus_path)
        try:
            return [convert(key, record) for key, record in records]
        except _NotLineLayout:
            return None

    def _papers_from_read(self, trusted: bool = False) -> list[Paper]:
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
            papers.append((_trusted_paper if trusted else partial(_paper, self.corpus_path))(*records.popitem()))
        papers.reverse()  # popitem takes the last: restore file order
        return papers

    def paper(self, pid: str) -> Paper | None:
        if self._looking_up():
            found = self._look_up(pid)
            if found is not _WHOLE:
                return found  # type: ignore[return-value]
        self._current_papers()
        position = self._positions.get(pid)
        return None if position is None else self._papers[position]

    def resolve_id(self, text: str) -> str:
        """A full id, or a prefix of exactly one id (as git does with hashes)."""
        key = text.strip().lower()
        matches = self._look_up_prefix(key) if self._looking_up() else None
        if matches is None:
            self._current_papers()
            if key in self._positions:
                return key
            matches = [pid for pid in self._positions if pid.startswith(key)] if len(key) >= 3 else []
        elif key in matches:
            return key
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UnknownPaper(f"id {text!r} is ambiguous: it starts {len(matches)} paper ids; type more of it")
        raise UnknownPaper(f"no paper has id {text!r}; `readinglist list` shows the ids")

    # --- looking papers up without loading them all (lazy stores) -------

    def _laid_out(self) -> bool:
        """The cheap check of a lazy open: is the corpus laid out a record a line?"""
        lines = self._open_lines()
        if lines is None:
            return False
        lines.close()
        self.lazy = True
        return True

    def _looking_up(self) -> bool:
        """Lazy, and the papers loaded (if ever) are not those of the file now."""
        return self.lazy and self._papers_stamp != self._corpus_storage.stamp()

    def _open_lines(self) -> CorpusLines | None:
        from readinglist.core.lookup import CorpusLines

        try:
            lines = CorpusLines.open(self.corpus_path)
        except FileNotFoundError:
            return None  # the full read says what is wrong
        except OSError as exc:
            raise StoreError(
                f"cannot read {self.corpus_path}: {exc.strerror or exc}; fix its permissions, it was left untouched"
            ) from None
        if lines is not None and lines.stamp != self._lines_stamp:
            self._lines_stamp, self._found, self._offsets = lines.stamp, {}, {}
        return lines

    def _look_up(self, pid: str) -> Paper | None | object:
        """The paper, None if no paper has that id, _WHOLE if the file must be read whole."""
        stamp = self._corpus_storage.stamp()
        if stamp is not None and stamp == self._lines_stamp and pid in self._found:
            return self._found[pid]
        lines = self._open_lines()
        if lines is None:
            return _WHOLE
        with lines:
            if pid in self._found:
                return self._found[pid]
            try:
                at = self._offsets.get(pid)
                if at is None:
                    at = lines.find(pid)
                record = None if at is None else lines.record_at(at, pid)
            except _NotLineLayout:
                return _WHOLE
        paper = None if at is None else _paper(self.corpus_path, pid, record)
        self._found[pid] = paper
        return paper

    def _look_up_prefix(self, key: str) -> list[str] | None:
        """The ids ``key`` may mean (only ``key`` if it is one); None: read the file whole."""
        lines = self._open_lines()
        if lines is None:
            return None
        with lines:
            try:
                if len(key) < 3:
                    at = lines.find(key)
                    hits = [] if at is None else [(key, at)]
                else:
                    hits = lines.starting(key)
            except _NotLineLayout:
                return None
        self._offsets.update(hits)
        return [pid for pid, _ in hits]

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

        read_index = IdentityIndex()  # filled as the file is read a line at a time

        def updater(table: dict[str, Any], data: dict[str, Any], read: Records) -> bool:
            index = read_index if isinstance(read, EncodedRead) else IdentityIndex.of_records(table)
            trash: dict[str, Any] = data.get("trash") or {}
            trashed = IdentityIndex.of_records({pid: item.get("paper") or {} for pid, item in trash.items()})
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
                    table[paper.id] = read.encoded(paper.to_dict())
                    index.add(paper, keys)
                    counts[0] += 1
                    note("new", paper.id, paper)
                    continue
                # Read from its record each time, not kept: a re-import of 100k
                # papers held every one of them besides the table.
                existing = Paper.from_dict(read.record(table[pid]))
                duplicate = pid != paper.id or not {s.listing for s in paper.sources} <= {s.listing for s in existing.sources}
                known_as = (existing.arxiv_id, existing.doi)
                record = merged_record(existing, paper)
                if record is not None:
                    table[pid] = read.encoded(record)
                    if (existing.arxiv_id, existing.doi) != known_as:  # a merge never changes the title
                        index.add(existing)
                    counts[1] += 1
                    note("restored" if back else "merged", pid, paper, duplicate)
                else:
                    counts[2] += 1
                    note("restored" if back else "unchanged", pid, paper, duplicate)
            # Nothing new, nothing merged: the file, and the caches keyed by
            # it (papers, word index), stay as they are.
            return bool(counts[0] or counts[1] or revived)

        with self.lock:
            self._rewrite_papers(updater, read_index.add_record)
            self._restore_annotations(revived)
        return counts[0], counts[1], counts[2]

    def update_papers(self, changes: dict[str, dict[str, Any]]) -> None:
        """Set fields of many papers in one atomic write (enrichment's path).

        ``provenance`` in a change is merged field by field, not replaced.
        """
        # What the caller read (before this refresh): a field changed on disk since is not overwritten.
        seen = {pid: paper.to_dict() for pid in changes if (paper := self._seen(pid)) is not None}
        self._current_papers()
        unknown = [pid for pid in changes if pid not in self._positions]
        if unknown:
            raise UnknownPaper(f"no paper has id {unknown[0]!r}")
        written: dict[str, dict[str, Any]] = {}

        def updater(table: dict[str, Any], data: dict[str, Any], read: Records) -> bool:
            for pid, fields in changes.items():
                record = written[pid] = merge_update(read.record(table[pid]), fields, seen.get(pid))
                table[pid] = read.encoded(record)
            return bool(changes)

        with self.lock:
            held = self._papers_stamp
            checked = isinstance(held, tuple) and self._checked.holds(held)
            read = self._rewrite_papers(updater)
            if read is not None and read == held and written:  # our papers are the version just rewritten
                self._take_written(written, checked)

    def _rewrite_papers(
        self,
        change: Callable[[dict[str, Any], dict[str, Any], Records], bool],
        seen: Callable[[str, dict[str, Any]], None] = lambda pid, record: None,
    ) -> tuple[int, int, int] | None:
        """One atomic read-modify-write of corpus.json (the lock held).

        ``change(papers, data, records)`` changes the ``papers`` table of the
        file's ``data`` (other tables are dicts) and says whether anything
        changed (if not, nothing is written). A paper's record is whatever
        ``records.record`` turns into a dict, and one is put back as
        ``records.encoded(record)``: the file's records are left in it (their
        places; 100k papers held as dicts cost ~460 MB, and a re-import peaked
        at 800 MB), each shown to ``seen`` as it is read. A corpus not laid
        out a record a line is read whole into dicts, as TinyDB does. Returns
        the stamp of the file read a line at a time, or None.
        """
        storage = self._corpus_storage
        read = storage.read_encoded("papers", seen)
        if read is None:  # not laid out a record a line: TinyDB's way
            self._papers_table.apply(lambda table: change(table, storage._cache or {}, PlainRecords()))
            return None
        with read:
            if change(read.data.setdefault("papers", {}), read.data, read):
                storage.write(read.data, keep=False, source=read)
        self._papers_table.clear_cache()
        return read.stamp

    def _take_written(self, records: dict[str, dict[str, Any]], checked: bool) -> None:
        """Papers this process just wrote into the version of the corpus it
        holds, taken in: the file need not be read again (seconds at 100k).
        ``checked``: that version passed its checks; the records written are
        checked here, and every other one was copied from it, so the new file
        counts as checked too (the paper cache may save it)."""
        try:
            fresh = {pid: _paper(self.corpus_path, pid, record) for pid, record in records.items()}
        except StoreError:
            return  # the next read reports it, as it would have
        positions = self._positions
        papers = list(self._papers)
        for pid, paper in fresh.items():
            papers[positions[pid]] = paper
        stamp = self._corpus_storage.stamp()
        self._papers = papers
        self._id_positions = (papers, positions)
        # Not yet _papers_stamp: until the papers are next asked for, the
        # corpus still counts as changed (a Library's refresh compares them).
        self._written_stamp = stamp
        if checked:
            self._checked.remember(stamp)

    def _seen(self, pid: str) -> Paper | None:
        """The paper as this store last read it (loaded or looked up), without reading again."""
        position = self._positions.get(pid)
        return self._papers[position] if position is not None else self._found.get(pid)

    def import_files(self, paths: Iterable[Path], *, year: int | None = None, journal: bool = True) -> list[FileReport]:
        """Read listings, .bib, CSL-JSON and arXiv metadata files and add their
        papers. A bad file gets its own error in its report; the others still load.
        Each file's new papers are one journal entry (not the built-in corpus
        a new store starts with: ``journal=False``)."""
        from readinglist.core.importers.detect import read_file
        from readinglist.core.parse import ParseError

        reports: list[FileReport] = []
        for path in paths:
            report = FileReport(path=str(path))
            reports.append(report)
            try:
                with collector_paused():
                    result = read_file(Path(path), year=year)
                    report.layout = result.layout
                    tally = _ImportTally(report, result.tags)
                    report.new, report.merged, report.unchanged = self.add_papers(_taken(result.papers), outcomes=tally)
            except ParseError as exc:
                report.error = exc.reason
                continue
            report.parsed, report.problems = result.parsed, result.problems
            if journal:
                self.journal_added(tally.new_ids)
            if tally.new_tags:
                self._tag_new_papers(tally.new_tags)
        return reports


def _taken(papers: Iterable[Paper]) -> Iterable[Paper]:
    """A file's papers, each let go of by its list once taken: merged, it is
    needed no more, and added, it is held as its record's text (a fresh
    100k import peaked at 600 MB holding both)."""
    if not isinstance(papers, list):
        yield from papers  # streamed already
        return
    for i in range(len(papers)):
        paper, papers[i] = papers[i], None  # type: ignore[call-overload]
        yield paper


_WHOLE = object()  # a look-up's answer: the file is not laid out a record a line after all


def _paper(path: Path, key: str, record: Any) -> Paper:
    check_paper(path, key, record)
    return Paper.from_dict(record)


def _trusted_paper(key: str, record: Any) -> Paper:
    return Paper.from_dict(record)


class _ImportTally:
    """Takes add_papers' outcomes one by one, keeping only what the report
    needs: a streamed file's papers are not all held until the end."""

    def __init__(self, report: FileReport, tags: dict[str, list[str]]) -> None:
        self.report, self.tags = report, tags
        self.new_tags: dict[str, list[str]] = {}
        self.new_ids: list[str] = []  # journaled as one "added" entry: undo takes the import back

    def append(self, outcome: tuple[str, str, Paper, bool]) -> None:
        status, pid, paper, duplicate = outcome
        if status == "trashed":
            self.report.trashed += 1
        elif duplicate:
            self.report.duplicates.append((paper.title, pid))
        elif status == "new":
            self.new_ids.append(pid)
            if paper.id in self.tags:
                self.new_tags[pid] = self.tags[paper.id]
