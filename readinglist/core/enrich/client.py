"""Polite HTTP: a User-Agent, per-service spacing, bounded retries, a size cap.

arXiv's terms (one request every 3 s, one connection at a time) hold for
everything a user runs, not for one run. So the spacing and the "one at a
time" lock live in a process-wide ``Limiter`` keyed by service, shared by
every ``PoliteClient`` (enrichment, add, fetch; CLI or app worker threads).
httpx is imported only when the first request is made: the app's start-up
must not pay for it.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from readinglist.core.enrich.settings import EnrichSettings

if TYPE_CHECKING:
    import httpx

CancelLike = threading.Event | Callable[[], bool] | None


class FetchError(Exception):
    """A request that failed for good; ``str()`` is a short human reason."""


class OfflineError(Exception):
    """The very first connection of a run could not be made: no network.

    Not a ``FetchError``: it is never one paper's failure, it ends the run.
    """


class Cancelled(Exception):
    """The user asked to stop."""


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    url: str = ""


class Canceller:
    """One interface over ``threading.Event``, a predicate, or nothing."""

    def __init__(self, cancel: CancelLike = None) -> None:
        self._cancel = cancel

    def is_set(self) -> bool:
        if self._cancel is None:
            return False
        if isinstance(self._cancel, threading.Event):
            return self._cancel.is_set()
        return bool(self._cancel())

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as cancellation is requested."""
        if seconds <= 0:
            return self.is_set()
        if isinstance(self._cancel, threading.Event):
            return self._cancel.wait(seconds)
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            if self.is_set():
                return True
            time.sleep(min(remaining, 0.05))
        return self.is_set()


class _Gate:
    """One service's turn-taking: a lock held for the length of a request, and
    the time its last answer ended."""

    __slots__ = ("lock", "last_end")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_end: float | None = None


class Limiter:
    """Per-service spacing and exclusion, for every client that shares it.

    Times are those of the clients' clock: clients sharing a limiter must
    share a clock too (``PoliteClient`` gives a client with its own clock its
    own limiter).
    """

    def __init__(self) -> None:
        self._gates: dict[str, _Gate] = {}
        self._guard = threading.Lock()

    def gate(self, service: str) -> _Gate:
        with self._guard:
            gate = self._gates.get(service)
            if gate is None:
                gate = self._gates[service] = _Gate()
            return gate

    def last_end(self, service: str) -> float | None:
        return self.gate(service).last_end

    def reset(self) -> None:
        """Forget every service's last request (tests start from a clean slate)."""
        with self._guard:
            self._gates.clear()


LIMITER = Limiter()  # the process's: every client on the real clock uses it


class PoliteClient:
    """GET with the manners every public API asks for.

    ``transport`` lets tests use ``httpx.MockTransport``; ``clock`` and
    ``sleep`` let them check spacing and backoff without waiting. A client
    on the real clock shares the process-wide ``LIMITER`` unless given
    another ``limiter``; one with an injected clock gets a private one.
    """

    def __init__(
        self,
        settings: EnrichSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        cancel: CancelLike = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.settings = settings
        self.canceller = cancel if isinstance(cancel, Canceller) else Canceller(cancel)
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._http: httpx.Client | None = None
        if limiter is None:
            limiter = LIMITER if clock is time.monotonic else Limiter()
        self.limiter = limiter
        self._connected = False  # once one request got through, "offline" no longer applies
        self.requests: list[tuple[str, float]] = []  # (service, start time): for summaries and tests
        self.delays = {"arxiv": settings.arxiv_delay, "hf": settings.hf_delay, "s2": settings.s2_delay, "doi": settings.doi_delay}

    @property
    def connected(self) -> bool:
        """True once a request of this client got an HTTP answer."""
        return self._connected

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, service: str, url: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None) -> Reply:
        """GET ``url``; any status but 429 and 5xx is returned to the caller.

        Raises ``FetchError`` once retries are spent, ``OfflineError`` if the
        first connection of the run fails, ``Cancelled`` when asked to stop.
        """
        import httpx

        attempts = self.settings.retries + 1
        reason = "no attempt made"
        gate = self.limiter.gate(service)
        for attempt in range(attempts):
            retry_after: float | None = None
            self._acquire(gate)
            try:
                self._wait_turn(service, gate)
                try:
                    reply = self._fetch(url, params, headers)
                finally:
                    gate.last_end = self._clock()
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if not self._connected:
                    host = urlsplit(url).hostname or url
                    raise OfflineError(f"cannot connect to {host} ({_short(exc)})") from None
                reason = f"cannot connect ({_short(exc)})"
            except httpx.TimeoutException:
                reason = f"timed out after {self.settings.timeout:g} s"
            except httpx.RequestError as exc:  # protocol errors, bad encodings, redirect loops
                reason = f"request failed ({_short(exc)})"
            else:
                self._connected = True
                if reply.status != 429 and reply.status < 500:
                    return reply
                reason = f"HTTP {reply.status}"
                retry_after = parse_retry_after(reply.headers.get("retry-after"))
                if retry_after is not None and retry_after > self.settings.max_retry_after:
                    raise FetchError(f"{reason}: the service asks to wait {retry_after:.0f} s")
            finally:
                gate.lock.release()
            if attempt + 1 < attempts:
                backoff = self.settings.backoff * (2**attempt)
                self._pause(max(backoff, retry_after or 0.0))
        raise FetchError(f"{reason} ({attempts} attempts)" if attempts > 1 else reason)

    def _acquire(self, gate: _Gate) -> None:
        """Wait for the service to be free (another thread may be using it)."""
        while not gate.lock.acquire(timeout=0.05):
            if self.canceller.is_set():
                raise Cancelled

    def _wait_turn(self, service: str, gate: _Gate) -> None:
        if self.canceller.is_set():
            raise Cancelled
        # Counted from the end of the previous answer, not its start: then
        # the server sees the gap whatever the connection set-up costs.
        last = gate.last_end
        if last is not None:
            self._pause(last + self.delays.get(service, 0.0) - self._clock())
        self.requests.append((service, self._clock()))

    def _pause(self, seconds: float) -> None:
        if self._sleep is not None:
            if seconds > 0:
                self._sleep(seconds)
            cancelled = self.canceller.is_set()
        else:
            cancelled = self.canceller.wait(seconds)
        if cancelled:
            raise Cancelled

    def _client(self) -> httpx.Client:
        if self._http is None:
            import httpx

            self._http = httpx.Client(
                headers={"User-Agent": self.settings.user_agent},
                timeout=httpx.Timeout(self.settings.timeout),
                follow_redirects=True,
                max_redirects=5,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                transport=self._transport,
            )
        return self._http

    def _fetch(self, url: str, params: Mapping[str, Any] | None, headers: Mapping[str, str] | None = None) -> Reply:
        """One request, read up to the size cap and within an overall deadline.

        The read timeout alone does not stop a server that trickles bytes
        forever; the cap and the deadline do.
        """
        cap = self.settings.max_response_bytes
        deadline = self._clock() + 3 * self.settings.timeout
        with self._client().stream("GET", url, params=params, headers=headers) as response:
            self._connected = True
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise FetchError(f"response of {int(declared)} bytes is over the {cap}-byte limit")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise FetchError(f"response cut off at the {cap}-byte limit")
                if self._clock() > deadline:
                    raise FetchError("response cut off: too slow")
                chunks.append(chunk)
            return Reply(response.status_code, b"".join(chunks), dict(response.headers), str(response.url))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        import datetime as dt

        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, when.timestamp() - time.time())


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text and text[0] else type(exc).__name__
