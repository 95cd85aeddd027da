"""Compare-and-set for writes of paper fields (enrichment's path).

Enrichment reads a paper, works for seconds on the network, then writes.
A user edit landing in between must win: a field is written only if the
user has not claimed it (provenance source "user") and its value on disk is
still the one the writer read.
"""

from __future__ import annotations

from typing import Any


def merge_update(on_disk: dict[str, Any], fields: dict[str, Any], seen: dict[str, Any] | None) -> dict[str, Any]:
    """``on_disk`` with ``fields`` applied where that overwrites nobody's change.

    ``seen`` is the record as the writer read it (None: unknown, only the
    user's claim is checked). ``provenance`` is merged per field, and only
    for the fields written.
    """
    record = dict(on_disk)
    provenance = dict(record.get("provenance") or {})
    new_provenance = dict(fields.get("provenance") or {})
    for key, value in fields.items():
        if key == "provenance":
            continue
        claimed = (provenance.get(key) or {}).get("source") == "user"
        by_user = (new_provenance.get(key) or {}).get("source") == "user"
        changed_since = seen is not None and on_disk.get(key) != seen.get(key)
        if (claimed or changed_since) and not by_user:
            new_provenance.pop(key, None)
            continue
        record[key] = value
    if "provenance" in fields:
        provenance.update(new_provenance)
        record["provenance"] = provenance
    return record
