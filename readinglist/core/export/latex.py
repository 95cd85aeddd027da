"""Untrusted text as LaTeX for BibTeX and biblatex field values.

Whatever a title or a name holds, the result typesets to the same
characters under pdflatex + bibtex and pdflatex + biber: specials are
escaped, ``$...$`` math is kept only when it is plain math, and braces stay
balanced, so no field can end early or run a command.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pylatexenc.latexencode import (
    RULE_DICT,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
)

from readinglist.core.text import clean_text

# BibTeX counts braces without looking at backslashes, so the usual \{ and \}
# would unbalance the field; the text-mode commands keep it balanced.
# An accented i is written on a plain "i": biber turns {\'\i} into a dotless i
# plus a combining accent, which pdflatex cannot typeset. A backtick would
# print as an opening quote.
_OVERRIDES = {
    ord("{"): r"\textbraceleft",
    ord("}"): r"\textbraceright",
    ord("`"): r"\textasciigrave",
    ord("í"): r"\'i",
    ord("ì"): r"\`i",
    ord("î"): r"\^i",
    ord("ï"): r"\"i",
    ord("ĩ"): r"\~i",
    ord("ī"): r"\=i",
    ord("ĭ"): r"\u{i}",
    ord("ǐ"): r"\v{i}",
}
_LATEX_RULES = [UnicodeToLatexConversionRule(RULE_DICT, _OVERRIDES), "defaults"]


def _unknown_char(char: str) -> str:
    """A character pdflatex cannot typeset: its ASCII look-alike, or nothing.

    Emoji, other symbols and stray combining marks are dropped; a letter
    with no LaTeX form (e.g. CJK) becomes ``?`` so the reader sees that
    something was there.
    """
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char and all(ord(c) < 128 for c in decomposed):
        return "".join(_ASCII_ENCODER.unicode_to_latex(c) for c in decomposed)
    if unicodedata.category(char)[0] in "SCZM":
        return ""
    return "?"


# "braces-all" puts every replacement in a group ({\'e}), the form BibTeX
# treats as one "special character" when sorting, abbreviating and changing case.
_ASCII_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=_LATEX_RULES,
    replacement_latex_protection="braces-all",
    unknown_char_policy="ignore",
    unknown_char_warning=False,
)
_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=_LATEX_RULES,
    replacement_latex_protection="braces-all",
    unknown_char_policy=_unknown_char,
    unknown_char_warning=False,
)
_UTF8_SPECIALS = {
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "\\": r"{\textbackslash}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "`": r"{\textasciigrave}",
}


def latex_escape(text: str, *, utf8: bool = False) -> str:
    """Plain (untrusted) text as LaTeX that typesets to the same characters.

    ``utf8`` keeps non-ASCII letters as they are (for biber, or a document
    that loads fonts with those letters) and escapes only LaTeX's specials.
    """
    # NFC first: a decomposed "e" + combining accent has a LaTeX form only as "é".
    text = unicodedata.normalize("NFC", clean_text(text))
    if utf8:
        return "".join(_UTF8_SPECIALS.get(c, c) for c in text)
    return _ENCODER.unicode_to_latex(text)


# --- math in titles ----------------------------------------------------------

_MATH = re.compile(r"\$([^$]{1,80})\$")
_MATH_CHARS = re.compile(r"^[A-Za-z0-9 ^_{}+\-=()\[\],.;:!/|<>'*]*$")
_MATH_COMMAND = re.compile(r"\\([A-Za-z]+)")
_MATH_COMMANDS = frozenset(
    """alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta
    Lambda Xi Pi Sigma Upsilon Phi Psi Omega times cdot circ star ast pm mp leq geq le ge neq
    approx sim simeq equiv propto infty ell partial nabla sum prod int in notin subset subseteq
    cup cap to rightarrow leftarrow leftrightarrow mapsto ldots cdots dots prime mathbb mathcal
    mathrm mathbf mathit mathsf boldsymbol sqrt frac log exp min max sin cos tanh top""".split()
)


def _plain_math(body: str) -> bool:
    """True for math made only of symbols, letters and well-known commands.

    Anything else (``\\input``, ``\\def``, unbalanced braces) is printed as
    text, so a title can never run a command.
    """
    if "^^" in body:  # TeX reads ^^5c as a backslash
        return False
    commands = _MATH_COMMAND.findall(body)
    if any(c not in _MATH_COMMANDS for c in commands):
        return False
    if not _MATH_CHARS.match(_MATH_COMMAND.sub("", body)):
        return False
    depth = 0
    for char in body:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0 and bool(body.strip())


def _split_math(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is_math, piece); math keeps its dollars."""
    pieces: list[tuple[bool, str]] = []
    last = 0
    for match in _MATH.finditer(text):
        if not _plain_math(match.group(1)):
            continue
        if match.start() > last:
            pieces.append((False, text[last : match.start()]))
        pieces.append((True, match.group(0)))
        last = match.end()
    if last < len(text):
        pieces.append((False, text[last:]))
    return pieces


# --- titles ------------------------------------------------------------------


def needs_protection(word: str) -> bool:
    """True for words a style must not lowercase: acronyms and mixed case.

    ``CLIP``, ``GPT-4``, ``ReLU``, ``iPhone``, ``3D`` are protected;
    ``Transformers`` (a capital only at the start) is not.
    """
    letters = [c for c in word if c.isalpha()]
    if any(c.isupper() for c in letters[1:]):
        return True
    return any(c.isupper() for c in letters) and any(c.isdigit() for c in word)


def latex_title(title: str, *, utf8: bool = False) -> str:
    """The title as LaTeX: math kept as math, acronyms and mixed case in braces.

    A word holding math (``Re$^3$Dial``) is protected whole, so a style
    that lowercases titles leaves it as written.
    """
    text = " ".join(clean_text(title).split())
    maths: list[str] = []
    flat = []
    for is_math, piece in _split_math(text):
        if is_math:
            flat.append(chr(_PLACEHOLDER + len(maths)))
            maths.append(piece)
        else:
            flat.append(re.sub("[\ue000-\ue7ff]", "", piece))
    words = []
    for word in "".join(flat).split():
        pieces = re.split(f"([{chr(_PLACEHOLDER)}-{chr(_PLACEHOLDER + 0x7FF)}])", word)
        encoded = "".join(
            maths[ord(p) - _PLACEHOLDER] if len(p) == 1 and _PLACEHOLDER <= ord(p) < _PLACEHOLDER + len(maths)
            else latex_escape(p, utf8=utf8)
            for p in pieces
            if p
        )
        plain = "".join(p for p in pieces if not (len(p) == 1 and _PLACEHOLDER <= ord(p) < _PLACEHOLDER + 0x800))
        if encoded and (needs_protection(plain) or len(plain) != len(word)):
            encoded = f"{{{encoded}}}"
        if encoded:
            words.append(encoded)
    return " ".join(words)


_PLACEHOLDER = 0xE000  # private-use characters stand for math while words are split


def plain_title(title: str) -> str:
    """The title as one line of text, for formats that are not LaTeX."""
    return " ".join(clean_text(title).split())


# --- names -------------------------------------------------------------------

ET_AL = re.compile(r"^(et\.?\s*al\.?|others)$", re.IGNORECASE)


def author_names(authors: Iterable[str]) -> tuple[list[str], bool]:
    """The cleaned names, and whether the list ended in "et al."."""
    names, truncated = [], False
    for author in authors:
        name = " ".join(clean_text(author).split())
        if ET_AL.match(name):
            truncated = True
        elif name:
            names.append(name)
    return names, truncated


def latex_authors(authors: Iterable[str], truncated: bool, *, utf8: bool = False) -> str:
    """Authors joined with ``and``; a list that ended in "et al." ends in ``others``."""
    names, cut = author_names(authors)
    encoded_names = []
    for name in names:
        encoded = latex_escape(name, utf8=utf8)
        # A comma or a lone "and" would split the name in BibTeX's parser.
        if "," in name or re.search(r"(?i)(^|\s)and(\s|$)", name):
            encoded = f"{{{encoded}}}"
        if encoded:
            encoded_names.append(encoded)
    if (truncated or cut) and encoded_names:
        encoded_names.append("others")
    return " and ".join(encoded_names)
