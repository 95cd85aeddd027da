"""`add THING...` against fake arXiv and DOI services (httpx.MockTransport)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from readinglist.core.adding import ADDED, ALREADY, FAILED, MERGED, NOT_FOUND, NOT_UNDERSTOOD, RESTORED, AddOffline, Annotate, add_things
from readinglist.core.enrich.client import PoliteClient
from readinglist.core.store import Store
from tests.library_services import SETTINGS, Services


@pytest.fixture
def empty(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "store", seed=False)


def test_every_form_of_one_id_adds_one_paper(empty: Store) -> None:
    services = Services()
    things = [
        "2304.02643",
        "2304.02643v1",
        "arXiv:2304.02643",
        "https://arxiv.org/abs/2304.02643v1",
        "https://arxiv.org/pdf/2304.02643",
        "https://arxiv.org/pdf/2304.02643v1.pdf",
        "https://arxiv.org/html/2304.02643v1",
        "https://export.arxiv.org/abs/2304.02643",
        "https://huggingface.co/papers/2304.02643",
        "https://www.alphaxiv.org/abs/2304.02643",
        "10.48550/arXiv.2304.02643",
    ]
    outcomes = add_things(empty, things, SETTINGS, client=services.client())
    assert [o.status for o in outcomes] == [ADDED] + [ALREADY] * (len(things) - 1)
    assert len({o.paper_id for o in outcomes}) == 1
    assert "already in the library as" in outcomes[1].line()
    (paper,) = empty.papers()
    assert paper.title == "Segment Anything" and paper.arxiv_id == "2304.02643"
    assert paper.authors and paper.added  # the full metadata, and when it arrived
    assert services.count("arxiv.test") == 1  # one id_list request for all of them


def test_a_batch_with_an_unknown_id_adds_the_others(empty: Store) -> None:
    services = Services()
    outcomes = add_things(empty, ["2304.02643", "0808.05394", "2309.16671", "hep-th/9711200", "not-a-thing"], SETTINGS, client=services.client())
    assert [o.status for o in outcomes] == [ADDED, NOT_FOUND, ADDED, ADDED, NOT_UNDERSTOOD]
    assert "arXiv has no paper 0808.05394" in outcomes[1].line()
    assert {p.arxiv_id for p in empty.papers()} == {"2304.02643", "2309.16671", "hep-th/9711200"}
    assert services.count("arxiv.test") == 1


def test_a_malformed_id_rejected_by_arxiv_does_not_fail_the_batch(empty: Store) -> None:
    services = Services()
    outcomes = add_things(empty, ["2304.02643", "math.GT/0309136"], SETTINGS, client=services.client())
    assert [o.status for o in outcomes] == [ADDED, NOT_FOUND]


def test_doi_with_slash_and_parentheses(empty: Store) -> None:
    services = Services()
    doi = "10.1002/(SICI)1097-4636(199706)35:4<413::AID-JBM1>3.0.CO;2-K"
    (outcome,) = add_things(empty, [f"https://doi.org/{doi}"], SETTINGS, client=services.client())
    assert outcome.status == ADDED
    paper = empty.paper(outcome.paper_id or "")
    assert paper is not None
    assert paper.title == "Effects of Surface Roughness on Cell Adhesion"
    assert paper.authors == ["Anna Müller", "The Biomaterials Consortium"]
    assert (paper.doi, paper.venue, paper.pub_type, paper.date, paper.pages) == (doi, "Journal of Biomedical Materials Research", "article", "1997-06", "413-420")
    assert paper.abstract == "Rough surfaces hold cells."
    assert paper.pdf_url == "https://publisher.test/oa/jbm1.pdf"
    (request,) = [r for r in services.requests if r.url.host == "doi.test"]
    assert "%28SICI%29" in str(request.url) and "/10.1002/" in str(request.url)


def test_unknown_doi_and_arxiv_doi(empty: Store) -> None:
    services = Services()
    outcomes = add_things(empty, ["doi:10.9999/nothing.here", "https://doi.org/10.48550/arXiv.2309.16671"], SETTINGS, client=services.client())
    assert [o.status for o in outcomes] == [NOT_FOUND, ADDED]
    assert services.count("doi.test") == 1  # the arXiv DOI went to arXiv, not doi.org
    assert empty.papers()[0].arxiv_id == "2309.16671"


def test_adding_twice_merges_and_keeps_user_edits(empty: Store) -> None:
    services = Services()
    (first,) = add_things(empty, ["2304.02643"], SETTINGS, client=services.client())
    empty.edit_paper(first.paper_id or "", {"title": "SAM", "date": "2023"})
    (again,) = add_things(empty, ["https://arxiv.org/abs/2304.02643"], SETTINGS, client=services.client(), refresh=True)
    assert again.status in (ALREADY, MERGED) and again.paper_id == first.paper_id
    (paper,) = empty.papers()
    assert (paper.title, paper.date) == ("SAM", "2023")


def test_a_listing_paper_is_found_by_title_and_gains_the_arxiv_metadata(store: Store) -> None:
    services = Services()
    mae = next(p for p in store.papers() if p.title.lower().startswith("masked autoencoders that listen"))
    before = len(store.papers())
    (outcome,) = add_things(store, ["2207.06405"], SETTINGS, client=services.client())
    assert (outcome.status, outcome.paper_id) == (MERGED, mae.id)
    assert len(store.papers()) == before
    assert store.paper(mae.id).arxiv_id == "2207.06405"  # type: ignore[union-attr]


def test_title_exact_is_added_near_miss_is_not(empty: Store) -> None:
    services = Services()
    outcomes = add_things(empty, [], SETTINGS, titles=["Demystifying CLIP data", "Vision Transformers Need Registers", "Segment Anythings"], client=services.client())
    assert [o.status for o in outcomes] == [ADDED, NOT_FOUND, NOT_FOUND]
    assert "nothing added" in outcomes[1].line()
    assert [p.arxiv_id for p in empty.papers()] == ["2309.16671"]


def test_annotations_apply_to_what_was_added(empty: Store) -> None:
    outcomes = add_things(
        empty, ["2304.02643", "0808.05394"], SETTINGS, client=Services().client(), annotate=Annotate(star=True, tags=["seg"], status="reading", note="read §3")
    )
    annotation = empty.annotation(outcomes[0].paper_id or "")
    assert (annotation.star, annotation.tags, annotation.status, annotation.note) == (True, ["seg"], "reading", "read §3")
    assert len(empty.annotations()) == 1


def test_a_removed_paper_added_again_comes_back_with_its_note(empty: Store) -> None:
    services = Services()
    (first,) = add_things(empty, ["2304.02643"], SETTINGS, client=services.client())
    pid = first.paper_id or ""
    empty.set_note(pid, "keep me")
    empty.remove_papers([pid])
    (again,) = add_things(empty, ["2304.02643"], SETTINGS, client=services.client())
    assert again.status == RESTORED and again.paper_id == pid
    assert empty.annotation(pid).note == "keep me" and not empty.trash()


def test_offline_adds_nothing(empty: Store) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    client = PoliteClient(SETTINGS, transport=httpx.MockTransport(refuse), sleep=lambda s: None)
    with pytest.raises(AddOffline, match="offline: cannot connect to arxiv.test"):
        add_things(empty, ["2304.02643", "10.1145/3386569.3392377"], SETTINGS, client=client)
    assert empty.papers() == []


def test_a_server_error_fails_that_thing_only(empty: Store) -> None:
    services = Services()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "doi.test":
            return httpx.Response(503)
        return services.handler(request)

    client = PoliteClient(SETTINGS, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    outcomes = add_things(empty, ["2304.02643", "10.1145/3386569.3392377"], SETTINGS, client=client)
    assert [o.status for o in outcomes] == [ADDED, FAILED]
    assert "HTTP 503" in outcomes[1].reason


def test_cached_answers_work_offline(empty: Store) -> None:
    add_things(empty, ["2304.02643"], SETTINGS, client=Services().client())
    empty.remove_papers([p.id for p in empty.papers()])
    empty.empty_trash()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    client = PoliteClient(SETTINGS, transport=httpx.MockTransport(refuse), sleep=lambda s: None)
    (outcome,) = add_things(empty, ["arXiv:2304.02643v1"], SETTINGS, client=client)
    assert outcome.status == ADDED


def test_cli_add_reports_each_thing_and_exit_code(empty: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from readinglist.cli import main

    services = Services()
    original = PoliteClient.__init__

    def with_fake_services(self: PoliteClient, settings, **kwargs) -> None:  # noqa: ANN001
        original(self, settings, transport=httpx.MockTransport(services.handler), sleep=lambda s: None)

    monkeypatch.setattr(PoliteClient, "__init__", with_fake_services)
    monkeypatch.setenv("READINGLIST_ARXIV_API", SETTINGS.arxiv_api)
    monkeypatch.setenv("READINGLIST_DOI_API", SETTINGS.doi_api)
    monkeypatch.setenv("READINGLIST_ARXIV_DELAY", "0")
    home = str(empty.home)
    assert main(["add", "2304.02643", "--star", "--tag", "seg", "--home", home]) == 0
    assert "added" in capsys.readouterr().out
    assert main(["add", "2304.02643", "nonsense", "--format", "json", "--home", home]) == 1
    records = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in records] == [ALREADY, NOT_UNDERSTOOD]
    assert Store.open(empty.home).annotation(records[0]["id"]).star


def test_cancelling_keeps_what_was_found_and_reports_the_rest(empty: Store) -> None:
    import threading

    services = Services()
    stop = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        stop.set()  # the user presses Ctrl+C while arXiv answers
        return services.handler(request)

    client = PoliteClient(SETTINGS, transport=httpx.MockTransport(handler), cancel=stop, sleep=lambda s: None)
    outcomes = add_things(empty, ["2304.02643", "10.1145/3386569.3392377"], SETTINGS, client=client)
    assert [o.status for o in outcomes] == [ADDED, FAILED]
    assert "cancelled" in outcomes[1].reason


def test_a_doi_redirect_to_plain_http_is_refused(empty: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            return httpx.Response(302, headers={"location": "http://agency.test/csl"})
        return httpx.Response(200, json={"title": "Downgraded", "type": "article"})

    client = PoliteClient(SETTINGS, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    (outcome,) = add_things(empty, ["10.1145/3386569.3392377"], SETTINGS, client=client)
    assert outcome.status == FAILED and "plain-http" in outcome.reason
    assert empty.papers() == []


def test_cli_import_and_pdf_as_a_user_runs_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from readinglist.cli import main

    services = Services()
    original = PoliteClient.__init__

    def with_fake_services(self: PoliteClient, settings, **kwargs) -> None:  # noqa: ANN001
        original(self, settings, transport=httpx.MockTransport(services.handler), sleep=lambda s: None)

    monkeypatch.setattr(PoliteClient, "__init__", with_fake_services)
    monkeypatch.setenv("READINGLIST_ARXIV_PDF", SETTINGS.arxiv_pdf)
    opened: list[Path] = []
    monkeypatch.setattr("readinglist.core.pdf.open_with_viewer", lambda path, runner=None: opened.append(path))
    home = str(tmp_path / "home")
    bib = tmp_path / "mine.bib"
    bib.write_text("@misc{oquab, title={{DINOv2}: Learning Robust Visual Features without Supervision}, eprint={2304.07193}, archivePrefix={arXiv}}", encoding="utf-8")
    assert main(["import", str(bib), "--home", home]) == 0
    out = capsys.readouterr().out
    assert "bibtex file, 1 parsed, 0 new, 1 merged" in out  # the built-in corpus has it
    assert "DINOv2: Learning Robust Visual Features without Supervision: already in the library as" in out
    pid = out.rsplit("already in the library as ", 1)[1].split()[0]
    assert main(["pdf", pid, "--home", home]) == 0
    assert opened == [tmp_path / "home" / "pdfs" / f"{pid}.pdf"] and opened[0].read_bytes().startswith(b"%PDF-")
    assert main(["pdf", pid, "--home", home]) == 0  # already there: opened, not downloaded again
    assert sum(1 for r in services.requests if r.url.path.startswith("/pdf/")) == 1


def test_an_added_paper_is_in_the_history_and_undo_moves_it_to_the_trash(
    empty: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from readinglist.cli import main

    services = Services()
    original = PoliteClient.__init__

    def with_fake_services(self: PoliteClient, settings, **kwargs) -> None:  # noqa: ANN001
        original(self, settings, transport=httpx.MockTransport(services.handler), sleep=lambda s: None)

    monkeypatch.setattr(PoliteClient, "__init__", with_fake_services)
    monkeypatch.setenv("READINGLIST_ARXIV_API", SETTINGS.arxiv_api)
    monkeypatch.setenv("READINGLIST_ARXIV_DELAY", "0")
    home = str(empty.home)
    assert main(["add", "2304.02643", "--home", home]) == 0
    pid = next(p.id for p in Store.open(empty.home).papers() if p.arxiv_id == "2304.02643")
    capsys.readouterr()
    assert main(["log", "--home", home]) == 0
    assert "trashed" in capsys.readouterr().out
    assert main(["undo", "--home", home]) == 0
    assert pid not in {p.id for p in Store.open(empty.home).papers()}
    assert pid in {item.paper.id for item in Store.open(empty.home).trash()}
