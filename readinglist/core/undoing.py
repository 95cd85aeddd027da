"""Undo and redo for a Library: its own changes, newest first.

Every Library verb writes one journal group (a bulk change is one group);
undo writes the values from before that group back through the store, which
journals the undo as a group of its own, so redo is undoing the undo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readinglist.core.annotating import Undo
    from readinglist.core.library import Changes
    from readinglist.core.store import Store


class UndoMixin:
    """Undo and redo (``self`` is the Library)."""

    store: Store
    _undo: list[str]  # journal groups this library made, newest last
    _redo: list[str]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> tuple[Changes, Undo | None]:
        """Undo the last change this library made (a bulk change as one step)."""
        if not self._undo:
            return Changes(), None
        result = self.store.undo(self._undo.pop())
        if result.group is not None:
            self._redo.append(result.group)
        return self._after_undo(result), result

    def redo(self) -> tuple[Changes, Undo | None]:
        """Make again what the last undo took back."""
        if not self._redo:
            return Changes(), None
        result = self.store.undo(self._redo.pop())
        if result.group is not None:
            self._undo.append(result.group)
        return self._after_undo(result), result

    def _after_undo(self, result: Undo) -> Changes:
        from readinglist.core.library import Changes

        changes = Changes()
        if any(c.field in ("trashed", "added") or c.field.startswith("paper.") for c in result.undone):
            changes |= self.reload_papers(None)  # papers came back, went, or changed
            self._annotations = dict(self.store.annotations())
            if self._index is not None and not changes.reloaded:
                for pid in {c.pid for c in result.undone}:
                    self._index.update_annotation(pid, self._annotations.get(pid))
        for change in result.undone:
            if change.pid not in changes.annotations and self.position(change.pid) is not None:
                self._took(change.pid, self.store.annotation(change.pid))
                changes.annotations.add(change.pid)
        return changes

