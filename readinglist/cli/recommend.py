"""``readinglist recommend``: papers like a paper, the starred ones, a tag or a text, with reasons."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options
from readinglist.core.text import clean_text

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.model import Paper


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "recommend",
        help="papers like a paper, the starred ones, a tag or a text",
        description=(
            "Rank papers by how much their words, authors and categories resemble a paper, "
            "the starred papers (the default), the papers of a tag, or a text. "
            "The papers it is made of are left out. See docs/recommend.md."
        ),
    )
    like = p.add_mutually_exclusive_group()
    like.add_argument("--like", metavar="ID", help="papers like this paper (a unique id prefix is enough)")
    like.add_argument("--tag", metavar="NAME", help="papers like the papers with this tag")
    like.add_argument("--starred", action="store_true", help="papers like the starred papers (the default)")
    like.add_argument("--text", metavar="TEXT", help="papers like this text, e.g. a pasted abstract")
    p.add_argument("--query", "-q", default="", help="rank only the papers this filter shows (see docs/query.md)")
    p.add_argument("--limit", "-n", type=_positive, default=20, help="how many papers (default 20)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    add_common_options(p)
    p.set_defaults(func=run_recommend)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run_recommend(args: argparse.Namespace, ctx: Context) -> int:
    library = ctx.library()
    papers, annotations = library.papers, library.annotations
    like = args.like or (f"tag:{args.tag}" if args.tag else None)
    profile, ranked = library.recommend(like, text=args.text, query=args.query, limit=args.limit)
    model = library.similarity
    if args.format == "json":
        records = [
            {
                "id": papers[pos].id,
                "title": papers[pos].title,
                "score": round(score, 4),
                "reasons": model.reasons(profile, pos),
                "year": papers[pos].year,
                "authors": papers[pos].authors,
                "star": annotations[papers[pos].id].star if papers[pos].id in annotations else False,
            }
            for pos, score in ranked
        ]
        ctx.out(json.dumps({"like": profile.label, "papers": records}, ensure_ascii=False, indent=2))
        return 0
    _print_table(ctx, profile.label, [(papers[pos], score, model.reasons(profile, pos)) for pos, score in ranked])
    return 0


def _print_table(ctx: Context, label: str, rows: list[tuple[Paper, float, list[str]]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=False)
    reasons_width = 24
    # score, id and year keep their width (5 + 9 + 4, and two spaces between
    # column); the title takes what is left, so Rich never squeezes the id away.
    title_width = max(20, console.width - 5 - 9 - 4 - reasons_width - 8)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("year", no_wrap=True)
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=title_width)
    table.add_column("because of", overflow="ellipsis", no_wrap=True, max_width=reasons_width)
    for paper, score, reasons in rows:
        table.add_row(
            f"{score:.3f}",
            paper.id,
            str(paper.year or ""),
            Text(clean_text(paper.title)),
            Text(clean_text(", ".join(reasons))),
        )
    console.print(Text(f"like {clean_text(label)}"), style="dim")
    console.print(table)
    console.print(Text(f"{len(rows)} papers"), style="dim")
