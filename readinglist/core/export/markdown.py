"""A CommonMark reading list that renders the same on GitHub, cmark-gfm and pandoc.

Paper text (titles, names, abstracts) is data: every character Markdown
would interpret is escaped, and the URLs in it become autolinks. The note is
the user's own Markdown and stays Markdown, minus raw HTML, images and links
to anything but http(s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from readinglist.core.export.bibtex import distinct
from readinglist.core.export.fields import paper_url as identity_url
from readinglist.core.export.fields import safe_url
from readinglist.core.export.latex import ET_AL
from readinglist.core.export.options import GROUPINGS
from readinglist.core.links import arxiv_search_url
from readinglist.core.model import DEFAULT_ANNOTATION, STATUSES, Annotation, Paper
from readinglist.core.text import clean_text, fold

# What is in progress first; a status added to the model later still gets a section.
STATUS_ORDER = ("reading", "unread", "read")
STATUS_ORDER += tuple(s for s in STATUSES if s not in STATUS_ORDER)

# Every ASCII punctuation character may be backslash-escaped in CommonMark;
# these are the ones that start inline syntax here or in common extensions
# (GFM strikethrough and tables, $math$ on GitHub). `&` matters only where it
# would start an entity, `!` only before `[`, which is escaped anyway.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>~|$#]|&(?=#?\w+;))")
_MD_LINE_START = re.compile(r"^([-+=>])|^(\d+)([.)])")
_TEXT_URL = re.compile(r"https?://[^\s<>\"'`\\{}|^]+[^\s<>\"'`\\{}|^.,;:!?)\]]", re.IGNORECASE)


def _escape_inline(text: str) -> str:
    return _MD_INLINE.sub(r"\\\1", text)


def md_escape(text: str) -> str:
    """One line of untrusted text as Markdown that renders to the same characters.

    A URL in it becomes an autolink, so no escaping backslash ends up in
    the link (GitHub keeps it in the address of a bare URL).
    """
    text = " ".join(clean_text(text).split())
    out, last = [], 0
    for match in _TEXT_URL.finditer(text):
        url = md_url(match.group(0))
        if not url:
            continue
        out += [_escape_inline(text[last : match.start()]), f"<{url}>"]
        last = match.end()
    out.append(_escape_inline(text[last:]))
    text = "".join(out)
    # A list marker, heading underline or quote marker only counts at the start.
    return _MD_LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", text)


def md_url(url: str | None) -> str | None:
    """An http(s) URL usable as a link destination or autolink, or None."""
    url = safe_url(url)
    if url is None:
        return None
    return url.replace("(", "%28").replace(")", "%29").replace("'", "%27")


def paper_url(paper: Paper) -> str:
    """The paper's own address (arXiv page, DOI, its page), else arXiv's title search."""
    return identity_url(paper) or search_url(paper.title)


def search_url(title: str) -> str:
    return arxiv_search_url(" ".join(clean_text(title).split()))


def short_authors(paper: Paper, limit: int = 3) -> str:
    """The first ``limit`` authors, then "et al." if there are more."""
    cleaned = [" ".join(clean_text(a).split()) for a in paper.authors]
    names = [n for n in cleaned if n and not ET_AL.match(n)]
    if not names:
        return ""
    more = paper.authors_truncated or len(names) > limit or len(names) < len([n for n in cleaned if n])
    return ", ".join(names[:limit]) + (" et al." if more else "")


# Links in a note survive only as [text](http-url); anything else that could
# become a link, an image or HTML is escaped.
_NOTE_LINK = re.compile(r"\[([^\[\]\n]*)\]\((https?://[^\s()<>]+)\)", re.IGNORECASE)
# A backslash is left alone (the user's own escapes work) unless it would
# undo one of ours.
_NOTE_ACTIVE = re.compile(r"([\[\]<>!]|\\(?=[\[\]<>!\\]))")


def _note_markdown(line: str) -> str:
    out, last = [], 0
    for match in _NOTE_LINK.finditer(line):
        url = md_url(match.group(2))
        if not url:
            continue
        text = _NOTE_ACTIVE.sub(r"\\\1", match.group(1))
        out += [_NOTE_ACTIVE.sub(r"\\\1", line[last : match.start()]), f"[{text}]({url})"]
        last = match.end()
    out.append(_NOTE_ACTIVE.sub(r"\\\1", line[last:]))
    return "".join(out)


def _md_note(note: str, indent: str) -> list[str]:
    """The note, the user's own Markdown, as a blockquote."""
    lines = [line.rstrip() for line in clean_text(note, multiline=True).split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return [f"{indent}> {_note_markdown(line)}".rstrip() for line in lines]


def _year(paper: Paper) -> str:
    if not paper.year:
        return ""
    return f"{paper.year}?" if paper.date_inferred else str(paper.year)


def _md_entry(paper: Paper, annotation: Annotation, abstracts: bool, full: bool = True) -> list[str]:
    title = md_escape(paper.title) or "Untitled"
    details = [md_escape(short_authors(paper)), _year(paper), md_escape(paper.category or "")]
    code = [u for u in (md_url(link) for link in paper.code_links) if u]
    details.extend(f"[code]({u})" for u in dict.fromkeys(code))
    tags = [md_escape(t) for t in annotation.tags if clean_text(t).strip()]
    if tags:
        details.append("tags: " + ", ".join(tags))
    lines = [f"- [{title}]({md_url(paper_url(paper))})"]
    details = [d for d in details if d]
    if details:
        lines[0] += "\\"  # a hard break: details on their own line, same paragraph
        lines.append("  " + " · ".join(details))
    if not full:
        return lines
    note = _md_note(annotation.note, "  ")
    if note:
        lines += ["", *note]
    abstract = md_escape(paper.abstract) if abstracts else ""
    if abstract:
        lines += ["", f"  {abstract}"]
    return lines


def _count(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def _groups(
    papers: list[Paper], annotations: Mapping[str, Annotation], group_by: str
) -> list[tuple[str, list[Paper]]]:
    if group_by == "none":
        return [("", papers)]
    if group_by == "status":
        return [
            (status.capitalize(), [p for p in papers if annotations.get(p.id, DEFAULT_ANNOTATION).status == status])
            for status in STATUS_ORDER
        ]
    by_tag: dict[str, list[Paper]] = {}
    names: dict[str, str] = {}
    untagged: list[Paper] = []
    for paper in papers:
        tags = [t.strip() for t in annotations.get(paper.id, DEFAULT_ANNOTATION).tags if t.strip()]
        for tag in dict.fromkeys(fold(t) for t in tags):
            by_tag.setdefault(tag, []).append(paper)
        for tag in tags:
            names.setdefault(fold(tag), tag)
        if not tags:
            untagged.append(paper)
    groups = [(names[t], by_tag[t]) for t in sorted(by_tag)]
    return groups + [("Untagged", untagged)]


def to_markdown(
    papers: Iterable[Paper],
    annotations: Mapping[str, Annotation],
    *,
    title: str,
    group_by: str = "status",
    abstracts: bool = False,
) -> str:
    """A CommonMark reading list: a title, a count, then papers grouped.

    With ``group_by="tag"`` a paper is listed under each of its tags, in
    full (note, abstract) only under the first; papers without tags come
    last, under "Untagged".
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}, not {group_by!r}")
    papers = distinct(papers)
    lines = [f"# {md_escape(title) or 'Reading list'}", "", _count(len(papers))]
    shown: set[str] = set()
    for heading, members in _groups(papers, annotations, group_by):
        if not members:
            continue
        lines.append("")
        if heading:
            lines += [f"## {md_escape(heading)} ({len(members)})", ""]
        spacious = False
        for paper in members:
            annotation = annotations.get(paper.id, DEFAULT_ANNOTATION)
            entry = _md_entry(paper, annotation, abstracts, full=paper.id not in shown)
            shown.add(paper.id)
            # An entry with several paragraphs is set off by blank lines from its neighbours.
            roomy = "" in entry
            if lines[-1] != "" and (roomy or spacious):
                lines.append("")
            spacious = roomy
            lines += entry
    return "\n".join(lines) + "\n"
