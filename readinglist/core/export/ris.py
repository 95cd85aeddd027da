"""RIS: one tagged record per paper, the format every reference manager imports."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from readinglist.core.export.bibtex import each_entry
from readinglist.core.export.csl import split_name
from readinglist.core.export.fields import (
    arxiv_doi,
    clean_field,
    eprint_of,
    iso_date,
    paper_url,
    publication_of,
    publisher_doi,
)
from readinglist.core.export.latex import author_names, plain_title
from readinglist.core.export.options import ExportOptions
from readinglist.core.model import DEFAULT_ANNOTATION, Annotation, Paper
from readinglist.core.text import clean_text

_TYPES = {None: "UNPB", "article": "JOUR", "inproceedings": "CPAPER"}


def _line(tag: str, value: str) -> str:
    # One line per value: a newline in paper text could otherwise start a tag.
    return f"{tag}  - {' '.join(clean_text(value).split())}"


def ris_record(
    paper: Paper, key: str, annotation: Annotation = DEFAULT_ANNOTATION, options: ExportOptions = ExportOptions()
) -> str:
    publication = publication_of(paper)
    lines = [_line("TY", _TYPES[publication.kind if publication else None]), _line("ID", key)]
    lines.append(_line("TI", plain_title(paper.title) or "Untitled"))
    names, _ = author_names(paper.authors)
    for name in names:
        parts = split_name(name)
        lines.append(_line("AU", parts.get("literal") or f"{parts['family']}, {parts['given']}"))
    if paper.year and not paper.date_inferred:
        lines.append(_line("PY", str(paper.year)))
        date = iso_date(paper)
        if date:
            numbers = date.split("-")
            lines.append(_line("DA", "/".join(numbers + [""] * (3 - len(numbers))) + "/"))
    elif paper.year:
        lines.append(_line("N1", f"Year not confirmed (probably {paper.year})"))
    if publication is not None:
        lines.append(_line("T2", publication.venue))
        for tag, value in (("VL", paper.volume), ("IS", paper.issue), ("PB", paper.publisher)):
            if clean_field(value):
                lines.append(_line(tag, clean_field(value)))
        pages = re.split(r"\s*[-\u2013]+\s*", clean_field(paper.pages), maxsplit=1)
        if pages[0]:
            lines.append(_line("SP", pages[0]))
            if len(pages) > 1 and pages[1]:
                lines.append(_line("EP", pages[1]))
    eprint = eprint_of(paper)
    if eprint:
        lines.append(_line("M1", f"arXiv:{eprint}"))
    doi = publisher_doi(paper) or arxiv_doi(paper)
    if doi:
        lines.append(_line("DO", doi))
    url = paper_url(paper)
    if url:
        lines.append(_line("UR", url))
    if options.abstracts and paper.abstract.strip():
        lines.append(_line("AB", paper.abstract))
    if options.keywords:
        for tag in dict.fromkeys(" ".join(clean_text(t).split()) for t in annotation.tags):
            if tag:
                lines.append(_line("KW", tag))
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


def to_ris(
    papers: Iterable[Paper],
    *,
    keys: Mapping[str, str] | None = None,
    annotations: Mapping[str, Annotation] | None = None,
    options: ExportOptions = ExportOptions(),
) -> str:
    return "\n".join(each_entry(papers, keys, annotations, options, ris_record))
