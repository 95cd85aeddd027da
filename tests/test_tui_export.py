"""The export dialog: starred or filtered papers to a file or the clipboard."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
from textual.widgets import Input, RadioButton

from readinglist.core.store import Store
from readinglist.tui.screens.confirm import ConfirmScreen
from readinglist.tui.screens.export import ExportDialog
from tests.tui_helpers import make_app, settle

SIZE = (140, 40)


async def _open_dialog(pilot, path: Path | None = None) -> ExportDialog:
    await pilot.press("e")
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog)
    if path is not None:
        dialog.query_one("#path", Input).value = str(path)
    return dialog


async def test_starred_papers_to_a_bibtex_file(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home")
    target = tmp_path / "out.bib"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s", "j", "j", "s")
        await _open_dialog(pilot, target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog), app.messages()
        assert any(f"Exported 2 papers as BibTeX to {target}" == m for m in app.messages())
    library = bibtexparser.parse_string(target.read_text(encoding="utf-8"))
    assert len(library.entries) == 2 and not library.failed_blocks


async def test_filtered_papers_as_markdown_to_the_clipboard(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"title:clip", "enter")
        await settle(pilot)
        shown = len(app.main_screen.rows)
        dialog = await _open_dialog(pilot)
        dialog.query_one("#md", RadioButton).value = True
        dialog.query_one("#filtered", RadioButton).value = True
        dialog.query_one("#clipboard", RadioButton).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.clipboard.startswith("# Reading list: papers matching title:clip")
        assert app.clipboard.count("\n- [") == shown
        assert any(f"Copied {shown} papers as Markdown" in m for m in app.messages())


async def test_existing_file_is_kept_unless_the_user_confirms(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home")
    target = tmp_path / "keep.bib"
    target.write_text("precious")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await _open_dialog(pilot, target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert target.read_text() == "precious"
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
    assert target.read_text().startswith("@misc{")


async def test_nothing_starred_says_so(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_dialog(pilot, tmp_path / "none.bib")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        assert any("Nothing to export" in m for m in app.messages())
    assert not (tmp_path / "none.bib").exists()


async def test_arrow_keys_choose_and_the_report_counts_right(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        dialog = await _open_dialog(pilot)
        await pilot.press("down", "down", "down", "down")  # format: BibTeX -> ... -> Markdown
        await pilot.press("tab", "tab")  # past the scope group to the destination
        await pilot.press("down", "down")  # New file -> Append -> Clipboard
        assert (dialog.format, dialog.scope, dialog.destination) == ("md", "starred", "clipboard")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.clipboard.startswith("# Reading list: starred papers")
        assert "Copied 1 paper as Markdown to the clipboard" in app.messages()


async def test_append_from_the_dialog_skips_papers_already_in_the_file_and_keeps_keys(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home")
    target = tmp_path / "refs.bib"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        pid = app.main_screen.current.id
        await _open_dialog(pilot, target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        first = target.read_bytes()
        key = app.library.paper(pid).citation_key
        assert key and key in first.decode()
        await pilot.press("j", "s")
        dialog = await _open_dialog(pilot, target)
        dialog.query_one("#append", RadioButton).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("Appended 1 paper as BibTeX" in m and "skipped 1 paper already in it" in m for m in app.messages()), app.messages()
    text = target.read_bytes()
    assert text.startswith(first) and text.count(b"@") == 2
    assert Store.open(tmp_path / "home").paper(pid).citation_key == key  # stored: the next export reuses it
