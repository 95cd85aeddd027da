"""Crash safety: a writer killed with SIGKILL at random moments loses nothing it reported.

A separate process writes stars, statuses, tags and notes through ``Store``
and prints each completed write; its journal is compacted every few dozen
writes. The test kills it at a random moment, 200
times over one store. After every kill the store must open, and its
annotations must be exactly the state after the reported writes, or after
those plus the single write that was in flight (it may have reached the disk
before the report was printed). Nothing less, nothing else. Replaying the
journal from nothing must give the same state.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readinglist.core.journal import rebuild_annotations
from readinglist.core.model import Annotation, Paper
from readinglist.core.store import Store, normalize_tags
from readinglist.core.text import paper_id
from tests.reliability_writer import Write, plan

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

WRITER = Path(__file__).with_name("reliability_writer.py")
ROUNDS = 200
PAPERS = 40

State = dict[str, tuple[bool, str, tuple[str, ...], str]]


def _project(annotations: dict[str, Annotation]) -> State:
    return {
        pid: (a.star, a.status, tuple(a.tags), a.note)
        for pid, a in annotations.items()
        if not a.is_default()
    }


def _replay(state: State, write: Write) -> State:
    """What the store's own rules make of one write (the model the store must match)."""
    star, status, tags, note = state.get(write.pid, (False, "unread", (), ""))
    if write.op == "star":
        star = bool(write.value)
    elif write.op == "status":
        status = str(write.value)
    elif write.op == "add_tag":
        tags = tags + tuple(t for t in normalize_tags([str(write.value)]) if t not in tags)
    elif write.op == "set_tags":
        tags = tuple(normalize_tags(write.value))  # type: ignore[arg-type]
    else:
        note = str(write.value).rstrip()
    new = dict(state)
    if (star, status, tags, note) == (False, "unread", (), ""):
        new.pop(write.pid, None)
    else:
        new[write.pid] = (star, status, tags, note)
    return new


def _describe_difference(actual: State, expected: State) -> str:
    lines = []
    for pid in sorted(set(actual) | set(expected)):
        if actual.get(pid) != expected.get(pid):
            lines.append(f"{pid}: on disk {actual.get(pid)}, reported {expected.get(pid)}")
    return "\n".join(lines[:10])


def _make_store(home: Path) -> list[str]:
    store = Store.open(home, seed=False)
    titles = [f"Crash-safe storage of reading notes, part {n}" for n in range(PAPERS)]
    store.add_papers(Paper(id=paper_id(t), title=t, abstract="An abstract.") for t in titles)
    return sorted(p.id for p in store.papers())


def _run_and_kill(home: Path, round_no: int, rng: random.Random) -> tuple[bool, int, subprocess.CompletedProcess[str]]:
    """Start a writer, kill it at a random moment; (was ready, writes reported, result)."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), "write", str(home), str(round_no)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    waited = rng.random() >= 0.1
    if waited:
        first = proc.stdout.readline()
        assert first == "ready\n", f"writer did not start: {first!r} {proc.stderr.read() if proc.stderr else ''}"
        time.sleep(rng.uniform(0.005, 0.08))
    else:
        # Sometimes while it starts: opening the store takes a backup.
        time.sleep(rng.uniform(0.0, 0.08))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # Read through the same buffered pipe as readline above, not communicate():
    # that reads the raw descriptor and would miss lines already buffered.
    out = proc.stdout.read()
    err = proc.stderr.read() if proc.stderr else ""
    proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()
    lines = out.splitlines()
    ready = waited or "ready" in lines
    done = [line for line in lines if line.startswith("done ")]
    assert done == [f"done {n}" for n in range(len(done))], "reports out of order"
    return ready, len(done), subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_sigkill_at_random_moments_never_loses_a_reported_write(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ids = _make_store(home)
    rng = random.Random(20260101)
    model: State = {}
    rounds_with_writes = in_flight_landed = 0
    started = time.monotonic()
    for round_no in range(ROUNDS):
        ready, reported, result = _run_and_kill(home, round_no, rng)
        assert result.returncode == -signal.SIGKILL, f"round {round_no}: writer ended by itself:\n{result.stderr}"
        assert "Traceback" not in result.stderr

        store = Store.open(home, seed=False)  # must load after every kill
        actual = _project(store.annotations())
        writes = list(plan(round_no, ids))
        expected = model
        for write in writes[:reported]:
            expected = _replay(expected, write)
        # The write in flight may have reached the disk just before the kill.
        with_in_flight = _replay(expected, writes[reported]) if ready else expected
        assert actual in (expected, with_in_flight), (
            f"round {round_no}, after {reported} reported writes:\n{_describe_difference(actual, expected)}"
        )
        # Every reported change can also be recovered from the journal alone
        # (appends and compactions were killed too): replaying it from nothing
        # gives the same state.
        replayed = rebuild_annotations({}, store.journal.read())
        from_journal = _project({pid: Annotation.from_dict(r) for pid, r in replayed.items()})
        assert from_journal in (expected, with_in_flight), (
            f"round {round_no}, journal replay:\n{_describe_difference(from_journal, expected)}"
        )
        in_flight_landed += actual != expected
        rounds_with_writes += reported > 0
        model = actual
    elapsed = time.monotonic() - started

    # The kills really landed in the middle of writing, not only before or after it.
    assert rounds_with_writes >= ROUNDS // 2, (rounds_with_writes, elapsed)
    assert model, "no annotation survived at all"
    assert (home / "journal-archive.jsonl.gz").exists(), "the journal was never compacted"
    # The store is still fully usable by the CLI and the doctor.
    env = {**os.environ, "READINGLIST_HOME": str(home)}
    doctor = subprocess.run([sys.executable, "-m", "readinglist", "doctor"], capture_output=True, text=True, env=env, timeout=60)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    # Temporary files of the killed writes are gone (those in the backup folder
    # only once they are a minute old: a backup may be being written there).
    assert not list(home.glob(".*.tmp")), "temporary files of killed writes were left behind"
    assert "temporary files left by interrupted writes" in doctor.stdout
    print(f"{ROUNDS} kills in {elapsed:.1f}s; {rounds_with_writes} mid-writing; in-flight write landed {in_flight_landed} times")
