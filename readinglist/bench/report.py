"""The results as tables, targets as pass/miss, and the machine they ran on."""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from readinglist.core.fileio import atomic_write_text

TARGET_SIZE = 100_000
BUILTIN_LAUNCH_S = 0.6
# The first key after the first paint races the index worker's set-up: one
# launch's figure ranged 40-140 ms at 100k here. Its median over this many
# launches is the figure (the full session's launch is one of them).
EARLY_RUNS = 5
START_MARK = "<!-- bench:start -->"
END_MARK = "<!-- bench:end -->"


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    label: str
    unit: str
    targets: tuple[tuple[int, float], ...] = ()  # (corpus size, limit)
    growth: bool = False  # shown in the table of how figures grow with the corpus

    def target(self, size: int) -> float | None:
        return dict(self.targets).get(size)


def _at(limit_100k: float, limit_300k: float | None = None) -> tuple[tuple[int, float], ...]:
    at = ((TARGET_SIZE, limit_100k),)
    return at if limit_300k is None else (*at, (300_000, limit_300k))


MEASURES = (
    Measure("import_s", "import into a fresh store", "s", _at(8.0), growth=True),
    Measure("import_rss_mb", "peak RSS of the import, its parse helper included", "MB", _at(600.0), growth=True),
    Measure("snapshot_import_s", "import of the same papers as arXiv metadata lines", "s", _at(8.0), growth=True),
    Measure("snapshot_import_rss_mb", "peak RSS of that import", "MB", _at(600.0)),
    Measure("reimport_s", "the listing imported into the store of that import (every paper merged)", "s", _at(8.0), growth=True),
    Measure("reimport_rss_mb", "peak RSS of that import", "MB", _at(600.0)),
    Measure("store_mb", "store size on disk", "MB"),
    Measure("first_paint_s", "cold launch to first painted list", "s", _at(1.0, 2.5), growth=True),
    Measure("index_build_s", "word index built and saved (first launch after an import)", "s", growth=True),
    Measure("index_ready_s", "cold launch to word index ready (read from its file)", "s", growth=True),
    # The key typed right after the first paint: served within 100 ms of it.
    Measure("early_filter_ms", f"first keystroke right after launch, median of {EARLY_RUNS} launches", "ms", _at(100.0), growth=True),
    Measure("early_filter_worst_ms", "first keystroke right after launch, slowest of those", "ms"),
    Measure("filter_p50_ms", "filter keystroke to painted list, p50", "ms", _at(16.0), growth=True),
    Measure("filter_p95_ms", "filter keystroke to painted list, p95", "ms", _at(33.0, 50.0), growth=True),
    Measure("cursor_ms", "cursor one row, p50", "ms"),
    # Checked on the p95: the list often paints before the detail pane
    # catches up, so the p50 hides the moves where both land in one frame.
    Measure("cursor_p95_ms", "cursor one row, p95", "ms", _at(16.0), growth=True),
    Measure("cursor_held_p95_ms", "cursor with the key held (a press every 30 ms), p95", "ms", _at(16.0)),
    Measure("cursor_detail_p50_ms", "cursor one row with its detail pane, p50", "ms"),
    Measure("end_ms", "jump to the last row", "ms"),
    Measure("star_p50_ms", "star toggle persisted, p50", "ms"),
    Measure("star_p95_ms", "star toggle persisted, p95", "ms", _at(20.0, 20.0), growth=True),
    Measure("star_key_p95_ms", "s pressed to star painted, p95", "ms"),
    Measure("rss_mb", "peak RSS of the app session", "MB", _at(400.0, 1100.0), growth=True),
    Measure("gc_max_ms", "longest garbage-collector pause", "ms"),
    Measure("like_build_s", "more-like-this model built", "s"),
    Measure("like_p50_ms", "like:starred over the whole library, p50", "ms"),
    Measure("like_p95_ms", "like:starred over the whole library, p95", "ms", _at(100.0), growth=True),
    Measure("like_rss_mb", "memory the model adds (growth of the current RSS)", "MB", _at(100.0)),
    Measure("cli_star_s", "`readinglist star ID`, wall", "s", _at(0.3), growth=True),
    Measure("cli_tag_s", "`readinglist tag ID +t`, wall", "s", _at(0.3)),
    Measure("cli_note_s", "`readinglist note ID TEXT`, wall", "s", _at(0.3)),
    Measure("cli_status_s", "`readinglist status ID reading`, wall", "s", _at(0.3)),
    Measure("cli_show_s", "`readinglist show ID`, wall", "s", _at(0.3), growth=True),
    Measure("cli_list_s", "`readinglist list --query zzzz`, wall", "s", _at(1.0), growth=True),
    Measure("cli_rss_mb", "peak RSS of those commands", "MB"),
)


def machine() -> dict[str, Any]:
    """What the figures depend on: cores, CPU, memory, Python, Textual."""
    cpu = "unknown"
    ram_gb = math.nan
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    return {
        "load_1min": round(os.getloadavg()[0], 2),
        "reference_loop_s": reference_loop_s(),
        "cores": cores,
        "cpu": cpu,
        "ram_gb": round(ram_gb, 1),
        "python": platform.python_version(),
        "textual": metadata.version("textual"),
        "platform": platform.platform(),
    }


REFERENCE_LOOP = 30_000_000  # sum(range(...)): ~0.4 s on this project's 2-core machine at its calm


def reference_loop_s() -> float:
    """Seconds of a fixed pure-Python loop, the best of three: how fast the
    machine ran the interpreter at that moment. A shared machine's speed
    drifts by half over a day; this says which phase a run's figures met."""
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        sum(range(REFERENCE_LOOP))
        best = min(best, time.perf_counter() - start)
    return round(best, 3)


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(ours: Any, base: Any) -> str:
    if ours is None or base is None or not ours or math.isnan(ours) or math.isnan(base):
        return "–"
    ratio = base / ours
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target at each measured size with its value and whether it was met."""
    checks: list[dict[str, Any]] = []
    for size, figures in results["sizes"].items():
        for measure in MEASURES:
            limit = measure.target(int(size))
            if limit is None:
                continue
            value = figures.get(measure.key)
            checks.append(
                {
                    "name": f"{measure.label} at {int(size):,} papers",
                    "key": measure.key,
                    "size": int(size),
                    "limit": limit,
                    "unit": measure.unit,
                    "value": value,
                    "pass": value is not None and value <= limit,
                }
            )
    builtin = results.get("builtin")
    if builtin:
        value = builtin["first_paint_s"]
        checks.append(
            {
                "name": f"launch to interactive, built-in corpus ({builtin['papers']} papers)",
                "key": "builtin.first_paint_s",
                "limit": BUILTIN_LAUNCH_S,
                "unit": "s",
                "value": value,
                "pass": value <= BUILTIN_LAUNCH_S,
            }
        )
    return checks


def growth(results: dict[str, Any]) -> list[str]:
    """How the main figures grow with the corpus: one column per size."""
    sizes = list(results["sizes"])
    if len(sizes) < 2:
        return []
    out = ["### How the figures grow with the corpus\n"]
    out.append("| measure | " + " | ".join(f"{int(s):,}" for s in sizes) + " |")
    out.append("| --- |" + " ---: |" * len(sizes))
    for m in MEASURES:
        if m.growth:
            cells = " | ".join(_number(results["sizes"][s].get(m.key)) for s in sizes)
            out.append(f"| {m.label} ({m.unit}) | {cells} |")
    out.append("")
    return out


def markdown(results: dict[str, Any]) -> str:
    """Every size's table, then the targets; plain Markdown for terminal and docs."""
    out: list[str] = growth(results)
    for size, figures in results["sizes"].items():
        base = figures.get("baseline") or {}
        out.append(f"### {int(size):,} papers\n")
        out.append("| measure | readinglist | naive baseline | baseline ÷ readinglist |")
        out.append("| --- | ---: | ---: | ---: |")
        for m in MEASURES:
            ours, theirs = figures.get(m.key), base.get(m.key)
            out.append(f"| {m.label} ({m.unit}) | {_number(ours)} | {_number(theirs)} | {_ratio(ours, theirs)} |")
        extra = []
        if figures.get("filter_slowest") is not None:
            extra.append(
                f"slowest filter keystroke: `{figures['filter_slowest']}` ({_number(figures['filter_max_ms'])} ms)"
            )
        if base.get("filter_keystrokes") is not None:
            extra.append(
                f"filter timings over {figures.get('filter_keystrokes')} keystrokes (readinglist) and "
                f"{base['filter_keystrokes']} (baseline)"
            )
        out.append("")
        out.extend(f"- {line}" for line in extra)
        out.append("")
    checks = targets(results)
    if checks:
        out.append("### Targets\n")
        out.append("| target | limit | measured | |")
        out.append("| --- | ---: | ---: | --- |")
        for check in checks:
            verdict = "pass" if check["pass"] else _miss(check)
            out.append(
                f"| {check['name']} | {_number(check['limit'])} {check['unit']} | "
                f"{_number(check['value'])} {check['unit']} | {verdict} |"
            )
        out.append("")
    else:
        out.append(f"Targets apply at {TARGET_SIZE:,} and 300,000 papers, which this run did not measure.\n")
    return "\n".join(out)


def _miss(check: dict[str, Any]) -> str:
    value, limit = check["value"], check["limit"]
    if value is None:
        return "miss (not measured)"
    return f"**miss** by {_number(value - limit)} {check['unit']} ({value / limit:.1f}× the limit)"


def machine_line(info: dict[str, Any]) -> str:
    line = (
        f"{info['cores']} cores, {info['cpu']}, {info['ram_gb']} GB RAM, Python {info['python']}, "
        f"Textual {info['textual']}, {info['platform']}"
    )
    if info.get("load_1min") is not None:
        line += f"; load average {info['load_1min']} when the run started"
    if info.get("reference_loop_s") is not None:
        line += f"; reference loop {info['reference_loop_s']} s at the start"
        if info.get("reference_loop_end_s") is not None:
            line += f", {info['reference_loop_end_s']} s at the end"
        line += " (`sum(range(30_000_000))`, best of 3; lower is faster)"
    return line


def results_section(path: Path) -> tuple[str, int, int]:
    """The text of ``path`` and where its results section starts and ends."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(START_MARK), text.find(END_MARK)
    if start < 0 or end < start:
        raise ValueError(f"{path} has no {START_MARK} ... {END_MARK} section to replace")
    return text, start, end


def update_doc(path: Path, results: dict[str, Any]) -> None:
    """Replace the results section of ``path`` (between the bench markers)."""
    text, start, end = results_section(path)
    section = "\n".join(
        [
            START_MARK,
            "",
            f"Measured {results['created']} with:",
            "",
            "```",
            results["command"],
            "```",
            "",
            f"Machine: {machine_line(results['machine'])}.",
            "",
            markdown(results),
            END_MARK,
        ]
    )
    atomic_write_text(path, text[:start] + section + text[end + len(END_MARK) :])
