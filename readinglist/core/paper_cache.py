"""The papers on disk in the interpreter's own format, so a launch reads them fast.

Parsing ``corpus.json`` into 100k ``Paper`` objects takes 1.5-2 s (JSON, then
a dict per paper, then the object); reading them back from this file takes
about a quarter of that: ``marshal`` rebuilds the field values directly,
a column per field, and ``map(Paper, *columns)`` builds the papers in C. The file
(``cache/papers.bin`` in the store) is derived data, keyed by the corpus
file's (inode, mtime, size) stamp, the number of papers, the names of the
fields and the marshal format. Any write to the corpus gives it a new stamp,
so a file of another corpus, another version of readinglist or Python, a
truncated or damaged file is simply not used (the corpus is parsed and the
file written again by the next warm-up); nothing else is ever touched.

It is written only from papers parsed from a corpus file that passed its
checks, and only while that file is unchanged.

Layout: ``MAGIC``, a 4-byte little-endian header length, a JSON header (the
key), then one block per ``CHUNK`` papers: its length and CRC-32 (4 bytes
each, little-endian) and a marshalled list of columns, one per field (the
sources as counts, then two more columns: their listings and lines). Blocks
are written and read one at a time, so neither side holds the whole file.
"""

from __future__ import annotations

import json
import marshal
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import fields
from itertools import islice
from operator import attrgetter
from pathlib import Path

from readinglist.core.index_cache import CACHE_DIR
from readinglist.core.model import Paper, Source

PAPER_CACHE_FILE = "papers.bin"
MAGIC = b"RLPAPERS"
FORMAT = 1  # bump when the meaning of a field's value changes (the names are in the key already)
CHUNK = 2000  # papers a block: ~3 MB
_MARSHAL = 4  # the marshal version written (4 keeps shared and interned strings so)
_FIELDS = tuple(f.name for f in fields(Paper))
_SOURCES = _FIELDS.index("sources")
_GETTERS = [attrgetter(name) for name in _FIELDS]


def paper_cache_path(home: Path) -> Path:
    return Path(home) / CACHE_DIR / PAPER_CACHE_FILE


class PaperCache:
    """The paper file of one corpus version (``stamp``: the corpus file's stamp)."""

    def __init__(self, path: Path, stamp: tuple[int, int, int]) -> None:
        self.path = Path(path)
        self.stamp = tuple(stamp)

    def key(self, n: int) -> dict[str, object]:
        return {
            "format": FORMAT,
            "stamp": list(self.stamp),
            "n": n,
            "fields": list(_FIELDS),
            "marshal": _MARSHAL,
            "python": list(sys.version_info[:2]),
        }

    def _header(self, handle) -> object:  # type: ignore[no-untyped-def]
        head = handle.read(len(MAGIC) + 4)
        if len(head) != len(MAGIC) + 4 or head[: len(MAGIC)] != MAGIC:
            return None
        return json.loads(_exactly(handle, int.from_bytes(head[len(MAGIC) :], "little")))

    def load(self) -> list[Paper] | None:
        """The papers, in corpus order; None when the file is missing, stale or damaged."""
        try:
            with open(self.path, "rb") as handle:
                return self._read(handle)
        except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError, UnicodeDecodeError):
            return None  # unreadable, or not what save() wrote: the corpus is parsed instead

    def _read(self, handle) -> list[Paper] | None:  # type: ignore[no-untyped-def]
        header = self._header(handle)
        n = header["key"]["n"] if isinstance(header, dict) and isinstance(header.get("key"), dict) else None
        if not isinstance(n, int) or header["key"] != self.key(n):
            return None
        papers: list[Paper] = []
        while len(papers) < n:
            frame = _exactly(handle, 8)
            length, crc = int.from_bytes(frame[:4], "little"), int.from_bytes(frame[4:], "little")
            block = _exactly(handle, length)
            if zlib.crc32(block) != crc:
                return None
            columns = marshal.loads(block)
            del block
            if not isinstance(columns, list) or len(columns) != len(_FIELDS) + 2:
                return None
            lines, listings = columns.pop(), columns.pop()
            sources = iter(map(Source, listings, lines))
            columns[_SOURCES] = [list(islice(sources, count)) for count in columns[_SOURCES]]
            # map() calls Paper(id, title, ...) with one value of each column: no Python loop
            papers.extend(map(Paper, *columns))
        if len(papers) != n or handle.read(1):
            return None
        return papers

    def save(self, papers: Sequence[Paper]) -> bool:
        """Write the papers (atomically); False if they cannot be (a full disk, ...)."""
        from readinglist.core.fileio import atomic_write_chunks

        header = json.dumps({"key": self.key(len(papers))}, ensure_ascii=True).encode("ascii")

        def blocks() -> Iterator[bytes]:
            yield MAGIC + len(header).to_bytes(4, "little") + header
            for start in range(0, len(papers), CHUNK):
                block = marshal.dumps(_columns(papers[start : start + CHUNK]), _MARSHAL)
                yield len(block).to_bytes(4, "little") + zlib.crc32(block).to_bytes(4, "little")
                yield block

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


def _exactly(handle, size: int) -> bytes:  # type: ignore[no-untyped-def]
    data = handle.read(size)
    if len(data) != size:
        raise EOFError("the file ends early")
    return data
