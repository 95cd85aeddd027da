"""The range values of the filter language: ``year:``, ``added:``, ``listed:``, ``upvotes:``.

Each function takes the folded value typed after the field and returns its
bounds, or raises ``ValueError`` with the hint the user sees.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_YEAR_HINT = "year: wants 2023, 2020..2023, 2020.. or ..2023"
_UPVOTES_HINT = "upvotes: wants 10, >=10, 10.., ..5 or 10..50"
_YEAR_RANGE = re.compile(r"([0-9]{4})?(\.\.)?([0-9]{4})?")
_DAY = r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?"
_DAY_RANGE = re.compile(rf"({_DAY})?(\.\.)?({_DAY})?")
_AGO = re.compile(r"([0-9]{1,5})([hdw])")
_AGO_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}
_COUNT_RANGE = re.compile(r"([0-9]+)?(\.\.)?([0-9]+)?")
_COMPARISON = re.compile(r"(>=|<=|>|<)([0-9]+)")


def _range(pattern: re.Pattern[str], value: str, hint: str) -> tuple[str | None, str | None, bool]:
    """(first, last, has "..") of ``value``; one end at least."""
    match = pattern.fullmatch(value)
    if not match or not (match.group(1) or match.group(3)) or (match.group(3) and not match.group(2)):
        raise ValueError(hint)
    first, dots, last = match.groups()
    return first, last, bool(dots)


def years(value: str) -> tuple[int | None, int | None]:
    """``year:`` bounds, both included."""
    first, last, dots = _range(_YEAR_RANGE, value, _YEAR_HINT)
    low = int(first) if first else None
    if not dots:
        return low, low
    high = int(last) if last else None
    if low is not None and high is not None and low > high:
        raise ValueError(f"year range {low}..{high} runs backwards — try {high}..{low}")
    return low, high


def days_ago(value: str) -> int | None:
    """Seconds meant by a relative ``added:``/``listed:`` value (``7d``, ``12h``, ``2w``), else None."""
    match = _AGO.fullmatch(value)
    return int(match.group(1)) * _AGO_SECONDS[match.group(2)] if match else None


def span(field: str, value: str) -> tuple[str | None, str | None]:
    """``added:``/``listed:`` dates as (from, until): ISO prefixes, ``until`` excluded.

    A year, a month or a day stands for all of it: ``2026-11`` is November.
    """
    hint = f"{field}: wants 7d, 2026-11-28, 2026-11-01..2026-11-28, 2026-11.. or ..2026-11"
    first, last, dots = _range(_DAY_RANGE, value, hint)
    for day in (first, last):
        if day and _after(day) is None:
            raise ValueError(hint)
    if not dots:
        return first, _after(first)  # type: ignore[arg-type]
    if first and last and first > last and not first.startswith(last):
        raise ValueError(f"{field} range {first}..{last} runs backwards — try {last}..{first}")
    return first, _after(last) if last else None


def _after(day: str) -> str | None:
    """The first ISO prefix after the year, month or day ``day``; None if it is no date."""
    parts = [int(part) for part in day.split("-")]
    try:
        if len(parts) == 1:
            return f"{parts[0] + 1:04d}"
        if len(parts) == 2:
            year, month = parts
            date(year, month, 1)
            return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
        return (date(*parts) + timedelta(days=1)).isoformat()
    except ValueError:
        return None


def counts(value: str) -> tuple[int | None, int | None]:
    """``upvotes:`` bounds, both included."""
    comparison = _COMPARISON.fullmatch(value)
    if comparison:
        sign, number = comparison.group(1), int(comparison.group(2))
        return {">=": (number, None), ">": (number + 1, None), "<=": (None, number), "<": (None, number - 1)}[sign]
    first, last, dots = _range(_COUNT_RANGE, value, _UPVOTES_HINT)
    low = int(first) if first else None
    high = int(last) if last else None
    if not dots:
        return low, low
    if low is not None and high is not None and low > high:
        raise ValueError(f"upvotes range {low}..{high} runs backwards — try {high}..{low}")
    return low, high
