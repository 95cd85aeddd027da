"""The note editor: ctrl+s saves, escape asks before throwing text away."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from readinglist.core.errors import UserError
from readinglist.core.store import NoteConflict
from readinglist.core.text import clean_text
from readinglist.tui.screens.confirm import ConfirmScreen


class NoteEditor(ModalScreen[str | None]):
    """Returns the saved note, or None when the user left without saving.

    ``save(text, expected)`` is called before closing, ``expected`` being the
    note the user began from; if it fails the editor stays open with the
    user's text and shows why. If the note was saved elsewhere meanwhile
    (``NoteConflict``), both versions go in the editor for the user to merge.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="note.save", tooltip="Save the note and close"),
        Binding("escape", "cancel", "Cancel", id="note.cancel", tooltip="Close; asks first if there are unsaved changes"),
    ]

    def __init__(self, title: str, note: str, save: Callable[[str, str], object]) -> None:
        super().__init__()
        self.paper_title = clean_text(title)
        self.base = note  # the note as saved when editing began: what a save expects
        self.original = clean_text(note, multiline=True)
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide note"):
            yield Static(Text.assemble(("Note for ", "dim"), (self.paper_title, "bold")), classes="dialog-title")
            yield TextArea(self.original, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text("ctrl+s save · escape cancel", style="dim"), classes="dialog-help")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.cursor_blink = False if self.app.is_headless else area.cursor_blink
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def action_save(self) -> None:
        try:
            self.save(self.text, self.base)
        except NoteConflict as exc:
            self.base = exc.current
            self.query_one(TextArea).text = f"{self.text}\n\n--- saved elsewhere meanwhile ---\n{exc.current}"
            self.notify(f"Note not saved: {exc}", severity="error", timeout=10)
            return
        except UserError as exc:
            self.notify(f"Note not saved: {exc}", severity="error", timeout=10)
            return
        self.dismiss(self.text)

    def action_cancel(self) -> None:
        if self.text.rstrip() == self.original.rstrip():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard the unsaved changes to this note?", yes="Discard", no="Keep editing"), answered)
