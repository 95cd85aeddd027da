"""biblatex entries for biber: @online preprints, @article/@inproceedings once published.

Uses biblatex's own eprint fields (``eprinttype = {arxiv}``, ``eprint``,
``eprintclass``) and a full ISO ``date``; checked with biber
``--validate-datamodel`` and the numeric and authoryear styles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from readinglist.core.export.bibtex import Fields, common_fields, each_entry, format_entry, publication_fields
from readinglist.core.export.fields import (
    arxiv_doi,
    category_of,
    eprint_of,
    iso_date,
    paper_url,
    publisher_doi,
)
from readinglist.core.export.latex import latex_authors, latex_title
from readinglist.core.export.options import ExportOptions
from readinglist.core.model import DEFAULT_ANNOTATION, Annotation, Paper


def biblatex_entry(
    paper: Paper, key: str, annotation: Annotation = DEFAULT_ANNOTATION, options: ExportOptions = ExportOptions()
) -> str:
    utf8 = options.utf8
    kind, venue = publication_fields(paper, utf8)
    if kind == "article":
        venue = [("journaltitle" if name == "journal" else name, value) for name, value in venue]
    fields: Fields = [("title", latex_title(paper.title, utf8=utf8) or "Untitled")]
    authors = latex_authors(paper.authors, paper.authors_truncated, utf8=utf8)
    if authors:
        fields.append(("author", authors))
    fields += venue
    date = iso_date(paper)
    if date:
        fields.append(("date", date))
    elif paper.year:
        # EDTF "approximate": biblatex prints it as circa the year.
        fields.append(("date", f"{paper.year}~"))
    eprint = eprint_of(paper)
    if eprint:
        fields += [("eprinttype", "arxiv"), ("eprint", eprint)]
        category = category_of(paper)
        if category:
            fields.append(("eprintclass", category))
    doi = publisher_doi(paper) or arxiv_doi(paper)
    if doi:
        fields.append(("doi", doi))
    url = paper_url(paper)
    if url:
        fields.append(("url", url))
    fields += common_fields(paper, annotation, options)
    # biblatex's @online needs an address (url, doi or eprint); without one
    # the paper is a @misc.
    return format_entry(kind or ("online" if eprint or doi or url else "misc"), key, fields)


def to_biblatex(
    papers: Iterable[Paper],
    *,
    keys: Mapping[str, str] | None = None,
    annotations: Mapping[str, Annotation] | None = None,
    options: ExportOptions = ExportOptions(),
) -> str:
    return "\n".join(each_entry(papers, keys, annotations, options, biblatex_entry))
