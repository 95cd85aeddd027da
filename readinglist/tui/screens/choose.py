"""Pick one link when a paper has several."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from readinglist.core.text import clean_text


class ChooseLink(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, prompt: str, urls: list[str]) -> None:
        super().__init__()
        self.prompt, self.urls = prompt, urls

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.prompt, style="bold"), classes="dialog-title")
            yield OptionList(*(Option(Text(clean_text(url)), id=str(i)) for i, url in enumerate(self.urls)))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.urls[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
