"""Semantic Scholar's title match: an optional fallback that may yield an arXiv id.

Its answer is only a candidate: the arXiv entry it points to is fetched and
checked against the paper's title like any other hit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from readinglist.core.enrich.arxiv import parse_arxiv_id
from readinglist.core.enrich.client import FetchError
from readinglist.core.text import clean_text

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient

FIELDS = "title,externalIds,year,authors"


@dataclass(slots=True)
class S2Hit:
    title: str
    arxiv_id: str | None = None
    doi: str | None = None
    year: int | None = None
    authors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> S2Hit:
        return cls(
            title=data.get("title", ""),
            arxiv_id=data.get("arxiv_id"),
            doi=data.get("doi"),
            year=data.get("year"),
            authors=list(data.get("authors") or []),
        )


def match_title(client: PoliteClient, api: str, title: str) -> S2Hit | None:
    """The best title match, or None when Semantic Scholar has none (its 404)."""
    reply = client.get("s2", f"{api}/paper/search/match", params={"query": title[:300], "fields": FIELDS})
    if reply.status == 404:
        return None
    if reply.status != 200:
        raise FetchError(f"HTTP {reply.status} from Semantic Scholar")
    return parse_match(reply.body)


def parse_match(body: bytes) -> S2Hit | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FetchError("Semantic Scholar sent something that is not JSON") from None
    hits = data.get("data") if isinstance(data, dict) else None
    if not isinstance(hits, list):
        raise FetchError("Semantic Scholar sent an unexpected JSON shape")
    if not hits or not isinstance(hits[0], dict) or not isinstance(hits[0].get("title"), str):
        return None
    hit = hits[0]
    ids = hit.get("externalIds") if isinstance(hit.get("externalIds"), dict) else {}
    arxiv = ids.get("ArXiv")
    doi = ids.get("DOI")
    year = hit.get("year")
    return S2Hit(
        title=clean_text(hit["title"]),
        arxiv_id=parse_arxiv_id(arxiv) if isinstance(arxiv, str) else None,
        doi=clean_text(doi).strip() or None if isinstance(doi, str) else None,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        authors=[
            clean_text(a["name"]) for a in hit.get("authors") or [] if isinstance(a, dict) and isinstance(a.get("name"), str)
        ],
    )
