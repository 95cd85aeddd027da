"""What the caller asks of an export, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field

FORMATS = ("bib", "biblatex", "csl", "ris", "md")
GROUPINGS = ("status", "tag", "none")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    abstracts: bool = False  # BibTeX, biblatex, CSL, RIS, Markdown
    keywords: bool = False  # the user's tags as keywords (BibTeX, biblatex, CSL, RIS)
    utf8: bool = False  # BibTeX and biblatex: UTF-8 letters instead of LaTeX accents
    taken_keys: frozenset[str] = frozenset()  # keys a new key must not repeat
    title: str = "Reading list"  # Markdown only
    group_by: str = "status"  # Markdown only


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    new_keys: dict[str, str] = field(default_factory=dict)  # paper id -> key assigned now: store them
    warnings: list[str] = field(default_factory=list)  # one line each, for the user
