"""Resolving from the app: E on a paper, progress, the list updating."""

from __future__ import annotations

from pathlib import Path

import httpx

from readinglist.core.enrich.client import PoliteClient
from readinglist.core.enrich.settings import load_settings
from readinglist.core.config import Config
from readinglist.core.store import Store
from readinglist.tui.app import ReadingListApp
from tests.test_enrich_runner import Services
from tests.tui_helpers import Opened, make_app, settle

NETWORK = {
    "arxiv_api": "https://arxiv.test/api/query",
    "hf_api": "https://hf.test/api",
    "s2_api": "https://s2.test/graph/v1",
    "arxiv_delay": 0,
}


def _app(tmp_path: Path, services: Services) -> tuple[ReadingListApp, Opened]:
    config = Config(data={"network": NETWORK})
    client = PoliteClient(load_settings(NETWORK, environ={}), transport=httpx.MockTransport(services.handler))
    return make_app(tmp_path, config=config.data, store=Store.open(tmp_path, year=2026), http_client=client)


async def test_resolve_highlighted_paper_updates_detail_and_links(tmp_path: Path) -> None:
    services = Services()
    app, opened = _app(tmp_path, services)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'title:"masked autoencoders that listen"', "enter")
        await settle(pilot)
        pid = app.main_screen.current.id
        await pilot.press("E")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert app.main_screen.current.arxiv_id == "2207.06405"
        assert Store.open(tmp_path).paper(pid).arxiv_id == "2207.06405"
        assert "https://arxiv.org/abs/2207.06405" in app.main_screen.query_one("#detail").text.plain
        assert any("Resolve finished: 1 resolved" in m for m in app.messages())
        await pilot.press("o")
        assert opened == ["https://arxiv.org/abs/2207.06405"]
        # has:arxiv sees the new id without a restart.
        await pilot.press("slash", "ctrl+u", *"has:arxiv", "enter")
        await settle(pilot)
        assert [app.library.papers[i].id for i in app.main_screen.rows] == [pid]


async def test_offline_resolve_is_one_message_and_changes_nothing(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("network unreachable", request=request)

    services = Services()
    services.handler = refuse  # type: ignore[method-assign]
    app, _ = _app(tmp_path, services)
    before = (tmp_path / "corpus.json").read_bytes()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        errors = app.messages("error")
        assert len(errors) == 1 and "Resolve failed" in errors[0]
        assert app.main_screen.enrich_cancel is None
    assert (tmp_path / "corpus.json").read_bytes() == before


async def test_escape_cancels_a_resolve_run_and_keeps_what_was_saved(tmp_path: Path) -> None:
    import time

    from tests.test_enrich_runner import fixture

    def slow_arxiv(params: dict[str, str]) -> httpx.Response:
        time.sleep(0.2)
        return httpx.Response(200, content=fixture("arxiv/batch_three_hits.xml"))

    services = Services(arxiv=slow_arxiv)
    app, _ = _app(tmp_path, services)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.main_screen.action_enrich_filtered()
        await pilot.pause(0.1)
        assert app.main_screen.query_one("EnrichPanel").has_class("running")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert app.main_screen.enrich_cancel is None
        assert not app.main_screen.query_one("EnrichPanel").has_class("running")
        assert any(m.startswith("Resolve cancelled") for m in app.messages())
        assert services.count("arxiv") < 10  # 413 papers would take ~42 batches
    resolved = [p for p in Store.open(tmp_path).papers() if p.arxiv_id]
    # What was resolved before the cancel is saved (which papers depends on timing).
    assert resolved and {p.title for p in resolved} <= {"Masked Autoencoders that Listen", "Demystifying CLIP Data"}
