"""What a user pastes to name a paper: arXiv ids, URLs that carry one, DOIs.

``parse_thing`` turns one such THING into an ``Identifier`` (or None when it
names nothing we can look up). arXiv's own DOIs (``10.48550/arXiv.<id>``) are
arXiv ids: they need no DOI lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

ARXIV, DOI = "arxiv", "doi"

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7}"
_ARXIV_ID = re.compile(rf"^(?:arxiv:)?({_NEW_ID}|{_OLD_ID})(?:v\d+)?$", re.IGNORECASE)
_DOI = re.compile(r"^(10\.\d{4,9}/\S+)$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.({_NEW_ID}|{_OLD_ID})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
_ARXIV_PATHS = ("abs", "pdf", "html", "format")
_OTHER_HOSTS = {"huggingface.co": ("papers",), "www.huggingface.co": ("papers",), "alphaxiv.org": ("abs", "overview", "pdf"), "www.alphaxiv.org": ("abs", "overview", "pdf")}


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: str  # ARXIV or DOI
    value: str  # versionless arXiv id, or the DOI as written (case kept)

    def key(self) -> str:
        """The form two identifiers are compared in."""
        return self.value.lower() if self.kind == DOI else self.value


def arxiv_id(text: str) -> str | None:
    """The versionless arXiv id of ``2304.07193v2``, ``arXiv:hep-th/9901001``...; else None."""
    match = _ARXIV_ID.match(text.strip())
    if not match:
        return None
    found = match.group(1)
    if "/" in found:
        archive, number = found.split("/", 1)
        head, _, subject = archive.partition(".")
        found = f"{head.lower()}{'.' + subject.upper() if subject else ''}/{number}"
    return found


def normalize_doi(text: str) -> str | None:
    """``doi:10.1/x``, ``https://doi.org/10.1/x`` or ``10.1/x`` -> ``10.1/x``; else None."""
    text = _DOI_PREFIX.sub("", text.strip())
    if text.lower().startswith(("http://", "https://")):
        return None
    text = unquote(text) if "%" in text else text
    match = _DOI.match(text)
    return match.group(1).rstrip(".,;") if match else None


def doi_key(doi: str | None) -> str | None:
    """DOIs are case-insensitive: the form they are compared in."""
    if not doi:
        return None
    found = normalize_doi(doi)
    return found.lower() if found else None


def arxiv_from_doi(doi: str) -> str | None:
    match = _ARXIV_DOI.match(doi.strip())
    return arxiv_id(match.group(1)) if match else None


def parse_thing(thing: str) -> Identifier | None:
    """An arXiv id, an arXiv-carrying URL, or a DOI, in any usual form."""
    text = thing.strip().strip("<>\"'")
    if not text:
        return None
    found = arxiv_id(text)
    if found:
        return Identifier(ARXIV, found)
    if text.lower().startswith(("http://", "https://")):
        from_url = _arxiv_from_url(text)
        if from_url:
            return Identifier(ARXIV, from_url)
    doi = normalize_doi(text)
    if doi:
        as_arxiv = arxiv_from_doi(doi)
        return Identifier(ARXIV, as_arxiv) if as_arxiv else Identifier(DOI, doi)
    return None


def _arxiv_from_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host in _ARXIV_HOSTS:
        prefixes = _ARXIV_PATHS
    elif host in _OTHER_HOSTS:
        prefixes = _OTHER_HOSTS[host]
    else:
        return None
    if len(segments) < 2 or segments[0].lower() not in prefixes:
        return None
    rest = "/".join(segments[1:])
    rest = re.sub(r"\.pdf$", "", rest, flags=re.IGNORECASE)
    return arxiv_id(rest)
