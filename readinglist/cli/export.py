"""`readinglist export`: papers to BibTeX or Markdown, on stdout or in a file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options
from readinglist.core.errors import UserError

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.scope import Scope

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
    library = ctx.library()
    annotations = library.annotations
    scope = scope_of(args)
    papers = library.select(scope)
    if not papers:
        raise UserError(f"nothing to export: {scope.empty_message}")

    if fmt == "bib":
        taken = export.bibtex_keys_in(export.read_existing(args.append)) if args.append else set()
        text = export.to_bibtex(papers, existing_keys=taken)
    else:
        title = args.title if args.title is not None else scope.title
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


def scope_of(args: argparse.Namespace) -> Scope:
    """The papers the options choose: starred unless a query, a tag or --all says otherwise."""
    from readinglist.core.scope import Scope

    if args.query is not None:
        return Scope.of_query(args.query)
    if args.tag is not None:
        return Scope.of_tag(args.tag)
    if args.all:
        return Scope.everything()
    return Scope.starred()
