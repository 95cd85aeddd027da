"""Export papers to BibTeX, biblatex, CSL-JSON, RIS and Markdown.

The CLI and the app call :func:`render` (text for stdout or the clipboard)
or :func:`export_to_file`. Both are pure with respect to the store: keys
assigned now come back in ``new_keys`` and the caller stores them.
Paper text is untrusted: control sequences are stripped, only http(s) URLs
are exported (without credentials), and every character that BibTeX, LaTeX
or Markdown would interpret is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from readinglist.core.errors import UserError
from readinglist.core.export.biblatex import biblatex_entry, to_biblatex
from readinglist.core.export.bibtex import bibtex_entry, distinct, to_bibtex
from readinglist.core.export.csl import to_csl
from readinglist.core.export.fields import paper_url as identity_url
from readinglist.core.export.fields import safe_url
from readinglist.core.export.files import (
    MAX_EXISTING_BYTES,
    ExistingFile,
    FileReport,
    bib_entries,
    bibtex_keys_in,
    read_existing,
    write_export,
)
from readinglist.core.export.keys import KeyAssignment, assign_keys, base_key
from readinglist.core.export.latex import latex_authors, latex_escape, latex_title
from readinglist.core.export.markdown import md_escape, md_url, paper_url, search_url, short_authors, to_markdown
from readinglist.core.export.options import FORMATS, GROUPINGS, ExportOptions, Rendered
from readinglist.core.export.ris import to_ris
from readinglist.core.model import Annotation, Paper

__all__ = [
    "FORMATS", "GROUPINGS", "MAX_EXISTING_BYTES", "ExistingFile", "ExportOptions", "FileReport",
    "KeyAssignment", "Rendered", "assign_keys", "base_key", "bib_entries", "biblatex_entry",
    "bibtex_entry", "bibtex_keys_in", "export_to_file", "identity_url", "incomplete_warning",
    "latex_authors", "latex_escape", "latex_title", "md_escape", "md_url", "paper_url",
    "read_existing", "render", "safe_url", "search_url", "short_authors", "to_biblatex",
    "to_bibtex", "to_csl", "to_markdown", "to_ris", "write_export",
]  # fmt: skip

_RENDERERS = {"bib": to_bibtex, "biblatex": to_biblatex, "csl": to_csl, "ris": to_ris}
FORMAT_NAMES = {"bib": "BibTeX", "biblatex": "biblatex", "csl": "CSL-JSON", "ris": "RIS", "md": "Markdown"}


def incomplete_warning(papers: list[Paper]) -> str | None:
    """One line saying how many papers lack authors or a year, and what to do."""
    no_authors = sum(1 for p in papers if not any(a.strip() for a in p.authors))
    no_year = sum(1 for p in papers if not p.year)
    guessed = sum(1 for p in papers if p.year and p.date_inferred)
    if not (no_authors or no_year or guessed):
        return None
    parts = []
    if no_authors:
        parts.append(f"{no_authors} without authors")
    if no_year:
        parts.append(f"{no_year} without a year")
    if guessed:
        parts.append(f"{guessed} with a guessed year (marked as uncertain)")
    return (
        f"{len(papers)} papers exported, {', '.join(parts)}: "
        "`readinglist enrich` looks them up, `readinglist add ID` adds a paper by its arXiv id or DOI"
    )


def render(
    fmt: str,
    papers: Iterable[Paper],
    annotations: Mapping[str, Annotation] | None = None,
    options: ExportOptions = ExportOptions(),
) -> Rendered:
    """The papers in ``fmt`` (one of FORMATS), with the keys to store and warnings."""
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    papers = distinct(papers)
    annotations = annotations or {}
    if fmt == "md":
        text = to_markdown(
            papers, annotations, title=options.title, group_by=options.group_by, abstracts=options.abstracts
        )
        return Rendered(text)
    assignment = assign_keys(papers, options.taken_keys)
    text = _RENDERERS[fmt](papers, keys=assignment.keys, annotations=annotations, options=options)
    warning = incomplete_warning(papers)
    return Rendered(text, dict(assignment.new), [warning] if warning else [])


def export_to_file(
    fmt: str,
    papers: Iterable[Paper],
    path: Path,
    annotations: Mapping[str, Annotation] | None = None,
    options: ExportOptions = ExportOptions(),
    *,
    force: bool = False,
    append: bool = False,
) -> FileReport:
    """Render and write in one step; with ``append``, papers already in the file are skipped."""
    papers = distinct(papers)
    report = FileReport(path=Path(path))
    existing: ExistingFile | None = None
    if append:
        existing = read_existing(path, fmt)
        if fmt == "csl" and existing.data.strip():
            raise UserError(f"{path}: a CSL-JSON file is one JSON array and cannot be appended to; write a new file with -o")
        report.skipped = [p for p in papers if existing.holds(p)]
        papers = [p for p in papers if not existing.holds(p)]
        options = replace(options, taken_keys=options.taken_keys | existing.keys)
        if not papers:
            return report
    rendered = render(fmt, papers, annotations, options)
    write_export(path, rendered.text, force=force, append=append, existing=existing)
    report.written = papers
    report.new_keys = rendered.new_keys
    report.warnings = rendered.warnings
    return report
