"""Commands over papers and annotations: import, list, show, star, status, tag, note."""

from __future__ import annotations

import argparse
import sys
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readinglist.cli import add_common_options
from readinglist.core.errors import UserError
from readinglist.core.model import STATUSES
from readinglist.core.text import clean_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from readinglist.cli import Context
    from readinglist.core.library import Library
    from readinglist.core.model import Annotation, Paper


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import listings, .bib, CSL-JSON or arXiv metadata", description="Import listing files (any of the three layouts), BibTeX, CSL-JSON or arXiv metadata lines into the store; the format is told from the content. A paper already in the library is merged, a removed one stays in the trash. Annotations are never touched (a new entry's keywords become its tags).")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    add_common_options(p)
    # The merge reads the library's records itself: the papers need not be
    # loaded first (at 100k, a re-import then peaked at 1 GB, not 0.7).
    p.set_defaults(func=run_import, lazy_corpus=True)

    p = sub.add_parser("list", help="list papers", description="List papers, filtered with the same query language as the app.")
    p.add_argument("--query", "-q", default="", help="filter, e.g. 'title:clip year:2023 -diffusion' (see docs/query.md)")
    p.add_argument("--starred", action="store_true", help="only starred papers")
    p.add_argument("--status", choices=STATUSES, help="only papers with this reading status")
    p.add_argument("--tag", help="only papers with this tag")
    p.add_argument("--sort", default=None, help="relevance, date, title, changed, starred, added, upvotes or fit")
    p.add_argument("--search", metavar="NAME", help="a saved search (readinglist search list), combined with the other filters")
    p.add_argument("--format", choices=("table", "json", "tsv"), default="table")
    add_common_options(p)
    p.set_defaults(func=run_list)

    p = sub.add_parser("show", help="show one paper", description="Show every field of one paper and its annotations.")
    p.add_argument("id", help="paper id (a unique prefix is enough)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_common_options(p)
    p.set_defaults(func=run_show, lazy_corpus=True)

    for name, value in (("star", True), ("unstar", False)):
        p = sub.add_parser(name, help=f"{name} papers", description=f"{name.capitalize()} papers: ids, or every paper --query selects.")
        p.add_argument("ids", nargs="*", metavar="ID")
        _query_option(p)
        add_common_options(p)
        p.set_defaults(func=run_star, star=value, lazy_corpus=True)

    p = sub.add_parser(
        "status",
        help="set the reading status",
        description=f"Set the reading status of papers: `readinglist status ID... STATUS` or `--query Q STATUS` ({', '.join(STATUSES)}).",
    )
    p.add_argument("items", nargs="+", metavar="ID... STATUS")
    _query_option(p)
    add_common_options(p)
    p.set_defaults(func=run_status, lazy_corpus=True)

    p = sub.add_parser(
        "tag",
        help="add or remove tags",
        description="Add (+name) or remove (-name) tags: `readinglist tag ID... +vision -todo`, or `--query Q +name`. Put options first.",
    )
    add_common_options(p)
    _query_option(p)
    p.add_argument("items", nargs=argparse.REMAINDER, metavar="ID... +TAG|-TAG")
    p.set_defaults(func=run_tag, lazy_corpus=True)

    p = sub.add_parser("note", help="set a paper's note", description="Set the note of a paper: the text, `-` to read it from stdin, or --edit to open $EDITOR.")
    p.add_argument("id")
    p.add_argument("text", nargs="?", help="the note (empty string clears it)")
    p.add_argument("--edit", action="store_true", help="edit the note in $EDITOR")
    add_common_options(p)
    p.set_defaults(func=run_note, lazy_corpus=True)


def _query_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--query", "-q", metavar="Q", help="every paper this filter selects (as in `readinglist list -q`)")


def _targets(library: Library, ids: list[str], query: str | None) -> list[str]:
    """The papers a verb applies to: the ids given, and those a query selects; all resolved first."""
    from readinglist.core.scope import Scope

    chosen = library.resolve_ids(ids)
    if query is not None:
        chosen += [p.id for p in library.select(Scope.of_query(query)) if p.id not in chosen]
    if not chosen:
        raise UserError("say which papers: give ids, or --query (`readinglist list` shows the ids)")
    return chosen


# --- import ------------------------------------------------------------


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    reports = ctx.store().import_files(args.paths, year=args.year)
    failed = 0
    from readinglist.cli.jsonout import shown

    for report in reports:
        if report.error:
            failed += 1
            from readinglist.core.identifiers import parse_thing

            thing = re.sub(r"^(https?):/(?!/)", r"\1://", report.path)  # Path() folded the URL's "//"
            hint = f"; to add a paper by id, URL or DOI: readinglist add {thing}" if report.error == "no such file" and parse_thing(thing) else ""
            ctx.err(f"{shown(report.path)}: error: {report.error}{shown(hint)}")
            continue
        kind = f"{report.layout} listing" if report.layout in ("metadata", "daily", "compact") else f"{report.layout} file"
        trashed = f", {report.trashed} left in the trash" if report.trashed else ""
        ctx.out(
            f"{shown(report.path)}: {kind}, {report.parsed} parsed, {report.new} new, "
            f"{report.merged} merged, {report.unchanged} unchanged{trashed}, {len(report.problems)} skipped or with problems"
        )
        for problem in report.problems:
            ctx.out(f"  {shown(problem.listing)}:{problem.line}: {problem.message}")
        for title, pid in report.duplicates[:20]:
            ctx.out(f"  {clean_text(title)[:70]}: already in the library as {pid}")
        if len(report.duplicates) > 20:
            ctx.out(f"  ... and {len(report.duplicates) - 20} more already in the library")
    if failed == len(reports):
        raise UserError("no file could be imported")
    return 1 if failed else 0


# --- list / show ---------------------------------------------------------


def paper_record(paper: Paper, annotation: Annotation) -> dict[str, Any]:
    """Every field of a paper and its annotation, as JSON output carries them."""
    record = paper.to_dict()
    record["year"] = paper.year
    record["listings"] = paper.listings
    record["arxiv_url"] = paper.arxiv_url
    record["has_code"] = paper.code_available()  # the same answer as has:code and the app's column
    record.update(
        star=annotation.star,
        status=annotation.status,
        tags=annotation.tags,
        note=annotation.note,
        annotated=annotation.updated,
    )
    return record


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.model import DEFAULT_ANNOTATION
    from readinglist.core.scope import Scope, query_with_filters

    library = ctx.library()
    query = args.query
    if args.search:
        from readinglist.core.session import load_searches

        saved = load_searches(ctx.home)
        if args.search not in saved:
            raise UserError(f"no saved search is called {args.search!r}; `readinglist search list` shows them")
        query = f"({saved[args.search]}) ({query})" if query else saved[args.search]
    text = query_with_filters(query, starred=args.starred, status=args.status, tag=args.tag)
    papers = library.select(Scope.of_query(text, sort=args.sort))
    annotations = library.annotations

    if args.format == "json":
        from readinglist.cli.jsonout import dumps

        records = [paper_record(p, annotations.get(p.id, DEFAULT_ANNOTATION)) for p in papers]
        ctx.out(dumps(records))
        return 0
    if args.format == "tsv":
        ctx.out("\t".join(("id", "star", "status", "year", "category", "first_author", "title", "tags")))
        for p in papers:
            a = annotations.get(p.id, DEFAULT_ANNOTATION)
            row = (p.id, "*" if a.star else "", a.status, str(p.year or ""), p.category or "", p.first_author, p.title, ",".join(a.tags))
            ctx.out("\t".join(_tsv(clean_text(v)) for v in row))
        return 0
    _print_table(ctx, papers, annotations)
    return 0


def _tsv(value: str) -> str:
    return value.replace("\t", " ").replace("\n", " ")


def _print_table(ctx: Context, papers: list[Paper], annotations: Mapping[str, Annotation]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from readinglist.core.model import DEFAULT_ANNOTATION

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")  # ids whole: titles are cut instead
    for name, kwargs in (
        ("id", {"no_wrap": True, "min_width": 9}),
        ("★", {"no_wrap": True}),
        ("status", {"no_wrap": True}),
        ("year", {"no_wrap": True}),
        ("cat", {"no_wrap": True}),
        ("title", {"ratio": 3, "overflow": "ellipsis", "no_wrap": True}),
        ("first author", {"ratio": 1, "overflow": "ellipsis", "no_wrap": True}),
    ):
        table.add_column(name, **kwargs)
    for p in papers:
        a = annotations.get(p.id, DEFAULT_ANNOTATION)
        table.add_row(
            p.id,
            "★" if a.star else "",
            a.status,
            str(p.year or ""),
            Text(clean_text(p.category or "")),
            Text(clean_text(p.title)),
            Text(clean_text(p.first_author)),
        )
    # A pipe gets whole lines, not lines cut to a guessed 80 columns.
    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 100_000)
    console.print(table)
    console.print(Text(f"{len(papers)} papers"), style="dim")


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    library = ctx.library()
    pid = library.resolve_id(args.id)
    paper = library.paper(pid)
    assert paper is not None
    annotation = library.annotation(pid)
    if args.format == "json":
        from readinglist.cli.jsonout import dumps

        ctx.out(dumps(paper_record(paper, annotation)))
        return 0
    from readinglist.core.links import arxiv_search_url

    lines = [
        paper.title,
        "",
        f"id:          {paper.id}",
        f"authors:     {', '.join(paper.authors) + (' et al.' if paper.authors_truncated else '') or '-'}",
        f"affiliations: {', '.join(paper.affiliations) or '-'}",
        f"category:    {paper.category or '-'}",
        f"date:        {paper.date or '-'}{' (year inferred)' if paper.date_inferred else ''}",
        f"arXiv:       {paper.arxiv_url or 'not resolved — ' + arxiv_search_url(paper.title)}",
        f"key:         {paper.citation_key or '- (assigned at the first export, then kept)'}",
    ]
    for kind, urls in paper.links.items():
        for url in urls:
            lines.append(f"{kind + ':':<12} {url}")
    from readinglist.core.corpus import edited_fields

    if edited_fields(paper):
        lines.append(f"edited:      {', '.join(edited_fields(paper))} (yours: never overwritten)")
    lines += [
        f"listings:    {', '.join(paper.listings)}",
        f"star:        {'yes' if annotation.star else 'no'}",
        f"status:      {annotation.status}",
        f"tags:        {', '.join(annotation.tags) or '-'}",
        f"note:        {annotation.note or '-'}",
        "",
        paper.abstract or "(no abstract)",
    ]
    # Text output goes to a terminal: no escape sequence from a paper or a
    # note may reach it (JSON output escapes them by itself).
    ctx.out("\n".join(clean_text(line, multiline=True) for line in lines))
    return 0


# --- annotations ---------------------------------------------------------


def run_star(args: argparse.Namespace, ctx: Context) -> int:
    library = ctx.library()
    pids = _targets(library, args.ids, args.query)  # all or nothing: one undo step
    library.set_star(pids, args.star)
    for pid in pids:
        ctx.out(f"{'starred' if args.star else 'unstarred'} {pid}  {_title(library, pid)}")
    return 0


def run_status(args: argparse.Namespace, ctx: Context) -> int:
    *ids, status = args.items
    if status not in STATUSES:  # a usage error, as argparse reports them: exit 2
        ctx.err(f"readinglist status: error: argument STATUS (last): invalid choice: {status!r} (choose from {', '.join(STATUSES)})")
        return 2
    library = ctx.library()
    pids = _targets(library, ids, args.query)
    library.set_status(pids, status)
    for pid in pids:
        ctx.out(f"{pid} is now {status}  {_title(library, pid)}")
    return 0


def run_tag(args: argparse.Namespace, ctx: Context) -> int:
    items = list(args.items)
    ids = [item for item in items if not item.startswith(("+", "-"))]
    changes = [item for item in items if item.startswith(("+", "-"))]
    if not changes:
        raise UserError("say which tags to add or remove: readinglist tag ID +name -name")
    add, remove = [], []
    for change in changes:
        if change.startswith("+") and len(change) > 1:
            add.append(change[1:])
        elif change.startswith("-") and len(change) > 1 and not change.startswith("--"):
            remove.append(change[1:])
        else:
            raise UserError(f"{change!r}: write +name to add a tag or -name to remove one (options go before the id)")
    library = ctx.library()
    pids = _targets(library, ids, args.query)
    library.update_tags(pids, add, remove)
    for pid in pids:
        ctx.out(f"{pid} tags: {clean_text(', '.join(library.annotation(pid).tags)) or '(none)'}")
    return 0


def run_note(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.cli.editor import decode_text, edit_text, keep_unsaved
    from readinglist.core.store import NoteConflict

    library = ctx.library()
    pid = library.resolve_id(args.id)
    expected = None
    if args.edit:
        expected = library.annotation(pid).note
        text = edit_text(expected)
    elif args.text == "-":
        import sys

        text = decode_text(sys.stdin.buffer.read(), "the note on standard input")
    elif args.text is not None:
        text = args.text
    else:
        raise UserError("give the note text, `-` to read it from stdin, or --edit")
    try:
        library.set_note(pid, text, expected=expected)
    except NoteConflict:
        kept = keep_unsaved(library.home, pid, text)
        where = f"your version is kept in {kept}" if kept else "your version could not be kept"
        raise UserError(f"the note of {pid} was changed by another readinglist while you edited it; it was not overwritten, and {where}") from None
    ctx.out(f"{pid} note {'saved' if text.strip() else 'cleared'}")
    return 0


def _title(library: Library, pid: str) -> str:
    paper = library.paper(pid)
    return clean_text(paper.title) if paper else ""
