"""Fetching the daily feeds into the library, against schema-faithful stand-ins."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.feeds_fakes import DAY, FakeFeeds, hf_item
from tests.test_enrich_client import FakeTime
from readinglist.core.enrich.client import Limiter, PoliteClient
from readinglist.core.enrich.settings import EnrichSettings
from readinglist.core.errors import UserError
from readinglist.core.feeds.plan import FeedsConfig, make_plan
from readinglist.core.feeds.report import FetchReport
from readinglist.core.feeds.run import FeedsOffline, run_fetch
from readinglist.core.feeds.state import load_state
from readinglist.core.store import Store
from readinglist.core.text import paper_id

NOW = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.timezone.utc)
BASE = "http://feeds.test"
SETTINGS = EnrichSettings(
    arxiv_api=f"{BASE}/arxiv/api/query",
    hf_api=f"{BASE}/hf/api",
    arxiv_rss=f"{BASE}/rss/rss",
    arxiv_delay=0.0,
    hf_delay=0.0,
    backoff=0.0,
    retries=1,
)
CONFIG = FeedsConfig(hf_daily=True, arxiv=("cs.CV",), hf_page_size=2, arxiv_page_size=2)


def client_for(fake: FakeFeeds, *, down: tuple[str, ...] = (), clock: FakeTime | None = None) -> PoliteClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.split("/")[1] in down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        status, body, headers = fake.answer(str(request.url))
        return httpx.Response(status, content=body, headers=headers)

    extra: dict[str, Any] = {"clock": clock.clock, "sleep": clock.sleep} if clock else {"limiter": Limiter()}
    return PoliteClient(SETTINGS, transport=httpx.MockTransport(handler), **extra)


def fetch(store: Store, fake: FakeFeeds, *, config: FeedsConfig = CONFIG, client: PoliteClient | None = None,
          dry_run: bool = False, now: dt.datetime = NOW, **span: Any) -> FetchReport:
    plan = make_plan(config, load_state(store.home).last_success(), today=now.date(), **span)
    return run_fetch(store, plan, SETTINGS, client=client or client_for(fake), dry_run=dry_run, now=now)


def by_arxiv(store: Store, arxiv_id: str):
    found = [p for p in store.papers() if p.arxiv_id == arxiv_id]
    assert len(found) == 1, f"{arxiv_id}: {len(found)} papers"
    return found[0]


def source(report: FetchReport, name: str):
    return next(s for s in report.sources if s.source == name)


# --- Hugging Face -----------------------------------------------------------


def test_a_day_of_daily_papers_over_two_pages_arrives_with_full_metadata(store: Store) -> None:
    fake = FakeFeeds()
    report = fetch(store, fake, source="hf", date=dt.date(2026, 11, 30))
    pages = [(p["p"], p["limit"], p["date"]) for p in fake.requests("hf")]
    assert pages == [("0", "2", DAY), ("1", "2", DAY)]  # the second page came back short: no third
    hf = source(report, "hf")
    assert (hf.fetched, hf.added, hf.merged, hf.errors) == (3, 2, 1, [])

    routing = by_arxiv(store, "2611.10001")
    assert routing.title == "Sparse Mixture Routing for Video Diffusion"
    assert routing.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert routing.categories == ["cs.CV", "cs.LG"] and routing.category == "cs.CV"  # from arXiv, by id
    assert routing.date == "2026-11-26" and routing.listed == DAY and routing.upvotes == 31
    assert routing.code_links == ["https://github.com/example/sparse-routing"] and routing.has_code
    assert routing.links["project"] == ["https://example.github.io/routing"]
    assert routing.added == NOW.isoformat()
    # One arXiv lookup for the ids Hugging Face does not categorise.
    assert [p.get("id_list") for p in fake.requests("arxiv")] == ["2611.10001,2309.16671,2611.10003"]


def test_a_built_in_listing_paper_with_the_same_title_gains_the_fetched_metadata(store: Store) -> None:
    clip = store.paper(paper_id("Demystifying CLIP Data"))
    assert clip is not None and clip.arxiv_id is None and clip.authors_truncated
    added = clip.added  # when the built-in listings came in
    store.set_star(clip.id, True)
    store.set_note(clip.id, "read the data section")
    store.update_papers({clip.id: {"abstract": "My own summary.", "provenance": {"abstract": {"source": "user"}}}})
    count = len(store.papers())

    fetch(store, FakeFeeds(), source="hf", date=dt.date(2026, 11, 30))

    assert len(store.papers()) == count + 2  # merged, not duplicated
    clip = store.paper(clip.id)
    assert clip is not None and clip.arxiv_id == "2309.16671"
    assert len(clip.authors) == 10 and not clip.authors_truncated
    assert clip.upvotes == 12 and clip.listed == DAY and clip.categories == ["cs.CV", "cs.CL"]
    assert "https://github.com/facebookresearch/MetaCLIP" in clip.code_links
    assert clip.abstract == "My own summary."  # edited by the user: untouched
    assert clip.added == added  # it entered the library with the built-in listings, not now
    annotation = store.annotation(clip.id)
    assert annotation.star and annotation.note == "read the data section"


def test_a_second_fetch_of_the_same_day_adds_nothing(store: Store) -> None:
    fake = FakeFeeds()
    fetch(store, fake, source="hf", date=dt.date(2026, 11, 30))
    count, requests = len(store.papers()), len(fake.log)
    again = fetch(store, fake, source="hf", date=dt.date(2026, 11, 30))
    assert len(store.papers()) == count
    assert (source(again, "hf").added, source(again, "hf").merged, source(again, "hf").skipped) == (0, 0, 3)
    assert len(fake.log) == requests  # answers for an ended day are cached for a day


def test_429_with_retry_after_is_waited_out(store: Store) -> None:
    fake = FakeFeeds(hf_429_first=1)
    clock = FakeTime()
    report = fetch(store, fake, source="hf", date=dt.date(2026, 11, 30), client=client_for(fake, clock=clock))
    assert 7.0 in clock.sleeps
    assert source(report, "hf").added == 2 and not report.failed


def test_hostile_feed_text_is_cleaned_and_unsafe_links_dropped(store: Store) -> None:
    item = hf_item("2611.10003", title="Reward Models\x1b[31m for Code\x07 Review", github="javascript:alert(1)")
    item["paper"]["projectPage"] = "file:///etc/passwd"
    fake = FakeFeeds(hf_days={DAY: [item]})
    fetch(store, fake, source="hf", date=dt.date(2026, 11, 30))
    paper = by_arxiv(store, "2611.10003")
    assert paper.title == "Reward Models for Code Review"
    assert paper.links == {} and not paper.has_code


# --- arXiv ------------------------------------------------------------------


def test_the_rss_announcement_keeps_the_subscribed_announcement_types(store: Store) -> None:
    fake = FakeFeeds()
    report = fetch(store, fake, source="arxiv")
    arxiv = source(report, "arxiv")
    assert (arxiv.fetched, arxiv.added, arxiv.skipped) == (4, 2, 2)  # new + cross kept; replace, replace-cross not
    assert arxiv.requested == ["latest"] and arxiv.day == DAY
    cross = by_arxiv(store, "2611.10002")
    assert cross.category == "cs.CL" and cross.categories == ["cs.CL", "cs.CV"]  # primary first, from the API
    assert cross.authors == ["Emmy Noether", "Kurt Goedel"] and cross.doi == "10.1000/xyz123"
    assert cross.listed == DAY and cross.date == "2026-11-26" and cross.journal_ref == "ACL 2027"
    assert not [p for p in store.papers() if p.arxiv_id in ("2611.10004", "2611.10005")]

    everything = FeedsConfig(arxiv=("cs.CV",), announce=("new", "cross", "replace", "replace-cross"))
    report = fetch(store, FakeFeeds(), source="arxiv", config=everything)
    assert source(report, "arxiv").added == 2


def test_a_weekend_announcement_is_empty_and_not_an_error(store: Store) -> None:
    fake = FakeFeeds(rss_items=[])
    report = fetch(store, fake, source="arxiv")
    assert source(report, "arxiv").fetched == 0 and not report.failed
    assert load_state(store.home).last_success() == {"arxiv": NOW.date()}


def test_backfill_through_the_api_pages_by_submission_date(store: Store) -> None:
    fake = FakeFeeds()
    report = fetch(store, fake, source="arxiv", categories=["cs.CV", "cs.RO"], since=dt.date(2026, 11, 24))
    queries = [p for p in fake.requests("arxiv") if "search_query" in p]
    assert [q["start"] for q in queries] == ["0", "2", "4"]
    assert queries[0]["search_query"] == "(cat:cs.CV OR cat:cs.RO) AND submittedDate:[202611240000 TO 202612012359]"
    assert queries[0]["sortBy"] == "submittedDate"
    arxiv = source(report, "arxiv")
    assert arxiv.requested == ["2026-11-24..2026-12-01", "latest"]
    assert arxiv.added == 7  # five backfilled + new and cross from the announcement
    three = by_arxiv(store, "2611.20003")
    assert three.categories == ["cs.RO", "cs.CV"] and three.listed == "2026-11-25"
    assert fake.requests("rss")


def test_a_paper_in_both_hugging_face_and_arxiv_is_one_paper(store: Store) -> None:
    report = fetch(store, FakeFeeds())
    paper = by_arxiv(store, "2611.10001")
    assert paper.upvotes == 31 and paper.code_links == ["https://github.com/example/sparse-routing"]
    assert paper.categories == ["cs.CV", "cs.LG"]
    added = source(report, "hf").added + source(report, "arxiv").added
    assert added == 3  # 10001 once, 10003 from HF, 10002 from arXiv


# --- failures -----------------------------------------------------------------


def test_a_source_that_is_down_does_not_lose_the_others_papers(store: Store) -> None:
    fake = FakeFeeds()
    report = fetch(store, fake, client=client_for(fake, down=("hf",)))
    hf, arxiv = source(report, "hf"), source(report, "arxiv")
    assert hf.errors and "cannot connect to feeds.test" in hf.errors[0]
    assert arxiv.added == 2 and not arxiv.errors
    assert by_arxiv(store, "2611.10002").listed == DAY
    assert load_state(store.home).last_success() == {"arxiv": NOW.date()}  # hf is asked again next time


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hf_body": b"<html>Bad gateway</html>"}, "not JSON"),
        ({"hf_body": b'{"error": "Invalid date"}'}, "unexpected JSON shape"),
        ({"hf_status": 503}, "HTTP 503"),
    ],
)
def test_a_malformed_or_failing_hugging_face_answer_is_one_line(store: Store, change: dict, message: str) -> None:
    fake = FakeFeeds(**change)
    report = fetch(store, fake)
    hf = source(report, "hf")
    assert len(hf.errors) == 1 and message in hf.errors[0] and "\n" not in hf.errors[0]
    assert source(report, "arxiv").added == 2


def test_a_malformed_rss_feed_keeps_the_hugging_face_papers(store: Store) -> None:
    fake = FakeFeeds(rss_body=b"<rss><channel><item><title>cut off")
    report = fetch(store, fake)
    assert "malformed XML" in source(report, "arxiv").errors[0]
    assert source(report, "hf").added == 2


def test_offline_changes_nothing(store: Store) -> None:
    before = store.corpus_path.read_bytes()
    fake = FakeFeeds()
    with pytest.raises(FeedsOffline, match="offline: cannot connect to feeds.test"):
        fetch(store, fake, client=client_for(fake, down=("hf", "rss", "arxiv")))
    assert store.corpus_path.read_bytes() == before
    assert not (store.home / "feeds.json").exists()


def test_an_unreadable_state_file_is_reported_and_left_alone(store: Store) -> None:
    state = store.home / "feeds.json"
    state.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError, match="feeds.json is not a readinglist feeds file"):
        run_fetch(store, make_plan(CONFIG, {}, today=NOW.date()), SETTINGS, client=client_for(FakeFeeds()), now=NOW)
    assert state.read_text(encoding="utf-8") == "{not json"


def test_dry_run_lists_what_would_be_added_and_writes_nothing(store: Store) -> None:
    before = store.corpus_path.read_bytes()
    report = fetch(store, FakeFeeds(), dry_run=True)
    assert {title for _, title, _ in report.new_papers} >= {"Sparse Mixture Routing for Video Diffusion", "Token Merging Revisited"}
    assert "Would add:" in report.lines()
    assert store.corpus_path.read_bytes() == before and not (store.home / "feeds.json").exists()


def test_the_report_as_json_has_the_per_source_counts(store: Store) -> None:
    report = fetch(store, FakeFeeds())
    data = json.loads(json.dumps(report.to_dict()))
    assert [s["source"] for s in data["sources"]] == ["hf", "arxiv"]
    assert set(data["sources"][0]) >= {"requested", "fetched", "added", "merged", "skipped", "errors"}


def test_a_paper_known_by_its_arxiv_id_under_another_title_is_merged_not_duplicated(store: Store) -> None:
    from readinglist.core.model import Paper

    # Resolved earlier by a close title match: the listing's title differs from arXiv's.
    known = Paper(id=paper_id("Token merging, revisited!!"), title="Token merging, revisited!!", arxiv_id="2611.10002")
    store.add_papers([known])
    count = len(store.papers())
    fetch(store, FakeFeeds(), source="arxiv")
    assert len(store.papers()) == count + 1  # only the new paper 2611.10001
    merged = store.paper(known.id)
    assert merged is not None and merged.listed == DAY and merged.categories == ["cs.CL", "cs.CV"]


def test_cancel_keeps_the_sources_already_fetched_and_reports_progress(store: Store) -> None:
    import threading

    cancel = threading.Event()
    seen: list[tuple[str, str, tuple[str, ...]]] = []

    def progress(info: Any) -> None:
        seen.append((info.source, info.message, info.written))
        if info.source == "arxiv":
            cancel.set()  # stop as the arXiv part begins

    fake = FakeFeeds()
    plan = make_plan(CONFIG, {}, today=NOW.date())
    report = run_fetch(store, plan, SETTINGS, client=client_for(fake), progress=progress, cancel=cancel, now=NOW)
    assert report.cancelled
    assert not fake.requests("rss")
    assert by_arxiv(store, "2611.10003").listed == DAY  # Hugging Face's papers were saved
    assert any(written for _, _, written in seen)  # the app learns which rows to refresh
    assert load_state(store.home).last_success() == {"hf": NOW.date()}


def test_a_hugging_face_outage_stops_after_a_few_days_instead_of_asking_every_day(store: Store) -> None:
    fake = FakeFeeds(hf_status=503)
    report = fetch(store, fake, source="hf", since=dt.date(2026, 11, 1))
    hf = source(report, "hf")
    assert len(fake.requests("hf")) == 3 * 2  # three days (the default limit), two attempts each
    assert hf.errors[-1] == "stopped after 3 days failed in a row"
