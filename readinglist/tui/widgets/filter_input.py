"""The filter box: typing in it repaints once per keystroke, list included."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

# The typed character waits this long at most for the list that answers it;
# a search slower than that shows the character first.
HOLD_S = 0.03


class FilterInput(Input):
    """An Input that paints its new text together with the list it filters.

    Painted at once, a typed character takes a frame of its own, and the
    filtered list, ready a few milliseconds later, waits for the next frame
    (Textual paints at most every 1/60 s): the list lagged each key by a
    frame. So a change of the text holds repaints (``App.batch_update``)
    until the screen calls ``release_paint`` with the list updated, or
    ``HOLD_S`` passes.
    """

    DEFAULT_CSS = """
    FilterInput { width: 1fr; height: 3; border-subtitle-align: left; border-subtitle-color: $warning; }
    """

    # Textual's Input sets its virtual width to its text's on every change,
    # and a virtual size change lays the whole screen out again (~6 ms a
    # keystroke). The box's size is fixed and it has no scrollbar: the
    # virtual size only bounds its own horizontal scroll, a repaint is enough.
    virtual_size = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hold: Any = None  # an entered App.batch_update

    def show_hint(self, message: str | None) -> None:
        """Say what is wrong with the text, on the box's lower edge (None: nothing).

        On the border, not in a line of its own: showing and hiding a line
        lays the whole screen out again (~25 ms), and a half-typed term
        (``title:``) shows it for one key and hides it at the next.
        """
        self.border_subtitle = None if message is None else Text(f"⚠ {message}")

    def watch_value(self, value: str) -> None:
        # Runs as the text changes, before the Input's own repaint request
        # reaches the screen: so no frame shows the character alone.
        self.hold_paint()

    def hold_paint(self) -> None:
        if self._hold is None and self.is_attached:
            self._hold = self.app.batch_update()
            self._hold.__enter__()
            self.app.set_timer(HOLD_S, self.release_paint)  # the app's timer: it outlives this widget

    def release_paint(self) -> None:
        if self._hold is not None:
            hold, self._hold = self._hold, None
            hold.__exit__(None, None, None)
            if self.is_attached:
                self.screen.check_idle()  # the screen paints at its next idle; prompt one now

    def on_unmount(self) -> None:
        self.release_paint()
