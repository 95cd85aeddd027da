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

_TOKEN = re.compile(r'"([^"]*)"?|([^,\s"]+)')


def split_tags(value: str) -> list[str]:
    """Tags separated by spaces or commas; a tag holding either is written in quotes."""
    return [quoted.strip() or bare for quoted, bare in _TOKEN.findall(value) if (quoted.strip() or bare)]


def join_tags(tags: list[str]) -> str:
    """The editor's text for ``tags``: split_tags(join_tags(t)) == t."""
    return " ".join(f'"{t}"' if re.search(r'[,\s"]', t) else t for t in tags)


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
            yield Input(
                join_tags(self.tags),
                id="tags-input",
                placeholder="tags, separated by spaces",
                suggester=TagSuggester(self.known),
                # Selected text would be replaced by the first key typed: every tag gone.
                select_on_focus=False,
            )
            known = ", ".join(self.known) if self.known else "none yet"
            yield Static(Text(f"In use: {known}", style="dim", overflow="ellipsis"), classes="dialog-help")
            yield Static(Text("→ accepts a completion · enter saves · escape cancels", style="dim"), classes="dialog-help")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False if self.app.is_headless else field.cursor_blink
        field.focus()
        field.cursor_position = len(field.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == join_tags(self.tags):
            self.dismiss(list(self.tags))  # nothing edited: nothing changes
            return
        self.dismiss(split_tags(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
