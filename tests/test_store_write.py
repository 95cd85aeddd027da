"""The corpus is written piece by piece: the same file, and still all or nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from readinglist.core import storage
from readinglist.core import store as store_module
from readinglist.core.errors import StoreError
from readinglist.core.fileio import atomic_write_bytes, atomic_write_chunks, leftover_temp_files
from readinglist.core.model import Paper
from readinglist.core.store import Store


def one_piece(data: dict[str, Any]) -> bytes:
    """The layout as it was written before it came in pieces."""
    dumps = orjson.dumps
    tables = [
        dumps(name) + b":{\n" + b",\n".join(dumps(key) + b":" + dumps(doc) for key, doc in docs.items()) + b"\n}"
        for name, docs in data.items()
    ]
    return b"{" + b",\n".join(tables) + b"}\n"


def test_a_corpus_written_in_many_pieces_reads_back_the_same(store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(storage, "CHUNK_BYTES", 100)  # every record ends a piece
    before = {p.id: p.to_dict() for p in store.papers()}
    listing = tmp_path / "more.txt"
    listing.write_text("CVMar 3, 2024\nPieces Of A Store FileAda Lovelace, Alan Turing\nAn abstract.\n", encoding="utf-8")
    [report] = store.import_files([listing])
    assert report.new == 1
    data = orjson.loads(store.corpus_path.read_bytes())
    assert store.corpus_path.read_bytes() == one_piece(data)
    assert set(data) == {"_meta", "papers"}
    streamed = dict(storage.AtomicJSONStorage(store.corpus_path, line_per_record=True).iter_table("papers") or ())
    assert streamed == data["papers"]
    again = {p.id: p.to_dict() for p in Store.open(store.home).papers()}
    assert {pid: again[pid] for pid in before} == before
    assert len(again) == len(before) + 1


def test_empty_tables_and_odd_keys_keep_the_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "CHUNK_BYTES", 1)
    data = {"_meta": {"schema": {"version": 2}}, "papers": {'a"\n,}': {"t": "é\n}},"}, "b": {}}, "trash": {}}
    target = storage.AtomicJSONStorage(tmp_path / "corpus.json", line_per_record=True)
    target.write(data)
    assert (tmp_path / "corpus.json").read_bytes() == one_piece(data)
    assert orjson.loads((tmp_path / "corpus.json").read_bytes()) == data
    assert dict(target.iter_table("papers") or ()) == data["papers"]


def test_a_write_failing_half_way_leaves_the_old_corpus(store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(storage, "CHUNK_BYTES", 4096)
    old = store.corpus_path.read_bytes()
    real_lines = storage.AtomicJSONStorage._lines
    written: list[int] = []

    def disk_fills(self: storage.AtomicJSONStorage, data: dict[str, Any], *source: Any) -> Iterator[bytes]:
        for n, piece in enumerate(real_lines(self, data, *source)):
            if n == 3:
                raise OSError(28, "No space left on device")
            written.append(len(piece))
            yield piece

    monkeypatch.setattr(storage.AtomicJSONStorage, "_lines", disk_fills)
    listing = tmp_path / "more.txt"
    listing.write_text("CVMar 3, 2024\nA Paper That Is Never WrittenAda Lovelace, Alan Turing\nAn abstract.\n", encoding="utf-8")
    with pytest.raises(StoreError, match="No space left"):
        store.import_files([listing])
    assert len(written) == 3  # part of the new file was written before the failure
    assert store.corpus_path.read_bytes() == old
    assert leftover_temp_files(store.home) == []
    monkeypatch.undo()
    titles = {p.title for p in store.papers()}  # the store re-reads the file it kept
    assert "A Paper That Is Never Written" not in titles and len(titles) > 400
    assert Store.open(store.home).papers() == store.papers()


def test_atomic_write_chunks_removes_its_temp_file_when_the_pieces_fail(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    target.write_bytes(b"old")

    def pieces() -> Iterator[bytes]:
        yield b"new, part one"
        raise ValueError("a record that cannot be encoded")

    with pytest.raises(ValueError):
        atomic_write_chunks(target, pieces())
    assert target.read_bytes() == b"old"
    assert leftover_temp_files(tmp_path) == []
    atomic_write_chunks(target, iter([b"a", b"", b"bc"]))
    assert target.read_bytes() == b"abc"


def test_the_corpus_is_read_line_by_line_and_whole_when_not_so_laid_out(tmp_path: Path) -> None:
    data = {"_meta": {"schema": {"version": 2}}, "papers": {"a": {"t": "x,\n}"}, "b": {"t": "y"}}, "trash": {}}
    path = tmp_path / "corpus.json"
    path.write_bytes(one_piece(data))
    assert storage.AtomicJSONStorage(path, line_per_record=True)._read_by_line() == data
    assert storage.AtomicJSONStorage(path, line_per_record=True).read() == data
    # Hand-edited but valid JSON: read whole, the same data.
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    reader = storage.AtomicJSONStorage(path, line_per_record=True)
    assert reader._read_by_line() is None and reader.read() == data
    # Laid out by line but not JSON (a stray comma, a missing one): still reported as corrupt.
    for broken in (b'{"papers":{\n"a":{},\n}}\n', b'{"papers":{\n"a":{}\n"b":{}\n}}\n', b'{"papers":{\n"a":{}\n}}\nmore'):
        path.write_bytes(broken)
        with pytest.raises(StoreError, match="corrupt"):
            storage.AtomicJSONStorage(path, line_per_record=True).read()


def _unmarked(lines: list[bytes]) -> set[bytes]:
    return {line.rstrip(b",") for line in lines}  # the last record's line gains a comma when one follows


def test_an_import_rewrites_only_the_records_it_changes_and_writes_what_a_whole_read_would(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An import leaves the library's records in the file and copies them
    # over: the one it merges into and the one it adds are the only lines
    # that change, and the papers are those of a corpus read whole (an older
    # file's layout, which TinyDB reads and writes as dicts).
    monkeypatch.setattr(store_module, "_now", lambda: "2026-12-02T10:00:00.000+00:00")
    twin_home = tmp_path / "twin"
    shutil.copytree(store.home, twin_home)
    twin_corpus = twin_home / "corpus.json"
    twin_corpus.write_bytes(orjson.dumps(orjson.loads(twin_corpus.read_bytes()), option=orjson.OPT_INDENT_2))
    listing = tmp_path / "more.txt"
    listing.write_text(
        "SDJul 13, 2022\nMasked Autoencoders that ListenPo-Yao Huang, Hu Xu\nAn abstract.\n"
        "CVMar 3, 2024\nA Paper Of Its OwnAda Lovelace, Alan Turing\nAn abstract.\n",
        encoding="utf-8",
    )
    before = store.corpus_path.read_bytes().splitlines()
    [report] = store.import_files([listing])
    [twin_report] = Store.open(twin_home).import_files([listing])
    assert (report.new, report.merged) == (twin_report.new, twin_report.merged) == (1, 1)
    after = store.corpus_path.read_bytes()
    changed = _unmarked(after.splitlines()) - _unmarked(before)
    by_title = {p.title: p for p in store.papers()}  # read again from the file just written
    merged, added = by_title["Masked Autoencoders that Listen"], by_title["A Paper Of Its Own"]
    assert {next(iter(orjson.loads(b"{" + line + b"}"))) for line in changed} == {merged.id, added.id}
    assert "more.txt" in {s.listing for s in merged.sources}
    assert orjson.loads(after) == orjson.loads(twin_corpus.read_bytes())
    assert after == one_piece(orjson.loads(after))


def test_an_import_never_writes_over_a_corpus_replaced_while_it_ran(store: Store) -> None:
    # Another writer (a sync tool, a process not taking the lock) replaces
    # the file while the import reads its papers: the records the import
    # left in the old file are not copied over the new one.
    theirs = store.corpus_path.read_bytes().replace(b"Masked Autoencoders that Listen", b"Their Own Title", 1)
    count = len(store.papers())

    def papers() -> Iterator[Paper]:
        yield Paper(id="p1", title="A First New Paper", abstract="An abstract.")
        atomic_write_bytes(store.corpus_path, theirs)
        yield Paper(id="p2", title="A Second New Paper", abstract="An abstract.")

    with pytest.raises(StoreError, match="was replaced while readinglist was updating it; nothing was written"):
        store.add_papers(papers())
    assert store.corpus_path.read_bytes() == theirs
    titles = {p.title for p in store.papers()}
    assert "Their Own Title" in titles and "A First New Paper" not in titles and len(titles) == count


def test_importing_a_file_again_leaves_the_corpus_file_as_it_was(store: Store, tmp_path: Path) -> None:
    # Nothing new and nothing to merge: the file is not written, so the
    # paper cache and word index keyed by its stamp stay good for the next launch.
    listing = tmp_path / "more.txt"
    listing.write_text("CVMar 3, 2024\nA Paper Imported TwiceAda Lovelace, Alan Turing\nAn abstract.\n", encoding="utf-8")
    [first] = store.import_files([listing])
    before = store.corpus_path.stat()
    [again] = store.import_files([listing])
    after = store.corpus_path.stat()
    assert (first.new, again.new, again.merged, again.unchanged) == (1, 0, 0, 1)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    assert "A Paper Imported Twice" in {p.title for p in Store.open(store.home).papers()}


def _corpus_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    for name in ("_stream_papers", "_papers_from_read"):
        original = getattr(Store, name)

        def counting(self: Store, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Store, name, counting)
    return calls


def test_an_edit_rewrites_its_record_alone_and_the_papers_are_not_read_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # An edit at 100k papers took 3.8 s and held 460 MB more: the corpus was
    # read whole into dicts, then parsed again into papers.
    papers = store.papers()
    pid = papers[7].id
    before = store.corpus_path.read_bytes().splitlines()
    parses = _corpus_parses(monkeypatch)
    store.edit_paper(pid, {"title": "A Title Set By Hand"})
    after = store.corpus_path.read_bytes().splitlines()
    [changed] = set(after) - set(before)
    assert changed.startswith(orjson.dumps(pid) + b":") and len(after) == len(before)
    now = store.papers()
    assert parses == []
    assert now[7].title == "A Title Set By Hand" and now[7].id == pid
    assert [p.to_dict() for i, p in enumerate(now) if i != 7] == [p.to_dict() for i, p in enumerate(papers) if i != 7]
    assert store.save_papers()  # the corpus still counts as checked: the next launch reads cache/papers.bin
    assert [p.to_dict() for p in Store.open(store.home).papers()] == [p.to_dict() for p in now]


def test_an_edit_racing_another_writer_reads_both_changes_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another writer (one not taking the lock) changes the corpus after our
    # papers were read and before the edit reads the file: the papers held
    # are then not the version rewritten, so they are read again.
    papers = store.papers()
    theirs = store.corpus_path.read_bytes().replace(papers[1].title.encode(), b"Their Edit", 1)
    original = storage.AtomicJSONStorage.read_encoded

    def after_their_write(self: storage.AtomicJSONStorage, *args: Any) -> Any:
        if self.path == store.corpus_path and store.corpus_path.read_bytes() != theirs:
            atomic_write_bytes(store.corpus_path, theirs)
        return original(self, *args)

    monkeypatch.setattr(storage.AtomicJSONStorage, "read_encoded", after_their_write)
    store.edit_paper(papers[2].id, {"title": "Our Edit"})
    assert [p.title for p in store.papers()][1:3] == ["Their Edit", "Our Edit"]
    assert [p.title for p in Store.open(store.home).papers()][1:3] == ["Their Edit", "Our Edit"]
