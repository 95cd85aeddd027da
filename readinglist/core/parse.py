"""Parsing the three listing layouts into papers.

Layouts are detected per file from its content, never from its name:

- metadata: three lines a paper: ``<CAT><Mon D[, YYYY]>[Code]``, then the
  title glued to the author list (`` · affiliations`` optional), then the
  abstract.
- daily: header lines, then title and abstract lines separated by blanks.
- compact: header lines, the first title glued to ``Subscribe``, then title
  and abstract lines with no blank lines.

Titles and abstracts are told apart by their shape (length, sentences), not
by position, so one missing line is reported and does not shift the papers
after it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from readinglist.core.errors import UserError
from readinglist.core.links import links_by_kind
from readinglist.core.model import Paper, Source
from readinglist.core.text import clean_text, paper_id

METADATA, DAILY, COMPACT = "metadata", "daily", "compact"
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_LINE_CHARS = 100_000  # abstracts run to ~3,000; anything this long is not a listing
MAX_SPLIT_CHARS = 2_000  # a title and its author list; longer lines are not split

CATEGORY_CODES = {
    "CV": "cs.CV",
    "CL": "cs.CL",
    "LG": "cs.LG",
    "AI": "cs.AI",
    "SD": "cs.SD",
    "IV": "eess.IV",
    "RO": "cs.RO",
    "IR": "cs.IR",
    "NE": "cs.NE",
    "MM": "cs.MM",
    "HC": "cs.HC",
    "CR": "cs.CR",
    "AS": "eess.AS",
    "SP": "eess.SP",
}
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_MONTH_RE = "|".join(_MONTHS)
_META_LINE = re.compile(
    rf"^(?P<code>[A-Z]{{2,4}}?)(?P<mon>{_MONTH_RE}) (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?(?P<code_flag>Code)?$"
)
_META_LINE_MAX = 4 + len("Sep 30, 2024") + len("Code")
_DATE_LINE = re.compile(rf"^(?:{_MONTH_RE}) \d{{1,2}}(?:, \d{{4}})?$")
_KNOWN_HEADERS = {
    "new",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
_HEADER_PREFIXES = ("get trending papers",)
_SENTENCE_END = re.compile(r"[.!?](?:\s+|$)(?=[A-Z(\[\"'0-9]|$)")


class ParseError(UserError):
    """A whole file could not be read as a listing."""

    def __init__(self, listing: str, message: str) -> None:
        super().__init__(f"{listing}: {message}")
        self.listing = listing
        self.reason = message


@dataclass(slots=True)
class Problem:
    """Something in a listing that was skipped or kept with a caveat."""

    listing: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.listing}:{self.line}: {self.message}"


@dataclass
class ParseResult:
    listing: str
    layout: str
    papers: list[Paper] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_file(path: Path, *, year: int | None = None, today: dt.date | None = None) -> ParseResult:
    """Parse one listing file; ``ParseError`` if it is not a readable listing.

    A large metadata listing is parsed in two halves at once (see
    core/parse_parts.py), with the same result.
    """
    path = Path(path)
    name = path.name or str(path)
    today = today or dt.date.today()
    if path.is_dir():
        raise ParseError(str(path), "is a directory, not a listing file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ParseError(str(path), f"is {size // (1024 * 1024)} MB; listings over {MAX_FILE_BYTES // (1024 * 1024)} MB are refused")
    except FileNotFoundError:
        raise ParseError(str(path), "no such file") from None
    except OSError as exc:
        raise ParseError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    from readinglist.core.parse_parts import LISTING, is_entry_line, start_helper

    # The helper also starts an interpreter and packs its papers: it takes a little less than half.
    helper = start_helper(LISTING, path, size, 0.54, is_entry_line, year=year, today=today)
    if helper is not None:
        try:
            return _parse_in_halves(path, name, helper, year=year, today=today)
        except _WholeFile:
            pass  # not a metadata listing, or a half is not a clean one: parsed whole, for the exact message
        finally:
            helper.stop()
    try:
        lines = decoded_lines(read_bytes(path), str(path))
        return parse_lines(lines, name, year=year, today=today)
    except ParseError as exc:
        raise ParseError(str(path), exc.reason) from None


class _WholeFile(Exception):
    """Parse the whole file in this process after all."""


def _parse_in_halves(path: Path, name: str, helper, *, year: int | None, today: dt.date) -> ParseResult:  # type: ignore[no-untyped-def]
    """The first half parsed here while the helper parses the second."""
    import time

    started = time.monotonic()
    try:
        lines = decoded_lines(read_bytes(path, end=helper.offset), str(path))
    except ParseError:
        raise _WholeFile from None
    lines.pop()  # the empty text after the half's last line feed: the second half starts there
    if any(len(line) > MAX_LINE_CHARS for line in lines) or detect_layout(lines) != METADATA:
        raise _WholeFile
    result = ParseResult(listing=name, layout=METADATA)
    _parse_metadata(lines, result, year=year, today=today)
    first = len(lines) + 1
    del lines
    answer = helper.answer(name, first - 1, time.monotonic() - started)
    if answer is None:
        from readinglist.core.parse_parts import parse_part

        try:
            answer = parse_part(read_bytes(path, helper.offset), name, year=year, today=today, first=first)
        except ParseError:
            raise _WholeFile from None
    papers, problems = answer
    result.papers += papers
    result.problems += problems
    return result


def read_bytes(path: Path, start: int = 0, end: int | None = None) -> bytes:
    """The file's bytes from ``start`` to ``end`` (its end); ``ParseError`` past ``MAX_FILE_BYTES``."""
    # Read at most one byte past the cap: /dev/zero or a growing file
    # must not exhaust memory before the size check.
    stop = MAX_FILE_BYTES + 1 if end is None else min(end, MAX_FILE_BYTES + 1)
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            raw = handle.read(max(0, stop - start))
    except FileNotFoundError:
        raise ParseError(str(path), "no such file") from None
    except OSError as exc:
        raise ParseError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    if start + len(raw) > MAX_FILE_BYTES:
        raise ParseError(str(path), f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; listings that big are refused")
    return raw


def decode(raw: bytes, listing: str) -> str:
    """UTF-8 text without a BOM, or ``ParseError`` for anything binary."""
    if b"\x00" in raw:
        raise ParseError(listing, "is a binary file (contains NUL bytes), not a text listing")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(listing, f"is not UTF-8 text (invalid byte at offset {exc.start})") from None
    return text


def decoded_lines(raw: bytes, listing: str) -> list[str]:
    """``decode(raw)`` split into lines (``\\r\\n``, ``\\r`` or ``\\n``), each
    cleaned and stripped as :func:`parse_text` does, without ever holding the
    decoded text whole: a 150 MB listing with one non-Latin-1 name would be
    300 MB of text beside the bytes and the lines. It is decoded a block of
    whole lines at a time (a cut after ``\\n`` never splits a character).
    """
    if b"\x00" in raw:
        decode(raw, listing)  # raises: a binary file
    lines: list[str] = []
    codec = "utf-8-sig"  # a byte-order mark is dropped at the start of the file only
    start, size = 0, len(raw)
    try:
        while True:
            end = raw.find(b"\n", min(start + _DECODE_BLOCK, size))
            end = size if end < 0 else end + 1
            piece = raw[start:end]
            text = piece.decode(codec)
            codec = "utf-8"
            if "\r" in text:  # \r\n and a lone \r are line breaks too
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            block = text.split("\n")
            if end < size:
                block.pop()  # the empty text after the block's last \n: the next block starts there
            if piece.translate(None, _PRINTABLE_ASCII).translate(None, _NON_ASCII):
                lines.extend([clean_text(line).strip() for line in block])  # ASCII controls (or \r) somewhere
            else:
                # No ASCII control characters: an ASCII line is printable, and
                # clean_text() would return it as it is.
                lines.extend([line.strip() if line.isascii() else clean_text(line).strip() for line in block])
            if end >= size:
                return lines
            start = end
    except UnicodeDecodeError:
        decode(raw, listing)  # raises, naming the offset in the whole file
        raise


_DECODE_BLOCK = 1 << 20
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
_NON_ASCII = bytes(range(0x80, 0x100))


def parse_text(text: str, listing: str, *, year: int | None = None, today: dt.date | None = None) -> ParseResult:
    lines = [clean_text(line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return parse_lines(lines, listing, year=year, today=today)


def parse_lines(lines: list[str], listing: str, *, year: int | None = None, today: dt.date | None = None) -> ParseResult:
    """Parse a listing's lines, already cleaned and stripped (see :func:`parse_text`)."""
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            raise ParseError(
                listing, f"line {number} is {len(line):,} characters long; no listing line is longer than {MAX_LINE_CHARS:,}"
            )
    layout = detect_layout(lines)
    if layout is None:
        raise ParseError(listing, "is not a listing in any known layout (metadata, daily or compact): no paper entries found")
    result = ParseResult(listing=listing, layout=layout)
    if layout == METADATA:
        _parse_metadata(lines, result, year=year, today=today or dt.date.today())
    else:
        _parse_pairs(lines, result)
    return result


def detect_layout(lines: list[str]) -> str | None:
    content = [line for line in lines if line]
    if not content:
        return None
    if _META_LINE.match(content[0]) or sum(1 for line in content[:30] if _META_LINE.match(line)) >= 2:
        return METADATA
    if not any(is_abstract(line) for line in content):
        return None
    has_blank_separators = any(not line for line in lines[1:-1])
    return DAILY if has_blank_separators else COMPACT


def is_header(line: str) -> bool:
    lowered = line.casefold()
    return lowered in _KNOWN_HEADERS or lowered.startswith(_HEADER_PREFIXES) or bool(_DATE_LINE.match(line))


def is_abstract(line: str) -> bool:
    """An abstract is long prose; a title is short and rarely a full sentence."""
    length = len(line)
    if length >= 300:
        return True
    if length < 60:
        return False
    sentences = len(_SENTENCE_END.findall(line))
    return sentences >= 2 or (line.endswith(".") and len(line.split()) >= 14)


def _strip_glued_header(line: str) -> str:
    """``SubscribePre-training X`` -> ``Pre-training X`` (compact layout)."""
    for header in ("Subscribe", "Daily Papers"):
        if line.startswith(header) and len(line) > len(header):
            rest = line[len(header) :]
            if rest[0].isupper() or rest[0].isdigit():
                return rest.strip()
    return line


def _parse_pairs(lines: list[str], result: ParseResult) -> None:
    entries = [(number, line) for number, line in enumerate(lines, 1) if line]
    start = _header_end(entries)
    pending: tuple[int, str] | None = None
    for number, line in entries[start:]:
        if is_header(line):
            continue
        line = _strip_glued_header(line)
        if is_abstract(line):
            if pending is None:
                result.problems.append(Problem(result.listing, number, "abstract without a title: skipped"))
                continue
            result.papers.append(_paper(pending[1], line, result.listing, pending[0]))
            pending = None
        else:
            if pending is not None:
                result.problems.append(
                    Problem(result.listing, pending[0], "title without an abstract: kept with no abstract")
                )
                result.papers.append(_paper(pending[1], "", result.listing, pending[0]))
            pending = (number, line)
    if pending is not None:
        result.problems.append(Problem(result.listing, pending[0], "title without an abstract: kept with no abstract"))
        result.papers.append(_paper(pending[1], "", result.listing, pending[0]))


def _header_end(entries: list[tuple[int, str]]) -> int:
    """Index of the first entry line after the listing's header block.

    The header ends at its date line (daily layout) or at the line where the
    first title is glued to ``Subscribe`` (compact). Without either, known
    header lines are skipped and the last line before the first abstract is
    taken as the first title.
    """
    first_abstract = next((i for i, (_, line) in enumerate(entries) if is_abstract(line)), len(entries))
    head = entries[:first_abstract]
    for i, (_, line) in enumerate(head):
        if _DATE_LINE.match(line):
            return i + 1
        if _strip_glued_header(line) != line:
            return i
    if not head:
        return 0
    return max(0, first_abstract - 1) if all(is_header(line) for _, line in head[:-1]) else _first_non_header(head)


def _first_non_header(head: list[tuple[int, str]]) -> int:
    for i, (_, line) in enumerate(head):
        if not is_header(line):
            return i
    return len(head)


def _paper(title: str, abstract: str, listing: str, line: int, **fields) -> Paper:
    title = " ".join(title.split())
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=abstract,
        links=links_by_kind(abstract),
        has_code=bool(fields.pop("has_code", False)),
        sources=[Source(listing, line)],
        **fields,
    )


def _parse_metadata(lines: list[str], result: ParseResult, *, year: int | None, today: dt.date, first: int = 1) -> None:
    numbered = [(number, line) for number, line in enumerate(lines, first) if line]
    dates: dict[tuple[str, ...], tuple[str | None, bool]] = {}  # a listing has a few hundred distinct days
    # Where the entries start: each line is matched once (a metadata line
    # is at most 20 characters: "CVSep 30, 2024Code"; longer ones are not tried).
    match_meta = _META_LINE.match
    starts = [k for k, (_, line) in enumerate(numbered) if len(line) <= _META_LINE_MAX and match_meta(line)]
    for number, _ in numbered[: starts[0] if starts else len(numbered)]:
        result.problems.append(Problem(result.listing, number, "line before the first entry: ignored"))
    starts.append(len(numbered))
    listing, papers, problems = result.listing, result.papers, result.problems
    for i, j in zip(starts, starts[1:]):
        meta_number, meta_line = numbered[i]
        match = match_meta(meta_line)
        assert match is not None
        if j == i + 1:
            problems.append(Problem(listing, meta_number, "entry with no title line: skipped"))
            continue
        head_number, head = numbered[i + 1]
        abstract = " ".join([line for _, line in numbered[i + 2 : j]])
        if not abstract:
            problems.append(Problem(listing, head_number, "entry without an abstract: kept with no abstract"))
        title, authors, truncated, affiliations = split_title_authors(head)
        if not authors:
            problems.append(
                Problem(listing, head_number, "could not tell the title from the authors: kept the whole line as the title")
            )
        code = match["code"]
        category = CATEGORY_CODES.get(code)
        if category is None:
            category = code
            problems.append(Problem(listing, meta_number, f"unknown category code {code!r}: kept as is"))
        date_key = match.group("mon", "day", "year")
        dated = dates.get(date_key)
        if dated is None:
            dated = dates[date_key] = _entry_date(match, year, today)
        date, inferred = dated
        if date is None:
            problems.append(Problem(listing, meta_number, f"invalid date in {meta_line!r}: left empty"))
        # The fields in one call, not through _paper(**fields): 100k papers a
        # listing, and building and unpacking its keyword dict was ~5% of the parse.
        title = " ".join(title.split())
        links = links_by_kind(abstract)
        papers.append(
            Paper(
                id=paper_id(title),
                title=title,
                authors=authors,
                authors_truncated=truncated,
                affiliations=affiliations,
                category=category,
                date=date,
                date_inferred=inferred,
                abstract=abstract,
                has_code=bool(match["code_flag"]) or bool(links.get("code")),
                links=links,
                sources=[Source(listing, head_number)],
            )
        )


def _entry_date(match: re.Match[str], year: int | None, today: dt.date) -> tuple[str | None, bool]:
    month, day = _MONTHS[match["mon"]], int(match["day"])
    try:
        if match["year"]:
            return dt.date(int(match["year"]), month, day).isoformat(), False
        if year is not None:
            return dt.date(year, month, day).isoformat(), True
        # No year given: the listing was captured this year, and a listing
        # cannot show a date after the day it was captured.
        candidate = dt.date(today.year, month, day)
        if candidate > today:
            candidate = dt.date(today.year - 1, month, day)
        return candidate.isoformat(), True
    except ValueError:
        return None, False


# --- title / author split -------------------------------------------------

_PARTICLES = {"van", "von", "de", "der", "den", "di", "da", "du", "la", "le", "del", "dos", "das", "ter", "bin", "al", "el"}
_ET_AL = re.compile(r"\s*,?\s*et al\.?$")
# \S is str.isspace()'s complement; [A-Z] are the only ASCII upper-case letters.
# The letter comes first in the pattern, so the scan skips to the next one in
# C (a third faster than a look-behind tried at every position).
_SPLIT_CANDIDATE = re.compile(r"[A-Z\x80-\U0010ffff](?<=\S[A-Z\x80-\U0010ffff])")


def split_title_authors(line: str) -> tuple[str, list[str], bool, list[str]]:
    """Split ``<title><Author, Author et al.>[ · affiliations]``.

    The title and the first author are glued with no separator, so the split
    is the earliest position where an upper-case letter follows a non-space
    and everything after it reads as an author list whose first name is a
    well-formed personal name. Returns (title, authors, truncated, affiliations).
    """
    affiliations: list[str] = []
    if " · " in line:
        line, _, aff = line.rpartition(" · ")
        affiliations = [a.strip() for a in aff.split(",") if a.strip()]
    if len(line) > MAX_SPLIT_CHARS:
        return line.strip(), [], False, affiliations  # each try below is O(n): stay linear
    # Candidates: an upper-case letter after a non-space. The regex finds the
    # ASCII ones (and every non-ASCII letter, checked with isupper()) in C.
    for match in _SPLIT_CANDIDATE.finditer(line):
        pos = match.start()
        if line[pos] > "\x7f" and not line[pos].isupper():
            continue
        parsed = _parse_author_list(line[pos:])
        if parsed is not None:
            title = line[:pos].strip()
            if title:
                return title, parsed[0], parsed[1], affiliations
    return line.strip(), [], False, affiliations


def _parse_author_list(text: str) -> tuple[list[str], bool] | None:
    # Most candidate split points fail on the first name: check it first.
    head = text.split(",", 1)[0]
    et_al = "et al" in text  # the regex's literal: most lines have none, and the regex scans the whole text
    if not _is_strict_name(_ET_AL.sub("", head) if et_al and "," not in text else head):
        return None
    truncated = et_al and bool(_ET_AL.search(text))
    if truncated:
        text = _ET_AL.sub("", text)
    names = [n.strip() for n in text.split(",")]
    if not names or not all(names):
        return None
    if len(names) > 1:
        # The other names are loosely checked: at most six words, a capital
        # first, no digit or colon. The regex runs once over them all (what
        # follows the first comma is those names, commas and spaces).
        if _NOT_IN_NAMES.search(text, text.index(",") + 1):
            return None
        for name in names[1:]:
            if name.count(" ") > 5 or not name[0].isupper():
                return None
    return names, truncated


def _is_strict_name(name: str) -> bool:
    tokens = name.split()
    if not 2 <= len(tokens) <= 4:
        return False
    return all(_is_name_token(t) for t in tokens) and not tokens[-1].endswith(".")


def _is_name_token(token: str) -> bool:
    if token in _PARTICLES:
        return True
    if len(token) == 2 and token[0].isupper() and token[1] == ".":
        return True  # an initial, "S."
    for part in token.split("-"):
        if not part or not part[0].isupper():
            if part and part.islower() and token.index(part) > 0:
                continue  # "Jean-baptiste"
            return False
        rest = part[1:].replace("'", "").replace("’", "")
        if rest and not (rest.isalpha() and rest.islower()):
            return False
        if not rest and len(token) == 1:
            return False  # a bare capital is not a name
    return True


_NOT_IN_NAMES = re.compile(r"[:\d]")

