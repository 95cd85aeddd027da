"""The store: seeding, annotations that survive, atomic writes, corrupt files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readinglist.core import fileio
from readinglist.core.errors import StoreError, UnknownPaper
from readinglist.core.store import Store


def test_new_store_is_seeded_with_the_built_in_corpus(store: Store) -> None:
    assert len(store.papers()) == 413
    assert store.corpus_path.exists() and store.annotations_path.exists()


def test_annotations_persist_across_reopen(store: Store) -> None:
    pid = store.papers()[5].id
    store.set_star(pid, True)
    store.set_status(pid, "reading")
    store.update_tags(pid, ["vision", "todo"])
    store.set_note(pid, "Read §3 first.\nThen the appendix.")
    again = Store.open(store.home)
    a = again.annotation(pid)
    assert (a.star, a.status, a.tags, a.note) == (True, "reading", ["vision", "todo"], "Read §3 first.\nThen the appendix.")
    assert a.created and a.updated


def test_star_toggle_rewrites_only_the_annotations_file(store: Store) -> None:
    before = store.corpus_path.stat().st_mtime_ns, store.corpus_path.stat().st_ino
    store.toggle_star(store.papers()[0].id)
    assert (store.corpus_path.stat().st_mtime_ns, store.corpus_path.stat().st_ino) == before


def test_annotation_survives_reimport_of_corpus(store: Store, seeds: list[Path]) -> None:
    pid = store.papers()[42].id
    store.set_note(pid, "keep me")
    reports = store.import_files(seeds)
    assert sum(r.new for r in reports) == 0
    assert Store.open(store.home).annotation(pid).note == "keep me"


def test_reimport_of_a_newer_listing_merges_and_keeps_annotations(store: Store, tmp_path: Path) -> None:
    paper = next(p for p in store.papers() if not p.authors)
    store.set_star(paper.id, True)
    listing = tmp_path / "newer.txt"
    listing.write_text(f"CVMar 3, 2024Code\n{paper.title}Ada Lovelace, Alan Turing\n{paper.abstract}\n", encoding="utf-8")
    [report] = store.import_files([listing])
    assert (report.new, report.merged) == (0, 1)
    merged = Store.open(store.home).paper(paper.id)
    assert merged.authors == ["Ada Lovelace", "Alan Turing"] and merged.category == "cs.CV"
    assert "newer.txt" in merged.listings
    assert Store.open(store.home).annotation(paper.id).star


def test_ids_are_stable_and_typeable(store: Store) -> None:
    ids = [p.id for p in store.papers()]
    other = Store.open(store.home.parent / "other", year=2020)
    assert [p.id for p in other.papers()] == ids
    assert store.resolve_id(ids[0][:6]) == ids[0]
    with pytest.raises(UnknownPaper):
        store.resolve_id("zzzzzz")


def test_interrupted_write_leaves_the_old_data_loadable(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = store.papers()[0].id
    store.set_note(pid, "old note")

    def crash(*args: object) -> None:
        raise KeyboardInterrupt("power cut between temp write and replace")

    monkeypatch.setattr(fileio.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.set_note(pid, "new note")
    monkeypatch.undo()
    assert Store.open(store.home).annotation(pid).note == "old note"
    assert not [p for p in store.home.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", ["annotations.json", "corpus.json"])
def test_corrupt_file_is_reported_and_left_untouched(store: Store, name: str) -> None:
    target = store.home / name
    target.write_bytes(b'{"annotations": {"abc": {"star": tr')
    before = target.read_bytes()
    with pytest.raises(StoreError) as info:
        Store.open(store.home)
    assert str(target) in str(info.value) and "doctor" in str(info.value)
    assert target.read_bytes() == before


def test_newer_schema_is_refused_untouched(store: Store) -> None:
    data = json.loads(store.annotations_path.read_text())
    data["_meta"]["schema"]["version"] = 99
    store.annotations_path.write_text(json.dumps(data))
    before = store.annotations_path.read_bytes()
    with pytest.raises(StoreError, match="newer readinglist"):
        Store.open(store.home)
    assert store.annotations_path.read_bytes() == before


def test_write_by_another_instance_is_not_lost(store: Store) -> None:
    a, b = store.papers()[0].id, store.papers()[1].id
    other = Store.open(store.home)
    other.set_star(a, True)
    store.set_note(b, "mine")  # store had cached the file before other's write
    fresh = Store.open(store.home)
    assert fresh.annotation(a).star and fresh.annotation(b).note == "mine"


def test_failed_write_reports_and_keeps_old_file(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = store.papers()[0].id
    store.set_note(pid, "saved")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("readinglist.core.storage.atomic_write_bytes", disk_full)
    with pytest.raises(StoreError, match="No space left"):
        store.set_note(pid, "lost?")
    monkeypatch.undo()
    assert store.annotation(pid).note == "saved"


def test_backups_rotate(store: Store) -> None:
    from readinglist.core.backups import KEEP_RECENT

    pid = store.papers()[0].id
    first = store.backups()[-1].read_bytes()
    for i in range(14):
        store.set_note(pid, f"v{i}")
        assert store.backup_annotations() is not None
    # The newest generations, plus the oldest of this 10-minute slot: a burst
    # of writes never pushes out the state from before it.
    assert len(store.backups()) == KEEP_RECENT + 1
    assert json.loads(store.backups()[0].read_text())["annotations"][pid]["note"] == "v13"
    assert store.backups()[-1].read_bytes() == first


def test_unreadable_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        Store.open(blocker)


def test_threads_of_one_process_take_turns_on_the_write_lock(store: Store) -> None:
    """The app's main thread and its resolve worker both write the store."""
    import threading

    inside: list[int] = []
    overlaps: list[int] = []

    def writer(n: int) -> None:
        for _ in range(20):
            with store.lock:
                inside.append(n)
                if len(inside) > 1:
                    overlaps.append(n)
                threading.Event().wait(0.001)
                inside.remove(n)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
    with store.lock:  # and it is free again, re-entrant in one thread
        with store.lock:
            assert store.lock.holder() is not None


def test_an_older_schema_is_migrated_after_a_backup(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from readinglist.core import store as store_module

    pid = store.papers()[0].id
    store.set_note(pid, "written by schema 2")
    before = store.annotations_path.read_bytes()

    def to_v3(data: dict) -> None:
        for record in data.get("annotations", {}).values():
            record["note"] = record["note"].upper()

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(store_module.MIGRATIONS, 2, to_v3)
    upgraded = Store.open(store.home)
    assert upgraded.annotation(pid).note == "WRITTEN BY SCHEMA 2"
    assert json.loads(store.annotations_path.read_text())["_meta"]["schema"]["version"] == 3
    assert (store.home / "annotations.json.schema2.bak").read_bytes() == before


def test_schema_1_tags_that_differ_only_in_case_become_one_tag(store: Store) -> None:
    papers = store.papers()
    data = json.loads(store.annotations_path.read_text())
    data["_meta"]["schema"]["version"] = 1
    data["annotations"] = {
        papers[0].id: {"star": True, "status": "unread", "note": "", "tags": ["Vision", "vision", "todo"]},
        papers[1].id: {"star": False, "status": "read", "note": "", "tags": ["Vision"]},
        papers[2].id: {"star": False, "status": "unread", "note": "", "tags": ["vision", "reading group"]},
    }
    store.annotations_path.write_text(json.dumps(data))
    before = store.annotations_path.read_bytes()
    upgraded = Store.open(store.home)
    assert upgraded.annotation(papers[0].id).tags == ["Vision", "todo"]
    assert upgraded.annotation(papers[0].id).star  # nothing else changes
    assert upgraded.annotation(papers[2].id).tags == ["Vision", "reading-group"]
    assert (store.home / "annotations.json.schema1.bak").read_bytes() == before


def test_corpus_is_one_record_a_line_and_still_plain_json(store: Store) -> None:
    lines = store.corpus_path.read_bytes().splitlines()
    assert len(lines) > 413  # one line per paper: the app streams it
    data = json.loads(store.corpus_path.read_text(encoding="utf-8"))  # any JSON reader reads it whole
    assert len(data["papers"]) == 413


def test_an_older_single_line_corpus_still_loads_and_is_rewritten(store: Store) -> None:
    pid = store.papers()[0].id
    data = json.loads(store.corpus_path.read_text(encoding="utf-8"))
    store.corpus_path.write_text(json.dumps(data), encoding="utf-8")  # one line, as 0.1 wrote
    reopened = Store.open(store.home)
    assert len(reopened.papers()) == 413
    reopened.update_papers({pid: {"doi": "10.1/x"}})
    assert len(store.corpus_path.read_bytes().splitlines()) > 413
    assert Store.open(store.home).paper(pid).doi == "10.1/x"


def test_a_damaged_line_in_the_middle_of_the_corpus_is_reported_untouched(store: Store) -> None:
    lines = store.corpus_path.read_bytes().split(b"\n")
    lines[200] = lines[200][: len(lines[200]) // 2]  # a record cut in half
    store.corpus_path.write_bytes(b"\n".join(lines))
    before = store.corpus_path.read_bytes()
    with pytest.raises(StoreError) as info:
        Store.open(store.home)
    assert str(store.corpus_path) in str(info.value)
    assert store.corpus_path.read_bytes() == before
