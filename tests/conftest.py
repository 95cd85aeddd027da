from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent.parent / "readinglist" / "data" / "seeds"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the developer's real store or config."""
    root = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("READINGLIST_HOME", str(root / "home"))
    monkeypatch.setenv("READINGLIST_CONFIG", str(root / "config.toml"))
    for name in ("READINGLIST_ARXIV_API", "READINGLIST_HF_API", "READINGLIST_S2_API", "READINGLIST_ARXIV_DELAY", "READINGLIST_CONTACT",
                 "READINGLIST_HF_DELAY", "READINGLIST_S2_DELAY", "READINGLIST_TIMEOUT",
                 "READINGLIST_DOI_API", "READINGLIST_ARXIV_PDF", "READINGLIST_ARXIV_RSS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_request_limiter() -> None:
    """The process-wide spacing must not carry one test's requests into the next."""
    from readinglist.core.enrich.client import LIMITER

    LIMITER.reset()


@pytest.fixture(autouse=True)
def _switch_interval_restored():
    """The app sets the interpreter's switch interval while it runs; no test
    may leave it to the next (thread timings would depend on the order)."""
    import sys

    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.fixture
def seeds() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture
def store(tmp_path: Path):
    from readinglist.core.store import Store

    return Store.open(tmp_path / "store", year=2026)
