"""What every format says about a paper: its identity, publication and date.

Format modules turn these facts into their own syntax, so "which URL is the
paper's" or "is this paper published" has one answer in all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from readinglist.core.links import arxiv_abs_url, arxiv_eprint
from readinglist.core.model import Paper
from readinglist.core.text import clean_text, is_safe_url

_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_DOI = re.compile(r"^10\.\d{4,9}/[^\s{}\\%\"<>]+$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.IGNORECASE)
_PROCEEDINGS = re.compile(
    r"\b(proc\.?|proceedings|conference|conf\.|workshop|symposium|meeting|"
    r"cvpr|iccv|eccv|neurips|nips|icml|iclr|acl|emnlp|naacl|aaai|ijcai|interspeech|icassp|siggraph|kdd|www)\b",
    re.IGNORECASE,
)
_URL_SAFE = "%/:?#[]@!$&'()*+,;=-._~"


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for any export, or None.

    Control characters are removed, user names and passwords are dropped
    (a token pasted into a link must not end up in a bibliography), and
    characters that would end a field or a link are percent-encoded.
    """
    if not url:
        return None
    url = clean_text(url).strip()
    if not is_safe_url(url):
        return None
    parts = urlsplit(url)
    if "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        parts = parts._replace(netloc=host)
        url = urlunsplit(parts)
        if not is_safe_url(url):
            return None
    return quote(url, safe=_URL_SAFE) or None


def doi_of(paper: Paper) -> str | None:
    """The paper's DOI, bare, when well formed."""
    if not paper.doi:
        return None
    doi = clean_text(paper.doi).strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    return doi if _DOI.match(doi) else None


def publisher_doi(paper: Paper) -> str | None:
    """A DOI of the published version (not arXiv's own DOI)."""
    doi = doi_of(paper)
    return doi if doi and not _ARXIV_DOI.match(doi) else None


def eprint_of(paper: Paper) -> str | None:
    eprint = arxiv_eprint(paper.arxiv_id)
    if eprint:
        return eprint
    doi = doi_of(paper)
    return arxiv_eprint(doi.split(".", 2)[2]) if doi and _ARXIV_DOI.match(doi) else None


def arxiv_doi(paper: Paper) -> str | None:
    """arXiv's DOI for the paper (10.48550/arXiv.ID), when it has an arXiv id."""
    eprint = eprint_of(paper)
    return f"10.48550/arXiv.{eprint}" if eprint else None


def category_of(paper: Paper) -> str | None:
    category = paper.category or (paper.categories[0] if paper.categories else None)
    return category if category and _CATEGORY.match(category) else None


def paper_url(paper: Paper) -> str | None:
    """The URL that identifies the paper: arXiv page, DOI, or its own page.

    Links found in an abstract (homepages, datasets, leaderboards) never
    stand for the paper.
    """
    eprint = eprint_of(paper)
    if eprint:
        return arxiv_abs_url(eprint)
    doi = doi_of(paper)
    if doi:
        return safe_url(f"https://doi.org/{doi}")
    return safe_url(paper.url) or safe_url(paper.pdf_url)


def other_links(paper: Paper) -> list[tuple[str, str]]:
    """(kind, url) of the code, project and other links, safe and distinct."""
    seen: dict[str, str] = {}
    for kind in ("code", "project", "other"):
        for link in paper.links.get(kind, []):
            url = safe_url(link)
            if url:
                seen.setdefault(url, kind)
    return [(kind, url) for url, kind in seen.items()]


@dataclass(frozen=True, slots=True)
class Publication:
    kind: str  # "article" or "inproceedings"
    venue: str
    doi: str | None


def publication_of(paper: Paper) -> Publication | None:
    """The published version when the paper has a publisher DOI or a journal reference."""
    venue = " ".join(clean_text(paper.venue or paper.journal_ref or "").split())
    doi = publisher_doi(paper)
    if not venue:
        return None
    kind = (paper.pub_type or "").lower()
    if kind not in {"article", "inproceedings"}:
        kind = "inproceedings" if _PROCEEDINGS.search(venue) else "article"
    return Publication(kind=kind, venue=venue, doi=doi)


def clean_field(value: str | None) -> str:
    """A short field (volume, pages, ...) as one line of text."""
    return " ".join(clean_text(value or "").split())


def year_of(paper: Paper) -> tuple[int | None, bool]:
    """The year, and whether it was only guessed from when the listing was made."""
    return paper.year, bool(paper.year and paper.date_inferred)


def iso_date(paper: Paper) -> str | None:
    """The full date when it is known (not guessed), as YYYY[-MM[-DD]]."""
    if not paper.date or paper.date_inferred:
        return None
    match = re.match(r"^(\d{4})(-\d{2})?(-\d{2})?", paper.date)
    return match.group(0) if match else None
