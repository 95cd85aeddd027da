"""Backup generations of annotations.json, spread over time.

A backup is named ``annotations-<seq>-<UTC time>.json``. The sequence number
orders them (newest = highest), never the clock: a backup written while the
clock was set ahead neither sorts first nor makes rotation delete newer ones.
The time only decides which generations are kept:

- the newest ``KEEP_RECENT`` backups, whatever their times;
- the oldest backup of every 10 minutes of the last two hours, of every hour
  of the last day, of every day of the last month, and of every 30 days of
  the last year.

So a burst of writes can push out only the recent ones: the state from
before the burst stays in its 10-minute slot. At most about
8 + 12 + 24 + 31 + 12 = 87 backups exist. Backups of older releases
(``annotations-<time>.json``) count as sequence 0 and age out the same way.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from readinglist.core.fileio import atomic_write_bytes

KEEP_RECENT = 8
# (max age, slot width) in seconds: the oldest backup of each slot is kept.
TIERS = ((2 * 3600, 600), (86400, 3600), (31 * 86400, 86400), (366 * 86400, 30 * 86400))
_NAME = re.compile(r"^annotations-(\d{8})-(\d{8}T\d{6})Z(-[a-z-]+)?\.json$")
_LEGACY = re.compile(r"^annotations-(\d{8}T\d{6})\d{0,6}Z(-[a-z-]+)?\.json$")


@dataclass(frozen=True)
class Backup:
    path: Path
    seq: int
    time: dt.datetime | None

    @property
    def name(self) -> str:
        return self.path.name


def _parse(path: Path) -> Backup | None:
    match = _NAME.match(path.name)
    if match:
        return Backup(path, int(match.group(1)), _time(match.group(2)))
    match = _LEGACY.match(path.name)
    if match:
        return Backup(path, 0, _time(match.group(1)))
    return None


def _time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def list_backups(directory: Path) -> list[Backup]:
    """Backups in ``directory``, newest (highest sequence) first.

    Only regular files count: a directory or device named like a backup is
    not one, and must not stop anything that reads backups.
    """
    found: list[Backup] = []
    try:
        candidates = list(Path(directory).glob("annotations-*.json"))
    except OSError:
        return []
    for path in candidates:
        backup = _parse(path)
        try:
            regular = stat.S_ISREG(path.lstat().st_mode)
        except OSError:
            continue
        if backup is not None and regular:
            found.append(backup)
    found.sort(key=lambda b: (b.seq, b.time or dt.datetime.min.replace(tzinfo=dt.timezone.utc), b.name), reverse=True)
    return found


def take_backup(directory: Path, data: bytes, *, kind: str = "", now: dt.datetime | None = None) -> Path | None:
    """Write ``data`` as the newest backup unless the newest already holds it.

    The caller holds the store lock (two processes must not pick the same
    sequence number). Raises OSError when it cannot be written.
    """
    existing = list_backups(directory)
    if existing and not kind:
        try:
            if existing[0].path.read_bytes() == data:
                return None
        except OSError:
            pass
    now = now or dt.datetime.now(dt.timezone.utc)
    seq = (existing[0].seq if existing else 0) + 1
    suffix = f"-{kind}" if kind else ""
    target = Path(directory) / f"annotations-{seq:08d}-{now:%Y%m%dT%H%M%S}Z{suffix}.json"
    atomic_write_bytes(target, data)
    prune(directory, now=now)
    return target


def kept(backups: list[Backup], now: dt.datetime) -> set[Path]:
    """The backups the generations keep (``backups`` newest first)."""
    keep = {b.path for b in backups[:KEEP_RECENT]}
    oldest_in_slot: dict[tuple[int, int], Backup] = {}
    for backup in backups:
        if backup.time is None:
            continue
        age = (now - backup.time).total_seconds()
        if age < -60:
            continue  # written with the clock set ahead: kept only while recent
        for tier, (max_age, width) in enumerate(TIERS):
            if age < max_age:
                slot = (tier, int(backup.time.timestamp()) // width)
                current = oldest_in_slot.get(slot)
                if current is None or backup.seq < current.seq or (backup.seq == current.seq and backup.name < current.name):
                    oldest_in_slot[slot] = backup
                break
    keep.update(b.path for b in oldest_in_slot.values())
    return keep


def prune(directory: Path, *, now: dt.datetime | None = None) -> list[Path]:
    """Delete the backups no generation keeps; returns them."""
    now = now or dt.datetime.now(dt.timezone.utc)
    backups = list_backups(directory)
    keep = kept(backups, now)
    removed = []
    for backup in backups:
        if backup.path not in keep:
            try:
                backup.path.unlink()
                removed.append(backup.path)
            except OSError:
                pass
    return removed
