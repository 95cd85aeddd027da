"""What a fetch reports: progress while it runs, per-source counts at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NAMES = {"hf": "Hugging Face daily papers", "arxiv": "arXiv"}


@dataclass
class SourceReport:
    source: str  # "hf" or "arxiv"
    requested: list[str]  # days asked for; "latest" for the newest day a feed shows
    categories: list[str] = field(default_factory=list)
    fetched: int = 0  # papers the source listed
    added: int = 0  # new to the library
    merged: int = 0  # already there, gained something
    skipped: int = 0  # already there with nothing new, or an announcement type not subscribed
    errors: list[str] = field(default_factory=list)
    day: str | None = None  # the latest day the source answered for

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "categories": list(self.categories),
            "requested": list(self.requested),
            "fetched": self.fetched,
            "added": self.added,
            "merged": self.merged,
            "skipped": self.skipped,
            "errors": list(self.errors),
        }


@dataclass
class FetchReport:
    sources: list[SourceReport] = field(default_factory=list)
    dry_run: bool = False
    cancelled: bool = False
    requests: int = 0
    new_papers: list[tuple[str, str, str]] = field(default_factory=list)  # (paper id, title, source)
    written: list[str] = field(default_factory=list)  # ids added or changed in the store

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.errors]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
            "requests": self.requests,
            "sources": [s.to_dict() for s in self.sources],
            **({"would_add": [{"id": i, "title": t, "source": s} for i, t, s in self.new_papers]} if self.dry_run else {}),
        }

    def lines(self) -> list[str]:
        """The end-of-fetch report, plain text (titles are untrusted: never markup)."""
        add, merge = ("would add", "would merge") if self.dry_run else ("added", "merged")
        head = "Fetch cancelled" if self.cancelled else ("Dry run" if self.dry_run else "Fetch done")
        out = [f"{head}: {self.requests} requests."]
        for s in self.sources:
            what = NAMES.get(s.source, s.source) + (f" {', '.join(s.categories)}" if s.categories else "")
            days = ", ".join(s.requested)
            if s.day and "latest" in s.requested:
                days = days.replace("latest", f"latest ({s.day})")
            out.append(
                f"  {what} [{days}]: fetched {s.fetched}, {add} {s.added}, {merge} {s.merged}, skipped {s.skipped}"
            )
            out += [f"    failed: {e}" for e in s.errors]
        if self.dry_run and self.new_papers:
            out.append("Would add:")
            out += [f"  {pid}  {title[:90]}" for pid, title, _ in self.new_papers]
        return out


@dataclass(slots=True)
class FetchProgress:
    source: str
    message: str
    fetched: int = 0  # papers fetched so far by this source
    written: tuple[str, ...] = ()  # ids just saved: rows to refresh


ProgressCallback = Callable[[FetchProgress], None]
