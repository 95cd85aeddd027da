"""The metadata editor: fix a paper's title, authors, date, ids, links and
citation key by hand. What the user changes becomes theirs: no enrichment,
import or feed overwrites it afterwards."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from readinglist.core.model import Paper
from readinglist.core.text import clean_text

FIELDS = (  # (field for Store.edit_paper, label)
    ("title", "Title"),
    ("authors", "Authors (; between)"),
    ("date", "Date (YYYY[-MM[-DD]])"),
    ("arxiv", "arXiv id"),
    ("doi", "DOI"),
    ("url", "URL"),
    ("code", "Code URL"),
    ("key", "Citation key"),
)


def current_values(paper: Paper) -> dict[str, str]:
    return {
        "title": paper.title,
        "authors": "; ".join(paper.authors),
        "date": paper.date or "",
        "arxiv": paper.arxiv_id or "",
        "doi": paper.doi or "",
        "url": paper.url or "",
        "code": paper.code_links[0] if paper.code_links else "",
        "key": paper.citation_key or "",
    }


class MetadataEditor(ModalScreen[dict[str, str] | None]):
    """Returns the fields the user changed (name -> new text), or None."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="metadata.save"),
        Binding("escape", "cancel", "Cancel", id="metadata.cancel"),
    ]

    def __init__(self, paper: Paper) -> None:
        super().__init__()
        self.before = {name: clean_text(value) for name, value in current_values(paper).items()}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide metadata"):
            yield Static(Text("Edit metadata (your values are never overwritten)", style="bold"), classes="dialog-title")
            with VerticalScroll(id="metadata-fields"), Grid(id="metadata-grid"):  # scrolls at 80x24
                for name, label in FIELDS:
                    yield Label(label)
                    yield Input(self.before[name], id=f"meta-{name}", select_on_focus=False)
            yield Static(Text("tab next field · ctrl+s save · escape cancel", style="dim"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#meta-title", Input).focus()

    def changed(self) -> dict[str, str]:
        values = {name: self.query_one(f"#meta-{name}", Input).value.strip() for name, _ in FIELDS}
        return {name: value for name, value in values.items() if value != self.before[name].strip()}

    def action_save(self) -> None:
        self.dismiss(self.changed() or None)

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)
