"""The tag editor: space- or comma-separated tags with completion."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from readinglist.core.text import clean_text

_SPLIT = re.compile(r"[,\s]+")


def split_tags(value: str) -> list[str]:
    return [t for t in _SPLIT.split(value) if t]


class TagSuggester(Suggester):
    """Completes the word being typed from the tags already in use."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags = tags

    async def get_suggestion(self, value: str) -> str | None:
        match = re.search(r"([^,\s]+)$", value)
        if not match:
            return None
        stem = match.group(1).casefold()
        taken = set(split_tags(value[: match.start()]))
        for tag in self.tags:
            if tag.casefold().startswith(stem) and tag.casefold() != stem and tag not in taken:
                return value[: match.start()] + tag
        return None


class TagEditor(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="tags.cancel")]

    def __init__(self, title: str, tags: list[str], known: list[str]) -> None:
        super().__init__()
        self.paper_title = clean_text(title)
        self.tags = [clean_text(t) for t in tags]
        self.known = [clean_text(t) for t in known]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text.assemble(("Tags for ", "dim"), (self.paper_title, "bold")), classes="dialog-title")
            yield Input(" ".join(self.tags), id="tags-input", placeholder="tags, separated by spaces", suggester=TagSuggester(self.known))
            known = ", ".join(self.known) if self.known else "none yet"
            yield Static(Text(f"In use: {known}", style="dim", overflow="ellipsis"), classes="dialog-help")
            yield Static(Text("→ accepts a completion · enter saves · escape cancels", style="dim"), classes="dialog-help")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False if self.app.is_headless else field.cursor_blink
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(split_tags(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
