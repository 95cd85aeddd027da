"""Growing and pruning the library: add, remove, trash, restore, edit, pdf, attach, init."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options
from readinglist.core.errors import UnknownPaper, UserError
from readinglist.core.model import STATUSES
from readinglist.core.text import clean_text

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.store import Store

ADD_DESCRIPTION = """\
Add papers by arXiv id (2304.07193, arXiv:2304.07193v2, hep-th/9901001), by a
URL that carries one (arxiv.org abs/pdf/html, export.arxiv.org,
huggingface.co/papers, alphaxiv.org), by DOI (10.1145/..., doi:..., https://doi.org/...),
or by --title (added only when arXiv has a confident match). A paper already in
the library is merged, never added twice. Exit 1 when any THING failed.
See docs/adding.md.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add", help="add papers by arXiv id, URL, DOI or title", description=ADD_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("things", nargs="*", metavar="THING")
    p.add_argument("--title", dest="titles", action="append", default=[], metavar="TITLE", help="a paper's title (repeatable)")
    p.add_argument("--star", action="store_true", help="star what was added")
    p.add_argument("--tag", dest="tags", action="append", default=[], metavar="TAG", help="tag what was added (repeatable)")
    p.add_argument("--status", choices=STATUSES, help="set the reading status of what was added")
    p.add_argument("--note", help="add this note to what was added")
    p.add_argument("--refresh", action="store_true", help="ignore cached answers and ask again")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_common_options(p)
    p.set_defaults(func=run_add)

    p = sub.add_parser("remove", help="move papers to the trash", description="Move papers (with their annotations) to the trash; `readinglist restore` brings them back. A removed paper stays removed when its listing is imported again.")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--builtin", action="store_true", help="remove every built-in paper that has no annotations")
    add_common_options(p)
    p.set_defaults(func=run_remove)

    p = sub.add_parser("trash", help="list the trash, or empty it", description="List removed papers. --empty deletes them for good (all, or the ids given).")
    p.add_argument("ids", nargs="*", metavar="ID", help="with --empty: only these")
    p.add_argument("--empty", action="store_true", help="delete papers in the trash for good")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_common_options(p)
    p.set_defaults(func=run_trash)

    p = sub.add_parser("restore", help="bring papers back from the trash", description="Bring removed papers back, with the annotations they had.")
    p.add_argument("ids", nargs="+", metavar="ID")
    add_common_options(p)
    p.set_defaults(func=run_restore)

    p = sub.add_parser("edit", help="fix a paper's metadata by hand", description="Set fields by hand. An edited field is yours: no enrichment, import or feed overwrites it. An empty value clears a field. The paper keeps its id.")
    p.add_argument("id")
    p.add_argument("--title")
    p.add_argument("--authors", help='names separated by ";" or " and "')
    p.add_argument("--year", dest="pub_year", metavar="YYYY", help="the year it was published")
    p.add_argument("--date", help="YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--arxiv", metavar="ID", help="arXiv id (any form, or an arXiv URL)")
    p.add_argument("--doi")
    p.add_argument("--url")
    p.add_argument("--code", action="append", metavar="URL", help="code repository (repeatable; replaces the code links)")
    p.add_argument("--key", help="citation key for BibTeX export")
    # Not add_common_options: its --year (of listings) would clash with the paper's --year.
    p.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS, help="store directory")
    p.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=run_edit)

    p = sub.add_parser("pdf", help="download and open a paper's PDF", description="Download the paper's PDF (arXiv, or the DOI's open-access link) into <home>/pdfs/<id>.pdf and open it.")
    p.add_argument("id")
    p.add_argument("--no-open", dest="open", action="store_false", help="only download")
    p.add_argument("--force", action="store_true", help="download again even if the PDF is already there")
    add_common_options(p)
    p.set_defaults(func=run_pdf)

    p = sub.add_parser("attach", help="store a local PDF for a paper", description="Copy a local PDF into <home>/pdfs/<id>.pdf.")
    p.add_argument("id")
    p.add_argument("file", type=Path)
    add_common_options(p)
    p.set_defaults(func=run_attach)

    p = sub.add_parser("init", help="create the store", description="Create the store, with the built-in papers or, with --empty, without them.")
    p.add_argument("--empty", action="store_true", help="start with no papers")
    add_common_options(p)
    p.set_defaults(func=run_init)


def run_add(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.adding import Annotate, add_things
    from readinglist.core.enrich.settings import load_settings

    if not args.things and not args.titles:
        raise UserError("say what to add: an arXiv id, a URL, a DOI, or --title TITLE")
    settings = load_settings(ctx.config.section("network"))
    store = ctx.store()
    annotate = Annotate(star=args.star, tags=args.tags, status=args.status, note=args.note)
    progress = (lambda message: sys.stderr.write(f"\r\x1b[K{clean_text(message)[:70]}")) if sys.stderr.isatty() else None
    outcomes = add_things(store, args.things, settings, titles=args.titles, annotate=annotate, refresh=args.refresh, progress=progress)
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
    if args.format == "json":
        ctx.out(json.dumps([o.to_dict() for o in outcomes], ensure_ascii=False, indent=2))
    else:
        for outcome in outcomes:
            ctx.out(outcome.line())
    return 0 if all(o.ok for o in outcomes) else 1


def _resolve_each(ctx: Context, resolve, texts: list[str]) -> tuple[list[str], int]:  # noqa: ANN001
    """Resolve ids one by one: an unknown id is reported and the others still go."""
    found, bad = [], 0
    for text in texts:
        try:
            found.append(resolve(text))
        except UnknownPaper as exc:
            ctx.err(f"readinglist: {exc}")
            bad += 1
    return list(dict.fromkeys(found)), bad


def run_remove(args: argparse.Namespace, ctx: Context) -> int:
    if not args.ids and not args.builtin:
        raise UserError("say which papers to remove: ids, or --builtin")
    store = ctx.store()
    pids, bad = _resolve_each(ctx, store.resolve_id, args.ids)
    if args.builtin:
        from readinglist.core.adding import unannotated_builtin

        pids += [pid for pid in unannotated_builtin(store) if pid not in pids]
    titles = {pid: _title(store, pid) for pid in pids}
    removed = store.remove_papers(pids)
    if args.builtin:
        ctx.out(f"removed {len(removed)} papers to the trash (`readinglist trash` lists them, `readinglist restore` brings them back)")
    else:
        for pid in removed:
            ctx.out(f"removed {pid}  {titles[pid]}")
    return 1 if bad else 0


def _trash_resolver(store: Store):  # noqa: ANN202
    ids = [item.paper.id for item in store.trash()]

    def resolve(text: str) -> str:
        key = text.strip().lower()
        matches = [pid for pid in ids if pid == key] or ([pid for pid in ids if pid.startswith(key)] if len(key) >= 3 else [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UnknownPaper(f"id {text!r} is ambiguous in the trash; type more of it")
        raise UnknownPaper(f"no paper in the trash has id {text!r}; `readinglist trash` lists them")

    return resolve


def run_trash(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    if args.empty:
        bad = 0
        if args.ids:
            pids, bad = _resolve_each(ctx, _trash_resolver(store), args.ids)
            count = store.empty_trash(pids)
        else:
            count = store.empty_trash()
        ctx.out(f"deleted {count} papers from the trash for good")
        return 1 if bad else 0
    items = store.trash()
    if args.format == "json":
        records = [{"id": i.paper.id, "title": i.paper.title, "removed": i.removed, "annotation": i.annotation.to_dict() if i.annotation else None} for i in items]
        ctx.out(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    for item in items:
        mark = " (annotated)" if item.annotation and not item.annotation.is_default() else ""
        ctx.out(f"{item.paper.id}  {item.removed[:10]}  {clean_text(item.paper.title)[:70]}{mark}")
    ctx.out(f"{len(items)} papers in the trash")
    return 0


def run_restore(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    pids, bad = _resolve_each(ctx, _trash_resolver(store), args.ids)
    for pid in store.restore_papers(pids):
        ctx.out(f"restored {pid}  {_title(store, pid)}")
    return 1 if bad else 0


def run_edit(args: argparse.Namespace, ctx: Context) -> int:
    options = {"title": "title", "authors": "authors", "year": "pub_year", "date": "date", "arxiv": "arxiv", "doi": "doi", "url": "url", "code": "code", "key": "key"}
    fields = {name: getattr(args, dest) for name, dest in options.items() if getattr(args, dest) is not None}
    if not fields:
        raise UserError("say what to change, e.g. readinglist edit ID --title 'The right title'")
    if "year" in fields and "date" in fields:
        raise UserError("give --year or --date, not both")
    store = ctx.store()
    pid = store.resolve_id(args.id)
    paper = store.edit_paper(pid, fields)
    ctx.out(f"{pid} edited ({', '.join(fields)}): {clean_text(paper.title)}")
    return 0


def run_pdf(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.enrich.settings import load_settings
    from readinglist.core.pdf import download_pdf, open_with_viewer, pdf_path

    store = ctx.store()
    pid = store.resolve_id(args.id)
    paper = store.paper(pid)
    assert paper is not None
    path = pdf_path(store.home, pid)
    if args.force or not path.is_file():
        path = download_pdf(store.home, paper, load_settings(ctx.config.section("network")))
        ctx.out(f"saved {path}")
    if args.open:
        open_with_viewer(path)
    return 0


def run_attach(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.pdf import attach_pdf

    store = ctx.store()
    pid = store.resolve_id(args.id)
    ctx.out(f"saved {attach_pdf(store.home, pid, args.file)}")
    return 0


def run_init(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core.store import CORPUS_FILE, Store

    home = ctx.home
    if (home / CORPUS_FILE).exists():
        raise UserError(f"a store already exists in {home}; `readinglist remove --builtin` drops the built-in papers you never annotated")
    store = Store.open(home, year=args.year, seed=not args.empty)
    ctx.out(f"created the store in {home} with {len(store.papers())} papers")
    return 0


def _title(store: Store, pid: str) -> str:
    paper = store.paper(pid)
    return clean_text(paper.title) if paper else ""
