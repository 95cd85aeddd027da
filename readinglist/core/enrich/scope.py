"""Which papers a run covers: the CLI's and the TUI's choices in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from readinglist.core.enrich.apply import needs_enrichment
from readinglist.core.errors import UserError
from readinglist.core.model import Paper

if TYPE_CHECKING:
    from readinglist.core.store import Store


def papers_matching(store: Store, text: str) -> list[Paper]:
    """The papers the filter language selects, in its ranking order."""
    from readinglist.core.index import SearchIndex
    from readinglist.core.query import QueryError, parse_query

    papers = store.papers()
    try:
        query = parse_query(text)
    except QueryError as exc:
        raise UserError(f"bad query {text!r}: {exc}") from None
    return [papers[i] for i in SearchIndex(papers, store.annotations()).search(query)]


def select_papers(
    store: Store,
    *,
    query: str | None = None,
    starred: bool = False,
    everything: bool = False,
    ids: Sequence[str] = (),
    limit: int | None = None,
) -> list[Paper]:
    """Papers to enrich. With no choice made: every paper not yet resolved.

    An explicit choice (ids, a query, starred, all) takes its papers whether
    or not they were resolved before; cached answers make that cheap.
    """
    if ids:
        wanted = list(dict.fromkeys(store.resolve_id(text) for text in ids))
        chosen = [p for pid in wanted if (p := store.paper(pid)) is not None]
    elif query is not None:
        chosen = papers_matching(store, query)
    elif starred:
        annotations = store.annotations()
        chosen = [p for p in store.papers() if (a := annotations.get(p.id)) is not None and a.star]
    elif everything:
        chosen = list(store.papers())
    else:
        chosen = [p for p in store.papers() if needs_enrichment(p)]
    if limit is not None:
        if limit < 0:
            raise UserError("--limit must be zero or more")
        chosen = chosen[:limit]
    return chosen
