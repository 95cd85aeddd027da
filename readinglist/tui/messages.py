"""What workers report to the main screen. Workers run in threads and never
touch widgets or call screen methods: they post one of these (posting is
thread-safe) and the screen applies it on the UI thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from readinglist.core.enrich.summary import ProgressInfo, Summary


class SearchDone(Message):
    """The papers (positions) that ``text`` selects, in the current sort."""

    def __init__(self, text: str, rows: Sequence[int]) -> None:
        super().__init__()
        self.text, self.rows = text, rows


class QueryRejected(Message):
    """``text`` is not a valid query; ``message`` says why."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__()
        self.text, self.message = text, message


class IndexReady(Message):
    """The word index is built: filtering is at full speed."""


class CorpusRead(Message):
    """Another process's write of the corpus, read in a worker: (papers, stamp),
    None (read it on the UI thread), or the error reading it gave."""

    def __init__(self, read: Any, error: str | None = None) -> None:
        super().__init__()
        self.read = read
        self.error = error


class EnrichProgress(Message):
    def __init__(self, info: ProgressInfo) -> None:
        super().__init__()
        self.info = info


class EnrichFinished(Message):
    """A resolve run ended: with a summary, or with an error message."""

    def __init__(self, summary: Summary | None, error: str | None = None) -> None:
        super().__init__()
        self.summary, self.error = summary, error


class Finished(Message):
    """A background task (add, fetch, PDF) ended: ``lines`` to show, ``error`` if it failed,
    ``land_on`` a paper to show, ``opened`` a file to open."""

    def __init__(
        self,
        task: str,
        lines: list[str],
        *,
        error: str | None = None,
        land_on: str | None = None,
        opened: str | None = None,
        failed: bool = False,
        saved: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.task, self.lines, self.error = task, lines, error
        self.land_on, self.opened, self.failed, self.saved = land_on, opened, failed, saved


class Progress(Message):
    """A background task's progress for the status line; ``written`` papers to reload."""

    def __init__(self, task: str, text: str, written: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.task, self.text, self.written = task, text, written
