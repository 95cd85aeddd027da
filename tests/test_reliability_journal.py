"""The journal: every change recorded before it is reported, shown by `log`,
undone by `undo`, compacted without loss, and enough to rebuild the annotations."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from readinglist.cli import main
from readinglist.core import journal as journal_module
from readinglist.core.journal import Change, Journal, rebuild_annotations
from readinglist.core.store import Store


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    Store.open(home, year=2026)
    monkeypatch.setenv("READINGLIST_HOME", str(home))
    return home


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ids(home: Path, n: int = 3) -> list[str]:
    return [p.id for p in Store.open(home, backup=False).papers()[:n]]


def test_every_change_is_journaled_with_before_after_and_process(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, _ = ids(home)
    for args in (("star", a), ("status", a, "reading"), ("tag", b, "+vision"), ("note", b, "first")):
        assert run(capsys, *args)[0] == 0
    entries = Journal(home).read()
    assert [(e.pid, e.field, e.before, e.after) for e in entries] == [
        (a, "star", False, True),
        (a, "status", "unread", "reading"),
        (b, "tags", [], ["vision"]),
        (b, "note", "", "first"),
    ]
    assert all(e.process == "cli" and e.os_pid > 0 and e.time for e in entries)
    assert len({e.group for e in entries}) == 4


def test_log_shows_the_history_of_one_paper_as_text_and_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, _ = ids(home)
    run(capsys, "star", a)
    run(capsys, "note", b, "hello \x1b[31mred\u202e")
    code, out, _ = run(capsys, "log", b)
    assert code == 0 and b in out and a not in out and "note" in out
    assert "\x1b" not in out and "\u202e" not in out
    code, out, _ = run(capsys, "log", "--format", "json", "--since", "2000-01-01")
    records = json.loads(out)
    assert [r["field"] for r in records] == ["star", "note"]
    assert records[1]["after"] == "hello \x1b[31mred\u202e"  # exact, though escaped in the text
    assert "\u202e" not in out
    assert json.loads(run(capsys, "log", "--format", "json", "--since", "2999")[1]) == []


def test_undo_reverts_the_last_command_line_changes_one_command_at_a_time(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, c = ids(home)
    run(capsys, "star", a, b, c)  # one command: one step
    run(capsys, "note", a, "kept?")
    assert run(capsys, "undo")[0] == 0
    store = Store.open(home, backup=False)
    assert store.annotation(a).note == "" and all(store.annotation(p).star for p in (a, b, c))
    code, out, _ = run(capsys, "undo")
    assert code == 0 and out.count("undid star") == 3
    store = Store.open(home, backup=False)
    assert not any(store.annotation(p).star for p in (a, b, c))
    code, _, err = run(capsys, "undo")
    assert code == 1 and err.count("\n") == 1


def test_undo_n_and_a_field_changed_since_is_kept(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, _ = ids(home)
    run(capsys, "status", a, "reading")
    run(capsys, "status", b, "read")
    store = Store.open(home, backup=False)
    store.journal.label = "app"
    store.set_status(a, "read")  # the app changed it again
    code, out, _ = run(capsys, "undo", "2")
    assert code == 0 and "kept status of" in out
    store = Store.open(home, backup=False)
    assert store.annotation(a).status == "read" and store.annotation(b).status == "unread"


def test_any_earlier_note_can_be_brought_back(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = ids(home)[0]
    for text in ("version one", "version two", "version three"):
        run(capsys, "note", a, text)
    records = json.loads(run(capsys, "log", a, "--format", "json")[1])
    first = next(r for r in records if r["after"] == "version one")
    assert run(capsys, "undo", "--to", str(first["number"]))[0] == 0
    assert Store.open(home, backup=False).annotation(a).note == "version one"


def test_a_torn_last_line_is_ignored_and_the_next_append_starts_afresh(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append([Change("p1", "star", False, True)])
    with journal.path.open("ab") as handle:
        handle.write(b'{"id": "torn", "time": "20')  # a writer killed mid-line
    assert [e.pid for e in journal.read()] == ["p1"]
    journal.append([Change("p2", "note", "", "x")])
    assert [e.pid for e in journal.read()] == ["p1", "p2"]


def test_compaction_moves_old_entries_to_the_archive_and_loses_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "COMPACT_AT", 20_000)
    journal = Journal(tmp_path)
    for n in range(400):
        journal.append([Change(f"p{n}", "note", f"v{n - 1}", f"v{n}")])
    assert journal.archive_path.exists() and journal.path.stat().st_size <= 20_000
    assert [e.after for e in journal.read()] == [f"v{n}" for n in range(400)]
    # A kill after the archive was written but before the journal was cut:
    # entries are in both files, and read() shows each once.
    lines = journal.path.read_bytes()
    journal.archive_path.write_bytes(journal.archive_path.read_bytes() + gzip.compress(lines))
    assert [e.after for e in journal.read()] == [f"v{n}" for n in range(400)]


def test_a_failed_annotation_write_marks_its_journal_entry_aborted(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = store.papers()[0].id

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("readinglist.core.storage.atomic_write_bytes", disk_full)
    with pytest.raises(Exception, match="No space left"):
        store.set_star(pid, True)
    monkeypatch.undo()
    assert rebuild_annotations({}, store.journal.read()) == {}


def test_doctor_rebuilds_lost_annotations_from_the_last_backup_plus_the_journal(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, c = ids(home)
    run(capsys, "star", a)
    run(capsys, "note", b, "only in the journal and the file")
    store = Store.open(home, backup=False)
    store.update_tags(c, ["after-the-last-backup"])  # no backup holds this
    (home / "annotations.json").write_bytes(b"{ lost")
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "--rebuild-annotations" in out
    code, out, _ = run(capsys, "doctor", "--rebuild-annotations")
    assert code == 0, out
    store = Store.open(home, backup=False)
    assert store.annotation(a).star and store.annotation(b).note == "only in the journal and the file"
    assert store.annotation(c).tags == ["after-the-last-backup"]
    assert any(p.name.startswith("annotations.json.damaged-") for p in home.iterdir())


def test_a_change_journaled_by_a_writer_killed_before_writing_it_is_left_out(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, _ = ids(home)
    run(capsys, "star", a)
    # What a writer killed between its journal append and its file write leaves:
    Journal(home).append([Change(b, "note", "", "never saved")])
    store = Store.open(home, backup=False)
    assert store.annotation(b).note == ""
    assert [e.pid for e in store.journal.read()] == [a]
    replayed = rebuild_annotations({}, store.journal.read())
    assert b not in replayed and replayed[a]["star"] is True
    assert "never saved" not in run(capsys, "log")[1]


def test_undoing_an_undo_is_a_redo_and_a_bulk_change_is_one_step(store: Store) -> None:
    from readinglist.core.journal import new_group

    pids = [p.id for p in store.papers()[:3]]
    store.journal.label = "app"
    group = new_group()
    for pid in pids:
        store.set_star(pid, True, group=group)
    store.set_note(pids[0], "later")
    undo = store.undo(group)
    assert undo.group and len(undo.undone) == 3 and not undo.skipped
    assert not any(store.annotation(p).star for p in pids) and store.annotation(pids[0]).note == "later"
    redo = store.undo(undo.group)
    assert len(redo.undone) == 3 and all(store.annotation(p).star for p in pids)
    assert [e.undoes for e in store.journal.read()[-3:]] == [undo.group] * 3


def test_a_rebuild_skips_journal_values_that_do_not_fit_the_schema(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append([Change("p1", "star", False, True), Change("p1", "tags", [], "vision"), Change("p1", "note", "", "ok")])
    rebuilt = rebuild_annotations({}, journal.read())
    assert (rebuilt["p1"]["star"], rebuilt["p1"]["tags"], rebuilt["p1"]["note"]) == (True, [], "ok")
