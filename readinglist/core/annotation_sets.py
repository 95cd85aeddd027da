"""The index's view of the user's annotations: stars, statuses, tags and notes.

Few papers carry an annotation, so they are kept per paper number and turned
into bitsets (``readinglist.core.bitsets``) on demand, remembered until the
next change.
"""

from __future__ import annotations

from collections.abc import Callable

from readinglist.core.bitsets import bits_of, bits_of_few
from readinglist.core.model import Annotation
from readinglist.core.tags import tag_key
from readinglist.core.word_index import PART_SEPARATOR, normalized

# tags as words, the note's words, each tag's key
AnnotationText = tuple[str, str, tuple[str, ...]]


class AnnotationSets:
    """Sets of papers by annotation, for ``is:``, ``has:note``, ``has:tags``, ``tag:``, ``note:`` and free words."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.by_iid: dict[int, Annotation] = {}
        self._starred: set[int] = set()
        self._reading: set[int] = set()
        self._read: set[int] = set()
        self._noted: set[int] = set()
        self._tagged: set[int] = set()
        self._text: dict[int, AnnotationText] = {}
        self._bits: dict[str, int] = {}

    def set(self, iid: int, annotation: Annotation | None) -> None:
        """Paper ``iid`` now has ``annotation`` (None: no annotation)."""
        for members in (self._starred, self._reading, self._read, self._noted, self._tagged):
            members.discard(iid)
        self.by_iid.pop(iid, None)
        self._text.pop(iid, None)
        self._bits.clear()
        if annotation is None:
            return
        self.by_iid[iid] = annotation
        if annotation.star:
            self._starred.add(iid)
        if annotation.status == "reading":
            self._reading.add(iid)
        elif annotation.status == "read":
            self._read.add(iid)
        tags = [tag for tag in annotation.tags if tag.strip()]
        note = annotation.note.strip()
        if tags:
            self._tagged.add(iid)
        if note:
            self._noted.add(iid)
        if tags or note:
            tag_words = PART_SEPARATOR.join(normalized(tag).strip() for tag in tags)
            keys = tuple(tag_key(tag) for tag in tags)
            self._text[iid] = (f" {tag_words} ", normalized(note), keys)

    def flag(self, name: str, everything: int) -> int:
        """``is:starred``, ``is:reading``, ``is:read``, ``is:unread``, ``has:note`` or ``has:tags``."""
        bits = self._bits.get(name)
        if bits is not None:
            return bits
        n = self.n
        if name == "is:starred":
            bits = bits_of(self._starred, n)
        elif name == "is:reading":
            bits = bits_of(self._reading, n)
        elif name == "is:read":
            bits = bits_of(self._read, n)
        elif name == "is:unread":
            bits = everything & ~bits_of(self._reading | self._read, n)
        elif name == "has:note":
            bits = bits_of(self._noted, n)
        elif name == "has:tags":
            bits = bits_of(self._tagged, n)
        else:
            raise ValueError(name)
        self._bits[name] = bits
        return bits

    def _matching(self, test: Callable[[str, str, tuple[str, ...]], bool]) -> int:
        hits = [iid for iid, (tags, note, keys) in self._text.items() if test(tags, note, keys)]
        return bits_of_few(hits, self.n)

    def words_set(self, pattern: str) -> int:
        """Papers whose tags or note contain ``pattern`` (see ``word_index.pattern``)."""
        return self._matching(lambda tags, note, _keys: pattern in tags or pattern in note)

    def note_set(self, pattern: str) -> int:
        return self._matching(lambda _tags, note, _keys: pattern in note)

    def tag_set(self, key: str) -> int:
        """Papers with a tag whose key starts with ``key``."""
        return self._matching(lambda _tags, _note, keys: any(k.startswith(key) for k in keys))

    def changed(self) -> list[tuple[int, str]]:
        """(paper number, when its annotation last changed), for the papers that say."""
        return [(iid, a.updated) for iid, a in self.by_iid.items() if a.updated]
