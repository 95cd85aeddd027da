"""The Library and its Scopes: one answer to "which papers", verbs that keep
memory, index and disk in step, and changes made by another process."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.enrich.apply import needs_enrichment
from readinglist.core.errors import UnknownPaper, UserError
from readinglist.core.library import Library
from readinglist.core.scope import Scope
from readinglist.core.store import Store


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(Store.open(tmp_path / "home", year=2026))


def test_every_scope_selects_what_its_name_says(library: Library) -> None:
    papers = library.papers
    first, second, third = papers[0].id, papers[5].id, papers[9].id
    library.set_star([first, second], True)
    library.update_tags([third, second], add=["Reading-Group"])
    assert {p.id for p in library.select(Scope.starred())} == {first, second}
    assert {p.id for p in library.select(Scope.of_tag("reading-group"))} == {second, third}
    assert [p.id for p in library.select(Scope.of_ids([third[:6], first]))] == [third, first]
    assert len(library.select(Scope.everything())) == len(papers) == 413
    # A query keeps the query's own order, the same the list shows.
    matching = library.select(Scope.of_query("autoencoders"))
    assert 0 < len(matching) < len(papers)
    assert [p.id for p in matching] == [papers[i].id for i in library.search("autoencoders")]


def test_unresolved_means_the_same_for_every_caller(library: Library) -> None:
    resolved = library.papers[3]
    library.store.update_papers({resolved.id: {"arxiv_id": "2207.06405", "provenance": {"enrich": {"status": "resolved"}}}})
    library.refresh()
    unresolved = library.select(Scope.unresolved())
    assert resolved.id not in {p.id for p in unresolved}
    assert len(unresolved) == len(library) - 1
    assert all(needs_enrichment(p) for p in unresolved)


def test_scope_titles_name_what_was_exported() -> None:
    assert Scope.starred().title == "Reading list: starred papers"
    assert Scope.of_query("title:clip").title == "Reading list: papers matching title:clip"
    assert Scope.of_tag("audio").title == "Reading list: papers tagged audio"
    assert Scope.of_query("").title == "Reading list: all papers"


def test_a_bad_query_or_unknown_id_is_one_line(library: Library) -> None:
    with pytest.raises(UserError, match="bad query 'foo:bar'"):
        library.select(Scope.of_query("foo:bar"))
    with pytest.raises(UnknownPaper):
        library.set_star(["zzzzzzzzz"], True)
    with pytest.raises(UserError, match="unknown status"):
        library.set_status([library.papers[0].id], "skimmed")


def test_verbs_change_memory_index_and_disk_together(library: Library, tmp_path: Path) -> None:
    pid = library.papers[7].id
    assert library.search("is:starred") == []
    library.toggle_star(pid)
    library.cycle_status(pid)
    library.set_note(pid, "read section 3")
    assert [library.papers[i].id for i in library.search("is:starred is:reading note:section")] == [pid]
    on_disk = Store.open(tmp_path / "home").annotation(pid)
    assert on_disk.star and on_disk.status == "reading" and on_disk.note == "read section 3"


def test_papers_handed_out_are_not_the_stores_own(library: Library) -> None:
    handed = library.store.papers()
    handed.clear()
    assert len(library.store.papers()) == 413
    assert len(library.papers) == 413


def test_refresh_takes_in_another_process_and_reports_what_changed(library: Library, tmp_path: Path) -> None:
    other = Store.open(tmp_path / "home")
    starred, renamed = library.papers[1].id, library.papers[2].id
    other.set_star(starred, True)
    other.update_papers({renamed: {"category": "cs.AI"}})
    changes = library.refresh()
    assert changes.annotations == {starred} and changes.papers == {renamed} and not changes.reloaded
    assert library.annotation(starred).star and library.paper(renamed).category == "cs.AI"
    assert [library.papers[i].id for i in library.search("is:starred")] == [starred]
    assert not library.refresh()  # nothing new: nothing reported


def test_papers_added_elsewhere_rebuild_the_list_and_the_index(library: Library, tmp_path: Path) -> None:
    listing = tmp_path / "new.txt"
    listing.write_text(
        "Daily Papers\n\nA Completely New Paper About Zebrafish Vision\n\n"
        "We study how zebrafish see. Our results show many things about vision in fish.\n",
        encoding="utf-8",
    )
    library.search("zebrafish")  # the index exists before the import
    reports = Store.open(tmp_path / "home").import_files([listing])
    assert reports[0].new == 1
    changes = library.refresh()
    assert changes.reloaded and len(library) == 414
    assert [library.papers[i].title for i in library.search("zebrafish")] == ["A Completely New Paper About Zebrafish Vision"]


def test_a_note_saved_elsewhere_is_not_overwritten(library: Library, tmp_path: Path) -> None:
    from readinglist.core.store import NoteConflict

    pid = library.papers[4].id
    library.set_note(pid, "mine")
    Store.open(tmp_path / "home").set_note(pid, "theirs")
    with pytest.raises(NoteConflict):
        library.set_note(pid, "mine, edited", expected="mine")
    assert library.annotation(pid).note == "theirs"  # the library now shows what is on disk


def test_like_terms_and_the_fit_sort_rank_by_what_is_starred(library: Library) -> None:
    mae = next(p for p in library.papers if p.title == "Masked Autoencoders that Listen")
    library.set_star([mae.id], True)
    liked = [library.papers[i] for i in library.search("like:starred")]
    assert liked[0].id == mae.id
    top = [(p.title + " " + p.abstract).lower() for p in liked[1:6]]
    assert sum("audio" in t for t in top) >= 2 and all("mask" in t or "audio" in t for t in top), [p.title for p in liked[:6]]
    assert len(library.search("like:starred -audio")) < len(liked)  # with every other term
    fit = [library.papers[i] for i in library.search("", sort="fit")]
    assert len(fit) == len(library) and fit[0].id in {p.id for p in liked[:3]}
    similar = [library.papers[i].id for i in library.search(f"like:{mae.id[:6]}")]
    assert similar and mae.id in similar[:1]  # the paper itself is the most like itself


def test_like_with_nothing_to_be_like_is_told_before_the_model_is_built(library: Library) -> None:
    """like:starred or the fit sort with nothing starred, or an unused tag:
    the reason comes at once, without the model's build (26 s at 100k papers)."""
    for query, sort in (("like:starred", "relevance"), ("", "fit"), ("like:tag:unused", "relevance")):
        with pytest.raises(UserError, match="starred|tag"):
            library.search(query, sort=sort)
    assert not library.similarity.ready
    library.toggle_star(library.papers[0].id)
    assert library.search("like:starred")  # and with a star it ranks, building it
    assert library.similarity.ready


def test_the_index_worker_prepares_the_id_lookups_the_first_star_needs(library: Library) -> None:
    """The first star, tag or note of a session found its paper through two
    id look-ups built on the spot (70 ms at 100k papers, 240 ms beside the
    other workers); the index worker now builds them, and the star still
    lands on the paper asked for."""
    store = library.store
    assert store._id_positions is None and library._positions is None  # a launch builds neither
    library.build_index()
    prepared = (store._id_positions, library._positions)
    assert prepared[0] is not None and prepared[1] is not None
    target = library.papers[7]
    library.toggle_star(target.id)
    assert store._id_positions is prepared[0] and library._positions is prepared[1]  # the star built nothing again
    assert library.annotation(target.id).star and store.annotation(target.id).star
    assert store.paper(target.id).id == target.id and library.paper(target.id).id == target.id


def test_a_lookup_worked_out_for_papers_read_before_is_never_used_for_newer_ones(library: Library) -> None:
    """A worker that built the id look-up from the papers as they were, and
    finished after the store read them again in another order, must not send
    a star to the paper that now sits where the old one was."""
    store = library.store
    store.prepare_lookups()
    old = store._papers
    read = store.read_papers()
    assert read is not None
    papers, stamp = read
    assert store.adopt_papers(list(reversed(papers)), stamp)
    store._id_positions = (old, {p.id: i for i, p in enumerate(old)})  # what that worker left behind
    assert all(store.paper(p.id).id == p.id for p in papers)
    library.position(papers[0].id)
    library.reload_papers(None)
    library._positions = (old, {p.id: i for i, p in enumerate(old)})
    assert all(library.paper(p.id).id == p.id for p in papers)


def test_is_new_and_has_pdf(library: Library, tmp_path: Path) -> None:
    first = library.papers[0]
    library.new_since = "2000-01-01T00:00:00+00:00"
    library.refresh_flags()
    assert len(library.search("is:new")) == len(library)  # every paper entered after 2000
    library.new_since = "2999-01-01T00:00:00+00:00"
    library.refresh_flags()
    assert library.search("is:new") == []
    (library.home / "pdfs").mkdir()
    (library.home / "pdfs" / f"{first.id}.pdf").write_bytes(b"%PDF-1.4\n")
    library.refresh_flags()
    assert [library.papers[i].id for i in library.search("has:pdf")] == [first.id]
