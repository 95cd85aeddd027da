"""Wrong-typed and missing values in every field of both store files.

Property: every command either works, or fails with one line naming the
file; never a traceback, never a change to the damaged file; and when the
commands refuse the file, `doctor` reports it too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist.cli import main
from readinglist.core.model import Annotation, Paper
from readinglist.core.store import Store

MISSING = object()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
values = st.one_of(st.just(MISSING), json_values)
ANNOTATION_FIELDS = list(Annotation().to_dict())
PAPER_FIELDS = sorted(set(Paper(id="x", title="t").to_dict()) | {"citation_key", "venue", "upvotes", "added"})


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("template") / "home"
    store = Store.open(home, year=2026)
    pid = store.papers()[0].id
    store.set_star(pid, True)
    store.update_tags(pid, ["keep"])
    store.set_note(pid, "a note")
    return home, pid


def _damage(home: Path, name: str, pid: str, field: str, value: object) -> Path:
    target = home / name
    data = json.loads(target.read_text(encoding="utf-8"))
    record = data["annotations" if name == "annotations.json" else "papers"][pid]
    if value is MISSING:
        record.pop(field, None)
    else:
        record[field] = value
    target.write_text(json.dumps(data), encoding="utf-8")
    return target


def _run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--home", str(home)] if args[0] != "tag" else ["tag", "--home", str(home), *args[1:]])
    out, err = capsys.readouterr()
    return code, out, err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from(["annotations.json", "corpus.json"]),
    field_index=st.integers(0, 1000),
    value=values,
)
def test_wrong_values_in_any_field_never_crash_and_are_never_written_over(
    template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
    which: str, field_index: int, value: object,
) -> None:
    source, pid = template
    home = tmp_path_factory.mktemp("case") / "home"
    shutil.copytree(source, home)
    fields = ANNOTATION_FIELDS if which == "annotations.json" else PAPER_FIELDS
    target = _damage(home, which, pid, fields[field_index % len(fields)], value)
    damaged = target.read_bytes()
    commands = [("list", "--format", "json"), ("show", pid), ("star", pid), ("tag", pid, "+t"), ("note", pid, "n"), ("log",)]
    results = [_run(capsys, home, *command) for command in commands]
    for command, (code, out, err) in zip(commands, results):
        assert "Traceback" not in err, (command, err)
        if code != 0:
            lines = err.strip().splitlines()
            assert code == 1 and len(lines) == 1 and str(target) in lines[0], (command, err)
    refused = [code != 0 for code, _, _ in results]
    if any(refused):
        assert all(refused), "a file refused by one command was used by another"
        assert target.read_bytes() == damaged
        code, out, _ = _run(capsys, home, "doctor")
        assert code == 1 and f"problem  {target}" in out, out
