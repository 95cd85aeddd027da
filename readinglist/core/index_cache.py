"""The word indexes on disk, so a launch reads them instead of building them.

Building the word index of 100k papers takes seconds; reading it back takes
tens of milliseconds. The file (``cache/word-index.bin`` in the store) is
derived data: it holds the packed ``WordIndex`` of each text field and the
key of the corpus it was built from, the corpus file's (inode, mtime, size)
stamp, the number of papers and a digest of their ids in index order. Any
write to the corpus gives it a new stamp, so a file built from another
corpus, an older format, a truncated or damaged file are all simply not
used (the index is built again and the file replaced); nothing else in the
store is ever touched.

Layout: ``MAGIC``, a 4-byte little-endian header length, a JSON header (the
key, the format version, where each section lies and a CRC-32 of the body),
then the body: per field the vocabulary (UTF-8, one word a line), the start
of each word's postings (int64), each word's bitset number (int32, -1: none),
the rare words' paper numbers (int32) and the bitsets of the frequent words
and of each first letter (``(n + 7) // 8`` bytes each).
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import sys
import zlib
from array import array
from collections.abc import Sequence
from pathlib import Path

from readinglist.core.steps import STEP
from readinglist.core.word_index import WordIndex

CACHE_DIR = "cache"
INDEX_CACHE_FILE = "word-index.bin"
MAGIC = b"RLWORDIX"
FORMAT = 2  # bump when the file layout, the folding of text or the paper order changes
_LITTLE = sys.byteorder == "little"
SMALL_SECTIONS = ("vocab", "starts", "dense", "firsts")
_READ = 1 << 20  # bytes read at a time to check the postings


def index_cache_path(home: Path) -> Path:
    return Path(home) / CACHE_DIR / INDEX_CACHE_FILE


class IndexCache:
    """The word index file of one corpus version (``stamp``: the corpus file's stamp)."""

    def __init__(self, path: Path, stamp: tuple[int, int, int], ids: Sequence[str] = ()) -> None:
        self.path = Path(path)
        self.stamp = tuple(stamp)
        self.n = len(ids)
        self._body: tuple[memoryview, int, int] | None = None  # what load() mapped, its CRC and offset
        self._fd: int | None = None  # the mapped file, open until the postings are checked
        # The ids joined by newlines, hashed a step at a time (the worker does
        # this while the first frame is painted): the same digest as one join.
        digest = hashlib.blake2b(digest_size=16)
        for start in range(0, len(ids), STEP):
            if start:
                digest.update(b"\n")
            digest.update("\n".join(ids[start : start + STEP]).encode("utf-8", "surrogatepass"))
        self._digest = digest.hexdigest()

    def for_papers(self, ids: Sequence[str]) -> IndexCache:
        """The same cache, keyed also by the papers' ids in index order."""
        return IndexCache(self.path, self.stamp, ids)  # type: ignore[arg-type]

    @property
    def key(self) -> dict[str, object]:
        return {"format": FORMAT, "stamp": list(self.stamp), "n": self.n, "ids": self._digest}

    # --- reading ----------------------------------------------------------------

    def load(self, fields: Sequence[str], *, check: bool = True) -> dict[str, WordIndex] | None:
        """The word indexes of ``fields``, or None when the file is missing, stale or damaged.

        The file is mapped, not read: the postings are paged in as searches
        use them. ``check=False`` checks only the small sections (vocabulary,
        offsets, first letters) and leaves the CRC of the postings to
        ``check_postings()``, which a worker calls after (~20 ms at 100k).
        The CRC is taken by reading the file, not the mapping, so the check
        does not page the whole mapping into the process.
        """
        self._body = None
        self._close()
        if not _LITTLE:
            return None
        try:
            with open(self.path, "rb") as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                self._fd = os.dup(handle.fileno()) if hasattr(os, "pread") else None
        except (OSError, ValueError):  # missing, unreadable, empty
            return None
        try:
            indexes = self._parse(memoryview(data), fields)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, UnicodeDecodeError, AttributeError):
            indexes = None
        if indexes is None:
            self._close()
            return None
        if check and not self.check_postings():
            return None
        return indexes

    def _close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def check_postings(self) -> bool:
        """True if the whole body of the file ``load`` mapped is what was written (its CRC matches)."""
        if self._body is None:
            return False
        body, crc, offset = self._body
        fd = self._fd
        if fd is None:  # no pread (Windows): through the mapping
            return zlib.crc32(body) == crc
        # Read through the same open file, not the mapping: the CRC would
        # otherwise make every page of it resident (~40 MB at 100k) for good.
        try:
            running, at, end = 0, offset, offset + len(body)
            while at < end:
                chunk = os.pread(fd, min(_READ, end - at), at)
                if not chunk:
                    return False
                running = zlib.crc32(chunk, running)
                at += len(chunk)
            return running == crc
        except OSError:
            return False
        finally:
            self._close()

    def _parse(self, data: memoryview, fields: Sequence[str]) -> dict[str, WordIndex] | None:
        if data[: len(MAGIC)] != MAGIC or len(data) < len(MAGIC) + 4:
            return None
        header_end = len(MAGIC) + 4 + int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "little")
        header = json.loads(bytes(data[len(MAGIC) + 4 : header_end]))
        if not isinstance(header, dict) or header.get("key") != self.key:
            return None
        body = data[header_end:]
        if len(body) != header["size"]:
            return None
        n, size = self.n, (self.n + 7) // 8
        indexes = {}
        for field in fields:
            parts = header["fields"][field]

            def section(name: str) -> memoryview:
                start, length = parts[name]
                if not (0 <= start and 0 <= length and start + length <= len(body)):
                    raise ValueError(f"section {name} out of bounds")
                return body[start : start + length]

            small_crc = 0
            for name in SMALL_SECTIONS:
                small_crc = zlib.crc32(section(name), small_crc)
            # It stands for the checks of every offset; the whole body's
            # CRC (check_postings) for those of every paper number.
            if small_crc != parts["small_crc"]:
                return None
            vocab = bytes(section("vocab")).decode("utf-8", "surrogatepass").split("\n") if parts["vocab"][1] else []
            starts = section("starts").cast("q")
            dense = section("dense").cast("i")
            sparse = section("sparse").cast("i")
            bitsets = section("bitsets")
            firsts = section("firsts")
            letters = parts["letters"]
            if (
                len(starts) != len(vocab) + 1
                or len(dense) != len(vocab)
                or starts[0] != 0
                or starts[-1] != len(sparse)
                or len(bitsets) % max(size, 1)
                or len(firsts) != len(letters) * size
                or (vocab and not vocab[0])
                or (len(dense) and max(dense) >= len(bitsets) // max(size, 1))
            ):
                return None
            by_first = {
                letter: int.from_bytes(firsts[k * size : (k + 1) * size], "little") for k, letter in enumerate(letters)
            }
            indexes[field] = WordIndex.packed(n, vocab, starts, dense, sparse, bitsets, by_first)
        self._body = (body, header["crc"], header_end)
        return indexes

    # --- writing ----------------------------------------------------------------

    def save(self, indexes: dict[str, WordIndex]) -> bool:
        """Write the indexes (atomically); False if they cannot be (changed since packing, a full disk...)."""
        from readinglist.core.fileio import atomic_write_bytes

        if not _LITTLE or any(index.changed or index.n != self.n for index in indexes.values()):
            return False
        chunks: list[bytes | memoryview] = []
        offset = 0
        fields: dict[str, dict[str, object]] = {}

        def add(chunk: bytes | memoryview) -> list[int]:
            nonlocal offset
            chunk = memoryview(chunk).cast("B")
            at = offset
            chunks.append(chunk)
            offset += len(chunk)
            pad = -offset % 8
            if pad:
                chunks.append(b"\0" * pad)
                offset += pad
            return [at, len(chunk)]

        size = (self.n + 7) // 8
        for field, index in indexes.items():
            vocab, starts, dense, sparse, bitsets, by_first = index.parts()
            letters = sorted(by_first)
            small = {
                "vocab": "\n".join(vocab).encode("utf-8", "surrogatepass"),
                "starts": _packed("q", starts),
                "dense": _packed("i", dense),
                "firsts": b"".join(by_first[letter].to_bytes(size, "little") for letter in letters),
            }
            small_crc = 0
            for name in SMALL_SECTIONS:
                small_crc = zlib.crc32(small[name], small_crc)
            fields[field] = {
                "vocab": add(small["vocab"]),
                "starts": add(small["starts"]),
                "dense": add(small["dense"]),
                "sparse": add(_packed("i", sparse)),
                "bitsets": add(bitsets),
                "firsts": add(small["firsts"]),
                "letters": letters,
                "small_crc": small_crc,
            }
        crc = 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
        header = json.dumps({"key": self.key, "size": offset, "crc": crc, "fields": fields}, ensure_ascii=True).encode("ascii")
        try:
            atomic_write_bytes(self.path, [MAGIC, len(header).to_bytes(4, "little"), header, *chunks])
        except OSError:
            return False  # only a speed-up: the next launch builds the index again
        return True


def _packed(code: str, values: Sequence[int] | memoryview) -> bytes | memoryview:
    if isinstance(values, memoryview):
        return values
    if isinstance(values, array) and values.typecode == code:
        return memoryview(values)
    return memoryview(array(code, values))
