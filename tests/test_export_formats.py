"""biblatex, CSL-JSON and RIS: what biber, pandoc and reference managers read."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import bibtexparser
import pytest

from readinglist.core.export import ExportOptions, render, to_biblatex, to_bibtex, to_csl, to_ris
from readinglist.core.model import Annotation, Paper
from readinglist.core.store import Store
from readinglist.core.text import paper_id


def make_paper(title: str, **fields) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)


PREPRINT = make_paper(
    "The diameter of random Schreier graphs",
    authors=["Daniele Dona", "Luca Sabatini"],
    date="2024-06-24",
    arxiv_id="2406.16733v2",
    category="math.CO",
    abstract="We bound the diameter.\nSee https://github.com/x/vision_transformer.",
    links={"code": ["https://user:token@github.com/x/y"]},
)
PUBLISHED = make_paper(
    "Deep Residual Learning for Image Recognition",
    authors=["Kaiming He", "Xiangyu Zhang"],
    date="2016-06-27",
    arxiv_id="1512.03385",
    doi="10.1109/CVPR.2016.90",
    venue="Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
    pages="770-778",
    publisher="IEEE",
)
JOURNAL = make_paper(
    "Mastering the game of Go", authors=["David Silver"], date="2016-01-28", doi="10.1038/nature16961",
    venue="Nature", pub_type="article", volume="529", issue="7587", pages="484--489",
)  # fmt: skip
GUESSED = make_paper("Guessed Year", authors=["Ivy Ko"], date="2023-01-01", date_inferred=True)
NOTHING = make_paper("An Unresolved Paper")
PAPERS = [PREPRINT, PUBLISHED, JOURNAL, GUESSED, NOTHING]
ANNOTATIONS = {PREPRINT.id: Annotation(tags=["graphs", "to read"], note="private")}


def entries(text: str) -> dict[str, object]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return {e.key: e for e in library.entries}


# --- biblatex ---------------------------------------------------------------------


def test_biblatex_uses_its_own_eprint_fields_and_full_dates():
    by_key = entries(to_biblatex(PAPERS))
    online, proceedings, article, guessed, bare = by_key.values()
    assert online.entry_type == "online"
    assert {n: online[n] for n in ("eprinttype", "eprint", "eprintclass", "date", "doi", "url")} == {
        "eprinttype": "arxiv",
        "eprint": "2406.16733",
        "eprintclass": "math.CO",
        "date": "2024-06-24",
        "doi": "10.48550/arXiv.2406.16733",
        "url": "https://arxiv.org/abs/2406.16733",
    }
    assert proceedings.entry_type == "inproceedings" and proceedings["doi"] == "10.1109/CVPR.2016.90"
    assert proceedings["eprint"] == "1512.03385" and proceedings["pages"] == "770--778"
    assert (article.entry_type, article["journaltitle"], article["number"]) == ("article", "Nature", "7587")
    assert guessed["date"] == "2023~"  # EDTF: approximately 2023
    assert bare.entry_type == "misc" and "date" not in bare.fields_dict


def test_abstracts_and_keywords_only_when_asked_and_notes_never():
    plain = to_bibtex([PREPRINT], annotations=ANNOTATIONS)
    assert "abstract" not in plain and "keywords" not in plain
    options = ExportOptions(abstracts=True, keywords=True)
    for text in (to_bibtex([PREPRINT], annotations=ANNOTATIONS, options=options),
                 to_biblatex([PREPRINT], annotations=ANNOTATIONS, options=options)):  # fmt: skip
        entry = next(iter(entries(text).values()))
        assert entry["keywords"] == "graphs, to read"
        assert entry["abstract"].startswith("We bound the diameter. See https://github.com/x/vision{\\_}transformer")
        assert "private" not in text and "token" not in text


def test_utf8_keeps_letters_and_still_escapes_specials():
    paper = make_paper("Étude naïve & 50% off", authors=["José García"])
    text = render("bib", [paper], options=ExportOptions(utf8=True)).text
    assert "Étude naïve \\& 50\\% off" in text and "José García" in text


def test_incomplete_papers_are_counted_with_what_to_do():
    warnings = render("bib", PAPERS).warnings
    assert warnings == [
        "5 papers exported, 1 without authors, 1 without a year, 1 with a guessed year (marked as uncertain): "
        "`readinglist enrich` looks them up, `readinglist add ID` adds a paper by its arXiv id or DOI"
    ]
    assert render("bib", [PREPRINT]).warnings == []


# --- CSL-JSON -----------------------------------------------------------------


def test_csl_json_items_as_zotero_and_pandoc_read_them():
    items = {item["id"]: item for item in json.loads(to_csl(PAPERS, annotations=ANNOTATIONS, options=ExportOptions(keywords=True)))}
    preprint, proceedings, article, guessed, bare = items.values()
    assert preprint["type"] == "article" and preprint["number"] == "arXiv:2406.16733"
    assert preprint["author"] == [{"family": "Dona", "given": "Daniele"}, {"family": "Sabatini", "given": "Luca"}]
    assert preprint["issued"] == {"date-parts": [[2024, 6, 24]]}
    assert preprint["DOI"] == "10.48550/arXiv.2406.16733" and preprint["keyword"] == "graphs, to read"
    assert proceedings["type"] == "paper-conference" and proceedings["container-title"].startswith("Proceedings")
    assert (proceedings["DOI"], proceedings["page"]) == ("10.1109/CVPR.2016.90", "770-778")
    assert (article["type"], article["volume"], article["issue"]) == ("article-journal", "529", "7587")
    assert guessed["issued"] == {"date-parts": [[2023]], "circa": True}
    assert "author" not in bare and "issued" not in bare and "URL" not in bare


# --- RIS ----------------------------------------------------------------------------


def read_ris(text: str) -> list[dict[str, list[str]]]:
    """A strict RIS reader: every line is a tag line, every record ends in ER."""
    records, current = [], None
    for line in text.splitlines():
        if not line.strip():
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert match, line
        tag, value = match.groups()
        if tag == "TY":
            assert current is None
            current = {}
        assert current is not None
        if tag == "ER":
            records.append(current)
            current = None
            continue
        current.setdefault(tag, []).append(value)
    assert current is None
    return records


def test_ris_reads_back_with_every_field():
    options = ExportOptions(abstracts=True, keywords=True)
    preprint, proceedings, article, guessed, bare = read_ris(to_ris(PAPERS, annotations=ANNOTATIONS, options=options))
    assert preprint == {
        "TY": ["UNPB"],
        "ID": ["dona2024diameterrandomschreiergraphs"],
        "TI": ["The diameter of random Schreier graphs"],
        "AU": ["Dona, Daniele", "Sabatini, Luca"],
        "PY": ["2024"],
        "DA": ["2024/06/24/"],
        "M1": ["arXiv:2406.16733"],
        "DO": ["10.48550/arXiv.2406.16733"],
        "UR": ["https://arxiv.org/abs/2406.16733"],
        "AB": ["We bound the diameter. See https://github.com/x/vision_transformer."],
        "KW": ["graphs", "to read"],
    }
    assert proceedings["TY"] == ["CPAPER"] and (proceedings["SP"], proceedings["EP"]) == (["770"], ["778"])
    assert (article["TY"], article["T2"], article["VL"], article["IS"]) == (["JOUR"], ["Nature"], ["529"], ["7587"])
    assert "PY" not in guessed and guessed["N1"] == ["Year not confirmed (probably 2023)"]
    assert set(bare) == {"TY", "ID", "TI"}


def test_ris_values_cannot_start_a_new_record():
    paper = make_paper("Title\nER  - \nTY  - JOUR", authors=["A\r\nTI  - injected"])
    records = read_ris(to_ris([paper]))
    assert len(records) == 1 and len(records[0]["TI"]) == 1


# --- pandoc -------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pandoc"), reason="pandoc is not installed (see docs/export.md)")
@pytest.mark.parametrize("fmt,suffix", [("csl", "json"), ("bib", "bib"), ("biblatex", "bib")])
def test_pandoc_citeproc_renders_every_entry(tmp_path, fmt, suffix):
    accents = make_paper("Accents", authors=["José García", "Łukasz Ruïz"], date="2020-01-01")
    papers = Store.open(tmp_path / "store").papers() + PAPERS + [accents]
    bibliography = tmp_path / f"refs.{suffix}"
    bibliography.write_text(render(fmt, papers).text, encoding="utf-8")
    run = subprocess.run(
        ["pandoc", "--citeproc", f"--bibliography={bibliography}", "-t", "html", "-f", "markdown", "--wrap=none"],
        input="---\nnocite: |\n  @*\n---\n", capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.count('class="csl-entry"') == len(papers)
    assert "Deep Residual Learning for Image Recognition" in run.stdout
    assert "García, José" in run.stdout and "Ruïz" in run.stdout


# --- hostile text, every format ----------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from urllib.parse import urlsplit  # noqa: E402

from readinglist.core.text import is_safe_url  # noqa: E402

_piece = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["\x1b[2J", "\x07", "\u202e", "\n", "\r\n", "{", "}", "\\", "$", "$\\input{x}$", "^^5c", "%",
                     "ER  - ", "javascript:x", "https://u:p@h.example/a_b", "@misc{x,", "\"", "]", "</script>"]),
)  # fmt: skip
_hostile = st.lists(_piece, max_size=6).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_hostile.filter(str.strip), author=_hostile, abstract=_hostile, url=_hostile, tag=_hostile, venue=_hostile)
def test_hostile_text_stays_data_in_every_format(title, author, abstract, url, tag, venue):
    paper = Paper(
        id=paper_id(title) or "x", title=title, authors=[author], abstract=abstract, url=url, pdf_url=url,
        doi=url, arxiv_id=url, venue=venue, pages=venue, links={"code": [url]},
    )  # fmt: skip
    annotations = {paper.id: Annotation(tags=[tag])}
    options = ExportOptions(abstracts=True, keywords=True)
    outputs = {fmt: render(fmt, [paper], annotations, options).text for fmt in ("bib", "biblatex", "csl", "ris")}
    for fmt, text in outputs.items():
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), (fmt, text)
    for fmt in ("bib", "biblatex"):
        (entry,) = entries(outputs[fmt]).values()
        assert "^^" not in outputs[fmt] or "$" not in outputs[fmt].replace("\\$", "")
        if "url" in entry.fields_dict:
            assert is_safe_url(entry["url"]) and urlsplit(entry["url"]).username is None
    (item,) = json.loads(outputs["csl"])
    assert is_safe_url(item.get("URL", "https://ok.example")) and urlsplit(item.get("URL", "")).username is None
    assert len(read_ris(outputs["ris"])) == 1
