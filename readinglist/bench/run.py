"""``python -m readinglist.bench``: run every measurement, print and save the results."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from readinglist.bench import report
from readinglist.bench.script import QUERIES, QUICK_QUERIES, keystrokes, whole_queries
from readinglist.core.fileio import atomic_write_text

DEFAULT_SIZES = "1000,10000,100000"
BUILTIN_RUNS = 3
FULL_BASELINE_UP_TO = 10_000  # above this the baseline types only a few queries
BASELINE_UP_TO = 100_000  # beyond, the naive baseline needs minutes a keystroke and gigabytes


class BenchError(Exception):
    """A measurement failed; the message says which and why, in one line."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m readinglist.bench",
        description="Measure readinglist on synthetic corpora against a naive baseline.",
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"corpus sizes, comma separated (default {DEFAULT_SIZES}; up to 300000 and beyond)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline (no ratios)")
    parser.add_argument("--no-builtin", action="store_true", help="skip the launch timing on the built-in corpus")
    parser.add_argument("--quick", action="store_true", help="type a few short queries only: checks the benchmark runs, figures not comparable")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpora (default 0)")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="replace the results section of FILE (docs/performance.md)")
    parser.add_argument("--workdir", type=Path, help="where corpora and stores are built (default: a temporary directory, removed)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds one measurement may take (default 1800)")
    args = parser.parse_args(argv)
    try:
        args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes wants numbers separated by commas, e.g. {DEFAULT_SIZES}")
    if not args.size_list or any(n < 50 for n in args.size_list):
        parser.error("--sizes wants at least one size, each of 50 papers or more")
    return args


class Runner:
    """Starts one child process per measurement and collects its JSON."""

    def __init__(self, workdir: Path, timeout: float) -> None:
        self.workdir = workdir
        self.timeout = timeout
        self.env = dict(os.environ)
        # Children never see the developer's store or config.
        self.env["READINGLIST_HOME"] = str(workdir / "unused-home")
        self.env["READINGLIST_CONFIG"] = str(workdir / "no-config.toml")
        self.count = 0

    def __call__(self, task: str, what: str, **params: Any) -> dict[str, Any]:
        self.count += 1
        out = self.workdir / f"result-{self.count}.json"
        params["out"] = str(out)
        params["spawned"] = time.time()
        command = [sys.executable, "-m", "readinglist.bench.child", task, json.dumps(params)]
        try:
            done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{what}: took longer than {self.timeout:.0f} s (raise --timeout)") from None
        if done.returncode != 0 or not out.exists():
            lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
            raise BenchError(f"{what}: {lines[-1] if lines else f'exit status {done.returncode}'}")
        return json.loads(out.read_text(encoding="utf-8"))


def compile_package() -> None:
    """Write readinglist's bytecode, as a user's first launch does (pip
    writes the dependencies' at install). Every launch measured is then a
    later one; where Python is told not to write bytecode
    (PYTHONDONTWRITEBYTECODE), each would otherwise compile every module
    changed since the files were last written: 50 ms at one point here."""
    import compileall

    try:
        compileall.compile_dir(Path(__file__).resolve().parent.parent, quiet=2)
    except OSError:
        pass  # a read-only install: its bytecode was written when it was installed


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure_size(run: Runner, n: int, seed: int, baseline: bool, quick: bool) -> dict[str, Any]:
    folder = run.workdir / f"papers-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "listing.txt"
    # The import target is for a listing or an arXiv metadata file: both are
    # measured up to its size (a 300k metadata file is ~600 MB to write).
    snapshot = folder / "arxiv-metadata.json" if n <= report.TARGET_SIZE else None
    written = run("corpus", f"writing {n:,} synthetic papers", listing=str(listing), n=n, seed=seed, snapshot=snapshot and str(snapshot))
    home = folder / "store"
    figures = run("import", f"import of {n:,} papers", listings=written["listings"], home=str(home))
    progress(f"  {n:>7,} papers: import {figures['import_s']:.2f} s")
    if snapshot is not None:
        other = folder / "snapshot-store"
        imported = run("import", f"import of {n:,} papers from arXiv metadata", listings=[written["snapshot"]], home=str(other))
        figures["snapshot_import_s"], figures["snapshot_import_rss_mb"] = imported["import_s"], imported["import_rss_mb"]
        progress(f"  {n:>7,} papers: import from arXiv metadata {figures['snapshot_import_s']:.2f} s")
        # The listing into the library that has its papers: each is merged (a source more).
        again = run("import", f"import of {n:,} papers into a library that has them", listings=written["listings"], home=str(other), again=True)
        shutil.rmtree(other, ignore_errors=True)
        figures["reimport_s"], figures["reimport_rss_mb"] = again["import_s"], again["import_rss_mb"]
        progress(f"  {n:>7,} papers: the listing imported again {figures['reimport_s']:.2f} s")
    # As after the app's first launch: the word index is built and saved.
    figures |= run("warm", f"word index of {n:,} papers", home=str(home))
    figures |= run("cli", f"command line on {n:,} papers", home=str(home))
    progress(f"  {n:>7,} papers: star {figures['cli_star_s']:.2f} s, list --query {figures['cli_list_s']:.2f} s")
    queries = QUICK_QUERIES if quick else QUERIES
    figures |= run("tui", f"app session on {n:,} papers", home=str(home), queries=list(queries))
    figures |= first_keys(run, n, home, figures["early_filter_ms"], runs=2 if quick else report.EARLY_RUNS)
    progress(
        f"  {n:>7,} papers: first paint {figures['first_paint_s']:.2f} s, "
        f"filter p95 {figures['filter_p95_ms']:.1f} ms, rss {figures['rss_mb']:.0f} MB"
    )
    if baseline and n <= BASELINE_UP_TO:
        db = folder / "baseline" / "db.json"
        base = run("baseline-import", f"baseline import of {n:,} papers", listing=str(listing), db=str(db))
        steps = keystrokes(queries) if n <= FULL_BASELINE_UP_TO else whole_queries()
        base |= run(
            "baseline-tui",
            f"baseline session on {n:,} papers",
            db=str(db),
            steps=[(s.text, s.typed) for s in steps],
            star_toggles=20 if n <= FULL_BASELINE_UP_TO else 5,
        )
        figures["baseline"] = base
        progress(
            f"  {n:>7,} papers: baseline first paint {base['first_paint_s']:.2f} s, "
            f"filter p95 {base['filter_p95_ms']:.0f} ms"
        )
    return figures


def first_keys(run: Runner, n: int, home: Path, first: float, runs: int) -> dict[str, Any]:
    """The key typed right after the first paint, over ``runs`` launches: ``first``
    (the full session's) and that many less one launches that type it and quit."""
    times = [first] + [
        run("tui", f"first key after launch on {n:,} papers ({i} of {runs})", home=str(home), full=False, early=True)[
            "early_filter_ms"
        ]
        for i in range(2, runs + 1)
    ]
    return {"early_filter_ms": statistics.median(times), "early_filter_worst_ms": max(times), "early_filter_runs_ms": times}


def measure_builtin(run: Runner) -> dict[str, Any]:
    home = run.workdir / "builtin" / "store"
    launches = [
        run("tui", "launch on the built-in corpus", home=str(home), seed=True, full=False)
        for _ in range(BUILTIN_RUNS + 1)
    ]
    # The first launch also seeds the store (an import): not a launch time.
    times = [r["first_paint_s"] for r in launches[1:]]
    return {"papers": launches[0]["papers"], "first_paint_s": statistics.median(times), "runs_s": times}


def _finite(value: Any) -> Any:
    """NaN is not JSON: a figure with nothing to measure becomes null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.markdown:
        try:
            report.results_section(args.markdown)  # fail now, not after a ten-minute run
        except (OSError, ValueError) as exc:
            print(f"cannot update {args.markdown}: {exc}", file=sys.stderr)
            return 1
    shown = ["python", "-m", "readinglist.bench", *(sys.argv[1:] if argv is None else argv)]
    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="readinglist-bench-")) if own_workdir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    run = Runner(workdir.resolve(), args.timeout)
    compile_package()
    results: dict[str, Any] = {
        "command": shlex.join(shown),
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(),
        "seed": args.seed,
        "sizes": {},
    }
    try:
        for n in args.size_list:
            results["sizes"][str(n)] = measure_size(run, n, args.seed, not args.no_baseline, args.quick)
        if not args.no_builtin:
            results["builtin"] = measure_builtin(run)
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["reference_loop_end_s"] = report.reference_loop_s()
    results["targets"] = report.targets(results)
    results = _finite(results)
    print(f"Machine: {report.machine_line(results['machine'])}\n")
    print(report.markdown(results))
    if args.json:
        atomic_write_text(args.json, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if args.markdown:
        try:
            report.update_doc(args.markdown, results)
        except (OSError, ValueError) as exc:
            print(f"cannot update {args.markdown}: {exc}", file=sys.stderr)
            return 1
    return 0
