"""Hostile listing files: each bad file gets its own error, the good ones still load.

Property-based (thousands of generated files through ``Store.import_files``)
plus fixed cases run through ``readinglist import`` as a user runs it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist.core.store import Store

SEEDS = Path(__file__).resolve().parent.parent / "readinglist" / "data" / "seeds"
METADATA_SEED = SEEDS / "000_51ed6a239f702eec.txt"
DAILY_SEED = SEEDS / "001_2dd0e0ba8e68f2aa.txt"
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Characters a terminal or a bidi-aware viewer would act on.
DANGEROUS = {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}
DANGEROUS |= set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _good_listing() -> str:
    """The first three entries of the metadata seed: three known papers."""
    return "\n".join(METADATA_SEED.read_text(encoding="utf-8").splitlines()[:9]) + "\n"


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path, Path]:
    root = tmp_path_factory.mktemp("fuzz")
    good = root / "good.txt"
    good.write_text(_good_listing(), encoding="utf-8")
    store = Store.open(root / "home", seed=False)
    return store, good, root / "hostile.txt"


def _import_and_check(fuzz_store: tuple[Store, Path, Path], data: bytes) -> None:
    store, good, hostile = fuzz_store
    hostile.write_bytes(data)
    bad_report, good_report = store.import_files([hostile, good], year=2026)
    assert good_report.error is None and good_report.parsed == 3, good_report
    if bad_report.error is not None:
        assert bad_report.error.strip() and "\n" not in bad_report.error
        assert not DANGEROUS & set(bad_report.error), "the error message echoes raw input"
    for paper in store.papers():
        fields = [paper.title, paper.abstract, paper.category or "", *paper.authors, *paper.affiliations]
        assert paper.title.strip()
        assert not DANGEROUS & set("".join(fields)), paper.title


def _mutate(base: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    data = bytearray(base)
    for position, chunk in edits:
        at = position % (len(data) + 1)
        data[at:at] = chunk
    return bytes(data)


_chunks = st.one_of(
    st.binary(min_size=1, max_size=16),
    st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\r", b"\n\n", b"\x1b[2J", b"\xef\xbb\xbf"]),
    st.text(max_size=30).map(lambda t: t.encode("utf-8")),
)


@settings(FUZZ, max_examples=1500)
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_a_per_file_error_and_the_good_file_still_loads(fuzz_store, data: bytes) -> None:
    _import_and_check(fuzz_store, data)


@settings(FUZZ, max_examples=600)
@given(edits=st.lists(st.tuples(st.integers(min_value=0), _chunks), min_size=1, max_size=12))
def test_damaged_real_listings_never_break_the_import(fuzz_store, edits: list[tuple[int, bytes]]) -> None:
    for seed in (METADATA_SEED, DAILY_SEED):
        head = b"\n".join(seed.read_bytes().splitlines()[:30])
        _import_and_check(fuzz_store, _mutate(head, edits))


_hostile_line = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=20),
        st.sampled_from(sorted(DANGEROUS) + ["\x1b[31m", "\x1b]8;;https://x\x1b\\", "[bold]", "[/]", "\ufeff"]),
        st.sampled_from(["A Title Glued", "Ada Lovelace, Alan Turing", "CVJan 5, 2024Code", "One sentence. Two sentences."]),
    ),
    max_size=20,
).map("".join)


@settings(FUZZ, max_examples=600)
@given(lines=st.lists(_hostile_line, min_size=1, max_size=30))
def test_hostile_text_lines_never_break_the_import(fuzz_store, lines: list[str]) -> None:
    _import_and_check(fuzz_store, "\n".join(lines).encode("utf-8"))


# --- fixed cases, through the command line -------------------------------------


def cli(home: Path, *args: str, timeout: float = 60, limit_memory: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "READINGLIST_HOME": str(home)}

    def cap_memory() -> None:  # a runaway read must fail, not take the machine with it
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    return subprocess.run(
        [sys.executable, "-m", "readinglist", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=cap_memory if limit_memory else None,
    )


def test_every_kind_of_bad_file_gets_its_own_error_and_the_good_file_loads(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    good = files / "good.txt"
    good.write_text(_good_listing(), encoding="utf-8")
    bad = {
        "random.bin": os.urandom(64 * 1024),
        "latin1.txt": "Caf\xe9 na\xefve r\xe9sum\xe9: a listing saved in the wrong encoding.\n".encode("latin-1") * 20,
        "truncated-utf8.txt": _good_listing().encode("utf-8")[:-3] + b"\xe2\x82",
        "nul.txt": _good_listing().encode("utf-8").replace(b"\n", b"\n\x00", 1),
        "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2048),
        "empty.txt": b"",
        "blank.txt": b"\n \n\t\n",
    }
    for name, data in bad.items():
        (files / name).write_bytes(data)
    directory = files / "a-directory.txt"
    directory.mkdir()
    missing = files / "missing.txt"
    paths = [good, *(files / n for n in bad), directory, missing]

    Store.open(tmp_path / "home", seed=False)  # empty, so the counts are this import's
    result = cli(tmp_path / "home", "import", *map(str, paths))
    assert result.returncode == 1  # some files failed
    assert "Traceback" not in result.stderr + result.stdout
    errors = result.stderr.splitlines()
    for path in paths[1:]:
        lines = [line for line in errors if line.startswith(f"{path}: error: ")]
        assert len(lines) == 1, f"{path.name}: {result.stderr}"
    assert len(errors) == len(paths) - 1
    assert f"{good}: metadata listing, 3 parsed, 3 new" in result.stdout
    assert len(Store.open(tmp_path / "home", backup=False).papers()) == 3


def test_a_ten_megabyte_line_is_handled_quickly_and_the_good_file_loads(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_text("A ten megabyte line of prose. " * 350_000 + "\n", encoding="utf-8")
    assert huge.stat().st_size > 10 * 1024 * 1024
    good = tmp_path / "good.txt"
    good.write_text(_good_listing(), encoding="utf-8")
    Store.open(tmp_path / "home", seed=False)
    result = cli(tmp_path / "home", "import", str(huge), str(good), timeout=30)
    assert "Traceback" not in result.stderr
    assert f"{good}: metadata listing, 3 parsed, 3 new" in result.stdout
    assert len(result.stdout) + len(result.stderr) < 2000, "the line was echoed back"
    titles = [p.title for p in Store.open(tmp_path / "home", backup=False).papers()]
    assert len(titles) == 3


def test_a_ten_megabyte_title_line_in_the_metadata_layout_does_not_hang(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_text("CVJan 5, 2024Code\n" + "X" * (10 * 1024 * 1024) + "\nAn abstract. It has sentences.\n")
    good = tmp_path / "good.txt"
    good.write_text(_good_listing(), encoding="utf-8")
    Store.open(tmp_path / "home", seed=False)
    try:
        result = cli(tmp_path / "home", "import", str(huge), str(good), timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("importing a 10 MB line took over 10 s")
    assert "Traceback" not in result.stderr
    assert f"{good}: metadata listing, 3 parsed, 3 new" in result.stdout


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_given_as_a_listing_is_a_per_file_error(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(_good_listing(), encoding="utf-8")
    Store.open(tmp_path / "home", seed=False)
    result = cli(tmp_path / "home", "import", "/dev/zero", str(good), timeout=30, limit_memory=True)
    assert "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.stderr.startswith("/dev/zero: error: ")
    assert f"{good}: metadata listing, 3 parsed, 3 new" in result.stdout
