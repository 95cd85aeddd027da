"""Export for a Library: render or write papers, keeping the citation keys
assigned on the way (a key is assigned once, at a paper's first export)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readinglist.core.export import ExportOptions
    from readinglist.core.model import Annotation, Paper
    from readinglist.core.store import Store


class ExportMixin:
    """Exports (``self`` is the Library)."""

    store: Store
    _papers: list[Paper]
    _annotations: dict[str, Annotation]

    def export(self, fmt: str, papers: Sequence[Paper], options: ExportOptions, *, path: Path | None = None, force: bool = False, append: bool = False):
        """Render ``papers`` (to ``path`` when given); keys assigned now are kept.

        A citation key is assigned once, at a paper's first export, stored with
        the paper and never changed by itself, so citations in a draft keep working.
        Returns the export's ``Rendered`` (text) or ``FileReport`` (file).
        """
        from dataclasses import replace

        from readinglist.core import export

        taken = frozenset(p.citation_key for p in self._papers if p.citation_key)
        options = replace(options, taken_keys=options.taken_keys | taken)
        if path is None:
            result = export.render(fmt, papers, self._annotations, options)
        else:
            result = export.export_to_file(fmt, papers, path, self._annotations, options, force=force, append=append)
        if result.new_keys:
            self.store.update_papers({pid: {"citation_key": key} for pid, key in result.new_keys.items()})
            self.reload_papers(result.new_keys)
        return result
