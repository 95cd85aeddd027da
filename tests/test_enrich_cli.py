"""`readinglist enrich` end to end, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from readinglist.cli import main
from readinglist.core.model import Paper
from readinglist.core.store import Store
from readinglist.core.text import paper_id

FIXTURES = Path(__file__).parent / "fixtures"
TITLES = [
    "Masked Autoencoders that Listen",
    "Demystifying CLIP Data",
    "Segment Anything",
    "Vision Transformers Need Registers",
]
DELAY = 0.2


class FakeServices(http.server.ThreadingHTTPServer):
    """arXiv, Hugging Face and Semantic Scholar under /arxiv, /hf and /s2."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log: list[tuple[float, str, dict[str, str], str]] = []  # (arrival, service, params, user agent)
        self.answer_429_first = True
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def starts(self, service: str) -> list[float]:
        return [t for t, s, _, _ in self.log if s == service]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakeServices
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        service = url.path.split("/")[1]
        with self.server.lock:
            self.server.log.append((time.monotonic(), service, params, self.headers.get("User-Agent", "")))
            first_429 = service == "arxiv" and self.server.answer_429_first
            if first_429:
                self.server.answer_429_first = False
        if first_429:
            return self._send(429, b"slow down", "text/plain", {"Retry-After": "0"})
        if url.path == "/arxiv/api/query":
            name = "arxiv_empty_2026.xml" if "id_list" in params else "batch_three_hits.xml"
            return self._send(200, (FIXTURES / "arxiv" / name).read_bytes(), "application/atom+xml")
        if url.path.startswith("/hf/api/papers/"):
            path = FIXTURES / "hf" / f"paper_{url.path.rsplit('/', 1)[1]}.json"
            if path.is_file():
                return self._send(200, path.read_bytes(), "application/json")
            return self._send(404, (FIXTURES / "hf" / "not_found.json").read_bytes(), "application/json")
        return self._send(404, (FIXTURES / "s2" / "not_found.json").read_bytes(), "application/json")

    def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def services() -> Iterator[FakeServices]:
    server = FakeServices()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    store = Store.open(home, seed=False)
    store.add_papers([Paper(id=paper_id(t), title=t) for t in TITLES])
    return home


def env_for(services: FakeServices, home: Path, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text("[network]\nbatch_size = 2\nbackoff = 0.05\nhf_delay = 0.05\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env |= {
        "READINGLIST_HOME": str(home),
        "READINGLIST_CONFIG": str(config),
        "READINGLIST_ARXIV_API": f"{services.base}/arxiv/api/query",
        "READINGLIST_HF_API": f"{services.base}/hf/api",
        "READINGLIST_S2_API": f"{services.base}/s2/graph/v1",
        "READINGLIST_ARXIV_DELAY": str(DELAY),
        "READINGLIST_CONTACT": "mailto:tests@example.org",
    }
    return env


def test_enrich_end_to_end_fills_the_store_and_keeps_arxivs_pace(
    services: FakeServices, home: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "readinglist", "enrich"],
        capture_output=True,
        text=True,
        env=env_for(services, home, tmp_path),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "resolved by exact title match: 3" in result.stdout
    assert "unresolved:                    1" in result.stdout
    assert "code links found:              2 (on 2 papers)" in result.stdout

    store = Store.open(home)
    sam = store.paper(paper_id("Segment Anything"))
    assert sam is not None and sam.arxiv_id == "2304.02643"
    assert sam.code_links == ["https://github.com/facebookresearch/segment-anything"]
    mae = store.paper(paper_id("Masked Autoencoders that Listen"))
    assert mae is not None and len(mae.authors) == 8 and mae.category == "cs.SD" and mae.date == "2022-07-13"
    registers = store.paper(paper_id("Vision Transformers Need Registers"))
    assert registers is not None and registers.arxiv_id is None
    assert registers.provenance["enrich"]["status"] == "unresolved"

    # Two batches of two titles, the first answered 429 once: three arXiv requests,
    # each starting at least the configured delay after the one before.
    starts = services.starts("arxiv")
    assert len(starts) == 3
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= DELAY - 0.02, gaps
    assert len(services.starts("hf")) == 3
    assert all(ua.startswith("readinglist/") and "tests@example.org" in ua for _, _, _, ua in services.log)


def test_a_second_run_makes_no_request(services: FakeServices, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in env_for(services, home, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["enrich"]) == 0
    count = len(services.log)
    assert main(["enrich", "--all"]) == 0
    assert len(services.log) == count
    out = capsys.readouterr().out
    assert out.count("resolved by exact title match: 3") == 2


def test_nothing_to_do_says_so(services: FakeServices, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in env_for(services, home, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["enrich", "--starred"]) == 0
    assert "Nothing to enrich" in capsys.readouterr().out
    assert services.log == []


def test_limit_and_ids_choose_the_papers(services: FakeServices, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env_for(services, home, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["enrich", "--id", paper_id("Segment Anything")[:6]]) == 0
    store = Store.open(home)
    assert [p.title for p in store.papers() if p.arxiv_id] == ["Segment Anything"]
    assert main(["enrich", "--limit", "1"]) == 0
    assert len([p for p in Store.open(home).papers() if p.arxiv_id]) == 2


def test_offline_is_one_clear_message_exit_1_and_nothing_changed(home: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    before = (home / "corpus.json").read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env |= {
        "READINGLIST_HOME": str(home),
        "READINGLIST_CONFIG": str(tmp_path / "none.toml"),
        "READINGLIST_ARXIV_API": f"http://127.0.0.1:{closed_port}/api/query",
    }
    result = subprocess.run(
        [sys.executable, "-m", "readinglist", "enrich"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("readinglist:")]
    assert len(errors) == 1 and errors[0].startswith("readinglist: error: offline: cannot connect to 127.0.0.1")
    assert "Traceback" not in result.stderr
    assert (home / "corpus.json").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["enrich", "--sources", "arxiv,pwc"], "unknown source 'pwc'"),
        (["enrich", "--limit", "-1"], "--limit must be zero or more"),
        (["enrich", "--sources", "s2"], "s2 needs arxiv in the sources"),
    ],
)
def test_bad_options_are_one_line_errors(home: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("READINGLIST_HOME", str(home))
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("readinglist: error:") and message in err and "\n" not in err


def test_bad_url_in_the_environment_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("READINGLIST_HOME", str(home))
    monkeypatch.setenv("READINGLIST_HF_API", "file:///etc/passwd")
    assert main(["enrich"]) == 1
    assert "READINGLIST_HF_API must be an http(s) URL" in capsys.readouterr().err


def test_query_chooses_the_papers_through_the_filter_language(services: FakeServices, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env_for(services, home, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["enrich", "--query", "title:segment"]) == 0
    assert [p.title for p in Store.open(home).papers() if p.arxiv_id] == ["Segment Anything"]


def test_bad_query_is_a_one_line_error(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("READINGLIST_HOME", str(home))
    assert main(["enrich", "--query", "foo:bar"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("readinglist: error: bad query 'foo:bar'") and "\n" not in err


def test_importing_enrichment_does_not_load_httpx_or_textual() -> None:
    code = (
        "import sys, readinglist.core.enrich, readinglist.core.enrich.runner, readinglist.cli.enrich;"
        "print(sorted(m for m in ('httpx', 'textual') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
