"""Enrichment runs against a store, with every service behind httpx.MockTransport."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from readinglist.core.enrich.apply import needs_enrichment
from readinglist.core.enrich.client import PoliteClient
from readinglist.core.enrich.runner import EnrichOffline, ProgressInfo, Summary, run_enrichment
from readinglist.core.library import Library
from readinglist.core.scope import Scope
from readinglist.core.enrich.settings import EnrichSettings
from readinglist.core.model import Paper
from readinglist.core.store import Store
from readinglist.core.text import paper_id

FIXTURES = Path(__file__).parent / "fixtures"
MAE_LISTEN = "Masked Autoencoders that Listen"
CLIP_DATA = "Demystifying CLIP Data"
SAM = "Segment Anything"

SETTINGS = EnrichSettings(
    arxiv_api="https://arxiv.test/api/query",
    hf_api="https://hf.test/api",
    s2_api="https://s2.test/graph/v1",
    arxiv_delay=0.0,
    hf_delay=0.0,
    s2_delay=0.0,
    backoff=0.0,
    retries=1,
)


def select_papers(store, *, everything: bool = False, ids=()):
    """The papers `enrich` works on by default (unresolved), or all, or these ids."""
    scope = Scope.of_ids(ids) if ids else Scope.everything() if everything else Scope.unresolved()
    return Library(store).select(scope)


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def paper(title: str, **fields: object) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)  # type: ignore[arg-type]


def listing_papers() -> list[Paper]:
    return [
        paper(
            MAE_LISTEN,
            authors=["Po-Yao Huang", "Hu Xu", "Juncheng Li"],
            authors_truncated=True,
            category="cs.SD",
            date="2022-07-13",
            abstract="The code and models will be at https://github.com/facebookresearch/AudioMAE.",
            has_code=True,
            links={"code": ["https://github.com/facebookresearch/AudioMAE"]},
        ),
        paper(CLIP_DATA, category="cs.CV", date="2026-09-28", date_inferred=True, abstract="CLIP data."),
        paper(SAM, abstract="We introduce the Segment Anything project."),
    ]


class Services:
    """Answers like arXiv, Hugging Face and Semantic Scholar; records every request."""

    def __init__(
        self,
        arxiv: Callable[[dict[str, str]], httpx.Response] | None = None,
        hf: dict[str, bytes] | None = None,
        s2: Callable[[str], httpx.Response] | None = None,
    ) -> None:
        self.arxiv = arxiv or (lambda params: httpx.Response(200, content=fixture("arxiv/batch_three_hits.xml")))
        self.hf = hf if hf is not None else {
            i: fixture(f"hf/paper_{i}.json") for i in ("2207.06405", "2304.02643", "2309.16671")
        }
        self.s2 = s2 or (lambda title: httpx.Response(404, content=fixture("s2/not_found.json")))
        self.requests: list[tuple[str, dict[str, str] | str]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.hostname == "arxiv.test":
            self.requests.append(("arxiv", params))
            return self.arxiv(params)
        if url.hostname == "hf.test":
            arxiv_id = url.path.removeprefix("/api/papers/")
            self.requests.append(("hf", arxiv_id))
            body = self.hf.get(arxiv_id)
            return httpx.Response(200, content=body) if body else httpx.Response(404, content=fixture("hf/not_found.json"))
        if url.hostname == "s2.test":
            self.requests.append(("s2", params["query"]))
            return self.s2(params["query"])
        raise AssertionError(f"unexpected request to {request.url}")

    def count(self, service: str) -> int:
        return sum(1 for s, _ in self.requests if s == service)

    def client(self, settings: EnrichSettings = SETTINGS) -> PoliteClient:
        return PoliteClient(settings, transport=httpx.MockTransport(self.handler))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "home", seed=False)
    store.add_papers(listing_papers())
    return store


def run(store: Store, services: Services, papers: list[Paper] | None = None, **kwargs: object) -> Summary:
    settings = kwargs.pop("settings", SETTINGS)
    assert isinstance(settings, EnrichSettings)
    with services.client(settings) as client:
        return run_enrichment(store, papers if papers is not None else store.papers(), settings, client=client, **kwargs)  # type: ignore[arg-type]


def get(store: Store, title: str) -> Paper:
    found = store.paper(paper_id(title))
    assert found is not None
    return found


def test_one_batched_query_resolves_several_papers_with_their_fields(store: Store) -> None:
    services = Services()
    summary = run(store, services)

    assert services.count("arxiv") == 1
    (_, params) = services.requests[0]
    assert isinstance(params, dict)
    assert params["search_query"] == 'ti:"masked autoencoders that listen" OR ti:"demystifying clip data" OR ti:"segment anything"'
    assert params["max_results"] == "15"
    assert summary.exact == 3 and summary.close == 0 and not summary.failed

    sam = get(store, SAM)
    assert sam.arxiv_id == "2304.02643"
    assert sam.arxiv_url == "https://arxiv.org/abs/2304.02643"
    assert sam.pdf_url == "https://arxiv.org/pdf/2304.02643"
    assert sam.authors[0] == "Alexander Kirillov" and len(sam.authors) == 5
    assert sam.date == "2023-04-05" and sam.category == "cs.CV"
    assert sam.code_links == ["https://github.com/facebookresearch/segment-anything"]
    assert sam.links["project"] == ["https://segment-anything.com"]
    assert sam.has_code
    clip = get(store, CLIP_DATA)
    assert clip.doi == "10.48550/arXiv.2309.16671"
    assert clip.code_links == [] and not clip.has_code  # no githubRepo on Hugging Face


def test_provenance_says_where_each_field_came_from(store: Store) -> None:
    run(store, Services())
    sam = get(store, SAM)
    record = sam.provenance["arxiv_id"]
    assert record["source"] == "arxiv"
    assert record["matched_title"] == "Segment Anything"
    assert record["match"] == "exact" and record["score"] == 1.0
    assert record["at"]
    assert sam.provenance["links"]["source"] == "huggingface"
    assert sam.provenance["enrich"]["status"] == "resolved"


def test_listing_values_are_kept_and_only_gaps_filled(store: Store) -> None:
    run(store, Services())
    mae = get(store, MAE_LISTEN)
    assert mae.category == "cs.SD" and mae.date == "2022-07-13"
    assert mae.abstract.startswith("The code and models")  # the listing's abstract stays
    assert mae.code_links == ["https://github.com/facebookresearch/AudioMAE"]  # no duplicate from HF
    # "et al." lists are replaced by arXiv's full list
    assert len(mae.authors) == 8 and not mae.authors_truncated
    # an inferred date gives way to arXiv's published date
    clip = get(store, CLIP_DATA)
    assert clip.date == "2023-09-28" and not clip.date_inferred
    assert "date" not in mae.provenance


def test_fields_the_user_edited_are_never_overwritten(store: Store) -> None:
    pid = paper_id(SAM)
    store.update_papers(
        {pid: {"doi": "10.1000/mine", "category": "cs.LG", "provenance": {"doi": {"source": "user"}, "category": {"source": "user"}}}}
    )
    run(store, Services(), refresh=True)
    sam = get(store, SAM)
    assert sam.doi == "10.1000/mine" and sam.category == "cs.LG"
    assert sam.arxiv_id == "2304.02643"


def test_a_second_run_is_answered_from_the_cache(store: Store) -> None:
    first = Services()
    run(store, first)
    again = Services()
    summary = run(store, again)
    assert again.requests == []
    assert summary.exact == 3
    assert (store.home / "cache" / "arxiv-titles.json").is_file()


def test_refresh_ignores_the_cache(store: Store) -> None:
    run(store, Services())
    again = Services()
    run(store, again, refresh=True)
    assert again.count("arxiv") == 1 and again.count("hf") == 3


def test_default_scope_is_every_paper_not_yet_resolved(store: Store) -> None:
    assert len(select_papers(store)) == 3
    services = Services(arxiv=lambda p: httpx.Response(200, content=fixture("arxiv/near_miss.xml")))
    run(store, services, papers=[get(store, SAM)])
    assert get(store, SAM).provenance["enrich"]["status"] == "unresolved"
    run(store, Services(), papers=[get(store, CLIP_DATA)])
    assert sorted(p.title for p in select_papers(store)) == [MAE_LISTEN, SAM]
    assert len(select_papers(store, everything=True)) == 3
    assert [p.title for p in select_papers(store, ids=[paper_id(CLIP_DATA)[:5]])] == [CLIP_DATA]


def test_near_miss_stays_unresolved_with_its_reason(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper("Vision Transformers Need Registers", category="cs.CV")])
    services = Services(arxiv=lambda p: httpx.Response(200, content=fixture("arxiv/near_miss.xml")))
    summary = run(store, services)
    (stored,) = store.papers()
    assert stored.arxiv_id is None and stored.pdf_url is None
    assert stored.provenance["enrich"]["status"] == "unresolved"
    assert "closest arXiv title differs" in stored.provenance["enrich"]["reason"]
    assert len(summary.unresolved) == 1 and summary.resolved == 0
    assert services.count("hf") == 0


def test_no_hit_is_unresolved_and_cached(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper("A Paper arXiv Has Never Seen")])
    services = Services(arxiv=lambda p: httpx.Response(200, content=fixture("arxiv/arxiv_empty_2026.xml")))
    summary = run(store, services)
    assert summary.unresolved[0].reason == "no arXiv hit"
    again = Services()
    run(store, again)
    assert again.requests == []


def test_close_title_with_a_shared_author_is_resolved_as_close(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper("Masked Auto-Encoders Are Scalable Vision Learner", authors=["Kaiming He"])])
    services = Services(arxiv=lambda p: httpx.Response(200, content=fixture("arxiv/close_match.xml")), hf={})
    summary = run(store, services)
    (stored,) = store.papers()
    assert summary.close == 1
    assert stored.arxiv_id == "2111.06377"
    assert stored.provenance["arxiv_id"]["match"] == "close"
    assert stored.provenance["enrich"]["signals"] == ["author he"]


def test_old_style_id_is_resolved_and_not_asked_of_hugging_face(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    title = "The Large N Limit of Superconformal Field Theories and Supergravity"
    store.add_papers([paper(title)])
    services = Services(arxiv=lambda p: httpx.Response(200, content=fixture("arxiv/old_style_id.xml")))
    run(store, services)
    (stored,) = store.papers()
    assert stored.arxiv_id == "hep-th/9711200"
    assert stored.arxiv_url == "https://arxiv.org/abs/hep-th/9711200"
    assert services.count("hf") == 0


def test_hugging_face_404_is_no_code_and_no_failure(store: Store) -> None:
    summary = run(store, Services(hf={}))
    assert not summary.failed
    assert get(store, SAM).code_links == []
    assert summary.code_links == 0


def test_truncated_batch_asks_again_for_titles_it_did_not_match(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper(SAM), paper(CLIP_DATA)])

    def arxiv(params: dict[str, str]) -> httpx.Response:
        if " OR " in params["search_query"]:
            return httpx.Response(200, content=fixture("arxiv/truncated_batch.xml"))
        return httpx.Response(200, content=fixture("arxiv/batch_three_hits.xml"))

    services = Services(arxiv=arxiv)
    summary = run(store, services)
    queries = [p["search_query"] for s, p in services.requests if s == "arxiv" and isinstance(p, dict)]
    assert queries[1:] == ['ti:"demystifying clip data"']
    assert summary.exact == 2


def test_a_rejected_batch_is_retried_title_by_title(store: Store) -> None:
    def arxiv(params: dict[str, str]) -> httpx.Response:
        if " OR " in params["search_query"]:
            return httpx.Response(400, content=fixture("arxiv/error_400.xml"))
        if "segment" in params["search_query"]:
            return httpx.Response(400, content=fixture("arxiv/error_400.xml"))
        return httpx.Response(200, content=fixture("arxiv/batch_three_hits.xml"))

    services = Services(arxiv=arxiv)
    summary = run(store, services)
    assert services.count("arxiv") == 4
    assert summary.exact == 2
    assert [(p.title, p.reason) for p in summary.failed] == [(SAM, "arXiv: query rejected: incorrect id format for 1234.12345")]
    assert get(store, SAM).provenance["enrich"]["status"] == "failed"


@pytest.mark.parametrize(
    ("body", "reason"),
    [("arxiv/malformed.xml", "arXiv: malformed XML"), ("arxiv/xml_bomb.xml", "arXiv: unsafe XML refused")],
)
def test_broken_or_hostile_xml_fails_the_papers_not_the_run(store: Store, body: str, reason: str) -> None:
    summary = run(store, Services(arxiv=lambda p: httpx.Response(200, content=fixture(body))))
    assert len(summary.failed) == 3
    assert all(p.reason.startswith(reason) for p in summary.failed)
    assert all(p.arxiv_id is None for p in store.papers())
    assert Store.open(store.home).papers()  # the store still opens


def test_429_then_success_resolves(store: Store) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, content=fixture("arxiv/batch_three_hits.xml"))])
    services = Services(arxiv=lambda p: next(answers))
    summary = run(store, services)
    assert services.count("arxiv") == 2 and summary.exact == 3


def test_timeout_is_a_failure_recorded_per_paper(store: Store) -> None:
    def arxiv(params: dict[str, str]) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    summary = run(store, Services(arxiv=arxiv))
    assert {p.reason for p in summary.failed} == {"arXiv: timed out after 20 s (2 attempts)"}
    assert all(p.provenance["enrich"]["status"] == "failed" for p in store.papers())
    assert all(needs_enrichment(p) for p in store.papers())


def test_hugging_face_failure_keeps_the_arxiv_fields_and_retries_next_time(store: Store) -> None:
    services = Services()
    services.hf = {}
    original = services.handler

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "hf.test":
            services.requests.append(("hf", ""))
            return httpx.Response(503)
        return original(request)

    settings = SETTINGS
    with PoliteClient(settings, transport=httpx.MockTransport(handler)) as client:
        summary = run_enrichment(store, store.papers(), settings, client=client)
    # three Hugging Face failures in a row stop the run, but arXiv's answers are kept
    assert summary.stopped.startswith("3 requests failed in a row")
    assert summary.exact == 3 and len(summary.failed) == 3
    sam = get(store, SAM)
    assert sam.arxiv_id == "2304.02643" and sam.provenance["enrich"]["errors"]
    assert len(select_papers(store)) == 3
    again = Services()
    run(store, again, papers=select_papers(store))
    assert again.count("arxiv") == 0 and again.count("hf") == 3
    assert get(store, SAM).code_links and select_papers(store) == []


def test_run_stops_after_too_many_failures_in_a_row(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper(f"Paper number {n}") for n in range(6)])
    services = Services(arxiv=lambda p: httpx.Response(503))
    settings = EnrichSettings(
        arxiv_api=SETTINGS.arxiv_api, hf_api=SETTINGS.hf_api, arxiv_delay=0, backoff=0, retries=0, batch_size=1
    )
    summary = run(store, services, settings=settings)
    assert summary.stopped.startswith("3 requests failed in a row")
    assert services.count("arxiv") == 3
    assert summary.done == 2  # the third paper's failure stopped the run before it finished


def test_offline_changes_nothing(store: Store) -> None:
    before = store.corpus_path.read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    with PoliteClient(SETTINGS, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(EnrichOffline, match="offline: cannot connect to arxiv.test"):
            run_enrichment(store, store.papers(), SETTINGS, client=client)
    assert store.corpus_path.read_bytes() == before
    assert not (store.home / "cache").exists()


def test_cancel_keeps_what_was_resolved_and_a_rerun_continues(store: Store) -> None:
    settings = EnrichSettings(
        arxiv_api=SETTINGS.arxiv_api, hf_api=SETTINGS.hf_api, arxiv_delay=0, hf_delay=0, backoff=0, batch_size=1
    )
    cancel = threading.Event()
    seen: list[ProgressInfo] = []

    def progress(info: ProgressInfo) -> None:
        seen.append(info)
        if info.written:
            cancel.set()

    services = Services()
    summary = run(store, services, settings=settings, progress=progress, cancel=cancel)
    assert summary.cancelled and summary.done == 1
    assert sum(1 for p in store.papers() if p.arxiv_id) == 1
    assert [i.written for i in seen if i.written] == [(paper_id(MAE_LISTEN),)]

    rest = select_papers(store)
    assert [p.title for p in rest] == [CLIP_DATA, SAM]
    again = Services()
    summary = run(store, again, papers=rest, settings=settings)
    assert summary.exact == 2 and all(p.arxiv_id for p in store.papers())


def test_progress_reports_every_paper(store: Store) -> None:
    seen: list[ProgressInfo] = []
    run(store, Services(), progress=seen.append)
    done = [i.done for i in seen]
    assert done == sorted(done) and done[-1] == 3
    assert seen[-1].resolved == 3
    assert set(seen[-1].written) == {p.id for p in store.papers()}


def test_writes_are_batched_not_one_per_paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper(f"Paper number {n}") for n in range(25)])
    writes: list[int] = []
    real = store.update_papers
    monkeypatch.setattr(store, "update_papers", lambda changes: (writes.append(len(changes)), real(changes))[1])
    services = Services(arxiv=lambda p: httpx.Response(200, content=fixture("arxiv/arxiv_empty_2026.xml")))
    run(store, services)
    assert writes == [10, 10, 5]


def test_semantic_scholar_points_to_an_arxiv_id_that_is_then_verified(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper("Masked Autoencoders Are Scalable Vision Learners")])

    def arxiv(params: dict[str, str]) -> httpx.Response:
        if params.get("id_list") == "2111.06377":
            return httpx.Response(200, content=fixture("arxiv/close_match.xml"))
        return httpx.Response(200, content=fixture("arxiv/arxiv_empty_2026.xml"))

    services = Services(arxiv=arxiv, s2=lambda title: httpx.Response(200, content=fixture("s2/match_2111.06377.json")), hf={})
    summary = run(store, services, sources=("arxiv", "s2"))
    (stored,) = store.papers()
    assert stored.arxiv_id == "2111.06377"
    assert stored.provenance["enrich"]["via"] == "semanticscholar"
    assert summary.exact == 1 and services.count("hf") == 0


def test_a_known_arxiv_id_is_fetched_by_id(tmp_path: Path) -> None:
    store = Store.open(tmp_path, seed=False)
    store.add_papers([paper(SAM, arxiv_id="2304.02643", provenance={"arxiv_id": {"source": "user"}})])

    def arxiv(params: dict[str, str]) -> httpx.Response:
        assert params["id_list"] == "2304.02643"
        return httpx.Response(200, content=fixture("arxiv/batch_three_hits.xml"))

    summary = run(store, Services(arxiv=arxiv))
    (stored,) = store.papers()
    assert stored.category == "cs.CV" and stored.code_links
    assert stored.provenance["arxiv_id"] == {"source": "user"}
    assert summary.resolved == 1


def test_summary_lists_counts_and_failures() -> None:
    from readinglist.core.enrich.runner import Problem

    summary = Summary(total=4, done=4, exact=2, close=1, failed=[Problem("abc", "A title", "arXiv: HTTP 503")], code_links=2, papers_with_new_code=1)
    text = "\n".join(summary.lines())
    assert "resolved by exact title match: 2" in text
    assert "resolved by close match:       1" in text
    assert "failed:                        1" in text
    assert "abc  A title: arXiv: HTTP 503" in text
    assert "code links found:              2 (on 1 papers)" in text


def test_hugging_face_alone_uses_the_ids_already_found(store: Store) -> None:
    run(store, Services(hf={}))
    before = get(store, SAM).provenance["enrich"]
    services = Services()
    summary = run(store, services, sources=("hf",), refresh=True)
    assert services.count("arxiv") == 0 and services.count("hf") == 3
    sam = get(store, SAM)
    assert sam.code_links == ["https://github.com/facebookresearch/segment-anything"]
    assert sam.provenance["enrich"]["match"] == before["match"] == "exact"
    assert sam.provenance["enrich"]["status"] == "resolved"
    assert summary.resolved == 3


def test_a_rerun_that_learns_nothing_does_not_rewrite_the_store(store: Store) -> None:
    services = Services(arxiv=lambda p: httpx.Response(200, content=fixture("arxiv/arxiv_empty_2026.xml")))
    run(store, services)
    before = store.corpus_path.read_bytes()
    summary = run(store, Services(), papers=select_papers(store))
    assert len(summary.unresolved) == 3 and summary.written == 0
    assert store.corpus_path.read_bytes() == before
