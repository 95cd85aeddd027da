"""arXiv's daily announcement as RSS 2.0: the latest day only.

``GET {arxiv_rss}/cs.CV+cs.CL`` lists every paper announced in those
categories on the latest announcement day, each with its announcement type
(``new``, ``cross``, ``replace``, ``replace-cross``). The feed is empty on
days without an announcement (Saturday, Sunday, holidays). It counts
against arXiv's limit like the API, so it goes through the ``arxiv`` service.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError

from readinglist.core.enrich.arxiv import parse_arxiv_id
from readinglist.core.feeds.items import FeedError, FeedItem, one_line

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient

ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
_GUID = re.compile(r"^oai:arXiv\.org:", re.IGNORECASE)
_ABSTRACT = re.compile(r"^.*?\bAbstract:\s*", re.IGNORECASE | re.DOTALL)
_AUTHOR_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


@dataclass(slots=True)
class Announcement:
    day: str | None  # the announcement's date (arXiv's own, US Eastern)
    items: list[FeedItem]


def feed_url(base: str, categories: Sequence[str]) -> str:
    return f"{base}/{'+'.join(categories)}"


def fetch_announcement(client: PoliteClient, base: str, categories: Sequence[str]) -> Announcement:
    reply = client.get("arxiv", feed_url(base, categories))
    if reply.status != 200:
        raise FeedError(f"HTTP {reply.status} from the arXiv RSS feed")
    return parse_rss(reply.body)


def parse_rss(body: bytes) -> Announcement:
    """Parse an announcement; raise ``FeedError`` when it is not one."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(body)
    except DefusedXmlException:
        raise FeedError("the arXiv RSS feed held unsafe XML (entity declarations); refused") from None
    except (ParseError, ValueError) as exc:
        raise FeedError(f"the arXiv RSS feed is malformed XML ({exc})") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError("the arXiv RSS answer is not an RSS feed")
    day = _day(channel.findtext("pubDate")) or _day(channel.findtext("lastBuildDate"))
    items = [item for node in channel.findall("item") if (item := _item(node, day)) is not None]
    if day is None and items:
        day = items[0].listed
    return Announcement(day, items)


def _item(node: Element, channel_day: str | None) -> FeedItem | None:
    guid = one_line(node.findtext("guid"))
    arxiv_id = parse_arxiv_id(_GUID.sub("", guid)) if guid else None
    arxiv_id = arxiv_id or parse_arxiv_id(one_line(node.findtext("link")))
    title = one_line(node.findtext("title"))
    if arxiv_id is None or not title:
        return None
    announce = one_line(node.findtext(f"{ARXIV}announce_type")).lower() or None
    description = one_line(node.findtext("description"))
    creators = one_line(node.findtext(f"{DC}creator"))
    return FeedItem(
        source="arxiv",
        arxiv_id=arxiv_id,
        title=title,
        authors=[a for a in (one_line(p) for p in _AUTHOR_SPLIT.split(creators)) if a] if creators else [],
        abstract=_ABSTRACT.sub("", description, count=1) if "Abstract:" in description else "",
        categories=list(dict.fromkeys(c for n in node.findall("category") if (c := one_line(n.text)))),
        listed=_day(node.findtext("pubDate")) or channel_day,
        doi=one_line(node.findtext(f"{ARXIV}DOI")) or None,
        journal_ref=one_line(node.findtext(f"{ARXIV}journal_reference")) or None,
        announce=announce,
    )


def _day(value: str | None) -> str | None:
    """The calendar day of an RFC 822 date, in the date's own time zone."""
    if not value or not value.strip():
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when.date().isoformat() if when is not None else None


