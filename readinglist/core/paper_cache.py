"""The papers on disk in the interpreter's own format, so a launch reads them fast.

Parsing ``corpus.json`` into 100k ``Paper`` objects takes 1.5-2 s (JSON, then
a dict per paper, then the object); reading them back from this file takes
about a quarter of that: ``marshal`` rebuilds the field values directly,
a column per field, and ``map(Paper, *columns)`` builds the papers in C. The file
(``cache/papers.bin`` in the store) is derived data, keyed by the corpus
file's (inode, mtime, size) stamp, the number of papers, the names of the
fields, the marshal format, the sizes of the parts and the byte order. Any
write to the corpus gives it a new stamp,
so a file of another corpus, another version of readinglist or Python, a
truncated or damaged file is simply not used (the corpus is parsed and the
file written again by the next warm-up); nothing else is ever touched.

It is written only from papers parsed from a corpus file that passed its
checks, and only while that file is unchanged.

The abstracts are 85% of the file, and a launch shows one. So each paper's
abstract stays in the file until it is first read (``Paper.abstract``, the
``DeferredAbstracts`` of core/model.py): then its part's abstracts are
read, through the handle the load kept open, so a newer file written
meanwhile is not mixed in. A part whose abstracts fail their check is
replaced by the corpus's own (``recover``), and the damaged file removed so
the next warm-up writes it afresh.

Layout: ``MAGIC``, a 4-byte little-endian header length, a JSON header (the
key), then one block per ``CHUNK`` papers. Every part of a block is a frame
(its length and CRC-32, 4 bytes each, little-endian) and a marshalled value.
A block's first part is its list of columns, one per field (the abstracts'
column None, the sources as counts, then two more columns: their listings
and lines); then come its abstracts, a part (a list) per ``TEXT_CHUNK``
papers. Blocks are written and read one at a time, so neither side holds
the whole file. A last part holds the papers' positions newest first
(``index_order.newest_order``), 4 bytes each: the first list shows them so,
and sorting them was 40-55 ms of a 100k launch.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
import threading
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from itertools import islice
from operator import attrgetter
from pathlib import Path

from readinglist.core.index_cache import CACHE_DIR
from readinglist.core.index_order import newest_order, paper_dates
from readinglist.core.model import Paper, Source, held_abstract

PAPER_CACHE_FILE = "papers.bin"
MAGIC = b"RLPAPERS"
# Bump when the meaning of a field's value changes (the names are in the key
# already), or the rule of newest_order (its order is saved in the file).
FORMAT = 4
# Papers a block (~6 MB without its abstracts). In a block, a string that
# recurs (an author's name, a date, a category) is written and decoded once:
# at 100k papers, blocks of 25,000 rather than 2,000 made the load 250-300 ms
# instead of 410-480 ms, the authors' column 22-29 ms instead of 80-130.
CHUNK = 25_000
# Papers an abstracts part: the first read of one abstract reads its part's
# (~0.6 MB, 2-4 ms holding the interpreter).
TEXT_CHUNK = 2000
_MARSHAL = 4  # the marshal version written (4 keeps shared and interned strings so)
_FIELDS = tuple(f.name for f in fields(Paper))
_SOURCES = _FIELDS.index("sources")
_ABSTRACT = _FIELDS.index("abstract")
_FRAME = 8  # a part's length and CRC-32
_ORDER = "i"  # the newest-first positions: 4 bytes each (array's type code)
_GETTERS = [attrgetter(name) for name in _FIELDS]


def paper_cache_path(home: Path) -> Path:
    return Path(home) / CACHE_DIR / PAPER_CACHE_FILE


class PaperCache:
    """The paper file of one corpus version (``stamp``: the corpus file's stamp)."""

    def __init__(self, path: Path, stamp: tuple[int, int, int]) -> None:
        self.path = Path(path)
        self.stamp = tuple(stamp)
        self.newest = array(_ORDER)  # what load() read: the papers' positions newest first

    def key(self, n: int) -> dict[str, object]:
        return {
            "format": FORMAT,
            "stamp": list(self.stamp),
            "n": n,
            "fields": list(_FIELDS),
            "chunks": [CHUNK, TEXT_CHUNK],  # how the reader finds the parts
            "order": [_ORDER, sys.byteorder],  # the newest-first part's items
            "marshal": _MARSHAL,
            "python": list(sys.version_info[:2]),
        }

    def _header(self, handle) -> object:  # type: ignore[no-untyped-def]
        head = handle.read(len(MAGIC) + 4)
        if len(head) != len(MAGIC) + 4 or head[: len(MAGIC)] != MAGIC:
            return None
        return json.loads(_exactly(handle, int.from_bytes(head[len(MAGIC) :], "little")))

    def load(self, recover: Callable[[], dict[str, str]] | None = None) -> list[Paper] | None:
        """The papers, in corpus order; None when the file is missing, stale or damaged.

        Their abstracts are read when first wanted; ``recover`` gives every
        paper's abstract, by id, from the corpus, for a part that fails its
        check then (without it, such a read raises a ``StoreError``).
        """
        try:
            handle = open(self.path, "rb")
        except OSError:
            return None
        opened = _OpenFile(handle, self.path, recover)
        try:
            papers = self._read(handle, opened)
        except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError, UnicodeDecodeError):
            papers = None  # unreadable, or not what save() wrote: the corpus is parsed instead
        if papers is None:
            opened.close()
        return papers

    def _read(self, handle, opened: _OpenFile) -> list[Paper] | None:  # type: ignore[no-untyped-def]
        header = self._header(handle)
        n = header["key"]["n"] if isinstance(header, dict) and isinstance(header.get("key"), dict) else None
        if not isinstance(n, int) or header["key"] != self.key(n):
            return None
        papers: list[Paper] = []
        while len(papers) < n:
            length, crc = _frame(handle)
            block = _exactly(handle, length)
            if zlib.crc32(block) != crc:
                return None
            columns = marshal.loads(block)
            del block
            if not isinstance(columns, list) or len(columns) != len(_FIELDS) + 2 or not all(isinstance(columns[at], list) for at in (0, _SOURCES)):
                return None
            ids = columns[0]
            held: list[_Abstracts] = []
            for start in range(0, len(ids), TEXT_CHUNK):
                texts_length, texts_crc = _frame(handle)
                part = _Abstracts(opened, handle.tell(), texts_length, texts_crc, ids[start : start + TEXT_CHUNK])
                opened.unread += 1
                handle.seek(texts_length, os.SEEK_CUR)
                held += [part] * len(part._ids)
            lines, listings = columns.pop(), columns.pop()
            sources = map(Source, listings, lines)
            counts = columns[_SOURCES]
            if counts.count(1) == len(counts):  # a source each, as most papers have: no Python loop
                columns[_SOURCES] = list(map(list, zip(sources)))
            else:
                columns[_SOURCES] = [list(islice(sources, count)) for count in counts]
            columns[_ABSTRACT] = held
            # map() calls Paper(id, title, ...) with one value of each column: no Python loop
            papers.extend(map(Paper, *columns))
        length, crc = _frame(handle)
        data = _exactly(handle, length)
        newest = array(_ORDER)
        newest.frombytes(data)
        if zlib.crc32(data) != crc or len(newest) != n or len(papers) != n or handle.tell() != os.fstat(handle.fileno()).st_size:
            return None
        self.newest = newest
        return papers

    def save(self, papers: Sequence[Paper]) -> bool:
        """Write the papers (atomically); False if they cannot be (a full disk, ...)."""
        from readinglist.core.fileio import atomic_write_chunks

        header = json.dumps({"key": self.key(len(papers))}, ensure_ascii=True).encode("ascii")

        def blocks() -> Iterator[bytes]:
            yield MAGIC + len(header).to_bytes(4, "little") + header
            for start in range(0, len(papers), CHUNK):
                columns = _columns(papers[start : start + CHUNK])
                texts = columns[_ABSTRACT]
                columns[_ABSTRACT] = None
                yield from _part(marshal.dumps(columns, _MARSHAL))
                del columns
                for at in range(0, len(texts), TEXT_CHUNK):
                    yield from _part(marshal.dumps(texts[at : at + TEXT_CHUNK], _MARSHAL))
            yield from _part(array(_ORDER, newest_order(paper_dates(papers))).tobytes())

        try:
            atomic_write_chunks(self.path, blocks())
        except (OSError, ValueError):
            return False  # only a speed-up: the next launch parses the corpus again
        return True


_UNIQUE = {_FIELDS.index(name) for name in ("id", "title", "abstract")}  # one value a paper: nothing to share


def _columns(papers: Sequence[Paper]) -> list[list[object]]:
    """One list per field, in field order; the sources as their counts, then
    every source's listing and line after the last field.

    Equal strings (an author's name, a category, a date, a listing) become
    one object, which marshal writes once and reads back as one: in the 100k
    synthetic corpus, 650k author names are 6k distinct ones; its load took
    301 ms of marshal.loads instead of 323 ms, and 9 MB less memory.
    """
    columns: list[list[object]] = [list(map(getter, papers)) for getter in _GETTERS]
    sources: list[list[Source]] = columns[_SOURCES]  # type: ignore[assignment]
    columns[_SOURCES] = [len(each) for each in sources]
    columns.append([source.listing for each in sources for source in each])
    columns.append([source.line for each in sources for source in each])
    one = {}.setdefault  # str -> the first equal str seen in this block
    for number, column in enumerate(columns):
        if number in _UNIQUE or number == _SOURCES:
            continue
        columns[number] = [
            one(value, value) if type(value) is str else [one(x, x) if type(x) is str else x for x in value] if type(value) is list else value
            for value in column
        ]
    return columns


class _OpenFile:
    """The paper file one load read, kept open until every part's abstracts
    are read (the app's warm-up reads them all) or its last paper is gone:
    they are read from this version of it even after a newer one replaced it."""

    def __init__(self, handle, path: Path, recover: Callable[[], dict[str, str] | None] | None) -> None:  # type: ignore[no-untyped-def]
        self._handle = handle
        self._path = path
        self._recover = recover
        self._recovered: dict[str, str] | None = None
        self._failed = False  # damaged, and the corpus no longer held them: said once, not parsed again
        self._lock = threading.Lock()
        self.unread = 0  # abstracts parts still only in the file
        self.close = weakref.finalize(self, handle.close)

    def abstracts(self, block: _Abstracts) -> dict[str, str]:
        """The abstracts of ``block``'s papers, by id (read once, whichever thread asks first)."""
        with self._lock:
            if block._texts is None:
                block._texts = self._texts(block._at, block._length, block._crc, block._ids)
                self._one_read()
            return block._texts

    def _texts(self, at: int, length: int, crc: int, ids: list[str]) -> dict[str, str]:
        if self._recovered is None:
            texts = self._read(at, length, crc)
            if isinstance(texts, list) and len(texts) == len(ids) and all(type(text) is str for text in texts):
                return dict(zip(ids, texts))
            self._recovered = self._recover_all()
        return {paper_id: self._recovered[paper_id] for paper_id in ids}

    def _read(self, at: int, length: int, crc: int) -> object:
        try:
            self._handle.seek(at)
            data = _exactly(self._handle, length)
            return marshal.loads(data) if zlib.crc32(data) == crc else None
        except (OSError, ValueError, EOFError, TypeError):
            return None  # ValueError: closed too (at exit)

    def _one_read(self) -> None:
        self.unread -= 1
        if self.unread <= 0:
            self.close()  # nothing more to read: a newer file may replace it (Windows), its space is freed

    def _recover_all(self) -> dict[str, str]:
        from readinglist.core.errors import StoreError

        if not self._failed:
            if not self._handle.closed:
                self._remove_damaged()
            recovered = self._recover() if self._recover is not None else None
            if recovered is not None:
                return recovered
            self._failed = True
        raise StoreError(
            f"{self._path} was damaged after readinglist read it, and the corpus it came from has changed "
            "since: restart readinglist (the file is rebuilt from corpus.json; nothing of yours is in it)"
        )

    def _remove_damaged(self) -> None:
        """Remove the file if it is still this one: the next warm-up writes it afresh."""
        try:
            if os.stat(self._path).st_ino == os.fstat(self._handle.fileno()).st_ino:
                os.unlink(self._path)
        except (OSError, ValueError):
            pass  # gone already, another process's newer file, or closed meanwhile


class _Abstracts:
    """The abstracts of one part's papers: what their ``abstract`` slots hold
    until one of them is read (``DeferredAbstracts``)."""

    __slots__ = ("_file", "_at", "_length", "_crc", "_ids", "_texts")

    def __init__(self, file: _OpenFile, at: int, length: int, crc: int, ids: list[str]) -> None:
        self._file, self._at, self._length, self._crc, self._ids = file, at, length, crc, ids
        self._texts: dict[str, str] | None = None

    def abstract_of(self, paper_id: str) -> str:
        return self.texts()[paper_id]

    def texts(self) -> dict[str, str]:
        """The part's abstracts, by paper id (read on the first call)."""
        texts = self._texts
        return texts if texts is not None else self._file.abstracts(self)


def read_abstracts(papers: Sequence[Paper]) -> None:
    """Read every abstracts part that ``papers`` (as a load gave them, in
    corpus order) still leave in the file: for a worker after the launch, so
    the first phrase search does not read them (~0.3 s at 100k, 1 s at 300k).
    A part at a time: each holds the interpreter for a few milliseconds."""
    for block in range(0, len(papers), CHUNK):
        # Each block's parts start at its first paper (CHUNK need not be a multiple of TEXT_CHUNK).
        for start in range(block, min(block + CHUNK, len(papers)), TEXT_CHUNK):
            held = held_abstract(papers[start])
            if isinstance(held, _Abstracts):
                held.texts()


def _part(data: bytes) -> Iterator[bytes]:
    """A part as written: its frame, then its bytes."""
    yield len(data).to_bytes(4, "little") + zlib.crc32(data).to_bytes(4, "little")
    yield data


def _frame(handle) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The length and CRC-32 of the part that follows."""
    frame = _exactly(handle, _FRAME)
    return int.from_bytes(frame[:4], "little"), int.from_bytes(frame[4:], "little")


def _exactly(handle, size: int) -> bytes:  # type: ignore[no-untyped-def]
    # A damaged length (up to 4 GB) must not have read() set aside that much.
    if size > os.fstat(handle.fileno()).st_size - handle.tell():
        raise EOFError("the file ends early")
    data = handle.read(size)
    if len(data) != size:
        raise EOFError("the file ends early")
    return data
