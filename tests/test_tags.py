"""The one tag rule: what the user types becomes which tag, and when two tags are one."""

from __future__ import annotations

from readinglist.core.model import Paper
from readinglist.core.tags import merge_tag_duplicates, merge_tags, normalize_tags, tag_key


def test_spaces_inside_a_tag_become_dashes() -> None:
    assert normalize_tags(["  reading   group "]) == ["reading-group"]
    assert tag_key("reading group") == tag_key("Reading-Group") == "reading-group"


def test_case_and_accents_do_not_make_another_tag_and_the_first_spelling_wins() -> None:
    assert normalize_tags(["Vision", "vision", "VISION"]) == ["Vision"]
    assert normalize_tags(["théorie", "Theorie"]) == ["théorie"]


def test_commas_separate_tags_and_prefix_marks_are_dropped() -> None:
    assert normalize_tags(["llm, survey,,", "+todo", "#later"]) == ["llm", "survey", "todo", "later"]


def test_empty_tags_and_removals_are_not_tags() -> None:
    assert normalize_tags(["", "  ", "-old", "+", ","]) == []


def test_adding_a_tag_the_paper_has_in_another_case_keeps_one_tag() -> None:
    assert merge_tags(["vision"], add=["+Vision"]) == ["vision"]
    assert merge_tags(["vision", "to-read"], add=["reading group"], remove=["TO read"]) == ["vision", "reading-group"]


def test_migration_merges_duplicates_with_one_spelling_across_the_store() -> None:
    stored = {
        "a": ["Vision", "vision"],
        "b": ["Vision", "reading group"],
        "c": ["vision"],
        "d": ["Vision", "Reading-Group"],
        "e": ["ok"],
    }
    assert merge_tag_duplicates(stored) == {
        "a": ["Vision"],
        "b": ["Vision", "reading-group"],
        "c": ["Vision"],
        "d": ["Vision", "reading-group"],  # a tie: the spelling seen first
    }


def test_code_is_available_with_the_listing_mark_or_a_code_link() -> None:
    assert Paper(id="a", title="A", has_code=True).code_available()
    assert Paper(id="b", title="B", links={"code": ["https://github.com/x/y"]}).code_available()
    assert not Paper(id="c", title="C", links={"project": ["https://x.github.io"]}).code_available()
