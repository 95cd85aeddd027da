"""Shared set-up for the app tests: a temporary store and recorded side effects."""

from __future__ import annotations

from pathlib import Path

from readinglist.core.config import Config
from readinglist.core.store import Store
from readinglist.tui.app import ReadingListApp


class Opened(list):
    """Stands in for the browser: records every URL the app opens."""

    def __call__(self, url: str) -> None:
        self.append(url)


def make_app(home: Path, config: dict | None = None, store: Store | None = None) -> tuple[ReadingListApp, Opened]:
    opened = Opened()
    store = store or Store.open(home, year=2026)
    app = ReadingListApp(store=store, config=Config(data=config or {}), opener=opened)
    return app, opened


async def settle(pilot) -> None:
    """Wait for the debounced filter and its worker to finish."""
    await pilot.pause(0.1)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
