"""Days the RSS feed no longer shows, and full metadata by id, from the arXiv API.

Backfill asks ``cat:A OR cat:B`` within a ``submittedDate`` range, sorted by
submission date and paged with ``start``/``max_results``. The API cannot say
on which day a paper was announced, so a backfilled paper is "listed" on the
day it was submitted, and it counts as ``new`` when its primary category is
subscribed, ``cross`` otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from readinglist.core.enrich.arxiv import ArxivEntry, ArxivError, Feed, fetch_ids, parse_feed
from readinglist.core.feeds.items import FeedItem, one_line, primary_first

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient

PAGE_SIZE = 500  # the API allows 2000; smaller pages keep each answer well under the size cap
MAX_RESULTS = 30_000  # the API's own ceiling for one query
IDS_PER_LOOKUP = 100


def backfill_query(categories: Sequence[str], start: dt.date, end: dt.date) -> str:
    cats = " OR ".join(f"cat:{c}" for c in categories)
    span = f"submittedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"
    return f"({cats}) AND {span}" if len(categories) > 1 else f"{cats} AND {span}"


def backfill(
    client: PoliteClient,
    api: str,
    categories: Sequence[str],
    start: dt.date,
    end: dt.date,
    *,
    page_size: int = PAGE_SIZE,
    on_page: Callable[[int, int, int], None] | None = None,
) -> list[FeedItem]:
    """Every paper submitted from ``start`` to ``end`` (GMT) in ``categories``."""
    subscribed = set(categories)
    items: dict[str, FeedItem] = {}
    offset = 0
    query = backfill_query(categories, start, end)
    while offset < MAX_RESULTS:
        params: dict[str, Any] = {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
            "start": offset,
            "max_results": min(page_size, MAX_RESULTS - offset),
        }
        feed = _query(client, api, params)
        for entry in feed.entries:
            item = item_from_entry(entry, "arxiv")
            item.listed = entry.published
            item.announce = "new" if entry.primary_category in subscribed else "cross"
            items.setdefault(item.arxiv_id, item)
        offset += len(feed.entries)
        if on_page is not None:
            on_page(offset, feed.total_results, len(items))
        # An empty page ends it even when totalResults promises more: the
        # API sometimes answers short, and asking again would loop forever.
        if not feed.entries or offset >= feed.total_results:
            break
    return list(items.values())


def lookup(client: PoliteClient, api: str, ids: Sequence[str]) -> dict[str, ArxivEntry]:
    """arXiv's entries for ``ids``, many per request; unknown ids are left out."""
    found: dict[str, ArxivEntry] = {}
    for begin in range(0, len(ids), IDS_PER_LOOKUP):
        feed = fetch_ids(client, api, list(ids[begin : begin + IDS_PER_LOOKUP]))
        found |= {entry.arxiv_id: entry for entry in feed.entries}
    return found


def item_from_entry(entry: ArxivEntry, source: str) -> FeedItem:
    return FeedItem(
        source=source,
        arxiv_id=entry.arxiv_id,
        title=entry.title,
        authors=list(entry.authors),
        abstract=entry.summary,
        categories=primary_first(entry.primary_category, entry.categories),
        published=entry.published,
        doi=entry.doi,
        journal_ref=one_line(entry.journal_ref) or None,
        resolved=True,
    )


def complete(item: FeedItem, full: FeedItem) -> None:
    """Fill ``item`` from arXiv's record of it (``full``): arXiv is the
    authority on categories, dates and author lists; the feed's own text stays."""
    item.categories = full.categories or item.categories
    item.published = full.published or item.published
    if len(full.authors) > len(item.authors):
        item.authors = list(full.authors)
    item.abstract = item.abstract or full.abstract
    item.doi = item.doi or full.doi
    item.journal_ref = item.journal_ref or full.journal_ref
    item.resolved = True


def _query(client: PoliteClient, api: str, params: dict[str, Any]) -> Feed:
    reply = client.get("arxiv", api, params=params)
    if reply.status != 200:
        raise ArxivError(f"HTTP {reply.status} from the arXiv API")
    return parse_feed(reply.body)
