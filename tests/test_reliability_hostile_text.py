"""Hostile paper text and links: inert in the app, stripped from exports.

Paper text comes from scraped listings, remote services and hand-edited
files; a note may be pasted from anywhere. None of it may act as Rich
markup, reach the terminal as an escape sequence, or become a link that is
not http(s).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from readinglist.core.export import to_bibtex, to_markdown
from readinglist.core.model import Annotation, Paper, Source
from readinglist.core.parse import parse_text
from readinglist.core.store import Store
from readinglist.core.text import is_safe_url, paper_id
from readinglist.tui.screens.choose import ChooseLink
from readinglist.tui.screens.note import NoteEditor
from readinglist.tui.screens.tags import TagEditor
from tests.tui_helpers import make_app, settle

SIZE = (140, 40)

# What a terminal or a bidi-aware viewer would act on: C0 and C1 controls,
# DEL, and every Unicode bidi formatting character (the "Trojan Source" set).
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
DANGEROUS = {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)} | set(BIDI)

ESCAPES = [
    "\x1b[31mred\x1b[0m",  # colour
    "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]0;pwned\x07",  # window title
    "\x1b]52;c;ZXZpbA==\x07",  # write the clipboard
    "\x1b[2J\x1b[H",  # clear the screen
    "\x9b31m",  # 8-bit CSI
    "\x1bP1$r\x1b\\",  # DCS
    "\x07\x08\x00\x7f",  # bell, backspace, NUL, DEL
    "\u202egnp.exe\u202c",  # right-to-left override
    "\u2067isolate\u2069",
]
MARKUP = [
    "[bold red]not red[/]",
    "[link=https://evil.example]not a link[/link]",
    "[@click=app.quit]not an action[/]",
    "a stray [/] closer",
    "[blink]",
    ":warning: not an emoji",
]
UNSAFE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "ftp://example.org/paper.pdf",
    "mailto:someone@example.org",
    "//evil.example/x",
    "https:///no-host",
    "http://exa mple.org/",
    "https://example.org/\x1b]8;;x",
    "",
]


def dangerous_in(text: str) -> set[str]:
    return DANGEROUS & set(text)


def screen_text(app) -> str:
    """The characters on screen, from the app's SVG screenshot, in reading order."""
    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))).replace("\xa0", " ")


# --- the parser strips what would act on a terminal -------------------------------


def _daily_listing(titles: list[str]) -> str:
    abstract = (
        "We study a problem that matters here. Our method improves the results on three benchmarks. "
        "The code is released for everyone."
    )
    return "Daily Papers\nJan 5\n\n" + "\n\n".join(f"{t}\n\n{abstract} {t}" for t in titles) + "\n"


def test_imported_titles_and_abstracts_lose_escapes_and_keep_markup_as_text() -> None:
    titles = [f"Paper {n} with {hostile} inside" for n, hostile in enumerate(ESCAPES + MARKUP)]
    papers = parse_text(_daily_listing(titles), "hostile.txt").papers
    assert len(papers) == len(titles)
    for paper in papers:
        assert not dangerous_in(paper.title + paper.abstract), repr(paper.title)
    shown = [p.title for p in papers]
    assert "Paper 0 with red inside" in shown  # the words stay, the sequence goes
    assert "Paper 10 with [bold red]not red[/] inside" in shown  # markup is data: kept verbatim


@pytest.mark.parametrize("char", [pytest.param(c, id=f"U+{ord(c):04X}") for c in BIDI])
def test_every_bidi_control_is_stripped_from_imported_text(char: str) -> None:
    paper = parse_text(_daily_listing([f"Innocent{char} looking title"]), "bidi.txt").papers[0]
    assert char not in paper.title and char not in paper.abstract


# --- the app shows hostile text as text --------------------------------------------


def _markup_papers() -> list[Paper]:
    title = "[bold red]Not red[/] nor [link=https://evil.example]a link[/link]"
    return [
        Paper(
            id=paper_id(title),
            title=title,
            authors=["[i]Mallory[/i] Marker", "Eve [reverse]Escape"],
            affiliations=["[u]evil[/u]"],
            category="[x]",
            date="2024-01-06",  # the newest: first in the list, shown in the detail pane
            abstract="An abstract with " + ", ".join(MARKUP) + ".",
            links={"code": ["https://github.com/a/b[/]"]},
            sources=[Source("[b]listing[/b].txt", 1)],
        ),
        Paper(
            id=paper_id("A second [dim]paper[/dim]"),
            title="A second [dim]paper[/dim] with $(rm -rf ~) and <script>alert(1)</script>",
            authors=["Plain Author"],
            date="2024-01-05",
            abstract="[/]",
        ),
    ]


def _markup_store(home: Path) -> Store:
    store = Store.open(home, seed=False)
    papers = _markup_papers()
    store.add_papers(papers)
    store.set_note(papers[0].id, "[b]my note[/b] with [/] and [link=javascript:alert(1)]x[/link]")
    store.set_tags(papers[0].id, ["[red]tag", "plain"])
    store.set_star(papers[0].id, True)
    return store


def test_markup_in_paper_text_and_notes_is_shown_literally(snap_compare, tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home", store=_markup_store(tmp_path / "home"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


async def test_markup_reaches_the_screen_verbatim(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path / "home", store=_markup_store(tmp_path / "home"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_text(app)
        for literal in ("[bold red]Not red[/]", "[i]Mallory[/i] Marker", "[b]my note[/b]", "[red]tag", "[@click=app.quit]", "[/]"):
            assert literal in screen, literal
        await pilot.click("#detail")  # clicking a would-be [@click] does nothing
        assert app.is_running


def _escape_papers() -> list[Paper]:
    title = "Evil " + " ".join(ESCAPES[:4]) + " title"
    return [
        Paper(
            id=paper_id(title),
            title=title,
            authors=["Eve\x07 \x1b[5mBlink", "\u202eNaj Doe"],
            affiliations=["\x1b]0;aff\x07lab"],
            category="cs.\x1bCV",
            date="2024-01-05",
            abstract="Abstract: " + " ".join(ESCAPES),
            links={"code": ["https://github.com/a/b\x1b[2J", "https://gitlab.com/c/d\u202e"]},
            sources=[Source("\x1b[31mlisting.txt", 1)],
        )
    ]


async def test_escape_sequences_in_paper_text_never_reach_the_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = Store.open(home, seed=False)
    papers = _escape_papers()
    store.add_papers(papers)
    # A note and tags pasted from anywhere, through the CLI or another tool.
    store.set_note(papers[0].id, "pasted \x1b]52;c;ZXZpbA==\x07 note\n\x1b[2Jsecond line")
    store.set_tags(papers[0].id, ["\x1b[8mhidden", "ok"])
    app, _ = make_app(home, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = {"main": app.export_screenshot()}
        await pilot.press("t")
        assert isinstance(app.screen, TagEditor)
        shown["tags"] = app.export_screenshot()
        await pilot.press("escape", "n")
        assert isinstance(app.screen, NoteEditor)
        shown["note"] = app.export_screenshot()
        await pilot.press("escape", "c")
        assert isinstance(app.screen, ChooseLink)
        shown["links"] = app.export_screenshot()
    leaks = {name: sorted(dangerous_in(svg) - {"\n"}) for name, svg in shown.items()}
    assert leaks == {name: [] for name in shown}


async def test_screens_of_an_ordinary_store_have_no_control_characters(tmp_path: Path) -> None:
    """The check above is meaningful: a clean store leaves nothing to find."""
    app, _ = make_app(tmp_path / "home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert dangerous_in(app.export_screenshot()) - {"\n"} == set()


# --- links: only http(s) is opened, copied or exported ------------------------------


async def test_only_http_links_are_opened_or_copied_and_the_rest_are_refused_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, opened = make_app(tmp_path / "home")
    copied: list[str] = []
    monkeypatch.setattr("pyperclip.copy", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = app.main_screen
        for url in UNSAFE_URLS:
            screen.open_link(url)
            screen.copy_link(url, "link")
        await app.workers.wait_for_complete()
        assert app.clipboard == ""
        await pilot.pause()
        assert opened == [] and copied == []
        refusals = [m for m in app.messages() if m.startswith("Refused")]
        assert len(refusals) == 2 * len(UNSAFE_URLS)
        for url in ("https://example.org/a_(b)?q=1#frag", "HTTP://EXAMPLE.ORG/x"):
            screen.open_link(url)
        assert opened == ["https://example.org/a_(b)?q=1#frag", "HTTP://EXAMPLE.ORG/x"]


async def test_links_and_messages_with_markup_characters_are_shown_as_text(tmp_path: Path) -> None:
    app, opened = make_app(tmp_path / "home")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.main_screen.open_link("https://github.com/a/b[/]")
        app.main_screen.open_link("javascript:[link=https://evil.example]click[/link]")
        await pilot.pause()
        screen = screen_text(app)
        assert app.is_running and opened == ["https://github.com/a/b[/]"]
        assert "github.com/a/b[/]" in screen and "[link=https://evil.example]" in screen


def _links(markdown: str) -> list[str]:
    found = []
    for token in MarkdownIt("commonmark").parse(markdown):
        for child in token.children or []:
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
            assert child.type not in {"html_inline", "image"}
        assert token.type != "html_block"
    return found


def test_exports_link_only_http_urls() -> None:
    papers = [
        Paper(
            id=paper_id(f"Unsafe links {n}"),
            title=f"Unsafe links {n}",
            links={"code": [url], "project": [url], "other": [url]},
            pdf_url=url,
        )
        # A URL with an escape sequence in it is exported cleaned, so it is not in this list.
        for n, url in enumerate(u for u in UNSAFE_URLS if "\x1b" not in u)
    ]
    safe = Paper(id=paper_id("Safe links"), title="Safe links", links={"code": ["https://github.com/a/b"]}, pdf_url="https://example.org/p.pdf")
    markdown = to_markdown([*papers, safe], {}, title="t", group_by="none")
    hrefs = _links(markdown)
    assert hrefs and all(is_safe_url(h) for h in hrefs)
    assert "https://github.com/a/b" in hrefs
    assert not [h for h in hrefs if "javascript" in h.lower() or h.startswith(("file:", "data:"))]
    library = bibtexparser.parse_string(to_bibtex([*papers, safe]))
    urls = [e.fields_dict["url"].value for e in library.entries if "url" in e.fields_dict]
    assert urls == ["https://example.org/p.pdf"]


# --- exports: nothing hostile survives, whatever the text ---------------------------------

_fragment = st.one_of(
    st.text(max_size=12),
    st.sampled_from(ESCAPES + MARKUP + UNSAFE_URLS + ["](javascript:alert(1))", "<script>", "\\", "{", "}", "%", "\n", "\r\n"]),
)
_hostile = st.lists(_fragment, max_size=8).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_hostile.filter(lambda t: t.strip()),
    authors=st.lists(_hostile, max_size=3),
    abstract=_hostile,
    note=_hostile,
    tags=st.lists(_hostile, max_size=3),
    url=_hostile,
    category=_hostile,
)
def test_exports_never_contain_control_characters_or_unsafe_links(title, authors, abstract, note, tags, url, category) -> None:
    paper = Paper(
        id=paper_id(title) if paper_id(title) else "x",
        title=title,
        authors=authors,
        abstract=abstract,
        category=category,
        links={"code": [url], "other": [url]},
        pdf_url=url,
        arxiv_id=url,
        doi=url,
        sources=[Source(title, 1)],
    )
    annotations = {paper.id: Annotation(note=note, tags=tags, star=True)}
    markdown = to_markdown([paper], annotations, title=title, group_by="tag", abstracts=True)
    bibtex = to_bibtex([paper])
    assert dangerous_in(markdown) - {"\n"} == set(), repr(markdown)
    assert dangerous_in(bibtex) - {"\n"} == set(), repr(bibtex)
    assert all(is_safe_url(h) for h in _links(markdown))
    for entry in bibtexparser.parse_string(bibtex).entries:
        if "url" in entry.fields_dict:
            assert is_safe_url(entry.fields_dict["url"].value)
