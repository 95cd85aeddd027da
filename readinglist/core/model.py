"""The domain's data: papers (the corpus) and annotations (the user's own)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from operator import attrgetter
from sys import intern
from typing import Any, Protocol

STATUSES = ("unread", "reading", "read")
LINK_KINDS = ("code", "project", "other")
# Fields a record carries only when set, so older stores and small papers stay small.
OPTIONAL_FIELDS = (
    "citation_key",
    "url",
    "journal_ref",
    "pub_type",
    "venue",
    "volume",
    "issue",
    "pages",
    "publisher",
    "added",
    "listed",
    "upvotes",
)


_optional_values = attrgetter(*OPTIONAL_FIELDS)  # all of them in one call: to_dict runs 100k times on import


@dataclass(slots=True)
class Source:
    """Where one listing entry of a paper came from."""

    listing: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"listing": self.listing, "line": self.line}


@dataclass(slots=True)
class Paper:
    """One distinct paper of the corpus.

    ``id`` derives from the normalised title alone and never changes.
    Fields filled by enrichment live beside the listing's fields, with their
    provenance in ``provenance[field]``.
    """

    id: str
    title: str
    authors: list[str] = field(default_factory=list)
    authors_truncated: bool = False  # the listing ended the list with "et al."
    affiliations: list[str] = field(default_factory=list)
    category: str | None = None  # arXiv category, e.g. "cs.CV"
    date: str | None = None  # ISO date, "YYYY-MM-DD"
    date_inferred: bool = False  # the listing gave no year; it was assumed
    abstract: str = ""
    has_code: bool = False
    links: dict[str, list[str]] = field(default_factory=dict)  # kind -> urls
    sources: list[Source] = field(default_factory=list)
    arxiv_id: str | None = None
    doi: str | None = None
    pdf_url: str | None = None
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    # All arXiv categories, primary first (``category`` is the primary one).
    categories: list[str] = field(default_factory=list)
    citation_key: str | None = None  # assigned once, at first export or from an imported .bib
    url: str | None = None  # the paper's own page when it has no arXiv id (DOI landing page, ...)
    journal_ref: str | None = None  # arXiv's journal reference, as the authors wrote it
    # The published version, when known (from a DOI, a .bib, Semantic Scholar or the user).
    pub_type: str | None = None  # "article", "inproceedings", "book", ... (BibTeX entry types)
    venue: str | None = None  # journal or proceedings title
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    added: str | None = None  # ISO timestamp (UTC) of when the paper entered the library
    listed: str | None = None  # the day a feed featured or announced it, "YYYY-MM-DD"
    upvotes: int | None = None  # Hugging Face upvotes at the last fetch

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""

    @property
    def code_links(self) -> list[str]:
        return self.links.get("code", [])

    def code_available(self) -> bool:
        """What "has code" means everywhere: a code link, or the listing's code mark."""
        return bool(self.has_code or self.code_links)

    @property
    def arxiv_url(self) -> str | None:
        from readinglist.core.links import arxiv_abs_url

        return arxiv_abs_url(self.arxiv_id)

    @property
    def arxiv_pdf_url(self) -> str | None:
        from readinglist.core.links import arxiv_pdf_url

        return self.pdf_url or arxiv_pdf_url(self.arxiv_id)

    @property
    def listings(self) -> list[str]:
        seen: dict[str, None] = {}
        for source in self.sources:
            seen.setdefault(source.listing, None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict deep-copies recursively and was most of
        # the time of importing 100k papers.
        return {
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors),
            "authors_truncated": self.authors_truncated,
            "affiliations": list(self.affiliations),
            "category": self.category,
            "date": self.date,
            "date_inferred": self.date_inferred,
            "abstract": self.abstract,
            "has_code": self.has_code,
            "links": {kind: list(urls) for kind, urls in self.links.items()},
            "sources": [s.to_dict() for s in self.sources],
            "arxiv_id": self.arxiv_id,
            "doi": self.doi,
            "pdf_url": self.pdf_url,
            "provenance": {k: dict(v) for k, v in self.provenance.items()},
            **{name: value for name, value in zip(OPTIONAL_FIELDS, _optional_values(self)) if value is not None},
            **({"categories": list(self.categories)} if self.categories else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        # Names, affiliations, categories and listing names repeat across a
        # corpus: interned, 100k papers share one string for each.
        return cls(
            id=data["id"],
            title=data["title"],
            authors=[intern(a) for a in data.get("authors") or ()],
            authors_truncated=bool(data.get("authors_truncated", False)),
            affiliations=[intern(a) for a in data.get("affiliations") or ()],
            category=intern(data["category"]) if data.get("category") else None,
            date=data.get("date"),
            date_inferred=bool(data.get("date_inferred", False)),
            abstract=data.get("abstract") or "",
            has_code=bool(data.get("has_code", False)),
            links={k: list(v) for k, v in (data.get("links") or {}).items()},
            sources=[Source(intern(s["listing"]), int(s.get("line", 0))) for s in data.get("sources") or []],
            arxiv_id=data.get("arxiv_id"),
            doi=data.get("doi"),
            pdf_url=data.get("pdf_url"),
            provenance=dict(data.get("provenance") or {}),
            categories=[intern(c) for c in data.get("categories") or ()],
            **{name: data[name] for name in OPTIONAL_FIELDS if data.get(name) is not None},
        )

    def edited(self, name: str) -> bool:
        """True when the user set this field by hand: nothing else may overwrite it."""
        return (self.provenance.get(name) or {}).get("source") == "user"


class DeferredAbstracts(Protocol):
    """Where the abstracts of papers read from the paper cache are, until one is read."""

    def abstract_of(self, paper_id: str) -> str: ...


# ``Paper.abstract`` is its slot behind a property, so a paper read from the
# paper cache (core/paper_cache.py) can hold a ``DeferredAbstracts`` there
# instead of its text: abstracts are 85% of that file, and a launch shows
# none but the current paper's. The first read of one puts the text in the
# slot; setting it (``__init__`` too) is the slot's own C setter.
_abstract_slot = Paper.__dict__["abstract"]
_get_abstract = _abstract_slot.__get__
_set_abstract = _abstract_slot.__set__
held_abstract = _get_abstract  # what the slot holds: the text, or a DeferredAbstracts (nothing is read)


def _abstract(paper: Paper) -> str:
    held = _get_abstract(paper)
    if held.__class__ is str or not hasattr(held, "abstract_of"):
        return held
    value = held.abstract_of(paper.id)  # a DeferredAbstracts: may read the file (another thread may set it meanwhile)
    if _get_abstract(paper) is held:
        _set_abstract(paper, value)
        return value
    return _get_abstract(paper)  # set since: that text, not the file's


Paper.abstract = property(_abstract, _set_abstract, doc="The paper's abstract, \"\" when the listing had none.")  # type: ignore[assignment,method-assign]


@dataclass(slots=True)
class Annotation:
    """What the user said about a paper. Absent means all defaults."""

    star: bool = False
    status: str = "unread"
    tags: list[str] = field(default_factory=list)
    note: str = ""
    created: str | None = None  # ISO timestamps, UTC
    updated: str | None = None

    def is_default(self) -> bool:
        return not self.star and self.status == "unread" and not self.tags and not self.note

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Annotation:
        status = data.get("status", "unread")
        return cls(
            star=bool(data.get("star", False)),
            status=status if status in STATUSES else "unread",
            tags=[str(t) for t in data.get("tags") or []],
            note=str(data.get("note") or ""),
            created=data.get("created"),
            updated=data.get("updated"),
        )


DEFAULT_ANNOTATION = Annotation()
