"""`import` of .bib, CSL-JSON and arXiv metadata lines, told apart by content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readinglist.core.store import Store
from readinglist.core.text import paper_id

BIB = r"""
% Exported by a reference manager. The extension says nothing: see the tests.
@String{cvpr = "Proceedings of the {IEEE} Conference on Computer Vision and Pattern Recognition"}
@String{me = "M{\"u}ller, J{\"u}rgen"}

@inproceedings{he2016deep,
  title     = {{Deep Residual Learning} for Image Recognition},
  author    = {He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian},
  booktitle = cvpr,
  month     = jun,
  year      = 2016,
  pages     = {770--778},
  keywords  = {vision, resnet},
}

@article{mueller2020cafe,
  title   = "Caf\'{e} Culture and {\"U}ber-Models: a {{Double Braces}} Study",
  author  = me # " and {World Health Organization} and others",
  journal = {Journal of \LaTeX{} Studies},
  year    = {2020},
  month   = {March},
  doi     = {https://doi.org/10.1000/ABC.(1)/x},
  abstract = {We study caf\'{e}s. Code: https://github.com/example/cafe},
}

@inproceedings{child2019, title={A Child Paper}, author={Doe, Jane}, crossref={conf19}, pages={1--9}}
@proceedings{conf19, title={Proceedings of the Conference 2019}, booktitle={Conf 2019}, year=2019, publisher={ACM}}

@misc{oquab2023dinov2,
  title={{DINOv2}: Learning Robust Visual Features without Supervision},
  author={Maxime Oquab and Timoth{\'e}e Darcet},
  year={2023},
  eprint={2304.07193v2},
  archivePrefix={arXiv},
  primaryClass={cs.CV},
  url={https://arxiv.org/abs/2304.07193},
}

@misc{broken, title={Never closed,
"""


def import_one(store: Store, path: Path):  # noqa: ANN201
    (report,) = store.import_files([path])
    assert report.error is None, report.error
    return report


def by_key(store: Store, key: str):  # noqa: ANN201
    return next(p for p in store.papers() if p.citation_key == key)


def test_bibtex_real_world_quirks(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "refs.txt"  # the content decides, not the name
    path.write_text(BIB, encoding="utf-8")
    report = import_one(store, path)
    assert report.layout == "bibtex"
    assert report.parsed == 4 and report.problems  # the broken entry is reported, the rest load
    resnet = by_key(store, "he2016deep")
    assert resnet.title == "Deep Residual Learning for Image Recognition"
    assert resnet.authors == ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]
    assert resnet.venue == "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition"
    assert (resnet.date, resnet.pub_type, resnet.pages) == ("2016-06", "inproceedings", "770-778")
    assert store.annotation(resnet.id).tags == ["vision", "resnet"]

    cafe = by_key(store, "mueller2020cafe")
    assert cafe.title == "Café Culture and Über-Models: a Double Braces Study"
    assert cafe.authors == ["Jürgen Müller", "World Health Organization"] and cafe.authors_truncated
    assert (cafe.date, cafe.doi, cafe.venue) == ("2020-03", "10.1000/ABC.(1)/x", "Journal of LaTeX Studies")
    assert cafe.links["code"] == ["https://github.com/example/cafe"]

    child = by_key(store, "child2019")
    assert (child.venue, child.date, child.publisher) == ("Conf 2019", "2019", "ACM")  # classic BibTeX: the parent's booktitle
    assert not any(p.citation_key == "conf19" for p in store.papers())  # the volume is not a paper


def test_bibtex_entry_duplicating_a_builtin_paper_merges_into_it(store: Store, tmp_path: Path) -> None:
    dino = next(p for p in store.papers() if p.title.startswith("DINOv2"))
    store.set_star(dino.id, True)
    before = len(store.papers())
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    report = import_one(store, path)
    assert (report.new, len(store.papers())) == (3, before + 3)
    assert ("DINOv2: Learning Robust Visual Features without Supervision", dino.id) in report.duplicates
    merged = store.paper(dino.id)
    assert merged is not None
    assert (merged.arxiv_id, merged.citation_key) == ("2304.07193", "oquab2023dinov2")
    assert merged.authors[0] == "Maxime Oquab" and store.annotation(dino.id).star


def test_same_paper_by_arxiv_id_under_another_title_merges(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "a.bib"
    first.write_text("@misc{a, title={Segment Anything}, eprint={2304.02643}, archivePrefix={arXiv}}", encoding="utf-8")
    second = tmp_path / "b.json"
    second.write_text(json.dumps([{"type": "article", "title": "SAM: Segment Anything (preprint)", "URL": "https://arxiv.org/abs/2304.02643v3"}]), encoding="utf-8")
    reports = store.import_files([first, second])
    assert reports[1].duplicates == [("SAM: Segment Anything (preprint)", paper_id("Segment Anything"))]
    assert sum(1 for p in store.papers() if p.arxiv_id == "2304.02643") == 1


def test_csl_json_from_zotero(store: Store, tmp_path: Path) -> None:
    items = [
        {
            "id": "http://zotero.org/users/1/items/ABCD",
            "type": "article-journal",
            "title": "Learning <i>Fast</i> Things",
            "author": [{"family": "Lovelace", "given": "Ada"}, {"literal": "OpenAI"}],
            "issued": {"date-parts": [["2021", "7", "2"]]},
            "container-title": "Nature",
            "volume": "12",
            "DOI": "10.1038/S41586-021-00001-X",
            "keyword": "ml; speed",
        },
        {"id": "lecun1998", "citation-key": "lecun1998", "type": "paper-conference", "title": "Gradient-Based Learning", "issued": {"date-parts": [[1998]]}},
        {"type": "book", "note": "no title here"},
    ]
    path = tmp_path / "zotero export"
    path.write_text(json.dumps(items), encoding="utf-8")
    report = import_one(store, path)
    assert (report.layout, report.parsed, len(report.problems)) == ("csl-json", 2, 1)
    fast = next(p for p in store.papers() if p.title == "Learning Fast Things")
    assert (fast.authors, fast.date, fast.venue, fast.doi, fast.pub_type) == (["Ada Lovelace", "OpenAI"], "2021-07-02", "Nature", "10.1038/S41586-021-00001-X", "article")
    assert fast.citation_key is None  # a Zotero URI is no citation key
    assert store.annotation(fast.id).tags == ["ml", "speed"]
    assert by_key(store, "lecun1998").pub_type == "inproceedings"


def snapshot_line(n: int, **extra: object) -> str:
    record = {
        "id": f"2301.{n:05d}",
        "submitter": "A. Person",
        "authors": "A. Person and B. Other",
        "authors_parsed": [["Person", "A.", ""], ["Other", "B.", ""]],
        "title": f"Synthetic paper number {n}\n  about things",
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": "cs.LG stat.ML",
        "license": None,
        "abstract": f"  We study {n}.\nIt is\n  wrapped.\n",
        "versions": [{"version": "v1", "created": "Mon, 2 Jan 2023 19:18:42 GMT"}, {"version": "v2", "created": "Tue, 3 Jan 2023 10:00:00 GMT"}],
        "update_date": "2023-01-03",
        **extra,
    }
    return json.dumps(record)


def test_arxiv_snapshot_lines_stream_in(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", seed=False)
    path = tmp_path / "arxiv-metadata-oai-snapshot.json"
    lines = [snapshot_line(n) for n in range(1, 6)] + ["{not json", snapshot_line(6, doi="10.1000/xyz 10.1000/other")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_one(store, path)
    assert (report.layout, report.parsed, report.new, len(report.problems)) == ("arxiv-snapshot", 6, 6, 1)
    assert report.problems[0].line == 6
    paper = next(p for p in store.papers() if p.arxiv_id == "2301.00001")
    assert paper.title == "Synthetic paper number 1 about things"
    assert (paper.authors, paper.category, paper.categories, paper.date) == (["A. Person", "B. Other"], "cs.LG", ["cs.LG", "stat.ML"], "2023-01-02")
    assert paper.abstract == "We study 1. It is wrapped."
    assert next(p for p in store.papers() if p.arxiv_id == "2301.00006").doi == "10.1000/xyz"
    assert import_one(store, path).unchanged == 6  # a second import changes nothing


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some words\n", "not a listing in any known layout"),
        (b'{"hello": "world"}', "neither CSL-JSON"),
        (b"[1, 2, 3]", "neither CSL-JSON"),
        (b"[{]", "not valid JSON"),
        (b"\x00\x01binary", "binary"),
    ],
)
def test_a_file_of_no_known_format_gets_one_line(store: Store, tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.bib"
    bad.write_bytes(content)
    good = tmp_path / "good.bib"
    good.write_text("@article{k, title={Fine}}", encoding="utf-8")
    reports = store.import_files([bad, good])
    assert message in (reports[0].error or "")
    assert reports[1].new == 1


def test_hostile_text_in_imports_is_stripped(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", seed=False)
    bib = tmp_path / "evil.bib"
    bib.write_text(
        '@article{evil, title={Nice \x1b]52;c;cm0gLXJmIH4=\x07Title\x1b[2J}, author={Bad\x1b[31m, Guy}, url={javascript:alert(1)}, journal={J\u202eevil}}',
        encoding="utf-8",
    )
    lines = tmp_path / "evil.jsonl"
    lines.write_text(snapshot_line(1, title="Snap\x1b[5m title", categories="cs.LG\x1b[31m") + "\n" + "x" * (1024 * 1024 + 10) + "\n" + snapshot_line(2) + "\n", encoding="utf-8")
    reports = store.import_files([bib, lines])
    assert reports[1].parsed == 2 and "longer than" in reports[1].problems[0].message
    evil = by_key(store, "evil")
    assert (evil.title, evil.authors, evil.url, evil.venue) == ("Nice Title", ["Guy Bad"], None, "Jevil")
    snap = next(p for p in store.papers() if p.arxiv_id == "2301.00001")
    assert (snap.title, snap.category) == ("Snap title", "cs.LG")


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_BIBLIKE = st.text(alphabet=st.sampled_from(list('@{}()",=#%\\\'^~$ \nabcAB0129-_.:/')) , max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_BIBLIKE)
def test_any_bibtex_like_text_imports_or_is_one_error(tmp_path: Path, body: str) -> None:
    from readinglist.core.importers.bibtex import parse_bibtex

    result = parse_bibtex("@article{k,\n" + body, "fuzz.bib")
    for paper in result.papers:
        assert paper.title and "\x1b" not in paper.title


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20), lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(["title", "author", "issued", "DOI", "URL", "type", "date-parts", "family", "literal", "link", "container-title", "page"]), c, max_size=6), max_leaves=20))
def test_any_json_is_csl_or_one_error(data: object) -> None:
    from readinglist.core.importers.csl import parse_csl
    from readinglist.core.parse import ParseError

    try:
        parse_csl(json.dumps(data), "fuzz.json")
    except ParseError:
        pass
