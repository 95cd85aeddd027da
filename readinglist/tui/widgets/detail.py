"""The detail pane: every field of the highlighted paper, as plain text."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from readinglist.core.links import arxiv_search_url
from readinglist.core.model import Annotation, Paper
from readinglist.core.text import clean_text
from readinglist.tui.widgets.virtual_height import set_virtual_height


NOTE_SHOWN_CHARS = 4000


def describe(paper: Paper, annotation: Annotation, *, local_pdf: bool = False) -> Text:
    """Rich ``Text`` built piece by piece: paper text is never parsed as
    markup, and terminal control sequences are removed from every piece."""
    text = Text()
    text.append(clean_text(paper.title), style="bold")
    text.append("\n\n")

    def field(label: str, value: str, style: str = "") -> None:
        text.append(f"{label:<10}", style="dim")
        text.append(clean_text(value) or "—", style=style)
        text.append("\n")

    authors = ", ".join(paper.authors)
    if paper.authors_truncated:
        authors += " et al."
    field("authors", authors)
    field("affil.", ", ".join(paper.affiliations))
    field("category", paper.category or "")
    date = paper.date or ""
    if paper.date and paper.date_inferred:
        date += " (year inferred)"
    field("date", date)
    if paper.arxiv_id:
        field("arXiv", paper.arxiv_url or "", style="underline")
        field("", _how_resolved(paper), style="dim")
    else:
        field("arXiv", "not resolved — o opens a title search", style="italic")
        record = paper.provenance.get("enrich") or {}
        if record.get("reason"):
            field("", f"resolve tried: {record['reason']}", style="dim")
    for kind, label in (("code", "code"), ("project", "project"), ("other", "link")):
        for url in paper.links.get(kind, []):
            field(label, url, style="underline" if kind == "code" else "")
    if paper.has_code and not paper.links.get("code"):
        field("code", "the listing says it has code (link unknown)", style="italic")
    if paper.citation_key:
        field("key", paper.citation_key, style="bold")
    if paper.venue or paper.journal_ref:
        field("published", paper.venue or paper.journal_ref or "")
    if local_pdf:
        field("pdf", "saved locally (p opens it)", style="green")
    edited = [name for name, source in paper.provenance.items() if isinstance(source, dict) and source.get("source") == "user"]
    if edited:
        field("edited", ", ".join(sorted(edited)), style="dim")
    field("id", paper.id, style="dim")
    field("listings", ", ".join(paper.listings), style="dim")
    text.append("\n")
    field("star", "★ starred" if annotation.star else "no", style="bold yellow" if annotation.star else "")
    field("status", annotation.status)
    field("tags", ", ".join(annotation.tags))
    if annotation.note:
        text.append("note\n", style="dim")
        note = annotation.note
        if len(note) > NOTE_SHOWN_CHARS:  # wrapping a huge note on every cursor move froze the app
            note = note[:NOTE_SHOWN_CHARS] + f"… ({len(annotation.note) - NOTE_SHOWN_CHARS:,} more characters: n shows it all)"
        text.append(clean_text(note, multiline=True), style="italic")
        text.append("\n")
    else:
        field("note", "")
    text.append("\n")
    text.append(clean_text(paper.abstract, multiline=True) or "(no abstract in the listing)")
    return text


def _how_resolved(paper: Paper) -> str:
    """Where the arXiv id came from, and how sure the match was."""
    source = paper.provenance.get("arxiv_id") or {}
    if not source:
        return "from the listing"
    if source.get("source") == "user":
        return "set by you"
    how = f"{source.get('match', '')} title match".strip() if source.get("match") else "found"
    score = source.get("score")
    if isinstance(score, (int, float)) and source.get("match") != "exact":
        how += f" (score {score:.2f})"
    return f"{how} via {source.get('source', 'arXiv')}"


class PaperDetail(ScrollView, can_focus=False):
    """The highlighted paper's text, wrapped to the pane and drawn a line at
    a time (Line API).

    A new paper changes only what the pane draws, never the screen's layout:
    a Static of automatic height made every cursor rest and every filter
    lay the whole screen out again and re-wrap the text, 10-20 ms in the
    frame the next keystroke waited for."""

    DEFAULT_CSS = """
    PaperDetail { padding: 0 1; overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1; }
    """

    # The pane's size comes from the stylesheet; its virtual height only
    # bounds scrolling (see set_virtual_height).
    virtual_size = Reactive(Size(0, 0), layout=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = Text("No paper selected.", style="dim")  # what the pane shows, unwrapped
        self._lines: list[Strip] | None = None  # ``text`` wrapped to ``_width``
        self._width = 0
        self._width_drawn = 0  # the width the lines last drawn were wrapped to
        self._shown_id: str | None = None  # the paper shown

    def show(self, paper: Paper | None, annotation: Annotation | None, *, local_pdf: bool = False) -> None:
        """Show ``paper``: from its top, or, shown again (a star, a tag, a
        note), where the reader was, redrawing only the lines that changed."""
        if paper is None:
            self.text = Text("No paper matches the filter.", style="dim")
        else:
            self.text = describe(paper, annotation or Annotation(), local_pdf=local_pdf)
        shown_id = paper.id if paper is not None else None
        before, again = self._lines, shown_id is not None and shown_id == self._shown_id
        self._shown_id = shown_id
        self._lines = None
        if again and before is not None and self.is_mounted and self.size.width:
            lines = self._wrapped()
            if len(lines) == len(before) and self._width_drawn == self._width:
                # A star redraws its one line: the whole pane was 5-12 ms of the frame.
                top = int(self.scroll_offset.y)
                for y in range(self.size.height):
                    row = top + y
                    if row < len(lines) and lines[row] != before[row]:
                        self.refresh(Region(0, y, self.size.width, 1))
                return
            self._measure()
            self.refresh()
            return
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._measure()
        self.refresh()

    def _wrapped(self) -> list[Strip]:
        width = max(1, self.scrollable_content_region.width)
        if self._lines is None or width != self._width:
            console = self.app.console
            lines = self.text.wrap(console, width, justify="left", overflow="fold")
            self._lines = [Strip(list(line.render(console)), line.cell_len) for line in lines]
            self._width = width
        return self._lines

    def _measure(self) -> None:
        if not self.is_mounted or not self.size.width:
            return
        set_virtual_height(self, len(self._wrapped()))

    def on_resize(self) -> None:
        self._measure()

    def render_line(self, y: int) -> Strip:
        lines = self._wrapped()
        self._width_drawn = self._width
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if row < len(lines):
            return lines[row].adjust_cell_length(width, style).apply_style(style)
        return Strip.blank(width, style)


__all__ = ["PaperDetail", "describe", "arxiv_search_url"]
