"""The filter box: typing in it repaints once per keystroke, list included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events
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

    def __init__(
        self,
        *args: Any,
        leave: Callable[[], None] | None = None,
        give: Callable[[events.Key], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Enter's action calls ``leave`` (the list takes the keys); a key that
        reaches the box once the focus has left it goes to ``give``."""
        super().__init__(*args, **kwargs)
        self._hold: Any = None  # an entered App.batch_update
        self._leave = leave
        self._give = give

    async def _on_key(self, event: events.Key) -> None:
        # The keys of a burst (typed fast, pasted, or queued while a search
        # held the interpreter) are all queued here before any of them acts.
        # Textual runs a key's binding once the key has bubbled up to the app,
        # after the printable keys queued behind it went in: Backspace, then
        # "x", in one burst, gave "x" deleted. So the box runs its own
        # bindings (Backspace, arrows, Enter...) here, in order; Enter moves
        # the focus to the list at once, and the keys after it are the list's.
        focused = self.app.focused
        if self._give is not None and focused is not None and focused is not self:
            event.stop()
            event.prevent_default()
            self._give(event)
            return
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)

    async def action_submit(self) -> None:
        await super().action_submit()
        if self._leave is not None:
            self._leave()

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
