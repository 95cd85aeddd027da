"""Shared set-up for the app tests: a temporary store and recorded side effects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from readinglist.core.config import Config
from readinglist.core.library import Library
from readinglist.core.store import Store
from readinglist.tui.app import ReadingListApp


class Opened(list):
    """Stands in for the browser: records every URL the app opens."""

    def __call__(self, url: str) -> None:
        self.append(url)


@dataclass(frozen=True, slots=True)
class Notice:
    message: str
    severity: str


class RecordingApp(ReadingListApp):
    """The app, with every notification it shows also kept in ``notices``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.notices: list[Notice] = []

    def notify(self, message: str, *, severity="information", **kwargs) -> None:
        self.notices.append(Notice(message, severity))
        super().notify(message, severity=severity, **kwargs)

    def messages(self, severity: str | None = None) -> list[str]:
        return [n.message for n in self.notices if severity is None or n.severity == severity]


def make_app(home: Path, config: dict | None = None, store: Store | None = None, **kwargs) -> tuple[RecordingApp, Opened]:
    opened = Opened()
    store = store or Store.open(home, year=2026)
    app = RecordingApp(Library(store, label="app"), config=Config(data=config or {}), opener=opened, **kwargs)
    return app, opened


async def settle(pilot) -> None:
    """Wait for the filter's worker to finish and its result to be shown,
    detail pane included (it is drawn once the cursor rests, on a timer that a
    busy machine can fire after the workers are done)."""
    await pilot.pause(0.1)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await detail_drawn(pilot)


async def detail_drawn(pilot, limit_s: float = 5.0) -> None:
    """Wait until the detail pane has no refresh due (the cursor rested and it was drawn)."""
    main = getattr(pilot.app, "main_screen", None)
    for _ in range(int(limit_s / 0.05)):
        if not getattr(main, "detail_due", False):
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the detail pane was not drawn within {limit_s} s")
