"""Papers like a paper, the stars, a tag or a text: what the ranking shows a user."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from readinglist.core.model import Annotation, Paper
from readinglist.core.similar import ProfileError, SimilarityModel
from readinglist.core.text import paper_id

AUDIO = [
    ("Masked Autoencoders that Listen", ["Po-Yao Huang", "Hu Xu"], "Masked spectrogram patches of audio are reconstructed; audio classification and speech tasks."),
    ("Audio Spectrogram Transformers", ["Yuan Gong"], "A transformer over audio spectrogram patches for sound event classification."),
    ("Self-Supervised Speech and Audio Encoders", ["Wei-Ning Hsu"], "Speech and audio encoders learn from unlabeled audio with masked prediction of spectrogram frames."),
]
ROBOTS = [
    ("Robot Manipulation from Videos", ["Chelsea Finn"], "A robot learns grasping and manipulation policies from human videos."),
    ("Policies for Legged Robots", ["Sergey Levine"], "Reinforcement learning of locomotion policies for a legged robot in the real world."),
    ("Dexterous Manipulation with Tactile Sensing", ["Pieter Abbeel"], "Tactile sensing helps a robot hand with dexterous manipulation policies."),
]
OTHER = [
    ("Graph Neural Networks for Molecules", ["José Müller"], "Message passing over molecular graphs predicts chemical properties."),
    ("Scaling Laws for Language Models", ["Jared Kaplan"], "Loss falls as a power law of parameters, data and compute for language models."),
]


def make(title: str, authors: list[str], abstract: str, category: str = "cs.LG") -> Paper:
    return Paper(id=paper_id(title), title=title, authors=authors, abstract=abstract, date="2023-01-01", category=category)


@pytest.fixture
def papers() -> list[Paper]:
    groups = ((AUDIO, "cs.SD"), (ROBOTS, "cs.RO"), (OTHER, "cs.LG"))
    return [make(*entry, category=category) for entries, category in groups for entry in entries]


def titles(model: SimilarityModel, ranked: list[tuple[int, float]]) -> list[str]:
    return [model.paper(pos).title for pos, _ in ranked]  # type: ignore[union-attr]


def test_papers_like_one_paper_share_its_subject_and_leave_it_out(papers: list[Paper]) -> None:
    model = SimilarityModel(papers, {})
    ranked = model.rank(model.profile_for(papers[0].id), limit=2)
    assert set(titles(model, ranked)) == {AUDIO[1][0], AUDIO[2][0]}
    assert papers[0].title not in titles(model, model.rank(model.profile_for(papers[0].id)))


def test_a_new_star_changes_the_next_ranking(papers: list[Paper]) -> None:
    model = SimilarityModel(papers, {papers[3].id: Annotation(star=True)})
    first = model.profile_for("starred")
    assert set(titles(model, model.rank(first, limit=2))) == {ROBOTS[1][0], ROBOTS[2][0]}
    # Unchanged stars: the very same profile, nothing recomputed.
    assert model.profile_for("starred") is first
    model.update_annotation(papers[3].id, Annotation(star=False))
    model.update_annotation(papers[1].id, Annotation(star=True))
    ranked = titles(model, model.rank(model.profile_for("starred"), limit=2))
    assert set(ranked) == {AUDIO[0][0], AUDIO[2][0]}


def test_no_star_and_unknown_tag_or_paper_are_told(papers: list[Paper]) -> None:
    model = SimilarityModel(papers, {})
    with pytest.raises(ProfileError, match="starred"):
        model.profile_for("starred")
    with pytest.raises(ProfileError, match="tag"):
        model.profile_for("tag:audio")
    with pytest.raises(ProfileError, match="no paper"):
        model.profile_for("zzzzzzzzz")


def test_like_a_tag_ignores_case_and_uses_its_papers(papers: list[Paper]) -> None:
    model = SimilarityModel(papers, {papers[4].id: Annotation(tags=["Robots"]), papers[5].id: Annotation(tags=["robots"])})
    ranked = titles(model, model.rank(model.profile_for("tag:ROBOTS"), limit=1))
    assert ranked == [ROBOTS[0][0]]


def test_a_note_on_a_starred_paper_counts_as_interest(papers: list[Paper]) -> None:
    plain = SimilarityModel(papers, {papers[6].id: Annotation(star=True)})
    noted = SimilarityModel(papers, {papers[6].id: Annotation(star=True, note="compare with tactile dexterous hands")})
    assert titles(plain, plain.rank(plain.profile_for("starred"), limit=1)) != [ROBOTS[2][0]]
    assert titles(noted, noted.rank(noted.profile_for("starred"), limit=1)) == [ROBOTS[2][0]]


def test_like_a_pasted_text(papers: list[Paper]) -> None:
    model = SimilarityModel(papers, {})
    ranked = model.rank(model.profile_for(text="power law of compute and parameters"), limit=3)
    assert titles(model, ranked)[0] == OTHER[1][0]
    with pytest.raises(ProfileError):
        model.profile_for(text="the of and")  # nothing to go by


def test_reasons_name_shared_words_and_authors_as_spelled(papers: list[Paper]) -> None:
    extra = make("Molecular Graph Transformers", ["José Müller"], "Transformers over molecular graphs.")
    model = SimilarityModel([*papers, extra], {})
    profile = model.profile_for(papers[6].id)
    reasons = model.reasons(profile, model.position(extra.id), k=3)  # type: ignore[arg-type]
    assert "José Müller" in reasons and "molecular" in reasons
    assert model.reasons(profile, model.position(papers[4].id)) == []  # type: ignore[arg-type]  # robots share nothing


def test_candidates_are_ranked_and_unrelated_ones_keep_their_order(papers: list[Paper]) -> None:
    model = SimilarityModel(papers, {})
    profile = model.profile_for(papers[0].id)
    candidates = [7, 6, 2, 4]
    ranked = model.rank(profile, candidates)
    assert [pos for pos, _ in ranked][0] == 2 and ranked[0][1] > 0
    assert [pos for pos, score in ranked if score == 0] == [pos for pos in candidates if pos != 2]
    assert model.order(profile, [0, 7, 1]) == [0, 1, 7]  # a sort keeps the seed


def test_added_changed_and_removed_papers_count_without_a_rebuild(papers: list[Paper]) -> None:
    model = SimilarityModel(papers, {})
    model.build()
    profile = model.profile_for(papers[0].id)
    newcomer = make("Listening to Spectrogram Patches", ["Someone Else"], "Masked audio spectrogram patches for speech.")
    pos = model.update_paper(newcomer)
    ranked = model.rank(model.profile_for(papers[0].id), limit=1)
    assert ranked[0][0] == pos
    model.remove_paper(newcomer.id)
    assert pos not in [p for p, _ in model.rank(model.profile_for(papers[0].id))]
    # A paper whose abstract changed (enrichment) is compared by its new text.
    changed = make(ROBOTS[0][0], ROBOTS[0][1], "Audio spectrogram patches, masked, for speech and sound.")
    model.update_paper(changed)
    assert titles(model, model.rank(model.profile_for(papers[0].id), limit=1)) == [ROBOTS[0][0]]
    assert model.profile_for(papers[0].id) is not profile


def test_updates_made_while_building_are_kept(papers: list[Paper]) -> None:
    model = SimilarityModel(papers[:6], {})
    model.update_paper(papers[6])
    worker = threading.Thread(target=model.build)
    worker.start()
    model.update_paper(papers[7])
    worker.join()
    assert model.ready
    ranked = model.rank(model.profile_for(text="molecular graphs message passing"), limit=1)
    assert titles(model, ranked) == [OTHER[0][0]]


def test_ten_starred_papers_of_a_topic_bring_that_topic() -> None:
    from readinglist.bench.quality import MEDIUM, topic_precision

    # Neighbouring topics share half their words; a quarter of the papers mix two topics.
    settings = replace(MEDIUM, topics=5, papers_per_topic=150)
    hits = topic_precision(settings, seed=3, trials=2)
    assert len(hits) == 10 and min(hits) >= 18


@pytest.mark.parametrize("chunk", [1, 3])
def test_rankings_do_not_depend_on_how_postings_are_stored(papers: list[Paper], monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    from readinglist.core import similar_terms

    def rankings() -> list[list[tuple[int, float]]]:
        model = SimilarityModel(papers, {papers[0].id: Annotation(star=True)})
        model.build()
        newcomer = make("Listening to Robot Spectrograms", ["Po-Yao Huang"], "Masked audio spectrogram patches of robot manipulation sounds.")
        model.update_paper(newcomer)
        model.update_annotation(papers[3].id, Annotation(star=True))
        return [model.rank(model.profile_for(like)) for like in ("starred", papers[5].id, newcomer.id)]

    expected = rankings()  # at 8 papers the postings fit in one chunk
    monkeypatch.setattr(similar_terms, "_CHUNK", chunk)  # as at 100k papers: runs spread over many
    assert rankings() == expected


def test_rankings_after_each_star_are_a_fresh_models_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ranking after a star starts from the last one's sums: it must list
    the same papers in the same order, with the same scores, as a model
    that never ranked before, also where a term left the profile."""
    from readinglist.bench.quality import MEDIUM, topic_corpus
    from readinglist.core import similar

    taken_back: list[int] = []  # terms whose old weight a ranking took back: it started from the last sums
    add_term = similar._add_term

    def spying(postings, sums, term_id, weight):  # type: ignore[no-untyped-def]
        if weight < 0:
            taken_back.append(term_id)
        add_term(postings, sums, term_id, weight)

    monkeypatch.setattr(similar, "_add_term", spying)

    papers, _ = topic_corpus(replace(MEDIUM, topics=4, papers_per_topic=60), seed=5)
    stars: dict[str, Annotation] = {paper.id: Annotation(star=True) for paper in papers[:6]}
    model = SimilarityModel(papers, stars)
    model.rank(model.profile_for("starred"))
    steps = [paper.id for paper in papers[60:200:7]] + [paper.id for paper in papers[:3]]  # stars added, then removed
    for pid in steps:
        if pid in stars:
            del stars[pid]
        else:
            stars[pid] = Annotation(star=True)
        model.update_annotation(pid, stars.get(pid))
        fresh = SimilarityModel(papers, stars)
        assert model.rank(model.profile_for("starred")) == fresh.rank(fresh.profile_for("starred"))
        assert model.scores(model.profile_for("starred")) == fresh.scores(fresh.profile_for("starred"))
    assert taken_back  # the shortcut was taken, not only fresh passes
