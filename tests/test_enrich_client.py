"""The polite HTTP client and its settings, through httpx.MockTransport."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from readinglist import __version__
from readinglist.core.enrich.client import Cancelled, FetchError, Limiter, OfflineError, PoliteClient, parse_retry_after
from readinglist.core.enrich.settings import EnrichSettings, load_settings
from readinglist.core.errors import UserError

URL = "https://export.example.org/api/query"


class FakeTime:
    """A clock that only moves when the client sleeps or a response 'takes' time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], fake: FakeTime | None = None, **overrides: object
) -> PoliteClient:
    settings = EnrichSettings(**{"arxiv_delay": 3.0, "backoff": 2.0, **overrides})  # type: ignore[arg-type]
    fake = fake or FakeTime()
    return PoliteClient(settings, transport=httpx.MockTransport(handler), clock=fake.clock, sleep=fake.sleep)


def test_user_agent_names_readinglist_its_version_and_the_contact() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return httpx.Response(200, content=b"ok")

    make_client(handler, contact="mailto:me@example.org").get("arxiv", URL)
    assert seen == [f"readinglist/{__version__} (mailto:me@example.org)"]


def test_each_request_waits_the_delay_after_the_previous_answer() -> None:
    fake = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        fake.now += 0.5  # the server takes half a second
        return httpx.Response(200, content=b"ok")

    client = make_client(handler, fake)
    for _ in range(3):
        client.get("arxiv", URL)
    starts = [t for service, t in client.requests if service == "arxiv"]
    assert [round(b - a, 3) for a, b in zip(starts, starts[1:])] == [3.5, 3.5]
    assert fake.sleeps == [3.0, 3.0]


def test_other_services_do_not_wait_for_arxivs_delay() -> None:
    fake = FakeTime()
    client = make_client(lambda r: httpx.Response(200), fake, hf_delay=0.5)
    client.get("arxiv", URL)
    client.get("hf", "https://hf.example.org/api/papers/2207.06405")
    assert fake.sleeps == []


def test_429_then_success_honours_retry_after() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, content=b"feed")])
    fake = FakeTime()
    client = make_client(lambda r: next(answers), fake)
    reply = client.get("arxiv", URL)
    assert reply.status == 200 and reply.body == b"feed"
    assert fake.sleeps == [7.0]
    assert len(client.requests) == 2


def test_retry_after_longer_than_the_limit_fails_at_once() -> None:
    client = make_client(lambda r: httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(FetchError, match="asks to wait 3600 s"):
        client.get("arxiv", URL)
    assert len(client.requests) == 1


def test_server_errors_are_retried_a_bounded_number_of_times_with_backoff() -> None:
    fake = FakeTime()
    client = make_client(lambda r: httpx.Response(503), fake, retries=3, arxiv_delay=0.0)
    with pytest.raises(FetchError, match=r"HTTP 503 \(4 attempts\)"):
        client.get("arxiv", URL)
    assert len(client.requests) == 4
    assert fake.sleeps == [2.0, 4.0, 8.0]


def test_client_errors_are_returned_not_retried() -> None:
    client = make_client(lambda r: httpx.Response(404, content=b"{}"))
    assert client.get("hf", URL).status == 404
    assert len(client.requests) == 1


def test_timeout_is_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = make_client(handler, retries=1, timeout=5.0)
    with pytest.raises(FetchError, match="timed out after 5 s"):
        client.get("arxiv", URL)
    assert len(client.requests) == 2


def test_first_connection_failure_means_offline_without_retrying() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    client = make_client(handler)
    with pytest.raises(OfflineError, match="cannot connect to export.example.org"):
        client.get("arxiv", URL)
    assert len(client.requests) == 1


def test_connection_failure_after_a_success_is_retried_not_offline() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(200)
        raise httpx.ConnectError("connection refused", request=request)

    client = make_client(handler, retries=2)
    client.get("arxiv", URL)
    with pytest.raises(FetchError) as info:
        client.get("arxiv", URL)
    assert not isinstance(info.value, OfflineError)
    assert len(calls) == 4


def test_declared_oversized_response_is_refused_before_reading() -> None:
    client = make_client(
        lambda r: httpx.Response(200, headers={"Content-Length": "999999999"}, content=b"x"), max_response_bytes=1024
    )
    with pytest.raises(FetchError, match="over the 1024-byte limit"):
        client.get("arxiv", URL)


class Endless(httpx.SyncByteStream):
    def __init__(self) -> None:
        self.chunks = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            self.chunks += 1
            yield b"<entry>" * 1000


def test_endless_response_is_cut_off_at_the_size_cap() -> None:
    stream = Endless()
    client = make_client(lambda r: httpx.Response(200, stream=stream), max_response_bytes=64 * 1024)
    with pytest.raises(FetchError, match="cut off at the 65536-byte limit"):
        client.get("arxiv", URL)
    assert stream.chunks < 20


def test_endless_chunked_response_from_a_real_server_is_cut_off() -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"a" * 16384
            try:
                for _ in range(10_000):  # bounded: stops by itself even if the client never hangs up
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = EnrichSettings(max_response_bytes=256 * 1024, timeout=5.0, retries=0)
        with PoliteClient(settings) as client:
            started = time.monotonic()
            with pytest.raises(FetchError, match="cut off"):
                client.get("arxiv", f"http://127.0.0.1:{server.server_port}/api/query")
            assert time.monotonic() - started < 5
    finally:
        server.shutdown()
        server.server_close()


def test_cancel_interrupts_the_wait_between_requests() -> None:
    cancel = threading.Event()
    settings = EnrichSettings(arxiv_delay=30.0)
    client = PoliteClient(settings, transport=httpx.MockTransport(lambda r: httpx.Response(200)), cancel=cancel)
    client.get("arxiv", URL)
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        client.get("arxiv", URL)
    assert time.monotonic() - started < 2
    assert len(client.requests) == 1


@pytest.mark.parametrize(("value", "seconds"), [("12", 12.0), (None, None), ("soon", None)])
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_as_http_date_in_the_past_waits_nothing() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


# --- settings ---------------------------------------------------------------


def test_defaults_point_at_the_public_services() -> None:
    settings = load_settings({}, environ={})
    assert settings.arxiv_api == "https://export.arxiv.org/api/query"
    assert settings.hf_api == "https://huggingface.co/api"
    assert settings.s2_api == "https://api.semanticscholar.org/graph/v1"
    assert settings.arxiv_delay == 3.0
    assert settings.user_agent == f"readinglist/{__version__}"


def test_environment_beats_config_which_beats_default() -> None:
    config = {"arxiv_api": "https://mirror.example.org/api/query", "arxiv_delay": 5, "contact": "cfg@example.org"}
    env = {"READINGLIST_ARXIV_DELAY": "0.2", "READINGLIST_HF_API": "http://127.0.0.1:8000/hf/"}
    settings = load_settings(config, environ=env)
    assert settings.arxiv_api == "https://mirror.example.org/api/query"
    assert settings.arxiv_delay == 0.2
    assert settings.hf_api == "http://127.0.0.1:8000/hf"
    assert settings.contact == "cfg@example.org"
    assert settings.timeout == 20.0


@pytest.mark.parametrize(
    ("config", "env", "message"),
    [
        ({}, {"READINGLIST_ARXIV_API": "ftp://mirror.example.org"}, "READINGLIST_ARXIV_API must be an http"),
        ({"arxiv_delay": "fast"}, {}, r"\[network\] arxiv_delay in the config file must be a number"),
        ({}, {"READINGLIST_ARXIV_DELAY": "-1"}, "must be a non-negative number"),
        ({}, {"READINGLIST_CONTACT": "me\r\nX-Evil: 1"}, "must be one line"),
        ({"batch_size": 0}, {}, "must be at least 1"),
    ],
)
def test_bad_settings_are_one_line_errors_naming_their_origin(config: dict, env: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        load_settings(config, environ=env)


def test_a_connect_timeout_on_the_first_request_also_means_offline() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    client = make_client(handler)
    with pytest.raises(OfflineError):
        client.get("arxiv", URL)
    assert len(client.requests) == 1


# --- one limiter per service for the whole process ------------------------


def test_two_clients_of_one_process_share_arxivs_spacing() -> None:
    """Enrichment and a fetch running side by side still space their arXiv requests."""
    fake = FakeTime()
    limiter = Limiter()
    settings = EnrichSettings(arxiv_delay=3.0)
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    first = PoliteClient(settings, transport=transport, clock=fake.clock, sleep=fake.sleep, limiter=limiter)
    second = PoliteClient(settings, transport=transport, clock=fake.clock, sleep=fake.sleep, limiter=limiter)
    first.get("arxiv", URL)
    second.get("arxiv", URL)
    second.get("hf", "https://hf.example.org/api/daily_papers")
    assert fake.sleeps == [3.0]


def test_clients_on_the_real_clock_share_the_process_limiter_across_threads() -> None:
    settings = EnrichSettings(arxiv_delay=0.3)
    in_flight: list[int] = []
    overlaps: list[int] = []
    ends: list[tuple[float, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        in_flight.append(1)
        overlaps.append(len(in_flight))
        started = time.monotonic()
        time.sleep(0.05)
        in_flight.pop()
        ends.append((started, time.monotonic()))
        return httpx.Response(200)

    def work() -> None:
        with PoliteClient(settings, transport=httpx.MockTransport(handler)) as client:
            client.get("arxiv", URL)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert max(overlaps) == 1  # never two arXiv requests at once
    ends.sort()
    gaps = [b_start - a_end for (_, a_end), (b_start, _) in zip(ends, ends[1:])]
    assert len(gaps) == 2 and min(gaps) >= 0.29, gaps
