"""Generations of the annotations file: how a replaced copy is told from a write.

Every write of ``annotations.json`` counts one up in its ``_meta`` table
(``"state": {"generation": N}``), and every journal entry of an annotation
change records the generation its write produces. A file whose generation
is lower than one already seen (by this process, or in the journal) is an
older copy put in place of the current file, by hand or by a sync tool:
it is reported, never written over, and ``doctor --rebuild-annotations``
brings the changes back from the journal.

A file written before generations existed has none (0); a malformed state
record is treated the same, so it can never stop the store from opening.
"""

from __future__ import annotations

from typing import Any

STATE = "state"


def generation_of(data: Any) -> int:
    """The generation recorded in parsed store data; 0 when it has none."""
    meta = data.get("_meta") if isinstance(data, dict) else None
    state = meta.get(STATE) if isinstance(meta, dict) else None
    value = state.get("generation") if isinstance(state, dict) else None
    return value if type(value) is int and value >= 0 else 0


def set_generation(data: dict[str, Any], generation: int) -> None:
    meta = data.get("_meta")
    if not isinstance(meta, dict):
        meta = data["_meta"] = {}
    meta[STATE] = {"generation": generation}


def replaced_message(path: Any, found: int, expected: int) -> str:
    return (
        f"{path} was replaced by an older copy (it holds change {found:,}, readinglist has seen change "
        f"{expected:,}); nothing was written: run `readinglist doctor` (--rebuild-annotations brings "
        "the newer changes back from the journal), or put the newer file back"
    )
