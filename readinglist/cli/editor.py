"""Editing a note in the user's $EDITOR, safely.

The editor gets a file in a private temporary folder. Whatever it leaves
behind (nothing, a folder, binary, text that is not UTF-8, a huge file) is
one line of error and the note is not changed; a quoting mistake in
$EDITOR is reported, not a traceback.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from readinglist.core.errors import UserError
from readinglist.core.validate import MAX_NOTE_CHARS


def editor_command() -> tuple[str, list[str]]:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        argv = shlex.split(editor)
    except ValueError as exc:
        raise UserError(f"cannot read the editor command {editor!r} ($VISUAL or $EDITOR): {exc}; the note was not changed") from None
    if not argv:
        raise UserError("$VISUAL or $EDITOR is blank; set it to an editor such as nano")
    return editor, argv


def edit_text(current: str, *, name: str = "note.md") -> str:
    """The text after the user edited ``current``; UserError if it cannot be had."""
    editor, argv = editor_command()
    folder = Path(tempfile.mkdtemp(prefix="readinglist-note-"))
    path = folder / name
    try:
        path.write_text(current, encoding="utf-8")
        try:
            result = subprocess.run([*argv, str(path)], check=False)
        except OSError as exc:
            raise UserError(f"cannot start the editor {editor!r}: {exc.strerror or exc}; the note was not changed") from None
        if result.returncode != 0:
            raise UserError(f"the editor {editor!r} exited with code {result.returncode}; the note was not changed")
        return read_edited(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_edited(path: Path) -> str:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise UserError(f"the editor removed {path}; the note was not changed") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}; the note was not changed") from None
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"the editor left something other than a file at {path}; the note was not changed")
    if info.st_size > MAX_NOTE_CHARS * 4:
        raise UserError(f"the edited note is {info.st_size:,} bytes; a note holds at most {MAX_NOTE_CHARS:,} characters. Nothing was saved")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}; the note was not changed") from None
    return decode_text(raw, "the edited note")


def decode_text(raw: bytes, what: str) -> str:
    """UTF-8 text without NULs, or a UserError naming ``what``."""
    if b"\x00" in raw:
        raise UserError(f"{what} is binary (it holds NUL bytes); nothing was saved")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{what} is not valid UTF-8 (byte {exc.start}); nothing was saved") from None


def keep_unsaved(home: Path, pid: str, text: str) -> Path | None:
    """Save text the store refused, so the user's typing is never lost."""
    try:
        fd, name = tempfile.mkstemp(prefix=f"unsaved-note-{pid}-", suffix=".md", dir=home)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return Path(name)
    except OSError:
        return None
