"""The command line: ``readinglist`` launches the TUI, subcommands script the store.

Exit codes: 0 success, 1 a user-facing error (one line on stderr), 2 usage.
Each subcommand lives in its own module with ``register(subparsers)``; the
modules call the same core functions as the TUI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist import __version__
from readinglist.core.errors import UserError

if TYPE_CHECKING:
    from readinglist.core.config import Config
    from readinglist.core.store import Store


class Context:
    """What every command needs, opened lazily so ``--help`` stays instant."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._store: Store | None = None
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

            self._store = Store.open(self.home, year=self.args.year)
        return self._store

    def out(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")

    def err(self, text: str) -> None:
        sys.stderr.write(text + "\n")


def build_parser() -> argparse.ArgumentParser:
    from readinglist.cli import doctor, enrich, export, papers

    parser = argparse.ArgumentParser(
        prog="readinglist",
        description="Triage research papers from the keyboard. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"readinglist {__version__}")
    add_common_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (papers, export, enrich, doctor):
        module.register(sub)
    from readinglist.cli import recommend

    recommend.register(sub)
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(args)
    try:
        if args.command is None:
            return launch_tui(ctx)
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


def launch_tui(ctx: Context) -> int:
    corpus = ctx.home / "corpus.json"
    try:
        size = corpus.stat().st_size
    except OSError:
        size = 0
    if size > 20_000_000:  # about 10k papers: loading takes a noticeable moment
        ctx.err(f"readinglist: loading {size / 1e6:.0f} MB of papers from {corpus}…")
    store = ctx.store()
    from readinglist.tui.app import ReadingListApp

    app = ReadingListApp(store=store, config=ctx.config)
    try:
        app.run()
    finally:
        store.backup_annotations()  # the session's changes get a backup too
    return app.return_code or 0
