"""CSL-JSON, as Zotero, pandoc --citeproc and citation.js read it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from readinglist.core.export.bibtex import each_entry
from readinglist.core.export.fields import (
    arxiv_doi,
    clean_field,
    eprint_of,
    paper_url,
    publication_of,
    publisher_doi,
)
from readinglist.core.export.latex import author_names, plain_title
from readinglist.core.export.options import ExportOptions
from readinglist.core.model import DEFAULT_ANNOTATION, Annotation, Paper
from readinglist.core.text import clean_text

_PARTICLES = frozenset("van von der den de del della di da du la le dos das ten ter zu".split())


def split_name(name: str) -> dict[str, str]:
    """A display name as CSL's family/given parts (``Surname, Given`` understood)."""
    if "," in name:
        family, given = (p.strip() for p in name.split(",", 1))
        return {"family": family, "given": given} if family and given else {"literal": name}
    words = name.split()
    if len(words) == 1:
        return {"literal": name}
    i = len(words) - 1
    while i > 1 and words[i - 1].lower() in _PARTICLES:
        i -= 1
    given, family = words[:i], words[i:]
    # A lowercase particle at the end of the given names belongs to the surname.
    while len(given) > 1 and given[-1].lower() in _PARTICLES and given[-1][0].islower():
        family.insert(0, given.pop())
    return {"family": " ".join(family), "given": " ".join(given)}


def date_parts(paper: Paper) -> dict[str, Any] | None:
    if not paper.date:
        return None
    numbers = [int(n) for n in re.findall(r"\d+", paper.date)[:3]]
    if not numbers:
        return None
    if paper.date_inferred:
        return {"date-parts": [[numbers[0]]], "circa": True}
    return {"date-parts": [numbers]}


def csl_item(
    paper: Paper, key: str, annotation: Annotation = DEFAULT_ANNOTATION, options: ExportOptions = ExportOptions()
) -> dict[str, Any]:
    publication = publication_of(paper)
    item: dict[str, Any] = {"id": key, "citation-key": key}
    if publication is None:
        item["type"] = "article"  # CSL's type for a preprint
    else:
        item["type"] = "article-journal" if publication.kind == "article" else "paper-conference"
        item["container-title"] = publication.venue
    item["title"] = plain_title(paper.title) or "Untitled"
    names, _ = author_names(paper.authors)
    if names:
        item["author"] = [split_name(n) for n in names]
    issued = date_parts(paper)
    if issued:
        item["issued"] = issued
    for name, value in (("volume", paper.volume), ("issue", paper.issue), ("page", paper.pages), ("publisher", paper.publisher)):
        if publication is not None and clean_field(value):
            item[name] = clean_field(value)
    eprint = eprint_of(paper)
    if eprint:
        item["number"] = f"arXiv:{eprint}"
        if publication is None:
            item["publisher"] = "arXiv"
    doi = publisher_doi(paper) or arxiv_doi(paper)
    if doi:
        item["DOI"] = doi
    url = paper_url(paper)
    if url:
        item["URL"] = url
    if options.abstracts and paper.abstract.strip():
        item["abstract"] = " ".join(clean_text(paper.abstract).split())
    tags = [" ".join(clean_text(t).split()) for t in annotation.tags]
    if options.keywords and any(tags):
        item["keyword"] = ", ".join(dict.fromkeys(t for t in tags if t))
    return item


def to_csl(
    papers: Iterable[Paper],
    *,
    keys: Mapping[str, str] | None = None,
    annotations: Mapping[str, Annotation] | None = None,
    options: ExportOptions = ExportOptions(),
) -> str:
    items = each_entry(papers, keys, annotations, options, csl_item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
