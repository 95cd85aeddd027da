"""Daily feeds: new papers from Hugging Face daily papers and arXiv announcements.

The entry points are ``run_fetch`` (run), ``make_plan`` and
``load_feeds_config`` (plan). Plain Python: the CLI's ``fetch`` command and
the app's worker call the same functions; httpx is only imported with the
first request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readinglist.core.feeds.plan import FeedsConfig, FetchPlan, load_feeds_config, make_plan
    from readinglist.core.feeds.report import FetchProgress, FetchReport
    from readinglist.core.feeds.run import FeedsOffline, run_fetch

__all__ = ["FeedsConfig", "FeedsOffline", "FetchPlan", "FetchProgress", "FetchReport", "load_feeds_config", "make_plan", "run_fetch"]

_HOMES = {
    "FeedsConfig": "plan",
    "FetchPlan": "plan",
    "load_feeds_config": "plan",
    "make_plan": "plan",
    "FetchProgress": "report",
    "FetchReport": "report",
    "FeedsOffline": "run",
    "run_fetch": "run",
}


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
