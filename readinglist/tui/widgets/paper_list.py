"""The paper list: draws only the rows in view (Line API), so 100k papers
cost no more to show than 40."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from readinglist.core.text import clean_text
from readinglist.tui.widgets.virtual_height import set_virtual_height

if TYPE_CHECKING:
    from readinglist.core.library import Library
    from readinglist.core.model import Paper

STATUS_GLYPH = {"unread": "·", "reading": "◐", "read": "✓"}
STAR_GLYPH = "★"
GLYPHS = 4  # star and status, each with a space
# Columns beside the title, and the order they are dropped in when the
# title would get fewer cells than TITLE_MIN: the title gets the width first.
DROP_ORDER = ("category", "code", "author", "year")
TITLE_MIN = ((120, 60), (0, 45))  # (list width at least, title cells at least)
REDRAWN_ALONE = 64  # papers changed at once whose rows are redrawn one by one; more: the whole list


@dataclass(frozen=True, slots=True)
class Columns:
    """Cells per column for one list width; 0 means the column is not shown."""

    title: int
    author: int = 0
    category: int = 0
    year: int = 0
    code: int = 0


def columns(width: int) -> Columns:
    available = width - GLYPHS
    author = 14 if width < 120 else 22 if width < 180 else 28
    extra = {"author": author, "category": 8, "year": 4, "code": 4}
    wanted = next(cells for at_least, cells in TITLE_MIN if width >= at_least)
    for name in DROP_ORDER:
        if available - sum(w + 1 for w in extra.values()) >= wanted:
            break
        del extra[name]
    return Columns(title=max(10, available - sum(w + 1 for w in extra.values())), **extra)


def _cell(text: str, width: int) -> Text:
    """Plain text fitted to ``width`` cells: never markup, never a terminal
    control sequence (text can reach the store without the parser), ellipsis
    when cut."""
    cell = Text(clean_text(text), no_wrap=True, overflow="ellipsis", end="")
    cell.truncate(width, overflow="ellipsis", pad=True)
    return cell


def header_text(width: int) -> Text:
    cols = columns(width)
    line = Text(no_wrap=True, end="")
    line.append_text(_cell("★", 2))
    line.append_text(_cell("◐", 2))
    line.append_text(_cell("title", cols.title))
    for name, label in (("author", "first author"), ("category", "category"), ("year", "year"), ("code", "code")):
        size = getattr(cols, name)
        if size:
            line.append_text(_cell(f" {label}", size + 1))
    return line


class ListHeader(Widget):
    """Column titles, laid out for the list's width."""

    DEFAULT_CSS = "ListHeader { height: 1; }"

    def render(self) -> Text:
        return header_text(self.size.width)


class PaperList(ScrollView, can_focus=True):
    """A cursor over ``rows`` (positions into ``papers``)."""

    BINDINGS = [
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down", tooltip="Next paper"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up", tooltip="Previous paper"),
        Binding("pagedown,ctrl+d", "page(1)", "Page down", show=False, id="list.page_down", tooltip="A page down"),
        Binding("pageup,ctrl+u", "page(-1)", "Page up", show=False, id="list.page_up", tooltip="A page up"),
        Binding("home,g", "top", "Top", show=False, id="list.top", tooltip="First paper"),
        Binding("end,G", "bottom", "Bottom", show=False, id="list.bottom", tooltip="Last paper"),
        Binding("space", "toggle_selected", "Select", show=False, id="list.select", tooltip="Select or unselect the paper and move on"),
        Binding("shift+down", "extend(1)", "Extend down", show=False, id="list.extend_down", tooltip="Extend the selection down"),
        Binding("shift+up", "extend(-1)", "Extend up", show=False, id="list.extend_up", tooltip="Extend the selection up"),
        Binding("ctrl+a", "select_all", "Select all", show=False, id="list.select_all", tooltip="Select every paper the filter shows"),
    ]

    DEFAULT_CSS = """
    PaperList { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; overflow-y: scroll; }
    PaperList > .paper-list--selected { background: $secondary 35%; }
    """

    COMPONENT_CLASSES = {"paper-list--cursor", "paper-list--selected"}

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)
    virtual_size = Reactive(Size(0, 0), layout=False)  # see set_virtual_height

    class SelectionChanged(Message):
        """Papers were selected or unselected; ``count`` are selected now."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class Highlighted(Message):
        """The cursor moved to another paper (or to none)."""

        def __init__(self, paper: Paper | None) -> None:
            super().__init__()
            self.paper = paper

    def __init__(
        self,
        library: Library,
        *,
        focus_filter: Callable[[], None],
        filter_keys: set[str],
        hold_key: Callable[[events.Key], bool] = lambda key: False,
        **kwargs,
    ) -> None:
        """``hold_key(key)`` True: the screen keeps the key to give it back later."""
        super().__init__(**kwargs)
        self.library = library  # read only: papers and annotations come from it at every draw
        self.focus_filter = focus_filter
        self.filter_keys = filter_keys
        self.hold_key = hold_key
        self.rows: Sequence[int] = range(len(library))
        self.selected: dict[str, None] = {}  # paper ids, in the order they were selected
        # Drawn rows by (paper position, width, cursor): a new filter mostly
        # shows papers the previous one showed, and drawing a row is most of
        # a keystroke's frame. Cleared when papers, the selection or the
        # styles change; an annotation change bumps its paper's version.
        self._render_row = lru_cache(maxsize=2048)(self._render_row_uncached)
        # How often each paper's annotation changed since the cache was last
        # cleared: part of a row's cache key, so one star redraws one row.
        self._versions: dict[int, int] = {}
        self._drawn: tuple[object, ...] = ()  # what the cached rows were drawn with
        self._styles: tuple[Style, Style, Style] | None = None  # plain, cursor, selected: one look-up a frame

    # --- data ----------------------------------------------------------------

    def set_rows(self, rows: Sequence[int], *, keep: str | None = None) -> None:
        """Show ``rows``; keep the cursor on paper ``keep`` if it is still shown."""
        self.rows = rows
        target = 0
        if keep is not None:
            position = self.library.position(keep)
            try:
                # list.index runs in C: ~1 ms at 100k rows, a Python loop ~20 ms.
                target = rows.index(position) if position is not None else 0
            except ValueError:
                target = 0
        set_virtual_height(self, len(rows))
        self.cursor = target
        self.scroll_to(y=max(0, target - self.size.height // 2), animate=False, immediate=True)
        self.refresh()

    def refresh_rows(self) -> None:
        """Redraw after papers or annotations changed."""
        self._clear_rows()
        self.refresh()

    def refresh_papers(self, pids: Collection[str]) -> None:
        """Redraw the rows of these papers only (their annotations changed):
        a star redraws one row, not the 40 in view (6 ms of its frame)."""
        if len(pids) > REDRAWN_ALONE:
            self.refresh_rows()
            return
        positions = {self.library.position(pid) for pid in pids} - {None}
        for position in positions:
            self._versions[position] = self._versions.get(position, 0) + 1
        top = int(self.scroll_offset.y)
        for y in range(max(0, min(self.size.height, len(self.rows) - top))):
            if self.rows[top + y] in positions:
                self.refresh(Region(0, y, self.size.width, 1))

    def _clear_rows(self) -> None:
        self._render_row.cache_clear()
        self._versions.clear()

    @property
    def current(self) -> Paper | None:
        if 0 <= self.cursor < len(self.rows):
            return self.library.papers[self.rows[self.cursor]]
        return None

    # --- selection -----------------------------------------------------------

    def _selection_changed(self) -> None:
        self._clear_rows()
        self.refresh()
        self.post_message(self.SelectionChanged(len(self.selected)))

    def action_toggle_selected(self) -> None:
        paper = self.current
        if paper is None:
            return
        if paper.id in self.selected:
            del self.selected[paper.id]
        else:
            self.selected[paper.id] = None
        self._selection_changed()
        self.cursor += 1

    def action_extend(self, delta: int) -> None:
        if (paper := self.current) is not None:
            self.selected[paper.id] = None
        self.cursor += delta
        if (paper := self.current) is not None:
            self.selected[paper.id] = None
        self._selection_changed()

    def action_select_all(self) -> None:
        papers = self.library.papers
        self.selected.update(dict.fromkeys(papers[i].id for i in self.rows))
        self._selection_changed()

    def clear_selection(self) -> None:
        self.selected.clear()
        self._selection_changed()

    # --- cursor ------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_lines(old)
        self.refresh_lines(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True, force=True)
        self.post_message(self.Highlighted(self.current))

    def refresh_lines(self, row: int) -> None:
        y = row - int(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height - 1)

    def action_top(self) -> None:
        self.cursor = 0

    def action_bottom(self) -> None:
        self.cursor = len(self.rows) - 1

    def on_key(self, event: events.Key) -> None:
        if self.hold_key(event):  # sent after Enter, before the filter's answer is shown
            event.stop()
            event.prevent_default()
            return
        # Keys of a burst ("/clip" typed fast or pasted) are all queued here
        # before an app binding could move the focus. So "/" moves it here,
        # at once, and the keys queued after it go where the focus now is,
        # in order (an Enter there may hand the keys after it back).
        target = self.app.focused
        if target is not self and isinstance(target, Input):  # a "/" here too: it is the filter's now
            event.stop()
            event.prevent_default()
            # Sent as the app sends a key: a message's bubbling stops at its sender.
            target._forward_event(events.Key(event.key, event.character).set_sender(self.app))
            return
        if event.key in self.filter_keys:
            event.stop()
            event.prevent_default()
            self.focus_filter()

    def on_click(self, event) -> None:
        row = int(self.scroll_offset.y) + event.y
        if 0 <= row < len(self.rows):
            self.cursor = row

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))
        self._clear_rows()

    # --- drawing -----------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's styles walk its ancestors: looked up once a frame, not
        # once a row (they were a fifth of drawing the list).
        papers = self.library.papers
        styles = (
            self.rich_style,
            self.get_component_rich_style("paper-list--cursor"),
            self.get_component_rich_style("paper-list--selected"),
        )
        drawn = (papers, len(papers), styles, self.library.new_since)
        if drawn != self._drawn:
            self._clear_rows()
            self._drawn = drawn
        self._styles = styles
        try:
            return super().render_lines(crop)
        finally:
            self._styles = None

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if row >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        position = self.rows[row]
        return self._render_row(position, width, row == self.cursor, self._versions.get(position, 0))

    def _render_row_uncached(self, position: int, width: int, is_cursor: bool, version: int = 0) -> Strip:
        """The row of the paper at ``position`` (``version``: its cache key only)."""
        paper = self.library.papers[position]
        annotation = self.library.annotation(paper.id)
        cols = columns(width)
        line = Text(no_wrap=True, end="")
        # Yellow vanishes on the cursor's accent background: the cursor row
        # keeps the star in its own foreground colour.
        star_style = "bold" if is_cursor else "bold yellow"
        line.append(STAR_GLYPH + " " if annotation.star else "  ", style=star_style if annotation.star else "")
        line.append(STATUS_GLYPH.get(annotation.status, "·") + " ", style="cyan" if annotation.status == "reading" else ("green" if annotation.status == "read" else "dim"))
        title = _cell(paper.title, cols.title)
        since = self.library.new_since
        if since and paper.added and paper.added > since:
            title.stylize("bold")  # new since the previous launch (is:new)
        line.append_text(title)
        for size, value in (
            (cols.author, paper.first_author),
            (cols.category, paper.category or ""),
            (cols.year, str(paper.year or "")),
            (cols.code, "code" if paper.code_available() else ""),
        ):
            if size:
                line.append(" ")
                line.append_text(_cell(value, size))
        if annotation.status == "read" and not is_cursor:
            line.stylize("dim")
        plain, cursor, selected = self._styles or (
            self.rich_style,
            self.get_component_rich_style("paper-list--cursor"),
            self.get_component_rich_style("paper-list--selected"),
        )
        if is_cursor:
            base = cursor
        elif paper.id in self.selected:
            base = selected
            line.stylize(base)
        else:
            base = plain
        segments = list(line.render(self.app.console))
        strip = Strip(segments).apply_style(base) if is_cursor else Strip(segments)
        return strip.adjust_cell_length(width, base).simplify()

