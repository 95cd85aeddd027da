"""Backups and `readinglist doctor`: a damaged store is reported, kept, and restored.

Run through the CLI in subprocesses, as a user would after something went wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readinglist.core.backups import KEEP_RECENT
from readinglist.core.store import ANNOTATIONS_FILE, BACKUP_DIR, CORPUS_FILE, Store
from tests.tui_helpers import make_app, settle

HELPER = Path(__file__).with_name("reliability_writer.py")

CORRUPTIONS = {
    "truncated": b'{"annotations": {"abc": {"star": tr',
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "wrong shape": b'["not", "a", "store"]',
}


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "READINGLIST_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "readinglist", *args], capture_output=True, text=True, env=env, timeout=60)


def records(data: bytes) -> dict:
    """The annotations a store file holds (a restore writes them as a new generation)."""
    return json.loads(data).get("annotations", {})


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A store with three sessions of annotations, so there are backups."""
    home = tmp_path / "home"
    store = Store.open(home, year=2026)
    ids = [p.id for p in store.papers()[:3]]
    ok(cli(home, "star", ids[0]))
    ok(cli(home, "note", ids[1], "the one thing we cannot regenerate"))
    ok(cli(home, "tag", ids[2], "+keep"))
    return home


def ids_of(home: Path) -> list[str]:
    return [p.id for p in Store.open(home, backup=False).papers()[:3]]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_corrupt_annotations_file_stops_every_command_and_is_never_overwritten(home: Path, kind: str) -> None:
    pid = ids_of(home)[0]
    target = home / ANNOTATIONS_FILE
    target.write_bytes(CORRUPTIONS[kind])
    backups_before = sorted(p.read_bytes() for p in (home / BACKUP_DIR).iterdir())
    commands = [
        ("list",),
        ("show", pid),
        ("star", pid),
        ("tag", pid, "+x"),
        ("note", pid, "would replace everything"),
        ("status", pid, "read"),
        ("export", "--starred", "--format", "md"),
        (),  # the app itself refuses to start
    ]
    for command in commands:
        message = one_line_error(cli(home, *command))
        assert str(target) in message and "doctor" in message, (command, message)
        assert target.read_bytes() == CORRUPTIONS[kind], f"{command} changed the damaged file"
    # Nor did anything push the good backups out with copies of the damage.
    assert sorted(p.read_bytes() for p in (home / BACKUP_DIR).iterdir()) == backups_before


def test_doctor_reports_then_restores_the_newest_good_backup(home: Path) -> None:
    target = home / ANNOTATIONS_FILE
    backups = Store(home).backups()
    assert backups, "opening the store takes backups"
    target.write_bytes(CORRUPTIONS["truncated"])

    report = cli(home, "doctor")
    assert report.returncode == 1
    assert f"problem  {target}: corrupt" in report.stdout
    assert "doctor --restore" in report.stdout and backups[0].name in report.stdout

    restored = ok(cli(home, "doctor", "--restore"))
    assert f"restored annotations from {backups[0]}" in restored
    kept = [p for p in home.iterdir() if p.name.startswith(f"{ANNOTATIONS_FILE}.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes() == CORRUPTIONS["truncated"]
    assert str(kept[0]) in restored
    assert records(target.read_bytes()) == records(backups[0].read_bytes())
    # The newest backup was taken when the last command opened the store:
    # it holds every change made before that command.
    listed = json.loads(ok(cli(home, "list", "--format", "json")))
    by_id = {r["id"]: r for r in listed}
    first, second, _ = ids_of(home)
    assert by_id[first]["star"] and by_id[second]["note"] == "the one thing we cannot regenerate"
    assert cli(home, "doctor").returncode == 0


def test_restore_skips_a_damaged_backup(home: Path) -> None:
    backups = Store(home).backups()
    assert len(backups) >= 2
    backups[0].write_bytes(b"{ damaged too")
    (home / ANNOTATIONS_FILE).write_bytes(b"")
    out = ok(cli(home, "doctor", "--restore"))
    assert f"restored annotations from {backups[1]}" in out
    assert records((home / ANNOTATIONS_FILE).read_bytes()) == records(backups[1].read_bytes())


def test_restore_of_a_named_backup_by_file_name(home: Path) -> None:
    oldest = Store(home).backups()[-1]
    listed = ok(cli(home, "doctor", "--list-backups")).split()
    assert str(oldest) in listed
    out = ok(cli(home, "doctor", "--restore", oldest.name))
    assert f"restored annotations from {oldest}" in out


def test_restoring_over_a_healthy_file_keeps_it_and_can_be_undone(home: Path) -> None:
    target = home / ANNOTATIONS_FILE
    current = target.read_bytes()
    oldest = Store(home).backups()[-1]
    out = ok(cli(home, "doctor", "--restore", str(oldest)))
    assert records(target.read_bytes()) == records(oldest.read_bytes())
    kept = Path(out.split("the previous file was kept as ")[1].splitlines()[0])
    assert kept.parent == home / BACKUP_DIR and kept.read_bytes() == current
    # The kept file is the newest backup, so a second restore undoes the first.
    assert Store(home).backups()[0] == kept
    ok(cli(home, "doctor", "--restore"))
    assert records(target.read_bytes()) == records(current)


def test_two_damaged_files_in_quick_succession_are_both_kept(home: Path) -> None:
    target = home / ANNOTATIONS_FILE
    for damage in (b"first damage", b"second damage"):
        target.write_bytes(damage)
        ok(cli(home, "doctor", "--restore"))
    kept = sorted(p.read_bytes() for p in home.iterdir() if p.name.startswith(f"{ANNOTATIONS_FILE}.damaged-"))
    assert kept == [b"first damage", b"second damage"]


def test_backups_rotate_keeping_the_newest_and_the_state_from_before_a_burst(home: Path) -> None:
    pid = ids_of(home)[0]
    before_burst = Store(home).backups()[-1].read_bytes()
    for n in range(KEEP_RECENT + 4):
        ok(cli(home, "note", pid, f"version {n}"))
    listed = ok(cli(home, "doctor", "--list-backups")).split()
    assert len(listed) == KEEP_RECENT + 1  # the newest, and the oldest of this 10-minute slot
    assert listed == sorted(listed, reverse=True)  # newest first
    newest = json.loads(Path(listed[0]).read_text())["annotations"][pid]["note"]
    assert newest == f"version {KEEP_RECENT + 2}"  # taken when the last command opened the store
    assert Path(listed[-1]).read_bytes() == before_burst


def test_doctor_removes_temporary_files_of_killed_writes_but_not_a_backup_being_written(home: Path) -> None:
    dead = [home / ".annotations.json.rl-k1ll3d00.tmp", home / ".corpus.json.rl-x7y8z900.tmp"]
    for path in dead:
        path.write_bytes(b'{"half": "writ')
    old_backup_tmp = home / BACKUP_DIR / ".annotations-00000001-20200101T000000Z.json.rl-abcdefgh.tmp"
    old_backup_tmp.write_bytes(b"{")
    os.utime(old_backup_tmp, (time.time() - 3600, time.time() - 3600))
    young_backup_tmp = home / BACKUP_DIR / ".annotations-00000002-20990101T000000Z.json.rl-defghijk.tmp"
    young_backup_tmp.write_bytes(b"{")  # may be a backup another process is writing right now
    out = ok(cli(home, "doctor"))
    assert "removed 3 temporary files left by interrupted writes" in out
    assert not any(p.exists() for p in [*dead, old_backup_tmp])
    assert young_backup_tmp.exists()


def test_restore_waits_for_a_writer_holding_the_lock(home: Path) -> None:
    (home / ANNOTATIONS_FILE).write_bytes(b"")
    holder = subprocess.Popen([sys.executable, str(HELPER), "hold", str(home), "1.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        ok(cli(home, "doctor", "--restore"))
        assert time.monotonic() - started >= 1.0, "restored while another process was writing"
    finally:
        holder.kill()
        holder.communicate()


def test_a_corrupt_corpus_is_kept_and_rebuilt_without_touching_annotations(home: Path) -> None:
    corpus = home / CORPUS_FILE
    annotations = (home / ANNOTATIONS_FILE).read_bytes()
    corpus.write_bytes(b'{"papers": {')
    message = one_line_error(cli(home, "list"))
    assert str(corpus) in message and corpus.read_bytes() == b'{"papers": {'
    report = cli(home, "doctor")
    assert report.returncode == 1 and "--rebuild-corpus" in report.stdout

    out = ok(cli(home, "doctor", "--rebuild-corpus"))
    assert "corpus rebuilt: 413 papers" in out
    kept = [p for p in home.iterdir() if p.name.startswith(f"{CORPUS_FILE}.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b'{"papers": {'
    assert (home / ANNOTATIONS_FILE).read_bytes() == annotations
    starred = json.loads(ok(cli(home, "list", "--starred", "--format", "json")))
    assert len(starred) == 1  # ids derive from titles: the star is still attached


def test_rebuilding_a_healthy_corpus_is_refused(home: Path) -> None:
    corpus = (home / CORPUS_FILE).read_bytes()
    message = one_line_error(cli(home, "doctor", "--rebuild-corpus"))
    assert "healthy" in message
    assert (home / CORPUS_FILE).read_bytes() == corpus


async def test_app_does_not_overwrite_a_file_damaged_while_it_runs(home: Path) -> None:
    app, _ = make_app(home)
    target = home / ANNOTATIONS_FILE
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        target.write_bytes(CORRUPTIONS["truncated"])
        app.main_screen.check_external_changes()  # what the app's timer does every 2 s
        await pilot.press("s", "r")
        await pilot.pause()
        messages = app.messages()
        assert any(str(target) in m and "corrupt" in m for m in messages), messages
        assert sum(m.startswith("Not saved") for m in messages) == 2
    assert target.read_bytes() == CORRUPTIONS["truncated"]


def test_a_missing_annotations_file_is_not_silently_replaced_while_backups_hold_notes(home: Path) -> None:
    (home / ANNOTATIONS_FILE).unlink()
    message = one_line_error(cli(home, "list"))
    assert "doctor --restore" in message
    assert not (home / ANNOTATIONS_FILE).exists()


def test_generations_spread_over_time_and_stay_bounded(tmp_path: Path) -> None:
    import datetime as dt

    from readinglist.core.backups import Backup, kept

    # The rotation rule alone, without files: forty days of a backup every ten minutes.
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    backups: list[Backup] = []
    now = start
    for n in range(40 * 24 * 6):
        now = start + dt.timedelta(minutes=10 * n)
        backups.insert(0, Backup(tmp_path / f"b{n}", n + 1, now))
        keep = kept(backups, now)
        backups = [b for b in backups if b.path in keep]
    assert len(backups) <= 87
    ages = sorted((now - b.time).total_seconds() / 86400 for b in backups if b.time)
    assert ages[0] < 0.01  # the newest state
    assert any(0.9 < a < 1.2 for a in ages)  # about a day ago
    assert sum(1 for a in ages if 1.5 < a < 31) >= 25  # one a day for the month


def test_a_backup_written_with_the_clock_ahead_neither_sorts_first_nor_evicts_new_ones(tmp_path: Path) -> None:
    import datetime as dt

    from readinglist.core.backups import list_backups, take_backup

    now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    take_backup(tmp_path, b"from the future", now=now + dt.timedelta(days=400))
    for n in range(20):
        take_backup(tmp_path, f"today {n}".encode(), now=now + dt.timedelta(seconds=n))
    kept = list_backups(tmp_path)
    assert kept[0].path.read_bytes() == b"today 19"  # ordered by sequence, not by the clock
    assert {b.path.read_bytes() for b in kept[:KEEP_RECENT]} == {f"today {n}".encode() for n in range(12, 20)}


def test_restore_without_a_name_takes_the_newest_backup_that_differs_and_says_which(home: Path) -> None:
    target = home / ANNOTATIONS_FILE
    ok(cli(home, "list"))  # its backup holds the current file
    newest = Store(home).backups()[0]
    assert newest.read_bytes() == target.read_bytes()  # the last command's backup equals the file
    out = ok(cli(home, "doctor", "--restore"))
    used = out.split("restored annotations from ")[1].splitlines()[0]
    assert Path(used) != newest and Path(used).read_bytes() != newest.read_bytes()
    listed = [Path(p).name for p in ok(cli(home, "doctor", "--list-backups")).split()]
    ok(cli(home, "doctor", "--restore", listed[-1]))  # a name as doctor lists it


async def test_app_reports_an_older_copy_put_in_place_once_and_never_writes_over_it(home: Path) -> None:
    app, _ = make_app(home)
    target = home / ANNOTATIONS_FILE
    older = target.read_bytes()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s", "r")  # two changes newer than the copy
        await pilot.pause()
        target.write_bytes(older)  # a sync tool puts yesterday's file back
        for _ in range(3):
            app.main_screen.check_external_changes()  # what the app's timer does every 2 s
        await pilot.press("s")
        await pilot.pause()
        messages = app.messages("error")
        replaced = [m for m in messages if str(target) in m and "replaced by an older copy" in m]
        assert len(replaced) == 2, messages  # the timer says it once; the refused save says it again
        assert any(m.startswith("Not saved") for m in replaced)
    assert target.read_bytes() == older
    assert "older than its journal" in cli(home, "doctor").stdout
