"""The paper cache file: a launch reads the papers a former warm-up saved.

What a user notices: the library shows the same papers, every field of
them, whether ``cache/papers.bin`` is fresh, stale, damaged or missing; a
change to the corpus (an edit, an import by another process) is seen at
once; a corrupt ``corpus.json`` is still reported, never hidden behind the
cache; a cache that cannot be written costs nothing.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from readinglist.core import paper_cache
from readinglist.core.doctor import clean_leftovers
from readinglist.core.errors import StoreError
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source
from readinglist.core.paper_cache import FORMAT, paper_cache_path
from readinglist.core.store import CORPUS_FILE, Store
from tests.cache_damage import (
    change_format,
    damage_empty,
    damage_flip,
    damage_foreign,
    damage_header,
    damage_trailing,
    damage_truncate,
    flip_bit,
)


def open_store(home: Path) -> Store:
    return Store.open(home, year=2026, backup=False)


def as_records(store: Store) -> list[dict]:
    return [paper.to_dict() for paper in store.papers()]


def full_paper() -> Paper:
    """A paper with every field set, several sources and non-ASCII text."""
    return Paper(
        id="cache-every-field",
        title="Über Caches: Every Field — Kept",
        authors=["Zoë Ångström", "李 华"],
        authors_truncated=True,
        affiliations=["ETH Zürich"],
        category="cs.LG",
        date="2024-02-29",
        date_inferred=True,
        abstract="An abstract with a tab\tand unicode: ∑ ≤ ∞.",
        has_code=True,
        links={"code": ["https://github.com/x/y"], "project": ["https://x.org"]},
        sources=[Source("one.txt", 3), Source("two.txt", 41)],
        arxiv_id="2402.12345",
        doi="10.1000/xyz",
        pdf_url="https://example.org/p.pdf",
        provenance={"doi": {"source": "crossref", "at": "2026-01-01T00:00:00Z"}},
        categories=["cs.LG", "stat.ML"],
        citation_key="angstrom2024uber",
        url="https://example.org/p",
        journal_ref="J. Caches 1 (2024)",
        pub_type="article",
        venue="Journal of Caches",
        volume="1",
        issue="2",
        pages="3--4",
        publisher="Cache Press",
        added="2026-11-30T10:00:00.000+00:00",
        listed="2026-11-30",
        upvotes=12,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    store = open_store(tmp_path)  # the built-in corpus
    store.add_papers([full_paper()])
    return tmp_path


@pytest.fixture
def expected(home: Path) -> list[dict]:
    """The papers as parsed from corpus.json, with no cache file."""
    assert not paper_cache_path(home).exists()
    return as_records(open_store(home))


def warm(home: Path) -> None:
    """What the app does in the background after its first paint."""
    Library(open_store(home)).build_index()


def reads_the_corpus(monkeypatch) -> list[int]:
    """Counts parses of corpus.json."""
    calls: list[int] = []
    original = Store._stream_papers

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "_stream_papers", counting)
    return calls


def test_a_warm_up_saves_the_papers_and_the_next_launch_reads_them_unchanged(home: Path, expected, monkeypatch) -> None:
    warm(home)
    assert paper_cache_path(home).stat().st_size > 0
    parses = reads_the_corpus(monkeypatch)
    store = open_store(home)
    assert as_records(store) == expected
    assert not parses  # read from the cache, not parsed
    paper = store.paper("cache-every-field")
    assert paper == full_paper()  # every field, as written
    assert [type(s) for s in paper.sources] == [Source, Source]


def test_the_cache_is_not_rewritten_when_it_holds_the_corpus(home: Path) -> None:
    warm(home)
    before = paper_cache_path(home).stat()
    assert not open_store(home).save_papers()
    after = paper_cache_path(home).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_change_to_the_corpus_is_seen_and_the_cache_follows(home: Path, monkeypatch) -> None:
    warm(home)
    library = Library(open_store(home))
    library.edit_paper("cache-every-field", {"title": "Quokka Zebrafish Handbook"})
    other = open_store(home)  # another process imports a paper meanwhile
    other.add_papers([Paper(id="late-arrival", title="A Late Arrival", sources=[Source("x.txt", 1)])])
    parses = reads_the_corpus(monkeypatch)
    relaunched = open_store(home)
    titles = {p.id: p.title for p in relaunched.papers()}
    assert titles["cache-every-field"] == "Quokka Zebrafish Handbook" and "late-arrival" in titles
    assert parses  # the stale cache was not used
    Library(relaunched).build_index()
    parses.clear()
    again = open_store(home)
    assert {p.id: p.title for p in again.papers()} == titles
    assert not parses  # the cache was written again, for the new corpus


def damage_last_byte(path: Path) -> None:
    flip_bit(path, -1)


def damage_old_format(path: Path) -> None:
    change_format(path, FORMAT, FORMAT + 1)


@pytest.mark.parametrize(
    "damage",
    [damage_flip, damage_last_byte, damage_truncate, damage_trailing, damage_foreign, damage_empty, damage_old_format, damage_header],
)
def test_a_damaged_or_foreign_cache_is_ignored_then_replaced(home: Path, expected, damage, monkeypatch) -> None:
    warm(home)
    corpus = (home / CORPUS_FILE).read_bytes()
    damage(paper_cache_path(home))
    assert as_records(open_store(home)) == expected  # parsed from the corpus: no error
    assert (home / CORPUS_FILE).read_bytes() == corpus
    warm(home)
    parses = reads_the_corpus(monkeypatch)
    assert as_records(open_store(home)) == expected
    assert not parses  # a good file again


def test_a_corrupt_corpus_is_reported_even_with_a_cache_beside_it(home: Path) -> None:
    warm(home)
    corpus = home / CORPUS_FILE
    data = corpus.read_bytes()
    corpus.write_bytes(data[: len(data) // 2] + b"{{ not json\n" + data[len(data) // 2 :])
    with pytest.raises(StoreError, match="corpus.json"):
        open_store(home)
    assert b"{{ not json" in corpus.read_bytes()  # left as it was


def test_a_cache_that_cannot_be_written_costs_nothing(home: Path, expected, monkeypatch) -> None:
    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("readinglist.core.fileio.atomic_write_chunks", full_disk)
    warm(home)  # no error
    assert not paper_cache_path(home).exists()
    assert as_records(open_store(home)) == expected


def test_a_cache_written_while_the_corpus_changes_is_not_used(home: Path, monkeypatch) -> None:
    """Papers read before another process's write are never saved under the new version."""
    store = open_store(home)
    store.papers()
    other = open_store(home)
    other.add_papers([Paper(id="late-arrival", title="A Late Arrival", sources=[Source("x.txt", 1)])])
    assert not store.save_papers()  # what it holds is no longer the file
    assert "late-arrival" in {p.id for p in open_store(home).papers()}


def test_doctor_and_backups_leave_the_cache_alone(home: Path) -> None:
    warm(home)
    path = paper_cache_path(home)
    before = path.read_bytes()
    clean_leftovers(home)
    Store.open(home, year=2026).backup_annotations()
    assert path.read_bytes() == before


def small_parts(monkeypatch) -> None:
    # 414 papers: 21 blocks of 20 papers (parts of 7, 7 and 6), the last one short (14: parts of 7 and 7)
    monkeypatch.setattr(paper_cache, "CHUNK", 20)
    monkeypatch.setattr(paper_cache, "TEXT_CHUNK", 7)


def test_blocks_split_papers_without_losing_any(home: Path, expected, monkeypatch) -> None:
    small_parts(monkeypatch)
    warm(home)
    parses = reads_the_corpus(monkeypatch)
    assert as_records(open_store(home)) == expected
    assert not parses


def abstracts_of(store: Store) -> dict[str, str]:
    return {paper.id: paper.abstract for paper in store.papers()}


def test_abstracts_read_after_a_newer_cache_replaced_the_file_are_still_this_launchs(home: Path, expected) -> None:
    """A launch reads each abstract from the file it opened, not a newer one
    another process wrote since (with other papers in other places)."""
    warm(home)
    launched = open_store(home)
    papers = launched.papers()  # abstracts not read yet
    other = open_store(home)
    other.add_papers([Paper(id="aaa-first", title="A Paper Put First", abstract="Not yours.", sources=[Source("x.txt", 1)])])
    warm(home)  # a newer papers.bin, of the newer corpus
    assert "aaa-first" in {p.id for p in open_store(home).papers()}
    assert [paper.to_dict() for paper in papers] == expected


def last_abstracts_byte(path: Path) -> int:
    """Where the last abstracts part ends (from the file's end): the date order's part follows it."""
    import json

    data = path.read_bytes()
    header_length = int.from_bytes(data[len(paper_cache.MAGIC) : len(paper_cache.MAGIC) + 4], "little")
    start = len(paper_cache.MAGIC) + 4
    n = json.loads(data[start : start + header_length])["key"]["n"]
    return -(paper_cache._FRAME + 4 * n) - 1


def test_abstracts_damaged_after_the_launch_come_from_the_corpus_and_the_file_is_rebuilt(home: Path, expected, monkeypatch) -> None:
    warm(home)
    launched = open_store(home)
    path = paper_cache_path(home)
    flip_bit(path, last_abstracts_byte(path))  # in place: the last part's abstracts, which the launch has not read
    assert as_records(launched) == expected  # from corpus.json, not the damaged bytes
    assert not path.exists()  # removed, so it is not read again
    warm(home)
    parses = reads_the_corpus(monkeypatch)
    assert as_records(open_store(home)) == expected
    assert not parses  # written afresh


def test_damaged_abstracts_of_a_corpus_changed_since_are_an_error_not_a_guess(home: Path) -> None:
    warm(home)
    launched = open_store(home)
    papers = launched.papers()
    open_store(home).add_papers([Paper(id="late-arrival", title="A Late Arrival", sources=[Source("x.txt", 1)])])
    flip_bit(paper_cache_path(home), last_abstracts_byte(paper_cache_path(home)))
    with pytest.raises(StoreError, match="papers.bin"):
        [paper.abstract for paper in papers]


def test_threads_reading_abstracts_at_once_each_get_their_own(home: Path, expected, monkeypatch) -> None:
    import sys
    import threading

    small_parts(monkeypatch)  # 60 abstracts parts, each read by whichever thread comes first
    warm(home)
    papers = open_store(home).papers()
    wanted = {record["id"]: record["abstract"] for record in expected}
    seen: list[dict[str, str]] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=lambda: seen.append({p.id: p.abstract for p in papers[::-1]})) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert seen == [wanted] * 4
    assert paper_cache_path(home).exists()  # no block was taken for damaged


def test_the_warm_up_reads_the_abstracts_a_launch_left_in_the_file(home: Path, expected, monkeypatch) -> None:
    """So the first phrase search after a launch does not wait for them."""
    small_parts(monkeypatch)
    warm(home)
    launched = open_store(home)
    library = Library(launched)
    library.build_index()  # what the app's worker does after the first paint
    library.read_abstracts()
    path = paper_cache_path(home)
    flip_bit(path, last_abstracts_byte(path))  # a part nobody has looked at yet, were it still in the file
    assert as_records(launched) == expected
    assert path.exists()  # nothing was read from the file after the warm-up: no damage seen


def open_handles(path: Path) -> int:
    """How many file descriptors of this process are open on ``path`` (Linux)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += Path(os.readlink(fd)) == path.resolve()
        except OSError:
            pass
    return count


@pytest.mark.parametrize("parts", ["default", "small"])
def test_the_file_is_let_go_once_its_abstracts_are_read_or_its_store_is_gone(home: Path, expected, monkeypatch, parts: str) -> None:
    """Held open, it cannot be replaced on Windows, and its space is not freed."""
    import gc

    if parts == "small":
        small_parts(monkeypatch)  # many blocks, whose parts do not line up with TEXT_CHUNK across blocks
    warm(home)
    path = paper_cache_path(home)
    launched = open_store(home)
    assert open_handles(path) == 1
    library = Library(launched)
    library.build_index()
    library.read_abstracts()
    assert open_handles(path) == 0
    assert as_records(launched) == expected
    for _ in range(3):
        open_store(home).papers()  # a launch, or a command, whose papers are dropped unread
    gc.collect()
    assert open_handles(path) == 0



def test_an_abstract_set_while_its_block_is_read_is_kept() -> None:
    """Another thread's edit that lands while the file is read wins over the file's text."""
    from readinglist.core.model import _set_abstract

    paper = Paper(id="p", title="T")

    class Slow:  # a DeferredAbstracts whose read is overtaken by an edit
        def abstract_of(self, paper_id: str) -> str:
            paper.abstract = "edited meanwhile"
            return "from the file"

    _set_abstract(paper, Slow())
    assert paper.abstract == "edited meanwhile"
    assert paper.abstract == "edited meanwhile"  # and stays


def test_a_launch_from_the_cache_lists_the_papers_newest_first_without_sorting_them(home: Path, monkeypatch) -> None:
    """The file holds the first list's order; it must be the order a sort gives (ties kept in corpus order)."""
    from readinglist.core import index, index_order

    assert not paper_cache_path(home).exists()
    parsed = Library(open_store(home))
    wanted = [parsed.papers[i].id for i in parsed.newest_first()]
    dates = [parsed.papers[i].date for i in parsed.newest_first()]
    assert len(set(dates)) < len(dates)  # ties, whose order the file must keep too
    warm(home)
    sorts: list[int] = []
    original = index_order.newest_order
    counting = lambda dates: sorts.append(1) or original(dates)  # noqa: E731
    monkeypatch.setattr(index_order, "newest_order", counting)
    monkeypatch.setattr(index, "newest_order", counting)  # the index's own import of it
    launched = Library(open_store(home))
    assert [launched.papers[i].id for i in launched.newest_first()] == wanted
    assert not sorts  # read from the file
    launched.set_star([launched.papers[0].id], True)
    assert [launched.papers[i].id for i in launched.newest_first()] == wanted  # asked again: sorted
    assert sorts
    sorts.clear()
    command = Library(open_store(home))  # a command's first search: no first list before it
    assert [command.papers[i].id for i in command.search("")] == wanted
    assert not sorts
