"""What to fetch: the ``[feeds]`` subscriptions and the days a fetch covers.

Without an explicit range a source is fetched from its last successful
fetch to today; on the first run, the latest day only. Hugging Face is
asked day by day. arXiv's RSS feed only shows the latest announcement, so
older days come from the API by submission date; the catch-up starts a few
days before the last fetch because a paper is announced one to three
working days after it is submitted (what is already in the library is
skipped).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from readinglist.core.errors import UserError

SOURCES = ("hf", "arxiv")
DEFAULT_ANNOUNCE = ("new", "cross")
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$")
CATCH_UP_DAYS = 31  # without an explicit range, never reach further back than this
ANNOUNCE_LAG_DAYS = 3  # submitted -> announced takes up to this many days
MAX_RANGE_DAYS = 366


@dataclass(frozen=True, slots=True)
class FeedsConfig:
    hf_daily: bool = True
    arxiv: tuple[str, ...] = ()
    announce: tuple[str, ...] = DEFAULT_ANNOUNCE
    on_launch: bool = False
    hf_page_size: int = 50  # papers per daily_papers request
    arxiv_page_size: int = 500  # entries per arXiv API request when catching up


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """One source's share of a fetch.

    ``hf``: ``days`` featured days; empty means the latest featured day.
    ``arxiv``: ``rss`` asks the latest announcement; ``backfill`` a
    submission-date range through the API.
    """

    source: str
    days: tuple[dt.date, ...] = ()
    categories: tuple[str, ...] = ()
    rss: bool = False
    backfill: tuple[dt.date, dt.date] | None = None
    announce: tuple[str, ...] = DEFAULT_ANNOUNCE
    page_size: int = 50

    def requested(self) -> list[str]:
        """The days asked for, as the report shows them."""
        if self.source == "hf":
            return [d.isoformat() for d in self.days] or ["latest"]
        out = []
        if self.backfill is not None:
            start, end = self.backfill
            out.append(start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}")
        if self.rss:
            out.append("latest")
        return out


@dataclass(frozen=True, slots=True)
class FetchPlan:
    sources: tuple[SourcePlan, ...] = field(default_factory=tuple)


def load_feeds_config(section: Mapping[str, Any] | None) -> FeedsConfig:
    """The ``[feeds]`` section, checked: a bad value is a one-line error."""
    section = section or {}
    where = "[feeds] {} in the config file"
    values: dict[str, Any] = {}
    for key in ("hf_daily", "on_launch"):
        if key in section:
            if not isinstance(section[key], bool):
                raise UserError(f"{where.format(key)} must be true or false, got {section[key]!r}")
            values[key] = section[key]
    for key, most in (("hf_page_size", 100), ("arxiv_page_size", 2000)):
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
                raise UserError(f"{where.format(key)} must be a whole number from 1 to {most}, got {value!r}")
            values[key] = value
    if "arxiv" in section:
        values["arxiv"] = parse_categories(section["arxiv"], where.format("arxiv"))
    if "announce" in section:
        raw = section["announce"]
        if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
            raise UserError(f"{where.format('announce')} must be a list such as [\"new\", \"cross\"]")
        unknown = [t for t in raw if t not in ANNOUNCE_TYPES]
        if unknown:
            raise UserError(f"{where.format('announce')}: unknown type {unknown[0]!r}; use {', '.join(ANNOUNCE_TYPES)}")
        values["announce"] = tuple(dict.fromkeys(raw))
    return FeedsConfig(**values)


def parse_categories(raw: Any, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not all(isinstance(c, str) for c in raw):
        raise UserError(f"{where} must be a list of arXiv categories such as [\"cs.CV\", \"cs.CL\"]")
    cats = [c.strip() for c in raw if c.strip()]
    bad = [c for c in cats if not CATEGORY.match(c)]
    if bad:
        raise UserError(f"{where}: {bad[0]!r} is not an arXiv category (e.g. cs.CV, math.CO, hep-th)")
    return tuple(dict.fromkeys(cats))


def make_plan(
    config: FeedsConfig,
    last_success: Mapping[str, dt.date],
    *,
    today: dt.date,
    source: str | None = None,
    categories: Sequence[str] = (),
    date: dt.date | None = None,
    since: dt.date | None = None,
    days: int | None = None,
) -> FetchPlan:
    """The sources and days one fetch covers.

    ``date``, ``since`` and ``days`` are exclusive; without any, each source
    runs from its last success (``last_success``) to ``today``.
    """
    if sum(x is not None for x in (date, since, days)) > 1:
        raise UserError("--date, --since and --days exclude each other")
    if categories and source != "arxiv":
        raise UserError("categories go with the arxiv source: `readinglist fetch arxiv cs.CV`")
    if source is not None and source not in SOURCES:
        raise UserError(f"unknown source {source!r}: choose from {', '.join(SOURCES)}")
    explicit = _explicit_range(today, date, since, days)
    cats = parse_categories(list(categories), "the categories") if categories else config.arxiv
    wanted = [source] if source else [s for s in SOURCES if (s == "hf" and config.hf_daily) or (s == "arxiv" and cats)]
    if not wanted:
        raise UserError('no subscriptions: set [feeds] hf_daily = true or arxiv = ["cs.CV"] in the config file, '
                        "or name a source: `readinglist fetch hf`")
    if "arxiv" in wanted and not cats:
        raise UserError('no arXiv categories: name some (`readinglist fetch arxiv cs.CV`) or set [feeds] arxiv = ["cs.CV"]')
    plans = []
    for name in wanted:
        span = explicit or _since_last(last_success.get(name), today)
        if name == "hf":
            plans.append(SourcePlan("hf", days=_days(*span) if span else (), page_size=config.hf_page_size))
        else:
            plan = _arxiv_plan(cats, span, today, config.announce, explicit is not None)
            plans.append(replace(plan, page_size=config.arxiv_page_size))
    return FetchPlan(tuple(plans))


def _explicit_range(
    today: dt.date, date: dt.date | None, since: dt.date | None, days: int | None
) -> tuple[dt.date, dt.date] | None:
    if date is not None:
        if date > today:
            raise UserError(f"--date {date.isoformat()} is in the future")
        return date, date
    if since is not None:
        if since > today:
            raise UserError(f"--since {since.isoformat()} is in the future")
        if (today - since).days >= MAX_RANGE_DAYS:
            raise UserError(f"--since reaches back more than {MAX_RANGE_DAYS} days; fetch a year at a time")
        return since, today
    if days is not None:
        if not 1 <= days <= MAX_RANGE_DAYS:
            raise UserError(f"--days must be from 1 to {MAX_RANGE_DAYS}, got {days}")
        return today - dt.timedelta(days=days - 1), today
    return None


def _since_last(last: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """From the last successful day (asked again: a day fills up) to today."""
    if last is None:
        return None  # first run: the latest day
    start = max(min(last, today), today - dt.timedelta(days=CATCH_UP_DAYS))
    return start, today


def _arxiv_plan(
    cats: tuple[str, ...],
    span: tuple[dt.date, dt.date] | None,
    today: dt.date,
    announce: tuple[str, ...],
    explicit: bool,
) -> SourcePlan:
    if span is None:
        return SourcePlan("arxiv", categories=cats, rss=True, announce=announce)
    start, end = span
    if not explicit:
        if (today - start).days <= 1:
            return SourcePlan("arxiv", categories=cats, rss=True, announce=announce)
        start -= dt.timedelta(days=ANNOUNCE_LAG_DAYS)
    # The RSS feed holds the latest announcement: worth asking only when the range reaches today.
    rss = end == today
    if rss and start == end:
        return SourcePlan("arxiv", categories=cats, rss=True, announce=announce)
    return SourcePlan("arxiv", categories=cats, rss=rss, backfill=(start, end), announce=announce)


def _days(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    return tuple(start + dt.timedelta(days=n) for n in range((end - start).days + 1))
