"""Answers already fetched, kept on disk so a re-run continues where one stopped.

One JSON file per kind of question under ``<store home>/cache/``, each
rewritten atomically. A cache file that cannot be read is treated as empty:
losing it costs requests, never data.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from readinglist.core.fileio import atomic_write_text

FORMAT = 1


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class JsonCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._items: dict[str, dict[str, Any]] | None = None
        self._dirty = False

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._items is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                items = data.get("items") if isinstance(data, dict) and data.get("format") == FORMAT else None
                self._items = items if isinstance(items, dict) else {}
            except (OSError, ValueError):
                self._items = {}
        return self._items

    def get(self, key: str, *, max_age_days: float | None = None) -> dict[str, Any] | None:
        item = self._load().get(key)
        if not isinstance(item, dict):
            return None
        if max_age_days is not None and _age_days(item.get("at")) > max_age_days:
            return None
        return item

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._load()[key] = {**value, "at": now_iso()}
        self._dirty = True

    def __len__(self) -> int:
        return len(self._load())

    def flush(self) -> None:
        if self._dirty and self._items is not None:
            text = json.dumps({"format": FORMAT, "items": self._items}, ensure_ascii=False, separators=(",", ":"))
            atomic_write_text(self.path, text)
            self._dirty = False


def _age_days(stamp: Any) -> float:
    try:
        when = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return float("inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return (dt.datetime.now(dt.timezone.utc) - when).total_seconds() / 86400


class EnrichCache:
    """The four caches of a run, flushed together after each batch."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.titles = JsonCache(directory / "arxiv-titles.json")  # normalised title -> candidate entries
        self.ids = JsonCache(directory / "arxiv-ids.json")  # arXiv id -> entry
        self.hf = JsonCache(directory / "huggingface.json")  # arXiv id -> HF answer
        self.s2 = JsonCache(directory / "semanticscholar.json")  # normalised title -> S2 answer

    def flush(self) -> None:
        for cache in (self.titles, self.ids, self.hf, self.s2):
            cache.flush()
