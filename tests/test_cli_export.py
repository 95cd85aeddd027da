"""`readinglist export` end to end, and the file rules it relies on."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest

from readinglist.cli import main
from readinglist.core.errors import UserError
from readinglist.core.export import assign_keys, base_key, write_export
from readinglist.core.store import Store


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("READINGLIST_HOME", str(home))
    monkeypatch.setenv("READINGLIST_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def store(home) -> Store:
    store = Store.open(home)
    papers = store.papers()
    for paper in papers[:3]:
        store.set_star(paper.id, True)
    store.set_status(papers[0].id, "reading")
    store.set_tags(papers[1].id, ["audio"])
    store.set_tags(papers[5].id, ["audio", "later"])
    store.set_note(papers[1].id, "Check the *ablation*")
    return store


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def keys_of(text: str) -> list[str]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return [entry.key for entry in library.entries]


def test_default_scope_is_starred_papers_on_stdout(store, capsys):
    code, out, err = run(capsys, "--format", "bib")
    assert code == 0 and err == ""
    starred = [p for p in store.papers() if store.annotation(p.id).star]
    assert keys_of(out) == [base_key(p) for p in starred]


def test_markdown_on_stdout_groups_starred_papers_by_status(store, capsys):
    code, out, _ = run(capsys, "--format", "md")
    assert code == 0
    assert out.startswith("# Reading list: starred papers\n\n3 papers\n")
    assert "## Reading (1)" in out and "## Unread (2)" in out
    assert "> Check the *ablation*" in out  # the note is the user's own Markdown


def test_tag_and_all_scopes(store, capsys):
    _, out, _ = run(capsys, "--format", "bib", "--tag", "AUDIO")
    assert len(keys_of(out)) == 2
    _, out, _ = run(capsys, "--format", "bib", "--all")
    assert len(keys_of(out)) == len(store.papers())


def test_markdown_options_reach_the_output(store, capsys):
    code, out, _ = run(capsys, "--format", "md", "--tag", "audio", "--group-by", "tag", "--abstracts", "--title", "Audio")
    assert code == 0
    assert out.startswith("# Audio\n\n2 papers\n")
    assert "## audio (2)" in out and "## later (1)" in out
    abstract_start = store.papers()[5].abstract[:40]
    assert abstract_start in out


def test_output_file_is_written_and_never_replaced_without_force(store, capsys, tmp_path):
    target = tmp_path / "refs.bib"
    code, out, _ = run(capsys, "-o", str(target))  # format from the extension
    assert code == 0
    assert out.strip() == f"wrote 3 papers to {target}"
    assert len(keys_of(target.read_text())) == 3

    target.write_text("my own bibliography\n")
    code, out, err = run(capsys, "--all", "-o", str(target))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and str(target) in err and "--force" in err
    assert target.read_text() == "my own bibliography\n"

    code, _, _ = run(capsys, "--all", "-o", str(target), "--force")
    assert code == 0
    assert len(keys_of(target.read_text())) == len(store.papers())


def test_append_skips_papers_already_in_the_file_and_keeps_keys_unique(store, capsys, tmp_path):
    target = tmp_path / "refs.bib"
    first_starred = next(p for p in store.papers() if store.annotation(p.id).star)
    existing = f"@article{{{base_key(first_starred)},\n  title = {{Someone else's paper}},\n}}\n"
    target.write_text(existing)

    code, out, _ = run(capsys, "--append", str(target))
    assert code == 0 and out.strip() == f"appended 3 papers to {target}"
    text = target.read_text()
    assert text.startswith(existing)
    keys = keys_of(text)
    assert len(keys) == 4 and len(set(keys)) == 4
    assert f"{base_key(first_starred)}a" in keys

    # Appending the same papers again adds nothing and says so.
    code, out, _ = run(capsys, "--append", str(target))
    assert out.strip() == f"appended 0 papers to {target}; skipped 3 papers already in it"
    assert target.read_text() == text


def test_keys_are_stored_at_first_export_and_kept(store, capsys, tmp_path):
    code, out, _ = run(capsys, "--format", "bib")
    first = keys_of(out)
    stored = {p.id: p.citation_key for p in Store.open(store.home).papers() if p.citation_key}
    assert sorted(stored.values()) == sorted(first)
    code, out, _ = run(capsys, "--format", "csl")
    assert [item["id"] for item in json.loads(out)] == first


def test_append_creates_a_missing_file(store, capsys, tmp_path):
    target = tmp_path / "list.md"
    code, _, _ = run(capsys, "--append", str(target))
    assert code == 0
    assert target.read_text().startswith("# Reading list: starred papers")


def test_missing_directories_are_refused_not_created(store, capsys, tmp_path):
    target = tmp_path / "a" / "b" / "out.bib"
    code, out, err = run(capsys, "-o", str(target))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "does not exist" in err
    assert not (tmp_path / "a").exists()


def test_nothing_in_scope_is_a_one_line_error(store, capsys, tmp_path):
    code, out, err = run(capsys, "--format", "bib", "--tag", "no-such-tag", "-o", str(tmp_path / "x.bib"))
    assert code == 1 and out == ""
    assert err == "readinglist: error: nothing to export: no paper has the tag 'no-such-tag'\n"
    assert not (tmp_path / "x.bib").exists()


def test_format_must_be_known(store, capsys, tmp_path):
    code, _, err = run(capsys, "-o", str(tmp_path / "list.txt"))
    assert code == 1 and "--format bib, biblatex, csl, ris or md" in err
    code, _, err = run(capsys, "--format", "bib", "--group-by", "tag")
    assert code == 1 and "--format md" in err


def test_scopes_are_exclusive(store, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--format", "bib", "--all", "--tag", "x"])
    assert exc.value.code == 2


def test_query_scope_exports_what_list_shows_in_the_same_order(store, capsys):
    import json

    assert main(["list", "--query", "autoencoders", "--format", "json"]) == 0
    listed = [record["id"] for record in json.loads(capsys.readouterr().out)]
    by_id = {p.id: p for p in store.papers()}
    expected = [by_id[pid] for pid in listed]
    assert 0 < len(expected) < len(store.papers())
    code, out, _ = run(capsys, "--format", "bib", "--query", "autoencoders")
    assert code == 0
    keys = assign_keys(expected).keys
    assert keys_of(out) == [keys[p.id] for p in expected]


def test_directory_as_target_is_a_one_line_error(store, capsys, tmp_path):
    code, _, err = run(capsys, "--format", "md", "-o", str(tmp_path))
    assert code == 1 and "is a directory" in err


# --- write_export ------------------------------------------------------------


def test_write_export_refuses_to_replace_without_force(tmp_path):
    target = tmp_path / "out.md"
    write_export(target, "one\n")
    with pytest.raises(UserError, match="already exists"):
        write_export(target, "two\n")
    assert target.read_text() == "one\n"
    write_export(target, "two\n", force=True)
    assert target.read_text() == "two\n"


def test_write_export_append_separates_with_a_blank_line(tmp_path):
    target = tmp_path / "out.bib"
    target.write_text("@misc{a,\n}")
    write_export(target, "@misc{b,\n}\n", append=True)
    assert target.read_text() == "@misc{a,\n}\n\n@misc{b,\n}\n"
    write_export(target, "@misc{c,\n}\n", append=True)
    assert target.read_text() == "@misc{a,\n}\n\n@misc{b,\n}\n\n@misc{c,\n}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bib"]  # no temporary file left behind


def test_write_export_will_not_append_to_binary_file(tmp_path):
    target = tmp_path / "out.bib"
    target.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(UserError, match="not UTF-8"):
        write_export(target, "x", append=True)
    assert target.read_bytes() == b"\xff\xfe\x00binary"


def test_markdown_append_skips_papers_already_listed(store, capsys, tmp_path):
    target = tmp_path / "reading-group.md"
    code, out, _ = run(capsys, "--format", "md", "--append", str(target))
    assert code == 0 and out.strip() == f"appended 3 papers to {target}"
    text = target.read_text()
    # The same starred list again (next week's meeting): nothing is listed twice.
    code, out, _ = run(capsys, "--format", "md", "--append", str(target))
    assert out.strip() == f"appended 0 papers to {target}; skipped 3 papers already in it"
    assert target.read_text() == text
    # One more starred paper: only it is added.
    extra = store.papers()[7]
    store.set_star(extra.id, True)
    code, out, _ = run(capsys, "--format", "md", "--append", str(target))
    assert out.strip() == f"appended 1 paper to {target}; skipped 3 papers already in it"
    assert target.read_text().startswith(text) and target.read_text().count("\n- [") == 4
