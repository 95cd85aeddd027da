"""Checking a store and restoring the annotations from a backup.

Nothing here overwrites a damaged file: it is renamed aside first, so the
user (or a later tool) can still recover what it held.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from readinglist.core.errors import StoreError, UserError
from readinglist.core.fileio import atomic_write_bytes
from readinglist.core.store import ANNOTATIONS_FILE, BACKUP_DIR, CORPUS_FILE, SCHEMA_VERSION


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


def _move_aside(path: Path) -> Path | None:
    if not path.exists():
        return None
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, target)
    return target


def restore_annotations(home: Path, backup: Path | None = None) -> tuple[Path, Path | None]:
    """Put a good backup in place of the annotations; returns (used, moved_aside)."""
    if backup is None:
        backups = good_backups(home)
        if not backups:
            raise UserError(f"no good annotation backup in {home / BACKUP_DIR}")
        backup = backups[0]
    elif _load(backup)[1] is not None:
        raise UserError(f"{backup} is not a good backup: {_load(backup)[1]}")
    data = backup.read_bytes()
    target = home / ANNOTATIONS_FILE
    current, error = _load(target)
    moved = None
    if error is None and current is not None:
        # A healthy file is kept as a backup too, never silently replaced.
        moved = home / BACKUP_DIR / f"annotations-before-restore-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.json"
        atomic_write_bytes(moved, target.read_bytes())
    else:
        moved = _move_aside(target)
    atomic_write_bytes(target, data)
    return backup, moved


def rebuild_corpus(home: Path, year: int | None = None) -> tuple[Path | None, int]:
    """Move a damaged corpus aside and import the built-in listings again."""
    from readinglist.core.store import Store

    moved = _move_aside(home / CORPUS_FILE)
    try:
        store = Store.open(home, year=year, backup=False)
    except StoreError:
        raise
    return moved, len(store.papers())
