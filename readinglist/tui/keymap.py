"""The user's keymap, checked once at start-up against the live bindings.

Textual applies a keymap silently: an unknown binding id, a key it cannot
read or a key already used by another action just stop a key from working.
Here each such entry is refused with one notice naming it and the config
file, and the binding keeps its default key.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from textual.binding import Binding
from textual.keys import KEY_TO_UNICODE_NAME, Keys, _character_to_key, format_key

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_KEY_NAMES = frozenset(k.value for k in Keys) | frozenset(KEY_TO_UNICODE_NAME)


def bindings_with_ids(*sources: Iterable[Binding | tuple]) -> list[Binding]:
    """The ``Binding`` objects of some ``BINDINGS`` lists that carry an id."""
    found: list[Binding] = []
    for source in sources:
        found += [b for b in source if isinstance(b, Binding) and b.id]
    return found


def is_key(token: str) -> bool:
    """True for a key Textual can bind: ``x``, ``ctrl+s``, ``escape``, ``question_mark``."""
    if not token or token != token.strip():
        return False
    *modifiers, key = token.split("+")
    if any(m not in MODIFIERS for m in modifiers) or not key:
        return False
    if len(key) == 1:
        return key.isprintable() and not key.isspace()
    if key in _KEY_NAMES:
        return True
    try:
        unicodedata.lookup(key.replace("_", " ").upper())
    except KeyError:
        return False
    return True


def _keys(spec: str) -> list[str]:
    """Normalised keys of a comma-separated key list ("?" -> "question_mark")."""
    return [_character_to_key(k) if len(k) == 1 else k for k in (part.strip() for part in spec.split(","))]


@dataclass(slots=True)
class Keymap:
    """The keymap entries that passed, and one notice per entry that did not."""

    entries: dict[str, str] = field(default_factory=dict)  # binding id -> keys, as Textual wants them
    problems: list[str] = field(default_factory=list)

    def keys_of(self, binding: Binding) -> list[str]:
        """The keys that trigger ``binding`` once the keymap is applied."""
        return _keys(self.entries.get(binding.id or "", binding.key))

    def display(self, binding: Binding) -> str:
        """How help shows the keys of ``binding``: the user's keys, not the defaults."""
        if binding.id not in self.entries and binding.key_display:
            return binding.key_display
        return " ".join(format_key(k) for k in self.keys_of(binding))


def check_keymap(raw: Mapping[str, object], bindings: list[Binding]) -> Keymap:
    """Validate ``[keymap]`` (binding id -> keys) against ``bindings`` (the main screen's)."""
    by_id = {b.id: b for b in bindings}
    result = Keymap()
    for binding_id, value in raw.items():
        if binding_id not in by_id:
            result.problems.append(f"keymap: no binding has the id {binding_id!r}; the ids are listed in the guide")
            continue
        if not isinstance(value, str) or not value.strip():
            result.problems.append(f"keymap: {binding_id} wants keys as text, e.g. \"x\" or \"ctrl+x,f2\"")
            continue
        bad = [k for k in (part.strip() for part in value.split(",")) if not is_key(k)]
        if bad:
            result.problems.append(f"keymap: {binding_id} = {value!r}: {bad[0]!r} is not a key (try \"x\", \"ctrl+x\", \"f2\")")
            continue
        result.entries[str(binding_id)] = ",".join(_keys(value))
    # Two actions on one key: the remapped one loses, so no key silently hides another.
    changed = True
    while changed:
        changed = False
        users: dict[str, list[Binding]] = {}
        for binding in bindings:
            for key in result.keys_of(binding):
                users.setdefault(key, []).append(binding)
        for key, claimants in users.items():
            ids = list(dict.fromkeys(b.id for b in claimants))
            remapped = [i for i in ids if i in result.entries]
            if len(ids) > 1 and remapped:
                loser = remapped[0]
                others = ", ".join(i for i in ids if i != loser)
                result.problems.append(
                    f"keymap: {loser} = {format_key(key)!r} would take the key of {others}; {loser} keeps its default key"
                )
                del result.entries[loser]
                changed = True
                break
    return result
