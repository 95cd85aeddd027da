"""Checking a store and restoring the annotations from a backup or the journal.

Nothing here overwrites a damaged file: it is renamed aside first, so the
user (or a later tool) can still recover what it held. Every change to the
store files is made under the store lock, so a running app cannot write in
between and undo a restore.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from readinglist.core.backups import list_backups, take_backup
from readinglist.core.errors import StoreError, UserError
from readinglist.core.fileio import atomic_write_bytes, leftover_temp_files
from readinglist.core.generation import generation_of, set_generation
from readinglist.core.journal import RESTORED, Journal, rebuild_annotations
from readinglist.core.lock import StoreLock
from readinglist.core.store import ANNOTATIONS_FILE, BACKUP_DIR, CORPUS_FILE, LOCK_FILE, SCHEMA_VERSION
from readinglist.core.validate import annotation_problem, paper_problem, schema_version_problem

# Backups and the enrichment cache are written without the store lock, so a
# temporary file there may belong to a write in progress unless it is old.
UNLOCKED_TEMP_AGE = 60.0
NEWER = "written by a newer readinglist"


@dataclass
class Report:
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)


def _load(path: Path) -> tuple[dict | None, str | None]:
    """(data, None) for a good store file, (None, reason) otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or exc})"
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, f"corrupt ({exc})"
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        return None, "not a readinglist store file"
    schema = data.get("_meta", {}).get("schema")
    if schema is not None:
        problem = schema_version_problem(schema)
        if problem:
            return None, problem
        if schema["version"] > SCHEMA_VERSION:
            return None, f"{NEWER} (schema {schema['version']}, this one reads {SCHEMA_VERSION})"
    for pid, record in data.get("annotations", {}).items():
        problem = annotation_problem(record)
        if problem:
            return None, f"the record of paper {pid!r} {problem}"
    for key, record in data.get("papers", {}).items():
        problem = paper_problem(key, record)
        if problem:
            return None, f"the record of paper {key!r} {problem}"
    return data, None


def good_backups(home: Path) -> list[Path]:
    """Annotation backups that load, newest (highest sequence number) first."""
    return [b.path for b in list_backups(home / BACKUP_DIR) if _load(b.path)[1] is None]


def check(home: Path) -> Report:
    report = Report()
    if home.exists() and not home.is_dir():
        report.problems.append(f"{home} is a file, not a store directory")
        report.advice.append("point --home or READINGLIST_HOME at a directory (readinglist creates it)")
        return report
    corpus, corpus_error = _load(home / CORPUS_FILE)
    annotations, ann_error = _load(home / ANNOTATIONS_FILE)
    if corpus_error:
        report.problems.append(f"{home / CORPUS_FILE}: {corpus_error}")
        if corpus_error.startswith(NEWER):
            report.advice.append("upgrade readinglist to read this store; nothing is wrong with the file")
        elif corpus_error.startswith("unreadable"):
            report.advice.append(f"fix the permissions of {home / CORPUS_FILE}; it was left untouched")
        elif corpus_error != "missing" or (home / ANNOTATIONS_FILE).exists():
            report.advice.append("`readinglist doctor --rebuild-corpus` moves it aside and re-imports the built-in corpus (annotations are kept)")
    else:
        report.ok.append(f"{home / CORPUS_FILE}: {len(corpus.get('papers', {}))} papers")
    backups = good_backups(home)
    journal = Journal(home)
    if ann_error:
        report.problems.append(f"{home / ANNOTATIONS_FILE}: {ann_error}")
        if ann_error.startswith(NEWER):
            report.advice.append("upgrade readinglist to read this store; restoring an older backup would roll it back")
        elif ann_error.startswith("unreadable"):
            report.advice.append(f"fix the permissions of {home / ANNOTATIONS_FILE}; it was left untouched")
        elif backups:
            report.advice.append(f"`readinglist doctor --restore` restores the newest good backup ({backups[0].name})")
            if journal.holds_data():
                report.advice.append("`readinglist doctor --rebuild-annotations` rebuilds it from that backup plus the journal")
        elif journal.holds_data():
            report.advice.append("`readinglist doctor --rebuild-annotations` rebuilds it from the journal")
        else:
            report.advice.append("no good backup exists; move the file aside to start with empty annotations")
    else:
        records = annotations.get("annotations", {})
        report.ok.append(f"{home / ANNOTATIONS_FILE}: {len(records)} annotated papers")
        try:
            found, newest = generation_of(annotations), journal.newest_generation()[0]
        except StoreError:
            found = newest = 0
        if newest > found + 1:
            report.problems.append(
                f"{home / ANNOTATIONS_FILE} is older than its journal (it holds change {found:,}, the journal "
                f"{newest:,}): it was replaced by an older copy"
            )
            report.advice.append(
                "`readinglist doctor --rebuild-annotations` brings the newer changes back from the journal "
                "(the current file is kept as a backup)"
            )
        if corpus is not None:
            orphans = sorted(set(records) - set(corpus.get("papers", {})))
            if orphans:
                report.problems.append(
                    f"{len(orphans)} annotations belong to papers not in the corpus (kept; re-import their listings): {', '.join(orphans[:5])}"
                )
    report.ok.append(f"{len(backups)} good annotation backups in {home / BACKUP_DIR}")
    try:
        report.ok.append(f"{len(journal.read())} changes in the journal {journal.path}")
    except StoreError as exc:
        report.problems.append(str(exc))
    return report


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _move_aside(path: Path) -> Path | None:
    """Rename ``path`` to a name no other file has; never replaces anything."""
    if not path.exists():
        return None
    base = path.with_name(f"{path.name}.damaged-{_stamp()}")
    target, n = base, 1
    while target.exists():
        target, n = base.with_name(f"{base.name}-{n}"), n + 1
    os.replace(path, target)
    return target


def _store_lock(home: Path) -> StoreLock:
    if not home.is_dir():
        raise UserError(f"there is no store at {home}")
    return StoreLock(home / LOCK_FILE)


def clean_leftovers(home: Path) -> int:
    """Delete temporary files that killed writers left behind; returns how many."""
    if not home.is_dir():
        return 0
    removed = 0
    with _store_lock(home):
        # Store files are written only under the lock we hold: these are dead.
        candidates = [(p, 0.0) for p in leftover_temp_files(home)]
        candidates += [(p, UNLOCKED_TEMP_AGE) for d in (home / BACKUP_DIR, home / "cache") for p in leftover_temp_files(d)]
        now = time.time()
        for path, min_age in candidates:
            try:
                if now - path.stat().st_mtime >= min_age:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
    return removed


def restore_annotations(home: Path, backup: Path | None = None) -> tuple[Path, Path | None]:
    """Put a good backup in place of the annotations; returns (used, kept_as).

    Without ``backup``: the newest good backup that differs from the current
    file. The file it replaces is kept: a damaged one renamed aside, a
    healthy one as the newest backup, so restoring again undoes the restore.
    """
    target = home / ANNOTATIONS_FILE
    with _store_lock(home):
        try:
            current_bytes = target.read_bytes()
        except OSError:
            current_bytes = None
        if backup is None:
            backups = [p for p in good_backups(home) if _read(p) != current_bytes]
            if not backups:
                raise UserError(f"no good annotation backup in {home / BACKUP_DIR} differs from {target}")
            backup = backups[0]
        else:
            problem = _load(backup)[1]
            if problem is not None:
                raise UserError(f"{backup} is not a good backup: {problem}")
        data = _read(backup)
        if data is None:
            raise UserError(f"cannot read the backup {backup}")
        data = _next_generation(home, orjson.loads(data))
        _, error = _load(target)
        if error is not None and error.startswith(NEWER):
            raise UserError(f"{target} was {error[len('written') :].strip()}: upgrade readinglist instead of rolling it back")
        try:
            if error is None:
                kept = take_backup(home / BACKUP_DIR, current_bytes or b"", kind="before-restore")
            else:
                kept = _move_aside(target)
            atomic_write_bytes(target, data)
        except OSError as exc:
            name = getattr(exc, "filename", None) or target
            raise UserError(f"cannot restore {target}: {name}: {exc.strerror or exc}; nothing was replaced") from None
        _mark(home, backup.name)
    return backup, kept


def _next_generation(home: Path, data: dict) -> bytes:
    """``data`` as the next generation of the annotations file: newer than the
    current file and than every change in the journal, so what doctor puts in
    place is never taken for an older copy (core/generation.py)."""
    current, _ = _load(home / ANNOTATIONS_FILE)
    newest = max(generation_of(current) if current else 0, Journal(home).newest_generation()[0], generation_of(data))
    set_generation(data, newest + 1)
    return orjson.dumps(data, option=orjson.OPT_INDENT_2)


def _mark(home: Path, what: str) -> None:
    # The journal's last change may no longer match the file: say why, so
    # the next writer does not take it for a change that never landed.
    try:
        Journal(home, "doctor").mark(RESTORED, what)
    except StoreError:
        pass


def rebuild_from_journal(home: Path) -> tuple[Path | None, int, Path | None]:
    """Rebuild the annotations from the newest good backup plus the journal.

    Returns (snapshot used or None, changes replayed, where the old file was kept).
    """
    target = home / ANNOTATIONS_FILE
    with _store_lock(home):
        backups = good_backups(home)
        snapshot: dict = {}
        if backups:
            loaded, _ = _load(backups[0])
            snapshot = (loaded or {}).get("annotations", {})
        entries = Journal(home).read()
        if not entries and not backups:
            raise UserError(f"neither a good backup nor a journal in {home}: nothing to rebuild from")
        records = rebuild_annotations(snapshot, entries)
        data = {
            "_meta": {"schema": {"version": SCHEMA_VERSION, "written_by": "doctor"}},
            "annotations": records,
        }
        try:
            _, error = _load(target)
            if error is None:
                kept = take_backup(home / BACKUP_DIR, target.read_bytes(), kind="before-rebuild")
            else:
                kept = _move_aside(target)
            atomic_write_bytes(target, _next_generation(home, data))
        except OSError as exc:
            raise UserError(f"cannot rebuild {target}: {exc.strerror or exc}; nothing was replaced") from None
        _mark(home, "rebuilt from the journal")
    return (backups[0] if backups else None), len(entries), kept


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def rebuild_corpus(home: Path, year: int | None = None) -> tuple[Path | None, int]:
    """Move a damaged corpus aside and import the built-in listings again.

    A corpus that loads is refused: rebuilding would drop the papers the
    user imported and what enrichment found.
    """
    from readinglist.core.store import Store

    with _store_lock(home):
        _, error = _load(home / CORPUS_FILE)
        if error is None:
            raise UserError(f"{home / CORPUS_FILE} is healthy; there is nothing to rebuild")
        if error.startswith(NEWER):
            raise UserError(f"{home / CORPUS_FILE} was {error[len('written') :].strip()}: upgrade readinglist instead")
        try:
            moved = _move_aside(home / CORPUS_FILE)
        except OSError as exc:
            raise UserError(f"cannot move {home / CORPUS_FILE} aside: {exc.strerror or exc}") from None
    store = Store.open(home, year=year, backup=False, rebuild_corpus=True)
    return moved, len(store.papers())
