"""`readinglist fetch`: bring in the day's new papers from the subscribed feeds."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.feeds.report import FetchProgress

DESCRIPTION = """\
Fetch new papers from Hugging Face daily papers and arXiv's announcements,
with full metadata (authors, dates, categories, arXiv ids, code links), and
add them to the library. Papers already there (same arXiv id, or same title)
are merged, never duplicated. Without a source: every subscription in the
config file's [feeds] section, since the last successful fetch (the first
time: the latest day). See docs/feeds.md.

examples:
  readinglist fetch
  readinglist fetch hf --date 2026-11-30
  readinglist fetch hf --since 2026-11-01
  readinglist fetch arxiv cs.CV --days 3 --dry-run
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "fetch",
        help="add the new papers of the subscribed daily feeds",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", nargs="?", choices=("hf", "arxiv"), help="only this source")
    parser.add_argument("categories", nargs="*", metavar="CATEGORY", help="arXiv categories (with arxiv), e.g. cs.CV")
    span = parser.add_mutually_exclusive_group()
    span.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="this day only")
    span.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this day to today")
    span.add_argument("--days", type=int, metavar="N", help="the last N days, today included")
    parser.add_argument("--dry-run", action="store_true", help="list what would be added; change nothing")
    parser.add_argument("--refresh", action="store_true", help="ignore cached answers and ask again")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    add_common_options(parser)
    parser.set_defaults(func=run)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def run(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.cli.enrich import _CancelOnCtrlC
    from readinglist.core.enrich.settings import load_settings
    from readinglist.core.feeds.plan import load_feeds_config, make_plan
    from readinglist.core.feeds.run import run_fetch
    from readinglist.core.feeds.state import load_state

    settings = load_settings(ctx.config.section("network"))
    config = load_feeds_config(ctx.config.section("feeds"))
    store = ctx.store()
    now = dt.datetime.now(dt.timezone.utc)
    plan = make_plan(
        config,
        load_state(store.home).last_success(),
        today=now.date(),
        source=args.source,
        categories=args.categories,
        date=args.date,
        since=args.since,
        days=args.days,
    )
    cancel = threading.Event()
    status = _Status()
    try:
        with _CancelOnCtrlC(cancel, ctx):
            report = run_fetch(
                store, plan, settings, progress=status.update, cancel=cancel, dry_run=args.dry_run, refresh=args.refresh, now=now
            )
    finally:
        status.clear()
    if args.format == "json":
        ctx.out(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            ctx.out(line)
    if report.cancelled:
        return 130
    if report.failed:
        names = ", ".join(s.source for s in report.failed)
        ctx.err(f"readinglist: error: {names} failed; the other sources' papers were kept")
        return 1
    return 0


class _Status:
    """One self-erasing status line on stderr, only on a terminal."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()

    def update(self, info: FetchProgress) -> None:
        if self.live:
            sys.stderr.write(f"\r\x1b[Kfetching: {info.message[:70]}")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.live:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

