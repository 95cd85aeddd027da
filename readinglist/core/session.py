"""What the app remembers between launches, and the user's saved searches.

``<home>/session.json``: the filter, sort, highlighted paper and theme of the
last session, and when the app was last opened (``is:new`` is what entered
the library since then). ``<home>/searches.json``: saved searches by name.
Both are small, written atomically; a file that cannot be read is reported
and never overwritten with nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from readinglist.core.errors import UserError
from readinglist.core.fileio import atomic_write_text

SESSION_FILE = "session.json"
SEARCHES_FILE = "searches.json"
MAX_SEARCHES = 200


@dataclass(slots=True)
class Session:
    query: str = ""
    sort: str = ""
    paper: str = ""  # id of the highlighted paper
    theme: str = ""
    opened: str = ""  # ISO time (UTC) the app was opened
    previous_opened: str = ""  # the launch before: papers added since are "new"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}; it was left untouched") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); it was left untouched: fix or remove it") from None
    if not isinstance(data, dict):
        raise UserError(f"{path} is not a readinglist file; it was left untouched: fix or remove it")
    return data


def load_session(home: Path) -> Session:
    data = _read_json(Path(home) / SESSION_FILE) or {}
    return Session(**{k: v for k, v in data.items() if k in Session.__slots__ and isinstance(v, str)})


def save_session(home: Path, session: Session) -> None:
    atomic_write_text(Path(home) / SESSION_FILE, json.dumps(asdict(session), ensure_ascii=False, indent=2))


def mark_opened(home: Path) -> Session:
    """Record a launch; returns the session as it was left (with the previous launch time)."""
    session = load_session(home)
    session.previous_opened = session.opened
    session.opened = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    save_session(home, session)
    return session


# --- saved searches ------------------------------------------------------------------


def load_searches(home: Path) -> dict[str, str]:
    data = _read_json(Path(home) / SEARCHES_FILE) or {}
    return {str(name): query for name, query in data.items() if isinstance(query, str)}


def save_search(home: Path, name: str, query: str) -> None:
    from readinglist.core.query import parse_query

    name = " ".join(name.split())
    if not name or len(name) > 60:
        raise UserError("a saved search needs a name of 1 to 60 characters")
    parse_query(query)  # a QueryError (one line, with its column) before anything is saved
    searches = load_searches(home)
    if name not in searches and len(searches) >= MAX_SEARCHES:
        raise UserError(f"there are already {MAX_SEARCHES} saved searches; remove some with `readinglist search rm`")
    searches[name] = query
    atomic_write_text(Path(home) / SEARCHES_FILE, json.dumps(searches, ensure_ascii=False, indent=2))


def remove_search(home: Path, name: str) -> None:
    searches = load_searches(home)
    if name not in searches:
        raise UserError(f"no saved search is called {name!r}; `readinglist search list` shows them")
    del searches[name]
    atomic_write_text(Path(home) / SEARCHES_FILE, json.dumps(searches, ensure_ascii=False, indent=2))
