"""``readinglist search``: save, list and remove named searches (the app's saved searches)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options
from readinglist.core.text import clean_text

if TYPE_CHECKING:
    from readinglist.cli import Context


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "search",
        help="save, list and remove named searches",
        description="Saved searches: a name for a query (see docs/query.md), shared with the app.",
    )
    actions = parser.add_subparsers(dest="search_command", metavar="ACTION", required=True)

    p = actions.add_parser("save", help="save a query under a name", description="Save QUERY under NAME; a search of the same name is replaced. A query that starts with - goes after --: `readinglist search save mine -- '-diffusion'`.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("query", metavar="QUERY", help="e.g. 'title:clip year:2023 -diffusion'")
    add_common_options(p)
    p.set_defaults(func=run_save)

    p = actions.add_parser("list", help="list the saved searches", description="List the saved searches with their queries.")
    p.add_argument("--format", choices=("table", "json"), default="table")
    add_common_options(p)
    p.set_defaults(func=run_list)

    p = actions.add_parser("rm", help="remove a saved search", description="Remove the saved search called NAME.")
    p.add_argument("name", metavar="NAME")
    add_common_options(p)
    p.set_defaults(func=run_remove)


def _normal_name(name: str) -> str:
    # The same folding save_search applies, so what is printed is what was stored.
    return " ".join(name.split())


def run_save(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.session import load_searches, save_search

    name = _normal_name(args.name)
    existed = name in load_searches(ctx.home)
    save_search(ctx.home, args.name, args.query)
    verb = "replaced" if existed else "saved"
    ctx.out(f"{verb} search {clean_text(name)!r}: {clean_text(args.query)}")
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.session import load_searches

    searches = load_searches(ctx.home)
    if args.format == "json":
        from readinglist.cli.jsonout import dumps

        ctx.out(dumps([{"name": name, "query": query} for name, query in searches.items()]))
        return 0
    if not searches:
        ctx.out("no saved searches; save one with: readinglist search save NAME QUERY")
        return 0
    rows = [(clean_text(name), clean_text(query)) for name, query in searches.items()]
    width = max(len(name) for name, _ in rows)
    ctx.out(f"{'name':<{width}}  query")
    for name, query in rows:
        ctx.out(f"{name:<{width}}  {query}")
    return 0


def run_remove(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.session import remove_search

    name = _normal_name(args.name)
    remove_search(ctx.home, name)
    ctx.out(f"removed search {clean_text(name)!r}")
    return 0
