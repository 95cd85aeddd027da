"""Where enrichment connects and how politely: environment > config file > default."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from readinglist import __version__
from readinglist.core.errors import UserError
from readinglist.core.text import is_safe_url

ARXIV_API = "https://export.arxiv.org/api/query"
HF_API = "https://huggingface.co/api"
S2_API = "https://api.semanticscholar.org/graph/v1"
DOI_API = "https://doi.org"
ARXIV_PDF = "https://arxiv.org/pdf"
ARXIV_RSS = "https://rss.arxiv.org/rss"

# Config key -> environment variable. Only these are read from the environment.
ENV_VARS = {
    "arxiv_api": "READINGLIST_ARXIV_API",
    "hf_api": "READINGLIST_HF_API",
    "s2_api": "READINGLIST_S2_API",
    "doi_api": "READINGLIST_DOI_API",
    "arxiv_pdf": "READINGLIST_ARXIV_PDF",
    "arxiv_rss": "READINGLIST_ARXIV_RSS",
    "arxiv_delay": "READINGLIST_ARXIV_DELAY",
    "hf_delay": "READINGLIST_HF_DELAY",
    "s2_delay": "READINGLIST_S2_DELAY",
    "contact": "READINGLIST_CONTACT",
    "timeout": "READINGLIST_TIMEOUT",
}


@dataclass(frozen=True, slots=True)
class EnrichSettings:
    arxiv_api: str = ARXIV_API
    hf_api: str = HF_API
    s2_api: str = S2_API
    doi_api: str = DOI_API
    arxiv_pdf: str = ARXIV_PDF
    arxiv_rss: str = ARXIV_RSS
    # Seconds between the starts of two requests to one service. arXiv's terms
    # ask for 3; Hugging Face allows ~500 per 5 minutes; Semantic Scholar's
    # anonymous pool about 1 per second.
    arxiv_delay: float = 3.0
    hf_delay: float = 0.7
    s2_delay: float = 1.1
    doi_delay: float = 1.0
    contact: str = ""
    timeout: float = 20.0
    retries: int = 3  # extra attempts after the first, on 429, 5xx and timeouts
    backoff: float = 2.0  # first retry waits this long, then doubles
    max_retry_after: float = 120.0  # a longer Retry-After fails the request instead
    max_response_bytes: int = 8 * 1024 * 1024
    batch_size: int = 10  # titles per arXiv query
    max_consecutive_failures: int = 3  # then the run stops: the service is down

    @property
    def user_agent(self) -> str:
        base = f"readinglist/{__version__}"
        return f"{base} ({self.contact})" if self.contact else base


_FLOAT_KEYS = ("arxiv_delay", "hf_delay", "s2_delay", "doi_delay", "timeout", "backoff", "max_retry_after")
_INT_KEYS = ("retries", "max_response_bytes", "batch_size", "max_consecutive_failures")
_URL_KEYS = ("arxiv_api", "hf_api", "s2_api", "doi_api", "arxiv_pdf", "arxiv_rss")


def load_settings(section: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> EnrichSettings:
    """Settings from the config file's ``[network]`` section and the environment.

    A bad value is a one-line error naming where it came from, so a typo in a
    mirror URL never silently sends requests to the default service.
    """
    section = section or {}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for key in (*_URL_KEYS, *_FLOAT_KEYS, *_INT_KEYS, "contact"):
        env = ENV_VARS.get(key)
        if env and environ.get(env, "").strip():
            values[key], origin[key] = environ[env].strip(), env
        elif key in section:
            values[key], origin[key] = section[key], f"[network] {key} in the config file"
    for key in _URL_KEYS:
        if key in values:
            url = str(values[key]).rstrip("/")
            if not is_safe_url(url):
                raise UserError(f"{origin[key]} must be an http(s) URL, got {values[key]!r}")
            values[key] = url
    for key in _FLOAT_KEYS:
        if key in values:
            values[key] = _number(values[key], origin[key], float)
    for key in _INT_KEYS:
        if key in values:
            values[key] = _number(values[key], origin[key], int)
    if values.get("batch_size") == 0:
        raise UserError(f"{origin['batch_size']} must be at least 1")
    if "contact" in values:
        contact = str(values["contact"]).strip()
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in contact):
            raise UserError(f"{origin['contact']} must be one line of plain text")
        values["contact"] = contact
    return EnrichSettings(**values)


def _number(value: Any, origin: str, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise UserError(f"{origin} must be a {'whole ' if kind is int else ''}number, got {value!r}") from None
    if isinstance(value, bool) or number < 0 or (kind is float and not math.isfinite(number)):
        raise UserError(f"{origin} must be a non-negative number, got {value!r}")
    return number
