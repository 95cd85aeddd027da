"""``<home>/feeds.json``: the last successful fetch of each source.

Written atomically. A file that cannot be read or parsed stops the fetch
with a message naming it, and is left as it is: replacing it blindly would
make the next fetch start over from the latest day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readinglist.core.errors import UserError
from readinglist.core.fileio import atomic_write_text

STATE_FILE = "feeds.json"
FORMAT = 1


class FeedStateError(UserError):
    """feeds.json exists but cannot be used."""


@dataclass
class FeedState:
    path: Path
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def last_success(self) -> dict[str, dt.date]:
        """Each source's last successfully fetched day."""
        out: dict[str, dt.date] = {}
        for name, record in self.sources.items():
            try:
                out[name] = dt.date.fromisoformat(str(record.get("day")))
            except ValueError:
                continue
        return out

    def record(self, source: str, day: dt.date, at: str) -> None:
        previous = self.last_success().get(source)
        if previous is None or day >= previous:
            self.sources[source] = {"day": day.isoformat(), "at": at}

    def save(self) -> None:
        text = json.dumps({"format": FORMAT, "sources": self.sources}, indent=2, sort_keys=True)
        try:
            atomic_write_text(self.path, text + "\n")
        except OSError as exc:
            raise FeedStateError(f"cannot write {self.path}: {exc.strerror or exc}") from None


def load_state(home: Path) -> FeedState:
    path = Path(home) / STATE_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FeedState(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedStateError(f"cannot read {path} ({getattr(exc, 'strerror', None) or exc}); it was left untouched") from None
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    sources = data.get("sources") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(sources, dict) or not all(isinstance(v, dict) for v in sources.values()):
        raise FeedStateError(
            f"{path} is not a readinglist feeds file; it was left untouched: fix it, or delete it "
            "to start over from the latest day"
        )
    return FeedState(path, {str(k): dict(v) for k, v in sources.items()})
