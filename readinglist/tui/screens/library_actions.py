"""What the keys do to the library: add, remove, fetch, PDFs, notes in $EDITOR,
and "more like this". A mixin of ``MainScreen``; network work runs in thread
workers that post ``Progress`` and ``Finished`` back."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from readinglist.core.errors import UserError
from readinglist.tui.messages import Finished, Progress

if TYPE_CHECKING:
    from readinglist.core.library import Changes, Library
    from readinglist.core.model import Paper
    from readinglist.tui.screens.main import Services


class LibraryActions:
    """Library actions of the main screen (``self`` is the ``MainScreen``)."""

    ACTION_BINDINGS = [
        Binding("a", "add", "Add", show=False, id="library.add", tooltip="Add papers by arXiv id, URL or DOI"),
        Binding("D", "remove", "Remove", show=False, id="library.remove", tooltip="Move the paper (or the selection) to the trash"),
        Binding("f", "fetch", "Fetch", show=False, id="library.fetch", tooltip="Fetch today's papers from your feeds"),
        Binding("M", "edit_metadata", "Metadata", show=False, id="paper.metadata", tooltip="Fix the title, authors, date, ids, links or key by hand"),
        Binding("N", "note_in_editor", "Note in $EDITOR", show=False, id="paper.note_editor", tooltip="Edit the note in $EDITOR"),
        Binding("m", "more_like_this", "Like this", show=False, id="paper.like", tooltip="Papers like this one (a filter: escape clears)"),
        Binding("w", "why", "Why", show=False, id="paper.why", tooltip="Why this paper ranks here: the terms and authors shared"),
    ]

    library: Library
    services: Services
    query_text: str
    busy: dict[str, threading.Event]  # task -> its cancel event, while it runs

    # --- adding and removing -----------------------------------------------------------

    def action_add(self) -> None:
        from readinglist.tui.screens.add import AddBox

        self.app.push_screen(AddBox(), lambda things: self._start_add(things) if things else None)

    def _start_add(self, things: list[str]) -> None:
        settings = self._settings()
        if settings is None or not self._claim("add"):
            return
        library, client, cancel = self.library, self.services.http_client, self.busy["add"]
        self.notify(f"Adding {len(things)}…", timeout=2)

        def work() -> None:
            try:
                outcomes = library.add_things(things, settings, client=client, cancel=cancel,
                                              progress=lambda text: self.post_message(Progress("add", text)))
            except UserError as exc:
                self.post_message(Finished("add", [], error=str(exc)))
                return
            first = next((o.paper_id for o in outcomes if o.ok and o.paper_id), None)
            self.post_message(Finished("add", [o.line() for o in outcomes], land_on=first, failed=not all(o.ok for o in outcomes)))

        self.run_worker(work, name="add", group="add", thread=True, exit_on_error=False)

    def action_remove(self) -> None:
        ids = self.targets()
        if not ids:
            return
        try:
            changes, removed = self.library.remove_papers(ids)
        except UserError as exc:
            self.notify(f"Not removed: {exc}", severity="error", timeout=10)
            return
        self.paper_list.clear_selection()
        self.show_changes(changes)
        self.notify(f"Moved {len(removed)} paper{'' if len(removed) == 1 else 's'} to the trash (u brings "
                    f"{'it' if len(removed) == 1 else 'them'} back)", timeout=6)

    def action_edit_metadata(self) -> None:
        paper = self.current
        if paper is None:
            return
        from readinglist.tui.screens.metadata import MetadataEditor

        def done(changed: dict[str, str] | None) -> None:
            if not changed:
                return
            try:
                changes = self.library.edit_paper(paper.id, changed)
            except UserError as exc:
                self.notify(f"Not saved: {exc}", severity="error", timeout=10)
                return
            self.show_changes(changes)
            self.notify(f"Saved: {', '.join(changed)} (yours from now on)", timeout=4)

        self.app.push_screen(MetadataEditor(paper), done)

    # --- feeds --------------------------------------------------------------------------

    def action_fetch(self) -> None:
        self.start_fetch(quiet=False)

    def start_fetch(self, *, quiet: bool) -> None:
        """Fetch every subscription since its last fetch, in the background."""
        from readinglist.core.feeds.plan import load_feeds_config, make_plan
        from readinglist.core.feeds.state import load_state

        settings = self._settings()
        if settings is None:
            return
        try:
            config = load_feeds_config(self.services.feeds)
            plan = make_plan(config, load_state(self.library.home).last_success(), today=dt.date.today())
        except UserError as exc:
            self.notify(f"Cannot fetch: {exc}", severity="error", timeout=10)
            return
        if not plan.sources:
            if not quiet:
                self.notify("No feeds to fetch: subscribe in the config's [feeds] (see docs/feeds.md)", severity="warning", timeout=6)
            return
        if not self._claim("fetch"):
            return
        store, client, cancel = self.library.store, self.services.http_client, self.busy["fetch"]

        def work() -> None:
            from readinglist.core.feeds.run import run_fetch

            def progress(info) -> None:
                self.post_message(Progress("fetch", f"Fetching {info.source}: {info.message}", tuple(info.written)))

            try:
                report = run_fetch(store, plan, settings, client=client, progress=progress, cancel=cancel)
            except UserError as exc:
                self.post_message(Finished("fetch", [], error=str(exc)))
                return
            self.post_message(Finished("fetch", report.lines(), failed=bool(report.failed)))

        self.run_worker(work, name="fetch", group="fetch", thread=True, exit_on_error=False)

    # --- PDFs and notes -------------------------------------------------------------------

    def action_open_pdf(self) -> None:
        """The local PDF when there is one; else download it (in the background) and open it."""
        from readinglist.core.pdf import pdf_path

        paper = self.current
        if paper is None:
            return
        local = pdf_path(self.library.home, paper.id)
        if local.is_file():
            self._open_file(local)
            return
        if not paper.arxiv_pdf_url:
            self.notify("No PDF known yet: resolve the arXiv id with E, or attach one with `readinglist attach`", severity="warning", timeout=5)
            return
        settings = self._settings()
        if settings is None or not self._claim("pdf"):
            return
        home, client = self.library.home, self.services.http_client
        self.notify("Downloading the PDF…", timeout=2)

        def work() -> None:
            from readinglist.core.pdf import download_pdf

            try:
                path = download_pdf(home, paper, settings, client=client)
            except UserError as exc:
                self.post_message(Finished("pdf", [], error=str(exc)))
                return
            self.post_message(Finished("pdf", [f"Saved {path}"], opened=str(path)))

        self.run_worker(work, name="pdf", group="pdf", thread=True, exit_on_error=False)

    def _open_file(self, path: Path) -> None:
        if self.services.opener is not None:
            self.services.opener(path.as_uri())
        else:
            from readinglist.core.pdf import open_with_viewer

            try:
                open_with_viewer(path)
            except UserError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
        self.notify(f"Opening {path}", timeout=3)

    def action_note_in_editor(self) -> None:
        paper = self.current
        if paper is None:
            return
        from textual.app import SuspendNotSupported

        from readinglist.cli.editor import edit_text, keep_unsaved
        from readinglist.core.library import Changes
        from readinglist.core.store import NoteConflict

        before = self.library.annotation(paper.id).note
        try:
            try:
                with self.app.suspend():
                    text = edit_text(before)
            except SuspendNotSupported:  # no terminal to hand over (tests, some drivers)
                text = edit_text(before)
        except UserError as exc:
            self.notify(f"Note not changed: {exc}", severity="error", timeout=8)
            return
        if text.rstrip() == before.rstrip():
            return
        try:
            self.library.set_note(paper.id, text, expected=before)
        except NoteConflict:
            kept = keep_unsaved(self.library.home, paper.id, text)
            self.notify(f"The note was changed elsewhere meanwhile and was not overwritten; yours is in {kept}", severity="error", timeout=12)
        except UserError as exc:
            kept = keep_unsaved(self.library.home, paper.id, text)
            self.notify(f"Note not saved: {exc}; your text is in {kept}", severity="error", timeout=12)
        else:
            self.notify("Note saved", timeout=1.5)
        self.show_changes(Changes(annotations={paper.id}))

    # --- more like this ---------------------------------------------------------------

    def action_more_like_this(self) -> None:
        if (paper := self.current) is not None:
            self.filter_input.value = f"like:{paper.id}"  # posts Changed: a filter escape clears
            self.paper_list.focus()

    def action_why(self) -> None:
        from readinglist.core.query import QueryError, parse_query

        paper = self.current
        if paper is None:
            return
        try:
            likes = parse_query(self.query_text).like_terms
        except QueryError:
            likes = ()
        target = likes[0].value if likes else "starred"
        try:
            if target != "starred" and not target.startswith("tag:"):
                target = self.library.resolve_id(target)
            model = self.library.similarity
            model.build()
            reasons = model.reasons(model.profile_for(target), self.library.position(paper.id))
        except UserError as exc:
            self.notify(f"{exc} (star some papers, or press m on one)", severity="warning", timeout=6)
            return
        what = "the starred papers" if target == "starred" else target
        self.notify(f"Like {what} by: {', '.join(reasons) or 'nothing in particular'}", timeout=8)

    # --- tasks ----------------------------------------------------------------------------

    def _settings(self):
        from readinglist.core.enrich import load_settings

        try:
            return load_settings(self.services.network)
        except UserError as exc:
            self.notify(f"Network settings: {exc}", severity="error", timeout=10)
            return None

    def _claim(self, task: str) -> bool:
        if task in self.busy:
            self.notify(f"Already running: {task}", severity="warning", timeout=3)
            return False
        self.busy[task] = threading.Event()
        return True

    def on_progress(self, message: Progress) -> None:
        self.status_note(message.text)
        if message.written:
            self.show_changes(self.library.reload_papers(message.written))

    def on_finished(self, message: Finished) -> None:
        self.busy.pop(message.task, None)
        self.status_note("")
        if message.task in ("add", "fetch"):
            self.library.refresh_flags()
            self.show_changes(self.library.reload_papers(None))
        if message.saved:
            from readinglist.core.library import Changes

            self.show_changes(Changes(annotations=set(message.saved)))
            self.notify("Saved (the other readinglist was done)", timeout=2)
        if message.error:
            self.notify(f"{message.task.capitalize()} failed: {message.error}", severity="error", timeout=10)
        elif message.lines:
            self.notify("\n".join(message.lines[:12]), severity="warning" if message.failed else "information", timeout=10)
        if message.land_on:
            self.call_after_refresh(self.go_to_paper, message.land_on)
        if message.opened:
            self.library.refresh_flags()
            self._open_file(Path(message.opened))

    # Provided by MainScreen.
    current: Paper | None
    show_changes: Callable[[Changes], None]
    targets: Callable[[], list[str]]
    status_note: Callable[[str], None]
    go_to_paper: Callable[[str], None]
    filter_input: Any
    paper_list: Any
