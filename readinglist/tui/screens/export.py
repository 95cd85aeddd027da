"""The export dialog: format, scope, and a file or the clipboard."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from readinglist.core.errors import UserError
from readinglist.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from readinglist.core.model import Paper
    from readinglist.tui.app import ReadingListApp


class ExportDialog(ModalScreen[str | None]):
    """Returns a one-line report of what was exported where, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+s", "export", "Export", id="export.run"),
    ]

    def __init__(self, app: ReadingListApp) -> None:
        super().__init__()
        self.owner = app

    def compose(self) -> ComposeResult:
        starred = sum(1 for a in self.owner.annotations.values() if a.star)
        shown = len(self.owner.rows)
        with Vertical(classes="dialog export"):
            yield Static(Text("Export", style="bold"), classes="dialog-title")
            with Horizontal(classes="export-row"):
                with RadioSet(id="format"):
                    yield RadioButton("BibTeX", value=True, id="bib")
                    yield RadioButton("Markdown", id="md")
                with RadioSet(id="scope"):
                    yield RadioButton(f"Starred ({starred})", value=True, id="starred")
                    yield RadioButton(f"Filtered ({shown})", id="filtered")
                with RadioSet(id="destination"):
                    yield RadioButton("File", value=True, id="file")
                    yield RadioButton("Clipboard", id="clipboard")
            yield Label("File")
            yield Input(str(Path.cwd() / "reading-list.bib"), id="path")
            yield Static(Text("ctrl+s exports · escape cancels", style="dim"), classes="dialog-help")
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="run")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#format", RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "format":
            path = self.query_one("#path", Input)
            suffix = ".md" if self.format == "md" else ".bib"
            current = Path(path.value)
            if current.suffix in (".md", ".bib"):
                path.value = str(current.with_suffix(suffix))
        if event.radio_set.id == "destination":
            self.query_one("#path", Input).disabled = self.destination == "clipboard"

    def _chosen(self, radio_set: str) -> str:
        pressed = self.query_one(f"#{radio_set}", RadioSet).pressed_button
        return pressed.id if pressed and pressed.id else ""

    @property
    def format(self) -> str:
        return self._chosen("format")

    @property
    def scope(self) -> str:
        return self._chosen("scope")

    @property
    def destination(self) -> str:
        return self._chosen("destination")

    def papers(self) -> list[Paper]:
        app = self.owner
        if self.scope == "filtered":
            return [app.papers[i] for i in app.rows]
        return [p for p in app.papers if app.annotation_of(p.id).star]

    def render_export(self, papers: list[Paper]) -> str:
        from readinglist.core import export

        annotations = self.owner.annotations
        if self.format == "md":
            title = "Starred papers" if self.scope == "starred" else f"Papers: {self.owner.query_text or 'all'}"
            return export.to_markdown(papers, annotations, title=title, group_by="status")
        return export.render("bib", papers, annotations).text

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run":
            self.action_export()
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_export()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        papers = self.papers()
        if not papers:
            self.notify("Nothing to export: no paper in this scope", severity="warning")
            return
        text = self.render_export(papers)
        kind = "BibTeX" if self.format == "bib" else "Markdown"
        if self.destination == "clipboard":
            self.owner.copy_to_clipboard(text)
            self.owner._copy_with_pyperclip(text)
            self.dismiss(f"Copied {len(papers)} papers as {kind} to the clipboard")
            return
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        if not path.name:
            self.notify("Give a file name", severity="warning")
            return
        if path.exists() and not path.is_dir():

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self._write(path, text, len(papers), kind, force=True)

            self.app.push_screen(ConfirmScreen(f"{path} exists. Overwrite it?", yes="Overwrite", no="Keep it"), answered)
            return
        self._write(path, text, len(papers), kind, force=False)

    def _write(self, path: Path, text: str, count: int, kind: str, *, force: bool) -> None:
        from readinglist.core.export import write_export

        try:
            write_export(path, text, force=force)
        except UserError as exc:
            self.notify(f"Not exported: {exc}", severity="error", timeout=10)
            return
        self.dismiss(f"Exported {count} papers as {kind} to {path}")
