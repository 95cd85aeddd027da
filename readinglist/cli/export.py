"""`readinglist export`: papers to BibTeX or Markdown, on stdout or in a file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options
from readinglist.core.errors import UserError

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.model import Annotation, Paper
    from readinglist.core.store import Store

FORMATS = ("bib", "md")
_SUFFIX_FORMATS = {".bib": "bib", ".bibtex": "bib", ".md": "md", ".markdown": "md"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export papers to BibTeX or Markdown",
        description=(
            "Export starred papers (or a query, a tag, or everything) to BibTeX or Markdown. "
            "Writes to stdout unless -o or --append names a file; an existing file is only "
            "replaced with --force. See docs/export.md."
        ),
    )
    p.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        help="bib or md (default: from the file name's extension)",
    )
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--starred", action="store_true", help="starred papers (the default)")
    scope.add_argument("--query", "-q", metavar="Q", help="papers matching a query, as in `readinglist list -q`")
    scope.add_argument("--tag", "-t", metavar="T", help="papers with this tag")
    scope.add_argument("--all", action="store_true", help="every paper in the store")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE (refuses to replace it without --force)")
    target.add_argument(
        "--append",
        type=Path,
        metavar="FILE",
        help="add to the end of FILE, creating it if needed; BibTeX keys stay unique against those already in it",
    )
    p.add_argument("--force", action="store_true", help="replace the -o file if it exists")
    p.add_argument(
        "--group-by",
        choices=("status", "tag", "none"),
        default="status",
        help="Markdown only: group papers by reading status (default), by tag, or not at all",
    )
    p.add_argument("--abstracts", action="store_true", help="Markdown only: include each paper's abstract")
    p.add_argument("--title", help="Markdown only: the document's title")
    add_common_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core import export

    destination: Path | None = args.append or args.output
    fmt = _format(args.format, destination)
    if fmt == "bib" and (args.abstracts or args.title or args.group_by != "status"):
        raise UserError("--abstracts, --title and --group-by apply to --format md only")
    store = ctx.store()
    annotations = store.annotations()
    papers, scope = select(args, store, annotations)
    if not papers:
        raise UserError(f"nothing to export: {scope}")

    if fmt == "bib":
        taken = export.bibtex_keys_in(export.read_existing(args.append)) if args.append else set()
        text = export.to_bibtex(papers, annotations, existing_keys=taken)
    else:
        title = args.title if args.title is not None else f"Reading list: {_scope_title(args)}"
        text = export.to_markdown(papers, annotations, title=title, group_by=args.group_by, abstracts=args.abstracts)

    if destination is None:
        ctx.out(text.rstrip("\n"))
        return 0
    export.write_export(destination, text, force=args.force, append=args.append is not None)
    count = f"{len(papers)} paper{'s' if len(papers) != 1 else ''}"
    verb = "appended" if args.append else "wrote"
    ctx.out(f"{verb} {count} to {destination}")
    return 0


def _format(chosen: str | None, destination: Path | None) -> str:
    if chosen:
        return chosen
    if destination is not None and destination.suffix.lower() in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[destination.suffix.lower()]
    raise UserError("say which format: --format bib or --format md")


def select(args: argparse.Namespace, store: Store, annotations: dict[str, Annotation]) -> tuple[list[Paper], str]:
    """The papers in scope, in store order (query results in query order),
    and what to say when there are none."""
    from readinglist.core.model import DEFAULT_ANNOTATION
    from readinglist.core.text import fold

    if args.query is not None:
        return query_papers(store, args.query), f"no paper matches the query {args.query!r}"
    papers = store.papers()
    if args.all:
        return list(papers), "the store holds no paper"
    if args.tag is not None:
        from readinglist.core.store import normalize_tags

        wanted = [fold(t) for t in normalize_tags([args.tag])]
        if not wanted:
            raise UserError(f"{args.tag!r} is not a tag name")
        chosen = [p for p in papers if wanted[0] in {fold(t) for t in annotations.get(p.id, DEFAULT_ANNOTATION).tags}]
        return chosen, f"no paper has the tag {args.tag!r}"
    chosen = [p for p in papers if annotations.get(p.id, DEFAULT_ANNOTATION).star]
    return chosen, "no paper is starred (star some with `readinglist star ID`, or use --all, --tag or --query)"


def query_papers(store: Store, query: str) -> list[Paper]:
    """The query language goes through the same matching path as `readinglist list`."""
    from readinglist.cli.papers import select as select_by_query

    return select_by_query(store, query=query)


def _scope_title(args: argparse.Namespace) -> str:
    if args.query is not None:
        return f"papers matching {args.query}"
    if args.tag is not None:
        return f"papers tagged {args.tag}"
    if args.all:
        return "all papers"
    return "starred papers"
