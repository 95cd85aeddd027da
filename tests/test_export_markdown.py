"""Markdown export, checked by rendering it as CommonMark with markdown-it-py."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from readinglist.core.export import search_url, to_markdown
from readinglist.core.model import Annotation, Paper
from readinglist.core.store import Store
from readinglist.core.text import paper_id

HOSTILE_TITLES = [
    "Q&A at 100% for $5: #1 under_score",
    "<script>alert(1)</script> <b>bold</b> &amp; &#65;",
    "[link](javascript:alert(1)) ![img](x.png) [ref]: /url",
    "**bold** *em* __under__ `code` ~~gone~~ | table | cell |",
    "# Not a heading",
    "- not a list",
    "1. not an ordered list",
    "> not a quote",
    "Back\\slash \\*still\\* literal",
    "Étude naïve — “quoted” 日本 🦙",
    "Title ending in a hash #",
]


def make_paper(title: str, **fields) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)


def render(text: str) -> list[Token]:
    # CommonMark plus the GFM syntax GitHub would apply (tables, strikethrough).
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = md.parse(text)
    assert not [t for t in _walk(tokens) if t.type in {"html_block", "html_inline", "s_open", "table_open", "image"}]
    return tokens


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def headings(tokens: list[Token], level: str) -> list[str]:
    return [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == level]


def links(tokens: list[Token]) -> list[tuple[str, str]]:
    """(href, visible text) of every link."""
    found = []
    for token in tokens:
        if token.type != "inline":
            continue
        children = token.children or []
        for i, child in enumerate(children):
            if child.type == "link_open":
                text = []
                for inner in children[i + 1 :]:
                    if inner.type == "link_close":
                        break
                    text.append(inner.content)
                found.append((child.attrs["href"], "".join(text)))
    return found


def inline_text(token: Token) -> str:
    return "".join(c.content if c.type != "softbreak" else " " for c in token.children or [])


def blockquotes(tokens: list[Token]) -> list[list[str]]:
    """The paragraphs of each blockquote, with hard breaks as newlines."""
    quotes, depth = [], 0
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
            quotes.append([])
        elif token.type == "blockquote_close":
            depth -= 1
        elif depth and token.type == "inline":
            parts = ["\n" if c.type == "hardbreak" else c.content for c in token.children or []]
            quotes[-1].append("".join(parts))
    return quotes


def test_title_count_and_status_groups_in_reading_order():
    papers = [make_paper(t) for t in ("Alpha", "Beta", "Gamma", "Delta")]
    annotations = {
        papers[0].id: Annotation(status="read"),
        papers[1].id: Annotation(status="reading"),
        papers[3].id: Annotation(status="reading"),
    }
    tokens = render(to_markdown(papers, annotations, title="My list"))
    assert headings(tokens, "h1") == ["My list"]
    assert headings(tokens, "h2") == ["Reading (2)", "Unread (1)", "Read (1)"]
    paragraphs = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert paragraphs[0] == "4 papers"
    assert [text for _, text in links(tokens) if text in {"Alpha", "Beta", "Gamma", "Delta"}] == ["Beta", "Delta", "Gamma", "Alpha"]


def test_one_paper_is_counted_in_the_singular():
    tokens = render(to_markdown([make_paper("Solo")], {}, title="t", group_by="none"))
    assert any(t.type == "inline" and t.content == "1 paper" for t in tokens)


def test_group_by_tag_lists_a_paper_under_each_tag_and_untagged_last():
    a, b, c = (make_paper(t) for t in ("Alpha", "Beta", "Gamma"))
    annotations = {a.id: Annotation(tags=["vision", "nlp"]), b.id: Annotation(tags=["Vision"])}
    tokens = render(to_markdown([a, b, c], annotations, title="t", group_by="tag"))
    assert headings(tokens, "h2") == ["nlp (1)", "vision (2)", "Untagged (1)"]
    assert any(t.type == "inline" and t.content == "3 papers" for t in tokens)


def test_group_by_none_has_no_section_headings():
    tokens = render(to_markdown([make_paper("Alpha"), make_paper("Beta")], {}, title="t", group_by="none"))
    assert headings(tokens, "h2") == []
    assert sum(t.type == "list_item_open" for t in tokens) == 2


def test_unknown_grouping_is_refused():
    with pytest.raises(ValueError):
        to_markdown([], {}, title="t", group_by="year")


def test_entry_links_arxiv_page_code_and_shows_details():
    paper = make_paper(
        "Masked Autoencoders that Listen",
        authors=["Po-Yao Huang", "Hu Xu", "Juncheng Li", "Florian Metze"],
        date="2022-07-13",
        category="cs.SD",
        arxiv_id="2207.06405v3",
        links={"code": ["https://github.com/facebookresearch/AudioMAE", "javascript:alert(1)"]},
    )
    annotations = {paper.id: Annotation(tags=["audio", "mae"])}
    tokens = render(to_markdown([paper], annotations, title="t", group_by="none"))
    assert links(tokens) == [
        ("https://arxiv.org/abs/2207.06405", "Masked Autoencoders that Listen"),
        ("https://github.com/facebookresearch/AudioMAE", "code"),
    ]
    item = next(t for t in tokens if t.type == "inline" and "Huang" in t.content)
    details = inline_text(item)
    assert "Po-Yao Huang, Hu Xu, Juncheng Li et al." in details
    assert "Metze" not in details
    assert "2022" in details and "cs.SD" in details and "tags: audio, mae" in details


def test_listing_et_al_is_kept_even_with_three_authors_or_fewer():
    paper = make_paper("X", authors=["Ann Lee", "Bo Chen"], authors_truncated=True)
    text = to_markdown([paper], {}, title="t", group_by="none")
    assert "Ann Lee, Bo Chen et al." in text


def test_an_et_al_author_entry_is_not_shown_as_a_name():
    paper = make_paper("X", authors=["Ann Lee", "et al."])
    text = to_markdown([paper], {}, title="t", group_by="none")
    assert "Ann Lee et al." in text
    assert "et al., " not in text and "et al. et al." not in text


def test_paper_without_arxiv_id_links_to_arxiv_title_search():
    paper = make_paper("Demystifying CLIP Data & more")
    (href, text), = links(render(to_markdown([paper], {}, title="t", group_by="none")))
    assert href == search_url(paper.title)
    assert href.startswith("https://arxiv.org/search/?query=Demystifying+CLIP+Data+%26+more&searchtype=title")
    assert text == paper.title


def test_code_link_with_parentheses_stays_one_link():
    paper = make_paper("X", links={"code": ["https://example.org/a_(b)"]})
    found = links(render(to_markdown([paper], {}, title="t", group_by="none")))
    assert ("https://example.org/a_%28b%29", "code") in found


def test_note_is_the_users_markdown_in_a_blockquote():
    note = "Check the *ablation* and `code`.\n\n- first\n- second\n\nSee [the repo](https://github.com/a/b_c)."
    paper = make_paper("X")
    tokens = render(to_markdown([paper], {paper.id: Annotation(note=note)}, title="t", group_by="none"))
    types = [t.type for t in _walk(tokens)]
    assert "em_open" in types and "code_inline" in types and types.count("list_item_open") == 3  # entry + 2
    assert ("https://github.com/a/b_c", "the repo") in links(tokens)


def test_note_cannot_hold_html_images_or_non_http_links():
    note = "<b>raw</b> <script>x</script>\n![img](https://e.org/x.png) [bad](javascript:alert(1)) [rel](../x)\n[ref]: /url\n\\[undo](javascript:y)"
    paper = make_paper("X")
    tokens = render(to_markdown([paper], {paper.id: Annotation(note=note)}, title="t", group_by="none"))
    # render() already asserts no HTML and no image; an image is left as a plain http link.
    assert [href for href, _ in links(tokens)] == [paper_link(paper), "https://e.org/x.png"]
    assert "<b>raw</b> <script>x</script>" in blockquotes(tokens)[0][0]


def paper_link(paper: Paper) -> str:
    return search_url(paper.title)


def test_urls_in_abstracts_are_autolinks_without_escapes():
    paper = make_paper("X", abstract="Code at https://github.com/x/vision_transformer. Data: https://e.org/a_b*c")
    text = to_markdown([paper], {}, title="t", group_by="none", abstracts=True)
    assert "<https://github.com/x/vision_transformer>." in text
    hrefs = [href for href, _ in links(render(text))]
    assert "https://github.com/x/vision_transformer" in hrefs and "https://e.org/a_b*c" in hrefs


def test_group_by_tag_gives_the_full_entry_once():
    paper = make_paper("X", abstract="An abstract.")
    annotations = {paper.id: Annotation(tags=["a", "b", "c"], note="my note")}
    text = to_markdown([paper], annotations, title="t", group_by="tag", abstracts=True)
    assert text.count("An abstract.") == 1 and text.count("my note") == 1
    assert text.count("- [X](") == 3


def test_guessed_year_is_marked():
    paper = make_paper("X", authors=["Ann Lee"], date="2023-01-01", date_inferred=True)
    assert "Ann Lee · 2023?" in to_markdown([paper], {}, title="t", group_by="none")


def test_abstracts_only_when_asked():
    paper = make_paper("X", abstract="We show that $x_1 < y$ holds. *Really*.")
    without = to_markdown([paper], {}, title="t", group_by="none")
    assert "We show" not in without
    tokens = render(to_markdown([paper], {}, title="t", group_by="none", abstracts=True))
    assert any(t.type == "inline" and inline_text(t) == paper.abstract for t in tokens)


def test_control_sequences_are_stripped():
    paper = make_paper("\x1b[31mRed\x1b[0m title", authors=["Eve\x07 Doe"])
    text = to_markdown([paper], {paper.id: Annotation(note="\x1b]52;c;ZXZpbA==\x07note")}, title="\x1b[2Jt")
    assert "\x1b" not in text and "\x07" not in text
    tokens = render(text)
    assert links(tokens)[0][1] == "Red title"
    assert blockquotes(tokens) == [["note"]]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_title_renders_as_its_own_text(title):
    paper = make_paper(title, arxiv_id="2101.00001")
    annotations = {paper.id: Annotation(tags=["x_y"])}
    tokens = render(to_markdown([paper], annotations, title=title, group_by="none"))
    assert headings(tokens, "h1") == [title]
    assert links(tokens)[0] == ("https://arxiv.org/abs/2101.00001", title)
    assert sum(t.type == "bullet_list_open" for t in tokens) == 1  # the title did not open a list


def test_whole_corpus_renders_one_linked_item_per_paper(tmp_path):
    store = Store.open(tmp_path)
    papers = store.papers()
    tokens = render(to_markdown(papers, {}, title="Everything", abstracts=True))
    assert headings(tokens, "h2") == [f"Unread ({len(papers)})"]
    assert sum(t.type == "list_item_open" for t in tokens) == len(papers)
    title_links = [text for href, text in links(tokens) if href.startswith("https://arxiv.org/")]
    assert title_links == [" ".join(p.title.split()) for p in papers]
