"""One measurement in a fresh process: ``python -m readinglist.bench.child TASK PARAMS``.

A fresh process per measurement makes launch times cold (every import
included) and peak memory belong to that measurement alone. ``PARAMS`` is
a JSON object; the result is written as JSON to ``PARAMS["out"]``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from readinglist.core.fileio import atomic_write_text


def run(task: str, params: dict[str, Any]) -> dict[str, Any]:
    if task == "corpus":
        from readinglist.bench.corpus import write_listings, write_snapshot

        paths = write_listings(Path(params["listing"]), params["n"], params["seed"])
        written = {"listing_mb": sum(p.stat().st_size for p in paths) / 1e6, "listings": [str(p) for p in paths]}
        if params.get("snapshot"):
            written["snapshot"] = str(write_snapshot(Path(params["snapshot"]), params["n"], params["seed"]))
        return written
    if task == "import":
        from readinglist.bench.session import run_import

        return run_import([Path(p) for p in params["listings"]], Path(params["home"]), again=params.get("again", False))
    if task == "warm":
        from readinglist.bench.session import run_warm

        return run_warm(Path(params["home"]))
    if task == "cli":
        from readinglist.bench.cli import run_cli

        return run_cli(Path(params["home"]))
    if task == "tui":
        from readinglist.bench.script import QUERIES
        from readinglist.bench.session import run_tui

        return asyncio.run(
            run_tui(
                Path(params["home"]),
                params["spawned"],
                seed=params.get("seed", False),
                full=params.get("full", True),
                early=params.get("early", False),
                queries=tuple(params.get("queries") or QUERIES),
            )
        )
    if task == "baseline-import":
        from readinglist.bench.baseline import run_import

        return run_import(Path(params["listing"]), Path(params["db"]))
    if task == "baseline-tui":
        from readinglist.bench.baseline import run_tui
        from readinglist.bench.script import Step

        steps = [Step(text, typed) for text, typed in params["steps"]]
        return asyncio.run(run_tui(Path(params["db"]), params["spawned"], steps, params["star_toggles"]))
    raise SystemExit(f"unknown task {task!r}")


def main() -> None:
    task, raw = sys.argv[1], sys.argv[2]
    params = json.loads(raw)
    result = run(task, params)
    atomic_write_text(Path(params["out"]), json.dumps(result))


if __name__ == "__main__":
    main()
