"""Moving around the main screen: the filter, escape, sorts, saved searches,
going to a paper, the detail pane. A mixin of ``MainScreen``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.widgets import Input

from readinglist.core.query import SORTS
from readinglist.tui.widgets.detail import PaperDetail

if TYPE_CHECKING:
    from readinglist.core.library import Library


class Navigation:
    """Navigation actions of the main screen (``self`` is the ``MainScreen``)."""

    library: Library
    rows: Sequence[int]
    query_text: str
    sort: str
    enrich_cancel: Any

    def action_toggle_detail(self) -> None:
        self.query_one(PaperDetail).toggle_class("hidden")

    def action_focus_filter(self) -> None:
        # Synchronous, unlike Widget.focus(): keys typed right after "/" in the
        # same burst must land in the filter, not on the list.
        self.set_focus(self.filter_input)

    def action_cancel_work(self) -> None:
        if self.enrich_cancel is not None:
            self.action_back()
        else:
            self.app.action_help_quit()

    def action_back(self) -> None:
        if self.enrich_cancel is not None:
            self.enrich_cancel.set()
            self.notify("Cancelling the resolve run; what was resolved is kept", timeout=3)
            return
        field = self.filter_input
        if not field.has_focus and self.selection:
            self.paper_list.clear_selection()
            return
        if not field.has_focus and field.value:
            field.value = ""  # posts Changed: the list shows everything again
        self.paper_list.focus()

    def on_key(self, event) -> None:
        if self.filter_input.has_focus and event.key == "down":
            self.paper_list.focus()
            event.stop()

    def apply_filter(self, query: str) -> None:
        """Show ``query`` in the filter and run it (a saved search, the palette)."""
        self.filter_input.value = query  # posts Changed: the search runs
        self.paper_list.focus()

    def saved_searches(self) -> dict[str, str]:
        """The user's saved searches (`readinglist search save`), in the order saved."""
        from readinglist.core.errors import UserError
        from readinglist.core.session import load_searches

        try:
            return load_searches(self.library.home)
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=8)  # type: ignore[attr-defined]
            return {}

    def action_saved_search(self, number: int) -> None:
        searches = list(self.saved_searches().items())
        if number > len(searches):
            self.notify(f"No saved search {number}: save one with `readinglist search save NAME QUERY`", severity="warning", timeout=4)
            return
        name, query = searches[number - 1]
        self.notify(f"Search {number}: {name}", timeout=2)
        self.apply_filter(query)

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.notify(f"Sorted by {self.sort}", timeout=2)
        self.run_filter(self.query_text)

    def go_to_paper(self, pid: str) -> None:
        """Show paper ``pid``, clearing the filter if it hides the paper."""
        position = self.library.position(pid)
        if position is None:
            return
        if position not in self.rows:
            field = self.filter_input
            with field.prevent(Input.Changed):
                field.value = ""
            self.rows = self.library.search("", sort=self.sort)
            self.query_text = ""
        self.paper_list.set_rows(self.rows, keep=pid)
        self.paper_list.focus()
        self.show_detail()
        self.update_status()

    # Provided by MainScreen.
    filter_input: Input
    paper_list: Any
    selection: list[str]
    run_filter: Callable[[str], None]
    show_detail: Callable[[], None]
    update_status: Callable[[], None]
