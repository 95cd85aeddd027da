"""Fake arXiv and DOI services for the library tests, answering from recorded
or schema-faithful bodies through httpx.MockTransport."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from readinglist.core.enrich.client import PoliteClient
from readinglist.core.enrich.settings import EnrichSettings

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
SETTINGS = EnrichSettings(
    arxiv_api="https://arxiv.test/api/query",
    doi_api="https://doi.test",
    arxiv_pdf="https://arxiv.test/pdf",
    arxiv_delay=0.0,
    doi_delay=0.0,
    backoff=0.0,
    retries=1,
)
_ENTRY = re.compile(r"<entry>.*?</entry>", re.DOTALL)
_ENTRY_ID = re.compile(r"<id>https?://arxiv\.org/abs/([^<]+?)(?:v\d+)?</id>")


def _entries() -> dict[str, str]:
    found = {}
    for name in ("batch_three_hits.xml", "old_style_id.xml", "near_miss.xml", "arxiv_search_all_testing_2026.xml"):
        for block in _ENTRY.findall((FIXTURES / name).read_text(encoding="utf-8")):
            match = _ENTRY_ID.search(block)
            if match:
                found[match.group(1)] = block
    return found


ENTRIES = _entries()
_HEAD = (FIXTURES / "arxiv_empty_2026.xml").read_text(encoding="utf-8")


def feed(blocks: list[str]) -> bytes:
    """A feed like arXiv's (the recorded empty answer, with these entries in it)."""
    head = re.sub(r"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{len(blocks)}", _HEAD)
    return head.replace("</feed>", "\n".join(blocks) + "\n</feed>").encode()


DOI_ITEMS = {
    "10.1002/(sici)1097-4636(199706)35:4<413::aid-jbm1>3.0.co;2-k": {
        "type": "article-journal",
        "title": "Effects of Surface Roughness on Cell Adhesion",
        "author": [{"family": "Müller", "given": "Anna"}, {"literal": "The Biomaterials Consortium"}],
        "issued": {"date-parts": [[1997, 6]]},
        "container-title": "Journal of Biomedical Materials Research",
        "volume": "35",
        "issue": "4",
        "page": "413-420",
        "publisher": "Wiley",
        "DOI": "10.1002/(SICI)1097-4636(199706)35:4<413::AID-JBM1>3.0.CO;2-K",
        "URL": "https://doi.org/10.1002/(SICI)1097-4636(199706)35:4<413::AID-JBM1>3.0.CO;2-K",
        "abstract": "<jats:p>Rough surfaces hold cells.</jats:p>",
        "link": [{"URL": "https://publisher.test/oa/jbm1.pdf", "content-type": "application/pdf"}],
    },
}


class Services:
    """Answers like arXiv's API and doi.org; records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.pdf = b"%PDF-1.5\n%fake but signed\n"

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = urlsplit(str(request.url))
        if url.hostname == "arxiv.test" and url.path == "/api/query":
            params = dict(request.url.params)
            if "id_list" in params:
                ids = params["id_list"].split(",")
                if any(not re.match(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$", i) for i in ids):
                    return httpx.Response(400, content=(FIXTURES / "error_400.xml").read_bytes())
                return httpx.Response(200, content=feed([ENTRIES[i] for i in ids if i in ENTRIES]))
            # Like arXiv's search: hits share most of the phrase's words.
            phrase = set(re.sub(r'^ti:"|"$', "", params.get("search_query", "")).split())
            hits = [b for b in ENTRIES.values() if len(phrase & set(_title_of(b).split())) >= 0.6 * max(len(phrase), 1)]
            return httpx.Response(200, content=feed(hits))
        if url.hostname == "arxiv.test" and url.path.startswith("/pdf/"):
            return httpx.Response(200, content=self.pdf, headers={"content-type": "application/pdf"})
        if url.hostname == "doi.test":
            assert request.headers["accept"] == "application/vnd.citationstyles.csl+json"
            doi = unquote(url.path[1:]).lower()
            item = DOI_ITEMS.get(doi)
            if item is None:
                return httpx.Response(404, text="DOI Not Found")
            return httpx.Response(200, content=json.dumps(item).encode(), headers={"content-type": "application/vnd.citationstyles.csl+json"})
        if url.hostname == "publisher.test":
            return httpx.Response(200, content=self.pdf)
        return httpx.Response(404)

    def client(self, settings: EnrichSettings = SETTINGS) -> PoliteClient:
        return PoliteClient(settings, transport=httpx.MockTransport(self.handler), sleep=lambda s: None)

    def count(self, host: str) -> int:
        return sum(1 for r in self.requests if r.url.host == host)


def _title_of(block: str) -> str:
    from readinglist.core.text import normalize_title

    title = re.search(r"<title>(.*?)</title>", block, re.DOTALL)
    return normalize_title(title.group(1)) if title else "\x00"
