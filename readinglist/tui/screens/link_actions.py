"""Links of a paper: open or copy the arXiv page and the code. Only http(s)
URLs are ever opened or copied. A mixin of ``MainScreen`` (through
``PaperActions``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from readinglist.core.links import arxiv_search_url
from readinglist.core.text import is_safe_url

if TYPE_CHECKING:
    from readinglist.core.library import Library
    from readinglist.core.model import Paper
    from readinglist.tui.screens.main import Services

MAX_OPEN = 10  # browser tabs opened at once for a selection


class LinkActions:
    """Opening and copying links (``self`` is the ``MainScreen``)."""

    library: Library
    services: Services

    def open_link(self, url: str) -> None:
        if not is_safe_url(url):
            self.notify(f"Refused to open a non-http(s) link: {url[:80]}", severity="error", timeout=6)
            return
        if self.services.opener is not None:
            self.services.opener(url)
        else:
            self.app.open_url(url)
        self.notify(f"Opening {url}", timeout=3)

    def copy_text(self, text: str) -> None:
        self.app.copy_to_clipboard(text)  # OSC 52: works over ssh
        self._copy_with_pyperclip(text)

    def copy_link(self, url: str, what: str) -> None:
        if not is_safe_url(url):
            self.notify(f"Refused to copy a non-http(s) link: {url[:80]}", severity="error", timeout=6)
            return
        self.copy_text(url)
        self.notify(f"Copied {what}: {url}", timeout=3)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def _copy_with_pyperclip(self, text: str) -> None:
        try:
            import pyperclip

            pyperclip.copy(text)
        except Exception:  # noqa: BLE001 - no system clipboard here: OSC 52 already did the job
            pass

    def action_open_arxiv(self) -> None:
        ids = self._targets_or_warn()
        if len(ids) > MAX_OPEN:
            self.notify(f"Opening the first {MAX_OPEN} of {len(ids)} selected papers", severity="warning", timeout=4)
        for pid in ids[:MAX_OPEN]:
            if paper := self.library.paper(pid):
                self.open_link(paper.arxiv_url or arxiv_search_url(paper.title))

    def _with_code_link(self, paper: Paper, then: Callable[[str], None]) -> None:
        urls = paper.code_links
        if not urls:
            hint = " (the listing says there is code: press E to look it up)" if paper.has_code else ""
            self.notify(f"No code link known{hint}", severity="warning", timeout=4)
            return
        if len(urls) == 1:
            then(urls[0])
            return
        from readinglist.tui.screens.choose import ChooseLink

        self.app.push_screen(ChooseLink("Which code link?", urls), lambda url: then(url) if url else None)

    def action_open_code(self) -> None:
        if paper := self._paper_or_warn():
            self._with_code_link(paper, self.open_link)

    def action_copy_arxiv(self) -> None:
        if paper := self._paper_or_warn():
            what = "arXiv link" if paper.arxiv_id else "arXiv search link"
            self.copy_link(paper.arxiv_url or arxiv_search_url(paper.title), what)

    def action_copy_code(self) -> None:
        if paper := self._paper_or_warn():
            self._with_code_link(paper, lambda url: self.copy_link(url, "code link"))

    # Provided by MainScreen and PaperActions.
    _targets_or_warn: Callable[[], list[str]]
    _paper_or_warn: Callable[[], Paper | None]
