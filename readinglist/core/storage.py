"""TinyDB storage for the store files: atomic writes, cached reads.

A file that cannot be read or parsed raises ``StoreError`` naming it; it is
never overwritten. A file that vanishes after it was read is reported too,
never silently treated as empty (that would write a near-empty file over the
user's data on the next change).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from tinydb import Storage

from readinglist.core.errors import StoreError
from readinglist.core.fileio import atomic_write_bytes, atomic_write_chunks
from readinglist.core.generation import generation_of, replaced_message, set_generation

CHUNK_BYTES = 1 << 20  # what the corpus is written in: big enough for few system calls


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes atomically and re-reads only when changed.

    The parsed data is cached with the file's (inode, mtime, size): every
    write replaces the inode, so a write by another process is noticed.
    """

    def __init__(
        self, path: Path, *, pretty: bool = False, line_per_record: bool = False, generations: bool = False
    ) -> None:
        self.path = Path(path)
        self._options = orjson.OPT_INDENT_2 if pretty else 0
        self._line_per_record = line_per_record
        self._cache: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None
        # With generations (core/generation.py), every write counts one up and
        # a re-read that goes backwards is an older copy put in its place.
        self._generations = generations
        self.generation = 0  # of the file as last read or written

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
        if self._line_per_record:
            with collector_paused():
                data = self._read_by_line()
            if data is not None:
                return self._accept(data, stamp)
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StoreError(
                f"cannot read {self.path}: {exc.strerror or exc}; fix its permissions, it was left untouched"
            ) from None
        try:
            with collector_paused():
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
        return self._accept(data, stamp)

    def _accept(self, data: dict[str, Any], stamp: tuple[int, int, int]) -> dict[str, Any]:
        """Cache what was read; a generation going backwards is an older copy put in place."""
        if self._generations:
            found = generation_of(data)
            if found < self.generation:
                raise StoreError(replaced_message(self.path, found, self.generation))
            self.generation = found
        self._cache, self._stamp = data, stamp
        return data

    def read_encoded(self, name: str, seen: Callable[[str, dict[str, Any]], None]) -> EncodedRead | None:
        """The whole file, with table ``name``'s records left in it: each is
        shown parsed to ``seen``, let go, and kept as where its text is. None
        unless the file is in the one-record-a-line layout (the caller then
        uses read(), which reports a corrupt file). For a rewrite of every
        record that changes few of them (an import, an edit): 100k papers held as
        dicts cost ~460 MB, as their text ~190 MB, as places in the file
        ~11 MB. Nothing is cached: the data is the caller's, for
        ``write(read.data, keep=False, source=read)`` while it is open.
        """
        try:
            handle = self.path.open("rb")
        except OSError:
            return None
        try:
            stamp = os.fstat(handle.fileno())
            with collector_paused():
                data = self._read_by_line(handle, encoded=name, seen=seen)
        except BaseException:
            handle.close()
            raise
        if data is None:
            handle.close()
            return None
        return EncodedRead(self.path, data, handle, (stamp.st_ino, stamp.st_mtime_ns, stamp.st_size))

    def _read_by_line(
        self, handle: Any = None, encoded: str | None = None, seen: Callable[[str, dict[str, Any]], None] | None = None
    ) -> dict[str, Any] | None:
        """The whole file, parsed a line at a time: None unless it is exactly
        the one-record-a-line layout (then read() parses it whole, and
        reports a corrupt file). A 100k-paper corpus parsed whole costs the
        file's bytes and orjson's document on top of the records (~800 MB
        at the peak of an edit); line by line it costs the records alone.
        ``handle``: the file, left open (read_encoded); ``encoded``: the
        table whose records are kept as ``Span``s.
        """
        if handle is None:
            try:
                with self.path.open("rb") as handle:
                    return self._read_by_line(handle)
            except OSError:
                return None
        loads = orjson.loads
        data: dict[str, Any] = {}

        def keep(docs: dict[str, Any], line: bytes, cut: int, record: dict[str, Any]) -> bool:
            """Keep an encoded table's record as its place: False if the line is not one record."""
            if len(record) != 1:
                return False
            ((key, doc),) = record.items()
            prefix = orjson.dumps(key) + b":"
            if not isinstance(doc, dict) or not line.startswith(prefix):
                return False
            seen(key, doc)  # type: ignore[misc]
            docs[key] = Span(handle.tell() - len(line) + len(prefix), len(line) - cut - len(prefix))
            return True

        line = handle.readline()
        if not line.startswith(b'{"'):
            return None
        line = line[1:]
        try:
            while True:  # one table a turn: its header, its records, its closing line
                name = loads(line[:-3]) if line.endswith(b":{\n") else None
                if not isinstance(name, str):
                    return None
                docs = data[name] = {}
                line = handle.readline()
                if line == b"\n":  # an empty table
                    line = handle.readline()
                else:
                    while line.endswith(b",\n"):
                        record = loads(b"{" + line[:-2] + b"}")
                        if not record:  # not a record: a stray comma or blank
                            return None
                        if name != encoded:
                            docs.update(record)
                        elif not keep(docs, line, 2, record):
                            return None
                        line = handle.readline()
                    if not line.endswith(b"\n") or line.startswith(b"}"):
                        return None
                    record = loads(b"{" + line[:-1] + b"}")
                    if not record:
                        return None
                    if name != encoded:
                        docs.update(record)
                    elif not keep(docs, line, 1, record):
                        return None
                    line = handle.readline()
                if line == b"}}\n":
                    return data if not handle.read(1) else None
                if line != b"},\n":
                    return None
                line = handle.readline()
        except orjson.JSONDecodeError:
            return None

    def _serialise(self, data: dict[str, Any]) -> bytes:
        if not self._line_per_record:
            return orjson.dumps(data, option=self._options)
        return b"".join(self._lines(data))

    def _lines(self, data: dict[str, Any], source: EncodedRead | None = None) -> Iterator[bytes]:
        """The one-record-a-line layout, in pieces of about ``CHUNK_BYTES``.

        Still one JSON object that any JSON reader (TinyDB's own storage
        included) reads, laid out one record a line so iter_table() can
        stream it: 100k papers then load without the ~800 MB peak of
        parsing 180 MB in one piece. Made piece by piece, so writing it never
        holds the whole file either (nor 100k small encodings at once: each
        costs orjson a few KiB of heap until it is freed).
        """
        dumps = orjson.dumps
        out = bytearray(b"{")
        for t, (name, docs) in enumerate(data.items()):
            if t:
                out += b",\n"
            out += dumps(name)
            out += b":{\n"
            for i, (key, doc) in enumerate(docs.items()):
                if i:
                    out += b",\n"
                out += dumps(key)
                out += b":"
                kind = type(doc)  # a record (a dict), its text, or where that is (read_encoded)
                out += doc if kind is bytes else source.text(doc) if kind is Span else dumps(doc)  # type: ignore[union-attr]
                if len(out) >= CHUNK_BYTES:
                    yield bytes(out)
                    out.clear()
            out += b"\n}"
        out += b"}\n"
        yield bytes(out)

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

    def write(self, data: dict[str, Any], *, keep: bool = True, source: EncodedRead | None = None) -> None:
        """Replace the file with ``data`` at once; ``keep``: cache it as what
        was read. ``source``: the read_encoded ``data`` comes from (its
        records are copied from that file, which must not have changed)."""
        if source is not None and self.stamp() != source.stamp:
            raise StoreError(f"{self.path} was replaced while readinglist was updating it; nothing was written: try again")
        if self._generations:
            set_generation(data, max(self.generation, generation_of(data)) + 1)
        try:
            if self._line_per_record:
                atomic_write_chunks(self.path, self._lines(data, source))
            else:
                atomic_write_bytes(self.path, self._serialise(data))
        except OSError as exc:
            # TinyDB changed the cached dict in place before calling us.
            self._cache, self._stamp = None, None
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}; nothing was changed") from None
        except BaseException:
            self._cache, self._stamp = None, None
            raise
        self._cache, self._stamp = (data if keep else None), self.stamp()
        if self._generations:
            self.generation = generation_of(data)

    def release(self) -> None:
        """Forget the parsed data (kept: the stamp). The next read re-reads."""
        self._cache = None

    def close(self) -> None:
        pass


class Span:
    """Where a record's text is in the file read_encoded read (kept instead of the text)."""

    __slots__ = ("start", "size")

    def __init__(self, start: int, size: int) -> None:
        self.start, self.size = start, size


class EncodedRead:
    """A store file read by ``read_encoded``: ``data``, whose records (dicts,
    JSON text, or ``Span``s of this file) ``record`` and ``text`` give.
    Open until closed (a ``with`` block): the spans are read from it."""

    def __init__(self, path: Path, data: dict[str, Any], handle: Any, stamp: tuple[int, int, int]) -> None:
        self.path, self.data, self.stamp = path, data, stamp
        self._handle = handle

    def text(self, span: Span) -> bytes:
        text = os.pread(self._handle.fileno(), span.size, span.start)
        if len(text) != span.size:
            raise StoreError(f"{self.path} was cut short while readinglist was updating it; nothing was written: try again")
        return text

    def record(self, value: Any) -> Any:
        """The record ``value`` stands for: parsed from its text or place, or itself."""
        kind = type(value)
        if kind is Span:
            return orjson.loads(self.text(value))
        return orjson.loads(value) if kind is bytes else value

    @staticmethod
    def encoded(record: dict[str, Any]) -> bytes:
        """A record to put in ``data``, as its text."""
        # Copied to a bytes object of its own size: orjson's own answer holds
        # ~12 KB of heap behind it, and a re-import of 100k papers kept them all.
        return memoryview(orjson.dumps(record)).tobytes()

    def __enter__(self) -> EncodedRead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


class PlainRecords:
    """``EncodedRead``'s ``record`` and ``encoded`` for records read as dicts (TinyDB's way)."""

    @staticmethod
    def record(value: Any) -> Any:
        return value

    @staticmethod
    def encoded(record: dict[str, Any]) -> dict[str, Any]:
        return record


Records = EncodedRead | PlainRecords  # how a rewrite of the corpus reads and puts back a paper's record


class _NotLineLayout(Exception):
    """The file is not laid out one record a line after all: parse it whole."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Building 100k objects triggers many useless full collections: the
    objects are all alive. Pausing the collector halves the load time.
    What was built is then frozen out of the collector's passes: use it
    for what lives as long as the process."""
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
