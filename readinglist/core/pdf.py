"""A paper's PDF in the store: downloaded from arXiv (or the DOI's open-access
link) or attached from a local file, kept as ``<home>/pdfs/<id>.pdf``.

Only http(s), a size cap, and the ``%PDF-`` signature: an HTML error page or
a truncated answer is refused. The file is written atomically, so a failed
or interrupted download never leaves a partial PDF behind.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.core.errors import UserError
from readinglist.core.fileio import atomic_write_bytes
from readinglist.core.links import arxiv_eprint
from readinglist.core.text import is_safe_url

if TYPE_CHECKING:
    from readinglist.core.enrich.client import PoliteClient
    from readinglist.core.enrich.settings import EnrichSettings
    from readinglist.core.model import Paper

PDF_DIR = "pdfs"
MAX_PDF_BYTES = 100 * 1024 * 1024
SIGNATURE = b"%PDF-"


def pdf_path(home: Path, pid: str) -> Path:
    return Path(home) / PDF_DIR / f"{pid}.pdf"


def pdf_source(paper: Paper, settings: EnrichSettings) -> str | None:
    """Where the PDF is downloaded from: arXiv first, else a known PDF link."""
    eprint = arxiv_eprint(paper.arxiv_id)
    if eprint:
        return f"{settings.arxiv_pdf.rstrip('/')}/{eprint}"
    if paper.pdf_url and is_safe_url(paper.pdf_url):
        return paper.pdf_url
    return None


def is_pdf(data: bytes) -> bool:
    # The signature may follow a little junk (the spec allows it in the first KiB).
    return SIGNATURE in data[:1024]


def download_pdf(home: Path, paper: Paper, settings: EnrichSettings, *, client: PoliteClient | None = None) -> Path:
    """Fetch the paper's PDF into the store; ``UserError`` (one line) on failure."""
    from readinglist.core.enrich.client import Cancelled, FetchError, OfflineError, PoliteClient

    url = pdf_source(paper, settings)
    if url is None:
        raise UserError(f"{paper.id} has no arXiv id or PDF link: set one with `readinglist edit {paper.id} --arxiv ID`, or attach a file")
    own = client is None
    if client is None:
        client = PoliteClient(replace(settings, max_response_bytes=MAX_PDF_BYTES))
    service = "arxiv" if arxiv_eprint(paper.arxiv_id) else "doi"
    try:
        reply = client.get(service, url)
    except OfflineError as exc:
        raise UserError(f"offline: {exc}; nothing was downloaded") from None
    except FetchError as exc:
        raise UserError(f"cannot download {url}: {exc}") from None
    except Cancelled:
        raise UserError("download cancelled; nothing was saved") from None
    finally:
        if own:
            client.close()
    if reply.status != 200:
        raise UserError(f"cannot download {url}: HTTP {reply.status}")
    if not is_pdf(reply.body):
        raise UserError(f"{url} did not answer with a PDF (no %PDF signature); nothing was saved")
    target = pdf_path(home, paper.id)
    try:
        atomic_write_bytes(target, reply.body)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def attach_pdf(home: Path, pid: str, source: Path) -> Path:
    """Copy a local PDF into the store (checked like a download)."""
    source = Path(source).expanduser()
    try:
        size = source.stat().st_size
        if not source.is_file():
            raise UserError(f"{source} is not a file")
        if size > MAX_PDF_BYTES:
            raise UserError(f"{source} is {size // (1024 * 1024)} MB; PDFs over {MAX_PDF_BYTES // (1024 * 1024)} MB are refused")
        data = source.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{source}: no such file") from None
    except OSError as exc:
        raise UserError(f"cannot read {source}: {exc.strerror or exc}") from None
    if not is_pdf(data):
        raise UserError(f"{source} is not a PDF (no %PDF signature)")
    target = pdf_path(home, pid)
    try:
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def open_with_viewer(path: Path, runner: Callable[[list[str]], object] | None = None) -> None:
    """Hand the file to the system's viewer, without waiting for it."""
    if sys.platform == "win32":  # pragma: no cover - not run on the build machines
        os.startfile(str(path))  # type: ignore[attr-defined]
        return
    command = ["open" if sys.platform == "darwin" else "xdg-open", str(path)]
    try:
        if runner is not None:
            runner(command)
        else:
            import subprocess  # here: every command asks this module for PDF_DIR, and subprocess is 10 ms to import

            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise UserError(f"saved {path}, but no viewer could be started ({command[0]}: {exc.strerror or exc})") from None
