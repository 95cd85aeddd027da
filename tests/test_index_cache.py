"""The word index cache file: a launch reads the index a former build wrote.

What a user notices: the same papers are found whether the file is fresh,
stale, damaged or missing; an edited paper is found by its new words; the
file is written again once the papers change; ``doctor`` leaves it alone.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from readinglist.core.doctor import clean_leftovers
from readinglist.core.index_cache import FORMAT, IndexCache, index_cache_path
from readinglist.core.library import Library
from readinglist.core.store import Store
from tests.cache_damage import (
    change_format,
    damage_empty,
    damage_flip,
    damage_foreign,
    damage_header,
    damage_truncate,
    flip_bit,
)

QUERIES = ["masked", "diffusion models", '"image synthesis"', "self-sup", "author:he", "title:vision -cat:cs.CL", "zzzz", "a"]


def open_library(home: Path) -> Library:
    return Library(Store.open(home, year=2026))


def results(library: Library) -> dict[str, list[str]]:
    return {query: [library.papers[i].id for i in library.search(query)] for query in QUERIES}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    open_library(tmp_path)  # the built-in corpus
    return tmp_path


@pytest.fixture
def expected(home: Path) -> dict[str, list[str]]:
    """What the queries find with no cache file at all."""
    assert not index_cache_path(home).exists()
    library = open_library(home)
    found = results(library)
    assert any(found.values()) and not index_cache_path(home).exists()  # a CLI query never writes the file
    return found


def build(home: Path) -> Library:
    library = open_library(home)
    library.build_index()
    return library


def test_a_build_writes_the_cache_and_the_next_launch_reads_it(home: Path, expected) -> None:
    build(home)
    assert index_cache_path(home).stat().st_size > 0
    library = open_library(home)
    assert results(library) == expected
    assert library.index_ready  # the first search read the word index: it never built the folded text
    assert not library.index._text.texts


def damage_old_format(path: Path) -> None:
    change_format(path, FORMAT, FORMAT - 1)


def damage_postings(path: Path) -> None:
    """A bit flipped in the last posting: only the CRC of the whole file tells."""
    flip_bit(path, -5)


@pytest.mark.parametrize(
    "damage", [damage_flip, damage_postings, damage_truncate, damage_foreign, damage_empty, damage_old_format, damage_header]
)
@pytest.mark.parametrize("worker_first", [False, True])
def test_a_damaged_or_foreign_cache_file_is_ignored_then_replaced(home: Path, expected, damage, worker_first: bool) -> None:
    build(home)
    damage(index_cache_path(home))
    library = open_library(home)
    if worker_first:  # the app's worker reads the file before any search (and checks the postings after)
        library.build_index()
        assert results(library) == expected
    else:  # a search (the CLI's, or a key typed at once) reads the file first
        assert results(library) == expected  # scanned: the same papers, no error
        assert not library.index_ready
        library.build_index()  # what the app does next: builds, and writes a good file
    fresh = open_library(home)
    assert results(fresh) == expected
    assert fresh.index_ready


def test_a_cache_of_another_corpus_version_is_not_used(home: Path, expected) -> None:
    build(home)
    library = open_library(home)
    pid = library.papers[0].id
    library.edit_paper(pid, {"title": "Quokka Zebrafish Handbook"})  # a write: the corpus gets a new stamp
    relaunched = open_library(home)
    assert [relaunched.papers[i].id for i in relaunched.search("quokka zebrafish")] == [pid]
    assert not relaunched.index_ready  # the stale file was not read
    relaunched.build_index()
    again = open_library(home)
    assert [again.papers[i].id for i in again.search("quokka")] == [pid]
    assert again.index_ready  # the file was written again for the new corpus


def test_a_paper_edited_after_the_cache_was_read_is_found_by_its_new_words(home: Path) -> None:
    build(home)
    library = open_library(home)
    assert library.search("masked")
    assert library.index_ready
    pid = library.papers[3].id
    old_title = library.papers[3].title
    library.edit_paper(pid, {"title": "Quokka Zebrafish Handbook"})
    assert [library.papers[i].id for i in library.search('"quokka zebra"')] == [pid]
    assert pid not in [library.papers[i].id for i in library.search(f'title:"{old_title}"')]


def test_a_paper_edited_while_the_cache_loads_is_found_by_its_new_words(home: Path, monkeypatch) -> None:
    build(home)
    library = open_library(home)
    pid = library.papers[5].id
    old_words = library.papers[5].title
    original = IndexCache.load
    loading, edited = threading.Event(), threading.Event()

    def slow_load(self, fields, **options):
        loading.set()
        assert edited.wait(10)
        return original(self, fields, **options)

    monkeypatch.setattr(IndexCache, "load", slow_load)
    index = library.index
    worker = threading.Thread(target=library.build_index)
    worker.start()
    assert loading.wait(10)
    library.edit_paper(pid, {"title": "Quokka Zebrafish Handbook"})  # the user edits while the file is read
    edited.set()
    worker.join(10)
    assert library.index_ready and library.index is index
    assert [library.papers[i].id for i in library.search("quokka")] == [pid]
    assert pid not in [library.papers[i].id for i in library.search(f'title:"{old_words}"')]


def test_doctor_and_backups_leave_the_cache_alone(home: Path) -> None:
    build(home)
    path = index_cache_path(home)
    before = path.read_bytes()
    clean_leftovers(home)
    store = Store.open(home, year=2026)
    store.backup_annotations()
    assert path.read_bytes() == before
    library = open_library(home)
    assert library.search("masked") and library.index_ready


def test_a_cache_that_cannot_be_written_costs_nothing(home: Path, expected, monkeypatch) -> None:
    (home / "cache").mkdir(exist_ok=True)
    index_cache_path(home).mkdir()  # a directory where the file should go: the write fails
    library = build(home)
    assert library.index_ready
    assert results(open_library(home)) == expected


def test_papers_stay_in_date_order_after_a_date_is_edited(home: Path) -> None:
    build(home)
    library = open_library(home)
    library.newest_first()  # what the first paint shows, in the order the index then numbers papers by
    pid = library.papers[-1].id
    library.edit_paper(pid, {"date": "2099-01-01"})
    assert library.papers[library.search("", sort="date")[0]].id == pid
    assert library.papers[library.newest_first()[0]].id == pid


def test_a_file_written_in_one_piece_is_read_when_the_ids_are_hashed_in_steps(home: Path, expected, monkeypatch) -> None:
    """The file's key hashes every paper id; hashed a step at a time (so a
    worker lets the first paint in), it must stay the same key, or every
    library's index would be built again (~17 s at 100k) after an upgrade."""
    from readinglist.core import index_cache

    monkeypatch.setattr(index_cache, "STEP", 10**9)  # the 413 ids in one join
    build(home)
    monkeypatch.setattr(index_cache, "STEP", 7)
    library = open_library(home)
    assert results(library) == expected
    assert library.index_ready  # read from the file, not built
