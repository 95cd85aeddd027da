"""How good and how fast "papers like these" is: ``python -m readinglist.bench.quality``.

Prints three sets of figures (docs/recommend.md explains them):

1. **Topics.** A synthetic corpus whose papers each belong to one known
   topic. Topics overlap: neighbouring topics share part of their words,
   authors and categories, every abstract is mostly topic-free background
   text, and some papers mix in a second topic. For each topic, ten of its
   papers are starred at random and the script counts how many of the top
   20 (starred ones left out) belong to that topic.
2. **Built-in corpus.** The papers most like a few hand-picked papers of
   the built-in corpus, with their reasons, to be judged by eye.
3. **Speed** (``--speed N``): build time, memory and the time of one
   ranking of the whole library for ``like:starred`` with 20 starred papers.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import threading
import time
from dataclasses import dataclass

from readinglist.core.model import Annotation, Paper
from readinglist.core.similar import SimilarityModel
from readinglist.core.text import paper_id

_SYLLABLES = "ba de ki lo mu na pe ri so tu va xe zo qui fra gle sto pran mel dor vik".split()


@dataclass(frozen=True)
class TopicSettings:
    """The knobs of the topic corpus; ``MEDIUM`` and ``HARD`` turn each towards confusion."""

    topics: int = 8
    papers_per_topic: int = 400
    words_per_topic: int = 80
    shared_with_neighbour: float = 0.4  # share of a topic's words also in the next topic's list
    topic_share: float = 0.2  # share of an abstract's words drawn from its topic
    mixed_papers: float = 0.15  # papers whose topic words come half from a neighbouring topic
    abstract_words: int = 160


EASY = TopicSettings()  # even counting shared words separates these topics
MEDIUM = TopicSettings(shared_with_neighbour=0.5, topic_share=0.12, mixed_papers=0.25)
HARD = TopicSettings(shared_with_neighbour=0.6, topic_share=0.06, mixed_papers=0.3)  # shared words fail here


def _words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    found: list[str] = []
    while len(found) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            found.append(word)
    return found


def topic_corpus(settings: TopicSettings = EASY, seed: int = 0) -> tuple[list[Paper], list[int]]:
    """Papers and the topic of each (same seed, same corpus)."""
    rng = random.Random(seed)
    taken: set[str] = set()
    background = _words(rng, 5000, taken)
    background_weights = [1.0 / rank for rank in range(1, len(background) + 1)]
    own = [_words(rng, settings.words_per_topic, taken) for _ in range(settings.topics)]
    shared = int(settings.words_per_topic * settings.shared_with_neighbour)
    # Topic t's list: its own words plus a slice of the next topic's, so
    # neighbours on the ring speak partly the same language.
    vocab = [own[t] + own[(t + 1) % settings.topics][:shared] for t in range(settings.topics)]
    people = [f"{rng.choice(_SYLLABLES).title()} {''.join(rng.sample(_SYLLABLES, 2)).title()}" for _ in range(600)]
    authors = [rng.sample(people, 40) for _ in range(settings.topics)]
    categories = ["cs.CV", "cs.LG", "cs.CL", "cs.RO"]
    papers: list[Paper] = []
    labels: list[int] = []
    for t in range(settings.topics):
        for _ in range(settings.papers_per_topic):
            mixed = rng.random() < settings.mixed_papers
            other = (t + rng.choice((-1, 1))) % settings.topics
            n_topic = int(settings.abstract_words * settings.topic_share)
            topic_words = rng.choices(vocab[t], k=n_topic)
            if mixed:
                topic_words = topic_words[: n_topic // 2] + rng.choices(vocab[other], k=n_topic - n_topic // 2)
            text = rng.choices(background, weights=background_weights, k=settings.abstract_words - n_topic) + topic_words
            rng.shuffle(text)
            title_words = rng.choices(background, weights=background_weights, k=5) + rng.choices(vocab[t], k=2)
            rng.shuffle(title_words)
            title = " ".join(title_words).capitalize() + f" {len(papers)}"
            names = rng.sample(authors[t], 2) + rng.sample(people, rng.randint(1, 4))
            papers.append(
                Paper(
                    id=paper_id(title),
                    title=title,
                    authors=names,
                    category=categories[(t + (rng.random() < 0.3)) % len(categories)],
                    date=f"{2018 + rng.randrange(9)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    abstract=" ".join(text).capitalize() + ".",
                )
            )
            labels.append(t)
    return papers, labels


def topic_precision(
    settings: TopicSettings, seed: int = 0, trials: int = 5, starred: int = 10, top: int = 20, *, baseline: bool = False
) -> list[int]:
    """For each topic and trial: how many of the top ``top`` share the starred papers' topic.

    ``baseline`` ranks by the naive measure instead: how many distinct words
    a paper shares with the starred papers (no weighting, no stopwords).
    """
    papers, labels = topic_corpus(settings, seed)
    model = SimilarityModel(papers, {})
    model.build()
    bags = [set(f"{p.title} {p.abstract}".lower().split()) | set(p.authors) for p in papers] if baseline else []
    rng = random.Random(seed + 1)
    hits: list[int] = []
    for topic in range(settings.topics):
        members = [pos for pos, label in enumerate(labels) if label == topic]
        for _ in range(trials):
            chosen = rng.sample(members, starred)
            if baseline:
                liked = set().union(*(bags[pos] for pos in chosen))
                others = [pos for pos in range(len(papers)) if pos not in chosen]
                best = sorted(others, key=lambda pos: len(bags[pos] & liked), reverse=True)[:top]
                hits.append(sum(labels[pos] == topic for pos in best))
                continue
            for pos in chosen:
                model.update_annotation(papers[pos].id, Annotation(star=True))
            ranked = model.rank(model.profile_for("starred"), limit=top)
            hits.append(sum(labels[pos] == topic for pos, _ in ranked))
            for pos in chosen:
                model.update_annotation(papers[pos].id, None)
    return hits


def report_topics(seed: int) -> None:
    print("## Topics: ten starred papers of one topic, papers of that topic in the top 20")
    print("(chance: 20 / number of topics; 'shared words' ranks by distinct words in common, unweighted)")
    for name, settings in (("easy", EASY), ("medium", MEDIUM), ("hard", HARD)):
        n = settings.topics * settings.papers_per_topic
        print(
            f"{name} ({n} papers, {settings.topics} topics, {settings.topic_share:.0%} topic words, "
            f"{settings.shared_with_neighbour:.0%} of them shared with the next topic, {settings.mixed_papers:.0%} mixed papers):"
        )
        for method, baseline in (("similarity model", False), ("shared words", True)):
            hits = topic_precision(settings, seed=seed, baseline=baseline)
            print(
                f"  {method:16}  mean {statistics.mean(hits):4.1f}/20, min {min(hits):2}, "
                f"{sum(h >= 18 for h in hits)}/{len(hits)} rankings with at least 18"
            )


BUILTIN_CHECKS = (
    "Masked Autoencoders that Listen",
    "Demystifying CLIP Data",
    "Robots Pre-train Robots: Manipulation-Centric Robotic Representation from Large-Scale Robot Dataset",
)


def builtin_papers() -> list[Paper]:
    """The built-in corpus, as a fresh store imports it (in a temporary directory)."""
    import tempfile
    from pathlib import Path

    from readinglist.core.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        return Store.open(Path(tmp) / "store", year=2026).papers()


def report_builtin(titles: tuple[str, ...] = BUILTIN_CHECKS, top: int = 10) -> None:
    print("\n## Built-in corpus: papers like a few papers, to judge by eye")
    papers = builtin_papers()
    model = SimilarityModel(papers, {})
    for title in titles:
        paper = next((p for p in papers if p.title == title), None)
        if paper is None:
            print(f"\n{title}: not in the built-in corpus")
            continue
        profile = model.profile_for(paper.id)
        print(f"\nlike {title!r}:")
        for pos, score in model.rank(profile, limit=top):
            reasons = ", ".join(model.reasons(profile, pos))
            print(f"  {score:.3f}  {papers[pos].title[:68]:68}  [{reasons}]")



def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 1e6


class _PeakRSS:
    """Samples the resident size every 20 ms: the peak of a build, not the process's lifetime peak."""

    def __init__(self) -> None:
        self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self) -> _PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(action) -> tuple[float, float]:
    """Wall and CPU seconds of ``action()``: on a shared machine the CPU time says what the code costs."""
    wall, cpu = time.perf_counter(), time.thread_time()
    action()
    return time.perf_counter() - wall, time.thread_time() - cpu


def report_speed(n: int, runs: int = 50, starred: int = 20, seed: int = 0) -> None:
    from readinglist.bench.synth import synthetic_papers

    print(f"\n## Speed at {n:,} synthetic papers ({starred} starred, {runs} rankings)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    papers = synthetic_papers(n, seed=seed)
    rng = random.Random(seed)
    stars = {paper.id: Annotation(star=True) for paper in rng.sample(papers, starred)}
    # As the store does after loading: the papers are long-lived, so the
    # collector should not walk them on every pass.
    gc.collect()
    gc.freeze()
    before = _rss_mb()
    model = SimilarityModel(papers, stars)
    with _PeakRSS() as peak:
        wall, cpu = _timed(model.build)
    gc.collect()
    kept = _rss_mb() - before
    print(f"build: {wall:.1f} s ({cpu:.1f} s CPU); memory: {kept:.0f} MB kept, {peak.peak - before:.0f} MB at the peak of the build")

    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in _SPEED_CASES}
    for run in range(runs):
        # Another star: a new profile and new scores, as after pressing s.
        other = papers[run]
        model.update_annotation(other.id, Annotation(star=True))
        timings[_SPEED_CASES[0]].append(_timed(lambda: model.order(model.profile_for("starred"))))
        timings[_SPEED_CASES[1]].append(_timed(lambda: model.order(model.profile_for("starred"))))
        timings[_SPEED_CASES[2]].append(_timed(lambda: model.rank(model.profile_for("starred"), limit=20)))
        timings[_SPEED_CASES[3]].append(_timed(lambda: model.rank(model.profile_for("starred"))))
        model.update_annotation(other.id, stars.get(other.id))
    for name, values in timings.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(
            f"{name}: p50 {_percentile(walls, 0.5) * 1e3:.1f} ms, p95 {_percentile(walls, 0.95) * 1e3:.1f} ms "
            f"(CPU p50 {_percentile(cpus, 0.5) * 1e3:.1f} ms, p95 {_percentile(cpus, 0.95) * 1e3:.1f} ms)"
        )


_SPEED_CASES = (
    "whole library ordered, a star just changed",
    "whole library ordered again, nothing changed",
    "top 20 with scores, nothing changed",
    "whole library with scores, nothing changed",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m readinglist.bench.quality", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="another topic corpus (default 0)")
    parser.add_argument("--speed", type=int, metavar="N", default=0, help="also time the model at N synthetic papers, e.g. 100000")
    parser.add_argument("--speed-only", action="store_true", help="skip the quality figures")
    args = parser.parse_args(argv)
    if not args.speed_only:
        report_topics(args.seed)
        report_builtin()
    if args.speed:
        report_speed(args.speed, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
