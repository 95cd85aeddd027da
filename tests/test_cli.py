"""The command line, run as a user runs it: a subprocess, exit codes, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from readinglist import __version__


def run(home: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "READINGLIST_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "readinglist", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=full_env,
        timeout=60,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def first_id(home: Path, query: str = "") -> str:
    result = run(home, "list", "--format", "json", *(["--query", query] if query else []))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[0]["id"]


def test_version_and_help_on_every_command(home: Path) -> None:
    assert run(home, "--version").stdout.strip() == f"readinglist {__version__}"
    for command in ("import", "list", "show", "star", "unstar", "status", "tag", "note", "export", "enrich", "doctor"):
        result = run(home, command, "--help")
        assert result.returncode == 0 and "usage: readinglist" in result.stdout, command


def test_usage_error_exits_2(home: Path) -> None:
    result = run(home, "status", "abc", "finished")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_list_json_carries_every_field(home: Path) -> None:
    result = run(home, "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 413
    clip = next(r for r in records if r["title"] == "Demystifying CLIP Data")
    for key in ("id", "title", "authors", "affiliations", "category", "date", "year", "has_code", "links", "sources", "star", "status", "tags", "note"):
        assert key in clip
    assert clip["authors"][:2] == ["Hu Xu", "Saining Xie"] and clip["year"] == 2023
    assert clip["links"]["code"] == ["https://github.com/facebookresearch/MetaCLIP"]
    assert len(clip["sources"]) == 2


def test_star_status_tag_note_round_trip(home: Path) -> None:
    pid = first_id(home)
    assert run(home, "star", pid[:5]).returncode == 0
    assert run(home, "status", pid, "reading").returncode == 0
    result = run(home, "tag", pid, "+vision", "+to read", "-nothing")
    assert result.returncode == 0, result.stderr
    assert run(home, "note", pid, "Line one [bold]not markup[/bold]").returncode == 0
    shown = json.loads(run(home, "show", pid, "--format", "json").stdout)
    assert (shown["star"], shown["status"], shown["note"]) == (True, "reading", "Line one [bold]not markup[/bold]")
    assert shown["tags"] == ["vision", "to-read"]
    starred = json.loads(run(home, "list", "--starred", "--format", "json").stdout)
    assert [r["id"] for r in starred] == [pid]
    assert run(home, "unstar", pid).returncode == 0
    assert json.loads(run(home, "list", "--starred", "--format", "json").stdout) == []


def test_tag_removal_and_note_from_stdin(home: Path) -> None:
    pid = first_id(home)
    run(home, "tag", pid, "+a", "+b")
    result = run(home, "tag", pid, "-a")
    assert result.returncode == 0 and "tags: b" in result.stdout
    assert run(home, "note", pid, "-", stdin="from stdin\n").returncode == 0
    assert json.loads(run(home, "show", pid, "--format", "json").stdout)["note"] == "from stdin"


def test_note_edit_uses_editor(home: Path, tmp_path: Path) -> None:
    pid = first_id(home)
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "edited in editor" > "$1"\n')
    editor.chmod(0o755)
    result = run(home, "note", pid, "--edit", env={"EDITOR": str(editor), "VISUAL": ""})
    assert result.returncode == 0, result.stderr
    assert json.loads(run(home, "show", pid, "--format", "json").stdout)["note"] == "edited in editor"


def test_unknown_id_is_a_one_line_error(home: Path) -> None:
    result = run(home, "star", "nosuchid")
    assert result.returncode == 1
    assert result.stderr.strip() == "readinglist: error: no paper has id 'nosuchid'; `readinglist list` shows the ids"
    assert "Traceback" not in result.stderr


def test_show_text_names_unresolved_arxiv_and_links(home: Path) -> None:
    pid = first_id(home, 'title:"demystifying clip data"')
    result = run(home, "show", pid)
    assert result.returncode == 0
    assert "Demystifying CLIP Data" in result.stdout
    assert "arXiv:       not resolved" in result.stdout
    assert "https://github.com/facebookresearch/MetaCLIP" in result.stdout


def test_import_reports_per_file_and_bad_files_do_not_block_good_ones(home: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(
        "new\n\nSubscribe\n\nAug 11\n\nA Brand New Paper\n\n"
        + "We study things in depth. We find that they work. Our code is at https://github.com/x/y and we hope it helps.\n",
        encoding="utf-8",
    )
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\xff\x00")
    result = run(home, "import", str(binary), str(good), str(tmp_path))
    assert result.returncode == 1
    assert f"{binary}: error: is a binary file" in result.stderr
    assert f"{tmp_path}: error: is a directory" in result.stderr
    assert "good.txt: daily listing, 1 parsed, 1 new, 0 merged" in result.stdout
    assert "Traceback" not in result.stderr
    records = json.loads(run(home, "list", "--format", "json").stdout)
    assert len(records) == 414


def test_corrupt_store_is_reported_and_untouched(home: Path) -> None:
    assert run(home, "list", "--format", "tsv").returncode == 0
    corpus = home / "corpus.json"
    corpus.write_text("{not json")
    result = run(home, "list")
    assert result.returncode == 1
    assert str(corpus) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert corpus.read_text() == "{not json"


def test_list_tsv_and_table(home: Path) -> None:
    tsv = run(home, "list", "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:3] == ["id", "star", "status"] and len(tsv) == 414
    table = run(home, "list", "--query", "title:clip")
    assert table.returncode == 0 and "CLIP" in table.stdout and "papers" in table.stdout


def test_bad_query_is_a_user_error(home: Path) -> None:
    result = run(home, "list", "--query", 'title:"unclosed')
    assert result.returncode == 1 and result.stderr.startswith("readinglist: error: bad query")


def test_home_option_overrides_environment(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert run(home, "--home", str(other), "list", "--format", "tsv").returncode == 0
    assert (other / "corpus.json").exists() and not home.exists()


def test_text_output_never_carries_terminal_escape_sequences(home: Path) -> None:
    pid = first_id(home)
    evil = "see \x1b]52;c;ZXZpbA==\x07 and \x1b[2J now\u202e"
    assert run(home, "note", pid, evil).returncode == 0
    assert run(home, "tag", pid, "+x\x1b[31m").returncode == 0
    for args in (("show", pid), ("list", "--format", "tsv"), ("list",)):
        result = run(home, *args)
        assert result.returncode == 0
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout, args
    shown = run(home, "show", pid).stdout
    assert "see  and  now" in shown


@pytest.mark.parametrize("command", [["list"], ["doctor"], ["show", "abc"], ["star", "abc"], ["export", "--format", "md"], ["enrich", "--limit", "0"]])
def test_an_invalid_config_file_stops_every_command_the_same_way(home: Path, tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "gruvbox"\n[keymap\npaper.star = "x"\n', encoding="utf-8")
    result = run(home, *command, env={"READINGLIST_CONFIG": str(config)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(config) in lines[0] and "line 2" in lines[0], result.stderr
    assert config.read_text(encoding="utf-8").startswith('theme = "gruvbox"')  # never rewritten


def test_paper_verbs_take_several_ids_or_a_query(home: Path) -> None:
    result = run(home, "list", "--query", "title:clip", "--format", "json")
    clip = [r["id"] for r in json.loads(result.stdout)]
    assert len(clip) > 3
    assert run(home, "status", clip[0], clip[1], "reading").returncode == 0
    assert run(home, "tag", "--query", "title:clip", "+Vision", "+reading group").returncode == 0
    assert run(home, "star", "--query", "title:clip is:reading").returncode == 0
    records = {r["id"]: r for r in json.loads(run(home, "list", "--format", "json").stdout)}
    assert [pid for pid in clip if records[pid]["status"] == "reading"] == clip[:2]
    assert all(records[pid]["tags"] == ["Vision", "reading-group"] for pid in clip)
    assert sorted(pid for pid, r in records.items() if r["star"]) == sorted(clip[:2])
    # One tag rule: +vision on a paper tagged Vision keeps one tag; tag:"reading group" finds it.
    assert run(home, "tag", clip[0], "+vision").returncode == 0
    assert json.loads(run(home, "show", clip[0], "--format", "json").stdout)["tags"] == ["Vision", "reading-group"]
    found = json.loads(run(home, "list", "--query", 'tag:"reading group"', "--format", "json").stdout)
    assert sorted(r["id"] for r in found) == sorted(clip)


def test_list_shows_whole_ids_at_any_width_and_does_not_cut_piped_lines(home: Path) -> None:
    ids = [r["id"] for r in json.loads(run(home, "list", "--format", "json").stdout)]
    for columns in ("80", "100"):
        table = run(home, "list", env={"COLUMNS": columns}).stdout
        assert all(pid in table for pid in ids[:20])
    piped = run(home, "list", "--query", "title:calibration").stdout.splitlines()
    assert any("Why Multi-Source Mixing Matters for High-Sparsity LLM Pruning" in line for line in piped)


def test_json_has_code_agrees_with_has_code(home: Path) -> None:
    records = json.loads(run(home, "list", "--format", "json").stdout)
    with_code = {r["id"] for r in json.loads(run(home, "list", "--query", "has:code", "--format", "json").stdout)}
    assert {r["id"] for r in records if r["has_code"]} == with_code


def test_remove_and_edit_are_in_the_history_and_undo_takes_them_back(home: Path) -> None:
    pid = first_id(home)
    title = json.loads(run(home, "show", pid, "--format", "json").stdout)["title"]
    assert run(home, "edit", pid, "--title", "Fixed by hand").returncode == 0
    assert run(home, "remove", pid).returncode == 0
    log = run(home, "log").stdout
    assert "trashed" in log and "paper.title" in log
    assert run(home, "undo").returncode == 0  # the removal
    assert run(home, "show", pid).returncode == 0
    assert run(home, "undo").returncode == 0  # the edit
    assert json.loads(run(home, "show", pid, "--format", "json").stdout)["title"] == title


def test_an_import_is_one_history_entry_and_undo_moves_its_new_papers_to_the_trash(home: Path, tmp_path: Path) -> None:
    pid = first_id(home)
    assert run(home, "star", pid).returncode == 0
    bib = tmp_path / "two.bib"
    bib.write_text(
        "@article{one, title={Sparse Kernels for Reading Lists}, author={Ada Lovelace}, year={2024}}\n"
        "@article{two, title={Dense Kernels for Reading Lists}, author={Alan Turing}, year={2023}}\n",
        encoding="utf-8",
    )
    assert run(home, "import", str(bib)).returncode == 0
    listed = json.loads(run(home, "list", "--format", "json", "--query", "kernels").stdout)
    assert len(listed) == 2
    log = run(home, "log").stdout.splitlines()
    assert "2 papers added (import or fetch)" in log[-1]
    assert len(log) == 2  # the star, then the whole import as one entry
    assert any(listed[0]["id"] in line for line in run(home, "log", listed[0]["id"]).stdout.splitlines())
    undone = run(home, "undo")
    assert undone.returncode == 0 and "2 added papers moved to the trash" in undone.stdout
    assert json.loads(run(home, "list", "--format", "json", "--query", "kernels").stdout) == []
    assert {p["id"] for p in listed} <= set(run(home, "trash").stdout.split())
    assert json.loads(run(home, "show", pid, "--format", "json").stdout)["star"]  # the older change stays
