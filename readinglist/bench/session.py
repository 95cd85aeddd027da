"""What the benchmark measures on readinglist itself (run in a child process)."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

from readinglist.bench.probe import PauseLog, PeakWithHelpers, Probe, ProbeTimeout, percentile, rss_mb, send_step, settle
from readinglist.bench.script import KEY_GAP_S, QUERIES, Step, keystrokes

SCREEN = (140, 40)
CURSOR_MOVES = 30
STAR_TOGGLES = 50
STAR_KEYS = 10
INDEX_WAIT_S = 300.0


def store_mb(home: Path) -> float:
    from readinglist.core.store import ANNOTATIONS_FILE, CORPUS_FILE

    return sum((home / name).stat().st_size for name in (CORPUS_FILE, ANNOTATIONS_FILE) if (home / name).exists()) / 1e6


def run_import(listings: list[Path], home: Path, again: bool = False) -> dict[str, Any]:
    """Import ``listings`` into a fresh store (``again``: into the store
    there, opened as the command line's ``import`` opens it): parser, merge,
    one atomic write each."""
    from readinglist.core.store import Store

    if not again:
        shutil.rmtree(home, ignore_errors=True)
    peaks = PeakWithHelpers()
    start = time.perf_counter()
    store = Store.open(home, seed=False, lazy=again)
    reports = store.import_files(listings)
    elapsed = time.perf_counter() - start
    papers = len(store.papers())  # as before: the peak includes reading them back
    rss, helper_rss = peaks.stop()
    failed = [report for report in reports if report.error]
    if failed:
        raise RuntimeError(f"import failed: {failed[0].path}: {failed[0].error}")
    return {
        "import_s": elapsed,
        "store_mb": store_mb(home),
        "papers": papers,
        "import_problems": sum(len(report.problems) for report in reports),
        "import_rss_mb": rss,  # this process and the parse helper together
        "import_helper_rss_mb": helper_rss,
    }


def run_warm(home: Path) -> dict[str, Any]:
    """What the app's first launch after an import does in the background:
    build the word index and save it to cache/word-index.bin, which every
    later launch (and ``list --query``) reads instead of building."""
    from readinglist.core.library import Library
    from readinglist.core.store import Store

    library = Library(Store.open(home, backup=False), label="app")
    start = time.perf_counter()
    library.build_index()
    return {"index_build_s": time.perf_counter() - start, "index_build_rss_mb": rss_mb()}


async def run_tui(
    home: Path,
    spawned: float,
    *,
    seed: bool = False,
    full: bool = True,
    early: bool = False,
    queries: tuple[str, ...] = QUERIES,
) -> dict[str, Any]:
    """Cold launch to the first painted list; then filter, cursor and star timings
    (``full``), or only the key typed right after the first paint (``early``).

    ``spawned`` is the wall-clock time the parent started this process, so
    the launch time includes the interpreter and every import. One key is
    typed right after the first paint, while the app still builds its word
    index; the scripted session starts once the index is ready.
    """

    from readinglist.core.config import Config
    from readinglist.core.library import Library
    from readinglist.core.store import Store
    from readinglist.tui.app import ReadingListApp

    store = Store.open(home, seed=seed)
    kinds = {"list": "list", "hint": "hint", "annotation": "star", "detail": "detail"}
    observed: list[Probe] = []

    def observer(kind: str, what: str) -> None:
        if observed:
            text = what if kind in ("list", "hint") else f"{kind}:{what}"
            observed[0].mark_applied(text, kinds[kind])

    library = Library(store)
    app = ReadingListApp(library, config=Config(), opener=lambda url: None, observer=observer)
    paper_list: list[Any] = []
    probe = Probe(app, snapshot=lambda: paper_list[0].cursor if paper_list else None)
    observed.append(probe)
    result: dict[str, Any] = {"papers": len(library), "frame_rate": frame_rate()}
    async with app.run_test(size=SCREEN) as pilot:
        paint, _ = await probe.paint_after_applied("", 0, "the first list")
        result["first_paint_s"] = _since(spawned, paint.at)
        screen = app.main_screen
        if len(screen.rows) != len(library):
            raise RuntimeError(f"the first list shows {len(screen.rows)} of {len(library)} papers")
        if not (full or early):
            return result | {"rss_mb": rss_mb()}
        paper_list.append(screen.paper_list)
        field = screen.filter_input
        field.focus()
        first_key = await _filter(probe, field, [Step("d", typed=True)])
        result["early_filter_ms"] = first_key["filter_max_ms"]
        if not full:
            return result | {"rss_mb": rss_mb()}
        await _filter(probe, field, [Step("", typed=False)])
        try:
            await probe.wait_for(lambda: library.index_ready, "the word index", limit=INDEX_WAIT_S)
            result["index_ready_s"] = _since(spawned, time.perf_counter())
        except ProbeTimeout:
            result["index_ready_s"] = None  # measured without it, as a user would meet it
        pauses = PauseLog()
        await settle()
        result |= await _filter(probe, field, keystrokes(queries))
        result |= await _cursor(probe, screen)
        result |= await _star_key(probe, screen)  # starts from the last row, where _cursor left it
        result |= await _cursor_held(probe, screen)
        result |= pauses.summary()
        await pilot.pause()
    result |= _star(store)
    result["rss_mb"] = rss_mb()
    if full:
        result |= _like(library)  # after the RSS reading: the model is counted apart
    return result


def frame_rate() -> int:
    """How many frames a second the app's screens may paint."""
    from textual import screen

    return round(1 / screen.UPDATE_PERIOD)


def _since(spawned: float, at: float) -> float:
    """Seconds from the process start to ``at`` (a ``perf_counter`` time)."""
    return time.time() - (time.perf_counter() - at) - spawned


async def _filter(probe: Probe, field: Any, steps: list[Step]) -> dict[str, Any]:
    listed: list[float] = []  # keystrokes answered with a new list
    hinted: list[float] = []  # half-typed terms answered with a hint
    slowest = ("", 0.0)
    for step in steps:
        await settle(KEY_GAP_S)
        since = len(probe.applied)
        sent = send_step(probe, field, step)
        paint, kind = await probe.paint_after_applied(step.text, since, f"filter {step.text!r}")
        latency = (paint.at - sent) * 1000
        if kind == "hint":
            hinted.append(latency)
            continue
        listed.append(latency)
        if latency >= slowest[1]:
            slowest = (step.text, latency)
    return {
        "filter_p50_ms": percentile(listed, 0.5),
        "filter_p95_ms": percentile(listed, 0.95),
        "filter_max_ms": slowest[1],
        "filter_slowest": slowest[0],
        "filter_keystrokes": len(listed),
        "hint_p95_ms": percentile(hinted, 0.95),
    }


async def _cursor(probe: Probe, screen: Any) -> dict[str, Any]:
    """The list shows the cursor moved (``cursor_ms``); the detail pane may
    follow in a later update (``cursor_detail_ms``: the whole response)."""
    paper_list = screen.paper_list
    paper_list.focus()
    await settle()
    moves: list[float] = []
    details: list[float] = []
    for _ in range(CURSOR_MOVES):
        await settle(KEY_GAP_S)
        target, start, since = paper_list.cursor + 1, len(probe.paints), len(probe.applied)
        pid = screen.library.papers[screen.rows[target]].id
        sent = probe.send_key("down")
        paint = await probe.paint_where(lambda p, t=target: p.state == t, f"the cursor on row {target}", start)
        moves.append((paint.at - sent) * 1000)
        shown, _ = await probe.paint_after_applied(f"detail:{pid}", since, "the detail of the next paper")
        details.append((shown.at - sent) * 1000)
    await settle(KEY_GAP_S)
    last, start = len(screen.rows) - 1, len(probe.paints)
    sent = probe.send_key("end")
    paint = await probe.paint_where(lambda p: p.state == last, "the cursor on the last row", start)
    return {
        "cursor_ms": percentile(moves, 0.5),
        "cursor_p95_ms": percentile(moves, 0.95),
        "cursor_detail_p50_ms": percentile(details, 0.5),
        "cursor_detail_p95_ms": percentile(details, 0.95),
        "end_ms": (paint.at - sent) * 1000,
    }


HELD_PRESSES = 60
HELD_GAP_S = 0.030  # a held key repeats about every 30 ms


async def _cursor_held(probe: Probe, screen: Any) -> dict[str, Any]:
    """The down key held: a press every 30 ms, not waiting for the paints.
    Each press counts from its sending to the first paint showing the cursor
    at least that far down (a frame may show several presses at once);
    ``cursor_held_lag_ms`` is how long after the last press the list caught up."""
    presses = min(HELD_PRESSES, len(screen.rows) - 1)
    await settle(KEY_GAP_S)
    start = len(probe.paints)
    probe.send_key("home")
    await probe.paint_where(lambda p: p.state == 0, "the cursor on the first row", start)
    await settle(KEY_GAP_S)
    start = len(probe.paints)
    sent: list[float] = []
    for _ in range(presses):
        sent.append(probe.send_key("down"))
        await asyncio.sleep(HELD_GAP_S)
    last = await probe.paint_where(lambda p: p.state == presses, f"the cursor on row {presses}", start)
    paints = probe.paints[start:]
    latencies = []
    for row, at in enumerate(sent, start=1):
        shown = next(p for p in paints if p.at >= at and isinstance(p.state, int) and p.state >= row)
        latencies.append((shown.at - at) * 1000)
    return {
        "cursor_held_p50_ms": percentile(latencies, 0.5),
        "cursor_held_p95_ms": percentile(latencies, 0.95),
        "cursor_held_lag_ms": (last.at - sent[-1]) * 1000,
    }


async def _star_key(probe: Probe, screen: Any) -> dict[str, Any]:
    """Pressing s in the list: the write, the index update and the repaint."""
    times: list[float] = []
    for i in range(STAR_KEYS):
        await settle(KEY_GAP_S)
        pid = screen.current.id
        since = len(probe.applied)
        sent = probe.send_key("s", "s")
        paint, _ = await probe.paint_after_applied(f"annotation:{pid}", since, "the star")
        times.append((paint.at - sent) * 1000)
        await settle(KEY_GAP_S)
        since = len(probe.paints)
        probe.send_key("up")
        await probe.paint_where(lambda p, row=len(screen.rows) - 2 - i: p.state == row, "the row above", since)
    return {"star_key_p50_ms": percentile(times, 0.5), "star_key_p95_ms": percentile(times, 0.95)}


LIKE_STARS = 20
LIKE_RUNS = 20


def _like(library: Any) -> dict[str, Any]:
    """``like:starred`` over the whole library once the model is built, each
    run after a star changed (so no ranking is served from a cache)."""
    papers = library.papers
    step = max(1, len(papers) // (LIKE_STARS + LIKE_RUNS))
    chosen = [papers[i].id for i in range(0, len(papers), step)]
    library.set_star(chosen[:LIKE_STARS], True)
    before = _current_rss_mb()
    start = time.perf_counter()
    library.similarity.build()
    build_s = time.perf_counter() - start
    library.search("like:starred")
    times: list[float] = []
    for pid in chosen[LIKE_STARS : LIKE_STARS + LIKE_RUNS]:
        library.toggle_star(pid)
        start = time.perf_counter()
        library.search("like:starred")
        times.append((time.perf_counter() - start) * 1000)
    return {
        "like_build_s": build_s,
        "like_p50_ms": percentile(times, 0.5),
        "like_p95_ms": percentile(times, 0.95),
        "like_rss_mb": _current_rss_mb() - before,
    }


def _current_rss_mb() -> float:
    """Resident size now (not the peak): what the model keeps."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * 4096 / 1e6
    except OSError:
        return float("nan")


def _star(store: Any) -> dict[str, Any]:
    """``Store.toggle_star`` alone: read, change, atomic write with fsync."""
    papers = store.papers()
    step = max(1, len(papers) // (STAR_TOGGLES // 2))
    pids = [papers[i].id for i in range(0, len(papers), step)][: STAR_TOGGLES // 2]
    times: list[float] = []
    for pid in pids + pids:  # star, then unstar
        start = time.perf_counter()
        store.toggle_star(pid)
        times.append((time.perf_counter() - start) * 1000)
    return {"star_p50_ms": percentile(times, 0.5), "star_p95_ms": percentile(times, 0.95)}
