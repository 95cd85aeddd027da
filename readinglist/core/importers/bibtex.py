"""BibTeX files, read with bibtexparser v2.

bibtexparser splits the file into entries, resolves ``@String`` macros and
removes each value's outer braces or quotes. Names and LaTeX are handled
here, because its name middleware drops the braces that mark a corporate
author (``{World Health Organization}`` is one name, not three words).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from readinglist.core.importers.common import BIBTEX, ImportResult, arxiv_in, clean_doi, iso_date, make_paper, one_line, safe_url
from readinglist.core.parse import ParseError, Problem

_MONTHS = {name: i for i, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_ENTRY_START = re.compile(r"^\s*@\s*(?!string\b|comment\b|preamble\b)[A-Za-z]+\s*[{(]", re.IGNORECASE | re.MULTILINE)
# Fields a crossref'd entry inherits from its parent when it lacks them.
_INHERITED = ("booktitle", "year", "month", "publisher", "editor", "volume", "series", "address", "organization")
_CONTAINERS = {"proceedings", "book", "mvproceedings", "mvbook", "collection"}


def looks_like_bibtex(head: str) -> bool:
    return bool(_ENTRY_START.search(head))


def parse_bibtex(text: str, listing: str) -> ImportResult:
    import bibtexparser

    result = ImportResult(listing=listing, layout=BIBTEX)
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # its warnings are reported as problems instead
    try:
        library = bibtexparser.parse_string(text)
    except Exception as exc:  # noqa: BLE001 - a parser bug must stay this file's one-line error
        raise ParseError(listing, f"could not be read as BibTeX ({type(exc).__name__}: {str(exc)[:100]})") from None
    finally:
        logger.setLevel(level)
    for block in library.failed_blocks:
        what = "duplicate entry key" if type(block).__name__ == "DuplicateBlockKeyBlock" else "entry could not be read"
        result.problems.append(Problem(listing, int(block.start_line or 0) + 1, f"{what}: skipped"))
    macros = {m.key.lower(): str(m.value) for m in library.strings}
    for entry in library.entries:
        for item in entry.fields:
            if isinstance(item.value, str) and "#" in item.value:
                item.value = _concatenate(item.value, macros)
    entries = {e.key.lower(): e for e in library.entries}
    parents = {str(_value(e, "crossref") or "").lower() for e in library.entries} - {""}
    papers = []
    for entry in library.entries:
        line = int(entry.start_line or 0) + 1
        if entry.key.lower() in parents and entry.entry_type.lower() in _CONTAINERS:
            continue  # a crossref target is the proceedings volume, not a paper
        fields = {f.key.lower(): f.value for f in entry.fields}
        parent = entries.get(str(fields.get("crossref") or "").lower())
        if parent is not None:
            _inherit(fields, parent)
        paper = _paper(entry.entry_type.lower(), entry.key, fields, listing, line)
        if paper is None:
            result.problems.append(Problem(listing, line, f"@{entry.entry_type}{{{entry.key}}} has no title: skipped"))
            continue
        keywords = [k for k in re.split(r"[;,]", _latex(fields.get("keywords") or "")) if k.strip()]
        if keywords:
            result.tags[paper.id] = [one_line(k) for k in keywords]
        papers.append(paper)
    result.papers = papers
    result.parsed = len(papers)
    return result


def _concatenate(value: str, macros: dict[str, str]) -> str:
    """``me # " and others"``: bibtexparser leaves ``#`` joins to us."""
    parts = _split_top_level(value, "#")
    if len(parts) < 2:
        return value
    out = []
    for part in parts:
        part = part.strip()
        if len(part) >= 2 and part[0] + part[-1] in ('""', "{}"):
            out.append(part[1:-1])
        else:
            out.append(macros.get(part.lower(), part))
    return "".join(out)


def _value(entry: Any, key: str) -> Any:
    field = entry.fields_dict.get(key) or next((f for f in entry.fields if f.key.lower() == key), None)
    return field.value if field is not None else None


def _inherit(fields: dict[str, Any], parent: Any) -> None:
    theirs = {f.key.lower(): f.value for f in parent.fields}
    if "booktitle" not in fields and "title" in theirs and parent.entry_type.lower() in _CONTAINERS:
        fields["booktitle"] = theirs.get("booktitle") or theirs["title"]
    for key in _INHERITED:
        if key not in fields and theirs.get(key):
            fields[key] = theirs[key]


def _paper(kind: str, key: str, fields: dict[str, Any], listing: str, line: int):  # noqa: ANN202
    title = one_line(_latex(fields.get("title") or ""))
    if not title:
        return None
    authors, truncated = split_authors(str(fields.get("author") or ""))
    eprint = str(fields.get("eprint") or "")
    prefix = str(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    arxiv = arxiv_in(eprint if (prefix == "arxiv" or not prefix) else "", fields.get("url"), fields.get("doi"), fields.get("journal"), fields.get("note"))
    url = safe_url(fields.get("url"))
    if url and arxiv and "arxiv.org" in url:
        url = None  # the arXiv id already gives the abs page
    venue = fields.get("journal") or fields.get("booktitle")
    if venue and arxiv_in(venue) and "arxiv" in str(venue).lower():
        venue = None  # "arXiv preprint arXiv:2304.07193" is not a venue
    category = one_line(fields.get("primaryclass") or "") or None
    return make_paper(
        title,
        listing,
        line,
        abstract=_latex(fields.get("abstract") or ""),
        authors=authors,
        authors_truncated=truncated,
        date=_date(fields),
        arxiv_id=arxiv,
        doi=clean_doi(fields.get("doi")),
        url=url,
        category=category if arxiv else None,
        pub_type=kind,
        venue=one_line(_latex(venue)) or None if venue else None,
        volume=one_line(fields.get("volume")) or None,
        issue=one_line(fields.get("number") or fields.get("issue")) or None,
        pages=re.sub(r"\s*(?:-+|–|—)\s*", "-", one_line(_latex(fields.get("pages") or ""))) or None,  # "770--778" -> "770-778", as CSL writes it
        publisher=one_line(_latex(fields.get("publisher") or "")) or None,
        citation_key=one_line(key) or None,
    )


def _date(fields: dict[str, Any]) -> str | None:
    date = str(fields.get("date") or "").strip()
    match = re.match(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", date)
    if match:
        return iso_date(*match.groups())
    month = str(fields.get("month") or "").strip().lower()
    number = _MONTHS.get(month[:3]) if month[:3] in _MONTHS else (int(month) if month.isdigit() else None)
    return iso_date(fields.get("year"), number)


def split_authors(text: str) -> tuple[list[str], bool]:
    """BibTeX names: ``A and B``, ``Last, First``, ``{Corporate Name}``, ``and others``."""
    names, truncated = [], False
    for raw in _split_top_level(text):
        if raw.lower() == "others":
            truncated = True
            continue
        if raw.startswith("{") and raw.endswith("}") and _balanced(raw[1:-1]):
            names.append(one_line(_latex(raw[1:-1])))  # a corporate author, kept whole
            continue
        parts = [p.strip() for p in _split_top_level(raw, ",")]
        if len(parts) == 2:
            raw = f"{parts[1]} {parts[0]}"
        elif len(parts) >= 3:
            raw = f"{parts[2]} {parts[0]} {parts[1]}"  # Last, Jr, First
        name = one_line(_latex(raw))
        if name:
            names.append(name)
    return names, truncated


def _split_top_level(text: str, separator: str = " and ") -> list[str]:
    """Split on ``separator`` outside braces (``{Smith and Sons}`` is one name)."""
    pieces, depth, start, i = [], 0, 0, 0
    lowered = " ".join(text.split()) if separator == " and " else text
    source = lowered
    lowered = lowered.lower()
    while i < len(source):
        ch = source[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == '"' and separator == "#":
            depth = 0 if depth == -1 else (-1 if depth == 0 else depth)  # inside a "..." part
        elif depth == 0 and lowered.startswith(separator, i):
            pieces.append(source[start:i].strip())
            i += len(separator)
            start = i
            continue
        i += 1
    pieces.append(source[start:].strip())
    return [p for p in pieces if p]


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


_CONVERTER = None
_LOGOS = re.compile(r"\\(LaTeX|TeX|BibTeX|XeTeX|LuaTeX)\b(?:\{\})?")


def _latex(text: object) -> str:
    """LaTeX accents and commands to Unicode, braces removed."""
    value = str(text or "")
    if not any(ch in value for ch in "\\{}$~"):
        return value
    global _CONVERTER
    if _CONVERTER is None:
        from pylatexenc.latex2text import LatexNodes2Text

        _CONVERTER = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)
    value = _LOGOS.sub(lambda m: m.group(1), value)  # pylatexenc drops these
    try:
        return _CONVERTER.latex_to_text(value)
    except Exception:  # noqa: BLE001 - malformed LaTeX: keep the text, minus braces
        return value.replace("{", "").replace("}", "")
