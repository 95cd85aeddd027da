"""Hugging Face daily papers: the papers featured on a day, page by page.

``GET {hf_api}/daily_papers?date=YYYY-MM-DD&p=N&limit=L`` answers a JSON
list; paging stops at the first page that comes back short. Clients
disagree on whether a key sits under ``paper`` or at the top of an item, so
both are read (``paper`` first).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from readinglist.core.enrich.arxiv import NEW_STYLE_ID
from readinglist.core.feeds.items import FeedError, FeedItem, day_of, one_line, safe_url

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient

PAGE_SIZE = 50
MAX_PAGES = 20  # 1000 papers in a day: far beyond any real day


def fetch_day(
    client: PoliteClient,
    api: str,
    day: str | None,
    *,
    page_size: int = PAGE_SIZE,
    on_page: Callable[[int, int], None] | None = None,
) -> list[FeedItem]:
    """Every paper featured on ``day`` (None: the latest featured day)."""
    items: dict[str, FeedItem] = {}
    for page in range(MAX_PAGES):
        params: dict[str, Any] = {"p": page, "limit": page_size}
        if day:
            params["date"] = day
        reply = client.get("hf", f"{api}/daily_papers", params=params)
        if reply.status != 200:
            raise FeedError(f"HTTP {reply.status} from Hugging Face daily papers")
        raw, parsed = parse_page(reply.body, day)
        for item in parsed:
            items.setdefault(item.arxiv_id, item)
        if on_page is not None:
            on_page(page + 1, len(items))
        if raw < page_size:
            break
    return list(items.values())


def parse_page(body: bytes, day: str | None) -> tuple[int, list[FeedItem]]:
    """(number of entries on the page, the usable ones)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FeedError("Hugging Face daily papers sent something that is not JSON") from None
    if not isinstance(data, list):
        raise FeedError("Hugging Face daily papers sent an unexpected JSON shape (not a list)")
    return len(data), [item for entry in data if (item := _item(entry, day)) is not None]


def _item(entry: Any, day: str | None) -> FeedItem | None:
    if not isinstance(entry, dict):
        return None
    paper = entry.get("paper") if isinstance(entry.get("paper"), dict) else {}

    def get(key: str) -> Any:
        value = paper.get(key)
        return value if value not in (None, "", []) else entry.get(key)

    arxiv_id = one_line(get("id"))
    title = one_line(get("title"))
    if not NEW_STYLE_ID.match(arxiv_id) or not title:
        return None
    authors = get("authors")
    names = [one_line(a.get("name") if isinstance(a, dict) else a) for a in authors] if isinstance(authors, list) else []
    upvotes = get("upvotes")
    return FeedItem(
        source="hf",
        arxiv_id=arxiv_id,
        title=title,
        authors=[n for n in names if n],
        abstract=one_line(get("summary")),
        published=day_of(get("publishedAt")),
        listed=day_of(get("submittedOnDailyAt")) or day,
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) and upvotes >= 0 else None,
        github_repo=safe_url(get("githubRepo")),
        project_page=safe_url(get("projectPage")),
    )
