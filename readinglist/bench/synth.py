"""Deterministic synthetic corpora for benchmarks and tests.

The shape follows real listings: a title of about 80 characters, 3 to 12
authors (some with accented names), an abstract of about 1,200 characters
drawn from a Zipf-like vocabulary (a few very common words, a long tail of
rare ones), arXiv categories, dates from 2018 to 2026 (a few missing), code
links on roughly 40% of papers and arXiv ids on most.

The same ``(n, seed)`` always gives the same papers, whatever the hash seed.
"""

from __future__ import annotations

import itertools
import random

from readinglist.core.model import Paper, Source
from readinglist.core.text import paper_id

# Ranked by how often they occur: earlier words are drawn far more often.
_COMMON = (
    "the of and to a in we for is that on with this by our as are from an be which "
    "can model learning data it method results show these using its at or not performance "
    "approach propose based training both than such new tasks task models network "
    "methods while more also into state images image paper two large between framework "
    "accuracy each first however only time through neural multiple language features "
    "representation different vision deep has been over benchmark existing has other "
    "all semantic demonstrate achieves prior outperforms recent scale object objects "
    "efficient generation generative diffusion transformer transformers attention "
    "self supervised pre trained pretraining fine tuning zero shot few video videos "
    "text visual representations contrastive masked autoencoder autoencoders encoder "
    "decoder tokens token layer layers loss function optimization gradient policy "
    "reinforcement agent agents reward robot robotic manipulation navigation scene "
    "scenes 3d depth point cloud clouds segmentation detection classification "
    "recognition retrieval reasoning question answering instruction alignment human "
    "feedback preference reward evaluation dataset datasets benchmarks metric metrics "
    "sampling noise latent space embedding embeddings graph graphs node nodes "
    "convolutional convolution kernel sparse dense efficient inference memory compute "
    "parameters parameter scaling law laws emergent capabilities robustness "
    "adversarial attack attacks defense privacy federated distributed speech audio "
    "spectrogram music sound generation synthesis rendering radiance field fields "
    "neural implicit surface mesh geometry pose estimation tracking motion temporal "
    "spatial long context window sequence sequences recurrent state space mamba "
    "linear quadratic complexity theoretical analysis bound bounds convergence "
    "stochastic variational bayesian uncertainty calibration distribution shift "
    "domain adaptation generalization transfer continual lifelong meta prompt "
    "prompts prompting chain thought reasoning mathematical code program synthesis "
    "retrieval augmented knowledge factual hallucination safety red teaming "
    "interpretability mechanistic circuits features probing editing unlearning "
    "quantization pruning distillation compression hardware latency throughput"
).split()

_SYLLABLES = (
    "ka ro mi tu sel var ion eth ul dra pen ox fi lat qu om ber nix tal zo ab ic "
    "mor shen ga lu pri vek sta ren do hal im cyt rho tor ex gen"
).split()

_FIRST_NAMES = (
    "Wei Li Yang Hu Xu Yu Jun Hao Chen Ming Po-Yao Juncheng Saining Xiaoqing Kaiming "
    "Ross Piotr Alexei Jitendra Yann Fei-Fei Andrej Ilya Geoffrey Yoshua Aaron Oriol "
    "Sergey Chelsea Pieter Percy Christopher Diyi Tatsunori Jacob Noam Ashish Niki "
    "José María Zoë Jörg Søren Élodie François Łukasz Müge Ayşe Renée Andrés Björn "
    "Ólafur Mónica Nuño Ingrid Priya Arjun Ananya Rohan Kavya Sanjay Aditi Dmitry "
    "Olga Ivan Natalia Anna Lucas Mateo Sofia Emma Liam Noah Amara Kwame Chiamaka"
).split()

_LAST_NAMES = (
    "Huang Xu Li Wang Zhang Chen Liu Yang Zhao Wu Zhou Sun He Xie Tan Girshick "
    "Dollár Efros Malik LeCun Karpathy Sutskever Hinton Bengio Courville Vinyals "
    "Levine Finn Abbeel Liang Manning Yang Hashimoto Devlin Shazeer Vaswani Parmar "
    "Müller Schölkopf Gómez Pérez Martínez Łukaszewicz Øvrebø Sánchez Novák Dvořák "
    "Şahin Yılmaz Nguyễn Trần Kowalski Ivanov Petrov Smirnova Rossi Bianchi Dubois "
    "Lefèvre García Fernández Silva Santos Okafor Mensah Patel Sharma Gupta Iyer Rao "
    "Kim Park Lee Choi Tanaka Suzuki Sato Watanabe"
).split()

_AFFILIATIONS = (
    "meta-ai google deepmind openai mit stanford berkeley cmu oxford eth-zurich "
    "tsinghua peking microsoft nvidia inria mila toronto kaist tokyo"
).split()

# Weighted like a computer-vision-heavy reading list.
_CATEGORIES = (
    ("cs.CV", 30), ("cs.LG", 20), ("cs.CL", 15), ("cs.AI", 6), ("stat.ML", 4),
    ("cs.RO", 5), ("eess.IV", 3), ("cs.SD", 2), ("eess.AS", 2), ("cs.GR", 2),
    ("cs.IR", 1), ("cs.NE", 1), ("math.OC", 1), ("cs.CR", 1), ("q-bio.NC", 1),
)

_CONNECTORS = ("for", "with", "via", "from", "in", "of", "and", "beyond", "without", ":")

_VOCAB_SIZE = 40_000
_ZIPF_EXPONENT = 1.05
_FIRST_YEAR, _LAST_YEAR = 2018, 2026


def _pseudo_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    result: list[str] = []
    while len(result) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            result.append(word)
    return result


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    common = list(dict.fromkeys(_COMMON))
    rare = _pseudo_words(rng, _VOCAB_SIZE - len(common), set(common))
    vocab = common + rare
    cumulative = list(itertools.accumulate(1.0 / (rank**_ZIPF_EXPONENT) for rank in range(1, len(vocab) + 1)))
    return vocab, cumulative


class _WordStream:
    """Zipf-distributed words, drawn once into a pool and read back in slices.

    Drawing every word with ``random.choices`` costs about 20 s at 100k
    papers; slicing a large pool at random offsets keeps the distribution and
    costs a fraction of that.
    """

    def __init__(self, rng: random.Random, vocab: list[str], cumulative: list[float], size: int) -> None:
        self.rng = rng
        self.pool = rng.choices(vocab, cum_weights=cumulative, k=size)
        # Titles lean on content words, not on "the" and "of".
        self.content = [w for w in rng.choices(vocab, cum_weights=cumulative, k=size // 4) if w not in _STOP]

    def words(self, count: int) -> list[str]:
        start = self.rng.randrange(len(self.pool) - count)
        return self.pool[start : start + count]

    def content_words(self, count: int) -> list[str]:
        start = self.rng.randrange(len(self.content) - count)
        return self.content[start : start + count]


_STOP = frozenset(_COMMON[:40])


def _abstract(rng: random.Random, stream: _WordStream) -> str:
    target = rng.randint(900, 1500)
    sentences: list[str] = []
    size = 0
    while size < target:
        chosen = stream.words(rng.randint(12, 30))
        sentence = " ".join(chosen).capitalize() + "."
        sentences.append(sentence)
        size += len(sentence) + 1
    return " ".join(sentences)


def _title(rng: random.Random, stream: _WordStream) -> str:
    chosen = [w.capitalize() for w in stream.content_words(rng.randint(7, 10))]
    cut = rng.randint(2, len(chosen) - 2)
    connector = rng.choice(_CONNECTORS)
    if connector == ":":
        return " ".join(chosen[:cut]) + ": " + " ".join(chosen[cut:])
    return " ".join(chosen[:cut] + [connector] + chosen[cut:])


def _authors(rng: random.Random) -> list[str]:
    return [f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}" for _ in range(rng.randint(3, 12))]


def _date(rng: random.Random) -> str | None:
    if rng.random() < 0.01:
        return None
    year = rng.randint(_FIRST_YEAR, _LAST_YEAR)
    return f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _category(rng: random.Random) -> str | None:
    if rng.random() < 0.03:
        return None
    names = [name for name, _ in _CATEGORIES]
    weights = [weight for _, weight in _CATEGORIES]
    return rng.choices(names, weights=weights, k=1)[0]


def synthetic_papers(n: int, seed: int = 0) -> list[Paper]:
    """``n`` distinct, realistic-looking papers; deterministic in ``seed``."""
    rng = random.Random(seed)
    vocab, cumulative = _vocabulary(rng)
    stream = _WordStream(rng, vocab, cumulative, size=min(2_000_000, 20_000 + n * 40))
    papers: list[Paper] = []
    seen_ids: set[str] = set()
    while len(papers) < n:
        title = _title(rng, stream)
        pid = paper_id(title)
        if pid in seen_ids:
            continue
        seen_ids.add(pid)
        date = _date(rng)
        has_code = rng.random() < 0.4
        links: dict[str, list[str]] = {}
        if has_code:
            links["code"] = [f"https://github.com/{rng.choice(_LAST_NAMES).lower()}/{pid}"]
        if rng.random() < 0.1:
            links["project"] = [f"https://{pid}.github.io/"]
        arxiv_id = None
        if date is not None and rng.random() < 0.7:
            arxiv_id = f"{date[2:4]}{date[5:7]}.{rng.randint(1, 29999):05d}"
        papers.append(
            Paper(
                id=pid,
                title=title,
                authors=_authors(rng),
                authors_truncated=rng.random() < 0.2,
                affiliations=rng.sample(_AFFILIATIONS, k=rng.randint(1, 3)),
                category=_category(rng),
                date=date,
                abstract=_abstract(rng, stream),
                has_code=has_code,
                links=links,
                sources=[Source("synthetic", len(papers) + 1)],
                arxiv_id=arxiv_id,
            )
        )
    return papers
