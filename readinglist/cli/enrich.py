"""`readinglist enrich`: resolve arXiv ids, metadata and code links over the network."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options
from readinglist.core.errors import UserError

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.enrich.runner import ProgressInfo
    from readinglist.core.scope import Scope

DESCRIPTION = """\
Resolve each paper's arXiv id, abs and PDF links, full author list, date,
primary category, DOI and code links, from arXiv and Hugging Face (and
Semantic Scholar with --sources arxiv,hf,s2). A title is only accepted when
it matches exactly, or very closely with an author, the category or the date
agreeing. Without a scope option: every paper not yet resolved. Answers are
cached, so an interrupted run continues where it stopped. Ctrl+C stops
cleanly and keeps what was resolved. See docs/enrichment.md.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "enrich",
        help="resolve arXiv ids and code links over the network",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--query", "-q", metavar="Q", help="the papers this filter selects (see docs/query.md)")
    scope.add_argument("--starred", action="store_true", help="the starred papers")
    scope.add_argument("--all", dest="everything", action="store_true", help="every paper, resolved or not")
    scope.add_argument("--id", dest="ids", nargs="+", metavar="ID", help="these papers (unique id prefixes work)")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N papers")
    parser.add_argument(
        "--sources",
        default="arxiv,hf",
        metavar="LIST",
        help="services to ask, comma separated: arxiv, hf, s2 (default: arxiv,hf)",
    )
    parser.add_argument("--refresh", action="store_true", help="ignore cached answers and ask again")
    add_common_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.enrich.runner import parse_sources, run_enrichment
    from readinglist.core.enrich.settings import load_settings

    settings = load_settings(ctx.config.section("network"))
    sources = parse_sources(args.sources)
    if args.limit is not None and args.limit < 0:
        raise UserError("--limit must be zero or more")
    library = ctx.library()
    store = library.store
    papers = library.select(scope_of(args))[: args.limit]
    if not papers:
        ctx.out("Nothing to enrich: every paper in scope is resolved (--all asks again for every paper).")
        return 0
    cancel = threading.Event()
    with _CancelOnCtrlC(cancel, ctx), _ProgressBar(len(papers)) as bar:
        summary = run_enrichment(
            store, papers, settings, sources=sources, refresh=args.refresh, progress=bar.update, cancel=cancel
        )
    for line in summary.lines():
        ctx.out(line)
    if summary.cancelled:
        return 130
    return 1 if summary.failed or summary.stopped else 0


def scope_of(args: argparse.Namespace) -> Scope:
    """An explicit choice takes its papers resolved or not (cached answers make
    that cheap); with none made, every paper not yet resolved."""
    from readinglist.core.scope import Scope

    if args.ids:
        return Scope.of_ids(args.ids)
    if args.query is not None:
        return Scope.of_query(args.query)
    if args.starred:
        return Scope.starred()
    if args.everything:
        return Scope.everything()
    return Scope.unresolved()


class _CancelOnCtrlC:
    """First Ctrl+C asks the run to stop after the current request; a second one aborts."""

    def __init__(self, cancel: threading.Event, ctx: Context) -> None:
        self.cancel = cancel
        self.ctx = ctx
        self.previous: object = None

    def _handler(self, signum: int, frame: object) -> None:
        if self.cancel.is_set():
            raise KeyboardInterrupt
        self.cancel.set()
        self.ctx.err("readinglist: stopping after the current request (Ctrl+C again to abort)")

    def __enter__(self) -> _CancelOnCtrlC:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)  # type: ignore[arg-type]


class _ProgressBar:
    """A rich progress bar on stderr: papers done, resolved, failed, ETA."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("enriching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("resolved {task.fields[resolved]} · failed {task.fields[failed]}"),
            TimeRemainingColumn(),
            # Paper titles are untrusted: never read as markup.
            TextColumn("{task.fields[message]}", markup=False),
            console=Console(stderr=True),
        )
        self.task = self.progress.add_task("enrich", total=total, resolved=0, failed=0, message="")

    def __enter__(self) -> _ProgressBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.update(self.task, message="")
        self.progress.stop()

    def update(self, info: ProgressInfo) -> None:
        self.progress.update(
            self.task, completed=info.done, resolved=info.resolved, failed=info.failed, message=info.message[:50]
        )
