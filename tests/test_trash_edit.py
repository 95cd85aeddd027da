"""Removing, restoring and editing papers; starting without the built-in corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readinglist.cli import main
from readinglist.core.enrich.runner import run_enrichment
from readinglist.core.errors import UserError
from readinglist.core.store import Store, bundled_listings
from tests.library_services import SETTINGS, Services


def test_a_removed_paper_keeps_its_annotations_in_the_trash_and_comes_back(store: Store) -> None:
    first, second = store.papers()[:2]
    store.set_star(first.id, True)
    store.set_note(first.id, "important")
    total = len(store.papers())
    assert store.remove_papers([first.id, second.id, "nonexistent"]) == [first.id, second.id]
    assert len(store.papers()) == total - 2 and store.paper(first.id) is None
    assert first.id not in store.annotations()  # its tags no longer show in the app
    trashed = {item.paper.id: item for item in store.trash()}
    assert trashed[first.id].annotation is not None and trashed[first.id].annotation.note == "important"
    assert store.restore_papers([first.id]) == [first.id]
    assert store.paper(first.id) is not None
    assert store.annotation(first.id).note == "important" and store.annotation(first.id).star
    assert [item.paper.id for item in store.trash()] == [second.id]


def test_the_trash_survives_reimport_and_an_upgrade(store: Store, tmp_path: Path) -> None:
    victim = store.papers()[0]
    store.remove_papers([victim.id])
    reports = store.import_files(bundled_listings())  # what an upgrade re-seeding would do
    assert sum(r.trashed for r in reports) == 1
    assert store.paper(victim.id) is None
    reopened = Store.open(store.home)  # and from another process
    assert reopened.paper(victim.id) is None and [i.paper.id for i in reopened.trash()] == [victim.id]
    # The same paper under another name (an arXiv record with its title) stays removed too.
    bib = tmp_path / "victim.bib"
    bib.write_text(f"@misc{{v, title={{{victim.title.upper()}}}}}", encoding="utf-8")
    (report,) = store.import_files([bib])
    assert (report.trashed, report.new) == (1, 0)


def test_emptying_the_trash_is_explicit_and_final(store: Store) -> None:
    pids = [p.id for p in store.papers()[:3]]
    store.remove_papers(pids)
    assert store.empty_trash([pids[0]]) == 1
    assert store.empty_trash() == 2
    assert store.trash() == [] and store.restore_papers(pids) == []


def test_an_edited_title_keeps_the_id_and_survives_reimport(store: Store) -> None:
    paper = store.papers()[0]
    store.set_tags(paper.id, ["keep"])
    edited = store.edit_paper(paper.id, {"title": "My Better Title", "authors": "Ada Lovelace; Alan Turing", "year": "2019"})
    assert (edited.id, edited.title, edited.authors, edited.date) == (paper.id, "My Better Title", ["Ada Lovelace", "Alan Turing"], "2019")
    assert edited.edited("title") and edited.edited("authors") and edited.edited("date")
    before = len(store.papers())
    store.import_files(bundled_listings())
    again = store.paper(paper.id)
    assert again is not None and len(store.papers()) == before
    assert (again.title, again.authors, again.date) == ("My Better Title", ["Ada Lovelace", "Alan Turing"], "2019")
    assert store.annotation(paper.id).tags == ["keep"]


def test_an_edited_paper_keeps_its_fields_through_enrichment(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s", seed=False)
    from readinglist.core.adding import add_things

    services = Services()
    (outcome,) = add_things(store, ["2304.02643"], SETTINGS, client=services.client())
    pid = outcome.paper_id or ""
    store.edit_paper(pid, {"title": "SAM (edited)", "authors": "Only Me", "doi": "10.1000/mine"})
    with services.client() as client:
        run_enrichment(store, store.papers(), SETTINGS, client=client, sources=("arxiv",), refresh=True)
    paper = store.paper(pid)
    assert paper is not None
    assert (paper.title, paper.authors, paper.doi) == ("SAM (edited)", ["Only Me"], "10.1000/mine")
    assert paper.arxiv_id == "2304.02643"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "--title cannot be empty"),
        ({"year": "20x1"}, "--year must be YYYY"),
        ({"arxiv": "not-an-id"}, "is not an arXiv id"),
        ({"doi": "11.2/x"}, "is not a DOI"),
        ({"url": "javascript:alert(1)"}, "not an http"),
        ({"code": ["file:///etc/passwd"]}, "not an http"),
        ({"key": "has space"}, "--key"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(store: Store, fields: dict[str, object], message: str) -> None:
    paper = store.papers()[0]
    with pytest.raises(UserError, match=message):
        store.edit_paper(paper.id, fields)
    assert store.paper(paper.id) == paper


def cli(home: Path, *args: str) -> int:
    return main([*args, "--home", str(home)])


def test_cli_remove_trash_restore_edit_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    assert cli(home, "init") == 0
    store = Store.open(home)
    pid = store.papers()[0].id
    capsys.readouterr()
    assert cli(home, "edit", pid, "--title", "Fixed Title", "--arxiv", "arXiv:2304.07193v2", "--code", "https://github.com/a/b") == 0
    assert cli(home, "show", pid) == 0
    shown = capsys.readouterr().out
    assert "Fixed Title" in shown and "https://arxiv.org/abs/2304.07193" in shown
    assert "edited:" in shown and "title" in shown.split("edited:")[1].splitlines()[0]
    assert cli(home, "remove", pid[:6], "zzzzzzz") == 1  # the unknown id is reported, the known one removed
    out = capsys.readouterr()
    assert f"removed {pid}" in out.out and "zzzzzzz" in out.err
    assert cli(home, "trash", "--format", "json") == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [pid]
    assert cli(home, "restore", pid[:5]) == 0
    assert f"restored {pid}" in capsys.readouterr().out


def test_init_empty_and_config_without_builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(tmp_path / "a", "init", "--empty") == 0
    assert Store.open(tmp_path / "a").papers() == []
    assert cli(tmp_path / "a", "init") == 1  # never over an existing store
    config = tmp_path / "config.toml"
    config.write_text("builtin_corpus = false\n", encoding="utf-8")
    monkeypatch.setenv("READINGLIST_CONFIG", str(config))
    assert cli(tmp_path / "b", "list") == 0
    assert "0 papers" in capsys.readouterr().out


def test_remove_builtin_keeps_annotated_and_imported_papers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    store = Store.open(home)
    starred, noted = store.papers()[0], store.papers()[1]
    store.set_star(starred.id, True)
    store.set_status(noted.id, "reading")
    mine = tmp_path / "mine.bib"
    mine.write_text("@misc{m, title={A Paper of My Own}}", encoding="utf-8")
    store.import_files([mine])
    assert cli(home, "remove", "--builtin") == 0
    left = {p.id for p in Store.open(home).papers()}
    assert left == {starred.id, noted.id, next(p.id for p in store.papers() if p.title == "A Paper of My Own")}
    assert "papers to the trash" in capsys.readouterr().out


def test_import_of_an_arxiv_url_points_to_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(tmp_path / "home", "import", "https://arxiv.org/abs/2304.07193") == 1
    assert "readinglist add https://arxiv.org/abs/2304.07193" in capsys.readouterr().err
