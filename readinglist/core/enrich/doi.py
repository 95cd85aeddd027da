"""DOI metadata by content negotiation: ``GET <doi_api>/<doi>`` asking for CSL-JSON.

doi.org redirects to the registration agency (Crossref, DataCite, ...),
which answers CSL-JSON; an unknown DOI is a 404. The DOI's suffix may hold
almost anything (``/``, parentheses, ``<``): it is percent-encoded, with
``/`` kept, so the path reaches the resolver as written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from readinglist.core.enrich.client import FetchError

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient

CSL_JSON = "application/vnd.citationstyles.csl+json"


class DoiError(FetchError):
    """The resolver answered, but not with usable CSL-JSON."""


def doi_url(api: str, doi: str) -> str:
    return f"{api.rstrip('/')}/{quote(doi, safe='/')}"


def fetch_csl(client: PoliteClient, api: str, doi: str) -> dict[str, Any] | None:
    """The DOI's CSL-JSON item, or None when no agency knows the DOI."""
    reply = client.get("doi", doi_url(api, doi), headers={"Accept": CSL_JSON})
    if reply.status in (404, 410):
        return None
    if reply.status != 200:
        raise DoiError(f"HTTP {reply.status}")
    if urlsplit(api).scheme == "https" and reply.url and urlsplit(reply.url).scheme != "https":
        raise DoiError(f"redirected to a plain-http address ({urlsplit(reply.url).hostname}): refused")
    try:
        item = json.loads(reply.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DoiError("the answer is not JSON (is the DOI registered with Crossref or DataCite?)") from None
    if isinstance(item, list) and len(item) == 1:
        item = item[0]
    if not isinstance(item, dict) or not item.get("title"):
        raise DoiError("the answer is not a CSL-JSON item with a title")
    return item
