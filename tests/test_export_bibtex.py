"""BibTeX export: what a reference manager, bibtexparser and real bibtex accept."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import bibtexparser
import pytest
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from readinglist.core.export import (
    assign_keys,
    base_key,
    bibtex_keys_in,
    latex_title,
    to_bibtex,
)
from readinglist.core.model import Paper, Source
from readinglist.core.store import Store
from readinglist.core.text import paper_id

HOSTILE_TITLES = [
    "Q&A at 100% for $5: #1 under_score",
    "Sets {A, B} and {C}: braces ~ tilde ^ caret \\ backslash",
    "Unbalanced } brace and { another",
    "<script>alert(1)</script> [link](javascript:x) **bold** `code`",
    "Étude naïve: Gödel, Łukasz and Schrödinger’s “quoted” café — Ω-nets",
    'A "plain" quote and it\'s fine',
    "Re$^3$Dial: Retrieve, Reorganize and Rescale",
]


def make_paper(title: str, **fields) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)


def parse(text: str):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    keys = [entry.key for entry in library.entries]
    assert [k for k, n in Counter(k.casefold() for k in keys).items() if n > 1] == []
    return library


def _decoder() -> LatexNodes2Text:
    db = get_default_latex_context_db()
    db.add_context_category(
        "export-test",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
        ],
    )
    return LatexNodes2Text(latex_context=db, math_mode="verbatim")


DECODE = _decoder()


def decoded(latex: str) -> str:
    text = DECODE.latex_to_text(latex)
    return " ".join(text.replace("\u201d", '"').split())  # LaTeX's '' is a closing quote


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Paper]:
    return Store.open(tmp_path_factory.mktemp("store")).papers()


# --- structure -------------------------------------------------------------


def test_arxiv_paper_follows_arxiv_own_export_shape():
    paper = make_paper(
        "The diameter of random Schreier graphs",
        authors=["Daniele Dona", "Luca Sabatini"],
        date="2024-06-24",
        arxiv_id="2406.16733v2",
        category="math.CO",
    )
    entry = parse(to_bibtex([paper])).entries[0]
    assert entry.entry_type == "misc"
    assert entry.key == "dona2024diameterrandomschreiergraphs"
    assert entry["author"] == "Daniele Dona and Luca Sabatini"
    assert entry["year"] == "2024"
    assert entry["eprint"] == "2406.16733"  # no version
    assert entry["archivePrefix"] == "arXiv"
    assert entry["primaryClass"] == "math.CO"
    assert entry["url"] == "https://arxiv.org/abs/2406.16733"
    assert "note" not in entry.fields_dict


def test_paper_without_arxiv_id_is_identified_by_its_doi_and_names_no_listing():
    paper = make_paper(
        "Masked Autoencoders that Listen",
        authors=["Po-Yao Huang"],
        date="2022-07-13",
        doi="10.5555/12345_678",
        pdf_url="https://example.org/paper.pdf",
        links={"project": ["https://someone.github.io/"], "other": ["https://leaderboard.example/x"]},
        sources=[Source("000_51ed6a239f702eec.txt", 4)],
    )
    text = to_bibtex([paper])
    entry = parse(text).entries[0]
    assert "eprint" not in entry.fields_dict
    assert entry["url"] == "https://doi.org/10.5555/12345_678"
    assert entry["doi"] == "10.5555/12345_678"
    assert "note" not in entry.fields_dict
    assert "000_51ed6a239f702eec" not in text and "github.io" not in text and "leaderboard" not in text


def test_the_papers_own_page_is_its_url_and_abstract_links_never_are():
    own = make_paper("Own page", url="https://venue.example/paper/12", links={"other": ["https://author.example/"]})
    assert parse(to_bibtex([own])).entries[0]["url"] == "https://venue.example/paper/12"
    homepage_only = make_paper("Homepage only", links={"project": ["https://author.example/"], "code": ["https://github.com/a/b"]})
    assert "url" not in parse(to_bibtex([homepage_only])).entries[0].fields_dict


def test_only_http_urls_are_exported():
    paper = make_paper(
        "Unsafe links",
        url="javascript:alert(1)",
        pdf_url="file:///etc/passwd",
    )
    assert "url" not in parse(to_bibtex([paper])).entries[0].fields_dict


def test_credentials_in_a_url_are_never_exported():
    paper = make_paper("Hidden", url="https://user:secret@host.example/paper")
    text = to_bibtex([paper])
    assert "secret" not in text and "user" not in text
    assert parse(text).entries[0]["url"] == "https://host.example/paper"


def test_malformed_arxiv_id_is_not_exported_as_eprint():
    paper = make_paper("Odd id", arxiv_id="2101.0001}\\evil", category="cs.LG")
    entry = parse(to_bibtex([paper])).entries[0]
    assert "eprint" not in entry.fields_dict
    assert "evil" not in to_bibtex([paper])


def test_truncated_author_list_ends_in_others():
    paper = make_paper("A", authors=["Ann Lee", "Bo Chen", "Cy Roe"], authors_truncated=True)
    entry = parse(to_bibtex([paper])).entries[0]
    assert entry["author"] == "Ann Lee and Bo Chen and Cy Roe and others"


def test_author_names_with_comma_or_and_stay_one_name():
    paper = make_paper("A", authors=["Google, Inc.", "Tom and Jerry", "José Ñúñez"])
    entry = parse(to_bibtex([paper])).entries[0]
    names = [n.strip() for n in re.split(r"\s+and\s+(?![^{]*\})", entry["author"])]
    assert len(names) == 3
    assert decoded(names[2]) == "José Ñúñez"


def test_paper_without_authors_is_labelled_by_its_first_title_words():
    paper = make_paper("Attention Is All You Need", date="2017-06-12")
    entry = parse(to_bibtex([paper])).entries[0]
    assert "author" not in entry.fields_dict
    assert decoded(entry["key"]) == "Attention Is All"
    assert entry.key == "paper2017attentionallyouneed"


def test_only_acronyms_and_mixed_case_words_are_protected_by_braces():
    assert latex_title("Demystifying CLIP Data for BERT") == "Demystifying {CLIP} Data for {BERT}"
    assert latex_title("iPhone ReLU GPT-4 3D Nets") == "{iPhone} {ReLU} {GPT-4} {3D} Nets"


def test_math_in_titles_stays_math_and_backticks_print_as_backticks():
    assert latex_title("Re$^3$Dial: Retrieve") == "{Re$^3$Dial:} Retrieve"
    assert latex_title("Cost $\\mathcal{O}(n)$ here") == "Cost {$\\mathcal{O}(n)$} here"
    # Math that could run a command is printed as text.
    assert "\\input" not in latex_title("Bad $\\input{/etc/passwd}$")
    assert "$" not in latex_title("Bad $^^5cinput{/etc/passwd}$").replace("\\$", "")
    assert latex_title("`quoted'") == "{\\textasciigrave}quoted'"


def test_accented_i_is_written_on_a_plain_i_for_biber():
    assert latex_title("José García Ruïz") == "Jos{\\'e} Garc{\\'i}a Ru{\\\"i}z"


def test_published_paper_is_an_article_with_journal_doi_and_eprint():
    paper = make_paper(
        "Deep Residual Learning",
        authors=["Kaiming He"],
        date="2016-06-01",
        arxiv_id="1512.03385",
        doi="10.1109/CVPR.2016.90",
        journal_ref="Proc. CVPR 2016",
        pages="770-778",
    )
    entry = parse(to_bibtex([paper])).entries[0]
    assert entry.entry_type == "inproceedings"
    assert entry["booktitle"] == "Proc. {CVPR} 2016".replace("{CVPR}", "CVPR")
    assert (entry["doi"], entry["eprint"], entry["pages"]) == ("10.1109/CVPR.2016.90", "1512.03385", "770--778")
    journal = make_paper("A Journal Paper", authors=["Ann Lee"], date="2020-01-01", venue="Nature", volume="5", doi="10.1038/x1")
    entry = parse(to_bibtex([journal])).entries[0]
    assert (entry.entry_type, entry["journal"], entry["volume"]) == ("article", "Nature", "5")


def test_arxiv_paper_gets_arxivs_own_doi():
    paper = make_paper("X", arxiv_id="2101.00001v2")
    assert parse(to_bibtex([paper])).entries[0]["doi"] == "10.48550/arXiv.2101.00001"


def test_guessed_year_is_marked_as_uncertain_and_left_out_of_the_key():
    paper = make_paper("Guessed Things", authors=["Ann Lee"], date="2023-01-01", date_inferred=True)
    entry = parse(to_bibtex([paper])).entries[0]
    assert entry["year"] == "2023?"
    assert entry.key == "leeguessedthings"


def test_control_sequences_are_stripped():
    paper = make_paper("\x1b[31mRed\x1b[0m title\x07", authors=["\x1b]8;;http://x\x07Eve\x1b]8;;\x07 Doe"])
    text = to_bibtex([paper])
    assert "\x1b" not in text and "\x07" not in text
    entry = parse(text).entries[0]
    assert decoded(entry["title"]) == "Red title"
    assert entry["author"] == "Eve Doe"


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_round_trip_through_latex(title):
    paper = make_paper(title, authors=["Ann Lee"], date="2020-01-01")
    entry = parse(to_bibtex([paper])).entries[0]
    expected = title.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    got = decoded(entry["title"]).replace("\u201c", '"').replace("\u2019", "'")
    assert got == expected


@pytest.mark.parametrize("char", list("&%$#_{}~^\\"))
def test_each_special_character_is_escaped(char):
    title = f"a{char}b"
    latex = latex_title(title)
    # Unescaped, the character would be TeX syntax; escaped, it never appears bare.
    bare = re.sub(r"\\[A-Za-z]+|\\.", "", latex).replace("{", "").replace("}", "")
    assert char not in bare or char in "{}"
    assert decoded(latex) == title
    assert latex.count("{") == latex.count("}")


def test_unknown_characters_do_not_reach_latex():
    paper = make_paper("🦙 Llama meets 日本 text")
    title = parse(to_bibtex([paper])).entries[0]["title"]
    assert title.isascii()
    assert "Llama meets" in decoded(title)


# --- keys ------------------------------------------------------------------


def test_keys_are_surname_year_title_words_in_ascii():
    paper = make_paper("Über die Ästhetik: an Analysis of the Œuvre", authors=["Jürgen Müller-Lüdenscheidt"], date="2021-03-01")
    assert base_key(paper) == "mullerludenscheidt2021uberdieasthetikanalysis"


def test_keys_transliterate_letters_that_have_no_accent_to_strip():
    paper = make_paper("Øresund Bridges", authors=["Jan Łukasiewicz"], date="1920-01-01")
    assert base_key(paper) == "lukasiewicz1920oresundbridges"


def test_decomposed_accents_become_latex_accents():
    paper = make_paper("Re\u0301sume\u0301 of Timothe\u0301e", authors=["Timothe\u0301e Darcet"])
    entry = parse(to_bibtex([paper])).entries[0]
    assert entry["author"] == "Timoth{\\'e}e Darcet"
    assert decoded(entry["title"]) == "Résumé of Timothée"


def test_colliding_keys_get_stable_suffixes_in_any_order():
    papers = [
        make_paper(f"Deep Learning Networks Study {tag}", authors=["Ann Smith"], date="2020-01-01")
        for tag in ("one", "two", "three")
    ]
    # Same first four non-stopword words: one base key for all three.
    assert len({base_key(p) for p in papers}) == 1
    forward = assign_keys(papers).keys
    backward = assign_keys(list(reversed(papers))).keys
    assert forward == backward
    assert sorted(forward.values()) == [
        "smith2020deeplearningnetworksstudya",
        "smith2020deeplearningnetworksstudyb",
        "smith2020deeplearningnetworksstudyc",
    ]
    parse(to_bibtex(papers))


def test_keys_avoid_existing_ones_case_insensitively():
    paper = make_paper("Graph Nets", authors=["Bo Li"], date="2019-01-01")
    keys = assign_keys([paper], taken={"LI2019GraphNets", "li2019graphnetsa"}).keys
    assert keys[paper.id] == "li2019graphnetsb"


def test_same_paper_twice_is_exported_once():
    paper = make_paper("Graph Nets", authors=["Bo Li"], date="2019-01-01")
    assert len(parse(to_bibtex([paper, paper])).entries) == 1


def test_bibtex_keys_in_reads_entry_keys_only():
    text = """
    @string{jmlr = "Journal of ML"}
    @comment{not a key}
    @Article{ smith2020deep ,
      title = {x}}
    @misc(paren2021key, title = {y})
    @preamble{"\\newcommand{\\x}{y}"}
    """
    assert bibtex_keys_in(text) == {"smith2020deep", "paren2021key"}


def test_duplicate_check_in_this_file_would_catch_a_duplicate():
    entry = "@misc{same,\n  title = {A},\n}\n"
    with pytest.raises(AssertionError):
        parse(entry + "\n" + entry)


# --- the built-in corpus -----------------------------------------------------


def test_whole_corpus_parses_with_unique_keys_and_round_trips_titles(corpus):
    text = to_bibtex(corpus)
    library = parse(text)
    assert len(library.entries) == len(corpus)
    by_key = {entry.key: entry for entry in library.entries}
    for paper, key in zip(corpus, (e.key for e in library.entries), strict=True):
        assert decoded(by_key[key]["title"]) == " ".join(paper.title.split()), key
        if paper.authors:
            assert by_key[key]["author"].endswith("and others") == paper.authors_truncated
        else:
            assert "key" in by_key[key].fields_dict


# --- real bibtex + pdflatex ------------------------------------------------

_TEX_TOOLS = shutil.which("bibtex") and shutil.which("pdflatex")

DOCUMENT = r"""\documentclass{article}
\tracinglostchars=2
\begin{document}
\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TEXMFVAR=str(cwd / "texmf-var"))  # font caches stay in the test's directory
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, errors="replace")


@pytest.mark.skipif(not _TEX_TOOLS, reason="bibtex and pdflatex are not installed (see docs/export.md)")
def test_real_bibtex_and_pdflatex_accept_the_export_without_warnings(corpus, tmp_path):
    hostile = [
        make_paper(title, authors=["Łukasz Kaiser", "Zoë O'Brien"], date="2021-05-05", arxiv_id=f"2105.0000{i}", category="cs.LG")
        for i, title in enumerate(HOSTILE_TITLES)
    ]
    hostile.append(make_paper("🦙 No authors at all, 日本", sources=[Source("odd_listing#1.txt", 1)]))
    papers = corpus + hostile
    (tmp_path / "refs.bib").write_text(to_bibtex(papers), encoding="utf-8")
    (tmp_path / "doc.tex").write_text(DOCUMENT, encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]

    first = _run(latex, tmp_path)
    assert first.returncode == 0, first.stdout[-2000:]
    bib = _run(["bibtex", "doc"], tmp_path)
    blg = (tmp_path / "doc.blg").read_text(errors="replace")
    assert bib.returncode == 0, blg  # 1 means warnings, 2 errors
    assert "Warning--" not in blg and "error message" not in blg
    for _ in range(2):
        run = _run(latex, tmp_path)
        assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    problems = [
        line
        for line in log.splitlines()
        if line.startswith("!") or "Warning" in line or "Missing character" in line or "undefined" in line
    ]
    assert problems == []
    assert (tmp_path / "doc.bbl").read_text(errors="replace").count("\\bibitem") == len(papers)
