"""Shell completion: ``readinglist completion bash|zsh|fish`` prints a small
script that asks the hidden ``readinglist __complete -- CWORD WORD...`` for
candidates, one a line. The ``--`` keeps a half-typed word such as ``--h``
from being read as an option of readinglist itself (argparse would stop on
it as ambiguous before the hidden command ever ran).

The candidates come from the live parser (``build_parser()``), so a new
command or option completes without touching the shell scripts; paper ids,
tags and saved searches come from the store. Completion runs inside the
user's shell on every Tab: it must never print a traceback or an error, so
anything that goes wrong yields no candidates.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from readinglist.cli import add_common_options

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.library import Library

HIDDEN_COMMAND = "__complete"

BASH = """\
# readinglist completion for bash. Install: readinglist completion bash >> ~/.bashrc
_readinglist() {
    local line cur="${COMP_WORDS[COMP_CWORD]}"
    COMPREPLY=()
    while IFS= read -r line; do
        # Quote spaces and shell characters (a saved search name may have them)
        # unless the user already opened a quote.
        if [[ $cur != [\\"\\']* ]]; then printf -v line '%q' "$line"; fi
        COMPREPLY+=("$line")
    done < <(command readinglist __complete -- "$COMP_CWORD" "${COMP_WORDS[@]}" 2>/dev/null)
}
complete -o default -F _readinglist readinglist
"""

ZSH = """\
#compdef readinglist
# readinglist completion for zsh. Install: readinglist completion zsh >> ~/.zshrc
_readinglist() {
    local -a found
    found=("${(@f)$(command readinglist __complete -- $((CURRENT - 1)) "${words[@]}" 2>/dev/null)}")
    found=(${found:#})
    if (( ${#found} )); then
        compadd -- "${found[@]}"
    else
        _files
    fi
}
if (( ! $+functions[compdef] )); then
    autoload -Uz compinit && compinit
fi
compdef _readinglist readinglist
"""

FISH = """\
# readinglist completion for fish.
# Install: readinglist completion fish > ~/.config/fish/completions/readinglist.fish
function __readinglist_complete
    set -l before (commandline -opc)
    set -l current (commandline -ct)
    set -l found (command readinglist __complete -- (count $before) $before $current 2>/dev/null)
    if test (count $found) -gt 0
        printf '%s\\n' $found
    else
        __fish_complete_path $current
    end
end
complete -c readinglist -f -a '(__readinglist_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}

DESCRIPTION = """\
Print a completion script for your shell. Install it with one command:

  bash:  readinglist completion bash >> ~/.bashrc
  zsh:   readinglist completion zsh >> ~/.zshrc
  fish:  readinglist completion fish > ~/.config/fish/completions/readinglist.fish

then open a new shell. Commands, options, choices, paper ids, tags and saved
searches complete with Tab.
"""

# Arguments whose values are papers, by dest (the option or positional name).
_ID_DESTS = {"id", "ids", "like"}
_TRASH_COMMANDS = {"restore", "trash"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=tuple(SCRIPTS))
    add_common_options(p)
    p.set_defaults(func=run_script)

    # Hidden from --help: a sub-parser added without help= gets no line there
    # (help=argparse.SUPPRESS would print "==SUPPRESS==" on Python 3.11).
    p = sub.add_parser(HIDDEN_COMMAND)
    p.add_argument("cword", type=int)
    p.add_argument("words", nargs=argparse.REMAINDER)
    p.set_defaults(func=run_complete)


def run_script(args: argparse.Namespace, ctx: Context) -> int:
    ctx.out(SCRIPTS[args.shell].rstrip("\n"))
    return 0


def run_complete(args: argparse.Namespace, ctx: Context) -> int:
    try:
        from readinglist.cli import build_parser

        for candidate in complete(build_parser(), args.words, args.cword, StoreSource(args.words, ctx)):
            ctx.out(candidate)
    except BrokenPipeError:
        raise
    except Exception:  # noqa: BLE001 - a Tab must never show a traceback
        pass
    return 0


# --- what the store knows ------------------------------------------------------


class StoreSource:
    """Paper ids, tags and saved searches, read only when a candidate needs them."""

    def __init__(self, words: list[str], ctx: Context) -> None:
        # The --home typed on the line being completed, else the usual one.
        typed = _option_value(words, "--home")
        self.home = Path(typed).expanduser() if typed else ctx.home
        self._opened: Library | None = None

    def _library(self) -> Library | None:
        if self._opened is None:
            from readinglist.core.library import Library
            from readinglist.core.store import Store

            home = self.home
            # Never create (and seed) a store because someone pressed Tab, nor
            # take an annotation backup on every key; and never wait long.
            if not (home / "corpus.json").exists():
                return None
            self._opened = Library(Store.open(home, seed=False, backup=False, lock_timeout=1.0))
        return self._opened

    def paper_ids(self, *, trashed: bool = False) -> list[str]:
        library = self._library()
        if library is None:
            return []
        if trashed:
            return [item.paper.id for item in library.store.trash()]
        return [paper.id for paper in library.papers]

    def tags(self, papers: list[str] | None = None) -> list[str]:
        """Every tag, or the tags of these papers (every tag if none resolves)."""
        library = self._library()
        if library is None:
            return []
        found: list[str] = []
        for text in papers or ():
            try:
                found += library.annotation(library.resolve_id(text)).tags
            except Exception:  # noqa: BLE001 - an unknown or ambiguous id adds nothing
                continue
        return found or library.all_tags()

    def searches(self) -> list[str]:
        from readinglist.core.session import load_searches

        return list(load_searches(self.home))


def _option_value(words: list[str], option: str) -> str | None:
    value = None
    for i, word in enumerate(words):
        if word == option and i + 1 < len(words):
            value = words[i + 1]
        elif word.startswith(option + "="):
            value = word.partition("=")[2]
    return value or None


# --- the parser walk -----------------------------------------------------------


class Source(Protocol):
    """What ``complete`` asks the store; tests may pass their own."""

    def paper_ids(self, *, trashed: bool = False) -> list[str]: ...

    def tags(self, papers: list[str] | None = None) -> list[str]: ...

    def searches(self) -> list[str]: ...


def complete(parser: argparse.ArgumentParser, words: list[str], cword: int, source: Source) -> list[str]:
    """Candidates for ``words[cword]`` (``words[0]`` is the program name)."""
    words = list(words)
    if cword < 1:
        return []
    while len(words) <= cword:
        words.append("")
    current = words[cword]
    before = words[1:cword]

    # bash splits "--format=js" into "--format", "=", "js".
    if len(before) >= 2 and before[-1] == "=" and before[-2].startswith("--"):
        before = before[:-1]
    elif current == "=" and before and before[-1].startswith("--"):
        current = ""

    path: list[str] = []  # the command names seen, e.g. ["search", "rm"]
    positionals: list[str] = []
    pending: argparse.Action | None = None  # an option still waiting for its value
    greedy: argparse.Action | None = None  # an option with nargs + or * taking words
    only_positionals = False
    for word in before:
        if pending is not None:
            pending = None
            continue
        remainder = _positional_at(parser, len(positionals))
        if only_positionals or (remainder is not None and remainder.nargs == argparse.REMAINDER and positionals):
            positionals.append(word)
            continue
        if word == "--":
            only_positionals = True
            continue
        if word.startswith("-") and word != "-":
            greedy = None
            action = _option(parser, word.partition("=")[0])
            if action is not None and "=" not in word and action.nargs != 0:
                if action.nargs in ("+", "*"):
                    greedy = action
                else:
                    pending = action
            continue
        if greedy is not None:
            continue
        action = _positional_at(parser, len(positionals))
        if isinstance(action, argparse._SubParsersAction):
            child = action.choices.get(word)
            if child is None:
                return []
            parser, positionals, path = child, [], [*path, word]
            continue
        positionals.append(word)

    def values(action: argparse.Action, prefix: str = "") -> list[str]:
        found = _values(action, path, positionals, source)
        return [prefix + value for value in found]

    # "--format=js" typed as one word (zsh, fish).
    if current.startswith("--") and "=" in current and pending is None:
        name, _, value = current.partition("=")
        action = _option(parser, name)
        if action is None or action.nargs == 0:
            return []
        return _matching([f"{name}={v}" for v in values(action)], current)
    if pending is not None:
        return _matching(values(pending), current)

    action = _positional_at(parser, len(positionals))
    if path[:1] == ["tag"] and action is not None and not (current.startswith("--") and not positionals):
        return _matching(_tag_words(positionals, current, source), current)
    if current.startswith("-") and not only_positionals:
        return _matching(_options(parser), current)
    if greedy is not None:
        return _matching(values(greedy), current)
    if action is not None:
        return _matching(values(action), current)
    return []


def _matching(candidates: Iterable[str], current: str) -> list[str]:
    seen: dict[str, None] = {}
    for candidate in candidates:
        if candidate.startswith(current) and candidate and "\n" not in candidate:
            seen[candidate] = None
    return list(seen)


def _option(parser: argparse.ArgumentParser, text: str) -> argparse.Action | None:
    return parser._option_string_actions.get(text)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    found = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or not action.option_strings:
            continue
        # Long spellings first: they say what they do.
        found += sorted(action.option_strings, key=lambda s: (not s.startswith("--"), s))
    return found


def _positional_at(parser: argparse.ArgumentParser, index: int) -> argparse.Action | None:
    for action in parser._actions:
        if action.option_strings:
            continue
        if action.nargs in ("+", "*", argparse.REMAINDER, argparse.PARSER):
            return action
        if action.nargs == "?" or action.nargs is None:
            if index == 0:
                return action
            index -= 1
        elif isinstance(action.nargs, int):
            if index < action.nargs:
                return action
            index -= action.nargs
    return None


def _values(action: argparse.Action, path: list[str], positionals: list[str], source: Source) -> list[str]:
    if isinstance(action, argparse._SubParsersAction):
        return [name for name in action.choices if not name.startswith("__")]
    if action.choices:
        return [str(choice) for choice in action.choices]
    if path[:1] == ["status"]:
        # `status ID... STATUS`: each word is an id, or the status that ends the line.
        from readinglist.core.model import STATUSES

        return [*STATUSES, *source.paper_ids()] if positionals else source.paper_ids()
    kind = _kind(action, path)
    fetch: dict[str, Callable[[], list[str]]] = {
        "ids": lambda: source.paper_ids(trashed=bool(path) and path[0] in _TRASH_COMMANDS),
        "tags": source.tags,
        "searches": source.searches,
    }
    return fetch[kind]() if kind in fetch else []


def _kind(action: argparse.Action, path: list[str]) -> str | None:
    if path[-2:] == ["search", "rm"] and action.dest == "name":
        return "searches"
    if "--search" in action.option_strings:
        return "searches"
    if "--tag" in action.option_strings:
        return "tags"
    if action.dest in _ID_DESTS:
        return "ids"
    return None


def _tag_words(positionals: list[str], current: str, source: Source) -> list[str]:
    """``tag ID... +name -name``: ids, then +tags from every tag, -tags from the papers' own."""
    ids = [word for word in positionals if not word.startswith(("+", "-"))]
    if current.startswith("-"):
        return ["-" + tag for tag in source.tags(ids)]
    if current.startswith("+") or (ids and not current):
        return ["+" + tag for tag in source.tags()]
    return source.paper_ids()
