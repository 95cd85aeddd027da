"""Commands about a few papers (star ID, show ID, ...) find them in the corpus
file without parsing all of it (core/lookup.py), and behave exactly as when
every paper is loaded: same output, same errors, same writes."""

from __future__ import annotations

import collections
import json
import mmap
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.test_cli import run

LAYOUT_ERROR = "`readinglist list` shows the ids"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert run(home, "init").returncode == 0
    return home


def ids(home: Path) -> list[str]:
    result = run(home, "list", "--format", "json", "--sort", "added")
    assert result.returncode == 0, result.stderr
    return [r["id"] for r in json.loads(result.stdout)]


def shared_prefix(pids: list[str]) -> tuple[str, list[str]]:
    """A 3-letter prefix that starts several ids, and those ids."""
    groups = collections.defaultdict(list)
    for pid in pids:
        groups[pid[:3]].append(pid)
    prefix, members = next((p, m) for p, m in sorted(groups.items()) if len(m) > 1)
    return prefix, members


def unique_prefix(pid: str, pids: list[str]) -> str:
    for n in range(3, len(pid)):
        if sum(p.startswith(pid[:n]) for p in pids) == 1:
            return pid[:n]
    raise AssertionError(pid)


def rewrite_corpus(home: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the corpus as data, written back by the store's own writer (a record a line)."""
    from readinglist.core.storage import AtomicJSONStorage

    storage = AtomicJSONStorage(home / "corpus.json", line_per_record=True)
    data = storage.read()
    assert data is not None
    change(data)
    storage.write(data)


def one_line_error(result: Any) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def record(home: Path, pid: str) -> dict[str, Any]:
    result = run(home, "show", pid, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_verbs_by_full_id_and_by_prefix_persist(home: Path) -> None:
    pids = ids(home)
    first, last = pids[0], pids[-1]
    short = unique_prefix(last, pids)
    title = record(home, last)["title"]

    starred = run(home, "star", first, short)
    assert starred.returncode == 0, starred.stderr
    assert starred.stdout.splitlines() == [f"starred {first}  {record(home, first)['title']}", f"starred {last}  {title}"]
    assert run(home, "unstar", first).returncode == 0
    assert run(home, "status", short, "reading").stdout == f"{last} is now reading  {title}\n"
    assert run(home, "tag", short, "+Vision", "+to read").stdout == f"{last} tags: Vision, to-read\n"
    assert run(home, "tag", last, "-vision").stdout == f"{last} tags: to-read\n"
    assert run(home, "note", short, "read the appendix").stdout == f"{last} note saved\n"

    listed = {r["id"]: r for r in json.loads(run(home, "list", "--format", "json").stdout)}
    assert (listed[first]["star"], listed[last]["star"]) == (False, True)
    assert listed[last]["status"] == "reading" and listed[last]["tags"] == ["to-read"]
    assert listed[last]["note"] == "read the appendix"
    shown = run(home, "show", short).stdout
    assert "star:        yes" in shown and "note:        read the appendix" in shown
    # Each command was one change: undo takes back the note, then the tag.
    assert run(home, "undo").returncode == 0
    assert record(home, last)["note"] == ""


def test_show_prints_what_it_printed_with_every_paper_loaded(home: Path, tmp_path: Path) -> None:
    """A pretty-printed copy of the same corpus is read whole: the output must match."""
    pids = ids(home)
    run(home, "note", pids[5], "a note")
    pretty = tmp_path / "pretty"
    pretty.mkdir()
    for name in ("corpus.json", "annotations.json"):
        data = json.loads((home / name).read_text(encoding="utf-8"))
        (pretty / name).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    for pid in (pids[0], pids[5], pids[len(pids) // 2], unique_prefix(pids[-1], pids)):
        for fmt in ("text", "json"):
            fast = run(home, "show", pid, "--format", fmt)
            whole = run(pretty, "show", pid, "--format", fmt)
            assert fast.returncode == whole.returncode == 0, (fast.stderr, whole.stderr)
            assert fast.stdout == whole.stdout


def test_unknown_ambiguous_and_trashed_ids_are_one_line_errors(home: Path) -> None:
    pids = ids(home)
    prefix, members = shared_prefix(pids)
    annotations = (home / "annotations.json").read_bytes()

    for command in (["star", "zzzzzzzz"], ["show", "zzzzzzzz"], ["note", "zz", "x"], ["tag", "zzz", "+x"]):
        line = one_line_error(run(home, *command))
        assert line == f"readinglist: error: no paper has id {command[1]!r}; {LAYOUT_ERROR}"
    line = one_line_error(run(home, "status", prefix.upper(), "read"))
    assert line == f"readinglist: error: id {prefix.upper()!r} is ambiguous: it starts {len(members)} paper ids; type more of it"
    # All or nothing: a good id beside a bad one changes nothing.
    one_line_error(run(home, "star", pids[0], "zzzzzzzz"))
    assert (home / "annotations.json").read_bytes() == annotations

    gone = members[0]
    assert run(home, "remove", gone).returncode == 0
    for command in (["star", gone], ["show", gone], ["unstar", unique_prefix(gone, pids)]):
        line = one_line_error(run(home, *command))
        assert line.startswith("readinglist: error: no paper has id ") and LAYOUT_ERROR in line
    if len(members) == 2:  # the trashed paper no longer makes the prefix ambiguous
        assert run(home, "star", prefix).stdout.startswith(f"starred {members[1]}  ")


def test_a_damaged_record_is_named_when_asked_for_and_does_not_block_the_others(home: Path) -> None:
    pids = ids(home)
    bad, good, misnamed = pids[100], pids[200], pids[-1]

    def damage(data: dict[str, Any]) -> None:
        data["papers"][bad]["title"] = 5
        data["papers"][misnamed]["id"] = "someone-else"

    rewrite_corpus(home, damage)
    corpus = (home / "corpus.json").read_bytes()
    for command in (["show", bad], ["star", unique_prefix(bad, pids)], ["note", bad, "x"]):
        line = one_line_error(run(home, *command))
        assert str(home / "corpus.json") in line and repr(bad) in line and "title" in line
    line = one_line_error(run(home, "show", misnamed))
    assert str(home / "corpus.json") in line and repr(misnamed) in line and "someone-else" in line
    # Starring a good paper writes only the annotations: the corpus is not parsed whole.
    assert run(home, "star", good).returncode == 0
    assert run(home, "show", good, "--format", "json").returncode == 0
    # Whatever needs every paper reports the damage, as before.
    line = one_line_error(run(home, "list"))
    assert str(home / "corpus.json") in line and (repr(bad) in line or repr(misnamed) in line)
    assert one_line_error(run(home, "star", "--query", "title:a"))  # a query loads them all
    assert (home / "corpus.json").read_bytes() == corpus
    stars = json.loads((home / "annotations.json").read_text(encoding="utf-8"))["annotations"]
    assert stars[good]["star"] is True and bad not in stars


def test_a_line_cut_in_half_is_reported_as_a_corrupt_file_untouched(home: Path) -> None:
    pids = ids(home)
    path = home / "corpus.json"
    lines = path.read_bytes().split(b"\n")
    cut = next(i for i, line in enumerate(lines) if line.startswith(f'"{pids[50]}":'.encode()))
    lines[cut] = lines[cut][: len(lines[cut]) // 2]
    path.write_bytes(b"\n".join(lines))
    before = path.read_bytes()
    line = one_line_error(run(home, "show", pids[50]))
    assert str(path) in line and "corrupt" in line
    assert run(home, "star", pids[300]).returncode == 0  # found without reading that line
    assert str(path) in one_line_error(run(home, "list"))
    assert path.read_bytes() == before


def test_a_truncated_corpus_stops_the_command_before_anything_is_written(home: Path) -> None:
    pids = ids(home)
    path = home / "corpus.json"
    path.write_bytes(path.read_bytes()[:-5000])
    before = (home / "annotations.json").read_bytes()
    line = one_line_error(run(home, "star", pids[0]))
    assert str(path) in line
    assert (home / "annotations.json").read_bytes() == before


def test_a_corpus_not_laid_out_a_record_a_line_still_works(home: Path) -> None:
    pids = ids(home)
    path = home / "corpus.json"
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2), encoding="utf-8")
    before = path.read_bytes()
    pid = pids[123]
    assert run(home, "star", unique_prefix(pid, pids)).stdout.startswith(f"starred {pid}  ")
    assert run(home, "tag", pid, "+x").returncode == 0
    assert record(home, pid)["star"] is True and record(home, pid)["tags"] == ["x"]
    line = one_line_error(run(home, "show", "zzzzzzzz"))
    assert line == f"readinglist: error: no paper has id 'zzzzzzzz'; {LAYOUT_ERROR}"
    assert path.read_bytes() == before  # the verbs never write the corpus


def test_a_lazy_store_finds_what_a_loaded_store_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every id, and prefixes of each, resolve the same with and without loading;
    searched through the smallest windows, so that ids straddle window edges."""
    import readinglist.core.lookup as lookup
    from readinglist.core.errors import UnknownPaper
    from readinglist.core.library import Library
    from readinglist.core.store import Store

    home = tmp_path / "store"
    loaded = Store.open(home, year=2026)
    pids = [p.id for p in loaded.papers()]
    loaded.remove_papers(pids[10:13])
    monkeypatch.setattr(lookup, "WINDOW", mmap.ALLOCATIONGRANULARITY)
    lazy = Store.open(home, lazy=True)
    assert lazy.lazy

    def answer(store: Store, text: str) -> str:
        try:
            return store.resolve_id(text)
        except UnknownPaper as exc:
            return f"error: {exc}"

    for pid in pids:
        for text in (pid, pid[:3], pid[:4]):
            assert answer(lazy, text) == answer(loaded, text), text
        assert lazy.paper(pid) == loaded.paper(pid)
    assert answer(lazy, f" {pids[0].upper()} ") == pids[0]
    library = Library(lazy)
    assert library.paper(pids[0]) == loaded.paper(pids[0]) and library.paper(pids[11]) is None
    library.set_star([pids[1]], True)
    assert Store.open(home).annotation(pids[1]).star
    assert [p.id for p in library.papers] == [p.id for p in loaded.papers()]  # loaded on first need


def test_an_empty_library_knows_no_ids(tmp_path: Path) -> None:
    home = tmp_path / "empty"
    assert run(home, "init", "--empty").returncode == 0
    line = one_line_error(run(home, "star", "abc"))
    assert line == f"readinglist: error: no paper has id 'abc'; {LAYOUT_ERROR}"


def test_list_and_the_one_paper_verbs_do_not_load_the_network_clients(home: Path) -> None:
    """`list --query` imported the arXiv client (22 ms of every call) to pick
    the papers `--unresolved` asks for, and every command imported subprocess
    (10 ms) with the PDF folder's name; neither list nor star nor show needs them."""
    import subprocess
    import sys

    pid = ids(home)[0]
    code = (
        "import sys; from readinglist.cli import main\n"
        f"for argv in (['list', '--query', 'zzzz'], ['star', {pid!r}], ['show', {pid!r}]):\n"
        f"    assert main(['--home', {str(home)!r}, *argv]) == 0, argv\n"
        "print(sorted(m for m in sys.modules if m.startswith('readinglist.core.enrich.') or m in ('httpx', 'subprocess')), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
