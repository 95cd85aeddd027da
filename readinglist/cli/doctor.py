"""`readinglist doctor`: check the store; restore annotations from a backup."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.cli import add_common_options

if TYPE_CHECKING:
    from readinglist.cli import Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the store, restore a backup",
        description="Check the store files and remove temporary files left by interrupted writes. With --restore, "
        "put the newest good annotation backup (or BACKUP) in place; the current file is moved aside, never deleted.",
    )
    p.add_argument("--restore", nargs="?", const="", metavar="BACKUP", help="restore annotations from the newest good backup, or this one")
    p.add_argument("--rebuild-corpus", action="store_true", help="move a damaged corpus aside and re-import the built-in listings")
    p.add_argument("--list-backups", action="store_true", help="list the good annotation backups, newest first")
    p.add_argument(
        "--rebuild-annotations",
        action="store_true",
        help="rebuild the annotations from the newest good backup plus the journal (the current file is kept)",
    )
    add_common_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.core import doctor

    home = ctx.home
    if args.list_backups:
        for path in doctor.good_backups(home):
            ctx.out(str(path))
        return 0
    if args.restore is not None:
        used, moved = doctor.restore_annotations(home, _backup_path(home, args.restore) if args.restore else None)
        ctx.out(f"restored annotations from {used}")
        if moved:
            ctx.out(f"the previous file was kept as {moved}")
    if args.rebuild_annotations:
        snapshot, replayed, moved = doctor.rebuild_from_journal(home)
        ctx.out(f"rebuilt annotations from {snapshot or 'nothing'} plus {replayed} journaled changes")
        if moved:
            ctx.out(f"the previous file was kept as {moved}")
    if args.rebuild_corpus:
        moved, count = doctor.rebuild_corpus(home, year=args.year)
        if moved:
            ctx.out(f"the damaged corpus was kept as {moved}")
        ctx.out(f"corpus rebuilt: {count} papers")
    removed = doctor.clean_leftovers(home)
    report = doctor.check(home)
    if removed:
        report.ok.append(f"removed {removed} temporary files left by interrupted writes")
    for line in report.ok:
        ctx.out(f"ok       {line}")
    for line in report.problems:
        ctx.out(f"problem  {line}")
    for line in report.advice:
        ctx.out(f"advice   {line}")
    return 1 if report.problems else 0


def _backup_path(home: Path, name: str) -> Path:
    """A path as given, or the name of a file in the backup folder."""
    from readinglist.core.store import BACKUP_DIR

    path = Path(name).expanduser()
    in_backups = home / BACKUP_DIR / name
    return in_backups if not path.exists() and in_backups.exists() else path
