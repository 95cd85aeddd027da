"""More like this, for a Library: the similarity model over the same positions
as the search index, kept current by the Library's verbs and reloads."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from readinglist.core.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from readinglist.core.model import Annotation, Paper
    from readinglist.core.similar import Profile, SimilarityModel


class RecommendMixin:
    """Ranking by likeness (``self`` is the Library)."""

    _papers: list[Paper]
    _annotations: dict[str, Annotation]
    _similar: SimilarityModel | None
    _index_lock: threading.Lock

    @property
    def similarity(self) -> SimilarityModel:
        """The more-like-this model over the same positions as the index (built on
        first ranking: seconds at 100k papers, so the app builds it in a worker)."""
        with self._index_lock:
            if self._similar is None:
                from readinglist.core.similar import SimilarityModel

                self._similar = SimilarityModel(self._papers, self._annotations)
            return self._similar

    def recommend(self, like: str | None = None, *, text: str | None = None, query: str | None = None, limit: int | None = None) -> tuple[Profile, list[tuple[int, float]]]:
        """Papers like ``like`` ("starred", "tag:NAME" or a paper id) or ``text``,
        best first, among what ``query`` selects: (profile, [(position, score)])."""
        model = self.similarity
        if text is not None:
            profile = model.profile_for(text=text)
        else:
            target = like or "starred"
            if target != "starred" and not target.startswith("tag:"):
                target = self.resolve_id(target)
            profile = model.profile_for(target)
        candidates = self.select_positions(query) if query else None
        ranked = [(pos, score) for pos, score in model.rank(profile, candidates, limit=limit) if score > 0]
        return profile, ranked

    def select_positions(self, query: str, sort: str = "date") -> Sequence[int]:
        from readinglist.core.query import QueryError, parse_query

        try:
            parsed = parse_query(query)
        except QueryError as exc:
            raise UserError(f"bad query {query!r}: {exc}") from None
        return self.search(parsed, sort=sort)

    def _like_scores(self, term) -> Sequence[float]:
        """The index's hook for like: terms and the fit sort: a score per position."""
        model = self.similarity
        target = term.value if term is not None else "starred"
        if target != "starred" and not target.startswith("tag:"):
            target = self.resolve_id(target)
        # Before the build (26 s at 100k papers): like:starred or the fit sort
        # with nothing starred is told at once, not after it.
        model.check(target)
        model.build()  # outside the model's lock, which profile_for takes
        return model.scores_by_position(model.profile_for(target))
