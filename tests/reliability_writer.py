"""Separate processes for the reliability tests: a second readinglist.

``python tests/reliability_writer.py write HOME ROUND`` opens the store,
prints ``ready``, then applies ``plan(ROUND, ids)`` one write at a time and
prints ``done N`` (flushed) after write N has returned, until it is killed.
Its journal is compacted every few dozen writes, so kills also land in
journal appends and compactions.
Whatever it printed is what the user was told was saved, so the test may
demand exactly that. The plan is deterministic, so the test can replay it on
a model and know the state the store must be in after any number of writes.

``tag HOME PREFIX COUNT GO`` prints ``ready``, waits for the file GO, then
adds tags PREFIX-0 .. PREFIX-(COUNT-1) to the papers in turn: two of these
started together write the same papers at the same moments.

``hold HOME SECONDS`` takes the store lock, prints ``locked`` and keeps it.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from readinglist.core.model import STATUSES

WRITES_PER_ROUND = 400  # more than a round ever gets through before the kill


@dataclass(frozen=True)
class Write:
    op: str  # star | status | add_tag | set_tags | note
    pid: str
    value: object


def plan(round_no: int, ids: list[str]) -> Iterator[Write]:
    rng = random.Random(f"crash-round-{round_no}")
    for n in range(WRITES_PER_ROUND):
        pid = rng.choice(ids)
        op = rng.choice(("star", "status", "add_tag", "set_tags", "note"))
        if op == "star":
            yield Write(op, pid, rng.random() < 0.5)
        elif op == "status":
            yield Write(op, pid, rng.choice(STATUSES))
        elif op == "add_tag":
            yield Write(op, pid, f"r{round_no}-w{n}")
        elif op == "set_tags":
            yield Write(op, pid, [f"kept-{round_no}-{n}", "Ünïcode-tag"])
        else:
            yield Write(op, pid, f"note of round {round_no}, write {n}\nsecond line: ✓ «quotes»\n")


def apply(write: Write, store) -> None:  # store: readinglist.core.store.Store
    if write.op == "star":
        store.set_star(write.pid, write.value)
    elif write.op == "status":
        store.set_status(write.pid, write.value)
    elif write.op == "add_tag":
        store.update_tags(write.pid, add=[write.value])
    elif write.op == "set_tags":
        store.set_tags(write.pid, write.value)
    else:
        store.set_note(write.pid, write.value)


def write(home: str, round_no: str) -> None:
    from readinglist.core import journal
    from readinglist.core.store import Store

    journal.COMPACT_AT = 16_000  # compact every few dozen writes, so kills land in compaction too

    store = Store.open(Path(home), seed=False)
    ids = sorted(p.id for p in store.papers())
    print("ready", flush=True)
    for n, step in enumerate(plan(int(round_no), ids)):
        apply(step, store)
        print(f"done {n}", flush=True)


def tag(home: str, prefix: str, count: str, go: str) -> None:
    from readinglist.core.store import Store

    store = Store.open(Path(home), seed=False, lock_timeout=30)
    ids = sorted(p.id for p in store.papers())
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.001)
    for n in range(int(count)):
        store.update_tags(ids[n % len(ids)], add=[f"{prefix}-{n}"])
    print("finished", flush=True)


def hold(home: str, seconds: str) -> None:
    from readinglist.core.lock import StoreLock
    from readinglist.core.store import LOCK_FILE

    with StoreLock(Path(home) / LOCK_FILE, timeout=30):
        print("locked", flush=True)
        time.sleep(float(seconds))


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"write": write, "tag": tag, "hold": hold}[command](*arguments)
