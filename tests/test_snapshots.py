"""Pictures of the app (pytest-textual-snapshot). Update with --snapshot-update."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.store import Store
from tests.tui_helpers import make_app, settle

SIZE = (140, 40)


def _app(tmp_path: Path):
    store = Store.open(tmp_path / "home", year=2026)
    return make_app(tmp_path / "home", store=store)[0]


def test_main_screen(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=settle)


def test_filtered_view(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"author:xu has:code")
        await settle(pilot)
        await pilot.press("enter")

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_empty_result(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"zzzqqq")
        await settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_note_editor(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("n", *"Compare with MAE; [red]not markup[/red]")

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_tag_editor(snap_compare, tmp_path: Path) -> None:
    store = Store.open(tmp_path / "home", year=2026)
    store.set_tags(store.papers()[3].id, ["llm", "survey"])
    app = make_app(tmp_path / "home", store=store)[0]

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("t", *"to-read l")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


# The layout at the sizes people use: the title gets the width first, the
# detail pane goes below the list under 140 columns, dialogs fit 80×24.
@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=["80x24", "120x40", "200x50"])
def test_main_screen_at_common_sizes(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("key", ["n", "e", "t", "question_mark", "M", "a"], ids=["note", "export", "tags", "help", "metadata", "add"])
def test_dialogs_fit_80x24(snap_compare, tmp_path: Path, key: str) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(key)
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=run_before)
