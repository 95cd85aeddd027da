"""What a feed says of one paper, before it meets the library.

Feed text is untrusted: every string is cleaned of terminal control
sequences and whitespace-collapsed, and only http(s) links are kept.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from readinglist.core.enrich.client import FetchError
from readinglist.core.text import clean_text, is_safe_url

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FeedError(FetchError):
    """A feed answered, but not with something usable."""


@dataclass(slots=True)
class FeedItem:
    """One paper as a feed listed it. ``resolved`` is True once its arXiv
    metadata (categories with the primary first, published date) is known."""

    source: str  # "hf" or "arxiv"
    arxiv_id: str
    title: str
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    categories: list[str] = field(default_factory=list)  # primary first
    published: str | None = None  # the arXiv date of the first version
    listed: str | None = None  # the day the feed featured or announced it
    upvotes: int | None = None
    github_repo: str | None = None
    project_page: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    announce: str | None = None  # arXiv: new, cross, replace, replace-cross
    resolved: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedItem:
        known = {k: data[k] for k in cls.__slots__ if k in data}  # type: ignore[attr-defined]
        return cls(**known)


def one_line(value: Any) -> str:
    """A feed's string as one clean line; anything else as empty."""
    if not isinstance(value, str):
        return ""
    return " ".join(clean_text(value).split())


def safe_url(value: Any) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    return text if is_safe_url(text) else None


def day_of(value: Any) -> str | None:
    """``YYYY-MM-DD`` from an ISO date or timestamp; None otherwise."""
    text = value.strip()[:10] if isinstance(value, str) else ""
    return text if DAY.match(text) else None


def primary_first(primary: str | None, categories: list[str]) -> list[str]:
    ordered = [primary] if primary else []
    return list(dict.fromkeys(c for c in ordered + categories if c))
