"""Resolving papers from the app: a thread worker with a progress bar.

The list updates as papers resolve; escape cancels and keeps what was saved.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from readinglist.core.errors import UserError
from readinglist.tui.messages import EnrichFinished, EnrichProgress

if TYPE_CHECKING:
    from textual.screen import Screen

    from readinglist.core.enrich.settings import EnrichSettings
    from readinglist.core.enrich.summary import ProgressInfo, Summary
    from readinglist.core.model import Paper
    from readinglist.core.store import Store


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


def start_resolve(screen: Screen, store: Store, papers: list[Paper], settings: EnrichSettings, client: Any, cancel: threading.Event) -> None:
    """Resolve ``papers`` in a thread worker that reports through messages."""

    def progress(info: ProgressInfo) -> None:
        screen.post_message(EnrichProgress(info))

    def work() -> None:
        from readinglist.core.enrich import run_enrichment

        try:
            summary = run_enrichment(store, papers, settings, client=client, progress=progress, cancel=cancel)
        except UserError as exc:
            screen.post_message(EnrichFinished(None, str(exc)))
        else:
            screen.post_message(EnrichFinished(summary))

    screen.run_worker(work, name="enrich", group="enrich", thread=True, exclusive=True, exit_on_error=False)


def report_summary(target: Screen, summary: Summary) -> None:
    head = "Resolve cancelled" if summary.cancelled else "Resolve finished"
    text = (
        f"{head}: {summary.resolved} resolved ({summary.exact} exact, {summary.close} close), "
        f"{len(summary.unresolved)} unresolved, {len(summary.failed)} failed, {summary.code_links} code links found"
    )
    if summary.stopped:
        text += f". Stopped: {summary.stopped}"
    target.notify(text, severity="warning" if summary.failed or summary.stopped else "information", timeout=10)
