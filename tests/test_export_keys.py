"""Citation keys: assigned once, stored, never changed by later exports or enrichment."""

from __future__ import annotations

import random
import re

from readinglist.core.export import assign_keys, render
from readinglist.core.model import Paper
from readinglist.core.store import Store
from readinglist.core.text import paper_id


def make_paper(title: str, **fields) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)


def export_and_store(store: Store, papers: list[Paper]) -> dict[str, str]:
    """What the CLI and the app do: render, then store the keys assigned now."""
    taken = frozenset(p.citation_key for p in store.papers() if p.citation_key)
    from readinglist.core.export import ExportOptions

    rendered = render("bib", papers, options=ExportOptions(taken_keys=taken))
    if rendered.new_keys:
        store.update_papers({pid: {"citation_key": key} for pid, key in rendered.new_keys.items()})
    return {p.id: k for p, k in zip(papers, re.findall(r"^@\w+\{([^,]+),", rendered.text, re.M), strict=True)}


def test_keys_survive_subsets_orders_and_enrichment(tmp_path):
    store = Store.open(tmp_path)
    papers = store.papers()
    rng = random.Random(7)
    first: dict[str, str] = {}
    for round_ in range(4):
        subset = rng.sample(papers, len(papers) // 3)
        keys = export_and_store(store, subset)
        for pid, key in keys.items():
            assert first.setdefault(pid, key) == key, pid
        # Enrichment finds authors and years in between: a stored key does not follow.
        changes = {p.id: {"authors": ["Zed Newname"], "date": "1999-01-01"} for p in rng.sample(papers, 20)}
        store.update_papers(changes)
        papers = store.papers()
    everything = export_and_store(store, list(reversed(papers)))
    assert all(everything[pid] == key for pid, key in first.items())
    assert len({k.casefold() for k in everything.values()}) == len(papers)
    assert all(re.fullmatch(r"[a-z][a-z0-9]*", k) for k in everything.values())


def test_a_stored_key_is_kept_and_new_keys_avoid_it():
    kept = make_paper("Graph Nets", authors=["Bo Li"], date="2019-01-01", citation_key="li2019graphnets")
    twin = make_paper("Graph Nets Again", authors=["Bo Li"], date="2019-01-01")
    twin.title = "Graph Nets"  # a different paper whose new key would be the same
    assignment = assign_keys([twin, kept])
    assert assignment.keys == {kept.id: "li2019graphnets", twin.id: "li2019graphnetsa"}
    assert assignment.new == {twin.id: "li2019graphnetsa"}


def test_an_imported_key_with_bibtex_breaking_characters_is_replaced():
    paper = make_paper("Graph Nets", authors=["Bo Li"], date="2019-01-01", citation_key="li 2019,{x}")
    assert assign_keys([paper]).new == {paper.id: "li2019graphnets"}
