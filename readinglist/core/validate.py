"""Checking store records against the schema before anything uses them.

Coercing a wrong-typed value and saving it back destroys what the user had
(``"tags": "vision"`` became six one-letter tags). So a record that does not
fit is reported with the file and the paper id, and nothing is written.
Each check returns the first problem as text, or None for a good record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from readinglist.core.errors import StoreError
from readinglist.core.model import OPTIONAL_FIELDS, STATUSES

MAX_NOTE_CHARS = 100_000
CHECKED_FILE = ".corpus-checked"


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _opt_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def annotation_problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "is not a record"
    for name in ("star", "status", "tags", "note"):
        if name not in record:
            return f"has no {name!r}"
    if not isinstance(record["star"], bool):
        return f"'star' is {record['star']!r}, not true or false"
    if record["status"] not in STATUSES:
        return f"'status' is {record['status']!r}, not one of {', '.join(STATUSES)}"
    if not _is_str_list(record["tags"]):
        return f"'tags' is {_short(record['tags'])}, not a list of words"
    if not isinstance(record["note"], str):
        return f"'note' is {_short(record['note'])}, not text"
    for name in ("created", "updated"):
        if not _opt_str(record.get(name)):
            return f"{name!r} is {_short(record.get(name))}, not a time"
    return None


_NONE = type(None)
_OPT = (str, _NONE)
# Top-level types, checked in one pass over the record: the common, good case
# of a 100k-paper corpus must cost a few microseconds a paper.
_PAPER_TYPES: dict[str, Any] = {
    "id": str,
    "title": str,
    "abstract": _OPT,
    "authors_truncated": bool,
    "date_inferred": bool,
    "has_code": bool,
    "date": _OPT,
    "authors": (list, _NONE),
    "affiliations": (list, _NONE),
    "categories": (list, _NONE),
    "links": (dict, _NONE),
    "sources": (list, _NONE),
    "provenance": (dict, _NONE),
    **{name: _OPT for name in ("category", "arxiv_id", "doi", "pdf_url", *OPTIONAL_FIELDS)},
    "upvotes": (int, _NONE),
}


def paper_problem(key: str, record: Any) -> str | None:
    """The first problem of a corpus record, or None."""
    if type(record) is dict and record.get("id") == key and type(record.get("title")) is str and _fits(record):
        return None
    return _paper_problem(key, record)


_LAYOUTS: dict[tuple[str, ...], tuple[Any, ...]] = {}


def _fits(record: dict[str, Any]) -> bool:
    # Records come in a handful of key layouts: the expected types of each
    # layout are looked up once, then checked by map() at C speed.
    keys = tuple(record)
    expected = _LAYOUTS.get(keys)
    if expected is None:
        expected = _LAYOUTS[keys] = tuple(_PAPER_TYPES.get(name, object) for name in keys)
    if not all(map(isinstance, record.values(), expected)):
        return False
    for name in ("authors", "affiliations", "categories"):
        values = record.get(name)
        if values:
            for value in values:
                if type(value) is not str:
                    return False
    if type(record.get("upvotes")) is bool:
        return False
    date = record.get("date")
    if date is not None and not _good_date(date):
        return False
    links = record.get("links")
    if links:
        for kind, urls in links.items():
            if type(kind) is not str or type(urls) is not list or not all(type(u) is str for u in urls):
                return False
    for source in record.get("sources") or ():
        if type(source) is not dict or type(source.get("listing")) is not str or not _is_int(source.get("line", 0)):
            return False
    provenance = record.get("provenance")
    if provenance:
        for value in provenance.values():
            if type(value) is not dict:
                return False
    return True


def _paper_problem(key: str, record: Any) -> str | None:
    if not isinstance(record, dict):
        return "is not a record"
    if not isinstance(record.get("id"), str) or not record["id"]:
        return "has no id"
    if record["id"] != key:
        return f"has id {record['id']!r} under the key {key!r}"
    if not isinstance(record.get("title"), str):
        return "has no title text"
    for name in ("authors", "affiliations", "categories"):
        if name in record and record[name] is not None and not _is_str_list(record[name]):
            return f"{name!r} is {_short(record[name])}, not a list of text"
    for name in ("authors_truncated", "date_inferred", "has_code"):
        if name in record and not isinstance(record[name], bool):
            return f"{name!r} is {_short(record[name])}, not true or false"
    for name in ("category", "abstract", "arxiv_id", "doi", "pdf_url", *OPTIONAL_FIELDS):
        if name == "upvotes":
            if record.get(name) is not None and (not isinstance(record[name], int) or isinstance(record[name], bool)):
                return f"'upvotes' is {_short(record[name])}, not a number"
        elif not _opt_str(record.get(name)):
            return f"{name!r} is {_short(record.get(name))}, not text"
    date = record.get("date")
    if date is not None and not _good_date(date):
        return f"'date' is {_short(date)}, not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
    links = record.get("links")
    if links is not None and not (isinstance(links, dict) and all(isinstance(k, str) and _is_str_list(v) for k, v in links.items())):
        return f"'links' is {_short(links)}, not kinds of links"
    sources = record.get("sources")
    if sources is not None and not (
        isinstance(sources, list)
        and all(isinstance(s, dict) and isinstance(s.get("listing"), str) and _is_int(s.get("line", 0)) for s in sources)
    ):
        return f"'sources' is {_short(sources)}, not a list of listings"
    provenance = record.get("provenance")
    if provenance is not None and not (isinstance(provenance, dict) and all(isinstance(v, dict) for v in provenance.values())):
        return f"'provenance' is {_short(provenance)}, not records"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _good_date(value: Any) -> bool:
    """YYYY-MM-DD, or as precise as the source was: YYYY-MM or YYYY (a .bib, a DOI)."""
    if not isinstance(value, str):
        return False
    padded = {4: "-01-01", 7: "-01"}.get(len(value), "")
    if not padded and len(value) < 10:
        return False
    try:
        dt.date.fromisoformat((value + padded)[:10])
    except ValueError:
        return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_annotations(path: Path, records: dict[str, Any]) -> None:
    """StoreError naming the file and the paper for the first bad record."""
    for pid, record in records.items():
        problem = annotation_problem(record)
        if problem:
            raise StoreError(bad_record_message(path, pid, problem))


def check_paper(path: Path, key: str, record: Any) -> None:
    problem = paper_problem(key, record)
    if problem:
        raise StoreError(bad_record_message(path, key, problem))


def bad_record_message(path: Path, pid: str, problem: str) -> str:
    return (
        f"{path}: the record of paper {pid!r} {problem}; the file was left untouched: "
        "fix that record by hand or run `readinglist doctor`"
    )


def schema_version_problem(record: Any) -> str | None:
    """None for a usable schema record (a positive whole number)."""
    if not isinstance(record, dict):
        return "has no schema record"
    version = record.get("version")
    if not _is_int(version) or version < 1:
        return f"has schema version {_short(version)}, which no readinglist wrote"
    return None


class CheckedStamp:
    """Remembers the (inode, mtime, size) of the corpus file last found good.

    Checking every record adds about a third to loading 100k papers, so a
    corpus already checked is not checked again until the file changes
    (any write, by us or by hand, gives it a new stamp).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def holds(self, stamp: tuple[int, int, int] | None) -> bool:
        if stamp is None:
            return False
        try:
            return self.path.read_text(encoding="ascii").strip() == " ".join(map(str, stamp))
        except (OSError, UnicodeDecodeError):
            return False

    def remember(self, stamp: tuple[int, int, int] | None) -> None:
        if stamp is None:
            return
        from readinglist.core.fileio import atomic_write_bytes

        try:
            atomic_write_bytes(self.path, " ".join(map(str, stamp)).encode("ascii"))
        except OSError:
            pass  # only a speed-up
