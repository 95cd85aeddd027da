"""``readinglist recommend`` as a user runs it: exit codes, reasons, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def paper_id_of(home: Path, title: str) -> str:
    result = run(home, "list", "--format", "json", "--query", f'title:"{title}"')
    assert result.returncode == 0, result.stderr
    return next(r["id"] for r in json.loads(result.stdout) if r["title"] == title)


def test_like_a_paper_gives_scored_reasoned_papers_of_its_subject(home: Path) -> None:
    pid = paper_id_of(home, "Masked Autoencoders that Listen")
    result = run(home, "recommend", "--like", pid[:6], "--limit", "5", "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    papers = out["papers"]
    assert len(papers) == 5 and pid not in {p["id"] for p in papers}
    assert [p["score"] for p in papers] == sorted((p["score"] for p in papers), reverse=True)
    assert all(p["reasons"] for p in papers)
    # The audio and masked-autoencoder papers of the built-in corpus come first.
    assert any("audio" in p["reasons"] for p in papers[:2])
    assert any("Audio" in p["title"] for p in papers[:3])


def test_starred_is_the_default_and_needs_a_star(home: Path) -> None:
    result = run(home, "recommend")
    assert result.returncode == 1 and "no paper is starred" in result.stderr
    pid = paper_id_of(home, "Demystifying CLIP Data")
    assert run(home, "star", pid).returncode == 0
    result = run(home, "recommend", "--limit", "3")
    assert result.returncode == 0, result.stderr
    assert "like the starred paper" in result.stdout and "clip" in result.stdout.lower()


def test_query_limits_the_papers_ranked(home: Path) -> None:
    result = run(home, "recommend", "--text", "audio spectrogram speech", "--query", "year:2022", "--format", "json")
    assert result.returncode == 0, result.stderr
    papers = json.loads(result.stdout)["papers"]
    assert papers[0]["title"] == "Masked Autoencoders that Listen"
    assert all(p["year"] == 2022 for p in papers)
    everything = json.loads(run(home, "recommend", "--text", "audio spectrogram speech", "--format", "json").stdout)["papers"]
    assert any(p["year"] != 2022 for p in everything)
    assert run(home, "recommend", "--text", "audio", "--query", "year:").returncode == 1


def test_tag_profile_and_unknown_tag(home: Path) -> None:
    assert run(home, "recommend", "--tag", "robots").returncode == 1
    pid = paper_id_of(home, "Masked Autoencoders that Listen")
    assert run(home, "tag", pid, "+listening").returncode == 0
    result = run(home, "recommend", "--tag", "listening", "--limit", "3")
    assert result.returncode == 0 and "tagged listening" in result.stdout
    assert run(home, "recommend", "--tag", "x", "--like", pid).returncode == 2  # one kind of "like" at a time


def test_help_names_every_kind_of_like(home: Path) -> None:
    result = run(home, "recommend", "--help")
    assert result.returncode == 0
    for option in ("--like", "--tag", "--starred", "--text", "--query", "--limit", "--format"):
        assert option in result.stdout
