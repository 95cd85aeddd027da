"""Title matching: exact accepted, close only with a second signal, never a guess."""

from __future__ import annotations

from readinglist.core.enrich.arxiv import ArxivEntry
from readinglist.core.enrich.match import CLOSE, EXACT, decide, title_similarity
from readinglist.core.model import Paper
from readinglist.core.text import paper_id


def paper(title: str, **fields: object) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)  # type: ignore[arg-type]


def entry(title: str, arxiv_id: str = "2111.06377", **fields: object) -> ArxivEntry:
    return ArxivEntry(arxiv_id=arxiv_id, title=title, **fields)  # type: ignore[arg-type]


def test_exact_title_after_normalisation_is_accepted() -> None:
    decision = decide(paper("Masked Autoencoders: Are Scalable Vision-Learners"), [entry("masked autoencoders are scalable vision learners")])
    assert decision.match is not None
    assert decision.match.kind == EXACT and decision.match.score == 1.0


def test_accents_and_case_do_not_prevent_an_exact_match() -> None:
    decision = decide(paper("Éléments of Style"), [entry("Elements of style")])
    assert decision.match is not None and decision.match.kind == EXACT


def test_close_title_backed_by_a_shared_author_surname_is_accepted() -> None:
    p = paper("Masked Autoencoders Are Scalable Vision Learner", authors=["K. He", "X. Chen"])
    decision = decide(p, [entry("Masked Autoencoders Are Scalable Vision Learners", authors=["Kaiming He"])])
    assert decision.match is not None
    assert decision.match.kind == CLOSE
    assert decision.match.signals == ["author he"]
    assert 0.95 <= decision.match.score < 1.0


def test_close_title_backed_by_category_or_date_is_accepted() -> None:
    by_category = paper("Masked Autoencoders Are Scalable Vision Learner", category="cs.CV")
    by_date = paper("Masked Autoencoders Are Scalable Vision Learner", date="2021-11-14")
    hit = entry("Masked Autoencoders Are Scalable Vision Learners", primary_category="cs.CV", published="2021-11-11")
    assert decide(by_category, [hit]).match is not None
    match = decide(by_date, [hit]).match
    assert match is not None and match.signals == ["date within 3 days"]


def test_close_title_without_a_second_signal_is_rejected() -> None:
    p = paper("Masked Autoencoders Are Scalable Vision Learner", authors=["Someone Else"], category="cs.LG")
    decision = decide(p, [entry("Masked Autoencoders Are Scalable Vision Learners", authors=["Kaiming He"], primary_category="cs.CV")])
    assert decision.match is None
    assert "no author, category or date agrees" in decision.reason


def test_an_inferred_date_is_no_evidence() -> None:
    p = paper("Masked Autoencoders Are Scalable Vision Learner", date="2021-11-11", date_inferred=True)
    assert decide(p, [entry("Masked Autoencoders Are Scalable Vision Learners", published="2021-11-11")]).match is None


def test_near_miss_title_is_rejected_even_with_every_other_signal() -> None:
    p = paper("Vision Transformers Need Registers", authors=["Timothée Darcet"], category="cs.CV", date="2025-01-01")
    hit = entry(
        "Vision Transformers Need Registers for Dense Prediction",
        authors=["Timothée Darcet"],
        primary_category="cs.CV",
        published="2025-01-01",
    )
    decision = decide(p, [hit])
    assert decision.match is None
    assert decision.reason.startswith("closest arXiv title differs")


def test_one_word_swapped_is_not_close() -> None:
    score, close = title_similarity("Masked Autoencoders that Listen", "Masked Autoencoders that See")
    assert not close


def test_no_hit_is_unresolved() -> None:
    assert decide(paper("Anything"), []).reason == "no arXiv hit"


def test_two_papers_with_the_same_title_need_a_signal_to_choose() -> None:
    p = paper("Segment Anything", authors=["Alexander Kirillov"])
    a = entry("Segment Anything", "2304.02643", authors=["Alexander Kirillov"])
    b = entry("Segment anything", "2401.99999", authors=["Another Person"])
    match = decide(p, [b, a]).match
    assert match is not None and match.entry.arxiv_id == "2304.02643"
    assert decide(paper("Segment Anything"), [a, b]).match is None


def test_the_exact_hit_wins_over_close_ones() -> None:
    p = paper("Segment Anything")
    match = decide(p, [entry("Segment Anything Model", "2401.00001"), entry("Segment Anything", "2304.02643")]).match
    assert match is not None and match.entry.arxiv_id == "2304.02643"


def test_misspellings_and_split_compounds_are_close() -> None:
    assert title_similarity("Masked Auto-Encoders Are Scalable Vision Learner", "Masked Autoencoders Are Scalable Vision Learners")[1]
    assert title_similarity("Learning Transferable Visual Models from Natural Language Supervison", "Learning Transferable Visual Models From Natural Language Supervision")[1]
    assert title_similarity("A Survey of Large Language Models", "Survey of Large Language Models")[1]


def test_a_changed_word_in_a_long_title_is_never_close() -> None:
    long_tail = "with Latent Diffusion Models for High Resolution Shape Generation"
    assert not title_similarity(f"Scalable 3D Reconstruction {long_tail}", f"Scalable 2D Reconstruction {long_tail}")[1]
    assert not title_similarity(f"Large Scale Reconstruction {long_tail}", f"Small Scale Reconstruction {long_tail}")[1]
    assert not title_similarity(f"Reconstruction {long_tail}", f"Fast Reconstruction {long_tail}")[1]
