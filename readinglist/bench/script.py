"""The scripted filter session both apps go through.

Each query is typed one key at a time, then the filter is cleared, so the
timings cover every keystroke a user makes: words, a phrase, field terms,
negation, a query matching (nearly) everything and one matching nothing.
Half-typed field terms (``title:``, ``year:2``) are part of it: the app
answers those with a hint instead of a new list.
"""

from __future__ import annotations

from dataclasses import dataclass

QUERIES = (
    "diffusion",
    "diffusion video",
    "title:transformer",
    "author:müller",
    "-video",
    '"masked autoencoder"',
    "cat:cv year:2023.. has:code",
    "the",
    "zzqxv",
)

# ``--quick``: enough keys to exercise every path, too few for stable figures.
QUICK_QUERIES = ("dif", "title:tr", "-vid", "zzq")

# Time between keys, like fast typing or key repeat (about 30 ms). Keys
# sent back to back would measure Textual's 60 fps frame cadence instead of
# what one key costs.
KEY_GAP_S = 0.05

# The baseline refills a DataTable on every keystroke: at large sizes it
# runs only these whole queries (a word, clearing the filter, no match).
SHORT_QUERIES = ("diffusion", "", "zzqxv")


@dataclass(frozen=True, slots=True)
class Step:
    text: str  # the filter text after this step
    typed: bool  # one more character typed (else the text is set at once)


def keystrokes(queries: tuple[str, ...] = QUERIES) -> list[Step]:
    """Type every query character by character; clear the filter after each."""
    steps: list[Step] = []
    for query in queries:
        for end in range(1, len(query) + 1):
            steps.append(Step(query[:end], typed=True))
        steps.append(Step("", typed=False))
    return steps


def whole_queries(queries: tuple[str, ...] = SHORT_QUERIES) -> list[Step]:
    steps: list[Step] = []
    current = ""
    for query in queries:
        if query != current:
            steps.append(Step(query, typed=False))
            current = query
    return steps
