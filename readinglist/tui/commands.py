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
        for position in library.search(parsed, sort="relevance")[:MAX_HITS]:
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


class SavedSearchCommands(Provider):
    """``Search: <name>``: the user's saved searches (text, never markup)."""

    def _searches(self) -> list[tuple[str, str]]:
        from readinglist.tui.screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return []
        return list(screen.saved_searches().items())

    def _hit(self, number: int, name: str, query: str) -> tuple[Text, Content, object]:
        keys = f" ({number})" if number <= 9 else ""
        screen = self.screen
        return (
            Text("Search: ") + Text(clean_text(name)) + Text(keys, style="dim"),
            Content(clean_text(query)),
            partial(screen.apply_filter, query),  # type: ignore[attr-defined]
        )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for number, (name, saved) in enumerate(self._searches(), start=1):
            score = matcher.match(f"Search: {name}")
            if score > 0:
                prompt, help_text, run = self._hit(number, name, saved)
                yield Hit(score, prompt, run, help=help_text)

    async def discover(self) -> Hits:
        for number, (name, saved) in enumerate(self._searches(), start=1):
            prompt, help_text, run = self._hit(number, name, saved)
            yield DiscoveryHit(prompt, run, help=help_text)
