"""The add box: paste arXiv ids, URLs or DOIs (several at once); enter adds."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def split_things(text: str) -> list[str]:
    """Ids, URLs and DOIs separated by spaces, commas or new lines."""
    return [t for t in re.split(r"[\s,]+", text) if t]


class AddBox(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="add.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Add papers", style="bold"), classes="dialog-title")
            yield Input(id="things", placeholder="2304.07193  arxiv.org/abs/…  10.1145/…  (several at once)")
            yield Static(
                Text("arXiv ids or URLs, Hugging Face or alphaxiv links, DOIs · enter adds · escape cancels", style="dim"),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        things = split_things(event.value)
        self.dismiss(things or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
