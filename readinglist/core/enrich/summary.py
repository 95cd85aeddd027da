"""What a run reports: progress while it runs, the summary at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Problem:
    paper_id: str
    title: str
    reason: str


@dataclass(slots=True)
class Summary:
    total: int = 0
    done: int = 0
    exact: int = 0
    close: int = 0
    by_id: int = 0  # the paper already had an arXiv id (from the user or a listing)
    unresolved: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)  # a paper may also be resolved
    code_links: int = 0  # code links added to papers
    papers_with_new_code: int = 0
    requests: int = 0
    written: int = 0
    cancelled: bool = False
    stopped: str = ""  # why the run stopped early, other than cancellation

    @property
    def resolved(self) -> int:
        return self.exact + self.close + self.by_id

    def lines(self, *, max_problems: int = 20) -> list[str]:
        """The end-of-run report, plain text (paper titles are untrusted)."""
        head = "cancelled" if self.cancelled else (f"stopped: {self.stopped}" if self.stopped else "done")
        out = [
            f"Enrichment {head}: {self.done} of {self.total} papers processed, {self.requests} requests.",
            f"  resolved by exact title match: {self.exact}",
            f"  resolved by close match:       {self.close}",
            *([f"  resolved from a known id:      {self.by_id}"] if self.by_id else []),
            f"  unresolved:                    {len(self.unresolved)}"
            + (" (they keep their arXiv title-search link)" if self.unresolved else ""),
            f"  failed:                        {len(self.failed)}",
            f"  code links found:              {self.code_links} (on {self.papers_with_new_code} papers)",
        ]
        if self.failed:
            out.append("Failures:")
            out += [f"  {p.paper_id}  {p.title[:60]}: {p.reason}" for p in self.failed[:max_problems]]
            if len(self.failed) > max_problems:
                out.append(f"  … and {len(self.failed) - max_problems} more")
        return out


@dataclass(slots=True)
class ProgressInfo:
    total: int
    done: int
    resolved: int
    failed: int
    message: str = ""
    written: tuple[str, ...] = ()  # ids just saved to the store: rows to refresh


ProgressCallback = Callable[[ProgressInfo], None]
