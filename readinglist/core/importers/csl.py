"""CSL-JSON: what Zotero, pandoc and DOI content negotiation write.

A list of items (or one item), each with ``type``, ``title``, ``author``
(``family``/``given`` or ``literal``), ``issued.date-parts``,
``container-title``, ``volume``, ``issue``, ``page``, ``publisher``,
``DOI``, ``URL`` and sometimes ``abstract`` (often JATS XML).
"""

from __future__ import annotations

import json
import re
from typing import Any

from readinglist.core.importers.common import CSL_JSON, ImportResult, arxiv_in, clean_doi, iso_date, make_paper, one_line, safe_url
from readinglist.core.model import Paper
from readinglist.core.parse import ParseError, Problem

# CSL item types -> BibTeX entry types (what export writes).
PUB_TYPES = {
    "article-journal": "article",
    "article": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "paper-conference": "inproceedings",
    "chapter": "incollection",
    "book": "book",
    "thesis": "phdthesis",
    "report": "techreport",
    "posted-content": "misc",
    "manuscript": "unpublished",
}
_TAG = re.compile(r"<[^>]{0,200}>")
_KEY = re.compile(r"^[A-Za-z0-9_:\-.+/]{1,100}$")


def looks_like_csl(head: str) -> bool:
    return head.lstrip().startswith(("[", "{"))


def parse_csl(text: str, listing: str) -> ImportResult:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(listing, f"is not valid JSON ({exc})") from None
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(i, dict) for i in items) or not any("title" in i or "type" in i for i in items):
        raise ParseError(listing, "is JSON, but neither CSL-JSON items nor arXiv metadata lines")
    result = ImportResult(listing=listing, layout=CSL_JSON)
    papers = []
    for number, item in enumerate(items, 1):
        paper = paper_from_csl(item, listing, number)
        if paper is None:
            result.problems.append(Problem(listing, number, f"item {number} has no title: skipped"))
            continue
        papers.append(paper)
        keywords = item.get("keyword")
        if isinstance(keywords, str) and keywords.strip():
            result.tags[paper.id] = [one_line(k) for k in re.split(r"[;,]", keywords) if k.strip()]
    result.papers, result.parsed = papers, len(papers)
    return result


def paper_from_csl(item: dict[str, Any], listing: str, line: int = 0) -> Paper | None:
    title = item.get("title")
    if isinstance(title, list):
        title = title[0] if title else ""
    title = one_line(_strip_tags(str(title or "")))
    if not title:
        return None
    authors = []
    for person in _list(item.get("author")):
        if not isinstance(person, dict):
            continue
        name = person.get("literal") or " ".join(str(person.get(k) or "") for k in ("given", "non-dropping-particle", "family", "suffix"))
        if one_line(name):
            authors.append(one_line(name))
    doi = clean_doi(item.get("DOI"))
    url = safe_url(item.get("URL"))
    arxiv = arxiv_in(item.get("DOI"), item.get("URL"), item.get("number"), item.get("archive_location"))
    if url and (arxiv or (doi and "doi.org/" in url)):
        url = None  # the arXiv id or the DOI already gives this page
    kind = str(item.get("type") or "")
    venue = item.get("container-title")
    if isinstance(venue, list):
        venue = venue[0] if venue else None
    key = str(item.get("citation-key") or item.get("id") or "")
    return make_paper(
        title,
        listing,
        line,
        abstract=_strip_tags(str(item.get("abstract") or "")),
        authors=authors,
        date=_issued(item),
        arxiv_id=arxiv,
        doi=doi,
        url=url,
        pdf_url=_pdf_link(item),
        pub_type=PUB_TYPES.get(kind, "misc") if kind else None,
        venue=one_line(venue) or None if venue and not (arxiv and "arxiv" in str(venue).lower()) else None,
        volume=one_line(item.get("volume")) or None,
        issue=one_line(item.get("issue")) or None,
        pages=one_line(item.get("page")) or None,
        publisher=one_line(item.get("publisher")) or None,
        citation_key=key if _KEY.match(key) and "/" not in key else None,
    )


def _issued(item: dict[str, Any]) -> str | None:
    for name in ("issued", "published-print", "published-online", "created"):
        value = item.get(name)
        if isinstance(value, dict):
            parts = value.get("date-parts")
            if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
                first = parts[0]
                return iso_date(*(first + [None, None])[:3])
            raw = value.get("raw") or value.get("literal")
            if raw and (match := re.match(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", str(raw))):
                return iso_date(*match.groups())
    return None


def _pdf_link(item: dict[str, Any]) -> str | None:
    """An open-access PDF link, when the registration agency gives one."""
    for link in _list(item.get("link")):
        if isinstance(link, dict) and str(link.get("content-type", "")).lower() == "application/pdf":
            url = safe_url(link.get("URL"))
            if url and url.startswith("https://"):
                return url
    return None


def _list(value: Any) -> list[Any]:
    """A list field that may be anything in a hand-edited or broken file."""
    return value if isinstance(value, list) else []


def _strip_tags(text: str) -> str:
    """JATS markup (``<jats:p>``) in abstracts and titles: keep the text."""
    return _TAG.sub(" ", text) if "<" in text else text
