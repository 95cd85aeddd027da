"""`readinglist search save|list|rm`, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "READINGLIST_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "readinglist", *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def saved(home: Path) -> list[dict[str, str]]:
    result = run(home, "search", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_save_list_remove_round_trip(home: Path) -> None:
    result = run(home, "search", "save", "clip 2023", "title:clip year:2023")
    assert result.returncode == 0, result.stderr
    assert "clip 2023" in result.stdout and "title:clip year:2023" in result.stdout
    assert run(home, "search", "save", "vision", "tag:vision").returncode == 0

    assert saved(home) == [{"name": "clip 2023", "query": "title:clip year:2023"}, {"name": "vision", "query": "tag:vision"}]
    table = run(home, "search", "list").stdout.splitlines()
    assert table[0].split() == ["name", "query"]
    assert any(line.startswith("clip 2023") and line.endswith("title:clip year:2023") for line in table)

    result = run(home, "search", "rm", "clip 2023")
    assert result.returncode == 0 and "clip 2023" in result.stdout
    assert [s["name"] for s in saved(home)] == ["vision"]
    assert run(home, "search", "rm", "vision").returncode == 0
    assert saved(home) == []
    assert "no saved searches" in run(home, "search", "list").stdout


def test_bad_query_is_one_line_with_its_column_and_saves_nothing(home: Path) -> None:
    result = run(home, "search", "save", "broken", "year:2023 title:")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("readinglist: error:") and "column" in lines[0]
    assert saved(home) == []


def test_saving_the_same_name_again_replaces_it(home: Path) -> None:
    assert run(home, "search", "save", "mine", "is:starred").returncode == 0
    result = run(home, "search", "save", "mine", "tag:reading")
    assert result.returncode == 0 and "replaced" in result.stdout
    assert saved(home) == [{"name": "mine", "query": "tag:reading"}]


def test_removing_an_unknown_name_is_one_line(home: Path) -> None:
    result = run(home, "search", "rm", "nothing")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and "nothing" in result.stderr


def test_a_name_never_reaches_the_terminal_as_escape_sequences(home: Path) -> None:
    assert run(home, "search", "save", "\x1b[31mred\x1b[0m", "title:clip").returncode == 0
    for args in (("search", "list"), ("search", "list", "--format", "json")):
        result = run(home, *args)
        assert result.returncode == 0 and "\x1b" not in result.stdout and "red" in result.stdout


def test_search_without_an_action_is_a_usage_error(home: Path) -> None:
    result = run(home, "search")
    assert result.returncode == 2 and "usage: readinglist search" in result.stderr


def test_a_query_that_starts_with_a_minus_goes_after_the_double_dash(home: Path) -> None:
    assert run(home, "search", "save", "no diffusion", "--", "-diffusion").returncode == 0
    assert saved(home) == [{"name": "no diffusion", "query": "-diffusion"}]
