"""The one rule for what a tag is, shared by the store, the query language and the app.

A tag is a single word: what the user types is trimmed, a leading ``+`` or
``#`` is dropped, and spaces inside become dashes, so ``"reading group"`` is
stored as ``reading-group``. Commas separate tags. Two tags are the same tag
when their keys (``tag_key``) are equal: case and accents do not matter, as
everywhere else in the query language, so ``Vision`` and ``vision`` are one
tag. The first spelling seen is the one kept and shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from readinglist.core.text import fold


def _clean(tag: str) -> str:
    return "-".join(str(tag).strip().lstrip("+#").split())


def tag_key(tag: str) -> str:
    """The identity of a tag: two tags with the same key are one tag."""
    return fold(_clean(tag))


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """The tags the user typed, cleaned, each tag once (the first spelling wins).

    Each item may hold several tags separated by commas. Empty tags and tags
    starting with "-" (a removal on the command line) are dropped.
    """
    seen: dict[str, str] = {}
    for item in tags:
        for part in str(item).split(","):
            clean = _clean(part)
            if clean and not clean.startswith("-"):
                seen.setdefault(fold(clean), clean)
    return list(seen.values())


def merge_tags(current: Sequence[str], add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
    """``current`` with ``add`` added and ``remove`` removed, by tag identity.

    Adding ``Vision`` to a paper tagged ``vision`` keeps the one tag as it was.
    """
    removed = {tag_key(tag) for tag in normalize_tags(remove)}
    return [tag for tag in normalize_tags([*current, *add]) if tag_key(tag) not in removed]


def merge_tag_duplicates(tags_by_paper: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """For migrating a store: the papers whose tags change, with their new tags.

    Every paper gets the tag rule above, and every tag one spelling across
    the whole store: the spelling used on most papers (the first seen when
    tied), so ``Vision`` on three papers and ``vision`` on one become
    ``Vision`` on all four.
    """
    spellings: dict[str, Counter[str]] = {}
    for tags in tags_by_paper.values():
        for tag in normalize_tags(tags):
            spellings.setdefault(tag_key(tag), Counter())[tag] += 1
    # most_common keeps first-seen order among equal counts.
    chosen = {key: counts.most_common(1)[0][0] for key, counts in spellings.items()}
    changed: dict[str, list[str]] = {}
    for paper_id, tags in tags_by_paper.items():
        merged = [chosen[tag_key(tag)] for tag in normalize_tags(tags)]
        if merged != list(tags):
            changed[paper_id] = merged
    return changed
