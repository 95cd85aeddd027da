"""Ways a derived cache file gets damaged: shared by the tests of every cache
file (the word index, the papers). Each must be noticed and the file not used."""

from __future__ import annotations

from pathlib import Path


def flip_bit(path: Path, at: int) -> None:
    """One bit of the byte at ``at`` flipped (negative: from the end)."""
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def damage_flip(path: Path) -> None:
    flip_bit(path, path.stat().st_size // 2)


def damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_trailing(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\0")


def damage_foreign(path: Path) -> None:
    path.write_bytes(b"not a readinglist cache at all\n" * 100)


def damage_empty(path: Path) -> None:
    path.write_bytes(b"")


def damage_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[14:30] = b"{{{{{{{{{{{{{{{{"
    path.write_bytes(bytes(data))


def change_format(path: Path, current: int, other: int) -> None:
    """The header says another format version than the code reads."""
    data = path.read_bytes()
    old = f'"format": {current}'.encode()
    assert old in data
    path.write_bytes(data.replace(old, f'"format": {other}'.encode(), 1))
