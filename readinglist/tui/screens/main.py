"""The main screen: filter, list, detail, status line and footer.

It owns what the user sees of the library: the filter text, the sort, the
rows shown and the highlighted paper. The paper actions (star, tags, links,
export, resolve...) are in ``PaperActions``; searches run in thread workers
that post ``SearchDone`` / ``QueryRejected`` back here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState, get_current_worker

from readinglist.core.errors import UserError
from readinglist.core.query import SORTS, QueryError, parse_query
from readinglist.core.storage import collector_paused
from readinglist.tui.enrich import EnrichPanel
from readinglist.tui.messages import IndexReady, QueryRejected, SearchDone
from readinglist.tui.screens.library_actions import LibraryActions
from readinglist.tui.screens.navigation import Navigation
from readinglist.tui.screens.paper_actions import PaperActions
from readinglist.tui.widgets.detail import PaperDetail
from readinglist.tui.widgets.filter_input import FilterInput
from readinglist.tui.widgets.paper_list import ListHeader, PaperList
from readinglist.tui.widgets.status_line import Status, StatusLine

if TYPE_CHECKING:
    from readinglist.core.library import Changes, Library
    from readinglist.core.model import Paper

EXTERNAL_CHECK_S = 2.0
DETAIL_DELAY_S = 0.05
# The cursor moved twice within KEY_REPEAT_S: a held key. The detail pane
# waits for it to rest longer, so it is not drawn between two repeats.
KEY_REPEAT_S = 0.1
HELD_DETAIL_DELAY_S = 0.15
# After a keystroke in the filter the detail pane waits for typing to rest:
# drawn between two fast keys, it took a frame the next key's list needed.
FILTER_DETAIL_DELAY_S = 0.1
SEARCHING_NOTICE_S = 0.25
UI_LOCK_WAIT_S = 0.25
SIDE_DETAIL_MIN = 140  # narrower: the detail pane goes below the list
BACKUP_EVERY_S = 15 * 60  # a long session's changes get backups too, not only at start
KEYS_AFTER_ENTER_WAIT_S = 1.0  # keys held after Enter look this often whether a search is still coming; else they go
PAPER_CACHE_DELAY_S = 5.0  # papers changed in place (an edit, a resolve run): saved for the next launch once they rest
FILTER_PLACEHOLDER = 'Filter: words  "phrase"  -exclude  title: author: cat:CV year:2020..2023 is:starred has:code tag:x'


@dataclass(slots=True)
class Services:
    """What the screen needs from outside: the browser, an HTTP client, the
    network settings, and who to tell when a result reached the widgets."""

    opener: Callable[[str], object] | None = None
    http_client: Any = None
    network: dict[str, Any] = field(default_factory=dict)
    feeds: dict[str, Any] = field(default_factory=dict)
    # observer(kind, what) after a result is applied: kind is "list" (the
    # filter text), "hint" (a rejected query), "annotation" (a paper id) or
    # "detail" (a paper id). The benchmark times keystroke-to-paint with it.
    observer: Callable[[str, str], None] | None = None

    def applied(self, kind: str, what: str) -> None:
        if self.observer is not None:
            self.observer(kind, what)


def _while_mounted(method: Callable[..., Any]) -> Callable[..., Any]:
    """Timer callbacks may fire while the app shuts down and the widgets are gone."""

    def run(self: MainScreen, *args: Any) -> Any:
        try:
            return method(self, *args)
        except NoMatches:
            return None

    run.__name__ = method.__name__
    return run


class MainScreen(Navigation, LibraryActions, PaperActions, Screen):
    AUTO_FOCUS = "PaperList"  # keys act on papers at once; / goes to the filter

    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="app.quit", tooltip="Quit (everything is already saved)"),
        Binding("question_mark", "app.help", "Help", id="app.help", key_display="?", tooltip="Keys and filter language"),
        Binding("slash", "focus_filter", "Filter", id="app.filter", key_display="/", tooltip="Filter as you type; enter or ↓ goes back to the list"),
        Binding("escape", "back", "Back", show=False, id="app.back", tooltip="Back to the list; clears the filter when already there"),
        Binding("ctrl+c", "cancel_work", "Cancel", show=False, id="app.cancel", tooltip="Cancel a resolve run"),
        *PaperActions.ACTION_BINDINGS,
        *LibraryActions.ACTION_BINDINGS,
        Binding("S", "cycle_sort", "Sort", id="app.sort", show=False, tooltip="Next sort: " + ", ".join(SORTS)),
        Binding("d", "toggle_detail", "Detail", id="app.detail", show=False, tooltip="Hide or show the detail pane"),
        *(
            Binding(str(n), f"saved_search({n})", f"Search {n}", show=False, id=f"search.{n}", tooltip=f"Saved search {n} (readinglist search save)")
            for n in range(1, 10)
        ),
    ]

    def __init__(
        self,
        library: Library,
        services: Services,
        *,
        sort: str = "relevance",
        filter_keys: set[str] | None = None,
        query: str = "",
        paper: str | None = None,
        fetch_on_launch: bool = False,
    ) -> None:
        super().__init__()
        self.library = library
        self.services = services
        self.sort = sort
        self.query_text = ""
        self.initial_query, self.initial_paper = query, paper  # a resumed session
        self.fetch_on_launch = fetch_on_launch
        self.busy: dict[str, Any] = {}  # background tasks running: task -> cancel event
        self.highlighted_id: str | None = paper
        self._task_note = ""
        self.rows: Sequence[int] = []
        self.query_error: str | None = None
        self.filter_keys = filter_keys or {"slash"}
        self._pending_search: str | None = None  # filter text sent to a worker, not yet shown
        self._index_started = False
        self._list_shown = False  # no search answered yet: the list holds the widget's placeholder rows
        self._store_problem: str | None = None  # said once, not every EXTERNAL_CHECK_S
        self._reading_corpus = False  # a worker reads another process's write of the corpus
        self._detail_timer: Timer | None = None
        self.detail_due = False  # a refresh of the detail pane waits for the cursor to rest
        self._paper_cache_timer: Timer | None = None
        self._keys_after_enter: list[tuple[str, str | None]] | None = None  # held until the filter's answer shows
        self._keys_timer: Timer | None = None
        self._answered: str | None = None  # the last filter text answered, by a list or a hint
        self._typed_at = 0.0  # when the last filter result was shown (time.monotonic)
        self._highlighted_at = 0.0  # when the cursor last moved to another paper

    def compose(self) -> ComposeResult:
        # Selecting on focus happens after a refresh and would swallow what was typed in the same burst as "/".
        yield FilterInput(
            placeholder=FILTER_PLACEHOLDER, id="filter", select_on_focus=False, leave=self._filter_left, give=self._give_key
        )
        with Horizontal(id="body"):
            with Vertical(id="list-pane"):
                yield ListHeader(id="list-header")
                yield PaperList(
                    self.library, focus_filter=self.action_focus_filter, filter_keys=self.filter_keys, hold_key=self._hold_key, id="papers"
                )
            yield PaperDetail(id="detail")
        yield EnrichPanel()
        yield StatusLine(id="status-line")
        yield Footer()

    def on_resize(self, event) -> None:
        self.set_class(event.size.width < SIDE_DETAIL_MIN, "narrow")

    def on_mount(self) -> None:
        # A key waits at most this long for another process's lock; then the
        # save goes on in the background (PaperActions._save).
        self.library.store.lock.main_thread_timeout = UI_LOCK_WAIT_S
        self.set_class(self.app.size.width < SIDE_DETAIL_MIN, "narrow")
        self.paper_list.focus()
        if self.initial_query:
            with self.filter_input.prevent(Input.Changed):
                self.filter_input.value = self.initial_query
        self.run_filter(self.initial_query)  # its result starts the index build
        if self.fetch_on_launch:
            self.set_timer(1.0, lambda: self.start_fetch(quiet=True))  # after the first paint, never before
        self.set_interval(EXTERNAL_CHECK_S, self.check_external_changes)
        self.set_interval(BACKUP_EVERY_S, self.library.backup)

    # --- typed accessors -----------------------------------------------------------

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one("#filter", FilterInput)

    @property
    def selection(self) -> list[str]:
        """Ids of the selected papers, in the order they were selected."""
        try:
            return list(self.paper_list.selected)
        except NoMatches:
            return []

    def targets(self) -> list[str]:
        """What a paper action applies to: the selection, else the highlighted paper."""
        if selection := self.selection:
            return selection
        current = self.current
        return [current.id] if current else []

    @on(PaperList.SelectionChanged)
    def _selection_changed(self) -> None:
        self.update_status()

    @property
    def current(self) -> Paper | None:
        """The highlighted paper, or None (no match, or the widgets are gone)."""
        try:
            return self.paper_list.current
        except NoMatches:
            return None

    # --- filtering -------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # No fixed debounce: the search runs at once in an exclusive worker and
        # a newer keystroke makes an unfinished one's result be dropped.
        self.run_filter(event.value)

    def _filter_left(self) -> None:
        """Enter in the filter: the list takes the keys. Those sent after the
        Enter wait for the filter's answer, so "clip", Enter, "s" stars the
        first match, not the paper the list showed before."""
        self.set_focus(self.paper_list)
        if self._answer_on_screen():
            self._release_keys()
        elif self._keys_after_enter is None:
            self._hold_keys()

    def _answer_on_screen(self) -> bool:
        """The list (or the hint) answers the filter's text as it is now."""
        return self._pending_search is None and self.filter_input.value in (self.query_text, self._answered)

    def _hold_keys(self) -> None:
        self._keys_after_enter = []
        if self._keys_timer is not None:
            self._keys_timer.stop()
        self._keys_timer = self.set_timer(KEYS_AFTER_ENTER_WAIT_S, self._keys_waited)

    def _keys_waited(self) -> None:
        # A search still running (the first one on a large library may wait
        # seconds for the index): the keys keep waiting for its answer rather
        # than act on the list shown before. A failed search releases them.
        if self._keys_after_enter is not None and self._pending_search is not None:
            self._keys_timer = self.set_timer(KEYS_AFTER_ENTER_WAIT_S, self._keys_waited)
            return
        self._release_keys()

    def _give_key(self, event: events.Key) -> None:
        """A key the filter box got after an Enter: the list's, once the answer shows."""
        if self._keys_after_enter is None:
            if self._answer_on_screen() and self.app.focused is self.paper_list:
                self._send_to_list(event.key, event.character)
                return
            self._hold_keys()
        self._keys_after_enter.append((event.key, event.character))  # type: ignore[union-attr]

    def _hold_key(self, event: events.Key) -> bool:
        if self._keys_after_enter is None:
            return False
        self._keys_after_enter.append((event.key, event.character))
        return True

    def _release_keys(self) -> None:
        """Give the held keys to the list, in the order they came."""
        keys, self._keys_after_enter = self._keys_after_enter, None
        if self._keys_timer is not None:
            self._keys_timer.stop()
            self._keys_timer = None
        for key, character in keys or ():
            self._send_to_list(key, character)

    def _send_to_list(self, key: str, character: str | None) -> None:
        # Sent as the app sends a key: a message's bubbling stops at its sender.
        self.paper_list._forward_event(events.Key(key, character).set_sender(self.app))

    def _answer_shown(self, text: str) -> None:
        """The filter's answer (or its error) for ``text`` is on screen: held keys may go."""
        self._answered = text
        if self._keys_after_enter is not None and self._answer_on_screen() and self.app.focused is self.paper_list:
            self._release_keys()  # (focused: Enter's action has run)

    def run_filter(self, text: str) -> None:
        self._pending_search = text
        self._search(text, self.sort)
        # A search is ~5 ms once the word index exists; on a large library just
        # opened it can wait seconds for it. Say so rather than look stuck.
        self.set_timer(SEARCHING_NOTICE_S, lambda: self.update_status() if self._pending_search == text else None)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _search(self, text: str, sort: str) -> None:
        worker = get_current_worker()
        if not text.strip():
            try:
                rows = self._everything(sort)
            except UserError as exc:  # the fit sort with nothing starred
                self._reject(text, str(exc), sort)
                return
        else:
            try:
                query = parse_query(text)
            except QueryError as exc:
                try:
                    # A phrase being typed ("masked auto) is a phrase, not an error.
                    query = parse_query(text + '"') if text.count('"') % 2 else None
                except QueryError:
                    query = None
                if query is None:
                    self._reject(text, str(exc), sort)
                    return
            try:
                rows = self.library.search(query, sort=sort)
            except UserError as exc:  # like: with nothing starred, an unknown id...
                self._reject(text, str(exc), sort)
                return
        if not worker.is_cancelled:
            self.post_message(SearchDone(text, rows))

    def _everything(self, sort: str) -> Sequence[int]:
        """Every paper in ``sort`` order (for the filter's worker)."""
        if sort in ("relevance", "date") and not self.library.has_index:
            return self.library.newest_first()  # the first paint: this needs no index
        return self.library.search(parse_query(""), sort=sort)

    def _reject(self, text: str, message: str, sort: str) -> None:
        """Say why ``text`` is not applied (for the filter's worker). Before any
        list was shown (a resumed filter that no longer applies: ``like:starred``
        once nothing is starred), every paper is listed under the hint, not the
        widget's unsorted placeholder rows with a status line saying 0."""
        if get_current_worker().is_cancelled:
            return
        if not self._list_shown:
            try:
                rows = self._everything(sort)
            except UserError:  # the fit sort with nothing starred
                rows = self.library.newest_first()
            if get_current_worker().is_cancelled:
                return
            self.post_message(SearchDone("", rows))
        self.post_message(QueryRejected(text, message))

    def on_query_rejected(self, message: QueryRejected) -> None:
        if self._pending_search == message.text:
            self._pending_search = None
        self.query_error = message.message
        self.filter_input.show_hint(message.message)
        self.update_status()
        self.services.applied("hint", message.text)
        self.filter_input.call_after_refresh(self.filter_input.release_paint)
        self._answer_shown(message.text)

    def on_search_done(self, message: SearchDone) -> None:
        self.show_rows(message.text, message.rows)

    def show_rows(self, text: str, rows: Sequence[int]) -> None:
        if self._pending_search == text:
            self._pending_search = None
        self._list_shown = True
        if not self._index_started:
            # With the first list: the worker sets the index up while the
            # first frame is painted (it costs that paint ~50 ms at 100k),
            # so a key typed right after it finds the index (~0.1 s at 100k
            # with the cache file: the index, then the file) ready or nearly.
            self._index_started = True
            self._build_index()
        self.query_error = None
        self.filter_input.show_hint(None)
        # A new filter starts at its best match; the same filter re-run (a new
        # sort, changes from elsewhere) keeps the highlighted paper.
        current = self.current
        keep = current.id if current and self.rows and text == self.query_text else None
        if self.initial_paper is not None:
            keep, self.initial_paper = self.initial_paper, None
        self.query_text = text
        self.rows = rows
        self._typed_at = time.monotonic()
        self.paper_list.set_rows(rows, keep=keep)
        self.show_detail_soon()
        self.update_status()
        self.services.applied("list", text)
        # Released once the list has told the screen what it repaints: a
        # frame painted before that would hold the typed character only,
        # and the list would wait for the next frame after it.
        self.paper_list.call_after_refresh(self.filter_input.release_paint)
        self._answer_shown(text)

    @work(thread=True, exclusive=True, group="paper-cache", exit_on_error=False)
    def _save_paper_cache(self) -> None:
        self.library.save_paper_cache()

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _build_index(self) -> None:
        """Word postings make large libraries fast to filter; until they exist
        the index scans the folded text, correctly but more slowly. They are
        read from the cache file when it holds this corpus's (the first
        search may already have read them), else built and the file written."""
        # The index lives as long as the app. Collections while it was built
        # walked it all (a full one took 76 ms at 300k) and met the first keys
        # typed once the word index was ready: the collector waits, and what
        # was built is then frozen out of its passes.
        with collector_paused():
            self.library.build_index()
        self.post_message(IndexReady())
        self.library.read_abstracts()

    def on_index_ready(self) -> None:
        self.update_status()

    @_while_mounted
    def update_status(self) -> None:
        self.query_one(StatusLine).show(
            Status(
                shown=len(self.rows),
                total=len(self.library),
                query=self.query_text,
                sort=self.sort,
                query_error=self.query_error is not None,
                searching=self._pending_search is not None,
                indexing=not self.library.index_ready,
                selected=len(self.paper_list.selected),
                task=self._task_note,
            )
        )

    def status_note(self, text: str) -> None:
        """What a background task is doing, on the status line ("" when done)."""
        self._task_note = text
        self.update_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed must not leave the screen half-busy: say so and reset."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        what = {"filter": "Search", "index": "Building the search index", "enrich": "Resolve", "add": "Adding papers",
                "fetch": "Fetching", "pdf": "The PDF download", "corpus": "Reading the corpus another readinglist wrote"}.get(
            event.worker.group, "A task"
        )
        self.notify(f"{what} failed: {type(error).__name__}: {error}", severity="error", timeout=10)
        if event.worker.group == "filter":
            self._pending_search = None
            self.update_status()
            self._release_keys()
        elif event.worker.group == "enrich":
            self.enrich_stopped()
        elif event.worker.group == "corpus":
            self._reading_corpus = False  # the next check tries again
        elif event.worker.group in self.busy:
            self.busy.pop(event.worker.group, None)
            self.status_note("")

    # --- the detail pane ---------------------------------------------------------------

    @on(PaperList.Highlighted)
    def _highlighted(self, event: PaperList.Highlighted) -> None:
        if event.paper is not None:
            self.highlighted_id = event.paper.id  # kept for the next session
        now = time.monotonic()
        # A key held down (or tapped fast) moves the cursor every 30-50 ms;
        # a gap of over DETAIL_DELAY_S between two repeats drew the detail
        # pane (~9 ms at 140x40) in the middle of the scroll, and the next row waited.
        repeating = now - self._highlighted_at < KEY_REPEAT_S
        self._highlighted_at = now
        self.show_detail_soon(HELD_DETAIL_DELAY_S if repeating else DETAIL_DELAY_S)

    def show_detail_soon(self, delay: float = DETAIL_DELAY_S) -> None:
        """Refresh the detail pane once the cursor rests: wrapping and drawing
        a paper's text costs a few ms, and on every row of a held j (or every
        key typed fast) it made the list lag."""
        # The cursor set by a new filter result asks too: typing still rests first.
        delay = max(delay, self._typed_at + FILTER_DETAIL_DELAY_S - time.monotonic())
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(delay, self._cursor_rested)
        self.detail_due = True

    def _cursor_rested(self) -> None:
        self._detail_timer = None  # (this timer's own callback: not stopped from within)
        self.show_detail()

    @_while_mounted
    def show_detail(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()  # called at once (a change): the rest's redraw is done
            self._detail_timer = None
        self.detail_due = False
        self._show_detail()

    def _show_detail(self) -> None:
        from readinglist.core.pdf import pdf_path

        paper = self.current
        local = paper is not None and pdf_path(self.library.home, paper.id).is_file()
        try:
            self.query_one(PaperDetail).show(paper, self.library.annotation(paper.id) if paper else None, local_pdf=local)
        except UserError as exc:  # its abstract could not be read (a cache file damaged since the launch)
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.services.applied("detail", paper.id if paper else "")

    # --- changes ----------------------------------------------------------------------

    def show_changes(self, changes: Changes) -> None:
        """Redraw what a verb, a resolve run or another process changed."""
        if changes.reloaded:
            # Papers came or went: the rows shown point at old positions. Move
            # them to the new ones at once (a removed paper drops out), keep the
            # highlighted paper, then search again for the new papers.
            self.rows = [changes.moved[r] for r in self.rows if r in changes.moved]
            self.paper_list.set_rows(self.rows, keep=self.highlighted_id)
            self._index_started = False  # a new index: its word postings are built again after the list shows
            self.run_filter(self.query_text)
            return
        if changes.papers:
            self.paper_list.refresh_rows()
        elif changes.annotations:
            self.paper_list.refresh_papers(changes.annotations)
        if changes:
            self.show_detail()
        if changes.papers:
            # The store read the corpus again: save those papers, or the next
            # launch parses it (~2 s at 100k). A reload saves them with its index.
            if self._paper_cache_timer is not None:
                self._paper_cache_timer.stop()
            self._paper_cache_timer = self.set_timer(PAPER_CACHE_DELAY_S, self._save_paper_cache)
        for pid in changes.annotations:
            self.services.applied("annotation", pid)

    @_while_mounted
    def check_external_changes(self) -> None:
        """Another readinglist wrote the store: show its changes too.

        A new corpus is read in a worker (~2 s at 100k papers, which froze the
        list when read here) and taken in by ``on_corpus_read``; the
        annotations, small, are read at once."""
        # While our own resolve run writes the corpus, it reloads what it wrote itself.
        if self.enrich_cancel is None and not self._reading_corpus and self.library.corpus_changed_on_disk():
            self._reading_corpus = True
            self._read_corpus()
        try:
            changes = self.library.refresh(papers=False)
        except UserError as exc:
            self._store_problem_seen(exc)
            return
        self._store_problem = None
        self.show_changes(changes)

    def _store_problem_seen(self, exc: Exception) -> None:
        # A damaged, vanished or replaced store file stays so until the user
        # acts: say it once, not every two seconds (each save says it again).
        if str(exc) != self._store_problem:
            self._store_problem = str(exc)
            self.notify(str(exc), severity="error", timeout=10)

    @work(thread=True, exclusive=True, group="corpus", exit_on_error=False)
    def _read_corpus(self) -> None:
        from readinglist.tui.messages import CorpusRead

        try:
            read = self.library.store.read_papers()
        except UserError as exc:
            self.post_message(CorpusRead(None, error=str(exc)))
            return
        self.post_message(CorpusRead(read))

    def on_corpus_read(self, message) -> None:
        self._reading_corpus = False
        try:
            if message.error is not None:
                raise UserError(message.error)
            if message.read is None:  # not laid out a record a line: read it here
                changes = self.library.refresh(papers=self.enrich_cancel is None)
            else:
                changes = self.library.take_papers(*message.read)
        except UserError as exc:
            self._store_problem_seen(exc)
            return
        self.show_changes(changes)
