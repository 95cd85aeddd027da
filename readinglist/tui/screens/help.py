"""The help screen: every key and the filter language on one page."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

FILTER_HELP = [
    ("words", "all must match title, authors, abstract, tags or note (prefixes: transf)"),
    ('"a phrase"', "words in this order"),
    ("-word", "exclude; works on every field too: -cat:CL"),
    ("title: author: abstract: note:", "match one field"),
    ("cat:cs.CV  cat:CV", "arXiv category"),
    ("year:2023  year:2020..2023", "year or range (open ends: 2020..)"),
    ("is:starred is:unread|reading|read", "annotations"),
    ("has:code has:note has:arxiv has:tags", "what a paper has"),
    ("tag:NAME  id:PREFIX", "a tag; an id"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        """``keys``: (keys as the user's keymap has them, what they do), from the live bindings."""
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold cyan", no_wrap=True)
        keys.add_column()
        for key, description in self.keys:
            keys.add_row(Text(key), Text(description))
        language = Table.grid(padding=(0, 2))
        language.add_column(style="bold cyan", no_wrap=True)
        language.add_column()
        for syntax, meaning in FILTER_HELP:
            language.add_row(Text(syntax), Text(meaning))
        with VerticalScroll(classes="dialog wide"):
            yield Static(Text("Keys", style="bold underline"))
            yield Static(keys)
            yield Static(Text("\nFilter language (press / to filter)", style="bold underline"))
            yield Static(language)
            yield Static(Text("\nEvery change is saved at once. escape closes this help.", style="dim"))
