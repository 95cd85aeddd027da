"""Writing exports into the user's files: nothing existing is lost or changed."""

from __future__ import annotations

import os
import stat

import bibtexparser
import pytest

from readinglist.core.errors import UserError
from readinglist.core.export import export_to_file, read_existing, write_export
from readinglist.core.model import Paper
from readinglist.core.text import paper_id


def make_paper(title: str, **fields) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)


LIBRARY = [
    make_paper("Attention Is All You Need", authors=["Ashish Vaswani"], date="2017-06-12", arxiv_id="1706.03762"),
    make_paper("Deep Residual Learning", authors=["Kaiming He"], date="2015-12-10", doi="10.1109/CVPR.2016.90"),
    make_paper("Graph Nets", authors=["Bo Li"], date="2019-01-01"),
    make_paper("A Brand New Paper", authors=["Cy Roe"], date="2024-02-02", arxiv_id="2402.00001"),
]

# What arXiv, a publisher and a colleague's hand would write: CRLF, a BOM,
# @ARTICLE( syntax, a key differing only in case from one of ours.
EXISTING = (
    "\ufeff% my bibliography\r\n"
    "@misc{vaswani2017attentionneed,\r\n"
    "      title={Attention Is All You Need},\r\n"
    "      author={Ashish Vaswani and others},\r\n"
    "      year={2017},\r\n"
    "      eprint={1706.03762},\r\n"
    "      archivePrefix={arXiv},\r\n"
    "}\r\n"
    "\r\n"
    "@ARTICLE(He2016,\r\n"
    '  title = "Deep {R}esidual Learning for Image Recognition",\r\n'
    "  doi = {10.1109/cvpr.2016.90}\r\n"
    ")\r\n"
    "@inproceedings{LI2019GRAPHNETS, title = {{G}raph {N}ets}, year = 2019}\r\n"
    "@Misc{roe2024brandnewpaper, title = {Something else entirely}}\r\n"
)


def test_append_keeps_bytes_skips_known_papers_and_writes_crlf(tmp_path):
    target = tmp_path / "refs.bib"
    original = EXISTING.encode("utf-8")
    target.write_bytes(original)

    report = export_to_file("bib", LIBRARY, target, append=True)

    data = target.read_bytes()
    assert data.startswith(original)
    assert [p.title for p in report.skipped] == ["Attention Is All You Need", "Deep Residual Learning", "Graph Nets"]
    assert [p.title for p in report.written] == ["A Brand New Paper"]
    added = data[len(original) :].decode("utf-8")
    assert "\n" not in added.replace("\r\n", "")  # the file's own line ending
    library = bibtexparser.parse_string(data.decode("utf-8-sig"))
    keys = [entry.key for entry in library.entries]
    # A key differing only in case is still taken.
    assert "roe2024brandnewpapera" in keys and len({k.casefold() for k in keys}) == len(keys)


def test_append_with_nothing_new_leaves_the_file_untouched(tmp_path):
    target = tmp_path / "refs.bib"
    target.write_bytes(EXISTING.encode("utf-8"))
    before = os.stat(target)
    report = export_to_file("bib", LIBRARY[:3], target, append=True)
    assert report.written == [] and len(report.skipped) == 3
    assert os.stat(target).st_ino == before.st_ino and target.read_bytes() == EXISTING.encode("utf-8")


def test_append_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    real = tmp_path / "shared" / "refs.bib"
    real.parent.mkdir()
    real.write_text("@misc{old, title = {Old}}\n")
    os.chmod(real, 0o644)
    link = tmp_path / "refs.bib"
    link.symlink_to(real)

    export_to_file("bib", LIBRARY[3:], link, append=True)

    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("@misc{old, title = {Old}}\n\n@misc{roe2024brandnewpaper,")
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o644
    assert sorted(p.name for p in real.parent.iterdir()) == ["refs.bib"]


def test_overwrite_keeps_the_mode_and_a_new_file_follows_the_umask(tmp_path):
    old_umask = os.umask(0o027)
    try:
        fresh = tmp_path / "new.bib"
        export_to_file("bib", LIBRARY, fresh)
        assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o640
    finally:
        os.umask(old_umask)
    kept = tmp_path / "kept.bib"
    kept.write_text("x")
    os.chmod(kept, 0o664)
    export_to_file("bib", LIBRARY, kept, force=True)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o664


@pytest.mark.parametrize("append", [False, True])
def test_devices_fifos_and_directories_are_refused(tmp_path, append):
    fifo = tmp_path / "pipe.bib"
    os.mkfifo(fifo)
    for target, message in ((fifo, "not a regular file"), (tmp_path, "is a directory")):
        with pytest.raises(UserError, match=message):
            export_to_file("bib", LIBRARY, target, force=True, append=append)
    if os.path.exists("/dev/zero"):
        with pytest.raises(UserError, match="not a regular file"):
            read_existing("/dev/zero")


def test_a_huge_file_is_not_read_whole(tmp_path, monkeypatch):
    from readinglist.core.export import files

    monkeypatch.setattr(files, "MAX_EXISTING_BYTES", 1000)
    target = tmp_path / "big.bib"
    target.write_text("%" * 2000)
    with pytest.raises(UserError, match="larger than"):
        export_to_file("bib", LIBRARY, target, append=True)
    assert target.read_text() == "%" * 2000


def test_a_file_changed_between_check_and_write_is_not_overwritten(tmp_path):
    target = tmp_path / "refs.bib"
    target.write_text("@misc{a, title={A}}\n")
    seen = read_existing(target)
    target.write_text("@misc{b, title={B}}\n")
    with pytest.raises(UserError, match="changed while exporting"):
        write_export(target, "@misc{c, title={C}}\n", append=True, existing=seen)
    assert target.read_text() == "@misc{b, title={B}}\n"


def test_csl_json_cannot_be_appended_to(tmp_path):
    target = tmp_path / "refs.json"
    target.write_text("[]\n")
    with pytest.raises(UserError, match="cannot be appended"):
        export_to_file("csl", LIBRARY, target, append=True)
    assert target.read_text() == "[]\n"


def test_ris_append_skips_records_already_there(tmp_path):
    target = tmp_path / "refs.ris"
    export_to_file("ris", LIBRARY[:2], target)
    report = export_to_file("ris", LIBRARY, target, append=True)
    assert [p.title for p in report.skipped] == [p.title for p in LIBRARY[:2]]
    assert target.read_text().count("ER  - ") == 4


def test_markdown_append_knows_a_hand_written_list_by_its_links_and_titles(tmp_path):
    target = tmp_path / "list.md"
    target.write_text(
        "# Reading group\n\n"
        "- [MAE that listens (audio)](https://arxiv.org/abs/2207.06405v2) — we read this one\n"
        "* [A \\*starred\\* title](<https://doi.org/10.1000/ab%28c%29>)\n"
        "- [Attention Is All You Need](https://example.org/attention)\n",
        encoding="utf-8",
    )
    existing = read_existing(target, "md")
    by_arxiv = Paper(id="a", title="Masked Autoencoders that Listen", arxiv_id="2207.06405")
    by_doi = Paper(id="b", title="Something else entirely", doi="10.1000/AB(C)")
    by_title = Paper(id="c", title="Attention is all you need!")
    new = Paper(id="d", title="A paper nobody listed", arxiv_id="2301.00001")
    assert [existing.holds(p) for p in (by_arxiv, by_doi, by_title, new)] == [True, True, True, False]
