"""The command line on a large store: one paper's verbs and a full-text list.

Each command is a fresh ``python -m readinglist`` process, timed from spawn
to exit (interpreter start and every import included), as a user in a shell
meets it. Peak memory is read per process from ``wait4``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RUNS = 3
COMMANDS = (
    ("cli_star_s", ["star", "{id}"]),
    ("cli_tag_s", ["tag", "{id}", "+bench"]),
    ("cli_note_s", ["note", "{id}", "a note from the benchmark"]),
    ("cli_status_s", ["status", "{id}", "reading"]),
    ("cli_show_s", ["show", "{id}"]),
    # A word no paper has: the whole library is searched.
    ("cli_list_s", ["list", "--query", "zzzz"]),
)


def first_id(home: Path) -> str:
    """The id of the first paper in the corpus file, read without loading it."""
    from readinglist.core.store import CORPUS_FILE

    with (home / CORPUS_FILE).open("rb") as handle:
        for line in handle:
            if line.startswith(b'"papers":{'):
                record = next(handle)
                return record.split(b'"', 2)[1].decode()
    raise RuntimeError(f"no paper in {home / CORPUS_FILE}")


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, which must succeed."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode(errors="replace").strip() if child.stderr else ""
    if child.returncode != 0:
        raise RuntimeError(f"`{' '.join(command[2:])}` failed: {error.splitlines()[-1] if error else child.returncode}")
    peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return elapsed, peak


def run_cli(home: Path) -> dict[str, Any]:
    pid = first_id(home)
    result: dict[str, Any] = {}
    peak = 0.0
    for key, template in COMMANDS:
        args = [part.replace("{id}", pid) for part in template]
        command = [sys.executable, "-m", "readinglist", "--home", str(home), *args]
        times = []
        for _ in range(RUNS):
            elapsed, rss = _timed(command)
            times.append(elapsed)
            peak = max(peak, rss)
        result[key] = statistics.median(times)
    result["cli_rss_mb"] = peak
    return result
