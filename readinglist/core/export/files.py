"""Writing an export to the user's file without ever damaging what is there.

- Writes are atomic (temporary file + fsync + rename) and go through a
  symbolic link to the real file, which keeps its mode and owner; a new
  file gets the permissions the umask gives.
- Only regular files are read or written: a directory, device, FIFO or
  socket is refused, as is a file in a directory that does not exist.
- Appending keeps every existing byte (BOM, CRLF, a missing final newline)
  and writes the new entries in the file's own line ending. Papers already
  in the file are recognised (arXiv id, DOI, title, key) and skipped.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from readinglist.core.errors import UserError
from readinglist.core.fileio import atomic_write_bytes
from readinglist.core.export.fields import doi_of, eprint_of
from readinglist.core.links import arxiv_eprint
from readinglist.core.model import Paper
from readinglist.core.text import normalize_title

# A bibliography is kilobytes to a few megabytes; reading stops past this,
# so `--append /dev/zero` or a huge file cannot exhaust memory.
MAX_EXISTING_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ExistingFile:
    """What an append target holds, as far as duplicates are concerned."""

    path: Path  # the real file (symlinks resolved)
    data: bytes = b""
    keys: frozenset[str] = frozenset()  # casefolded
    eprints: frozenset[str] = frozenset()
    dois: frozenset[str] = frozenset()  # casefolded
    titles: frozenset[str] = frozenset()  # normalised

    @property
    def newline(self) -> str:
        return "\r\n" if b"\r\n" in self.data else "\n"

    def holds(self, paper: Paper) -> bool:
        eprint = eprint_of(paper)
        doi = doi_of(paper)
        key = (paper.citation_key or "").casefold()
        return bool(
            (eprint and eprint in self.eprints)
            or (doi and doi.casefold() in self.dois)
            or (key and key in self.keys)
            or _loose_title(paper.title) in self.titles
        )


@dataclass(slots=True)
class FileReport:
    path: Path
    written: list[Paper] = field(default_factory=list)
    skipped: list[Paper] = field(default_factory=list)  # already in the file
    new_keys: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --- the target ---------------------------------------------------------------


def real_target(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file a write to ``path`` lands in, and its status if it exists."""
    path = Path(path).expanduser()
    real = Path(os.path.realpath(path))
    try:
        info = os.stat(real)
    except FileNotFoundError:
        if not real.parent.is_dir():
            raise UserError(f"{path}: the directory {real.parent} does not exist; create it first") from None
        return real, None
    except OSError as exc:
        raise UserError(f"cannot use {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UserError(f"{path} is a directory; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{path} is not a regular file (a device, pipe or socket); refusing to use it")
    return real, info


def _read(real: Path, shown: Path) -> bytes:
    try:
        with open(real, "rb") as handle:
            data = handle.read(MAX_EXISTING_BYTES + 1)
    except OSError as exc:
        raise UserError(f"cannot read {shown}: {exc.strerror or exc}") from None
    if len(data) > MAX_EXISTING_BYTES:
        raise UserError(f"{shown} is larger than {MAX_EXISTING_BYTES // (1024 * 1024)} MB; refusing to append to it")
    return data


def read_existing(path: Path, fmt: str = "bib") -> ExistingFile:
    """The append target's content and the papers it already cites."""
    real, info = real_target(path)
    if info is None:
        return ExistingFile(path=real)
    data = _read(real, Path(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text; refusing to append to it") from None
    if fmt == "ris":
        return _ris_contents(real, data, text)
    if fmt in {"bib", "biblatex"}:
        return _bib_contents(real, data, text)
    if fmt == "md":
        return _markdown_contents(real, data, text)
    return ExistingFile(path=real, data=data)


# --- what a file already holds ------------------------------------------------------

_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+|\\.")
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:.\s/]*|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})", re.IGNORECASE
)


def _loose_title(title: str) -> str:
    return normalize_title(re.sub(r"[{}$]", "", _LATEX_COMMAND.sub("", title)))


# A list item as the Markdown export writes it: "- [escaped title](url)" (or <url>).
_MD_ITEM = re.compile(r"^[ \t]*[-*+][ \t]+\[((?:\\.|[^\]\\\n])*)\]\(<?([^)\s>]+)>?\)", re.MULTILINE)
_MD_ESCAPE = re.compile(r"\\(.)")
_DOI_IN_URL = re.compile(r"doi\.org/(10\.[^?#\s]+)", re.IGNORECASE)


def _markdown_contents(real: Path, data: bytes, text: str) -> ExistingFile:
    """The papers a reading list already holds: each item's title, and the
    arXiv id or DOI in its link (a list written by hand counts too)."""
    titles, urls = set(), []
    for match in _MD_ITEM.finditer(text):
        title = _loose_title(_MD_ESCAPE.sub(r"\1", match.group(1)))
        if title:
            titles.add(title)
        urls.append(unquote(match.group(2)))
    dois = {m.group(1).casefold() for m in map(_DOI_IN_URL.search, urls) if m}
    return ExistingFile(path=real, data=data, eprints=frozenset(_eprints_in(urls)), dois=frozenset(dois), titles=frozenset(titles))


def _eprints_in(values: list[str]) -> set[str]:
    found = set()
    for value in values:
        for match in _ARXIV_IN_TEXT.finditer(value):
            eprint = arxiv_eprint(match.group(1))
            if eprint:
                found.add(eprint)
    return found


_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_FIELD_NAME = re.compile(r"\s*([A-Za-z][\w\-:.]*)\s*=\s*")


def _balanced_end(text: str, start: int, closer: str) -> int:
    """Index of the ``closer`` that ends an entry body starting at ``start``."""
    depth = 0
    for i in range(start, len(text)):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and closer == "}":
                return i
            depth -= 1
        elif char == closer and depth == 0:
            return i
    return len(text)


def _value(body: str, i: int) -> tuple[str, int]:
    """A field value (braced, quoted or bare, ``#``-joined) and where it ends."""
    parts = []
    while i < len(body):
        while i < len(body) and body[i].isspace():
            i += 1
        if i >= len(body):
            break
        if body[i] == "{":
            end = _balanced_end(body, i + 1, "}")
            parts.append(body[i + 1 : end])
            i = end + 1
        elif body[i] == '"':
            end, depth = i + 1, 0
            while end < len(body) and not (body[end] == '"' and depth == 0):
                depth += {"{": 1, "}": -1}.get(body[end], 0)
                end += 1
            parts.append(body[i + 1 : end])
            i = end + 1
        else:
            match = re.match(r"[^,#\s]+", body[i:])
            parts.append(match.group(0) if match else "")
            i += len(parts[-1]) or 1
        while i < len(body) and body[i].isspace():
            i += 1
        if i < len(body) and body[i] == "#":
            i += 1
            continue
        break
    return "".join(parts), i


def bib_entries(text: str) -> list[tuple[str, dict[str, str]]]:
    """(key, fields with lowercase names) of each entry in a .bib text."""
    entries = []
    pos = 0
    for match in _ENTRY_START.finditer(text):
        if match.start() < pos:
            continue
        closer = "}" if match.group(2) == "{" else ")"
        end = _balanced_end(text, match.end(), closer)
        pos = end + 1
        if match.group(1).lower() in {"string", "comment", "preamble"}:
            continue
        body = text[match.end() : end]
        key, _, rest = body.partition(",")
        fields: dict[str, str] = {}
        i = 0
        while True:
            name = _FIELD_NAME.match(rest, i)
            if not name:
                break
            value, i = _value(rest, name.end())
            fields.setdefault(name.group(1).lower(), value)
            while i < len(rest) and rest[i] in ", \t\r\n":
                i += 1
        entries.append((key.strip(), fields))
    return entries


def bibtex_keys_in(text: str) -> set[str]:
    """The citation keys of the entries in a .bib text (not @string/@comment/@preamble)."""
    return {key for key, _ in bib_entries(text) if key}


def _doi_value(value: str) -> str:
    value = value.strip().casefold()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        value = value.removeprefix(prefix)
    return value


def _bib_contents(real: Path, data: bytes, text: str) -> ExistingFile:
    keys, eprints, dois, titles = set(), set(), set(), set()
    for key, fields in bib_entries(text):
        if key:
            keys.add(key.casefold())
        eprint = arxiv_eprint(fields.get("eprint", "").strip().removeprefix("arXiv:").removeprefix("arxiv:"))
        if eprint:
            eprints.add(eprint)
        eprints |= _eprints_in([fields.get(n, "") for n in ("url", "doi", "journal", "note", "howpublished")])
        if fields.get("doi"):
            dois.add(_doi_value(fields["doi"]))
        if fields.get("title"):
            titles.add(_loose_title(fields["title"]))
    titles.discard("")
    return ExistingFile(real, data, frozenset(keys), frozenset(eprints), frozenset(dois), frozenset(titles))


_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def _ris_contents(real: Path, data: bytes, text: str) -> ExistingFile:
    keys, eprints, dois, titles, values = set(), set(), set(), set(), []
    for line in text.splitlines():
        match = _RIS_LINE.match(line.strip("\ufeff"))
        if not match:
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        values.append(value)
        if tag == "ID" and value:
            keys.add(value.casefold())
        elif tag == "DO" and value:
            dois.add(_doi_value(value))
        elif tag in {"TI", "T1"} and value:
            titles.add(_loose_title(value))
    eprints = _eprints_in(values)
    titles.discard("")
    return ExistingFile(real, data, frozenset(keys), frozenset(eprints), frozenset(dois), frozenset(titles))


# --- writing ------------------------------------------------------------------


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no way to read it without setting it
    os.umask(mask)
    return mask


def _atomic_write(real: Path, data: bytes, info: os.stat_result | None) -> None:
    """Replace ``real`` atomically; an existing file keeps its mode and owner, a new one follows the umask."""
    mode = stat.S_IMODE(info.st_mode) if info else 0o666 & ~_umask()
    owner = (info.st_uid, info.st_gid) if info else None
    atomic_write_bytes(real, data, mode=mode, owner=owner, make_dirs=False)


def write_export(
    path: Path, text: str, *, force: bool = False, append: bool = False, existing: ExistingFile | None = None
) -> None:
    """Write an export to ``path`` (through a symlink), atomically.

    ``append`` keeps the file's bytes and adds ``text`` after a blank line,
    in the file's line ending; ``existing`` is what the caller checked for
    duplicates, and the write is refused if the file changed since.
    Otherwise an existing file is replaced only with ``force``.
    """
    shown = Path(path)
    real, info = real_target(shown)
    if append:
        data = _read(real, shown) if info is not None else b""
        if existing is not None and existing.data != data:
            raise UserError(f"{shown} changed while exporting; nothing was written, try again")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{shown} is not UTF-8 text; refusing to append to it") from None
        newline = "\r\n" if b"\r\n" in data else "\n"
        payload = text.replace("\r\n", "\n").replace("\n", newline).encode("utf-8")
        if data.strip(b"\xef\xbb\xbf \t\r\n"):
            # One blank line between the old content and the new, none added
            # where the file already ends in one.
            tail = data[-4:].replace(b"\r\n", b"\n")
            separator = "" if tail.endswith(b"\n\n") else newline if tail.endswith(b"\n") else newline * 2
            payload = data + separator.encode("ascii") + payload
        else:
            payload = data + payload
    else:
        if info is not None and not force:
            raise UserError(f"{shown} already exists; use --force to overwrite it or --append to add to it")
        payload = text.encode("utf-8")
    try:
        _atomic_write(real, payload, info)
    except OSError as exc:
        raise UserError(f"cannot write {shown}: {exc.strerror or exc}") from None
