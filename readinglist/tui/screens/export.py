"""The export dialog: format, scope, and a file or the clipboard."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from readinglist.core.errors import UserError
from readinglist.tui.screens.confirm import ConfirmScreen



FORMAT_LABELS = {"bib": "BibTeX", "biblatex": "biblatex", "csl": "CSL-JSON", "ris": "RIS", "md": "Markdown"}
SUFFIXES = {"bib": ".bib", "biblatex": ".bib", "csl": ".json", "ris": ".ris", "md": ".md"}


class ChoiceSet(RadioSet):
    """A radio set where moving is choosing: what is highlighted is what is
    exported, so ctrl+s never exports a choice the user moved away from."""

    def action_next_button(self) -> None:
        super().action_next_button()
        self._choose_highlighted()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        self._choose_highlighted()

    def _choose_highlighted(self) -> None:
        if self._selected is not None and not self._nodes[self._selected].value:
            self.action_toggle_button()


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the user chose: ``path`` None means the clipboard."""

    format: str  # one of FORMAT_LABELS
    scope: str  # "selected", "starred" or "filtered"
    path: Path | None
    force: bool = False  # the user agreed to replace the file
    append: bool = False  # add to the file, skipping papers already in it


class ExportDialog(ModalScreen[str | None]):
    """Returns a one-line report of what was exported where, or None.

    ``counts`` says how many papers each scope holds; ``export`` does the
    work and returns the report (or raises ``UserError``, shown here).
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+s", "export", "Export", id="export.run"),
    ]

    def __init__(self, counts: Mapping[str, int], default_path: Path, export: Callable[[ExportRequest], str]) -> None:
        super().__init__()
        self.counts = dict(counts)
        self.default_path = default_path
        self.export = export

    def compose(self) -> ComposeResult:
        starred, shown = self.counts.get("starred", 0), self.counts.get("filtered", 0)
        selected = self.counts.get("selected", 0)
        with Vertical(classes="dialog export"):
            yield Static(Text("Export", style="bold"), classes="dialog-title")
            with Horizontal(classes="export-row"):
                with ChoiceSet(id="format"):
                    for fmt, label in FORMAT_LABELS.items():
                        yield RadioButton(label, value=fmt == "bib", id=fmt)
                with ChoiceSet(id="scope"):
                    if selected:
                        yield RadioButton(f"Selected ({selected})", value=True, id="selected")
                    yield RadioButton(f"Starred ({starred})", value=not selected, id="starred")
                    yield RadioButton(f"Shown ({shown})", id="filtered")
                with ChoiceSet(id="destination"):
                    yield RadioButton("New file", value=True, id="file")
                    yield RadioButton("Append to file", id="append")
                    yield RadioButton("Clipboard", id="clipboard")
            yield Input(str(self.default_path), id="path", placeholder="file name")
            yield Static(
                Text("↑↓ choose · tab next group · ctrl+s export · escape cancel", style="dim"), classes="dialog-help"
            )
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="run")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#format", RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "format":
            path = self.query_one("#path", Input)
            current = Path(path.value)
            if current.suffix in SUFFIXES.values():
                path.value = str(current.with_suffix(SUFFIXES[self.format]))
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
        if not self.counts.get(self.scope, 0):
            self.notify("Nothing to export: no paper in this scope", severity="warning")
            return
        if self.destination == "clipboard":
            self._run(ExportRequest(self.format, self.scope, None))
            return
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        if not path.name:
            self.notify("Give a file name", severity="warning")
            return
        if self.destination == "append":
            self._run(ExportRequest(self.format, self.scope, path, append=True))
            return
        request = ExportRequest(self.format, self.scope, path)
        if path.exists() and not path.is_dir():

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self._run(ExportRequest(self.format, self.scope, path, force=True))

            self.app.push_screen(ConfirmScreen(f"{path} exists. Overwrite it?", yes="Overwrite", no="Keep it"), answered)
            return
        self._run(request)

    def _run(self, request: ExportRequest) -> None:
        try:
            report = self.export(request)
        except UserError as exc:
            self.notify(f"Not exported: {exc}", severity="error", timeout=10)
            return
        self.dismiss(report)
