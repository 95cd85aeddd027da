"""Regression tests for the defects of issue 11, one or more per numbered defect.

Each failed before its fix. Commands run in-process through ``main`` (the
same code path as the console script) unless a real process matters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from readinglist.cli import main
from readinglist.core import lock as lock_module
from readinglist.core.errors import StoreError
from readinglist.core.store import Store


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    Store.open(home, year=2026)
    monkeypatch.setenv("READINGLIST_HOME", str(home))
    return home


def first_id(home: Path) -> str:
    return Store.open(home, backup=False).papers()[0].id


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, _, err = run(capsys, *args)
    assert code == 1 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def write_editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.sh"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


# 1 -----------------------------------------------------------------------


def test_1_note_edit_does_not_overwrite_a_note_saved_while_the_editor_was_open(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = first_id(home)
    other = f'"{sys.executable}" -m readinglist note {pid} "saved elsewhere"'
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, f'{other}\nprintf "mine" > "$1"'))
    err = one_line(capsys, "note", pid, "--edit")
    assert "changed by another readinglist" in err
    assert Store.open(home, backup=False).annotation(pid).note == "saved elsewhere"
    kept = Path(err.split("kept in ")[1].strip())
    assert kept.read_text() == "mine"  # and the user's own text is not lost either


# 2 -----------------------------------------------------------------------


def _full_disk_os(real: types.ModuleType) -> types.SimpleNamespace:
    def no_space(*args: object) -> None:
        raise OSError(28, "No space left on device")

    return types.SimpleNamespace(**{**vars(real), "write": no_space, "ftruncate": no_space})


def test_2_a_full_disk_when_writing_the_pid_into_the_lock_is_not_a_crash(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lock_module, "os", _full_disk_os(os))
    store = Store.open(home, backup=False)
    pid = store.papers()[0].id
    store.set_star(pid, True)  # the pid is a courtesy; the write itself still works
    assert Store.open(home, backup=False).annotation(pid).star


def test_2_a_completely_full_disk_is_one_line_and_keeps_the_old_data(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.core import journal as journal_module

    pid = first_id(home)
    assert run(capsys, "note", pid, "old")[0] == 0
    before = (home / "annotations.json").read_bytes()
    monkeypatch.setattr(lock_module, "os", _full_disk_os(os))
    monkeypatch.setattr(journal_module, "os", _full_disk_os(os))
    err = one_line(capsys, "note", pid, "new")
    assert "No space left" in err
    assert (home / "annotations.json").read_bytes() == before


# 3 -----------------------------------------------------------------------


def test_3_annotations_deleted_while_running_is_an_error_not_an_empty_store(home: Path) -> None:
    store = Store.open(home)
    pid = store.papers()[0].id
    store.set_star(pid, True)
    store.annotations_path.unlink()
    with pytest.raises(StoreError, match="annotations.json"):
        store.annotations()
    with pytest.raises(StoreError, match="annotations.json"):
        store.set_star(store.papers()[1].id, True)
    assert not store.annotations_path.exists()


def test_3_a_missing_file_is_not_recreated_while_the_journal_holds_data(home: Path) -> None:
    store = Store.open(home)
    store.set_star(store.papers()[0].id, True)
    for backup in store.backups():
        backup.unlink()
    store.annotations_path.unlink()
    with pytest.raises(StoreError, match="missing"):
        Store.open(home)
    assert not store.annotations_path.exists()


def test_3_an_older_copy_put_in_place_is_reported_and_the_journal_brings_the_changes_back(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = [p.id for p in Store.open(home, backup=False).papers()[:2]]
    assert run(capsys, "star", first)[0] == 0
    target = home / "annotations.json"
    older = target.read_bytes()  # e.g. a copy from a sync tool or an old laptop
    assert run(capsys, "note", second, "written after the copy was taken")[0] == 0
    assert run(capsys, "tag", first, "+later")[0] == 0
    target.write_bytes(older)
    # Every command stops with one line naming the file; nothing writes over it.
    for command in (("list",), ("star", second), ("note", first, "would hide the newer note")):
        err = one_line(capsys, *command)
        assert "annotations.json was replaced by an older copy" in err and "doctor" in err
        assert target.read_bytes() == older
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "older than its journal" in out and "--rebuild-annotations" in out
    assert run(capsys, "doctor", "--rebuild-annotations")[0] == 0
    store = Store.open(home, backup=False)
    assert store.annotation(second).note == "written after the copy was taken"
    assert store.annotation(first).star and store.annotation(first).tags == ["later"]
    assert run(capsys, "star", second)[0] == 0  # the store works again
    assert run(capsys, "doctor")[0] == 0


def test_3_an_older_copy_put_in_place_while_a_store_is_open_is_refused(home: Path) -> None:
    store = Store.open(home)
    first, second = [p.id for p in store.papers()[:2]]
    store.set_star(first, True)
    older = store.annotations_path.read_bytes()
    store.set_note(first, "the newest note")
    store.annotations_path.write_bytes(older)
    with pytest.raises(StoreError, match="replaced by an older copy"):
        store.annotations()
    with pytest.raises(StoreError, match="replaced by an older copy"):
        store.set_star(second, True)
    assert store.annotations_path.read_bytes() == older


def test_3_a_change_whose_writer_died_before_writing_is_still_settled_not_taken_for_a_replaced_file(home: Path) -> None:
    from readinglist.core.journal import Change

    store = Store.open(home)
    pid = store.papers()[0].id
    store.set_star(pid, True)
    # A writer journals its change (next generation), then is killed before writing it.
    store.journal.append([Change(pid, "note", "", "never written")], gen=store._ann_storage.generation + 1)
    reopened = Store.open(home, backup=False)
    assert reopened.annotation(pid).note == "" and reopened.annotation(pid).star
    assert all(e.after != "never written" for e in reopened.journal.read())
    reopened.set_note(pid, "a later note")
    assert Store.open(home, backup=False).annotation(pid).note == "a later note"


def test_3_a_killed_writer_followed_by_another_process_import_is_not_taken_for_a_replaced_file(home: Path) -> None:
    from readinglist.core.journal import ADDED, Change

    store = Store.open(home)
    first, second = [p.id for p in store.papers()[:2]]
    store.set_star(first, True)
    # A writer journals a note (next generation) and is killed before writing it;
    # meanwhile another process's import appends its line (imports do not hold the lock).
    store.journal.append([Change(second, "note", "", "never written")], gen=store._ann_storage.generation + 1)
    store.journal.append([Change("", ADDED, None, [first])])
    reopened = Store.open(home, backup=False)  # not "replaced by an older copy"
    assert reopened.annotation(second).note == "" and reopened.annotation(first).star
    entries = reopened.journal.read()
    assert all(e.after != "never written" for e in entries) and any(e.field == ADDED for e in entries)


# 5 -----------------------------------------------------------------------

BAD_ANNOTATIONS = {
    "tags as text": {"tags": "vision"},
    "star as text": {"star": "no"},
    "note as a record": {"note": {"a": 1}},
    "unknown status": {"status": "skimmed"},
    "no star": None,
}


@pytest.mark.parametrize("case", BAD_ANNOTATIONS)
def test_5_a_wrong_typed_annotation_is_reported_with_file_and_id_and_left_untouched(
    home: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    pid = first_id(home)
    assert run(capsys, "tag", pid, "+keep")[0] == 0
    target = home / "annotations.json"
    data = json.loads(target.read_text())
    if BAD_ANNOTATIONS[case] is None:
        del data["annotations"][pid]["star"]
    else:
        data["annotations"][pid].update(BAD_ANNOTATIONS[case])
    target.write_text(json.dumps(data))
    before = target.read_bytes()
    for command in (("list",), ("show", pid), ("star", pid), ("note", pid, "x")):
        err = one_line(capsys, *command)
        assert str(target) in err and pid in err, err
    assert target.read_bytes() == before
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and pid in out and "problem" in out


# 6 -----------------------------------------------------------------------

BAD_PAPERS = {
    "missing id": lambda r: r.pop("id"),
    "bad date": lambda r: r.update(date="31/02/2024"),
    "links as a list": lambda r: r.update(links=["https://example.org"]),
    "non-string authors": lambda r: r.update(authors=[1, 2]),
    "non-string title": lambda r: r.update(title=["a", "title"]),
}


@pytest.mark.parametrize("case", BAD_PAPERS)
def test_6_a_bad_corpus_record_is_one_line_and_doctor_reports_it(home: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    target = home / "corpus.json"
    data = json.loads(target.read_text())
    pid = next(iter(data["papers"]))
    BAD_PAPERS[case](data["papers"][pid])
    target.write_text(json.dumps(data))
    before = target.read_bytes()
    backups_before = sorted(p.name for p in (home / "backups").iterdir())
    err = one_line(capsys, "list")
    assert str(target) in err and pid in err
    assert target.read_bytes() == before
    assert sorted(p.name for p in (home / "backups").iterdir()) == backups_before
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and f"problem  {target}" in out


@pytest.mark.parametrize("version", [0, -3, None, "1"])
def test_6_a_schema_version_no_readinglist_wrote_is_one_line_and_writes_no_copy(
    home: Path, capsys: pytest.CaptureFixture[str], version: object
) -> None:
    target = home / "annotations.json"
    data = json.loads(target.read_text())
    if version is None:
        del data["_meta"]["schema"]["version"]
    else:
        data["_meta"]["schema"]["version"] = version
    target.write_text(json.dumps(data))
    for _ in range(2):
        err = one_line(capsys, "list")
        assert str(target) in err and "schema" in err
    assert not list(home.glob("*.bak")), "a copy of the file was written on every command"


# 7 -----------------------------------------------------------------------


def test_7_invalid_utf8_on_the_command_line_is_one_line(home: Path) -> None:
    pid = first_id(home)
    env = {**os.environ, "READINGLIST_HOME": str(home)}
    for args in ([b"note", pid.encode(), b"bad\xff"], [b"tag", pid.encode(), b"+t\xff"], [b"import", b"list\xfe.txt"]):
        result = subprocess.run([sys.executable.encode(), b"-m", b"readinglist", *args], capture_output=True, env=env, timeout=60)
        err = result.stderr.decode()
        assert result.returncode == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert "UTF-8" in err
    assert Store.open(home, backup=False).annotation(pid).note == ""


def test_7_invalid_utf8_on_stdin_is_one_line(home: Path) -> None:
    pid = first_id(home)
    env = {**os.environ, "READINGLIST_HOME": str(home)}
    result = subprocess.run([sys.executable, "-m", "readinglist", "note", pid, "-"], input=b"bad\xff note", capture_output=True, env=env, timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err and "UTF-8" in err, err


# 8 -----------------------------------------------------------------------

EDITORS = {
    "writes binary": 'printf "\\000\\001\\377" > "$1"',
    "writes Latin-1": 'printf "caf\\351" > "$1"',
    "deletes the file": 'rm "$1"',
    "leaves a directory": 'rm "$1"; mkdir "$1"',
}


@pytest.mark.parametrize("case", EDITORS)
def test_8_a_misbehaving_editor_is_one_line_and_the_note_is_kept(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    pid = first_id(home)
    run(capsys, "note", pid, "precious")
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, EDITORS[case]))
    one_line(capsys, "note", pid, "--edit")
    assert Store.open(home, backup=False).annotation(pid).note == "precious"


def test_8_an_unbalanced_editor_command_is_one_line(home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "'unbalanced")
    monkeypatch.delenv("VISUAL", raising=False)
    assert "editor" in one_line(capsys, "note", first_id(home), "--edit")


# 9 -----------------------------------------------------------------------


def test_9_a_lock_file_symlink_is_refused_and_its_target_untouched(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("do not truncate me")
    pid = first_id(home)
    (home / "lock").unlink(missing_ok=True)
    (home / "lock").symlink_to(precious)
    err = one_line(capsys, "star", pid)
    assert "lock" in err
    assert precious.read_text() == "do not truncate me"


def test_9_a_lock_that_is_not_a_regular_file_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pid = first_id(home)
    (home / "lock").unlink(missing_ok=True)
    (home / "lock").mkdir()
    assert "lock" in one_line(capsys, "star", pid)


# 10 ----------------------------------------------------------------------


def test_10_doctor_deletes_only_its_own_temporary_files(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = [home / ".draft.tmp", home / ".annotations.json.mine.tmp"]
    for path in foreign:
        path.write_text("someone else's")
    ours = home / ".annotations.json.rl-abcd1234.tmp"
    ours.write_text("{")
    run(capsys, "doctor")
    assert all(p.exists() for p in foreign) and not ours.exists()


# 14 ----------------------------------------------------------------------


def test_14_a_directory_named_like_a_backup_is_ignored(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "backups" / "annotations-99999999-20990101T000000Z.json").mkdir()
    (home / "backups" / "annotations-20990101T000000000000Z.json").mkdir()
    pid = first_id(home)
    assert run(capsys, "note", pid, "fine")[0] == 0
    code, out, _ = run(capsys, "doctor")
    assert code == 0, out
    (home / "annotations.json").write_bytes(b"")
    assert run(capsys, "doctor", "--restore")[0] == 0


# 15 ----------------------------------------------------------------------


def test_15_json_output_escapes_c1_controls_and_bidi_overrides(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pid = first_id(home)
    hostile = "a\x9b31mb\u202ec\u2066d\x85e"
    run(capsys, "note", pid, hostile)
    for command in (("show", pid, "--format", "json"), ("list", "--format", "json")):
        code, out, _ = run(capsys, *command)
        assert code == 0
        assert not any(ch in out for ch in "\x9b\u202e\u2066\x85")
        records = json.loads(out)
        record = records if isinstance(records, dict) else next(r for r in records if r["id"] == pid)
        assert record["note"] == hostile  # escaped, not changed


def test_15_import_echoes_file_names_without_escape_sequences(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "evil\x1b]0;owned\x07.txt"
    bad.write_bytes(b"\x00\x01binary")
    code, out, err = run(capsys, "import", str(bad))
    assert code == 1 and "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b" in err


# 16 ----------------------------------------------------------------------


def test_16_credentials_in_code_links_are_dropped() -> None:
    from readinglist.core.links import links_by_kind

    links = links_by_kind("Code: https://user:secret@github.com/org/repo and https://token@gitlab.com/a/b.")
    assert links == {"code": ["https://github.com/org/repo", "https://gitlab.com/a/b"]}


# 17 ----------------------------------------------------------------------


def test_17_a_ten_megabyte_note_is_refused_with_a_clear_message(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pid = first_id(home)
    err = one_line(capsys, "note", pid, "x" * 10_000_000)
    assert "at most" in err
    assert Store.open(home, backup=False).annotation(pid).note == ""


# 18 ----------------------------------------------------------------------


def test_18_a_store_path_that_is_a_file_is_not_advised_a_corpus_rebuild(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(capsys, "doctor", "--home", str(blocker))
    assert "--rebuild-corpus" not in out + err and "Traceback" not in err
    assert "directory" in out + err


def test_18_a_newer_schema_is_not_called_damaged_nor_rolled_back(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = home / "annotations.json"
    data = json.loads(target.read_text())
    data["_meta"]["schema"]["version"] = 99
    target.write_text(json.dumps(data))
    before = target.read_bytes()
    code, out, _ = run(capsys, "doctor")
    assert "newer readinglist" in out and "--restore" not in out and "upgrade" in out
    one_line(capsys, "doctor", "--restore")
    assert target.read_bytes() == before


def test_18_a_restore_that_cannot_replace_the_file_is_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.core import fileio

    pid = first_id(home)
    run(capsys, "star", pid)
    (home / "annotations.json").write_bytes(b"{ damaged")

    def immutable(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted", str(home / "annotations.json"))

    monkeypatch.setattr(fileio.os, "replace", immutable)
    assert "cannot restore" in one_line(capsys, "doctor", "--restore")
    monkeypatch.undo()
    assert (home / "annotations.json").read_bytes() == b"{ damaged"


# 20 ----------------------------------------------------------------------


def test_20_enrichment_does_not_overwrite_a_user_edit_that_landed_meanwhile(home: Path) -> None:
    enricher = Store.open(home, backup=False)
    paper = enricher.papers()[0]  # what enrichment read, before its network calls
    user = Store.open(home, backup=False)
    user.update_papers({paper.id: {"venue": "My venue", "provenance": {"venue": {"source": "user"}}}})
    user.update_papers({paper.id: {"doi": "10.1/mine"}})
    enricher.update_papers(
        {paper.id: {"venue": "Found venue", "doi": "10.1/found", "pdf_url": "https://arxiv.org/pdf/1",
                    "provenance": {"venue": {"source": "arxiv"}, "doi": {"source": "arxiv"}, "pdf_url": {"source": "arxiv"}}}}
    )
    after = Store.open(home, backup=False).paper(paper.id)
    assert after.venue == "My venue" and after.provenance["venue"]["source"] == "user"
    assert after.doi == "10.1/mine" and "doi" not in after.provenance
    assert after.pdf_url == "https://arxiv.org/pdf/1"  # untouched fields are still filled


def test_3_a_vanished_corpus_is_reported_not_reseeded(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store.open(home)
    pid = store.papers()[0].id
    store.set_star(pid, True)
    store.corpus_path.unlink()
    with pytest.raises(StoreError, match="corpus.json"):
        store.papers()
    assert "--rebuild-corpus" in one_line(capsys, "list")
    assert not store.corpus_path.exists()
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "--rebuild-corpus" in out
    assert run(capsys, "doctor", "--rebuild-corpus")[0] == 0
    assert Store.open(home, backup=False).annotation(pid).star
