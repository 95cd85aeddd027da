"""A large listing or arXiv metadata file parsed in two parts at once reads
exactly as one parse.

The helper here is a real process (``python -m readinglist.core.parse_parts``);
the files are small, with the size at which a listing is split set to 0.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from readinglist.bench.corpus import listing_entry, snapshot_record
from readinglist.bench.synth import synthetic_papers
from readinglist.core import parse, parse_parts
from readinglist.core.importers.detect import read_file
from readinglist.core.importers.snapshot import MAX_LINE_BYTES
from readinglist.core.parse import ParseError, parse_file

TODAY = dt.date(2026, 12, 1)


def _listing(n: int = 400, *, crlf: bool = False) -> str:
    """A metadata listing with something to report in both halves."""
    entries = [listing_entry(paper) for paper in synthetic_papers(n, seed=3)]
    for at in (n // 5, n * 4 // 5):  # one in each half
        entries[at] = "ZZ" + entries[at][2:]  # an unknown category code
        entries[at + 1] = entries[at + 1].split("\n")[0] + "\nno authors here at all\n" + entries[at + 1].split("\n")[2] + "\n"
        entries[at + 2] = "\n".join(entries[at + 2].split("\n")[:2]) + "\n"  # no abstract
    text = "A header line before the first entry\n" + "".join(entries)
    return text.replace("\n", "\r\n") if crlf else text


def _snapshot(n: int = 300) -> str:
    """arXiv metadata lines, with a bad line of each kind in both halves."""
    lines = [json.dumps(snapshot_record(paper, number)) for number, paper in enumerate(synthetic_papers(n, seed=4))]
    for at in (n // 5, n * 4 // 5):
        lines[at] = "{not json"
        lines[at + 1] = json.dumps({"title": "no id at all", "versions": []})
        lines[at + 2] = ""
        lines[at + 3] = json.dumps({"id": "2301.99999", "title": "x" * MAX_LINE_BYTES, "versions": []})  # over the cap
    return "\n".join(lines) + "\n"


def _serial(path: Path, monkeypatch: pytest.MonkeyPatch) -> parse.ParseResult:
    with monkeypatch.context() as patch:
        patch.setattr(parse_parts, "SPLIT_MIN_BYTES", 1 << 40)
        return parse_file(path, today=TODAY)


def _read_whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict], list, int]:  # type: ignore[type-arg]
    """A file's papers, problems and count, read as the import reads it."""
    result = read_file(path)
    papers = [paper.to_dict() for paper in result.papers]  # a stream: consumed before the problems are complete
    return papers, result.problems, result.parsed


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> list[parse_parts.Helper]:
    """Every helper started, and any listing split, however small."""
    started: list[parse_parts.Helper] = []
    start = parse_parts.start_helper

    def keep(*args, **kwargs):  # type: ignore[no-untyped-def]
        helper = start(*args, **kwargs)
        if helper is not None:
            started.append(helper)
        return helper

    monkeypatch.setattr(parse_parts, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parse_parts, "start_helper", keep)
    return started


def _answers_used(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    used: list[int] = []
    unpacked = parse_parts.Helper._unpacked

    def count(self, listing, shift):  # type: ignore[no-untyped-def]
        papers, problems = unpacked(self, listing, shift)
        used.append(len(papers))
        return papers, problems

    monkeypatch.setattr(parse_parts.Helper, "_unpacked", count)
    return used


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_a_listing_parsed_in_two_halves_gives_the_papers_problems_and_lines_of_one_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helpers: list[parse_parts.Helper], crlf: bool
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(_listing(crlf=crlf).encode("utf-8"))
    used = _answers_used(monkeypatch)

    halves = parse_file(path, today=TODAY)
    whole = _serial(path, monkeypatch)

    assert len(helpers) == 1 and used and 0 < used[0] < len(halves.papers)  # the helper's papers were used
    assert [p.to_dict() for p in halves.papers] == [p.to_dict() for p in whole.papers]
    assert halves.problems == whole.problems and halves.layout == whole.layout
    # What a user is pointed at: each paper's line is its title line, each
    # problem's line the entry it is about, in both halves.
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(lines[p.sources[0].line - 1].startswith(p.title) for p in halves.papers)
    unknown = [problem for problem in halves.problems if "unknown category code 'ZZ'" in problem.message]
    assert len(unknown) == 2 and all(lines[problem.line - 1].startswith("ZZ") for problem in unknown)
    unsplit = [lines[problem.line - 1] for problem in halves.problems if "could not tell the title" in problem.message]
    assert unsplit.count("no authors here at all") == 2
    bare = [problem.line for problem in halves.problems if "without an abstract" in problem.message]
    assert len(bare) >= 2 and all(parse._META_LINE.match(lines[line]) for line in bare)  # the next line starts an entry
    assert helpers[0].process is not None and helpers[0].process.poll() is not None  # no process left behind


_EXIT = "import sys; sys.exit(1)"
_GARBAGE = "import sys; sys.stdout.buffer.write(b'readinglist-parse-part-1\\n' + (5).to_bytes(4, 'little') + b'junk!' + bytes(4))"
_WRONG_SHAPE = (
    "import marshal, sys; frame = marshal.dumps(('papers', [('only', 'two')]));"
    "sys.stdout.buffer.write(b'readinglist-parse-part-1\\n' + len(frame).to_bytes(4, 'little') + frame + bytes(4))"
)
_HANG = "import time; time.sleep(60)"


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-c", _EXIT], [sys.executable, "-c", _GARBAGE], [sys.executable, "-c", _WRONG_SHAPE], [sys.executable, "-c", _HANG], ["/nonexistent/python"]],
    ids=["fails", "garbage", "wrong-shape", "hangs", "cannot-start"],
)
@pytest.mark.parametrize("kind", ["listing", "snapshot"])
def test_a_helper_that_fails_hangs_or_answers_nonsense_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helpers: list[parse_parts.Helper], command: list[str], kind: str
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes((_listing(200) if kind == "listing" else _snapshot(200)).encode("utf-8"))
    whole = _read_whole(path, monkeypatch) if kind == "snapshot" else None
    helpers.clear()
    monkeypatch.setattr(parse_parts, "_command", lambda *args: command)
    monkeypatch.setattr(parse_parts, "PATIENCE_S", 1.0)
    used = _answers_used(monkeypatch)

    if kind == "snapshot":
        assert _read_whole(path, monkeypatch) == whole
    else:
        halves = parse_file(path, today=TODAY)
        serial = _serial(path, monkeypatch)
        assert [p.to_dict() for p in halves.papers] == [p.to_dict() for p in serial.papers]
        assert halves.problems == serial.problems

    assert used == []  # nothing of the helper's was used
    assert len(helpers) == 1
    process = helpers[0].process
    assert process is None or process.poll() is not None  # a stuck helper was stopped


def test_a_bad_byte_or_line_in_the_second_half_is_named_in_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helpers: list[parse_parts.Helper]
) -> None:
    data = _listing(200).encode("utf-8")
    at = data.index(b"\n", len(data) * 9 // 10) + 5  # in a line of the last entries
    path = tmp_path / "latin1.txt"
    path.write_bytes(data[:at] + b"\xe9" + data[at:])
    with pytest.raises(ParseError) as halves:
        parse_file(path, today=TODAY)
    assert f"invalid byte at offset {at}" in str(halves.value)
    with pytest.raises(ParseError) as whole:
        _serial(path, monkeypatch)
    assert str(halves.value) == str(whole.value)

    lines = _listing(200).split("\n")
    number = len(lines) - 4
    lines[number - 1] += " and" * (parse.MAX_LINE_CHARS // 4)
    path = tmp_path / "long.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ParseError, match=f"line {number} is "):
        parse_file(path, today=TODAY)


def test_arxiv_metadata_read_in_two_parts_gives_the_papers_problems_and_lines_of_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helpers: list[parse_parts.Helper]
) -> None:
    path = tmp_path / "arxiv-metadata.json"
    path.write_bytes(_snapshot().encode("utf-8"))
    used = _answers_used(monkeypatch)

    papers, problems, parsed = _read_whole(path, monkeypatch)
    assert len(helpers) == 1 and used and 0 < used[0] < parsed  # the helper's papers were used
    with monkeypatch.context() as patch:
        patch.setattr(parse_parts, "SPLIT_MIN_BYTES", 1 << 40)
        assert _read_whole(path, monkeypatch) == (papers, problems, parsed)

    # What a user is pointed at: each paper's line is its record, each
    # problem's line the bad one, in both parts.
    lines = path.read_text(encoding="utf-8").split("\n")
    assert parsed == len(papers) == 300 - 8  # four lines in each part are not papers, one of them blank
    assert all(json.loads(lines[paper["sources"][0]["line"] - 1])["id"] == paper["arxiv_id"] for paper in papers)
    assert [lines[problem.line - 1][:12] for problem in problems] == ['{not json', '{"title": "n', '{"id": "2301'] * 2
    assert helpers[0].process is not None and helpers[0].process.poll() is not None  # no process left behind
