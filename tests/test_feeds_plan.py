"""Which days a fetch covers, and the [feeds] subscriptions."""

from __future__ import annotations

import datetime as dt

import pytest

from readinglist.core.errors import UserError
from readinglist.core.feeds.plan import FeedsConfig, load_feeds_config, make_plan

TODAY = dt.date(2026, 12, 1)
SUBSCRIBED = FeedsConfig(hf_daily=True, arxiv=("cs.CV", "cs.CL"))


def plans(last: dict[str, dt.date] | None = None, **options: object) -> dict[str, object]:
    return {p.source: p for p in make_plan(SUBSCRIBED, last or {}, today=TODAY, **options).sources}  # type: ignore[arg-type]


def test_the_first_fetch_asks_only_the_latest_day() -> None:
    got = plans()
    assert got["hf"].requested() == ["latest"]
    assert got["arxiv"].rss and got["arxiv"].backfill is None and got["arxiv"].categories == ("cs.CV", "cs.CL")


def test_a_daily_fetch_asks_the_last_day_again_and_todays_announcement() -> None:
    got = plans({"hf": TODAY - dt.timedelta(days=1), "arxiv": TODAY - dt.timedelta(days=1)})
    assert got["hf"].requested() == ["2026-11-30", "2026-12-01"]
    assert got["arxiv"].requested() == ["latest"]


def test_a_missed_week_is_caught_up_through_the_api_from_before_the_last_fetch() -> None:
    got = plans({"hf": dt.date(2026, 11, 24), "arxiv": dt.date(2026, 11, 24)})
    assert len(got["hf"].days) == 8
    # Announced up to three days after submission: the catch-up starts earlier.
    assert got["arxiv"].backfill == (dt.date(2026, 11, 21), TODAY) and got["arxiv"].rss


def test_a_long_absence_is_capped() -> None:
    got = plans({"hf": dt.date(2025, 1, 1)})
    assert got["hf"].days[0] == TODAY - dt.timedelta(days=31)


def test_explicit_ranges() -> None:
    assert plans(source="hf", date=dt.date(2026, 11, 30))["hf"].requested() == ["2026-11-30"]
    assert len(plans(source="hf", since=dt.date(2026, 11, 1))["hf"].days) == 31
    past = plans(source="arxiv", date=dt.date(2026, 11, 27))["arxiv"]
    assert past.backfill == (dt.date(2026, 11, 27),) * 2 and not past.rss  # the RSS feed only has the latest day
    three = plans(source="arxiv", categories=["cs.CV"], days=3)["arxiv"]
    assert three.backfill == (dt.date(2026, 11, 29), TODAY) and three.rss and three.categories == ("cs.CV",)


def test_config_section_is_checked() -> None:
    config = load_feeds_config({"hf_daily": False, "arxiv": ["cs.CV"], "announce": ["new"], "on_launch": True})
    assert config == FeedsConfig(hf_daily=False, arxiv=("cs.CV",), announce=("new",), on_launch=True)
    assert load_feeds_config({}) == FeedsConfig()
    with pytest.raises(UserError, match=r"\[feeds\] arxiv in the config file"):
        load_feeds_config({"arxiv": 3})
    with pytest.raises(UserError, match="in the future"):
        plans(date=TODAY + dt.timedelta(days=1))


def test_importing_the_feeds_and_the_fetch_command_loads_neither_httpx_nor_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, readinglist.core.feeds.run, readinglist.cli.fetch;"
        "print(sorted(m for m in ('httpx', 'textual') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
