"""Network enrichment: arXiv ids, full metadata and code links for papers.

The entry points are ``run_enrichment`` (runner) and ``load_settings``
(settings); which papers a run covers is a ``core.scope.Scope``. They are loaded on first use so
that importing this package costs nothing at start-up; httpx itself is only
imported when the first request is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readinglist.core.enrich.runner import run_enrichment
    from readinglist.core.enrich.summary import ProgressInfo, Summary
    from readinglist.core.enrich.settings import EnrichSettings, load_settings

__all__ = ["EnrichSettings", "ProgressInfo", "Summary", "load_settings", "run_enrichment"]

_HOMES = {
    "run_enrichment": "runner",
    "Summary": "summary",
    "ProgressInfo": "summary",
    "EnrichSettings": "settings",
    "load_settings": "settings",
}


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
