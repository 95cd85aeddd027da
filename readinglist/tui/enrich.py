"""Resolving papers from the app: a thread worker with a progress bar.

The list updates as papers resolve; escape cancels and keeps what was saved.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from readinglist.core.errors import UserError

if TYPE_CHECKING:
    from readinglist.core.enrich.summary import ProgressInfo, Summary
    from readinglist.core.model import Paper
    from readinglist.tui.app import ReadingListApp


class EnrichPanel(Horizontal):
    """Shown while a resolve run is going on."""

    DEFAULT_CSS = """
    EnrichPanel { height: 1; display: none; background: $boost; padding: 0 1; }
    EnrichPanel.running { display: block; }
    EnrichPanel > Static { width: 1fr; }
    EnrichPanel > ProgressBar { width: 40; }
    """

    def compose(self):
        yield Static(id="enrich-label")
        yield ProgressBar(total=None, show_eta=True, id="enrich-bar")

    def start(self, total: int) -> None:
        self.add_class("running")
        self.query_one(ProgressBar).update(total=total, progress=0)
        self.query_one("#enrich-label", Static).update(Text(f"Resolving {total} papers… (escape cancels)"))

    def advance(self, info: ProgressInfo) -> None:
        self.query_one(ProgressBar).update(total=info.total, progress=info.done)
        label = f"Resolving: {info.done}/{info.total} done, {info.resolved} resolved, {info.failed} failed"
        if info.message:
            label += f" · {info.message}"
        self.query_one("#enrich-label", Static).update(Text(label + " (escape cancels)", overflow="ellipsis", no_wrap=True))

    def stop(self) -> None:
        self.remove_class("running")


def enrich_papers(app: ReadingListApp, papers: list[Paper]) -> None:
    """Start resolving ``papers`` unless a run is already going on."""
    if app.enrich_cancel is not None:
        app.notify("Already resolving papers: escape cancels that run", severity="warning")
        return
    if not papers:
        app.notify("No papers to resolve", severity="warning")
        return
    try:
        from readinglist.core.enrich import load_settings

        settings = load_settings(app.config.section("network"))
    except UserError as exc:
        app.notify(f"Cannot resolve: {exc}", severity="error", timeout=10)
        return
    cancel = threading.Event()
    app.enrich_cancel = cancel
    panel = app.main_screen.query_one(EnrichPanel)
    panel.start(len(papers))

    def progress(info: ProgressInfo) -> None:
        app.call_from_thread(_progress, app, info)

    def work() -> None:
        from readinglist.core.enrich import run_enrichment

        summary = None
        try:
            summary = run_enrichment(app.store, papers, settings, client=app.http_client, progress=progress, cancel=cancel)
        except UserError as exc:
            app.call_from_thread(app.notify, f"Resolve failed: {exc}", severity="error", timeout=10)
        finally:
            app.call_from_thread(_finished, app, summary)

    app.run_worker(work, name="enrich", group="enrich", thread=True, exclusive=True, exit_on_error=False)


def _progress(app: ReadingListApp, info: ProgressInfo) -> None:
    app.main_screen.query_one(EnrichPanel).advance(info)
    if info.written:
        app.reload_papers(info.written)


def _finished(app: ReadingListApp, summary: Summary | None) -> None:
    app.main_screen.query_one(EnrichPanel).stop()
    app.enrich_cancel = None
    app.reload_papers(None)
    if summary is not None:
        report_summary(app, summary)


def report_summary(app: ReadingListApp, summary: Summary) -> None:
    head = "Resolve cancelled" if summary.cancelled else "Resolve finished"
    text = (
        f"{head}: {summary.resolved} resolved ({summary.exact} exact, {summary.close} close), "
        f"{len(summary.unresolved)} unresolved, {len(summary.failed)} failed, {summary.code_links} code links found"
    )
    if summary.stopped:
        text += f". Stopped: {summary.stopped}"
    app.notify(text, severity="warning" if summary.failed or summary.stopped else "information", timeout=10)
