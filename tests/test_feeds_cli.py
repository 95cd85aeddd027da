"""`readinglist fetch` end to end, against stand-ins on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist.cli import main
from readinglist.core.store import Store
from tests.feeds_fakes import DEFAULT_HF_DAY, FakeFeeds, LoopbackFeeds

DELAY = 0.25
FEEDS = '[feeds]\nhf_daily = true\narxiv = ["cs.CV"]\nhf_page_size = 2\narxiv_page_size = 2\n'
NETWORK = "[network]\nbackoff = 0.05\nhf_delay = 0.05\n"


@pytest.fixture
def feeds() -> Iterator[LoopbackFeeds]:
    with LoopbackFeeds() as server:
        yield server


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(FEEDS + NETWORK, encoding="utf-8")
    return path


def use(monkeypatch: pytest.MonkeyPatch, feeds: LoopbackFeeds, home: Path, config: Path) -> None:
    for key, value in feeds.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("READINGLIST_HOME", str(home))
    monkeypatch.setenv("READINGLIST_CONFIG", str(config))
    monkeypatch.setenv("READINGLIST_ARXIV_DELAY", "0")
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_fetch_json_reports_each_source(feeds: LoopbackFeeds, tmp_path: Path, config: Path,
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    use(monkeypatch, feeds, tmp_path / "home", config)
    assert main(["fetch", "hf", "--date", "2026-11-30", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sources"] == [
        {"source": "hf", "categories": [], "requested": ["2026-11-30"], "fetched": 3, "added": 2, "merged": 1,
         "skipped": 0, "errors": []}
    ]


def test_fetch_dry_run_lists_the_papers_and_changes_nothing(feeds: LoopbackFeeds, tmp_path: Path, config: Path,
                                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    use(monkeypatch, feeds, home, config)
    Store.open(home)
    before = (home / "corpus.json").read_bytes()
    assert main(["fetch", "arxiv", "cs.CV", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Would add:" in out and "Token Merging Revisited" in out
    assert (home / "corpus.json").read_bytes() == before


def test_a_failing_source_is_named_and_exit_is_1(feeds: LoopbackFeeds, tmp_path: Path, config: Path,
                                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    feeds.fake.hf_status = 503
    use(monkeypatch, feeds, tmp_path / "home", config)
    assert main(["fetch"]) == 1
    captured = capsys.readouterr()
    assert "failed: Hugging Face latest: HTTP 503" in captured.out
    assert captured.err.strip() == "readinglist: error: hf failed; the other sources' papers were kept"
    assert len([p for p in Store.open(tmp_path / "home").papers() if p.listed]) == 2  # arXiv's new and cross


@pytest.mark.parametrize(
    ("args", "feeds_config", "message"),
    [
        (["fetch", "hf", "cs.CV"], FEEDS, "categories go with the arxiv source"),
        (["fetch", "arxiv", "cs.CV", "--days", "0"], FEEDS, "--days must be from 1 to 366"),
        (["fetch", "arxiv", "Not A Category"], FEEDS, "is not an arXiv category"),
        (["fetch"], "[feeds]\nhf_daily = false\n", "no subscriptions"),
        (["fetch"], '[feeds]\nannounce = ["fresh"]\n', "unknown type 'fresh'"),
        (["fetch"], "[feeds]\nhf_daily = 'yes'\n", "must be true or false"),
    ],
)
def test_bad_options_and_config_are_one_line_errors(tmp_path: Path, args: list[str], feeds_config: str, message: str,
                                                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(feeds_config, encoding="utf-8")
    monkeypatch.setenv("READINGLIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("READINGLIST_CONFIG", str(config))
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("readinglist: error:") and message in err and "\n" not in err


def _env(feeds: LoopbackFeeds | None, home: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env |= {"READINGLIST_HOME": str(home), "READINGLIST_CONFIG": str(config), "READINGLIST_ARXIV_DELAY": str(DELAY)}
    return env | (feeds.env() if feeds else {})


def test_offline_is_one_line_exit_1_and_nothing_changed(tmp_path: Path, config: Path) -> None:
    home = tmp_path / "home"
    Store.open(home)
    before = (home / "corpus.json").read_bytes()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = _env(None, home, config) | {
        "READINGLIST_ARXIV_API": f"{closed}/api/query", "READINGLIST_HF_API": f"{closed}/api", "READINGLIST_ARXIV_RSS": f"{closed}/rss",
    }
    result = subprocess.run([sys.executable, "-m", "readinglist", "fetch"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("readinglist: error: offline: cannot connect to 127.0.0.1") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (home / "corpus.json").read_bytes() == before and not (home / "feeds.json").exists()


def test_a_whole_fetch_keeps_arxivs_pace_and_one_connection(tmp_path: Path, config: Path) -> None:
    """RSS, a paged API backfill and the id look-ups all count against arXiv's one limit."""
    home = tmp_path / "home"
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    with LoopbackFeeds(FakeFeeds(hf_days={today: list(DEFAULT_HF_DAY)}), slow=0.05) as feeds:
        result = subprocess.run(
            [sys.executable, "-m", "readinglist", "fetch", "--days", "3"],
            capture_output=True, text=True, env=_env(feeds, home, config), timeout=120,
        )
        log = list(feeds.fake.log)
        overlap = feeds.overlap
    assert result.returncode == 0, result.stderr
    arxiv = sorted(t for t, service, _, _ in log if service in ("arxiv", "rss"))
    kinds = [(service, "id_list" in params) for _, service, _, params in log if service in ("arxiv", "rss")]
    assert ("rss", False) in kinds and ("arxiv", True) in kinds and kinds.count(("arxiv", False)) == 3
    gaps = [b - a for a, b in zip(arxiv, arxiv[1:])]
    assert min(gaps) >= DELAY, gaps  # each request starts at least the delay after the previous answer
    assert overlap == 1
    store = Store.open(home)
    assert len([p for p in store.papers() if p.listed]) == 9
    assert "Hugging Face daily papers" in result.stdout and "arXiv cs.CV" in result.stdout


def test_a_fetch_is_in_the_history_and_undo_takes_its_new_papers_back(
    feeds: LoopbackFeeds, tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    use(monkeypatch, feeds, home, config)
    before = {p.id for p in Store.open(home).papers()}
    assert main(["fetch", "hf", "--date", "2026-11-30"]) == 0
    new = {p.id for p in Store.open(home, backup=False).papers()} - before
    assert len(new) == 2
    capsys.readouterr()
    assert main(["log"]) == 0
    assert "2 papers added (import or fetch)" in capsys.readouterr().out
    assert main(["undo"]) == 0
    assert "2 added papers moved to the trash" in capsys.readouterr().out
    store = Store.open(home, backup=False)
    assert {p.id for p in store.papers()} == before  # the papers the fetch merged into are still there
    assert {item.paper.id for item in store.trash()} == new
