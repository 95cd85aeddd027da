"""What the keys do to papers: annotations, links, export and resolving.

A mixin of ``MainScreen``: every action calls a ``Library`` verb (the same
the CLI calls) and redraws what it reports changed. Dialogs get the data they
show and a callback; they never reach into the screen or the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding

from readinglist.core.errors import StoreBusy, UserError
from readinglist.core.scope import Scope
from readinglist.tui.enrich import EnrichPanel, report_summary, start_resolve
from readinglist.tui.screens.link_actions import LinkActions
from readinglist.tui.messages import EnrichFinished, EnrichProgress

if TYPE_CHECKING:
    from readinglist.core.library import Changes, Library
    from readinglist.core.model import Annotation, Paper
    from readinglist.tui.screens.export import ExportRequest
    from readinglist.tui.screens.main import Services


SAVE_WAIT_S = 60.0  # how long a save waits for another process's lock before giving up


class PaperActions(LinkActions):
    """Paper actions of the main screen (``self`` is the ``MainScreen``)."""

    ACTION_BINDINGS = [
        Binding("s", "star", "Star", id="paper.star", tooltip="Star or unstar the paper"),
        Binding("r", "cycle_status", "Status", id="paper.status", tooltip="Status: unread → reading → read"),
        Binding("t", "edit_tags", "Tags", id="paper.tags", tooltip="Edit tags (with completion)"),
        Binding("n", "edit_note", "Note", id="paper.note", tooltip="Edit the note (ctrl+s saves)"),
        Binding("o", "open_arxiv", "arXiv", id="paper.open_arxiv", tooltip="Open the arXiv page (a title search when unresolved)"),
        Binding("p", "open_pdf", "PDF", id="paper.open_pdf", show=False, tooltip="Open the PDF"),
        Binding("c", "open_code", "Code", id="paper.open_code", tooltip="Open the code (choose when there are several)"),
        Binding("y", "copy_arxiv", "Copy link", id="paper.copy_arxiv", show=False, tooltip="Copy the arXiv link"),
        Binding("Y", "copy_code", "Copy code", id="paper.copy_code", show=False, tooltip="Copy the code link"),
        Binding("u", "undo", "Undo", id="app.undo", tooltip="Undo the last change made in this app (a bulk change at once)"),
        Binding("ctrl+r,U", "redo", "Redo", id="app.redo", show=False, tooltip="Redo what undo took back"),
        Binding("e", "export", "Export", id="app.export", tooltip="Export starred or filtered papers"),
        Binding("E", "enrich", "Resolve", id="paper.enrich", show=False, tooltip="Resolve the arXiv id and code of this paper"),
    ]

    library: Library
    services: Services
    rows: Sequence[int]
    query_text: str
    sort: str
    enrich_cancel: threading.Event | None = None  # set while a resolve run goes on

    # --- annotations -------------------------------------------------------------

    def _paper_or_warn(self) -> Paper | None:
        paper = self.current
        if paper is None:
            self.notify("No paper selected", severity="warning", timeout=2)
        return paper

    def _targets_or_warn(self) -> list[str]:
        ids = self.targets()
        if not ids:
            self.notify("No paper selected", severity="warning", timeout=2)
        return ids

    def _save(self, write: Callable[[], Any], pids: list[str]) -> bool:
        """Run a library verb; on failure tell the user and change nothing."""
        from readinglist.core.library import Changes

        try:
            write()
        except StoreBusy as exc:
            # Another readinglist is writing: wait for it in the background, never freeze the list.
            who = f"pid {exc.holder}" if exc.holder else "another process"
            self.status_note(f"waiting for another readinglist ({who}) to save…")
            self._save_when_free(write, pids)
            return False
        except UserError as exc:
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)
            return False
        self.show_changes(Changes(annotations=set(pids)))
        return True

    @work(thread=True, group="save", exit_on_error=False)
    def _save_when_free(self, write: Callable[[], Any], pids: list[str]) -> None:
        import time

        from readinglist.tui.messages import Finished

        deadline = time.monotonic() + SAVE_WAIT_S
        while True:
            try:
                write()
            except StoreBusy as exc:
                if time.monotonic() < deadline:
                    continue  # each try waits the lock's own timeout
                self.post_message(Finished("save", [], error=f"{exc}; nothing was changed"))
                return
            except UserError as exc:
                self.post_message(Finished("save", [], error=str(exc)))
                return
            self.post_message(Finished("save", [], saved=tuple(pids)))
            return

    def action_star(self) -> None:
        ids = self._targets_or_warn()
        if len(ids) == 1:
            self._save(lambda: self.library.toggle_star(ids[0]), ids)
        elif ids:
            star = not all(self.library.annotation(pid).star for pid in ids)
            if self._save(lambda: self.library.set_star(ids, star), ids):
                self.notify(f"{'Starred' if star else 'Unstarred'} {_papers(len(ids))}", timeout=2)

    def action_cycle_status(self) -> None:
        ids = self._targets_or_warn()
        if not ids:
            return
        from readinglist.core.model import STATUSES

        current = self.library.annotation(ids[0]).status
        following = STATUSES[(STATUSES.index(current) + 1) % len(STATUSES)]
        if self._save(lambda: self.library.set_status(ids, following), ids):
            what = f" ({_papers(len(ids))})" if len(ids) > 1 else ""
            self.notify(f"{following.capitalize()}{what}", timeout=1.5)

    def action_edit_tags(self) -> None:
        ids = self._targets_or_warn()
        if not ids:
            return
        from readinglist.tui.screens.tags import TagEditor

        tag_lists = [self.library.annotation(pid).tags for pid in ids]
        # Several papers: the editor shows the tags they all share.
        before = [t for t in tag_lists[0] if all(t in tags for tags in tag_lists[1:])]
        paper = self.library.paper(ids[0])
        title = paper.title if len(ids) == 1 and paper else f"{_papers(len(ids))} selected"

        def done(tags: list[str] | None) -> None:
            # Save what the user changed, not the whole list: tags another
            # readinglist added meanwhile, and tags only some papers have, stay.
            if tags is not None:
                added = [t for t in tags if t not in before]
                removed = [t for t in before if t not in tags]
                if added or removed:
                    self._save(lambda: self.library.update_tags(ids, added, removed), ids)

        self.app.push_screen(TagEditor(title, before, self.library.all_tags()), done)

    def action_edit_note(self) -> None:
        paper = self._paper_or_warn()
        if paper is None:
            return
        from readinglist.core.library import Changes
        from readinglist.tui.screens.note import NoteEditor

        def save(text: str, expected: str) -> Annotation:
            from readinglist.cli.editor import keep_unsaved
            from readinglist.core.store import NoteConflict

            try:
                return self.library.set_note(paper.id, text, expected=expected)
            except NoteConflict:
                raise  # the editor shows both versions
            except UserError as exc:
                # A full disk, a vanished store...: the draft stays in the editor, and in a file when one can be written.
                kept = keep_unsaved(self.library.home, paper.id, text)
                raise UserError(f"{exc}; your text is also kept in {kept}" if kept else str(exc)) from None
            finally:
                self.show_changes(Changes(annotations={paper.id}))

        def done(text: str | None) -> None:
            if text is not None:
                self.notify("Note saved", timeout=1.5)

        self.app.push_screen(NoteEditor(paper.title, self.library.annotation(paper.id).note, save), done)

    def action_undo(self) -> None:
        self._undo_or_redo(self.library.undo, "Undone", "Nothing to undo in this session")

    def action_redo(self) -> None:
        self._undo_or_redo(self.library.redo, "Redone", "Nothing to redo")

    def _undo_or_redo(self, step: Callable[[], Any], done: str, nothing: str) -> None:
        try:
            changes, result = step()
        except UserError as exc:
            self.notify(f"Not undone: {exc}", severity="error", timeout=10)
            return
        if result is None:
            self.notify(nothing, timeout=2)
            return
        self.show_changes(changes)
        if not result.undone:
            self.notify(f"{done}: nothing, every field was changed again since", severity="warning", timeout=4)
            return
        fields = ", ".join(dict.fromkeys(_FIELD_NAMES.get(c.field, c.field.removeprefix("paper.")) for c in result.undone))
        papers = {c.pid for c in result.undone}
        paper = self.library.paper(next(iter(papers)))
        whose = _papers(len(papers)) if len(papers) > 1 or paper is None else f'"{paper.title[:50]}"'
        text = f"{done}: {fields} of {whose}"
        if result.skipped:
            text += f" ({len(result.skipped)} changed again since: kept)"
        self.notify(text, timeout=4)

    # --- export ----------------------------------------------------------------------

    def _export_scopes(self) -> dict[str, Scope]:
        return {
            "selected": Scope.selection(self.selection),
            "starred": Scope.starred(),
            "filtered": Scope.of_query(self.query_text, sort=self.sort),
        }

    def action_export(self) -> None:
        from readinglist.tui.screens.export import ExportDialog

        starred = sum(1 for a in self.library.annotations.values() if a.star)
        counts = {"starred": starred, "filtered": len(self.rows)}
        if selected := len(self.selection):
            counts = {"selected": selected, **counts}

        def done(report: str | None) -> None:
            if report:
                self.notify(report, timeout=6)

        self.app.push_screen(ExportDialog(counts, Path("reading-list.bib"), self._export), done)  # relative: the current directory

    def _export(self, request: ExportRequest) -> str:
        """Render and deliver an export; raises UserError when it cannot be written."""
        from readinglist.core.export import ExportOptions
        from readinglist.tui.screens.export import FORMAT_LABELS

        scope = self._export_scopes()[request.scope]
        papers = self.library.select(scope)
        options = ExportOptions(title=scope.title, group_by="status")
        kind = FORMAT_LABELS[request.format]
        if request.path is None:
            rendered = self.library.export(request.format, papers, options)
            self.copy_text(rendered.text)
            report, warnings = f"Copied {_papers(len(papers))} as {kind} to the clipboard", rendered.warnings
        else:
            written = self.library.export(request.format, papers, options, path=request.path, force=request.force, append=request.append)
            verb = "Appended" if request.append else "Exported"
            report, warnings = f"{verb} {_papers(len(written.written))} as {kind} to {request.path}", written.warnings
            if written.skipped:
                report += f"; skipped {_papers(len(written.skipped))} already in it"
        for warning in warnings:
            self.notify(warning, severity="warning", timeout=10)
        return report

    # --- resolving -------------------------------------------------------------------

    def action_enrich(self) -> None:
        if ids := self._targets_or_warn():
            self.resolve([p for pid in ids if (p := self.library.paper(pid)) is not None])

    def action_enrich_filtered(self) -> None:
        self.resolve([self.library.papers[i] for i in self.rows])

    def action_enrich_unresolved(self) -> None:
        self.resolve(self.library.select(Scope.unresolved()))

    def resolve(self, papers: list[Paper]) -> None:
        """Start resolving ``papers`` in the background unless a run is going on."""
        if self.enrich_cancel is not None:
            self.notify("Already resolving papers: escape cancels that run", severity="warning")
            return
        if not papers:
            self.notify("No papers to resolve", severity="warning")
            return
        try:
            from readinglist.core.enrich import load_settings

            settings = load_settings(self.services.network)
        except UserError as exc:
            self.notify(f"Cannot resolve: {exc}", severity="error", timeout=10)
            return
        self.enrich_cancel = threading.Event()
        self.query_one(EnrichPanel).start(len(papers))
        start_resolve(self, self.library.store, papers, settings, self.services.http_client, self.enrich_cancel)

    def on_enrich_progress(self, message: EnrichProgress) -> None:
        self.query_one(EnrichPanel).advance(message.info)
        if message.info.written:
            self.show_changes(self.library.reload_papers(message.info.written))

    def on_enrich_finished(self, message: EnrichFinished) -> None:
        self.enrich_stopped()
        if message.error:
            self.notify(f"Resolve failed: {message.error}", severity="error", timeout=10)
        if message.summary is not None:
            report_summary(self, message.summary)

    def enrich_stopped(self) -> None:
        self.query_one(EnrichPanel).stop()
        self.enrich_cancel = None
        self.show_changes(self.library.reload_papers(None))

    # Provided by MainScreen.
    status_note: Callable[[str], None]
    current: Paper | None
    selection: list[str]
    show_changes: Callable[[Changes], None]
    targets: Callable[[], list[str]]


_FIELD_NAMES = {"trashed": "removal", "citation_key": "key", "arxiv_id": "arXiv id"}


def _papers(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"
