"""The status line: how many papers are shown, the filter, the sort, and
whether a search is still running."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass(slots=True)
class Status:
    shown: int
    total: int
    query: str
    sort: str
    query_error: bool = False
    searching: bool = False
    indexing: bool = False  # the word index is still being built
    selected: int = 0
    task: str = ""  # what a background task (add, fetch, PDF) is doing


class StatusLine(Static):
    def show(self, status: Status) -> None:
        text = Text()
        text.append(f"{status.shown} of {status.total} papers", style="bold")
        if status.selected:
            text.append(f"  ·  {status.selected} selected (escape clears)", style="bold")
        text.append("  ·  filter: ")
        text.append(status.query or "none", style="" if status.query else "italic")
        text.append(f"  ·  sort: {status.sort}")
        if status.task:
            text.append(f"  ·  {status.task}", style="italic")
        if status.query_error:
            text.append("  ·  query not applied", style="bold red")
        if status.searching:
            text.append("  ·  searching…", style="italic")
            if status.indexing:
                text.append(" (building the search index)", style="italic dim")
        self.update(text, layout=False)  # one row: no re-layout
