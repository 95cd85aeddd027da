"""Links found in abstracts: extraction, clean-up and classification."""

from __future__ import annotations

import re
from urllib.parse import quote_plus, urlsplit, urlunsplit

from readinglist.core.text import is_safe_url

_URL = re.compile(r"https?://[^\s<>\"'`\\]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
_CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}
_HF_NON_REPO = {"papers", "blog", "docs", "spaces-docs", "join", "login", "pricing", "learn", "posts"}
_PROJECT_HINT = re.compile(r"(project|home)\s*page|website|demo", re.IGNORECASE)


def clean_url(url: str) -> str:
    """Strip what abstracts glue to URLs: punctuation, LaTeX braces, doubling.

    ``https://x{https://x}`` (a LaTeX ``\\href`` flattened) keeps the first
    half; a closing bracket is kept only when it balances an opening one.
    """
    brace = url.find("{")
    if brace > 0:
        url = url[:brace]
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in ")]}" and url.count({")": "(", "]": "[", "}": "{"}[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return _without_credentials(url)


def _without_credentials(url: str) -> str:
    """``https://user:secret@host/x`` -> ``https://host/x``: a password in an
    abstract must not travel on into the store, exports and clipboards."""
    if "@" not in url:
        return url  # no credentials possible (and no need to split it)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def classify_link(url: str, context: str = "") -> str:
    """``code`` for a repository, ``project`` for a project page, else ``other``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in _CODE_HOSTS and len(segments) >= 2:
        return "code"
    if host == "huggingface.co" and segments and segments[0] not in _HF_NON_REPO:
        owner_repo = segments[1:] if segments[0] in {"datasets", "spaces"} else segments
        if len(owner_repo) >= 2:
            return "code"
    if host.endswith((".github.io", ".gitlab.io")) or _PROJECT_HINT.search(context):
        return "project"
    return "other"


def links_by_kind(text: str) -> dict[str, list[str]]:
    """The links of ``text`` grouped by kind; kinds with no link are absent."""
    result: dict[str, list[str]] = {}
    # A match holds "://" four or five characters in ("http://", "https://"):
    # the case-blind regex scan starts there, or not at all (most abstracts).
    first = text.find("://")
    if first < 0:
        return result
    for match in _URL.finditer(text, max(0, first - 5)):
        url = clean_url(match.group(0))
        if not url or not is_safe_url(url):
            continue
        context = text[max(0, match.start() - 40) : match.start()]
        kind = classify_link(url, context)
        bucket = result.setdefault(kind, [])
        if url not in bucket and not any(url in v for v in result.values()):
            bucket.append(url)
    return result


_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z.\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


def arxiv_eprint(arxiv_id: str | None) -> str | None:
    """The arXiv id without its version, or None if it is not a well-formed id."""
    if not arxiv_id:
        return None
    match = _ARXIV_ID.match(arxiv_id.strip())
    return match.group(1) if match else None


def arxiv_abs_url(arxiv_id: str | None) -> str | None:
    """The paper's arXiv page: the one way every part of the program builds it."""
    eprint = arxiv_eprint(arxiv_id)
    return f"https://arxiv.org/abs/{eprint}" if eprint else None


def arxiv_pdf_url(arxiv_id: str | None, base: str = "https://arxiv.org/pdf") -> str | None:
    eprint = arxiv_eprint(arxiv_id)
    return f"{base.rstrip('/')}/{eprint}" if eprint else None


def arxiv_search_url(title: str) -> str:
    """arXiv's title search: the fallback when a paper's arXiv id is unknown."""
    return f"https://arxiv.org/search/?query={quote_plus(title)}&searchtype=title"
