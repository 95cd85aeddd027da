"""Polite HTTP: a User-Agent, per-service spacing, bounded retries, a size cap.

All requests of a run go through one ``PoliteClient`` and are made one after
another, so there is never more than one connection open to a service.
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


class PoliteClient:
    """GET with the manners every public API asks for.

    ``transport`` lets tests use ``httpx.MockTransport``; ``clock`` and
    ``sleep`` let them check spacing and backoff without waiting.
    """

    def __init__(
        self,
        settings: EnrichSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        cancel: CancelLike = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.canceller = cancel if isinstance(cancel, Canceller) else Canceller(cancel)
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._http: httpx.Client | None = None
        self._last_end: dict[str, float] = {}
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
        for attempt in range(attempts):
            self._wait_turn(service)
            retry_after: float | None = None
            try:
                try:
                    reply = self._fetch(url, params, headers)
                finally:
                    self._last_end[service] = self._clock()
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
            if attempt + 1 < attempts:
                backoff = self.settings.backoff * (2**attempt)
                self._pause(max(backoff, retry_after or 0.0))
        raise FetchError(f"{reason} ({attempts} attempts)" if attempts > 1 else reason)

    def _wait_turn(self, service: str) -> None:
        if self.canceller.is_set():
            raise Cancelled
        # Counted from the end of the previous answer, not its start: then
        # the server sees the gap whatever the connection set-up costs.
        last = self._last_end.get(service)
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
