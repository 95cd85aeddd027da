"""Timing a headless Textual app from a keystroke to the painted screen.

``Pilot.press`` and ``Pilot.pause`` wait for the process to go idle, which
costs at least 20 ms per call: too coarse to time a cursor move. Instead
the probe sends key events the way the pilot does, and hooks the app's
``_display`` (called once per screen update, after the changed lines were
rendered) to timestamp every paint together with the state it showed. A
measurement is then "from the keystroke to the first paint showing the new
state", read from those timestamps, so how often the benchmark polls does
not change the figures.

A headless app skips turning the update into terminal output; the probe
does that work itself (without writing it anywhere) so a paint costs what
it would in a real terminal.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import App
from textual.keys import _character_to_key

POLL_S = 0.0005
WAIT_LIMIT_S = 600.0


class ProbeTimeout(RuntimeError):
    """The app never painted the state the benchmark waited for."""


@dataclass(slots=True)
class Paint:
    at: float
    applied: int  # how many results had been applied when this paint happened
    state: Any  # what ``Probe.snapshot`` returned at this paint


class Probe:
    """Records paints and applied results of one app.

    ``mark_applied`` is called by the app-specific hooks when a new result
    (a filtered list, a query error) has been applied to the widgets.
    """

    def __init__(self, app: App, snapshot: Callable[[], Any] = lambda: None) -> None:
        self.app = app
        self.snapshot = snapshot
        self.paints: list[Paint] = []
        self.applied: list[tuple[int, str, str]] = []  # (sequence, text, kind)
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            render = getattr(renderable, "render_segments", None)
            if app.is_headless and render is not None:
                render(app.console)  # the terminal output a real driver would write
            self.paints.append(Paint(time.perf_counter(), len(self.applied), self.snapshot()))

        app._display = display  # type: ignore[method-assign]

    def mark_applied(self, text: str, kind: str = "") -> None:
        self.applied.append((len(self.applied) + 1, text, kind))

    def wrap_applier(self, name: str, text_of: Callable[..., str], kind: str = "") -> None:
        """Wrap the app method ``name`` so each call marks a result of ``kind`` applied."""
        original = getattr(self.app, name)

        def applier(*args, **kwargs):
            result = original(*args, **kwargs)
            self.mark_applied(text_of(*args, **kwargs), kind)
            return result

        setattr(self.app, name, applier)

    # --- waiting ---------------------------------------------------------------

    async def wait_for(self, condition: Callable[[], bool], what: str, limit: float = WAIT_LIMIT_S) -> None:
        deadline = time.perf_counter() + limit
        while not condition():
            if time.perf_counter() > deadline:
                raise ProbeTimeout(f"timed out after {limit:.0f} s waiting for {what}")
            await asyncio.sleep(POLL_S)

    async def paint_after_applied(self, text: str, since: int, what: str) -> tuple[Paint, str]:
        """The first paint showing result ``text`` applied after sequence
        ``since``, and the kind of that result."""
        found: list[tuple[int, str]] = []

        def applied() -> bool:
            for sequence, applied_text, kind in self.applied[since:]:
                if applied_text == text:
                    found.append((sequence, kind))
                    return True
            return False

        await self.wait_for(applied, f"the result of {what}")
        sequence, kind = found[0]
        return await self.paint_where(lambda paint: paint.applied >= sequence, what), kind

    async def paint_where(self, condition: Callable[[Paint], bool], what: str, start: int = 0) -> Paint:
        hit: list[Paint] = []

        def painted() -> bool:
            for paint in self.paints[start:]:
                if condition(paint):
                    hit.append(paint)
                    return True
            return False

        await self.wait_for(painted, f"a paint showing {what}")
        return hit[0]

    # --- input -------------------------------------------------------------------

    def send_key(self, key: str, char: str | None = None) -> float:
        """Post one key event as a terminal would; returns when it was sent."""
        driver = self.app._driver
        assert driver is not None
        event = events.Key(key, char)
        event.set_sender(self.app)
        sent = time.perf_counter()
        driver.send_message(event)
        return sent

    def type_char(self, char: str) -> float:
        key = char if char.isalnum() else _character_to_key(char)
        return self.send_key(key, char)


async def settle(seconds: float = 0.05) -> None:
    """Let the app go quiet between phases."""
    await asyncio.sleep(seconds)


class PauseLog:
    """Garbage-collector pauses while it is installed: a full collection
    walks every object, so its pause grows with the corpus."""

    def __init__(self) -> None:
        import gc

        self.pauses: list[tuple[int, float]] = []  # (generation, ms)
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._started) * 1000))

    def summary(self) -> dict[str, Any]:
        return {
            "gc_max_ms": max((ms for _, ms in self.pauses), default=0.0),
            "gc_full_collections": sum(1 for generation, _ in self.pauses if generation == 2),
        }


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN when there are no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class PeakWithHelpers:
    """The peak memory of this process and the helpers it starts, at once.

    A large import starts a helper that parses half the listing
    (core/parse_parts.py) while this process parses the other. Both count:
    a thread notes this process's peak so far when the helper has been
    waited for (it reads the children's peak then), and the peak of both
    at once is at most that plus the helper's peak, or this process's
    overall peak after it. An upper bound (sampled up to ``EVERY_S`` late),
    never less than the truth.
    """

    EVERY_S = 0.01

    def __init__(self) -> None:
        import threading

        self._at_helper: int | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-peak", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        import resource

        while not self._done.wait(self.EVERY_S):
            if self._at_helper is None and resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss:
                self._at_helper = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def stop(self) -> tuple[float, float]:
        """(the peak of both at once, the helpers' peak), in MB."""
        import resource
        import sys

        self._done.set()
        self._thread.join()
        helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        at_helper = own if self._at_helper is None else self._at_helper
        both = max(own, at_helper + helper) if helper else own
        scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux kilobytes
        return both / scale, helper / scale


def send_step(probe: Probe, field: Any, step: Any) -> float:
    """Type a step's last key, or set the filter's whole text at once (a
    ``script.Step``); returns when it was sent."""
    if step.typed:
        return probe.type_char(step.text[-1])
    sent = time.perf_counter()
    field.value = step.text
    field.cursor_position = len(step.text)
    return sent
