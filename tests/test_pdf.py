"""`pdf` and `attach`: only real PDFs land in <home>/pdfs, never a partial one."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from readinglist.core.enrich.client import PoliteClient
from readinglist.core.errors import UserError
from readinglist.core.model import Paper
from readinglist.core.pdf import attach_pdf, download_pdf, open_with_viewer, pdf_path
from readinglist.core.text import paper_id
from tests.library_services import SETTINGS, Services


def paper(**fields: object) -> Paper:
    return Paper(id=paper_id("A Paper"), title="A Paper", **fields)  # type: ignore[arg-type]


def test_downloads_from_the_arxiv_pdf_base(tmp_path: Path) -> None:
    services = Services()
    path = download_pdf(tmp_path, paper(arxiv_id="2304.02643"), SETTINGS, client=services.client())
    assert path == pdf_path(tmp_path, paper_id("A Paper")) == tmp_path / "pdfs" / f"{paper_id('A Paper')}.pdf"
    assert path.read_bytes().startswith(b"%PDF-")
    assert str(services.requests[0].url) == "https://arxiv.test/pdf/2304.02643"


def test_downloads_the_dois_open_access_link(tmp_path: Path) -> None:
    services = Services()
    download_pdf(tmp_path, paper(doi="10.1/x", pdf_url="https://publisher.test/oa/x.pdf"), SETTINGS, client=services.client())
    assert services.requests[0].url.host == "publisher.test"


def test_an_html_page_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    services = Services()
    services.pdf = b"<html>PDF is being generated</html>"
    with pytest.raises(UserError, match="did not answer with a PDF"):
        download_pdf(tmp_path, paper(arxiv_id="2304.02643"), SETTINGS, client=services.client())
    assert not (tmp_path / "pdfs").exists() or list((tmp_path / "pdfs").iterdir()) == []


def test_an_oversized_answer_is_cut_off(tmp_path: Path) -> None:
    from dataclasses import replace

    services = Services()
    services.pdf = b"%PDF-1.4\n" + b"x" * 5000
    client = PoliteClient(replace(SETTINGS, max_response_bytes=1000), transport=httpx.MockTransport(services.handler), sleep=lambda s: None)
    with pytest.raises(UserError, match="limit"):
        download_pdf(tmp_path, paper(arxiv_id="2304.02643"), SETTINGS, client=client)
    assert not pdf_path(tmp_path, paper_id("A Paper")).exists()


def test_no_source_and_unsafe_links_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no arXiv id or PDF link"):
        download_pdf(tmp_path, paper(pdf_url="file:///etc/passwd"), SETTINGS, client=Services().client())


def test_offline_is_one_line(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    client = PoliteClient(SETTINGS, transport=httpx.MockTransport(refuse), sleep=lambda s: None)
    with pytest.raises(UserError, match="offline"):
        download_pdf(tmp_path, paper(arxiv_id="2304.02643"), SETTINGS, client=client)


def test_attach_checks_the_signature(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(b"%PDF-1.7\nbody")
    bad.write_bytes(b"PK\x03\x04 a zip")
    assert attach_pdf(tmp_path / "home", "abc", good).read_bytes() == b"%PDF-1.7\nbody"
    with pytest.raises(UserError, match="not a PDF"):
        attach_pdf(tmp_path / "home", "def", bad)
    with pytest.raises(UserError, match="no such file"):
        attach_pdf(tmp_path / "home", "def", tmp_path / "missing.pdf")
    assert not pdf_path(tmp_path / "home", "def").exists()


def test_the_viewer_gets_the_path(tmp_path: Path) -> None:
    seen: list[list[str]] = []
    open_with_viewer(tmp_path / "x.pdf", runner=seen.append)
    assert seen[0][-1] == str(tmp_path / "x.pdf")

    def broken(command: list[str]) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(UserError, match="no viewer could be started"):
        open_with_viewer(tmp_path / "x.pdf", runner=broken)
