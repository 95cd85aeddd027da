"""JSON for a terminal or a pipe: no raw C1 control or bidi override.

``json.dumps`` escapes C0 controls but passes DEL, the C1 controls (some
terminals act on them) and the invisible bidi and format characters that
make text display differently from what it is. Those characters only occur
inside JSON strings, so writing them as ``\\uXXXX`` keeps the value exact.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSAFE = re.compile("[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")


def dumps(value: Any, *, indent: int | None = 2) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def shown(text: str) -> str:
    """A file name or other outside text as one visible line: unsafe
    characters and undecodable bytes are written as escapes."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or _UNSAFE.match(ch):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
