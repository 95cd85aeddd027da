"""Changing how many lines a Line API view scrolls over, without a layout."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def set_virtual_height(view: ScrollView, height: int) -> None:
    """Give ``view`` ``height`` lines to scroll over.

    The view must declare ``virtual_size`` with ``layout=False``: Textual
    otherwise lays the whole screen out again (and repaints every widget,
    ~25 ms) on each change. The screen is laid out only when the vertical
    scrollbar has to appear or go, since that changes the width of the
    lines; a view with ``overflow-y: scroll`` (the list, the detail pane)
    keeps it, so only the scrollbar is told.
    """
    view.virtual_size = Size(view.scrollable_content_region.width, height)
    shown = view.styles.overflow_y == "scroll" or height > view.size.height
    if shown != view.show_vertical_scrollbar:
        view.refresh(layout=True)
    elif shown:
        bar = view.vertical_scrollbar
        bar.window_virtual_size = height
        bar.window_size = view.size.height
