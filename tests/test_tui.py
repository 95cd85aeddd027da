"""The app driven by its keys: what the store, clipboard and browser receive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from readinglist.core.errors import StoreError
from readinglist.core.store import Store
from readinglist.tui.screens.choose import ChooseLink
from readinglist.tui.screens.confirm import ConfirmScreen
from readinglist.tui.screens.note import NoteEditor
from readinglist.tui.screens.tags import TagEditor
from readinglist.core.links import arxiv_search_url
from readinglist.core.config import Config
from readinglist.core.library import Library
from readinglist.core.scope import Scope
from readinglist.tui import FRAME_RATE
from tests.tui_helpers import RecordingApp, detail_drawn, make_app, settle


async def go_to(pilot, title: str) -> None:
    await pilot.press("slash", *f'title:"{title}"', "enter")
    await settle(pilot)
    assert pilot.app.main_screen.current.title == title

SIZE = (140, 40)


@pytest.fixture(autouse=True)
def _no_system_clipboard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    copied: list[str] = []
    monkeypatch.setattr("pyperclip.copy", copied.append)
    return copied


async def test_star_and_status_are_saved_at_once_and_survive_relaunch(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        pid = app.main_screen.current.id
        await pilot.press("s", "r", "r")
        assert app.library.store.annotation(pid).star
        assert app.library.store.annotation(pid).status == "read"
        await pilot.press("r")
        assert app.library.store.annotation(pid).status == "unread"
    again = Store.open(tmp_path)
    assert again.annotation(pid).star and again.annotation(pid).status == "unread"


async def test_tags_editor_completes_existing_tags(tmp_path: Path) -> None:
    store = Store.open(tmp_path, year=2026)
    store.set_tags(store.papers()[10].id, ["vision-language"])
    app, _ = make_app(tmp_path, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("t")
        assert isinstance(app.screen, TagEditor)
        await pilot.press(*"todo vis", "right", "enter")
        assert app.library.store.annotation(pid).tags == ["todo", "vision-language"]
        assert "vision-language" in app.main_screen.query_one("#detail").text.plain


async def test_note_is_saved_with_ctrl_s_and_shown_as_plain_text(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"See [bold]x[/bold]")
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, NoteEditor)
        assert app.library.store.annotation(pid).note == "See [bold]x[/bold]"
        detail = app.main_screen.query_one("#detail").text.plain
        assert "See [bold]x[/bold]" in detail


async def test_escape_asks_before_discarding_an_unsaved_note(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("n", *"draft", "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == "draft"
        await pilot.press("escape", "y")
        assert not isinstance(app.screen, (NoteEditor, ConfirmScreen))
        assert app.library.store.annotation(pid).note == ""


async def test_failed_note_save_keeps_the_text_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = make_app(tmp_path)

    def broken(pid: str, note: str, **kwargs: object) -> None:
        raise StoreError("cannot write annotations.json: No space left on device; nothing was changed")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app.library.store, "set_note", broken)
        await pilot.press("n", *"precious words", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == "precious words"
        assert any("No space left" in m for m in app.messages())
        kept = list(tmp_path.glob("unsaved-note-*.md"))  # and in a file, should the app be closed
        assert [p.read_text(encoding="utf-8") for p in kept] == ["precious words"]
        assert any(str(kept[0]) in m for m in app.messages())


async def test_open_arxiv_search_then_abs_and_pdf_once_resolved(tmp_path: Path) -> None:
    import httpx

    from readinglist.core.enrich.client import PoliteClient
    from readinglist.core.enrich.settings import load_settings

    network = {"arxiv_pdf": "https://arxiv.test/pdf", "arxiv_delay": 0}
    asked: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=b"%PDF-1.5\n% a paper\n")

    client = PoliteClient(load_settings(network, environ={}), transport=httpx.MockTransport(serve))
    app, opened = make_app(tmp_path, config={"network": network}, http_client=client)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        paper = app.main_screen.current
        await pilot.press("o")
        assert opened[-1] == arxiv_search_url(paper.title)
        assert opened[-1].startswith("https://arxiv.org/search/?query=")
        await pilot.press("p")
        assert len(opened) == 1  # no PDF without an arXiv id
        app.library.store.update_papers({paper.id: {"arxiv_id": "2207.06405"}})
        app.main_screen.check_external_changes()
        await settle(pilot)  # the corpus is read in a worker
        await pilot.press("o", "p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        local = tmp_path / "pdfs" / f"{paper.id}.pdf"
        assert asked == ["https://arxiv.test/pdf/2207.06405"]  # downloaded once, into the store
        assert opened[-2:] == ["https://arxiv.org/abs/2207.06405", local.as_uri()]
        assert local.read_bytes().startswith(b"%PDF")
        await pilot.press("p")  # the local copy now: no second download
        assert asked == ["https://arxiv.test/pdf/2207.06405"] and opened[-1] == local.as_uri()
        assert [app.library.papers[i].id for i in app.library.search("has:pdf")] == [paper.id]


async def test_code_link_opens_and_copies(tmp_path: Path, _no_system_clipboard: list[str]) -> None:
    app, opened = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "Masked Autoencoders that Listen")
        await pilot.press("c")
        assert opened == ["https://github.com/facebookresearch/AudioMAE"]
        await pilot.press("Y")
        await settle(pilot)
        assert app.clipboard == "https://github.com/facebookresearch/AudioMAE"
        assert _no_system_clipboard == ["https://github.com/facebookresearch/AudioMAE"]
        await pilot.press("y")
        assert app.clipboard.startswith("https://arxiv.org/search/?query=")
        assert any("Copied arXiv search link" in m for m in app.messages())


async def test_several_code_links_ask_which(tmp_path: Path) -> None:
    app, opened = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.current.links["code"] = ["https://github.com/a/one", "https://gitlab.com/b/two"]
        await pilot.press("c")
        assert isinstance(app.screen, ChooseLink)
        await pilot.press("down", "enter")
        assert opened == ["https://gitlab.com/b/two"]


async def test_only_http_links_are_ever_opened(tmp_path: Path) -> None:
    app, opened = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.current.links["code"] = ["javascript:alert(1)"]
        await pilot.press("c")
        app.main_screen.open_link("file:///etc/passwd")
        await pilot.pause()
        assert opened == []
        assert sum("Refused" in m for m in app.messages()) == 2


async def test_filter_as_you_type_shows_matches_and_count(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"title:clip")
        await settle(pilot)
        titles = [app.library.papers[i].title for i in app.main_screen.rows]
        assert titles and all("clip" in t.lower() for t in titles)
        assert len(titles) < 413
        status = str(app.main_screen.query_one("#status-line").render())
        assert f"{len(titles)} of 413 papers" in status and "filter: title:clip" in status
        await pilot.press("enter", "s")  # back in the list, keys act on papers again
        assert app.library.store.annotation(app.main_screen.current.id).star
        await pilot.press("escape")  # clears the filter
        await settle(pilot)
        assert len(app.main_screen.rows) == 413


class FrameRecordingApp(RecordingApp):
    """Records, at every frame the app paints, the filter text shown and the
    filter the shown list answers (``_display`` is where Textual hands a
    frame to the terminal)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[tuple[str, str]] = []

    def _display(self, screen, renderable) -> None:
        super()._display(screen, renderable)
        if renderable is not None and screen is self.screen and self.screen is self.main_screen:
            self.frames.append((self.main_screen.filter_input.value, self.main_screen.query_text))


async def test_no_frame_shows_a_typed_character_above_the_previous_list(tmp_path: Path, monkeypatch) -> None:
    # The character waits for its list at most HOLD_S; made long here so the
    # test does not depend on the machine's speed.
    monkeypatch.setattr("readinglist.tui.widgets.filter_input.HOLD_S", 5.0)
    app = FrameRecordingApp(Library(Store.open(tmp_path, year=2026), label="app"), config=Config(), opener=lambda url: None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"masked")
        await settle(pilot)
        await pilot.press("backspace", "backspace")
        await settle(pilot)
    typed = [frame for frame in app.frames if frame[0]]
    assert ("masked", "masked") in typed and ("mask", "mask") in typed
    assert all(text == shown for text, shown in typed), [f for f in typed if f[0] != f[1]]


async def test_malformed_query_shows_a_hint_and_keeps_the_list(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"clip year:2023")
        await settle(pilot)
        shown = list(app.main_screen.rows)
        assert shown and all(app.library.papers[i].year == 2023 for i in shown)
        await pilot.press("x")
        await settle(pilot)
        hint = app.main_screen.filter_input.border_subtitle  # on the filter box's lower edge
        assert hint and "year" in hint.lower()
        assert app.main_screen.rows == shown
        assert "query not applied" in str(app.main_screen.query_one("#status-line").render())
        await pilot.press("backspace")  # a good query again: the hint goes
        await settle(pilot)
        assert not app.main_screen.filter_input.border_subtitle
        assert "query not applied" not in str(app.main_screen.query_one("#status-line").render())


async def test_a_phrase_being_typed_filters_before_its_closing_quote(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'"masked autoenc')
        await settle(pilot)
        titles = [app.library.papers[i].title for i in app.main_screen.rows]
        assert "Masked Autoencoders that Listen" in titles
        assert not app.main_screen.filter_input.border_subtitle


async def test_navigation_keys(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("G")
        assert app.main_screen.paper_list.cursor == 412
        await pilot.press("k", "up")
        assert app.main_screen.paper_list.cursor == 410
        await pilot.press("g")
        assert app.main_screen.paper_list.cursor == 0 and app.main_screen.current.id == app.library.papers[app.main_screen.rows[0]].id


async def test_a_broad_filter_is_walked_to_its_end_and_selected_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large answer is worked out as the list is read (the first 4096 papers
    by date, then the rest). Here the first step is 8 papers: G still reaches
    the oldest match, and select-all takes every match."""
    from readinglist.core import index_order

    expected = [p.id for p in Library(Store.open(tmp_path, year=2026)).select(Scope.of_query("learning"))]
    assert len(expected) > 50
    monkeypatch.setattr(index_order, "FIRST_STEP", 8)
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"learning", "enter")
        await settle(pilot)
        screen = app.main_screen
        assert f"{len(expected)} of 413 papers" in str(screen.query_one("#status-line").render())
        assert screen.current.id == expected[0]
        await pilot.press("G")
        assert screen.paper_list.cursor == len(expected) - 1 and screen.current.id == expected[-1]
        await pilot.press("ctrl+a")
        assert sorted(screen.selection) == sorted(expected)


async def test_palette_goes_to_a_paper_by_title(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"llama herd")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.main_screen.current.title == "The Llama 3 Herd of Models"


async def test_keymap_from_config_rebinds_a_key(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path, config={"keymap": {"paper.star": "x"}})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        assert app.library.store.annotation(app.main_screen.current.id).star


async def test_changes_from_another_instance_appear(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        other = Store.open(tmp_path)
        other.set_star(app.main_screen.current.id, True)
        app.main_screen.check_external_changes()
        assert app.library.annotation(app.main_screen.current.id).star


async def test_help_lists_keys(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        from readinglist.tui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_keys_typed_in_one_burst_after_slash_land_in_the_filter(tmp_path: Path) -> None:
    """A fast typist (or a paste) sends "/clip" before any redraw."""
    from textual import events

    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, char in [("slash", "/"), ("t", "t"), ("i", "i"), ("t", "t"), ("l", "l"), ("e", "e"), ("colon", ":"), ("c", "c"), ("l", "l"), ("i", "i"), ("p", "p")]:
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert app.main_screen.filter_input.value == "title:clip"
        assert not isinstance(app.screen, TagEditor)
        assert app.main_screen.query_text == "title:clip"


async def test_keys_sent_in_one_burst_after_enter_act_on_the_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys sent before any redraw (typed fast, pasted, or queued while a
    search held the interpreter) act in order, each where the keys before it
    sent the focus, and keys after Enter act on the filter's answer."""
    import time

    from textual import events

    from readinglist.tui.screens import main as main_module

    search = Library.search

    def slow_search(self, query, sort="relevance"):
        time.sleep(0.2)  # a large library: the answer comes well after the keys
        return search(self, query, sort)

    def burst(keys: str | list[tuple[str, str | None]]) -> None:
        named = {"/": "slash", "\r": "enter"}
        for key, char in [(named.get(c, c), c) for c in keys] if isinstance(keys, str) else keys:
            app.post_message(events.Key(key, char))

    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        monkeypatch.setattr(Library, "search", slow_search)
        monkeypatch.setattr(main_module, "KEYS_AFTER_ENTER_WAIT_S", 0.05)  # the answer takes longer: the keys wait on
        burst("/clip\rsj")
        await settle(pilot)
        assert screen.filter_input.value == "clip" and screen.query_text == "clip"  # not "clipsj"
        first = app.library.papers[screen.rows[0]]
        assert "clip" in first.title.lower()
        assert app.library.store.annotation(first.id).star  # s starred the first match
        assert screen.paper_list.cursor == 1 and app.focused is screen.paper_list
        # Backspace is a binding: it acts in its turn, before the letters after it.
        burst([("slash", "/")] + [("backspace", None)] * 4 + [(c, c) for c in "learning"] + [("enter", "\r"), ("G", "G")])
        await settle(pilot)
        assert screen.filter_input.value == "learning" and screen.query_text == "learning"
        assert screen.paper_list.cursor == len(screen.rows) - 1 > 1
        # A second "/" after Enter goes back to the filter.
        burst("/\r/ab")
        await settle(pilot)
        assert screen.filter_input.value == "learningab" and app.focused is screen.filter_input
        # Enter on a filter already answered: the keys after it act at once.
        monkeypatch.setattr(main_module, "KEYS_AFTER_ENTER_WAIT_S", 60.0)
        burst([("backspace", None), ("backspace", None)])
        await settle(pilot)
        assert screen.query_text == "learning"
        burst("\rgjj")
        await pilot.pause(0.3)
        assert app.focused is screen.paper_list and screen.paper_list.cursor == 2


async def test_notifications_never_read_text_as_markup(tmp_path: Path) -> None:
    from textual.notifications import Notify

    app, _ = make_app(tmp_path)
    shown: list = []

    def hook(message) -> None:
        if isinstance(message, Notify):
            shown.append(message.notification)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        app.main_screen.open_link("javascript:[bold]alert(1)[/bold]")
        app.main_screen.query_one("#detail").notify("[red]from a widget[/red]")
        await pilot.pause()
        assert [n.markup for n in shown] == [False, False]
        assert "[bold]alert(1)[/bold]" in shown[0].message


async def test_new_filter_starts_at_its_best_match_and_a_new_sort_keeps_the_paper(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "slash", *"clip", "enter")
        await settle(pilot)
        assert app.main_screen.paper_list.cursor == 0 and app.main_screen.current.id == app.library.papers[app.main_screen.rows[0]].id
        await pilot.press("j", "j")
        chosen = app.main_screen.current.id
        await pilot.press("S")  # sort by date
        await settle(pilot)
        assert app.main_screen.sort == "date" and app.main_screen.current.id == chosen


async def test_theme_and_default_sort_come_from_the_config(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path, config={"theme": "gruvbox", "default_sort": "title"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "gruvbox" and app.main_screen.sort == "title"
        from readinglist.core.text import normalize_title

        titles = [normalize_title(app.library.papers[i].title) for i in app.main_screen.rows[:20]]
        assert titles == sorted(titles)  # A-Z, ignoring case, accents and punctuation


async def test_a_bad_config_value_is_named_not_silently_ignored(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "h", config={"theme": "no-such-theme", "default_sort": "size"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = app.messages()
        assert any("theme 'no-such-theme' is unknown" in m for m in messages)
        assert any("default_sort 'size'" in m for m in messages)
        assert app.main_screen.sort == "relevance"


async def test_a_slow_search_says_searching_and_then_shows_its_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        real_search = app.library.index.search

        def slow(query, sort="relevance"):
            time.sleep(0.6)  # as when a large corpus was just opened
            return real_search(query, sort=sort)

        monkeypatch.setattr(app.library.index, "search", slow)
        await pilot.press("slash", *"clip")
        await pilot.pause(0.4)
        assert "searching…" in str(app.main_screen.query_one("#status-line").render())
        await settle(pilot)
        await pilot.pause(0.3)
        status = str(app.main_screen.query_one("#status-line").render())
        assert "searching" not in status and "filter: clip" in status


async def test_papers_resolved_by_another_instance_appear(tmp_path: Path) -> None:
    app, opened = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        Store.open(tmp_path).update_papers({pid: {"arxiv_id": "2401.00001"}})
        app.main_screen.check_external_changes()
        assert app.main_screen.current.arxiv_id is None  # read in a worker: the list never waits for it
        await settle(pilot)
        assert app.main_screen.current.arxiv_id == "2401.00001"
        await pilot.press("o")
        assert opened == ["https://arxiv.org/abs/2401.00001"]
        assert not app.library.store.corpus_changed_on_disk()  # reloaded once, not on every tick


async def test_help_shows_the_keys_of_the_users_keymap(tmp_path: Path) -> None:
    from readinglist.tui.screens.help import HelpScreen

    app, _ = make_app(tmp_path, config={"keymap": {"paper.star": "x", "paper.note": "f2"}})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = dict((what, keys) for keys, what in app.screen.keys)
        assert rows["Star or unstar the paper"] == "x"
        assert rows["Edit the note (ctrl+s saves)"] == "f2"
        assert rows["Keys and filter language"] == "?"


@pytest.mark.parametrize(
    ("keymap", "named"),
    [
        ({"app.quit": "not a key!!"}, "'not a key!!' is not a key"),
        ({"paper.stra": "x"}, "no binding has the id 'paper.stra'"),
        ({"paper.star": "q"}, "would take the key of app.quit"),
        ({"paper.star": 3}, "paper.star wants keys as text"),
    ],
)
async def test_a_bad_keymap_entry_is_named_and_the_default_key_kept(tmp_path: Path, keymap: dict, named: str) -> None:
    app, _ = make_app(tmp_path, config={"keymap": keymap})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any(named in m for m in app.messages("warning")), app.messages()
        pid = app.main_screen.current.id
        await pilot.press("s")  # star keeps its key
        assert app.library.annotation(pid).star
        await pilot.press("q")  # and q still quits
        await pilot.pause()
    assert app.return_code == 0


async def test_a_search_that_crashes_is_reported_and_the_status_line_recovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def broken(query, sort="relevance"):
            raise RuntimeError("index exploded")

        monkeypatch.setattr(app.library.index, "search", broken)
        await pilot.press("slash", *"clip")
        await settle(pilot)
        await pilot.pause(0.3)
        assert any("Search failed: RuntimeError: index exploded" in m for m in app.messages("error"))
        assert "searching" not in str(app.main_screen.query_one("#status-line").render())


async def test_ctrl_c_says_how_to_quit_in_plain_words(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        assert "Press q or ctrl+q to quit" in app.messages()
        assert not any("[b]" in m for m in app.messages())


async def test_selection_stars_tags_and_sets_status_of_every_selected_paper(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        first = screen.current.id
        await pilot.press("space", "space", "shift+down")
        chosen = screen.selection
        assert len(chosen) == 4 and chosen[0] == first
        assert "4 selected" in str(screen.query_one("#status-line").render())
        await pilot.press("s", "r", "t", *"batch", "enter")
        stored = Store.open(tmp_path).annotations()
        for pid in chosen:
            assert stored[pid].star and stored[pid].status == "reading" and stored[pid].tags == ["batch"]
        unchosen = app.library.papers[screen.rows[5]].id
        assert unchosen not in stored
        await pilot.press("s")  # all starred: s unstars them all
        assert not any(app.library.annotation(pid).star for pid in chosen)
        await pilot.press("escape")
        assert screen.selection == [] and "selected" not in str(screen.query_one("#status-line").render())


async def test_select_all_selects_what_the_filter_shows(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"title:clip", "enter")
        await settle(pilot)
        screen = app.main_screen
        await pilot.press("ctrl+a")
        assert sorted(screen.selection) == sorted(app.library.papers[i].id for i in screen.rows)


async def test_tag_editor_keeps_tags_the_user_did_not_remove(tmp_path: Path) -> None:
    store = Store.open(tmp_path, year=2026)
    app, _ = make_app(tmp_path, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        # A tag holding a comma, as older versions could store it.
        store.set_tags(pid, ["placeholder", "survey"])
        path = store.annotations_path
        path.write_text(path.read_text(encoding="utf-8").replace('"placeholder"', '"ml,vision"'), encoding="utf-8")
        app.main_screen.check_external_changes()
        await pilot.press("t", "enter")  # no edit
        assert Store.open(tmp_path).annotation(pid).tags == ["ml,vision", "survey"]
        await pilot.press("t", *" todo", "enter")  # typing adds, never replaces
        # Commas separate tags (the one tag rule): the old tag is read as two, none is lost.
        assert Store.open(tmp_path).annotation(pid).tags == ["ml", "vision", "survey", "todo"]


async def test_undo_takes_back_a_bulk_change_in_one_step_and_redo_makes_it_again(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        await pilot.press("G")
        single = screen.current.id
        await pilot.press("n", *"keep me", "ctrl+s")
        await pilot.press("g", "space", "space", "space")
        chosen = screen.selection
        await pilot.press("s")  # a bulk star, after the note
        assert all(Store.open(tmp_path).annotation(pid).star for pid in chosen)
        await pilot.press("u")
        stored = Store.open(tmp_path).annotations()
        assert not any(stored[pid].star for pid in chosen if pid in stored)
        assert stored[single].note == "keep me"  # only the last step went
        assert any(m.startswith("Undone: star of 3 papers") for m in app.messages())
        await pilot.press("u")
        assert Store.open(tmp_path).annotation(single).note == ""
        await pilot.press("ctrl+r")
        assert Store.open(tmp_path).annotation(single).note == "keep me"
        assert any(m.startswith("Redone: note of") for m in app.messages())


@pytest.mark.parametrize("cached", [True, False])
async def test_a_query_typed_before_the_index_is_ready_shows_the_right_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    from readinglist.core.index_cache import index_cache_path
    from readinglist.core.library import Library
    from readinglist.tui.screens.main import MainScreen

    reference = Library(Store.open(tmp_path, year=2026))
    expected = reference.search("masked autoencoders")
    if cached:
        reference.build_index()  # a former session built the word index and wrote the file
    assert index_cache_path(tmp_path).exists() == cached
    monkeypatch.setattr(MainScreen, "_build_index", lambda self: None)  # no background build: the search alone
    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"masked autoencoders")
        await settle(pilot)
        assert expected and app.main_screen.rows == expected
        assert app.library.index_ready == cached  # the search read the file itself; without it, it scanned


async def test_papers_another_instance_imported_appear_without_moving_the_cursor(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    bib = tmp_path / "one.bib"
    bib.write_text("@article{k, title={Quokka Kernels for Reading Lists}, author={Ada Lovelace}, year={2026}}\n", encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        highlighted = app.main_screen.current.id
        before = len(app.library)
        Store.open(tmp_path).import_files([bib])  # `readinglist import one.bib` in another terminal
        app.main_screen.check_external_changes()
        await settle(pilot)
        assert len(app.library) == before + 1
        assert app.main_screen.current.id == highlighted
        await pilot.press("slash", *"quokka", "enter")
        await settle(pilot)
        assert [app.library.papers[r].title for r in app.main_screen.rows] == ["Quokka Kernels for Reading Lists"]


async def test_a_held_key_draws_the_detail_pane_once_the_cursor_rests(tmp_path: Path, monkeypatch) -> None:
    """Drawn between two repeats of a held j, the pane took a frame the scrolling list needed."""
    from readinglist.tui.screens import main as main_module

    # Slow repeats and a long rest, so a busy machine cannot blur the two cases.
    monkeypatch.setattr(main_module, "KEY_REPEAT_S", 1.0)
    monkeypatch.setattr(main_module, "HELD_DETAIL_DELAY_S", 2.0)
    drawn: list[str] = []
    app, _ = make_app(tmp_path, observer=lambda kind, what: drawn.append(what) if kind == "detail" else None)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.main_screen.paper_list.focus()
        await pilot.pause(1.1)  # past KEY_REPEAT_S since the launch's highlight
        drawn.clear()
        await pilot.press("j")
        await detail_drawn(pilot, limit_s=1.0)  # well before HELD_DETAIL_DELAY_S
        assert drawn == [app.main_screen.current.id]  # a single press draws the pane at once
        drawn.clear()
        for _ in range(3):  # each within KEY_REPEAT_S of the last: a held key
            await pilot.press("j")
            await pilot.pause(0.2)
        assert drawn == []
        await pilot.pause(2.5)
        current = app.main_screen.current
        assert drawn == [current.id] and app.main_screen.paper_list.cursor == 4
        assert current.title.split()[0] in app.main_screen.query_one("#detail").text.plain


@pytest.mark.parametrize(("chosen", "expected"), [(None, FRAME_RATE), ("30", 30)])
def test_the_app_paints_at_its_frame_rate_unless_the_user_chose_one(chosen: str | None, expected: int) -> None:
    """Textual reads TEXTUAL_FPS once, when it is imported: launched the way
    the command launches it, the app's package sets the rate first."""
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    if chosen:
        env["TEXTUAL_FPS"] = chosen
    code = (
        "import readinglist.main, readinglist.cli; from readinglist.tui.app import ReadingListApp; "
        "from textual import screen; print(round(1 / screen.UPDATE_PERIOD))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == str(expected), done.stderr


@pytest.mark.parametrize("fails", [False, True])
async def test_the_index_is_built_with_the_collector_paused_and_left_on_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    """The collector waits while the index worker builds (its full passes
    over a large library met the first keys) and is back on afterwards,
    the build frozen out of its passes; a build that fails leaves it on too."""
    import gc

    app, _ = make_app(tmp_path)
    during: list[bool] = []
    build = app.library.build_index

    def observed() -> None:
        during.append(gc.isenabled())
        if fails:
            raise RuntimeError("index exploded")
        build()

    monkeypatch.setattr(app.library, "build_index", observed)
    frozen = gc.get_freeze_count()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        assert during == [False]
        assert gc.isenabled()
        assert app.library.index_ready is not fails
        if fails:
            assert any("Building the search index failed" in m for m in app.messages("error"))
        else:
            assert gc.get_freeze_count() > frozen


def _screen_rows(app) -> list[str]:
    """The screen as the compositor last drew it (lines not redrawn keep their old text)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_a_star_redraws_its_row_and_line_and_the_reader_stays_where_they_read(tmp_path: Path) -> None:
    """s redraws the starred paper's row and the pane's star line, not the
    whole list and pane (15 ms of the frame); the pane stays scrolled where
    the reader left it; a star from another process shows in its own row,
    and a star on more papers than are redrawn one by one shows on every row."""
    from functools import lru_cache

    app, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        papers, detail = screen.paper_list, screen.query_one("#detail")
        drawn: list[int] = []
        draw = papers._render_row_uncached

        def counted(position: int, *args: object) -> object:
            drawn.append(position)
            return draw(position, *args)

        papers._render_row = lru_cache(maxsize=2048)(counted)
        await pilot.press("j")
        await settle(pilot)
        assert detail.max_scroll_y >= 2  # an abstract longer than the pane
        detail.scroll_to(y=2, animate=False, immediate=True)
        await pilot.pause()
        drawn.clear()

        def row_on_screen(row: int) -> str:
            return _screen_rows(app)[papers.region.y + row - int(papers.scroll_offset.y)]

        current = screen.current
        assert "★" not in row_on_screen(papers.cursor)
        await pilot.press("s")
        await pilot.pause()
        assert "★" in row_on_screen(papers.cursor)
        assert set(drawn) == {screen.rows[papers.cursor]}  # that row alone was drawn again
        assert detail.scroll_offset.y == 2 and "★ starred" in detail.text.plain
        assert any("★ starred" in row for row in _screen_rows(app))  # the pane's line was drawn again
        assert screen.current.id == current.id

        neighbour = screen.rows[papers.cursor + 2]
        Store.open(tmp_path).set_star(app.library.papers[neighbour].id, True)
        screen.check_external_changes()
        await pilot.pause()
        assert "★" in row_on_screen(papers.cursor + 2)

        many = [app.library.papers[i].id for i in screen.rows[:80]]
        screen.show_changes(app.library.set_star(many, True))
        await pilot.pause()
        assert all("★" in row_on_screen(row) for row in range(int(papers.scroll_offset.y), int(papers.scroll_offset.y) + 10))
