"""Checking a store and restoring the annotations from a backup.

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

from readinglist.core.errors import UserError
from readinglist.core.fileio import atomic_write_bytes, leftover_temp_files
from readinglist.core.lock import StoreLock
from readinglist.core.store import ANNOTATIONS_FILE, BACKUP_DIR, CORPUS_FILE, LOCK_FILE, SCHEMA_VERSION

# Backups and the enrichment cache are written without the store lock, so a
# temporary file there may belong to a write in progress unless it is old.
UNLOCKED_TEMP_AGE = 60.0


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
    version = data.get("_meta", {}).get("schema", {}).get("version", 0)
    if version > SCHEMA_VERSION:
        return None, f"written by a newer readinglist (schema {version})"
    return data, None


def good_backups(home: Path) -> list[Path]:
    """Annotation backups that load, newest first."""
    directory = home / BACKUP_DIR
    if not directory.is_dir():
        return []
    return [p for p in sorted(directory.glob("annotations-*.json"), reverse=True) if _load(p)[1] is None]


def check(home: Path) -> Report:
    report = Report()
    corpus, corpus_error = _load(home / CORPUS_FILE)
    annotations, ann_error = _load(home / ANNOTATIONS_FILE)
    if corpus_error:
        report.problems.append(f"{home / CORPUS_FILE}: {corpus_error}")
        if corpus_error != "missing":
            report.advice.append("`readinglist doctor --rebuild-corpus` moves it aside and re-imports the built-in corpus (annotations are kept)")
    else:
        report.ok.append(f"{home / CORPUS_FILE}: {len(corpus.get('papers', {}))} papers")
    backups = good_backups(home)
    if ann_error:
        report.problems.append(f"{home / ANNOTATIONS_FILE}: {ann_error}")
        if backups:
            report.advice.append(f"`readinglist doctor --restore` restores the newest good backup ({backups[0].name})")
        else:
            report.advice.append("no good backup exists; move the file aside to start with empty annotations")
    else:
        records = annotations.get("annotations", {})
        report.ok.append(f"{home / ANNOTATIONS_FILE}: {len(records)} annotated papers")
        if corpus is not None:
            orphans = sorted(set(records) - set(corpus.get("papers", {})))
            if orphans:
                report.problems.append(
                    f"{len(orphans)} annotations belong to papers not in the corpus (kept; re-import their listings): {', '.join(orphans[:5])}"
                )
    report.ok.append(f"{len(backups)} good annotation backups in {home / BACKUP_DIR}")
    return report


def _stamp() -> str:
    # The store's backup stamp: names sort in time order, to the microsecond.
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

    The file it replaces is kept: a damaged one renamed aside, a healthy one
    as the newest backup, so restoring again undoes the restore.
    """
    with _store_lock(home):
        if backup is None:
            backups = good_backups(home)
            if not backups:
                raise UserError(f"no good annotation backup in {home / BACKUP_DIR}")
            backup = backups[0]
        else:
            problem = _load(backup)[1]
            if problem is not None:
                raise UserError(f"{backup} is not a good backup: {problem}")
        data = backup.read_bytes()
        target = home / ANNOTATIONS_FILE
        current, error = _load(target)
        if error is None and current is not None:
            kept: Path | None = home / BACKUP_DIR / f"annotations-{_stamp()}-before-restore.json"
            atomic_write_bytes(kept, target.read_bytes())
        else:
            kept = _move_aside(target)
        atomic_write_bytes(target, data)
    return backup, kept


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
        moved = _move_aside(home / CORPUS_FILE)
    store = Store.open(home, year=year, backup=False)
    return moved, len(store.papers())
