"""The terms a paper is compared by, and their postings.

A paper's terms are the content words of its title (counted twice: a title
says what a paper is about more densely than its abstract) and abstract,
one term per author (``@`` and the folded name) and one per arXiv category
(``#cs.cv``). Words are folded like the search index folds them, common
English and boilerplate words are dropped, and a plural "s" is removed so
that "autoencoders" meets "autoencoder".

``TermPostings`` is the inverted index the similarity model scores with:
per term, the paper slots that hold it (4 bytes each; slot and count packed
in those 4 bytes where the term occurs more than once), the terms' runs end
to end in a few hundred arrays, plus one norm per slot. At 100k papers that
is about 11 million postings, ~46 MB, instead of the ~1 GB that a dict per
paper would take (or ~60 MB with an array per term).
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate, compress
from operator import add, not_

from readinglist.core.model import Paper
from readinglist.core.text import fold, words

TITLE_WEIGHT = 2
AUTHOR_PREFIX = "@"
CATEGORY_PREFIX = "#"
MAX_TF = 63  # counts above this are clamped: no abstract repeats a word that often

# Function words, and words every abstract uses whatever its subject: they
# would make every paper look like every other one.
STOPWORDS = frozenset(
    """
    a about above across after again against all almost along also although always am among an and another any are
    around as at be been before being below between both but by can cannot could did do does doing done down during
    each either else even ever every few for from further had has have having he her here hers him his how however i
    if in into is it its itself just least less many may me might more most much must my neither no nor not now of
    off often on once one only onto or other others otherwise our ours out over own per perhaps rather same several
    shall she should since so some still such than that the their theirs them then there therefore these they this
    those though through thus to too toward towards under until up upon us very via was we well were what whatever
    when where whereas whether which while who whom whose why will with within without would yet you your
    abstract achieve achieves achieving address addresses allow allows approach approaches based believe better
    called challenge challenging consider demonstrate demonstrates describe different effective effectively
    existing experiment experimental experiments extensive find first given however improve improved improves
    including introduce large make method methods new novel paper particular present previous problem propose
    proposed provide recent recently result results second show shows significantly simple state study take task
    three two use used using various way work works
    """.split()
)

_ASCII_WORDS = str.maketrans({chr(c): (chr(c) if chr(c).isalnum() else " ") for c in range(128)})
_KEEP_S = ("ss", "us", "is", "as", "ys")
_ES_PLURALS = ("ches", "shes", "xes", "sses")


def stem(word: str) -> str:
    """Plural to singular, for the common regular cases only."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(_ES_PLURALS):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


def _raw_words(text: str) -> list[str]:
    if text.isascii():
        return text.lower().translate(_ASCII_WORDS).split()
    return words(text)


def content_term(word: str) -> str | None:
    """The term a folded word counts as, or None for a stopword, a number or a single letter."""
    if len(word) < 2 or word in STOPWORDS or word.isdigit():
        return None
    term = stem(word)
    return None if term in STOPWORDS else term


def word_terms(text: str) -> list[str]:
    """The content words of ``text``, folded and stemmed, in order (repeats kept)."""
    return [term for term in map(content_term, _raw_words(text)) if term is not None]


def _raw_counts(paper: Paper, extra: Iterable[str]) -> Counter[str]:
    counts = Counter(_raw_words(paper.abstract))
    title = _raw_words(paper.title)
    for _ in range(TITLE_WEIGHT):
        counts.update(title)
    for text in extra:
        counts.update(_raw_words(text))
    return counts


def _tags_of(paper: Paper) -> set[str]:
    """The author and category terms, each once."""
    tags = {author_term(name) for name in paper.authors if name.strip()}
    tags.update(category_term(c) for c in (paper.category, *paper.categories) if c)
    tags.discard(AUTHOR_PREFIX)
    return tags


def author_term(name: str) -> str:
    return AUTHOR_PREFIX + " ".join(words(name))


def category_term(category: str) -> str:
    return CATEGORY_PREFIX + fold(category).strip()


def paper_terms(paper: Paper, extra: Iterable[str] = ()) -> Counter[str]:
    """Each term of ``paper`` with how often it occurs; ``extra`` is more text (a note)."""
    counts: Counter[str] = Counter()
    for word, tf in _raw_counts(paper, extra).items():
        term = content_term(word)
        if term is not None:
            counts[term] += tf
    counts.update(_tags_of(paper))
    return counts


def display_term(term: str, paper: Paper | None = None) -> str:
    """How a reason reads: a word, an author's name as the paper spells it, or ``cat:cs.CV``."""
    if term.startswith(AUTHOR_PREFIX):
        for name in paper.authors if paper else ():
            if author_term(name) == term:
                return name
        return term[1:]
    if term.startswith(CATEGORY_PREFIX):
        for category in (paper.category, *paper.categories) if paper else ():
            if category and category_term(category) == term:
                return f"cat:{category}"
        return f"cat:{term[1:]}"
    return term


# Sublinear term frequency: the tenth "audio" says less than the first.
TF_WEIGHT = [0.0] + [1.0 + math.log(tf) for tf in range(1, MAX_TF + 1)]
TF_SQUARED = [w * w for w in TF_WEIGHT]
_TF_BITS = 6  # a repeated term's posting packs (slot << 6) | count into one int
_TF_MASK = (1 << _TF_BITS) - 1
_IS_ONE = (1).__eq__  # a count of one: a bare slot in ``once``


class TermPostings:
    """Term -> the slots of the papers that hold it, with document frequencies and norms.

    Most terms occur once in a paper: those postings are bare slot numbers
    (``once``, 4 bytes each) and scoring them is one addition. The rest pack
    slot and count into one int (``repeated``). Slots only grow: a removed
    paper's slot is marked dead and skipped, and a changed paper gets a new
    slot, so postings stay sorted without being rewritten.

    Both kinds are ``_Runs``: the terms' postings end to end in a few
    hundred arrays, not an array per term (that cost ~14 MB more at 100k
    papers: a header for each of ~90k terms, and room to grow).
    """

    __slots__ = ("vocab", "once", "repeated", "df", "norms", "dead", "live")

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.once = _Runs()
        self.repeated = _Runs()
        self.df = array("i")
        self.norms = array("f")
        self.dead = bytearray()
        self.live = 0

    @classmethod
    def from_papers(cls, papers: Iterable[Paper]) -> TermPostings:
        """All papers at once: norms are computed once, after every document frequency is known.

        The papers' term ids are first laid end to end, paper after paper
        (those counted once apart from the others), then moved term after
        term into ``_Runs``, whose sizes are known by then. Those temporaries
        are a few large arrays, which go back to the system when freed; ~90k
        per-term arrays grown a posting at a time left the heap larger.
        """
        postings = cls()
        vocab = postings.vocab
        once_terms, once_ends = array("i"), array("i")  # the terms each paper has once, and where its run ends
        repeated_terms, repeated_counts, repeated_ends = array("i"), array("i"), array("i")
        # Raw word -> term id (-1: not a term), so each distinct word is
        # stemmed and looked up once, not once per paper.
        word_ids: dict[str, int] = {}
        for paper in papers:
            ids: dict[int, int] = {}
            for word, tf in _raw_counts(paper, ()).items():
                term_id = word_ids.get(word)
                if term_id is None:
                    term = content_term(word)
                    term_id = word_ids[word] = -1 if term is None else vocab.setdefault(term, len(vocab))
                if term_id >= 0:
                    ids[term_id] = ids.get(term_id, 0) + tf
            for term in _tags_of(paper):
                term_id = vocab.setdefault(term, len(vocab))
                ids[term_id] = ids.get(term_id, 0) + 1
            ones = list(map(_IS_ONE, ids.values()))
            once_terms.extend(compress(ids, ones))
            once_ends.append(len(once_terms))
            if not all(ones):
                more = list(map(not_, ones))
                repeated_terms.extend(compress(ids, more))
                repeated_counts.extend(compress(ids.values(), more))
            repeated_ends.append(len(repeated_terms))
        del word_ids
        postings.dead = bytearray(len(once_ends))
        postings.live = len(once_ends)
        once_df, postings.once = _Runs.transposed(len(vocab), once_terms, once_ends)
        del once_terms, once_ends
        repeated_df, postings.repeated = _Runs.transposed(len(vocab), repeated_terms, repeated_ends, repeated_counts)
        del repeated_terms, repeated_counts, repeated_ends
        postings.df = array("i", map(add, once_df, repeated_df))
        postings.norms = array("f", postings._all_norms())
        return postings

    def __len__(self) -> int:
        return len(self.dead)

    @property
    def dead_fraction(self) -> float:
        return 1.0 - self.live / len(self.dead) if self.dead else 0.0

    def idf(self, term_id: int) -> float:
        return math.log(1.0 + (self.live + 1) / (self.df[term_id] + 1))

    def term_id(self, term: str) -> int | None:
        return self.vocab.get(term)

    def accumulate(
        self, sums: list[float], term_id: int, weight: float, table: list[float] = TF_WEIGHT, by_tf: list[float] | None = None
    ) -> None:
        """Add ``weight`` times each paper's count weight (``table[count]``) of the term to ``sums``, by slot.

        ``by_tf``, when given, is what each count adds instead (``by_tf[1]`` is ``weight``).
        """
        once = self.once
        for slot in once.run(term_id):
            sums[slot] += weight
        if once.more:
            for slot in once.more.get(term_id, ()):
                sums[slot] += weight
        repeated = self.repeated
        run = repeated.run(term_id)
        more = repeated.more.get(term_id) if repeated.more else None
        if run or more:
            if by_tf is None:
                by_tf = [weight * w for w in table]
            for packed in run:
                sums[packed >> _TF_BITS] += by_tf[packed & _TF_MASK]
            for packed in more or ():
                sums[packed >> _TF_BITS] += by_tf[packed & _TF_MASK]

    def slots_of(self, term_id: int) -> set[int]:
        """Every slot holding the term (dead ones included)."""
        found = set(self.once.run(term_id))
        found.update(self.once.more.get(term_id, ()))
        found.update(packed >> _TF_BITS for packed in self.repeated.run(term_id))
        found.update(packed >> _TF_BITS for packed in self.repeated.more.get(term_id, ()))
        return found

    def _term_id_adding(self, term: str) -> int:
        term_id = self.vocab.get(term)
        if term_id is None:
            term_id = self.vocab[term] = len(self.df)
            self.once.add_term()
            self.repeated.add_term()
            self.df.append(0)
        return term_id

    def _append(self, ids: dict[int, int]) -> int:
        """A new slot holding ``ids`` (term id -> count); document frequencies are the caller's."""
        slot = len(self.dead)
        for term_id, tf in ids.items():
            if tf == 1:
                self.once.append(term_id, slot)
            else:
                self.repeated.append(term_id, slot << _TF_BITS | (tf if tf < MAX_TF else MAX_TF))
        self.dead.append(0)
        self.live += 1
        return slot

    def _all_norms(self) -> list[float]:
        squares = [0.0] * len(self.dead)
        for term_id in range(len(self.df)):
            idf_squared = self.idf(term_id) ** 2
            self.accumulate(squares, term_id, idf_squared, TF_SQUARED)
        return [math.sqrt(s) if s else 1.0 for s in squares]

    def add(self, paper: Paper) -> int:
        """A new slot for ``paper``; its norm uses today's document frequencies."""
        ids = {self._term_id_adding(term): tf for term, tf in paper_terms(paper).items()}
        for term_id in ids:
            self.df[term_id] += 1
        slot = self._append(ids)
        square = sum((TF_WEIGHT[min(tf, MAX_TF)] * self.idf(term_id)) ** 2 for term_id, tf in ids.items())
        self.norms.append(math.sqrt(square) if square else 1.0)
        return slot

    def remove(self, slot: int, paper: Paper | None) -> None:
        """Mark ``slot`` dead; ``paper`` (its text when it was added) corrects the document frequencies."""
        if self.dead[slot]:
            return
        self.dead[slot] = 1
        self.live -= 1
        if paper is None:
            return
        for term in paper_terms(paper):
            term_id = self.vocab.get(term)
            if term_id is not None and self.df[term_id] > 0:
                self.df[term_id] -= 1



class _Runs:
    """One kind of postings (bare slots, or slot and count packed), term after term.

    What the build made lies end to end, term ``t``'s run at ``at[t]:at[t + 1]``
    of the whole, cut into chunks of at most ``_CHUNK`` postings on term
    boundaries (a longer run is a chunk of its own): ``chunk_of[t]`` holds it,
    and that chunk starts at ``base[chunk]``. Chunks this small come from the
    heap (and so fill the holes other work left in it) where one large array
    would be mapped apart. Postings added later go to ``more``, a small array
    per term, after the term's run.
    """

    __slots__ = ("chunks", "at", "chunk_of", "base", "more")

    def __init__(self) -> None:
        self.chunks: list[array[int]] = []
        self.at = array("i", [0])  # one offset more than terms
        self.chunk_of = array("i")
        self.base = array("i")
        self.more: dict[int, array[int]] = {}

    @classmethod
    def transposed(cls, terms: int, term_ids: array[int], ends: array[int], counts: array[int] | None = None) -> tuple[list[int], _Runs]:
        """Postings laid paper after paper (``term_ids``, paper ``slot``'s ending
        at ``ends[slot]``) turned term after term; and how many each term has.

        A posting is its paper's slot or, with ``counts`` (one per term id),
        slot and count packed as ``TermPostings.repeated`` holds them.
        ``term_ids`` and ``counts`` are emptied once read, before the chunks
        are cut: the build holds at most two copies of the postings.
        """
        df = [0] * terms
        for term_id in term_ids:
            df[term_id] += 1
        runs = cls()
        runs.at = at = array("i", accumulate(df, initial=0))
        write = at.tolist()  # where each term's next posting goes
        flat = array("i", [0]) * len(term_ids)
        start = 0
        if counts is None:
            for slot, end in enumerate(ends):
                for term_id in term_ids[start:end]:
                    here = write[term_id]
                    flat[here] = slot
                    write[term_id] = here + 1
                start = end
        else:
            for slot, end in enumerate(ends):
                packed = slot << _TF_BITS
                for term_id, tf in zip(term_ids[start:end], counts[start:end]):
                    here = write[term_id]
                    flat[here] = packed | (tf if tf < MAX_TF else MAX_TF)
                    write[term_id] = here + 1
                start = end
        del write, term_ids[:]
        if counts is not None:
            del counts[:]
        runs.chunk_of = array("i", [0]) * terms
        first = 0
        while first < terms:
            last = first + 1  # the chunk holds terms first..last-1
            while last < terms and at[last + 1] - at[first] <= _CHUNK:
                last += 1
            runs.chunk_of[first:last] = array("i", [len(runs.chunks)]) * (last - first)
            runs.base.append(at[first])
            runs.chunks.append(flat[at[first] : at[last]])
            first = last
        return df, runs

    def run(self, term_id: int) -> array[int]:
        """The term's postings from the build (a copy: a few KB)."""
        start, end = self.at[term_id], self.at[term_id + 1]
        if start == end:
            return _NONE
        chunk = self.chunk_of[term_id]
        base = self.base[chunk]
        return self.chunks[chunk][start - base : end - base]

    def add_term(self) -> None:
        self.at.append(self.at[-1])  # an empty run: its postings go to ``more``
        self.chunk_of.append(0)

    def append(self, term_id: int, posting: int) -> None:
        more = self.more.get(term_id)
        if more is None:
            more = self.more[term_id] = array("i")
        more.append(posting)


_CHUNK = 16384  # postings: 64 KB, under the size malloc maps apart
_NONE = array("i")
