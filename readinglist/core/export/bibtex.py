"""BibTeX entries, in the shape of arXiv's own export, that classic styles render.

Checked against pdflatex + bibtex with plain, unsrt, alpha, plainnat and
apalike (tests/test_export_compile.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from readinglist.core.export.fields import (
    arxiv_doi,
    category_of,
    clean_field,
    eprint_of,
    paper_url,
    publication_of,
    publisher_doi,
)
from readinglist.core.export.keys import assign_keys
from readinglist.core.export.latex import latex_authors, latex_escape, latex_title
from readinglist.core.export.options import ExportOptions
from readinglist.core.model import DEFAULT_ANNOTATION, Annotation, Paper
from readinglist.core.text import clean_text

Fields = list[tuple[str, str]]


def common_fields(paper: Paper, annotation: Annotation, options: ExportOptions) -> Fields:
    """Abstract and keywords, shared by BibTeX and biblatex."""
    fields: Fields = []
    if options.abstracts and paper.abstract.strip():
        fields.append(("abstract", latex_escape(" ".join(paper.abstract.split()), utf8=options.utf8)))
    tags = [" ".join(clean_text(t).replace(",", " ").split()) for t in annotation.tags]
    tags = [latex_escape(t, utf8=options.utf8) for t in dict.fromkeys(t for t in tags if t)]
    if options.keywords and tags:
        fields.append(("keywords", ", ".join(tags)))
    return fields


def publication_fields(paper: Paper, utf8: bool) -> tuple[str | None, Fields]:
    """The entry type and venue fields of a published paper, else (None, [])."""
    publication = publication_of(paper)
    if publication is None:
        return None, []
    venue_field = "journal" if publication.kind == "article" else "booktitle"
    fields: Fields = [(venue_field, latex_escape(publication.venue, utf8=utf8))]
    for name, value in (("volume", paper.volume), ("number", paper.issue), ("pages", paper.pages), ("publisher", paper.publisher)):
        value = clean_field(value)
        if value:
            if name == "pages":
                value = value.replace("\u2013", "-").replace("--", "-").replace("-", "--")
            fields.append((name, latex_escape(value, utf8=utf8)))
    return publication.kind, fields


def bibtex_entry(
    paper: Paper, key: str, annotation: Annotation = DEFAULT_ANNOTATION, options: ExportOptions = ExportOptions()
) -> str:
    """One entry: ``@misc`` for a preprint, ``@article``/``@inproceedings`` once published."""
    utf8 = options.utf8
    kind, venue = publication_fields(paper, utf8)
    fields: Fields = [("title", latex_title(paper.title, utf8=utf8) or "Untitled")]
    authors = latex_authors(paper.authors, paper.authors_truncated, utf8=utf8)
    if authors:
        fields.append(("author", authors))
    else:
        # Styles sort and label by `key` when there is no author, and
        # author-year styles print it where the author goes: the whole title
        # there would be printed twice, one fixed text would give alpha more
        # equal labels than it can letter (a..z). The first title words do.
        words = " ".join(clean_text(paper.title).split()[:3])
        fields.append(("key", latex_escape(words, utf8=utf8) or "Untitled"))
    fields += venue
    # A year guessed from when the listing was made is marked as such; no
    # year at all is said as "n.d.", which author-year styles need to label.
    if paper.year:
        fields.append(("year", f"{paper.year}?" if paper.date_inferred else str(paper.year)))
    else:
        fields.append(("year", "n.d."))
    eprint = eprint_of(paper)
    if eprint:
        fields.append(("eprint", eprint))
        fields.append(("archivePrefix", "arXiv"))
        category = category_of(paper)
        if category:
            fields.append(("primaryClass", category))
    doi = publisher_doi(paper) or arxiv_doi(paper)
    if doi:
        fields.append(("doi", doi))
    url = paper_url(paper)
    if url:
        fields.append(("url", url))
    fields += common_fields(paper, annotation, options)
    return format_entry(kind or "misc", key, fields)


def format_entry(kind: str, key: str, fields: Fields) -> str:
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@{kind}{{{key},\n{body}}}\n"


def distinct(papers: Iterable[Paper]) -> list[Paper]:
    seen: dict[str, Paper] = {}
    for paper in papers:
        seen.setdefault(paper.id, paper)
    return list(seen.values())


def each_entry(
    papers: Iterable[Paper],
    keys: Mapping[str, str] | None,
    annotations: Mapping[str, Annotation] | None,
    options: ExportOptions,
    entry: Callable[[Paper, str, Annotation, ExportOptions], Any],
) -> list[Any]:
    """``entry`` of each distinct paper, in order, with its key (stored or assigned)
    and its annotation: what every bibliography format does first."""
    papers = distinct(papers)
    if keys is None:
        keys = assign_keys(papers, options.taken_keys).keys
    annotations = annotations or {}
    return [entry(p, keys[p.id], annotations.get(p.id, DEFAULT_ANNOTATION), options) for p in papers]


def to_bibtex(
    papers: Iterable[Paper],
    *,
    keys: Mapping[str, str] | None = None,
    annotations: Mapping[str, Annotation] | None = None,
    options: ExportOptions = ExportOptions(),
) -> str:
    """The papers as BibTeX entries, in the order given.

    ``keys`` maps paper ids to citation keys; without it, keys come from
    :func:`assign_keys` (stored keys, else new ones, not stored).
    """
    return "\n".join(each_entry(papers, keys, annotations, options, bibtex_entry))
