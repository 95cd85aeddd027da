"""Shell completion: the scripts a user installs, and what Tab offers."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from readinglist.cli import build_parser
from readinglist.cli.completion import complete

SHELLS = {"bash": ["-n"], "zsh": ["-n"], "fish": ["--no-execute"]}
PROGRAM = Path(sys.executable).parent / "readinglist"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Set both variables here: a module-scoped store is made before the
    # autouse fixture points READINGLIST_CONFIG away from the developer's.
    env = {**os.environ, "READINGLIST_HOME": str(home), "READINGLIST_CONFIG": str(home.parent / "config.toml")}
    return subprocess.run([sys.executable, "-m", "readinglist", *args], capture_output=True, text=True, env=env, timeout=60)


def tab(home: Path, *words: str) -> list[str]:
    """What Tab offers for the last word of ``readinglist WORDS...``."""
    result = run(home, "__complete", "--", str(len(words)), "readinglist", *words)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A store with the built-in papers, one tagged paper and two saved searches."""
    home = tmp_path_factory.mktemp("completion") / "home"
    result = run(home, "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    ids = [record["id"] for record in json.loads(result.stdout)]
    assert run(home, "tag", ids[0], "+vision", "+to-read").returncode == 0
    assert run(home, "tag", ids[1], "+robots").returncode == 0
    assert run(home, "search", "save", "clip", "title:clip").returncode == 0
    assert run(home, "search", "save", "my reading", "tag:to-read").returncode == 0
    return home, ids


# --- the scripts ---------------------------------------------------------------


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_script_calls_the_hidden_command_and_is_valid(shell: str, tmp_path: Path) -> None:
    result = run(tmp_path / "home", "completion", shell)
    assert result.returncode == 0, result.stderr
    assert "readinglist __complete --" in result.stdout
    assert f"readinglist completion {shell}" in result.stdout  # says how to install it
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed")
    script = tmp_path / f"readinglist.{shell}"
    script.write_text(result.stdout)
    check = subprocess.run([binary, *SHELLS[shell], str(script)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr


def test_completion_is_documented_and_the_hidden_command_is_not(tmp_path: Path) -> None:
    top = run(tmp_path / "home", "--help").stdout
    assert "completion" in top and "__complete" not in top and "SUPPRESS" not in top
    own = run(tmp_path / "home", "completion", "--help").stdout
    assert "readinglist completion bash >> ~/.bashrc" in own
    assert "~/.config/fish/completions/readinglist.fish" in own


def test_bash_completes_end_to_end(store: tuple[Path, list[str]]) -> None:
    home, _ = store
    bash = shutil.which("bash")
    if bash is None or not PROGRAM.exists():
        pytest.skip("needs bash and the installed readinglist command")
    env = _shell_env(home)

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        script = (
            'source <(readinglist completion bash) && complete -p readinglist >/dev/null && '
            f"COMP_WORDS=(readinglist {line}); COMP_CWORD={len(words)}; _readinglist; "
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        result = subprocess.run([bash, "-c", script], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    assert complete("st") == ["star", "status"]
    assert complete("list", "--format", "j") == ["json"]
    # A name with a space arrives quoted, ready to use as one word.
    assert complete("search", "rm", "my") == ["my\\ reading"]


def _shell_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{PROGRAM.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "READINGLIST_HOME": str(home),
        "READINGLIST_CONFIG": str(home.parent / "config.toml"),
    }


def test_fish_completes_end_to_end(store: tuple[Path, list[str]], tmp_path: Path) -> None:
    home, ids = store
    fish = shutil.which("fish")
    if fish is None or not PROGRAM.exists():
        pytest.skip("needs fish and the installed readinglist command")
    script = tmp_path / "readinglist.fish"
    script.write_text(run(home, "completion", "fish").stdout)

    def complete(line: str) -> list[str]:
        command = f"source {script}; complete -C '{line}'"
        result = subprocess.run([fish, "--no-config", "-c", command], capture_output=True, text=True, env=_shell_env(home), timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    assert complete("readinglist st") == ["star", "status"]
    assert complete(f"readinglist star {ids[0]}") == [ids[0]]
    assert complete("readinglist search rm my") == ["my reading"]


def test_zsh_script_loads_and_defines_the_completer(tmp_path: Path) -> None:
    zsh = shutil.which("zsh")
    if zsh is None or not PROGRAM.exists():
        pytest.skip("needs zsh and the installed readinglist command")
    command = "source <(readinglist completion zsh) && whence -w _readinglist"
    result = subprocess.run([zsh, "-f", "-c", command], capture_output=True, text=True, env=_shell_env(tmp_path / "home"), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "_readinglist: function"


# --- what Tab offers -----------------------------------------------------------


def test_an_empty_word_offers_the_commands(store: tuple[Path, list[str]]) -> None:
    offered = tab(store[0], "")
    for command in ("list", "star", "tag", "search", "completion", "recommend"):
        assert command in offered
    assert "__complete" not in offered
    assert tab(store[0], "st") == ["star", "status"]
    assert tab(store[0], "search", "") == ["save", "list", "rm"]


def test_options_and_their_choices(store: tuple[Path, list[str]]) -> None:
    home, _ = store
    assert tab(home, "list", "--format", "") == ["table", "json", "tsv"]
    assert tab(home, "list", "--format", "t") == ["table", "tsv"]
    assert tab(home, "show", "x", "--format", "") == ["text", "json"]
    assert tab(home, "list", "--format=j") == ["--format=json"]  # zsh and fish pass one word
    assert tab(home, "list", "--format", "=", "j") == ["json"]  # bash splits it at "="
    # `status ID... STATUS`: after an id, the statuses (and more ids).
    assert tab(home, "status", "x", "rea") == ["reading", "read"]
    options = tab(home, "list", "--")
    assert {"--format", "--query", "--tag", "--starred", "--home"} <= set(options)
    assert tab(home, "star", "--h") == ["--help", "--home"]  # not stopped as "ambiguous"


@pytest.mark.parametrize("command", ["star", "unstar", "show", "status", "note", "edit", "remove", "pdf", "attach"])
def test_paper_ids_are_offered_by_prefix(store: tuple[Path, list[str]], command: str) -> None:
    home, ids = store
    prefix = ids[0][:2]
    assert tab(home, command, prefix) == [pid for pid in ids if pid.startswith(prefix)]


def test_paper_ids_after_id_options_and_more_ids(store: tuple[Path, list[str]]) -> None:
    home, ids = store
    assert tab(home, "star", ids[1], ids[0][:3]) == [pid for pid in ids if pid.startswith(ids[0][:3])]
    assert tab(home, "enrich", "--id", ids[0][:4]) == [pid for pid in ids if pid.startswith(ids[0][:4])]
    assert tab(home, "recommend", "--like", ids[0]) == [ids[0]]
    assert len(tab(home, "star", "")) == len(ids)


def test_tags_after_plus_minus_and_tag_option(store: tuple[Path, list[str]]) -> None:
    home, ids = store
    assert sorted(tab(home, "tag", ids[1], "+")) == ["+robots", "+to-read", "+vision"]
    assert sorted(tab(home, "tag", ids[1], "")) == ["+robots", "+to-read", "+vision"]
    assert tab(home, "tag", ids[1], "+v") == ["+vision"]
    # Removing offers the papers' own tags, not every tag.
    assert sorted(tab(home, "tag", ids[0], "+robots", "-")) == ["-to-read", "-vision"]
    assert sorted(tab(home, "tag", ids[0], ids[1], "-")) == ["-robots", "-to-read", "-vision"]
    assert tab(home, "tag", ids[0][:4]) == [pid for pid in ids if pid.startswith(ids[0][:4])]
    assert sorted(tab(home, "list", "--tag", "")) == ["robots", "to-read", "vision"]
    assert tab(home, "export", "--tag", "r") == ["robots"]


def test_saved_searches_after_search_rm(store: tuple[Path, list[str]]) -> None:
    home, _ = store
    assert tab(home, "search", "rm", "") == ["clip", "my reading"]
    assert tab(home, "search", "rm", "m") == ["my reading"]
    assert tab(home, "list", "--search", "") == ["clip", "my reading"]


def test_no_store_means_no_candidates_and_no_store_created(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert tab(home, "star", "") == []
    assert not home.exists()
    assert "list" in tab(home, "")  # the commands still complete


def test_a_broken_store_gives_nothing_not_a_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "corpus.json").write_text("{ not json")
    result = run(home, "__complete", "--", "2", "readinglist", "star", "")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


class FakeStore:
    def paper_ids(self, *, trashed: bool = False) -> list[str]:
        return ["gone1"] if trashed else ["abc1", "abd2", "xyz3"]

    def tags(self, papers: list[str] | None = None) -> list[str]:
        return ["mine"] if papers else ["mine", "theirs"]

    def searches(self) -> list[str]:
        return ["clip", "my reading"]


def test_a_new_option_completes_from_the_live_parser() -> None:
    """An option added to a command completes without touching the shell scripts."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    browse = sub.add_parser("browse")
    browse.add_argument("--search", help="a saved search")
    browse.add_argument("--order", choices=("new", "old"))
    browse.add_argument("ids", nargs="*")

    def tab(*words: str) -> list[str]:
        return complete(parser, ["readinglist", *words], len(words), FakeStore())

    assert "browse" in tab("")
    assert tab("browse", "--search", "") == ["clip", "my reading"]
    assert tab("browse", "--search=m") == ["--search=my reading"]
    assert tab("browse", "--order", "") == ["new", "old"]
    assert tab("browse", "ab") == ["abc1", "abd2"]
    assert tab("restore", "") == ["gone1"]  # restore offers what is in the trash
