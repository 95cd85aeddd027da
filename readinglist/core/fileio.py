"""Atomic file writes: a crash leaves either the old file or the new one."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

TEMP_SUFFIX = ".tmp"
# Our temporary files are ".<target>.rl-<8 random chars>.tmp": doctor removes
# only names of this shape, never another program's hidden *.tmp file.
TEMP_MARK = ".rl-"
_OURS = re.compile(r"^\..+\.rl-[a-z0-9_]{8}\.tmp$")


def atomic_write_bytes(
    path: Path,
    data: bytes | Iterable[bytes | memoryview],
    *,
    mode: int | None = None,
    owner: tuple[int, int] | None = None,
    make_dirs: bool = True,
) -> None:
    """Write ``data`` to ``path`` so that readers never see a partial file.

    The bytes go to a temporary file in the same directory, are flushed and
    fsynced, then renamed over the target with ``os.replace``; the directory
    is fsynced so the rename itself survives a power cut. ``mode`` and
    ``owner`` (uid, gid) are set on the new file before the rename (an export
    keeps the file's own); without them it is private to the user (0600).
    ``data`` may be a sequence of chunks, written one after the other (a
    large file need not be joined in memory first).
    """
    chunks = (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data
    atomic_write_chunks(path, chunks, mode=mode, owner=owner, make_dirs=make_dirs)


def atomic_write_chunks(
    path: Path,
    chunks: Iterable[bytes | memoryview],
    *,
    mode: int | None = None,
    owner: tuple[int, int] | None = None,
    make_dirs: bool = True,
) -> None:
    """:func:`atomic_write_bytes` for data made piece by piece (a large store
    file is never held whole in memory). Whatever ``chunks`` raises part-way
    (a bad record, a full disk) removes the temporary file: the target keeps
    its old content.
    """
    path = Path(path)
    directory = path.parent
    if make_dirs:
        directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            if owner is not None and owner != (os.getuid(), os.getgid()):
                try:
                    os.fchown(handle.fileno(), *owner)
                except PermissionError:
                    pass  # only root may give a file away; the mode is still kept
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def leftover_temp_files(directory: Path) -> list[Path]:
    """Temporary files of atomic writes in ``directory``.

    A process killed between creating its temporary file and renaming it
    leaves the file behind. It never holds anything the user was told was
    saved, but only the caller knows whether a write may still be running.
    """
    try:
        return sorted(p for p in Path(directory).glob(f".*{TEMP_SUFFIX}") if is_our_temp_file(p) and p.is_file())
    except OSError:
        return []


def is_our_temp_file(path: Path) -> bool:
    """True for a temporary file named by :func:`atomic_write_bytes`."""
    return bool(_OURS.match(Path(path).name))
