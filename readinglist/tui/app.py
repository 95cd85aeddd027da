"""The main screen: filter, list, detail, status line, footer."""

from __future__ import annotations

import functools
import gc
import threading
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea
from textual.timer import Timer
from textual.worker import get_current_worker

from readinglist.core.errors import UserError
from readinglist.core.store import NoteConflict
from readinglist.core.links import arxiv_search_url
from readinglist.core.model import DEFAULT_ANNOTATION, STATUSES, Annotation, Paper
from readinglist.core.text import is_safe_url
from readinglist.tui.commands import PaperCommands
from readinglist.tui.enrich import EnrichPanel, enrich_papers
from readinglist.tui.widgets.detail import PaperDetail
from readinglist.tui.widgets.paper_list import ListHeader, PaperList

if TYPE_CHECKING:
    from readinglist.core.config import Config
    from readinglist.core.index import SearchIndex
    from readinglist.core.store import Store

SORTS = ("relevance", "date", "title", "changed", "starred")
EXTERNAL_CHECK_S = 2.0
DETAIL_DELAY_S = 0.05
SEARCHING_NOTICE_S = 0.25
BACKUP_EVERY_S = 15 * 60  # a long session's changes get backups too, not only at start

# (keys, description) for the help screen and docs; bindings carry ids for keymaps.
KEY_HELP = [
    ("/", "filter (as you type); enter or ↓ goes back to the list"),
    ("escape", "back to the list; clears the filter when already there"),
    ("j k ↑ ↓", "move; pgup/pgdn or ctrl+u/ctrl+d a page"),
    ("g G", "first / last paper"),
    ("s", "star / unstar"),
    ("r", "status: unread → reading → read"),
    ("t", "edit tags (with completion)"),
    ("n", "edit the note (ctrl+s saves)"),
    ("o", "open the arXiv page (a title search when unresolved)"),
    ("p", "open the PDF"),
    ("c", "open the code (choose when there are several)"),
    ("y", "copy the arXiv link"),
    ("Y", "copy the code link"),
    ("S", "next sort: relevance, date, title, changed, starred"),
    ("e", "export starred or filtered papers"),
    ("E", "resolve arXiv id and code of this paper"),
    ("ctrl+p", "command palette: every action, go to paper by title"),
    ("?", "this help"),
    ("q", "quit"),
]


def _while_main_screen(method: Callable[..., Any]) -> Callable[..., Any]:
    """For callbacks of timers and workers: they can fire while the app shuts
    down and the main screen's widgets are already gone; then they do nothing."""

    @functools.wraps(method)
    def run(self: ReadingListApp, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except NoMatches:
            return None

    return run


class MainScreen(Screen):
    """Kept separate from the App so modal screens stack above it."""

    AUTO_FOCUS = "PaperList"  # keys act on papers at once; / goes to the filter

    def compose(self) -> ComposeResult:
        app: ReadingListApp = self.app  # type: ignore[assignment]
        yield Input(
            placeholder="Filter: words  \"phrase\"  -exclude  title: author: cat:CV year:2020..2023 is:starred has:code tag:x",
            id="filter",
            # Selecting on focus happens after a refresh and would swallow
            # what was typed in the same burst as "/".
            select_on_focus=False,
        )
        yield Static(id="query-hint")
        with Horizontal(id="body"):
            with Vertical(id="list-pane"):
                yield ListHeader(id="list-header")
                yield PaperList(app.papers, app.annotation_of, id="papers")
            yield PaperDetail(id="detail")
        yield EnrichPanel()
        yield Static(id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.app.main_screen_ready()  # type: ignore[attr-defined]


class ReadingListApp(App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "readinglist"
    COMMANDS = App.COMMANDS | {PaperCommands}

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (everything is already saved)"),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?", tooltip="Keys and filter language"),
        Binding("slash", "focus_filter", "Filter", id="app.filter", key_display="/", tooltip="Type to filter the list"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
        Binding("ctrl+c", "cancel_work", "Cancel", show=False, id="app.cancel", tooltip="Cancel a resolve run"),
        Binding("s", "star", "Star", id="paper.star", tooltip="Star or unstar the paper"),
        Binding("r", "cycle_status", "Status", id="paper.status", tooltip="unread → reading → read"),
        Binding("t", "edit_tags", "Tags", id="paper.tags", tooltip="Edit tags"),
        Binding("n", "edit_note", "Note", id="paper.note", tooltip="Edit the note"),
        Binding("o", "open_arxiv", "arXiv", id="paper.open_arxiv", tooltip="Open the arXiv page"),
        Binding("p", "open_pdf", "PDF", id="paper.open_pdf", show=False, tooltip="Open the PDF"),
        Binding("c", "open_code", "Code", id="paper.open_code", tooltip="Open the code"),
        Binding("y", "copy_arxiv", "Copy link", id="paper.copy_arxiv", show=False, tooltip="Copy the arXiv link"),
        Binding("Y", "copy_code", "Copy code", id="paper.copy_code", show=False, tooltip="Copy the code link"),
        Binding("S", "cycle_sort", "Sort", id="app.sort", show=False, tooltip="Next sort order"),
        Binding("e", "export", "Export", id="app.export", tooltip="Export starred or filtered papers"),
        Binding("E", "enrich", "Resolve", id="paper.enrich", show=False, tooltip="Resolve arXiv id and code"),
    ]

    def __init__(
        self,
        store: Store,
        config: Config | None = None,
        *,
        opener: Callable[[str], object] | None = None,
        http_client: Any = None,
    ) -> None:
        super().__init__()
        from readinglist.core.config import Config as _Config

        self.store = store
        self.config = config or _Config()
        self.opener = opener
        self.http_client = http_client
        self.papers: list[Paper] = store.papers()
        self.annotations: dict[str, Annotation] = dict(store.annotations())
        # The corpus lives as long as the app: keep the cyclic collector from
        # rescanning it. Full collections over 100k papers cost ~0.3-0.6 s
        # each and landed in the first paint and between keystrokes.
        gc.freeze()
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()
        self._index_started = False
        self.query_text = ""
        default_sort = str(self.config.get("default_sort", "relevance"))
        self.sort = default_sort if default_sort in SORTS else "relevance"
        self._config_problems: list[str] = []
        if default_sort not in SORTS:
            self._config_problems.append(f"default_sort {default_sort!r} is not one of {', '.join(SORTS)}")
        self.rows: list[int] = []
        self.query_error: str | None = None
        self.enrich_cancel: threading.Event | None = None
        self._detail_timer: Timer | None = None
        self._pending_search: str | None = None  # filter text sent to a worker, not yet shown
        self.filter_keys = {"slash"}  # see PaperList.on_key
        theme = self.config.get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        elif theme is not None:
            self._config_problems.append(f"theme {theme!r} is unknown; try one of: {', '.join(sorted(self.available_themes))}")

    # --- set-up ------------------------------------------------------------

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None, markup: bool = False) -> None:
        """Notifications quote paper titles, URLs and file names: never markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    @property
    def index(self) -> SearchIndex:
        # Built on first use (by the first filter worker), once: two workers
        # may ask at the same time.
        with self._index_lock:
            if self._index is None:
                from readinglist.core.index import SearchIndex

                self._index = SearchIndex(self.papers, self.annotations)
        return self._index

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _build_word_index(self) -> None:
        """Word postings make large corpora fast to filter; until they exist
        the index scans the folded text, correctly but more slowly."""
        self.index.index_text()
        gc.freeze()  # the index lives as long as the app too

    def get_default_screen(self) -> Screen:
        self.main_screen = MainScreen()
        return self.main_screen

    def main_screen_ready(self) -> None:
        keymap = self.config.section("keymap")
        if keymap:
            self.set_keymap({str(k): str(v) for k, v in keymap.items()})
            if "app.filter" in keymap:
                self.filter_keys = {k.strip() for k in str(keymap["app.filter"]).split(",")}
        for problem in self._config_problems:
            where = f" in {self.config.path}" if self.config.path else ""
            self.notify(f"Config{where}: {problem}", severity="warning", timeout=10)
        self.paper_list.focus()
        self.run_filter("")  # its result starts the index build (_show_rows)
        self.set_interval(EXTERNAL_CHECK_S, self._check_external_changes)
        self.set_interval(BACKUP_EVERY_S, self.store.backup_annotations)

    @property
    def paper_list(self) -> PaperList:
        return self.main_screen.query_one(PaperList)

    def widget(self, selector: str, kind: type[Any] = Static) -> Any:
        """A widget of the main screen, whatever modal is on top of it."""
        return self.main_screen.query_one(selector, kind)

    def annotation_of(self, pid: str) -> Annotation:
        return self.annotations.get(pid, DEFAULT_ANNOTATION)

    @property
    def current(self) -> Paper | None:
        try:
            return self.paper_list.current
        except NoMatches:  # the main screen is not built yet, or already gone
            return None

    # --- filtering -----------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # No fixed debounce: the search runs at once in an exclusive worker and
        # a newer keystroke makes an unfinished one's result be dropped.
        self.run_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.paper_list.focus()

    def run_filter(self, text: str) -> None:
        self._pending_search = text
        self._search(text, self.sort)
        # A search is ~5 ms once the word index exists; on a large corpus
        # just opened it can wait seconds for it. Say so rather than look stuck.
        self.set_timer(SEARCHING_NOTICE_S, lambda: self._update_status() if self._pending_search == text else None)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _search(self, text: str, sort: str) -> None:
        from readinglist.core.query import QueryError, parse_query

        worker = get_current_worker()
        if not text.strip() and sort in ("relevance", "date") and self._index is None:
            # First paint: the index (0.4 s at 100k papers) is not needed to
            # list everything newest first; it is built right after.
            papers = self.papers
            rows = sorted(range(len(papers)), key=lambda i: papers[i].date or "", reverse=True)
            if not worker.is_cancelled:
                self.call_from_thread(self._show_rows, text, rows)
            return
        try:
            query = parse_query(text)
        except QueryError as exc:
            try:
                # A phrase being typed ("masked auto) is a phrase, not an error.
                query = parse_query(text + '"') if text.count('"') % 2 else None
            except QueryError:
                query = None
            if query is None:
                if not worker.is_cancelled:
                    self.call_from_thread(self._show_query_error, text, str(exc))
                return
        rows = self.index.search(query, sort=sort)
        if not worker.is_cancelled:
            self.call_from_thread(self._show_rows, text, list(rows))

    @_while_main_screen
    def _show_query_error(self, text: str, message: str) -> None:
        if self._pending_search == text:
            self._pending_search = None
        self.query_error = message
        hint = self.widget("#query-hint")
        hint.update(Text(f"⚠ {message}"))
        hint.add_class("shown")
        self._update_status()

    @_while_main_screen
    def _show_rows(self, text: str, rows: list[int]) -> None:
        if self._pending_search == text:
            self._pending_search = None
        if not self._index_started:
            # After the first paint, so the build does not compete with it.
            self._index_started = True
            self.set_timer(0.3, self._build_word_index)
        self.query_error = None
        self.widget("#query-hint").remove_class("shown")
        # A new filter starts at its best match; the same filter re-run (a
        # new sort, changes from elsewhere) keeps the highlighted paper.
        keep = self.current.id if self.current and self.rows and text == self.query_text else None
        self.query_text = text
        self.rows = rows
        self.paper_list.set_rows(rows, keep=keep)
        self._show_detail_soon()
        self._update_status()

    @_while_main_screen
    def _update_status(self) -> None:
        status = Text()
        status.append(f"{len(self.rows)} of {len(self.papers)} papers", style="bold")
        status.append("  ·  filter: ")
        status.append(self.query_text or "none", style="italic" if not self.query_text else "")
        status.append(f"  ·  sort: {self.sort}")
        if self.query_error:
            status.append("  ·  query not applied", style="bold red")
        if self._pending_search is not None:
            status.append("  ·  searching…", style="italic")
            if self._index is None or not self._index.text_indexed:
                status.append(" (building the search index)", style="italic dim")
        self.widget("#status-line").update(status, layout=False)  # one row: no re-layout

    @on(PaperList.Highlighted)
    def _highlighted(self, event: PaperList.Highlighted) -> None:
        self._show_detail_soon()

    def _show_detail_soon(self) -> None:
        """Refresh the detail pane once the cursor rests.

        Its update re-lays out the screen and rewraps the abstract (~15-50 ms
        at 140 columns): done on every row of a held j, it made the list
        itself lag. The list moves at once; the pane follows 50 ms later.
        """
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_S, self._show_detail)

    @_while_main_screen
    def _show_detail(self) -> None:
        paper = self.current
        self.main_screen.query_one(PaperDetail).show(paper, self.annotation_of(paper.id) if paper else None)

    # --- navigation ------------------------------------------------------------

    def action_focus_filter(self) -> None:
        # Synchronous, unlike Widget.focus(): keys typed right after "/" in
        # the same burst must land in the filter, not on the list.
        self.main_screen.set_focus(self.widget("#filter", Input))

    def action_cancel_work(self) -> None:
        if self.enrich_cancel is not None:
            self.action_back()
        else:
            self.action_help_quit()

    def action_back(self) -> None:
        if self.enrich_cancel is not None:
            self.enrich_cancel.set()
            self.notify("Cancelling the resolve run; what was resolved is kept", timeout=3)
            return
        field = self.widget("#filter", Input)
        if field.has_focus:
            self.paper_list.focus()
        elif field.value:
            field.value = ""  # posts Changed: the list shows everything again
        self.paper_list.focus()

    def on_key(self, event) -> None:
        field = self.widget("#filter", Input)
        if field.has_focus and event.key == "down":
            self.paper_list.focus()
            event.stop()

    def action_help(self) -> None:
        from readinglist.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(KEY_HELP))

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.notify(f"Sorted by {self.sort}", timeout=2)
        self.run_filter(self.query_text)

    # --- annotations -------------------------------------------------------

    def _paper_or_warn(self) -> Paper | None:
        paper = self.current
        if paper is None:
            self.notify("No paper selected", severity="warning", timeout=2)
        return paper

    def _save(self, write: Callable[[], Annotation], pid: str) -> Annotation | None:
        """Run a store write; on failure tell the user and change nothing."""
        try:
            annotation = write()
        except UserError as exc:
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)
            return None
        self._annotation_changed(pid, annotation)
        return annotation

    def _annotation_changed(self, pid: str, annotation: Annotation) -> None:
        self.annotations[pid] = annotation
        self.index.update_annotation(pid, annotation)
        self.paper_list.refresh_paper(pid)
        self._show_detail()

    def action_star(self) -> None:
        if paper := self._paper_or_warn():
            self._save(lambda: self.store.toggle_star(paper.id), paper.id)

    def action_cycle_status(self) -> None:
        if paper := self._paper_or_warn():
            current = self.annotation_of(paper.id).status
            following = STATUSES[(STATUSES.index(current) + 1) % len(STATUSES)]
            if self._save(lambda: self.store.set_status(paper.id, following), paper.id):
                self.notify(f"{following.capitalize()}", timeout=1.5)

    def action_edit_tags(self) -> None:
        paper = self._paper_or_warn()
        if paper is None:
            return
        from readinglist.tui.screens.tags import TagEditor

        before = list(self.annotation_of(paper.id).tags)

        def done(tags: list[str] | None) -> None:
            # Save what the user changed, not the whole list: tags another
            # readinglist added meanwhile are kept.
            if tags is not None:
                added = [t for t in tags if t not in before]
                removed = [t for t in before if t not in tags]
                self._save(lambda: self.store.update_tags(paper.id, added, removed), paper.id)

        self.push_screen(TagEditor(paper.title, before, self.store.all_tags()), done)

    def action_edit_note(self) -> None:
        paper = self._paper_or_warn()
        if paper is None:
            return
        from readinglist.tui.screens.note import NoteEditor

        base = [self.annotation_of(paper.id).note]  # the note the user started from

        def save(text: str) -> None:
            try:
                annotation = self.store.set_note(paper.id, text, expected=base[0])
            except NoteConflict as exc:
                # Keep both: the user merges them and saves again.
                base[0] = exc.current
                area = self.screen.query_one("#note-text", TextArea)
                area.text = f"{text}\n\n--- saved elsewhere meanwhile ---\n{exc.current}"
                self._annotation_changed(paper.id, self.store.annotation(paper.id))
                raise
            self._annotation_changed(paper.id, annotation)

        def done(text: str | None) -> None:
            if text is not None:
                self.notify("Note saved", timeout=1.5)

        self.push_screen(NoteEditor(paper.title, self.annotation_of(paper.id).note, save), done)

    @_while_main_screen
    def _check_external_changes(self) -> None:
        """Another readinglist wrote the store: show its changes too."""
        try:
            # While our own resolve run writes the corpus, it reloads what it
            # wrote itself; otherwise another process imported or resolved.
            if self.enrich_cancel is None and self.store.corpus_changed_on_disk():
                self.reload_papers(None)
            if not self.store.annotations_changed_on_disk():
                return
            fresh = self.store.annotations()
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        for pid in set(fresh) | set(self.annotations):
            annotation = fresh.get(pid, DEFAULT_ANNOTATION)
            if self.annotations.get(pid, DEFAULT_ANNOTATION) != annotation:
                self.annotations[pid] = annotation
                self.index.update_annotation(pid, annotation)
        self.paper_list.refresh_paper()
        self._show_detail()

    # --- links -------------------------------------------------------------

    def open_link(self, url: str) -> None:
        if not is_safe_url(url):
            self.notify(f"Refused to open a non-http(s) link: {url[:80]}", severity="error", timeout=6)
            return
        if self.opener is not None:
            self.opener(url)
        else:
            self.open_url(url)
        self.notify(f"Opening {url}", timeout=3)

    def copy_link(self, url: str, what: str) -> None:
        if not is_safe_url(url):
            self.notify(f"Refused to copy a non-http(s) link: {url[:80]}", severity="error", timeout=6)
            return
        self.copy_to_clipboard(url)  # OSC 52: works over ssh
        self._copy_with_pyperclip(url)
        self.notify(f"Copied {what}: {url}", timeout=3)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def _copy_with_pyperclip(self, text: str) -> None:
        try:
            import pyperclip

            pyperclip.copy(text)
        except Exception:  # noqa: BLE001 - no system clipboard here: OSC 52 already did the job
            pass

    def _arxiv_url(self, paper: Paper) -> str:
        return paper.arxiv_url or arxiv_search_url(paper.title)

    def action_open_arxiv(self) -> None:
        if paper := self._paper_or_warn():
            self.open_link(self._arxiv_url(paper))

    def action_open_pdf(self) -> None:
        if paper := self._paper_or_warn():
            if paper.arxiv_pdf_url:
                self.open_link(paper.arxiv_pdf_url)
            else:
                self.notify("No PDF link yet: resolve the arXiv id with E, or press o to search arXiv", severity="warning", timeout=5)

    def _with_code_link(self, paper: Paper, then: Callable[[str], None]) -> None:
        urls = paper.code_links
        if not urls:
            hint = " (the listing says there is code: press E to look it up)" if paper.has_code else ""
            self.notify(f"No code link known{hint}", severity="warning", timeout=4)
            return
        if len(urls) == 1:
            then(urls[0])
            return
        from readinglist.tui.screens.choose import ChooseLink

        self.push_screen(ChooseLink("Which code link?", urls), lambda url: then(url) if url else None)

    def action_open_code(self) -> None:
        if paper := self._paper_or_warn():
            self._with_code_link(paper, self.open_link)

    def action_copy_arxiv(self) -> None:
        if paper := self._paper_or_warn():
            what = "arXiv link" if paper.arxiv_id else "arXiv search link"
            self.copy_link(self._arxiv_url(paper), what)

    def action_copy_code(self) -> None:
        if paper := self._paper_or_warn():
            self._with_code_link(paper, lambda url: self.copy_link(url, "code link"))

    # --- export and enrichment (own modules) ---------------------------------

    def action_export(self) -> None:
        from readinglist.tui.screens.export import ExportDialog

        def done(report: str | None) -> None:
            if report:
                self.notify(report, timeout=6)

        self.push_screen(ExportDialog(self), done)

    def action_enrich(self) -> None:
        if paper := self._paper_or_warn():
            enrich_papers(self, [paper])

    def action_enrich_filtered(self) -> None:
        enrich_papers(self, [self.papers[i] for i in self.rows])

    def action_enrich_unresolved(self) -> None:
        enrich_papers(self, [p for p in self.papers if not p.arxiv_id])

    @_while_main_screen
    def reload_papers(self, pids: Iterable[str] | None) -> None:
        """Take papers changed in the store (by enrichment) into the view."""
        try:
            fresh = {p.id: p for p in self.store.papers()}
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        wanted = set(pids) if pids is not None else None
        for i, paper in enumerate(self.papers):
            if (wanted is None or paper.id in wanted) and paper.id in fresh and fresh[paper.id] is not paper:
                updated = fresh[paper.id]
                if updated.to_dict() != paper.to_dict():
                    self.papers[i] = updated
                    self.index.update_paper(updated)
        self.paper_list.refresh_paper()
        self._show_detail()

    # --- palette -------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action not in ("quit", "back"):
                yield SystemCommand(binding.description, binding.tooltip or binding.description, lambda a=binding.action: self.run_action(a))
        yield SystemCommand("Resolve filtered papers", "Resolve arXiv ids and code links of every paper in the list", self.action_enrich_filtered)
        yield SystemCommand("Resolve all unresolved papers", "Resolve every paper without an arXiv id", self.action_enrich_unresolved)

    def go_to_paper(self, pid: str) -> None:
        """Show paper ``pid``, clearing the filter if it hides the paper."""
        rows = self.rows
        position = next((i for i, p in enumerate(self.papers) if p.id == pid), None)
        if position is None:
            return
        if position not in rows:
            field = self.widget("#filter", Input)
            with field.prevent(Input.Changed):
                field.value = ""
            self.rows = self.index.search("", sort=self.sort)
            self.query_text = ""
        self.paper_list.set_rows(self.rows, keep=pid)
        self.paper_list.focus()
        self._show_detail()
        self._update_status()
