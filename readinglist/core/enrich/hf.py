"""The Hugging Face papers API: code and project links by arXiv id."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from readinglist.core.enrich.arxiv import NEW_STYLE_ID
from readinglist.core.enrich.client import FetchError
from readinglist.core.text import clean_text, is_safe_url

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient


@dataclass(slots=True)
class HfPaper:
    """What the papers API says of one paper; ``found`` is False on a 404.

    A missing ``github_repo`` does not mean the paper has no code: the field
    is set by users.
    """

    found: bool
    github_repo: str | None = None
    project_page: str | None = None
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HfPaper:
        return cls(
            found=bool(data.get("found")),
            github_repo=data.get("github_repo"),
            project_page=data.get("project_page"),
            title=data.get("title"),
        )


def is_indexed(arxiv_id: str) -> bool:
    """Only new-style ids exist on Hugging Face; asking for others wastes a request."""
    return bool(NEW_STYLE_ID.match(arxiv_id))


def fetch_paper(client: PoliteClient, api: str, arxiv_id: str) -> HfPaper:
    reply = client.get("hf", f"{api}/papers/{quote(arxiv_id, safe='.')}")
    if reply.status == 404:
        return HfPaper(found=False)
    if reply.status != 200:
        raise FetchError(f"HTTP {reply.status} from Hugging Face")
    return parse_paper(reply.body)


def parse_paper(body: bytes) -> HfPaper:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FetchError("Hugging Face sent something that is not JSON") from None
    if not isinstance(data, dict):
        raise FetchError("Hugging Face sent an unexpected JSON shape")
    return HfPaper(
        found=True,
        github_repo=_url(data.get("githubRepo")),
        project_page=_url(data.get("projectPage")),
        title=clean_text(data["title"]) if isinstance(data.get("title"), str) else None,
    )


def _url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if is_safe_url(value) else None
