"""The app's library keys: add, remove, more like this, why, notes in $EDITOR,
and a session that picks up where it stopped."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from readinglist.core.session import Session
from readinglist.core.store import Store
from readinglist.tui.screens.add import AddBox
from tests.library_services import Services
from tests.tui_helpers import make_app, settle

SIZE = (120, 40)
NETWORK = {"arxiv_api": "https://arxiv.test/api/query", "doi_api": "https://doi.test", "arxiv_delay": 0, "doi_delay": 0}


async def test_a_pasted_list_of_ids_is_added_in_the_background_and_the_list_lands_on_it(tmp_path: Path) -> None:
    services = Services()
    app, _ = make_app(tmp_path, config={"network": NETWORK}, http_client=services.client())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(app.library)
        await pilot.press("a")
        assert isinstance(app.screen, AddBox)
        await pilot.press(*"2501.00001, https://arxiv.org/abs/hep-th/9711200v2 not-an-id", "enter")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert len(app.library) == before + 2
        added = Store.open(tmp_path).papers()
        assert {"2501.00001", "hep-th/9711200"} <= {p.arxiv_id for p in added}
        current = app.main_screen.current
        assert current is not None and current.arxiv_id == "2501.00001"  # landed on the first one added
        report = "\n".join(app.messages())
        assert "added" in report and "not understood" in report and "not-an-id" in report
        await pilot.press("u")  # one step: both added papers go to the trash
        await settle(pilot)
        assert len(app.library) == before
        assert {"2501.00001", "hep-th/9711200"} <= {item.paper.arxiv_id for item in Store.open(tmp_path).trash()}


async def test_remove_moves_the_selection_to_the_trash_and_restore_brings_it_back(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        await pilot.press("s", "space", "space")
        chosen = screen.selection
        await pilot.press("D")
        await settle(pilot)
        assert len(app.library) == 411 and not set(chosen) & {p.id for p in app.library.papers}
        assert any("to the trash" in m for m in app.messages())
    store = Store.open(tmp_path)
    assert {item.paper.id for item in store.trash()} == set(chosen)
    assert store.restore_papers(chosen) == chosen
    assert store.annotation(chosen[0]).star  # its annotation came back with it


async def test_m_shows_papers_like_this_one_and_w_says_why(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'title:"masked autoencoders that listen"', "enter")
        await settle(pilot)
        mae = app.main_screen.current
        await pilot.press("m")
        await settle(pilot)
        screen = app.main_screen
        assert screen.query_text == f"like:{mae.id}"
        assert screen.current.id == mae.id  # the paper itself first, then the ones like it
        await pilot.press("j", "w")
        assert any(m.startswith(f"Like {mae.id} by: ") for m in app.messages())
        await pilot.press("escape")  # a filter like any other
        await settle(pilot)
        assert screen.query_text == "" and len(screen.rows) == len(app.library)


async def test_n_edits_the_note_in_the_editor_and_keeps_a_conflicting_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "written in the editor\\n" > "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app, _ = make_app(tmp_path / "home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("N")
        assert Store.open(tmp_path / "home").annotation(pid).note == "written in the editor"
        assert app.library.annotation(pid).note == "written in the editor"


async def test_the_next_launch_resumes_filter_sort_and_paper(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"clip", "enter")
        await settle(pilot)
        await pilot.press("j", "j", "S")
        await settle(pilot)
        left = app.session_now()
    assert left.query == "clip" and left.sort == "date" and left.paper
    again, _ = make_app(tmp_path, session=Session(query=left.query, sort=left.sort, paper=left.paper, theme="gruvbox"))
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = again.main_screen
        assert screen.filter_input.value == "clip" and screen.query_text == "clip"
        assert screen.sort == "date" and screen.current.id == left.paper and again.theme == "gruvbox"
    fresh, _ = make_app(tmp_path)  # no session: a clean start
    async with fresh.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert fresh.main_screen.query_text == "" and fresh.main_screen.sort == "relevance"


async def test_a_resumed_filter_that_no_longer_applies_lists_every_paper_under_its_hint(tmp_path: Path) -> None:
    """like:starred resumed after the last star went: the hint says why, and the
    list is the whole library newest first, counted as such."""
    store = Store.open(tmp_path, year=2026)
    resumed = store.papers()[7].id
    app, _ = make_app(tmp_path, store=store, session=Session(query="like:starred", sort="relevance", paper=resumed))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        library = app.library
        assert screen.filter_input.value == "like:starred" and screen.query_error
        assert list(screen.rows) == library.newest_first() and len(screen.rows) == len(library)
        shown = [library.papers[r].id for r in screen.paper_list.rows]
        assert shown == [library.papers[r].id for r in library.newest_first()]
        assert screen.current.id == resumed  # the session's paper, as with a filter that applies
        status = str(screen.query_one("#status-line").render())
        assert f"{len(library)} of {len(library)} papers" in status and "query not applied" in status
        await pilot.press("slash", "ctrl+u", *"clip", "enter")  # the filter works as ever after it
        await settle(pilot)
        assert screen.query_error is None and 0 < len(screen.rows) < len(library)
    assert app.session_now().query == "clip"


async def test_a_filter_a_removal_makes_invalid_keeps_its_list_and_paper_under_the_hint(tmp_path: Path) -> None:
    """like:ID once ID is gone: the moved rows and the highlighted paper stay,
    with the reason; the launch's fallback (every paper) is for launches only."""
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        library = app.library
        gone = library.papers[0].id
        await pilot.press("slash", *f"like:{gone}", "enter")
        await settle(pilot)
        await pilot.press("j", "j")
        await settle(pilot)
        highlighted = screen.current.id
        kept = [library.papers[r].id for r in screen.rows if library.papers[r].id != gone]
        changes, _ = library.remove_papers([gone])
        screen.show_changes(changes)
        await settle(pilot)
        assert screen.query_error and screen.query_text == f"like:{gone}"
        assert [library.papers[r].id for r in screen.rows] == kept
        assert screen.current.id == highlighted
    assert app.session_now().query == f"like:{gone}"


async def test_the_fit_sort_with_nothing_starred_says_why_and_keeps_the_list(tmp_path: Path) -> None:
    """fit ranks by the starred papers: with none it is a hint, not a failed worker."""
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        before = list(screen.rows)
        while screen.sort != "fit":
            await pilot.press("S")
            await settle(pilot)
        assert "starred" in (screen.query_error or "")
        assert list(screen.rows) == before and not app.messages("error")
    resumed, _ = make_app(tmp_path, session=Session(query="", sort="fit"))
    async with resumed.run_test(size=SIZE) as pilot:  # resumed so: every paper, and the reason
        await settle(pilot)
        screen = resumed.main_screen
        assert list(screen.rows) == resumed.library.newest_first() and "starred" in (screen.query_error or "")
        assert not resumed.messages("error")


async def test_saved_searches_are_on_number_keys_in_the_order_saved(tmp_path: Path) -> None:
    from readinglist.core.session import save_search

    app, _ = make_app(tmp_path)
    save_search(tmp_path, "audio", "title:audio OR abstract:spectrogram")
    save_search(tmp_path, "clip code", "clip has:code")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.main_screen
        assert screen.query_text == "clip has:code" and 0 < len(screen.rows) < len(app.library)
        await pilot.press("1")
        await settle(pilot)
        assert screen.query_text.startswith("title:audio OR")
        await pilot.press("3")
        assert any("No saved search 3" in m for m in app.messages())


async def test_f_fetches_the_feeds_in_the_background_and_keeps_the_cursor(tmp_path: Path) -> None:
    from tests.feeds_fakes import FakeFeeds
    from tests.test_feeds import BASE, client_for

    network = {"arxiv_api": f"{BASE}/arxiv/api/query", "hf_api": f"{BASE}/hf/api", "arxiv_rss": f"{BASE}/rss/rss", "arxiv_delay": 0, "hf_delay": 0}
    fake = FakeFeeds()
    app, _ = make_app(tmp_path, config={"network": network, "feeds": {"hf_daily": True, "arxiv": ["cs.CV"]}}, http_client=client_for(fake))
    app.library.new_since = "2000-01-01T00:00:00+00:00"  # the previous launch
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        before, kept = len(app.library), app.main_screen.current.id
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert len(app.library) > before
        assert app.main_screen.current.id == kept  # new papers arrived; the cursor stayed put
        assert fake.requests("rss") or fake.requests("arxiv")
        fetched = [p for p in Store.open(tmp_path).papers() if p.listed]
        assert fetched and all(p.arxiv_id for p in fetched)
        assert any("Hugging Face daily papers" in m and "added 2" in m for m in app.messages()), app.messages()


async def test_metadata_edited_in_the_app_is_the_users_and_survives(tmp_path: Path) -> None:
    from readinglist.tui.screens.metadata import MetadataEditor

    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("M")
        assert isinstance(app.screen, MetadataEditor)
        editor = app.screen
        editor.query_one("#meta-arxiv").value = "2207.06405"
        editor.query_one("#meta-key").value = "mine2024"
        await pilot.press("ctrl+s")
        await pilot.pause()
        paper = Store.open(tmp_path).paper(pid)
        assert paper.arxiv_id == "2207.06405" and paper.citation_key == "mine2024"
        assert paper.edited("arxiv_id") and app.library.paper(pid).citation_key == "mine2024"
        assert "key" in app.main_screen.query_one("#detail").text.plain


async def test_after_an_edit_in_the_app_the_next_launch_reads_the_saved_papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit makes the store read the corpus again; the app saves those
    papers once they rest, so the next launch need not parse corpus.json."""
    from readinglist.tui.screens import main as main_module
    from readinglist.tui.screens.metadata import MetadataEditor
    from tests.test_paper_cache import reads_the_corpus

    monkeypatch.setattr(main_module, "PAPER_CACHE_DELAY_S", 0.05)
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()  # the first launch's index, and its saved papers
        pid = app.main_screen.current.id
        await pilot.press("M")
        assert isinstance(app.screen, MetadataEditor)
        app.screen.query_one("#meta-key").value = "quokka2024"
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
    parses = reads_the_corpus(monkeypatch)
    relaunched = Store.open(tmp_path)
    assert relaunched.paper(pid).citation_key == "quokka2024"
    assert len(relaunched.papers()) == 413
    assert not parses  # read from cache/papers.bin


async def test_u_brings_back_removed_papers_and_undoes_a_metadata_edit(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        first = screen.current.id
        old_title = screen.current.title
        await pilot.press("s", "space", "space", "D")
        await settle(pilot)
        assert len(app.library) == 411
        await pilot.press("u")
        await settle(pilot)
        assert len(app.library) == 413 and app.library.annotation(first).star  # back with its star
        assert {p.id for p in Store.open(tmp_path).papers()} >= {first}
        app.library.edit_paper(first, {"title": "A Better Title"})
        assert Store.open(tmp_path).paper(first).title == "A Better Title"
        await pilot.press("u")
        assert Store.open(tmp_path).paper(first).title == old_title


async def test_a_key_never_freezes_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    import asyncio
    import subprocess
    import sys
    import time

    app, _ = make_app(tmp_path)
    holder = (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.ftruncate(fd, 0); os.write(fd, str(os.getpid()).encode())\n"
        "print('held', flush=True)\n"
        "time.sleep(1.5)\n"
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        other = subprocess.Popen([sys.executable, "-c", holder, str(tmp_path / "lock")], stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout.readline().strip() == "held"
            started = time.monotonic()
            await pilot.press("s")
            assert time.monotonic() - started < 1.0  # the screen answered at once
            status = str(app.main_screen.query_one("#status-line").render())
            assert f"waiting for another readinglist (pid {other.pid})" in status
            for _ in range(60):
                await asyncio.sleep(0.1)
                if Store.open(tmp_path).annotation(pid).star:
                    break
            await pilot.pause()
            assert Store.open(tmp_path).annotation(pid).star  # saved once the other was done
            assert "waiting" not in str(app.main_screen.query_one("#status-line").render())
        finally:
            other.wait(timeout=10)


async def test_saved_searches_in_the_palette_are_text_not_markup(tmp_path: Path) -> None:
    from textual.command import CommandList

    from readinglist.core.session import save_search

    app, _ = make_app(tmp_path)
    save_search(tmp_path, "[b]bold[/b] audio", "title:audio")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")  # the palette's first list: nothing typed yet
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Search: [b]bold[/b] audio" in text for text in shown), shown
        await pilot.press(*"bold")
        await pilot.pause(0.5)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Search: [b]bold[/b] audio" in text for text in shown), shown
        await pilot.press("enter")
        await settle(pilot)
        assert app.main_screen.query_text == "title:audio"
