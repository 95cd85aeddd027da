"""The journal: every change to the user's data, one JSON record a line.

``<home>/journal.jsonl`` gets one line per changed field: when, which paper,
which field, the value before and after, which process, and the group (one
user action; a bulk change is one group). Lines are written in one
``write`` on an ``O_APPEND`` descriptor and fsynced before the change is made,
so a change reported done is always in the journal. A process killed while
appending leaves at most a torn last line: it is ignored on read, and the
next append starts on a fresh line so it never glues onto the fragment.

Compaction moves old entries, never drops them: when the journal passes
``COMPACT_AT`` bytes, all but the newest quarter of that are appended to
``journal-archive.jsonl.gz`` (one gzip member per compaction) and the
journal is rewritten with the rest, both atomically. A kill between the two
leaves entries in both files; reads drop the duplicates by entry id.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import os
import secrets
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from readinglist.core.errors import StoreError
from readinglist.core.fileio import atomic_write_bytes

JOURNAL_FILE = "journal.jsonl"
ARCHIVE_FILE = "journal-archive.jsonl.gz"
COMPACT_AT = 4_000_000  # the journal itself stays under this; the rest is archived
# The annotation fields a journal entry can restore.
ANNOTATION_FIELDS = ("star", "status", "tags", "note")
# Changes to papers themselves: "trashed" (removed to / restored from the
# trash), "paper.<field>" (a metadata edit by the user) and "added" (papers
# an import or a fetch brought in: one entry holding their ids, not one line
# per paper, so a 100k import adds one line); see curation.py.
ADDED = "added"
PAPER_FIELDS = ("trashed", ADDED, *(f"paper.{name}" for name in ("title", "authors", "date", "arxiv_id", "doi", "url", "links", "citation_key")))
ABORTED = "*aborted*"  # field of the entry listing journaled entries that never reached the file
RESTORED = "*restored*"  # field of the entry saying doctor replaced the annotations file

_counter = itertools.count()


@dataclass(frozen=True)
class Change:
    """One field of one paper, before and after."""

    pid: str
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Entry:
    """A journal line."""

    id: str
    time: str
    pid: str
    field: str
    before: Any
    after: Any
    process: str  # "cli", "app", "doctor", ...
    os_pid: int
    group: str
    undoes: str | None = None
    gen: int | None = None  # the annotations file's generation this change's write produces

    def to_json(self) -> bytes:
        record = {
            "id": self.id,
            "time": self.time,
            "pid": self.pid,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "process": self.process,
            "os_pid": self.os_pid,
            "group": self.group,
        }
        if self.undoes:
            record["undoes"] = self.undoes
        if self.gen is not None:
            record["gen"] = self.gen
        return orjson.dumps(record)

    @classmethod
    def from_json(cls, line: bytes) -> Entry | None:
        """The entry of a line; None for a torn or foreign line."""
        try:
            r = orjson.loads(line)
            entry = cls(
                id=str(r["id"]),
                time=str(r["time"]),
                pid=str(r["pid"]),
                field=str(r["field"]),
                before=r.get("before"),
                after=r.get("after"),
                process=str(r.get("process", "")),
                os_pid=int(r.get("os_pid", 0)),
                group=str(r["group"]),
                undoes=r.get("undoes") if isinstance(r.get("undoes"), str) else None,
                gen=r["gen"] if type(r.get("gen")) is int else None,
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        return entry


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def new_group() -> str:
    """A group id unique across processes; sorts roughly by time."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}-{os.getpid()}-{next(_counter)}-{secrets.token_hex(2)}"


class Journal:
    """The journal of the store in ``home``. Callers hold the store lock."""

    def __init__(self, home: Path, label: str = "cli") -> None:
        self.home = Path(home)
        self.path = self.home / JOURNAL_FILE
        self.archive_path = self.home / ARCHIVE_FILE
        self.label = label

    # --- writing ---------------------------------------------------------

    def append(
        self, changes: Iterable[Change], group: str | None = None, *, undoes: str | None = None, gen: int | None = None
    ) -> list[Entry]:
        """Append one line per change and fsync; StoreError if that fails.

        ``gen``: the generation of the annotations file once this change is
        written (core/generation.py), so a file older than the journal shows."""
        group = group or new_group()
        now = _now()
        entries = [
            Entry(f"{group}/{n}-{secrets.token_hex(2)}", now, c.pid, c.field, c.before, c.after, self.label, os.getpid(), group, undoes, gen)
            for n, c in enumerate(changes)
        ]
        if not entries:
            return []
        data = b"".join(e.to_json() + b"\n" for e in entries)
        self._write(data)
        if self._size() > COMPACT_AT:
            try:
                self.compact()
            except (OSError, StoreError):
                pass  # compaction can wait for the next append; the entry is safe
        return entries

    def abort(self, ids: list[str]) -> None:
        """Say that journaled entries never reached the annotations (best effort):
        reads leave them out from then on."""
        if not ids:
            return
        group = new_group()
        try:
            self._write(Entry(f"{group}/abort", _now(), "", ABORTED, None, list(ids), self.label, os.getpid(), group).to_json() + b"\n")
        except StoreError:
            pass

    def mark(self, field: str, value: Any) -> None:
        """A marker entry (e.g. a restore by doctor); StoreError if it cannot be written."""
        group = new_group()
        self._write(Entry(f"{group}/0", _now(), "", field, None, value, self.label, os.getpid(), group).to_json() + b"\n")

    def tail(self, max_bytes: int = 65536) -> list[Entry]:
        """The last entries, without parsing the whole journal: those in the
        last ``max_bytes``, or more when one entry is longer (a long note)."""
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                while True:
                    handle.seek(max(0, size - max_bytes))
                    lines = handle.read().splitlines()
                    if size > max_bytes and lines:
                        lines = lines[1:]  # most likely a partial line
                    entries = [e for e in map(Entry.from_json, lines) if e is not None]
                    if entries or max_bytes >= size:
                        return entries
                    max_bytes *= 4
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"cannot read the journal {self.path}: {exc.strerror or exc}") from None

    def newest_generation(self, entries: list[Entry] | None = None) -> tuple[int, str | None]:
        """The highest annotations generation among the (tail's) entries that were
        not aborted, and the group of that entry; (0, None) when none records one."""
        entries = self.tail() if entries is None else entries
        aborted = {x for e in entries if e.field == ABORTED for x in (e.after or ()) if isinstance(x, str)}
        best: tuple[int, str | None] = (0, None)
        for entry in entries:
            if entry.gen is not None and entry.id not in aborted and entry.gen > best[0]:
                best = (entry.gen, entry.group)
        return best

    def _write(self, data: bytes) -> None:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a torn line of a killed writer: start afresh
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreError(f"cannot write the journal {self.path}: {exc.strerror or exc}; nothing was changed") from None

    def _size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    # --- reading ---------------------------------------------------------

    def read(self, pid: str | None = None, since: str | None = None, *, archive: bool = True) -> list[Entry]:
        """Entries oldest first, optionally of one paper and from a time on
        (``since``: an ISO time or date, compared as text)."""
        every: list[Entry] = []
        seen: set[str] = set()
        aborted: set[str] = set()
        for raw in self._lines(archive):
            entry = Entry.from_json(raw)
            if entry is None or entry.id in seen:
                continue
            seen.add(entry.id)
            if entry.field == ABORTED:
                aborted.update(x for x in entry.after or () if isinstance(x, str))
            else:
                every.append(entry)
        entries: list[Entry] = []
        for entry in every:
            if entry.id in aborted:
                continue
            if pid is not None and entry.pid != pid:
                continue
            if since is not None and entry.time < since:
                continue
            entries.append(entry)
        return entries

    def _lines(self, archive: bool) -> list[bytes]:
        lines: list[bytes] = []
        if archive:
            try:
                lines += gzip.decompress(self.archive_path.read_bytes()).splitlines()
            except FileNotFoundError:
                pass
            except (OSError, EOFError, zlib.error) as exc:
                raise StoreError(f"cannot read the journal archive {self.archive_path}: {exc}; it was left untouched") from None
        try:
            lines += self.path.read_bytes().splitlines()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot read the journal {self.path}: {exc.strerror or exc}") from None
        return lines

    def holds_data(self) -> bool:
        return self._size() > 0 or self.archive_path.exists()

    # --- compaction ------------------------------------------------------

    def compact(self, keep_bytes: int | None = None) -> int:
        """Move all but the newest ``keep_bytes`` (default: a quarter of
        ``COMPACT_AT``) of whole groups to the archive; returns how many lines moved."""
        keep_bytes = COMPACT_AT // 4 if keep_bytes is None else keep_bytes
        try:
            lines = [line for line in self.path.read_bytes().splitlines() if Entry.from_json(line) is not None]
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise StoreError(f"cannot read the journal {self.path}: {exc.strerror or exc}") from None
        kept_size, cut = 0, len(lines)
        while cut > 0 and kept_size + len(lines[cut - 1]) + 1 <= keep_bytes:
            cut -= 1
            kept_size += len(lines[cut]) + 1
        # Never split a group between the files: undo reads a group whole.
        while 0 < cut < len(lines) and _group(lines[cut]) == _group(lines[cut - 1]):
            cut -= 1
        if cut == 0:
            return 0
        moved = b"".join(line + b"\n" for line in lines[:cut])
        try:
            old = self.archive_path.read_bytes()
        except FileNotFoundError:
            old = b""
        try:
            # gzip files may hold several members: reading decompresses them all.
            atomic_write_bytes(self.archive_path, old + gzip.compress(moved, mtime=0))
            atomic_write_bytes(self.path, b"".join(line + b"\n" for line in lines[cut:]))
        except OSError as exc:
            raise StoreError(f"cannot compact the journal {self.path}: {exc.strerror or exc}; it was left as it was") from None
        return cut


def _group(line: bytes) -> str:
    entry = Entry.from_json(line)
    return entry.group if entry else ""


def rebuild_annotations(snapshot: dict[str, dict[str, Any]], entries: Iterable[Entry]) -> dict[str, dict[str, Any]]:
    """Annotation records: ``snapshot`` with every journaled change replayed.

    Each entry carries the whole new value of its field, so replaying an
    entry the snapshot already holds changes nothing: replaying the whole
    journal over any older snapshot gives the latest state.
    """
    from readinglist.core.validate import annotation_problem

    result = {pid: dict(record) for pid, record in snapshot.items()}
    for entry in entries:
        if entry.field not in ANNOTATION_FIELDS:
            continue
        record = result.setdefault(entry.pid, {"star": False, "status": "unread", "tags": [], "note": "", "created": entry.time, "updated": None})
        previous = record.get(entry.field)
        record[entry.field] = entry.after
        if annotation_problem(record) is not None:
            record[entry.field] = previous  # a hand-edited line must not make the rebuilt file unreadable
            continue
        record["updated"] = entry.time
    return result
