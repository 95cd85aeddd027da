"""Export papers to BibTeX and Markdown, and write the result to a file.

Pure functions: the caller chooses the papers (starred, a query, a tag...)
and passes them with their annotations. Paper text is untrusted: control
sequences are stripped, only http(s) URLs are exported, and every character
that BibTeX, LaTeX or Markdown would interpret is escaped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote

from pylatexenc.latexencode import (
    RULE_DICT,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
)

from readinglist.core.errors import UserError
from readinglist.core.fileio import atomic_write_text
from readinglist.core.links import arxiv_abs_url, arxiv_eprint, arxiv_search_url
from readinglist.core.model import DEFAULT_ANNOTATION, STATUSES, Annotation, Paper
from readinglist.core.text import clean_text, fold, is_safe_url

GROUPINGS = ("status", "tag", "none")
# What is in progress first; a status added to the model later still gets a section.
STATUS_ORDER = ("reading", "unread", "read")
STATUS_ORDER += tuple(s for s in STATUSES if s not in STATUS_ORDER)


# --- BibTeX: field values ------------------------------------------------

# BibTeX counts braces without looking at backslashes, so the usual \{ and \}
# would unbalance the field; the text-mode commands keep it balanced.
_LATEX_RULES = [
    UnicodeToLatexConversionRule(
        RULE_DICT,
        {ord("{"): r"\textbraceleft", ord("}"): r"\textbraceright"},
    ),
    "defaults",
]


def _unknown_char(char: str) -> str:
    """A character pdflatex cannot typeset: its ASCII look-alike, or nothing.

    Emoji, other symbols and stray combining marks are dropped; a letter
    with no LaTeX form (e.g. CJK) becomes ``?`` so the reader sees that
    something was there.
    """
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char and all(ord(c) < 128 for c in decomposed):
        return _escape_ascii_only(decomposed)
    if unicodedata.category(char)[0] in "SCZM":
        return ""
    return "?"


def _escape_ascii_only(text: str) -> str:
    return "".join(_ASCII_ENCODER.unicode_to_latex(c) for c in text)


_ASCII_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=_LATEX_RULES,
    replacement_latex_protection="braces-all",
    unknown_char_policy="ignore",
    unknown_char_warning=False,
)
# "braces-all" puts every replacement in a group ({\'e}), the form BibTeX
# treats as one "special character" when sorting, abbreviating and changing case.
_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=_LATEX_RULES,
    replacement_latex_protection="braces-all",
    unknown_char_policy=_unknown_char,
    unknown_char_warning=False,
)


def latex_escape(text: str) -> str:
    """Plain (untrusted) text as LaTeX that typesets to the same characters."""
    # NFC first: a decomposed "e" + combining accent has a LaTeX form only as "é".
    return _ENCODER.unicode_to_latex(unicodedata.normalize("NFC", clean_text(text)))


def latex_title(title: str) -> str:
    """The title as LaTeX, with every word holding a capital letter in braces.

    Bibliography styles lowercase titles; the braces keep ``{CLIP}`` and
    ``{Transformers}`` as written.
    """
    parts = []
    for word in clean_text(title).split():
        encoded = latex_escape(word)
        # A group opening with a backslash is a BibTeX "special character"
        # whose letters still change case: the extra braces avoid that.
        parts.append(f"{{{encoded}}}" if any(c.isupper() for c in word) and encoded else encoded)
    return " ".join(p for p in parts if p)


_ET_AL = re.compile(r"^(et\.?\s*al\.?|others)$", re.IGNORECASE)


def latex_authors(authors: Iterable[str], truncated: bool) -> str:
    """Authors joined with ``and``; a list that ended in "et al." ends in ``others``."""
    names = []
    for author in authors:
        name = " ".join(clean_text(author).split())
        if not name or _ET_AL.match(name):
            truncated = truncated or bool(name)
            continue
        encoded = latex_escape(name)
        # A comma or a lone "and" would split the name in BibTeX's parser.
        if "," in name or re.search(r"(?i)(^|\s)and(\s|$)", name):
            encoded = f"{{{encoded}}}"
        names.append(encoded)
    if truncated and names:
        names.append("others")
    return " and ".join(names)


def _quoted_url(url: str | None, safe: str) -> str | None:
    """A cleaned http(s) URL with everything outside ``safe`` percent-encoded, or None."""
    if not url:
        return None
    url = clean_text(url).strip()
    if not is_safe_url(url):
        return None
    return quote(url, safe=safe)


def bib_url(url: str | None) -> str | None:
    """An http(s) URL made safe for a BibTeX field (braces and backslashes encoded)."""
    return _quoted_url(url, "%/:?#[]@!$&'()*+,;=-._~")


_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_DOI = re.compile(r"^10\.\d{4,9}/[^\s{}\\%\"]+$")


def _doi(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip().removeprefix("https://doi.org/").removeprefix("doi:")
    return doi if _DOI.match(doi) else None


# --- BibTeX: keys ------------------------------------------------------

_STOPWORDS = frozenset(
    "a an and are as at be by do does for from how in into is it its of on or our "
    "over than that the these this to toward towards via we what when where which why with without".split()
)
_KEY_TITLE_WORDS = 4  # as arXiv's own export does
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Letters that accent-stripping leaves non-ASCII.
_TRANSLITERATE = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})


def _ascii_words(text: str) -> list[str]:
    return _ASCII_WORD.findall(fold(text).translate(_TRANSLITERATE))


def base_key(paper: Paper) -> str:
    """Surname + year + first non-stopword title words, lowercase ASCII."""
    surname = ""
    if paper.authors:
        first = clean_text(paper.authors[0]).strip()
        last = first.split(",")[0] if "," in first else (first.split() or [""])[-1]
        surname = "".join(_ascii_words(last))
    title_words = [w for w in _ascii_words(clean_text(paper.title)) if w not in _STOPWORDS]
    key = f"{surname}{paper.year or ''}{''.join(title_words[:_KEY_TITLE_WORDS])}"
    if not key or not key[0].isalpha():
        key = f"paper{key}" if key else f"paper{paper.id}"
    return key


def _suffixes() -> Iterable[str]:
    """a, b, ..., z, aa, ab, ...: the spreadsheet-column sequence."""
    n = 0
    while True:
        n += 1
        label, m = "", n
        while m:
            m, r = divmod(m - 1, 26)
            label = chr(ord("a") + r) + label
        yield label


def assign_keys(papers: list[Paper], existing_keys: Iterable[str] = frozenset()) -> dict[str, str]:
    """A unique citation key per paper id.

    Papers sharing a base key all get suffixes a, b, ... in paper-id order,
    so the keys do not depend on the order the papers were given in. Keys
    already taken (``existing_keys``, e.g. from a file being appended to)
    are skipped; BibTeX compares keys without case, so do we.
    """
    taken = {k.casefold() for k in existing_keys}
    groups: dict[str, list[Paper]] = {}
    for paper in papers:
        groups.setdefault(base_key(paper), []).append(paper)
    keys: dict[str, str] = {}
    for base in sorted(groups):
        members = sorted(groups[base], key=lambda p: p.id)
        if len(members) == 1 and base not in taken:
            keys[members[0].id] = base
            taken.add(base)
            continue
        labels = (base + s for s in _suffixes())
        for paper in members:
            key = next(k for k in labels if k not in taken)
            keys[paper.id] = key
            taken.add(key)
    return keys


_KEY_IN_TEXT = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^\s,{}()\"#%'=]+)\s*,")


def bibtex_keys_in(text: str) -> set[str]:
    """The citation keys of the entries in a .bib text (not @string/@comment/@preamble)."""
    return {
        match.group(2)
        for match in _KEY_IN_TEXT.finditer(text)
        if match.group(1).lower() not in {"string", "comment", "preamble"}
    }


# --- BibTeX: entries -----------------------------------------------------


def bibtex_entry(paper: Paper, key: str) -> str:
    """One ``@misc`` entry: arXiv's own export shape when the arXiv id is known."""
    title = latex_title(paper.title) or "{Untitled}"
    fields: list[tuple[str, str]] = [("title", title)]
    authors = latex_authors(paper.authors, paper.authors_truncated)
    if authors:
        fields.append(("author", authors))
    else:
        # plain.bst and friends sort by author, else by `key`, and warn when both are missing.
        fields.append(("key", latex_escape(paper.title) or "Untitled"))
    if paper.year:
        fields.append(("year", str(paper.year)))
    eprint = arxiv_eprint(paper.arxiv_id)
    if eprint:
        fields.append(("eprint", eprint))
        fields.append(("archivePrefix", "arXiv"))
        if paper.category and _CATEGORY.match(paper.category):
            fields.append(("primaryClass", paper.category))
        fields.append(("url", arxiv_abs_url(eprint) or ""))
    else:
        url = _first_url(paper.pdf_url, *paper.links.get("project", []), *paper.links.get("other", []))
        if url:
            fields.append(("url", url))
        listings = [clean_text(name) for name in paper.listings]
        if listings:
            label = "listing" if len(listings) == 1 else "listings"
            fields.append(("note", f"From the {label} {latex_escape(', '.join(listings))}"))
    doi = _doi(paper.doi)
    if doi:
        fields.append(("doi", doi))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@misc{{{key},\n{body}}}\n"


def _first_url(*candidates: str | None) -> str | None:
    for candidate in candidates:
        url = bib_url(candidate)
        if url:
            return url
    return None


def _distinct(papers: Iterable[Paper]) -> list[Paper]:
    seen: dict[str, Paper] = {}
    for paper in papers:
        seen.setdefault(paper.id, paper)
    return list(seen.values())


def to_bibtex(papers: Iterable[Paper], existing_keys: Iterable[str] = frozenset()) -> str:
    """The papers as BibTeX entries, in the order given, with unique keys.

    The user's notes and tags are private and stay out of the bibliography.
    """
    papers = _distinct(papers)
    keys = assign_keys(papers, existing_keys)
    return "\n".join(bibtex_entry(p, keys[p.id]) for p in papers)


# --- Markdown ------------------------------------------------------------

# Every ASCII punctuation character may be backslash-escaped in CommonMark;
# these are the ones that start inline syntax here or in common extensions
# (GFM strikethrough and tables, $math$ on GitHub). `&` matters only where it
# would start an entity, `!` only before `[`, which is escaped anyway.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>~|$#]|&(?=#?\w+;))")
_MD_LINE_START = re.compile(r"^([-+=>])|^(\d+)([.)])")


def md_escape(text: str) -> str:
    """One line of untrusted text as Markdown that renders to the same characters."""
    text = _MD_INLINE.sub(r"\\\1", " ".join(clean_text(text).split()))
    # A list marker, heading underline or quote marker only counts at the start.
    return _MD_LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", text)


def md_url(url: str | None) -> str | None:
    """An http(s) URL usable as a link destination (no brackets or quotes), or None."""
    return _quoted_url(url, "%/:?#[]@!$&*+,;=-._~")


def paper_url(paper: Paper) -> str:
    """The arXiv page when the id is known, else arXiv's title search."""
    return arxiv_abs_url(paper.arxiv_id) or search_url(paper.title)


def search_url(title: str) -> str:
    return arxiv_search_url(" ".join(clean_text(title).split()))


def short_authors(paper: Paper, limit: int = 3) -> str:
    """The first ``limit`` authors, then "et al." if there are more."""
    cleaned = [" ".join(clean_text(a).split()) for a in paper.authors]
    names = [n for n in cleaned if n and not _ET_AL.match(n)]
    if not names:
        return ""
    more = paper.authors_truncated or len(names) > limit or len(names) < len([n for n in cleaned if n])
    return ", ".join(names[:limit]) + (" et al." if more else "")


def _md_note(note: str, indent: str) -> list[str]:
    """The note as a blockquote; its line breaks are kept as hard breaks."""
    paragraphs: list[list[str]] = [[]]
    for line in clean_text(note, multiline=True).split("\n"):
        line = line.strip()
        if line:
            paragraphs[-1].append(md_escape(line))
        elif paragraphs[-1]:
            paragraphs.append([])
    out: list[str] = []
    for paragraph in (p for p in paragraphs if p):
        if out:
            out.append(f"{indent}>")
        out.extend(f"{indent}> {line}\\" for line in paragraph[:-1])
        out.append(f"{indent}> {paragraph[-1]}")
    return out


def _md_entry(paper: Paper, annotation: Annotation, abstracts: bool) -> list[str]:
    title = md_escape(paper.title) or "Untitled"
    details = [md_escape(short_authors(paper))]
    if paper.year:
        details.append(str(paper.year))
    details.append(md_escape(paper.category or ""))
    code = [u for u in (md_url(link) for link in paper.code_links) if u]
    details.extend(f"[code]({u})" for u in dict.fromkeys(code))
    tags = [md_escape(t) for t in annotation.tags if clean_text(t).strip()]
    if tags:
        details.append("tags: " + ", ".join(tags))
    lines = [f"- [{title}]({md_url(paper_url(paper))})"]
    details = [d for d in details if d]
    if details:
        lines[0] += "\\"  # a hard break: details on their own line, same paragraph
        lines.append("  " + " · ".join(details))
    note = _md_note(annotation.note, "  ")
    if note:
        lines += ["", *note]
    abstract = md_escape(paper.abstract) if abstracts else ""
    if abstract:
        lines += ["", f"  {abstract}"]
    return lines


def _count(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def _groups(
    papers: list[Paper], annotations: Mapping[str, Annotation], group_by: str
) -> list[tuple[str, list[Paper]]]:
    if group_by == "none":
        return [("", papers)]
    if group_by == "status":
        return [
            (status.capitalize(), [p for p in papers if annotations.get(p.id, DEFAULT_ANNOTATION).status == status])
            for status in STATUS_ORDER
        ]
    by_tag: dict[str, list[Paper]] = {}
    names: dict[str, str] = {}
    untagged: list[Paper] = []
    for paper in papers:
        tags = [t.strip() for t in annotations.get(paper.id, DEFAULT_ANNOTATION).tags if t.strip()]
        for tag in dict.fromkeys(fold(t) for t in tags):
            by_tag.setdefault(tag, []).append(paper)
        for tag in tags:
            names.setdefault(fold(tag), tag)
        if not tags:
            untagged.append(paper)
    groups = [(names[t], by_tag[t]) for t in sorted(by_tag)]
    return groups + [("Untagged", untagged)]


def to_markdown(
    papers: Iterable[Paper],
    annotations: Mapping[str, Annotation],
    *,
    title: str,
    group_by: str = "status",
    abstracts: bool = False,
) -> str:
    """A CommonMark reading list: a title, a count, then papers grouped.

    With ``group_by="tag"`` a paper appears under each of its tags; papers
    without tags come last, under "Untagged".
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}, not {group_by!r}")
    papers = _distinct(papers)
    lines = [f"# {md_escape(title) or 'Reading list'}", "", _count(len(papers))]
    for heading, members in _groups(papers, annotations, group_by):
        if not members:
            continue
        lines.append("")
        if heading:
            lines += [f"## {md_escape(heading)} ({len(members)})", ""]
        spacious = False
        for paper in members:
            entry = _md_entry(paper, annotations.get(paper.id, DEFAULT_ANNOTATION), abstracts)
            # An entry with several paragraphs is set off by blank lines from its neighbours.
            roomy = "" in entry
            if lines[-1] != "" and (roomy or spacious):
                lines.append("")
            spacious = roomy
            lines += entry
    return "\n".join(lines) + "\n"


# --- Files ---------------------------------------------------------------


def read_existing(path: Path) -> str:
    """The text of an export target, "" if it does not exist yet."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} is a directory; give a file name")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text; refusing to append to it") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None


def write_export(path: Path, text: str, *, force: bool = False, append: bool = False) -> None:
    """Write an export atomically.

    ``append`` keeps what the file holds and adds ``text`` after a blank
    line. Otherwise an existing file is replaced only with ``force``.
    """
    path = Path(path)
    if append:
        existing = read_existing(path)
        if existing.strip():
            text = existing.rstrip("\n") + "\n\n" + text
    elif path.is_dir():
        raise UserError(f"{path} is a directory; give a file name")
    elif path.exists() and not force:
        raise UserError(f"{path} already exists; use --force to overwrite it or --append to add to it")
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
