"""The naive baseline the ratios are taken against.

What a first version of such an app would do: TinyDB's default
``JSONStorage`` with each paper's star, status, tags and note inside its
document (so a star toggle rewrites the whole corpus file), and a Textual
``DataTable`` holding every row, cleared and refilled on each keystroke
with a brute-force substring filter. Its filter understands the same
shapes of query the script types, loosely: words (substrings of title,
authors and abstract), ``-word``, ``field:value`` on title, author,
abstract, cat and year, and ``has:code``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from readinglist.bench.probe import PauseLog, PeakWithHelpers, Probe, percentile, rss_mb, send_step, settle
from readinglist.bench.script import KEY_GAP_S, Step

SCREEN = (140, 40)
CURSOR_MOVES = 10
TABLE = "papers"


def _document(paper: Any) -> dict[str, Any]:
    return paper.to_dict() | {"star": False, "status": "unread", "tags": [], "note": ""}


def run_import(listing: Path, path: Path) -> dict[str, Any]:
    """Parse the listing and insert every paper in one TinyDB write."""
    from tinydb import TinyDB

    from readinglist.core.parse import parse_file

    shutil.rmtree(path.parent, ignore_errors=True)
    path.parent.mkdir(parents=True)
    peaks = PeakWithHelpers()
    start = time.perf_counter()
    parsed = parse_file(listing)  # readinglist's parser, so a large listing in two halves here too
    with TinyDB(path) as db:
        db.table(TABLE).insert_multiple(_document(p) for p in parsed.papers)
    elapsed = time.perf_counter() - start
    return {"import_s": elapsed, "store_mb": path.stat().st_size / 1e6, "import_rss_mb": peaks.stop()[0]}


def _matches(doc: dict[str, Any], haystack: str, term: str) -> bool:
    field, colon, value = term.partition(":")
    if not colon:
        return term.strip('"') in haystack
    value = value.strip('"').rstrip(".")
    if field == "title":
        return value in doc["title"].lower()
    if field == "author":
        return any(value in name.lower() for name in doc["authors"])
    if field == "abstract":
        return value in doc["abstract"].lower()
    if field == "cat":
        return value in (doc["category"] or "").lower()
    if field == "year":
        return (doc["date"] or "") >= value
    if field == "has":
        return bool(doc["has_code"])
    return value in haystack


def _keeps(doc: dict[str, Any], haystack: str, terms: list[str]) -> bool:
    for term in terms:
        negated = term.startswith("-")
        body = term[1:] if negated else term
        if body and _matches(doc, haystack, body) == negated:
            return False
    return True


def _filter_app(path: Path):
    from rich.text import Text
    from textual import on
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Input
    from tinydb import TinyDB

    class BaselineApp(App[None]):
        CSS = "DataTable { height: 1fr; }"

        def __init__(self) -> None:
            super().__init__()
            self.db = TinyDB(path)
            self.docs = self.db.table(TABLE).all()
            self.haystacks = [
                f"{d['title']} {' '.join(d['authors'])} {d['abstract']}".lower() for d in self.docs
            ]
            self.query_text: str | None = None

        def compose(self) -> ComposeResult:
            yield Input(id="filter")
            yield DataTable(id="table", cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("★", "title", "first author", "category", "year", "code")
            self.show_rows("")
            table.focus()

        @on(Input.Changed, "#filter")
        def _changed(self, event: Input.Changed) -> None:
            self.show_rows(event.value)

        def show_rows(self, text: str) -> None:
            terms = text.lower().split()
            table = self.query_one(DataTable)
            table.clear()
            rows = []
            for doc, haystack in zip(self.docs, self.haystacks):
                if _keeps(doc, haystack, terms):
                    rows.append(
                        (
                            "★" if doc["star"] else "",
                            Text(doc["title"]),  # paper text is never markup
                            Text(doc["authors"][0] if doc["authors"] else ""),
                            doc["category"] or "",
                            (doc["date"] or "")[:4],
                            "code" if doc["has_code"] else "",
                        )
                    )
            table.add_rows(rows)
            self.query_text = text

    return BaselineApp()


async def run_tui(path: Path, spawned: float, steps: list[Step], star_toggles: int) -> dict[str, Any]:
    from textual.widgets import DataTable, Input

    app = _filter_app(path)
    table: list[Any] = []
    probe = Probe(app, snapshot=lambda: table[0].cursor_row if table else None)
    probe.wrap_applier("show_rows", lambda text: text)
    result: dict[str, Any] = {}
    async with app.run_test(size=SCREEN) as pilot:
        paint, _ = await probe.paint_after_applied("", 0, "the first table")
        result["first_paint_s"] = time.time() - (time.perf_counter() - paint.at) - spawned
        table.append(app.query_one(DataTable))
        field = app.query_one("#filter", Input)
        field.focus()
        pauses = PauseLog()
        await settle()
        latencies: list[float] = []
        for step in steps:
            await settle(KEY_GAP_S)
            since = len(probe.applied)
            sent = send_step(probe, field, step)
            paint, _ = await probe.paint_after_applied(step.text, since, f"filter {step.text!r}")
            latencies.append((paint.at - sent) * 1000)
        result["filter_p50_ms"] = percentile(latencies, 0.5)
        result["filter_p95_ms"] = percentile(latencies, 0.95)
        result["filter_keystrokes"] = len(latencies)
        if field.value:
            since = len(probe.applied)
            field.value = ""
            await probe.paint_after_applied("", since, "the cleared filter")
        table[0].focus()
        await settle()
        moves: list[float] = []
        for _ in range(CURSOR_MOVES):
            await settle(KEY_GAP_S)
            target, start = table[0].cursor_row + 1, len(probe.paints)
            sent = probe.send_key("down")
            paint = await probe.paint_where(lambda p, t=target: p.state == t, f"the cursor on row {target}", start)
            moves.append((paint.at - sent) * 1000)
        await settle(KEY_GAP_S)
        last, start = table[0].row_count - 1, len(probe.paints)
        sent = probe.send_key("ctrl+end")
        paint = await probe.paint_where(lambda p: p.state == last, "the cursor on the last row", start)
        result |= {
            "cursor_ms": percentile(moves, 0.5),
            "cursor_p95_ms": percentile(moves, 0.95),
            "end_ms": (paint.at - sent) * 1000,
        }
        result |= pauses.summary()
        await pilot.pause()
    result |= _star(app.db, star_toggles)
    app.db.close()
    result["rss_mb"] = rss_mb()
    return result


def _star(db: Any, toggles: int) -> dict[str, Any]:
    """A star toggle: TinyDB reads the whole file, flips one document, rewrites it all."""
    table = db.table(TABLE)
    docs = table.all()
    step = max(1, len(docs) // max(1, toggles))
    chosen = [docs[i].doc_id for i in range(0, len(docs), step)][:toggles]

    def flip(doc: dict[str, Any]) -> None:
        doc["star"] = not doc["star"]

    times: list[float] = []
    for doc_id in chosen:
        start = time.perf_counter()
        table.update(flip, doc_ids=[doc_id])
        times.append((time.perf_counter() - start) * 1000)
    # JSONStorage fsyncs every write, as the real store does: both are durable.
    return {"star_p50_ms": percentile(times, 0.5), "star_p95_ms": percentile(times, 0.95)}
