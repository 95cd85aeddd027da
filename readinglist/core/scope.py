"""Which papers a command works on: the one answer for the CLI, the app,
export and enrichment.

A ``Scope`` says *which* papers (a query, the starred ones, a tag, explicit
ids, the app's selection, the unresolved ones, all) and carries the title an
export of them uses; ``Library.select`` turns it into papers. So "starred"
or "unresolved" means the same thing whichever interface asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from readinglist.core.errors import UserError

KINDS = ("query", "starred", "tag", "ids", "selection", "unresolved", "all")


@dataclass(frozen=True, slots=True)
class Scope:
    """A choice of papers. Build one with the class methods."""

    kind: str
    query: str = ""  # the filter text, for kind "query"
    tag: str = ""  # for kind "tag"
    ids: tuple[str, ...] = ()  # paper ids (or unique prefixes, for kind "ids")
    sort: str | None = None  # order of a query's result; None: the query's default

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown scope {self.kind!r}")

    @classmethod
    def of_query(cls, text: str, sort: str | None = None) -> Scope:
        return cls("query", query=text, sort=sort)

    @classmethod
    def starred(cls) -> Scope:
        return cls("starred")

    @classmethod
    def of_tag(cls, name: str) -> Scope:
        if not name.strip():
            raise UserError(f"{name!r} is not a tag name")
        return cls("tag", tag=name)

    @classmethod
    def of_ids(cls, ids: tuple[str, ...] | list[str]) -> Scope:
        return cls("ids", ids=tuple(ids))

    @classmethod
    def selection(cls, ids: tuple[str, ...] | list[str]) -> Scope:
        return cls("selection", ids=tuple(ids))

    @classmethod
    def unresolved(cls) -> Scope:
        return cls("unresolved")

    @classmethod
    def everything(cls) -> Scope:
        return cls("all")

    @property
    def title(self) -> str:
        """What an export of these papers is called (its Markdown heading)."""
        return f"Reading list: {self.description}"

    @property
    def description(self) -> str:
        match self.kind:
            case "query":
                return f"papers matching {self.query}" if self.query.strip() else "all papers"
            case "starred":
                return "starred papers"
            case "tag":
                return f"papers tagged {self.tag}"
            case "ids":
                return "chosen papers"
            case "selection":
                return "selected papers"
            case "unresolved":
                return "unresolved papers"
        return "all papers"

    @property
    def empty_message(self) -> str:
        """What to tell the user when the scope holds no paper."""
        match self.kind:
            case "query":
                return f"no paper matches the query {self.query!r}"
            case "starred":
                return "no paper is starred (star some with `readinglist star ID`, or use --all, --tag or --query)"
            case "tag":
                return f"no paper has the tag {self.tag!r}"
            case "selection":
                return "no paper is selected"
            case "unresolved":
                return "every paper is resolved"
        return "the library holds no paper"


def query_with_filters(query: str = "", *, starred: bool = False, status: str | None = None, tag: str | None = None) -> str:
    """The CLI's simple flags folded into the query language: one matching path."""
    # Parenthesised: `a OR b` with --starred means (a OR b) and starred.
    parts = [f"({query})" if query and (starred or status or tag) else query] if query else []
    if starred:
        parts.append("is:starred")
    if status:
        parts.append(f"is:{status}")
    if tag:
        parts.append('tag:"{}"'.format(tag.replace('"', " ")))
    return " ".join(parts)
