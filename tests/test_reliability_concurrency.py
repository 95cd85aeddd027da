"""Two instances on one store: nobody's writes are lost, a busy store says who holds it.

Every test here uses at least two processes: CLI subprocesses, the helper
in ``tests/reliability_writer.py``, and the app running in the test process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readinglist.core.errors import StoreError
from readinglist.core.model import Paper
from readinglist.core.store import LOCK_FILE, Store
from readinglist.core.text import paper_id
from readinglist.tui.screens.main import EXTERNAL_CHECK_S
from readinglist.tui.screens.note import NoteEditor
from tests.tui_helpers import make_app, settle

HELPER = Path(__file__).with_name("reliability_writer.py")
SIZE = (140, 40)


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "READINGLIST_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "readinglist", *args], capture_output=True, text=True, env=env, timeout=60)


def cli_start(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "READINGLIST_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "readinglist", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def helper(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(HELPER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def expect_line(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdout is not None
    got = proc.stdout.readline()
    assert got == f"{line}\n", f"{got!r} {proc.stderr.read() if proc.stderr and proc.poll() is not None else ''}"


def small_store(home: Path, count: int = 12) -> list[str]:
    store = Store.open(home, seed=False)
    titles = [f"Concurrent readers and writers of one library, volume {n}" for n in range(count)]
    store.add_papers(Paper(id=paper_id(t), title=t) for t in titles)
    return sorted(p.id for p in store.papers())


@pytest.fixture
def holder(tmp_path: Path):
    """Start a process that holds the store lock; killed at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(home: Path, seconds: float = 60.0) -> subprocess.Popen[str]:
        proc = helper("hold", str(home), str(seconds))
        started.append(proc)
        expect_line(proc, "locked")
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


# --- two writers at once ----------------------------------------------------


def test_two_processes_tagging_the_same_papers_at_once_lose_no_tag(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ids = small_store(home, count=6)
    go = tmp_path / "go"
    count = 150
    writers = [helper("tag", str(home), prefix, str(count), str(go)) for prefix in ("left", "right")]
    for proc in writers:
        expect_line(proc, "ready")
    go.touch()  # both start writing the same six papers at the same moment
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out == "finished\n", err
    annotations = Store.open(home).annotations()
    missing = [
        f"{prefix}-{n}"
        for prefix in ("left", "right")
        for n in range(count)
        if f"{prefix}-{n}" not in annotations[ids[n % len(ids)]].tags
    ]
    assert missing == []
    # The journal saw every one of them, once, in the order they were written.
    from readinglist.core.journal import rebuild_annotations

    store = Store.open(home)
    entries = store.journal.read()
    assert len(entries) == 2 * count and store.journal.path.read_bytes().count(b"\n") == 2 * count
    replayed = rebuild_annotations({}, entries)
    assert {pid: record["tags"] for pid, record in replayed.items()} == {pid: a.tags for pid, a in annotations.items()}


def test_parallel_cli_commands_on_one_paper_all_land(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ids = small_store(home)
    target = ids[0]
    procs = [cli_start(home, "tag", target, f"+cli-{n}") for n in range(6)]
    procs += [cli_start(home, "star", pid) for pid in ids[1:4]]
    procs.append(cli_start(home, "note", target, "written while others tagged"))
    procs.append(cli_start(home, "status", target, "reading"))
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    store = Store.open(home)
    annotation = store.annotation(target)
    assert sorted(annotation.tags) == [f"cli-{n}" for n in range(6)]
    assert annotation.note == "written while others tagged" and annotation.status == "reading"
    assert all(store.annotation(pid).star for pid in ids[1:4])


# --- the lock -----------------------------------------------------------------


def test_lock_left_by_a_killed_process_is_taken_over_at_once(tmp_path: Path, holder) -> None:
    home = tmp_path / "home"
    ids = small_store(home)
    dead = holder(home)
    assert (home / LOCK_FILE).read_text() == str(dead.pid)  # the holder says who it is
    dead.send_signal(signal.SIGKILL)
    dead.wait()
    started = time.monotonic()
    result = cli(home, "star", ids[0])
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 4, "waited for a lock whose holder is dead"
    assert Store.open(home).annotation(ids[0]).star


def test_lock_file_naming_a_dead_pid_does_not_block(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ids = small_store(home)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (home / LOCK_FILE).write_text(gone.stdout.strip())
    result = cli(home, "tag", ids[0], "+after-stale-lock")
    assert result.returncode == 0, result.stderr
    assert Store.open(home).annotation(ids[0]).tags == ["after-stale-lock"]


def test_a_briefly_held_lock_makes_the_other_wait_then_succeed(tmp_path: Path, holder) -> None:
    home = tmp_path / "home"
    ids = small_store(home)
    busy = holder(home, seconds=1.5)
    started = time.monotonic()
    result = cli(home, "note", ids[0], "saved after waiting")
    waited = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert waited >= 1.0, "wrote while another process held the lock"
    assert busy.wait(timeout=10) == 0
    assert Store.open(home).annotation(ids[0]).note == "saved after waiting"


def test_a_lock_held_too_long_is_a_one_line_error_naming_the_holder(tmp_path: Path, holder) -> None:
    home = tmp_path / "home"
    ids = small_store(home)
    before = (home / "annotations.json").read_bytes()
    busy = holder(home)
    result = cli(home, "star", ids[0])
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "busy" in lines[0] and f"process {busy.pid}" in lines[0] and str(home) in lines[0]
    assert (home / "annotations.json").read_bytes() == before


def test_store_lock_timeout_error_names_the_pid(tmp_path: Path, holder) -> None:
    home = tmp_path / "home"
    ids = small_store(home)
    store = Store.open(home, lock_timeout=0.3)
    busy = holder(home)
    with pytest.raises(StoreError, match=f"process {busy.pid}"):
        store.set_star(ids[0], True)
    assert not store.annotation(ids[0]).star


def test_a_lock_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    from readinglist.core.lock import StoreLock

    with pytest.raises(StoreError, match="cannot lock the store at .*gone"):
        with StoreLock(tmp_path / "gone" / LOCK_FILE):
            pass


# --- the app and a second instance ------------------------------------------------


async def test_app_and_cli_writing_at_the_same_time_keep_both(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app, _ = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = app.library.papers[app.main_screen.rows[0]].id, app.library.papers[app.main_screen.rows[1]].id
        await pilot.press("s")  # the app stars the paper
        for args in (("tag", first, "+from-cli"), ("note", second, "written by the CLI")):
            result = await asyncio.to_thread(cli, home, *args)
            assert result.returncode == 0, result.stderr
        await pilot.press("r")  # the app, which has not re-read yet, sets the status
        await pilot.pause(EXTERNAL_CHECK_S + 0.5)  # the app's own re-read
        assert app.library.annotation(first).tags == ["from-cli"]
        assert app.library.annotation(second).note == "written by the CLI"
    fresh = Store.open(home)
    mine = fresh.annotation(first)
    assert (mine.star, mine.status, mine.tags) == (True, "reading", ["from-cli"])
    assert fresh.annotation(second).note == "written by the CLI"


async def test_app_says_the_store_is_busy_and_saves_once_it_is_free(tmp_path: Path, holder) -> None:
    home = tmp_path / "home"
    store = Store.open(home, year=2026, lock_timeout=0.3)
    app, _ = make_app(home, store=store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        busy = holder(home)
        await pilot.press("s")
        await pilot.pause()
        status = str(app.main_screen.query_one("#status-line").render())
        assert f"waiting for another readinglist (pid {busy.pid})" in status
        assert not app.library.annotation(pid).star  # nothing pretends to be saved
        busy.kill()
        busy.wait()
        for _ in range(50):
            await asyncio.sleep(0.1)
            if app.library.annotation(pid).star:
                break
        await pilot.pause()
        assert app.library.annotation(pid).star  # saved once, when the store was free
    assert Store.open(home).annotation(pid).star


async def test_tags_added_elsewhere_while_the_tag_editor_is_open_are_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app, _ = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("t", *"mine", "enter")
        await pilot.press("t")
        result = await asyncio.to_thread(cli, home, "tag", pid, "+from-cli")
        assert result.returncode == 0, result.stderr
        await pilot.press("end", "space", *"extra", "enter")
        await pilot.pause()
    assert sorted(Store.open(home).annotation(pid).tags) == ["extra", "from-cli", "mine"]


async def test_a_note_saved_elsewhere_while_editing_is_not_silently_overwritten(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app, _ = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("n", *"my thoughts")
        result = await asyncio.to_thread(cli, home, "note", pid, "written in the other window")
        assert result.returncode == 0, result.stderr
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = Store.open(home).annotation(pid).note
        still_editing = isinstance(app.screen, NoteEditor) and "written in the other window" in app.screen.text
        # Either both texts are kept, or the editor stays open showing the other one.
        assert ("written in the other window" in saved and "my thoughts" in saved) or still_editing
