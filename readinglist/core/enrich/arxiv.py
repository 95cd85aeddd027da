"""The arXiv API: batched title queries, id lookups, and Atom parsing.

Responses are untrusted XML: defusedxml refuses entity expansion and
external references, so a hostile or broken mirror cannot blow up memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, ParseError

from readinglist.core.enrich.client import FetchError
from readinglist.core.text import clean_text, is_safe_url, normalize_title

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

NEW_STYLE_ID = re.compile(r"^\d{4}\.\d{4,5}$")
OLD_STYLE_ID = re.compile(r"^[a-z][a-z.-]*/\d{7}$", re.IGNORECASE)
_ABS_PREFIX = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/abs/", re.IGNORECASE)
_VERSION = re.compile(r"v\d+$")


class ArxivError(FetchError):
    """arXiv answered, but not with a usable feed."""


class ArxivRejected(ArxivError):
    """arXiv said the query itself is invalid (HTTP 400 with an error entry)."""


@dataclass(slots=True)
class ArxivEntry:
    arxiv_id: str
    title: str
    summary: str = ""
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO date, YYYY-MM-DD
    updated: str | None = None
    primary_category: str | None = None
    categories: list[str] = field(default_factory=list)
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    abs_url: str | None = None
    pdf_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArxivEntry:
        known = {k: data[k] for k in cls.__slots__ if k in data}  # type: ignore[attr-defined]
        return cls(**known)


@dataclass(slots=True)
class Feed:
    total_results: int
    entries: list[ArxivEntry]


def parse_arxiv_id(url_or_id: str) -> str | None:
    """The versionless id of an entry id or abs URL; None if it is not one.

    ``http://arxiv.org/abs/2202.12139v1`` -> ``2202.12139``;
    ``http://arxiv.org/abs/hep-th/9901001v2`` -> ``hep-th/9901001``.
    """
    text = _ABS_PREFIX.sub("", url_or_id.strip())
    text = _VERSION.sub("", text)
    if NEW_STYLE_ID.match(text) or OLD_STYLE_ID.match(text):
        return text
    return None


def parse_feed(data: bytes) -> Feed:
    """Parse an Atom feed from the arXiv API; raise ``ArxivError`` if unusable."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException:
        raise ArxivError("unsafe XML refused (entity declarations)") from None
    except (ParseError, ValueError) as exc:
        raise ArxivError(f"malformed XML ({exc})") from None
    if root.tag != f"{ATOM}feed":
        raise ArxivError("not an Atom feed")
    entries: list[ArxivEntry] = []
    for node in root.findall(f"{ATOM}entry"):
        raw_id = _text(node, f"{ATOM}id")
        if "/api/errors" in raw_id:
            raise ArxivRejected(f"query rejected: {_text(node, f'{ATOM}summary') or 'no reason given'}")
        entry = _entry(node, raw_id)
        if entry is not None:
            entries.append(entry)
    total = _text(root, f"{OPENSEARCH}totalResults")
    return Feed(total_results=int(total) if total.isdigit() else len(entries), entries=entries)


def _entry(node: Element, raw_id: str) -> ArxivEntry | None:
    arxiv_id = parse_arxiv_id(raw_id)
    title = _text(node, f"{ATOM}title")
    if arxiv_id is None or not title:
        return None
    abs_url = pdf_url = None
    for link in node.findall(f"{ATOM}link"):
        href = (link.get("href") or "").strip()
        if not is_safe_url(href):
            continue
        if link.get("title") == "pdf":
            pdf_url = _VERSION.sub("", href)
        elif link.get("rel") == "alternate":
            abs_url = _VERSION.sub("", href)
    primary = node.find(f"{ARXIV}primary_category")
    return ArxivEntry(
        arxiv_id=arxiv_id,
        title=title,
        summary=_text(node, f"{ATOM}summary"),
        authors=[name for a in node.findall(f"{ATOM}author") if (name := _text(a, f"{ATOM}name"))],
        published=_date(_text(node, f"{ATOM}published")),
        updated=_date(_text(node, f"{ATOM}updated")),
        primary_category=clean_text(primary.get("term", "")).strip() or None if primary is not None else None,
        categories=[t for c in node.findall(f"{ATOM}category") if (t := clean_text(c.get("term", "")).strip())],
        doi=_text(node, f"{ARXIV}doi") or None,
        journal_ref=_text(node, f"{ARXIV}journal_ref") or None,
        comment=_text(node, f"{ARXIV}comment") or None,
        abs_url=abs_url,
        pdf_url=pdf_url,
    )


def _text(node: Element, tag: str) -> str:
    child = node.find(tag)
    if child is None or child.text is None:
        return ""
    # Titles and summaries are line-wrapped in the feed.
    return " ".join(clean_text(child.text).split())


def _date(value: str) -> str | None:
    return value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None


def title_phrase(title: str) -> str:
    """A title as arXiv's search can take it inside ``ti:"..."``.

    Hyphens act as NOT and colons as field separators, so all punctuation
    becomes space; lower case keeps a title's "and"/"or" from reading as the
    operators AND/OR. Hits are verified by the matcher anyway.
    """
    return normalize_title(title)


def title_query(titles: Iterable[str]) -> str:
    phrases = [p for p in dict.fromkeys(title_phrase(t) for t in titles) if p]
    return " OR ".join(f'ti:"{p}"' for p in phrases)


def search_titles(client: PoliteClient, api: str, titles: Sequence[str], *, per_title: int = 5) -> Feed:
    """One request for several titles; ``max_results`` grows with the batch."""
    query = title_query(titles)
    if not query:
        return Feed(0, [])
    params = {"search_query": query, "start": 0, "max_results": max(1, per_title * len(titles))}
    return _query(client, api, params)


def fetch_ids(client: PoliteClient, api: str, ids: Sequence[str]) -> Feed:
    params = {"id_list": ",".join(ids), "start": 0, "max_results": len(ids)}
    return _query(client, api, params)


def _query(client: PoliteClient, api: str, params: dict[str, Any]) -> Feed:
    reply = client.get("arxiv", api, params=params)
    if reply.status == 200:
        return parse_feed(reply.body)
    if reply.status == 400:
        # The body is normally a feed with one error entry saying why.
        try:
            parse_feed(reply.body)
        except ArxivRejected:
            raise
        except ArxivError:
            pass
        raise ArxivRejected("query rejected (HTTP 400)")
    raise ArxivError(f"HTTP {reply.status}")
