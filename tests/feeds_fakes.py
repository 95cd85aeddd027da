"""Stand-ins for Hugging Face daily papers, arXiv's RSS feed and the arXiv API.

The answers follow the services' real shapes (see /work/shared/api-notes.md
and tests/fixtures/feeds/README.md): daily_papers items nest the paper under
``paper`` with a few keys repeated at the top; the RSS feed is RSS 2.0 with
``arxiv:announce_type`` and ``dc:creator``; the API answers Atom. One
``FakeFeeds.answer`` serves both httpx.MockTransport and a loopback server.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
DAY = "2026-11-30"
ANNOUNCED = "Mon, 30 Nov 2026 00:00:00 -0500"


@dataclass
class Entry:
    """One arXiv paper as the API knows it."""

    arxiv_id: str
    title: str
    authors: list[str]
    primary: str
    categories: list[str]
    published: str  # ISO timestamp
    summary: str = "We study things."
    doi: str | None = None
    journal_ref: str | None = None


ENTRIES = {
    e.arxiv_id: e
    for e in [
        Entry("2611.10001", "Sparse Mixture Routing for Video Diffusion", ["Ada Lovelace", "Alan Turing", "Grace Hopper"],
              "cs.CV", ["cs.CV", "cs.LG"], "2026-11-26T18:00:01Z"),
        Entry("2611.10002", "Token Merging Revisited", ["Emmy Noether", "Kurt Goedel"], "cs.CL", ["cs.CL", "cs.CV"],
              "2026-11-26T17:00:00Z", doi="10.1000/xyz123", journal_ref="ACL 2027"),
        Entry("2309.16671", "Demystifying CLIP Data", ["Hu Xu", "Saining Xie", "Xiaoqing Ellen Tan", "Po-Yao Huang",
              "Russell Howes", "Vasu Sharma", "Shang-Wen Li", "Gargi Ghosh", "Luke Zettlemoyer", "Christoph Feichtenhofer"],
              "cs.CV", ["cs.CV", "cs.CL"], "2023-09-28T17:59:56Z"),
        Entry("2611.10003", "Reward Models for Code Review", ["Barbara Liskov"], "cs.SE", ["cs.SE", "cs.CV"],
              "2026-11-25T09:00:00Z"),
        Entry("2611.10004", "Replaced Paper on Optical Flow", ["John Doe"], "cs.CV", ["cs.CV"], "2026-10-01T10:00:00Z"),
        Entry("2611.10005", "Replaced Cross Paper on Speech", ["Jane Roe"], "eess.AS", ["eess.AS", "cs.CV"],
              "2026-10-02T10:00:00Z"),
        Entry("2611.20001", "Backfill One", ["B One"], "cs.CV", ["cs.CV"], "2026-11-24T08:00:00Z"),
        Entry("2611.20002", "Backfill Two", ["B Two"], "cs.CV", ["cs.CV", "cs.AI"], "2026-11-24T09:00:00Z"),
        Entry("2611.20003", "Backfill Three", ["B Three"], "cs.RO", ["cs.RO", "cs.CV"], "2026-11-25T10:00:00Z"),
        Entry("2611.20004", "Backfill Four", ["B Four"], "cs.CV", ["cs.CV"], "2026-11-25T11:00:00Z"),
        Entry("2611.20005", "Backfill Five", ["B Five"], "cs.CV", ["cs.CV"], "2026-11-26T12:00:00Z"),
    ]
}
BACKFILL = ["2611.20001", "2611.20002", "2611.20003", "2611.20004", "2611.20005"]


def hf_item(arxiv_id: str, *, upvotes: int = 5, github: str | None = None, project: str | None = None,
            title: str | None = None, featured: str = DAY) -> dict[str, Any]:
    entry = ENTRIES[arxiv_id]
    paper: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [{"_id": f"a{n}", "name": name, "hidden": False} for n, name in enumerate(entry.authors)],
        "publishedAt": entry.published.replace("Z", ".000Z"),
        "submittedOnDailyAt": f"{featured}T13:02:11.000Z",
        "title": title or entry.title,
        "summary": entry.summary,
        "upvotes": upvotes,
        "discussionId": "d" + arxiv_id,
        "ai_summary": "A summary written by a model.",
        "ai_keywords": ["diffusion"],
    }
    if github:
        paper["githubRepo"], paper["githubStars"] = github, 120
    if project:
        paper["projectPage"] = project
    return {
        "paper": paper,
        "publishedAt": paper["publishedAt"],
        "title": paper["title"],
        "summary": entry.summary,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
        "numComments": 2,
        "submittedBy": {"_id": "u1", "name": "someone", "fullname": "Some One", "type": "user"},
        "isAuthorParticipating": False,
    }


def rss_item(arxiv_id: str, announce: str) -> str:
    e = ENTRIES[arxiv_id]
    creators = ", ".join(e.authors[:-1]) + (" and " if len(e.authors) > 1 else "") + e.authors[-1]
    extra = f"<arxiv:DOI>{escape(e.doi)}</arxiv:DOI>" if e.doi else ""
    version = "v1" if announce in ("new", "cross") else "v2"
    return f"""    <item>
      <title>{escape(e.title)}</title>
      <link>https://arxiv.org/abs/{e.arxiv_id}</link>
      <description>arXiv:{e.arxiv_id}{version} Announce Type: {announce}
Abstract: {escape(e.summary)}</description>
      <guid isPermaLink="false">oai:arXiv.org:{e.arxiv_id}{version}</guid>
{''.join(f'      <category>{c}</category>{chr(10)}' for c in e.categories)}      <pubDate>{ANNOUNCED}</pubDate>
      <arxiv:announce_type>{announce}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>{escape(creators)}</dc:creator>
      {extra}
    </item>
"""


def rss(items: list[tuple[str, str]], cats: str = "cs.CV") -> bytes:
    body = "".join(rss_item(i, kind) for i, kind in items)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>{cats} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{cats}</link>
    <description>{cats} updates on the arXiv.org e-print archive.</description>
    <atom:link href="https://rss.arxiv.org/rss/{cats}" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>{ANNOUNCED}</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>{ANNOUNCED}</pubDate>
    <skipDays>
      <day>Sunday</day>
      <day>Saturday</day>
    </skipDays>
{body}  </channel>
</rss>
""".encode()


def atom(entries: list[Entry], total: int, start: int = 0) -> bytes:
    def one(e: Entry) -> str:
        extra = ""
        if e.doi:
            extra += f"\n    <arxiv:doi>{escape(e.doi)}</arxiv:doi>"
        if e.journal_ref:
            extra += f"\n    <arxiv:journal_ref>{escape(e.journal_ref)}</arxiv:journal_ref>"
        cats = "".join(f'\n    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in e.categories)
        authors = "".join(f"\n    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in e.authors)
        return f"""  <entry>
    <id>http://arxiv.org/abs/{e.arxiv_id}v1</id>
    <title>{escape(e.title)}</title>
    <updated>{e.published}</updated>
    <link href="https://arxiv.org/abs/{e.arxiv_id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{e.arxiv_id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>{escape(e.summary)}</summary>{cats}
    <published>{e.published}</published>{extra}
    <arxiv:primary_category term="{e.primary}"/>{authors}
  </entry>
"""

    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fake</id>
  <title>arXiv Query: fake</title>
  <updated>2026-12-01T00:00:00Z</updated>
  <link href="https://arxiv.org/api/query?fake" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
{''.join(one(e) for e in entries)}</feed>
""".encode()


DEFAULT_HF_DAY = [
    hf_item("2611.10001", upvotes=31, github="https://github.com/example/sparse-routing", project="https://example.github.io/routing"),
    hf_item("2309.16671", upvotes=12, github="https://github.com/facebookresearch/MetaCLIP"),
    hf_item("2611.10003", upvotes=3),
]
DEFAULT_RSS = [("2611.10001", "new"), ("2611.10002", "cross"), ("2611.10004", "replace"), ("2611.10005", "replace-cross")]


@dataclass
class FakeFeeds:
    """The three services; tweak the fields to make one misbehave."""

    hf_days: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {DAY: list(DEFAULT_HF_DAY)})
    rss_items: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_RSS))
    backfill: list[str] = field(default_factory=lambda: list(BACKFILL))
    hf_status: int = 200
    hf_body: bytes | None = None  # overrides the JSON (a malformed answer)
    rss_body: bytes | None = None
    hf_429_first: int = 0  # answer this many HF requests with 429 first
    log: list[tuple[float, str, str, dict[str, str]]] = field(default_factory=list)  # (time, service, path, params)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self, service: str) -> list[dict[str, str]]:
        return [p for _, s, _, p in self.log if s == service]

    def answer(self, url: str) -> tuple[int, bytes, dict[str, str]]:
        parts = urlsplit(url)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        service = parts.path.split("/")[1]
        with self.lock:
            self.log.append((time.monotonic(), service, parts.path, params))
        if service == "hf":
            if self.hf_429_first:
                self.hf_429_first -= 1
                return 429, b'{"error":"rate limited"}', {"Retry-After": "7", "RateLimit": '"api";r=0;t=7'}
            if self.hf_status != 200:
                return self.hf_status, b'{"error":"down"}', {}
            if self.hf_body is not None:
                return 200, self.hf_body, {}
            day = params.get("date", max(self.hf_days))
            items = self.hf_days.get(day, [])
            page, limit = int(params.get("p", 0)), int(params.get("limit", 50))
            return 200, json.dumps(items[page * limit : (page + 1) * limit]).encode(), {"Content-Type": "application/json"}
        if service == "rss":
            body = self.rss_body if self.rss_body is not None else rss(self.rss_items, parts.path.rsplit("/", 1)[1])
            return 200, body, {"Content-Type": "application/rss+xml"}
        if service == "arxiv":
            if "id_list" in params:
                ids = params["id_list"].split(",")
                found = [ENTRIES[i] for i in ids if i in ENTRIES]
                return 200, atom(found, len(found)), {}
            start, size = int(params.get("start", 0)), int(params.get("max_results", 10))
            pool = [ENTRIES[i] for i in self.backfill]
            return 200, atom(pool[start : start + size], len(pool), start), {}
        return 404, b"not found", {}


class LoopbackFeeds:
    """``FakeFeeds`` behind a real HTTP server on 127.0.0.1 (for the CLI and subprocesses).

    ``in_flight`` records, for each arXiv request (API or RSS), how many were
    being answered at once: arXiv allows one connection at a time.
    """

    def __init__(self, fake: FakeFeeds | None = None, *, slow: float = 0.0) -> None:
        import http.server

        self.fake = fake or FakeFeeds()
        self.slow = slow
        self.busy = 0
        self.overlap = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                arxiv = self.path.split("/")[1] in ("arxiv", "rss")
                with outer.fake.lock:
                    outer.busy += arxiv
                    outer.overlap = max(outer.overlap, outer.busy)
                try:
                    time.sleep(outer.slow)
                    status, body, headers = outer.fake.answer(f"http://127.0.0.1{self.path}")
                finally:
                    with outer.fake.lock:
                        outer.busy -= arxiv
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def env(self) -> dict[str, str]:
        return {
            "READINGLIST_ARXIV_API": f"{self.base}/arxiv/api/query",
            "READINGLIST_HF_API": f"{self.base}/hf/api",
            "READINGLIST_ARXIV_RSS": f"{self.base}/rss/rss",
        }

    def __enter__(self) -> LoopbackFeeds:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
