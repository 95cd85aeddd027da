"""The command line: subcommands that script the library (``readinglist.main``
opens the app when no subcommand is given).

Exit codes: 0 success, 1 a user-facing error (one line on stderr), 2 usage.
Each subcommand lives in its own module with ``register(subparsers)``; the
modules call the same core functions as the TUI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist import __version__
from readinglist.core.errors import UserError

if TYPE_CHECKING:
    from readinglist.core.config import Config
    from readinglist.core.library import Library
    from readinglist.core.store import Store


class Context:
    """What every command needs, opened lazily so ``--help`` stays instant."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._store: Store | None = None
        self._library: Library | None = None
        self._config: Config | None = None

    @property
    def home(self) -> Path:
        from readinglist.core.config import default_home

        return Path(self.args.home).expanduser() if self.args.home else default_home()

    @property
    def config(self) -> Config:
        if self._config is None:
            from readinglist.core.config import load_config

            path = Path(self.args.config).expanduser() if self.args.config else None
            self._config = load_config(path)
        return self._config

    def store(self) -> Store:
        if self._store is None:
            from readinglist.core.store import Store

            # A new store takes the built-in papers unless the config says builtin_corpus = false.
            seed = (self.home / "corpus.json").exists() or self.config.get("builtin_corpus", True) is not False
            # A command about a few papers (star ID, show ID) sets lazy_corpus: the
            # papers are then looked up one by one, not all parsed (seconds at 100k).
            lazy = getattr(self.args, "lazy_corpus", False)
            self._store = Store.open(self.home, year=self.args.year, seed=seed, lazy=lazy)
        return self._store

    def library(self) -> Library:
        """The store's papers, annotations and verbs: what every paper command works on."""
        if self._library is None:
            from readinglist.core.library import Library

            self._library = Library(self.store(), label="cli")
        return self._library

    def out(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")

    def err(self, text: str) -> None:
        sys.stderr.write(text + "\n")


def build_parser() -> argparse.ArgumentParser:
    from readinglist.cli import completion, doctor, enrich, export, fetch, history, library, papers, recommend, searches

    parser = argparse.ArgumentParser(
        prog="readinglist",
        description="Triage research papers from the keyboard. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"readinglist {__version__}")
    add_common_options(parser, top_level=True)
    parser.add_argument("--fresh", action="store_true", help="open the app without the last session's filter, sort and paper")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (papers, library, export, enrich, fetch, recommend, history, doctor, searches, completion):
        module.register(sub)
    return parser


def add_common_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """Options accepted before or after the subcommand name."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=default,
        help="store directory (default: $READINGLIST_HOME or the platform data dir)",
    )
    parser.add_argument(
        "--config", metavar="FILE", default=default, help="config file (default: $READINGLIST_CONFIG or the platform config dir)"
    )
    parser.add_argument(
        "--year",
        type=int,
        default=default,
        metavar="YYYY",
        help="year of listings whose dates have none (default: the current year)",
    )


def main(argv: list[str] | None = None, *, launch: Callable[[Context], int] | None = None) -> int:
    """Run a command; without one, ``launch`` opens the app (``readinglist.main``
    passes it: the CLI itself never imports the app)."""
    argv = sys.argv[1:] if argv is None else argv
    bad = next((arg for arg in argv if not _is_utf8(arg)), None)
    if bad is not None:
        # Python hands undecodable bytes over as lone surrogates, which fail
        # later, deep inside, as a TypeError: stop them at the door.
        from readinglist.cli.jsonout import shown

        sys.stderr.write(f"readinglist: error: the argument '{shown(bad)}' is not valid UTF-8; nothing was changed\n")
        return 1
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(args)
    try:
        # Every command reads the config, so an invalid file is reported the
        # same way (file and position, exit 1) whichever command met it first.
        ctx.config  # noqa: B018
        if args.command is None:
            if launch is None:
                parser.print_help()
                return 0
            return launch(ctx)
        return int(args.func(args, ctx) or 0)
    except UserError as exc:
        ctx.err(f"readinglist: error: {exc}")
        return 1
    except KeyboardInterrupt:
        ctx.err("readinglist: interrupted")
        return 130
    except BrokenPipeError:
        # `readinglist list | head` closes the pipe early: not an error.
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
