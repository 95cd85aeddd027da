"""Regenerate the SVG screenshots in ``screenshots/``.

    python -m readinglist.tui.screenshots [OUTPUT_DIR]

Runs the app headless on a temporary store seeded with the built-in corpus,
drives it with keys and saves what the terminal shows.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from readinglist.core.config import Config
from readinglist.core.library import Library
from readinglist.core.store import Store
from readinglist.tui.app import ReadingListApp

SIZE = (140, 40)


async def _settle(pilot) -> None:
    await pilot.pause(0.1)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _main(pilot) -> None:
    await _settle(pilot)
    await pilot.press("j", "s", "j", "j", "r", "j", "s", "r", "r", "k")


async def _filter(pilot) -> None:
    await _settle(pilot)
    await pilot.press("slash", *"clip has:code")
    await _settle(pilot)


async def _note(pilot) -> None:
    await _settle(pilot)
    app: ReadingListApp = pilot.app
    library, screen = app.library, app.main_screen
    pid = screen.current.id
    changes = library.update_tags([pid], ["audio", "self-supervised"])
    library.set_note(pid, "Same recipe as MAE on spectrograms.\nCompare the local-window decoder with AST.")
    changes |= library.set_status([pid], "reading")
    changes |= library.set_star([pid], True)
    screen.show_changes(changes)
    await pilot.pause()


async def _note_editor(pilot) -> None:
    await _note(pilot)
    await pilot.press("n", "end", *"\nSee also AudioMAE on VGGSound.")
    await pilot.pause()


async def _help(pilot) -> None:
    await _settle(pilot)
    await pilot.press("question_mark")
    await pilot.pause()


SHOTS: dict[str, Callable[[object], Awaitable[None]]] = {
    "main": _main,
    "filter": _filter,
    "detail-note": _note,
    "note-editor": _note_editor,
    "help": _help,
}


async def take(name: str, drive: Callable[[object], Awaitable[None]], out: Path) -> Path:
    with tempfile.TemporaryDirectory() as home:
        library = Library(Store.open(Path(home), year=2026))
        app = ReadingListApp(library, config=Config(), opener=lambda url: None)
        async with app.run_test(size=SIZE) as pilot:
            await drive(pilot)
            target = out / f"{name}.svg"
            app.save_screenshot(filename=target.name, path=str(out))
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for name, drive in SHOTS.items():
        print(asyncio.run(take(name, drive, out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
