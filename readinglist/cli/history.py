"""`readinglist log` and `readinglist undo`: the journal of changes."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from readinglist.cli import add_common_options
from readinglist.core.errors import UserError
from readinglist.core.journal import ADDED
from readinglist.core.text import clean_text

if TYPE_CHECKING:
    from readinglist.cli import Context
    from readinglist.core.journal import Entry


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "log",
        help="show the history of changes",
        description="Show the journal of changes to stars, statuses, tags and notes, oldest first. "
        "Each change has a number: `readinglist undo --to N` brings back the value it set.",
    )
    p.add_argument("id", nargs="?", help="only this paper (a unique prefix is enough)")
    p.add_argument("--since", metavar="WHEN", help="only changes from this date or time on (YYYY-MM-DD or ISO time, UTC)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_common_options(p)
    p.set_defaults(func=run_log)

    p = sub.add_parser(
        "undo",
        help="undo the last changes made from the command line",
        description="Undo the last N changes made from the command line (each command is one change). "
        "A field changed again since is left as it is, and said so. With --to, bring back the value change N of `log` set.",
    )
    p.add_argument("count", nargs="?", type=int, default=1, metavar="N")
    p.add_argument("--to", type=int, metavar="CHANGE", help="the number `readinglist log` shows")
    add_common_options(p)
    p.set_defaults(func=run_undo)


def run_log(args: argparse.Namespace, ctx: Context) -> int:
    from readinglist.cli.jsonout import dumps

    store = ctx.store()
    pid = store.resolve_id(args.id) if args.id else None
    entries = store.journal.read()
    rows = [
        (n, e)
        for n, e in enumerate(entries, 1)
        if not e.field.startswith("*")
        and (pid is None or e.pid == pid or (e.field == ADDED and pid in (e.after or e.before or ())))
        and (args.since is None or e.time >= args.since)
    ]
    if args.format == "json":
        ctx.out(dumps([_record(n, e) for n, e in rows]))
        return 0
    for n, e in rows:
        undo = " (undo)" if e.undoes else ""
        if e.field == ADDED:
            ctx.out(f"{n:>6}  {e.time[:19].replace('T', ' ')}  {e.process}{undo}  {_added(e.before, e.after)}")
            continue
        ctx.out(f"{n:>6}  {e.time[:19].replace('T', ' ')}  {e.process}{undo}  {e.pid}  {e.field}: {_value(e.before)} -> {_value(e.after)}")
    if not rows:
        ctx.out("no changes recorded")
    return 0


def _record(number: int, e: Entry) -> dict[str, Any]:
    return {
        "number": number,
        "time": e.time,
        "id": e.pid,
        "field": e.field,
        "before": e.before,
        "after": e.after,
        "process": e.process,
        "os_pid": e.os_pid,
        "group": e.group,
        "undoes": e.undoes,
    }


def _added(before: Any, after: Any) -> str:
    """An "added" entry: papers an import or fetch brought in, or took back."""
    if isinstance(after, list):
        return f"{len(after):,} papers added (import or fetch): {_value(after)}"
    return f"{len(before or ()):,} added papers moved to the trash: {_value(before)}"


def _value(value: Any) -> str:
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "(none)"
    elif isinstance(value, str):
        text = repr(value) if value else "(empty)"
    else:
        text = str(value).lower() if isinstance(value, bool) else str(value)
    text = clean_text(text)
    return text if len(text) <= 60 else text[:57] + "..."


def run_undo(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    if args.to is not None:
        return _back_to(args.to, ctx)
    if args.count < 1:
        raise UserError("say how many changes to undo: a number of 1 or more")
    entries = store.journal.read()
    undone_already = {e.undoes for e in entries if e.undoes}
    skip = undone_already
    groups: list[str] = []
    for e in reversed(entries):
        if e.process == "cli" and not e.undoes and e.group not in skip and e.group not in groups and not e.field.startswith("*"):
            groups.append(e.group)
            if len(groups) == args.count:
                break
    if not groups:
        raise UserError("there is no change made from the command line left to undo")
    for group in groups:
        result = store.undo(group)
        for c in result.undone:
            if c.field == ADDED:
                ctx.out(f"undid {_added(c.before, c.after)}")
                continue
            ctx.out(f"undid {c.field} of {c.pid}: back to {_value(c.after)}")
        for c in result.skipped:
            ctx.out(f"kept {c.field} of {c.pid}: it was changed again since")
    return 0


def _back_to(number: int, ctx: Context) -> int:
    store = ctx.store()
    entries = store.journal.read()
    if not 1 <= number <= len(entries) or entries[number - 1].field.startswith("*"):
        raise UserError(f"there is no change {number}; `readinglist log` shows the numbers")
    entry = entries[number - 1]
    value = entry.after
    if entry.field == "note":
        store.set_note(entry.pid, value)
    elif entry.field == "tags":
        store.set_tags(entry.pid, value)
    elif entry.field == "status":
        store.set_status(entry.pid, value)
    elif entry.field == "star":
        store.set_star(entry.pid, bool(value))
    else:
        raise UserError(f"change {number} is to {entry.field!r}, which undo cannot bring back")
    ctx.out(f"{entry.field} of {entry.pid} is back to {_value(value)}")
    return 0
