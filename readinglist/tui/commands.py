"""Command palette: go to a paper by its title."""

from __future__ import annotations

from functools import partial
from rich.text import Text
from textual.content import Content
from textual.command import DiscoveryHit, Hit, Hits, Provider

from readinglist.core.text import clean_text

MAX_HITS = 20


class PaperCommands(Provider):
    """``Go to: <title>``: searches titles through the same index as the filter."""

    async def search(self, query: str) -> Hits:
        from readinglist.tui.screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return
        words = query.strip()
        if not words:
            return
        from readinglist.core.query import QueryError, parse_query

        safe = " ".join(f'title:"{w}"' for w in words.replace('"', " ").split())
        try:
            parsed = parse_query(safe)
        except QueryError:
            return
        matcher = self.matcher(query)
        library = screen.library
        for position in list(library.search(parsed, sort="relevance"))[:MAX_HITS]:
            paper = library.papers[position]
            title = Text("Go to: ") + Text(clean_text(paper.title))
            yield Hit(
                max(matcher.match(paper.title), 0.01),
                title,
                partial(screen.go_to_paper, paper.id),
                help=Content(clean_text(", ".join(paper.authors[:3])) or paper.id),
            )

    async def discover(self) -> Hits:
        yield DiscoveryHit("Go to paper…", lambda: None, help="Type words of a title")
