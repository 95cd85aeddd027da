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

FORMATS = ("bib", "biblatex", "csl", "ris", "md")
_SUFFIX_FORMATS = {".bib": "bib", ".bibtex": "bib", ".json": "csl", ".ris": "ris", ".md": "md", ".markdown": "md"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export papers to BibTeX, biblatex, CSL-JSON, RIS or Markdown",
        description=(
            "Export starred papers (or a query, a tag, or everything) to BibTeX, biblatex, CSL-JSON, "
            "RIS or Markdown. Writes to stdout unless -o or --append names a file; an existing file is "
            "only replaced with --force. See docs/export.md."
        ),
    )
    p.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        help="bib, biblatex, csl (CSL-JSON), ris or md (default: from the file name's extension)",
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
        help="add to the end of FILE, creating it if needed; papers already in it are skipped",
    )
    p.add_argument("--force", action="store_true", help="replace the -o file if it exists")
    p.add_argument(
        "--group-by",
        choices=("status", "tag", "none"),
        default="status",
        help="Markdown only: group papers by reading status (default), by tag, or not at all",
    )
    p.add_argument("--abstracts", action="store_true", help="include each paper's abstract")
    p.add_argument("--keywords", action="store_true", help="BibTeX, biblatex, CSL-JSON, RIS: your tags as keywords")
    p.add_argument("--utf8", action="store_true", help="BibTeX, biblatex: write UTF-8 letters instead of LaTeX accents")
    p.add_argument("--title", help="Markdown only: the document's title")
    add_common_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core import export

    destination: Path | None = args.append or args.output
    fmt = _format(args.format, destination)
    if fmt != "md" and (args.title or args.group_by != "status"):
        raise UserError("--title and --group-by apply to --format md only")
    if fmt == "md" and args.keywords:
        raise UserError("--keywords applies to bib, biblatex, csl and ris; Markdown shows tags anyway")
    if fmt not in {"bib", "biblatex"} and args.utf8:
        raise UserError("--utf8 applies to --format bib and biblatex only")
    library = ctx.library()
    scope = scope_of(args)
    papers = library.select(scope)
    if not papers:
        raise UserError(f"nothing to export: {scope.empty_message}")
    options = export.ExportOptions(
        abstracts=args.abstracts,
        keywords=args.keywords,
        utf8=args.utf8,
        title=args.title if args.title is not None else scope.title,
        group_by=args.group_by,
    )

    if destination is None:
        rendered = library.export(fmt, papers, options)
        ctx.out(rendered.text.rstrip("\n"))
        for warning in rendered.warnings:
            ctx.err(warning)
        return 0
    report = library.export(fmt, papers, options, path=destination, force=args.force, append=args.append is not None)
    verb = "appended" if args.append else "wrote"
    message = f"{verb} {_count(len(report.written))} to {destination}"
    if report.skipped:
        message += f"; skipped {_count(len(report.skipped))} already in it"
    ctx.out(message)
    for warning in report.warnings:
        ctx.err(warning)
    return 0


def _count(n: int) -> str:
    return f"{n} paper{'s' if n != 1 else ''}"


def _format(chosen: str | None, destination: Path | None) -> str:
    if chosen:
        return chosen
    if destination is not None and destination.suffix.lower() in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[destination.suffix.lower()]
    raise UserError("say which format: --format bib, biblatex, csl, ris or md")


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
