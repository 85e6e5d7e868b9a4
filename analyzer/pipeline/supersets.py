"""Supersets of regexes that treat a set of characters alike (pipeline.classes).

A line class (pipeline.classes) stands for lines that differ only in some characters: their
digits, and in the message of a TF C++ log line, the hex digits of `0x...` ids. A pattern that
may tell such characters apart is replaced by a superset that cannot (`generalize`: each literal
digit becomes `\\d`; `hex_superset`: each hex digit, in a literal, a class or `\\d`, becomes
`[0-9a-fA-F]`): when the superset does not match the class's key, the pattern matches no line of
the class. Constructs where widening could narrow a match (lookarounds that exclude, backreferences,
atomic groups, possessive quantifiers, character codes) have no superset here (None).
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import Any, Callable, List, Optional, Tuple

from analyzer.core.cache import REGEX_V0, Store, compile_re, compile_regex
from analyzer.kb.rules import required_literals

_QUANT = compile_re(r"\{\d*(?:,\d*)?\}")
_GROUP_NAME = compile_re(r"\(\?P?<(?![=!])[^>]*>")


def _class_end(source: str, i: int) -> Tuple[int, bool]:
    """(index of the `]` that closes the character class opening at `i`, whether it is negated)."""
    j = i + 1
    negated = source[j : j + 1] == "^"
    j += 1 if negated else 0
    if source[j : j + 1] == "]":
        j += 1
    while j < len(source) and source[j] != "]":
        j += 2 if source[j] == "\\" else 1
    return j, negated


def _store_key() -> str:
    """The key of the supersets and literals kept between runs: the code that computes them (this
    module, and kb/rules.py for required_literals) and Python's version (its regex parser)."""
    from analyzer.core.cache import digest
    from analyzer.kb import rules

    h = digest(f"supersets python {sys.version}".encode())
    for path in (__file__, rules.__file__):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


_derived = Store("supersets", _store_key)  # (kind, source) -> (result,): a first class build reads, not parses


def _remembered(kind: str, source: str, compute: Callable[[str], Any]) -> Any:
    """compute(source), from the disk cache when it was computed before (~50-300 us each: a small log's
    first classes need ~100 of them)."""
    got = _derived.get((kind, source))
    if got is not None:
        return got[0]
    value = compute(source)
    _derived.put((kind, source), (value,))
    return value


@cache
def generalize(source: str) -> Optional[str]:
    """`source` itself when it treats all digits alike; else its digit-agnostic superset (literal
    digits -> \\d, `\\d` added to classes holding a digit); None when no safe superset is known
    (backreferences, negated classes or lookarounds with digits, escapes that may spell a digit)."""
    return _remembered("generalize", source, _generalize)


def _generalize(source: str) -> Optional[str]:
    out: List[str] = []
    i, n, changed = 0, len(source), False
    while i < n:
        c = source[i]
        if c == "\\":
            nxt = source[i + 1 : i + 2]
            if nxt.isdigit() or nxt in ("x", "u", "U", "N", "g", "o"):
                return None  # a backreference or a character code
            out.append(source[i : i + 2])
            i += 2
            continue
        if c == "[":
            j, negated = _class_end(source, i)
            body = source[i : j + 1]
            digits = _class_digits(body)
            if digits is None:
                return None
            if 0 < digits < 10:  # some digits but not all: widen it to all (a negated one cannot be)
                if negated:
                    return None
                body, changed = body[:-1] + "\\d]", True
            out.append(body)
            i = j + 1
            continue
        if c == "{":
            m = _QUANT.match(source, i)
            if m:
                out.append(m.group())
                i = m.end()
                continue
        if c == "(":
            if source.startswith(("(?P=", "(?(", "(?!", "(?<!"), i):
                if any(ch.isdigit() for ch in _QUANT.sub("", re.sub(r"\\[dD]", "", source))):
                    return None  # a lookaround or condition where a widened digit could narrow the match
            m = _GROUP_NAME.match(source, i)
            if m:
                out.append(m.group())
                i = m.end()
                continue
        if c.isdigit():
            out.append("\\d")
            changed = True
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out) if changed else source


def _class_digits(body: str) -> Optional[int]:
    """How many of the ten digits the character class `body` admits; None when it cannot be read."""
    return _class_admits(body, "0123456789")


@cache
def _class_admits(body: str, chars: str) -> Optional[int]:
    """How many of `chars` the character class `body` admits; None when it cannot be read."""
    if "[" in body[1:]:
        return None  # nested or POSIX classes: not read here
    try:
        pattern = compile_regex(body, REGEX_V0)
    except Exception:  # regex.error (the only error compiling a string raises)
        return None
    return sum(1 for d in chars if pattern.fullmatch(d))


@cache
def _wide(source: str, flags: int, hex_ids: bool = False):
    """The compiled digit-agnostic superset of `source` (`hex_ids`: the hex-agnostic one), or None."""
    wide = hex_superset(source) if hex_ids else generalize(source)
    if wide is None:
        return None
    try:
        return compile_regex(wide, flags) if flags else compile_regex(wide)
    except Exception:
        return None


def _agnostic(source: str) -> bool:
    return generalize(source) == source


# regex's own syntax that the stdlib parser (required_literals) reads otherwise: fuzzy constraints,
# branch reset, named lists, other versions and full case folding, reverse searches
_NOT_STDLIB = compile_re(r"\{[^}]*[eisd][^}]*\}|\(\?\||\\L<|\(\?[a-zA-Z]*[Vfr]")


@cache
def _literals(source: str) -> Optional[Tuple[str, ...]]:
    """Lower-case ASCII strings of which every match of `source` holds one, or None when not known."""
    return _remembered("literals", source, _find_literals)


def _find_literals(source: str) -> Optional[Tuple[str, ...]]:
    if _NOT_STDLIB.search(source):
        return None
    found = required_literals(source, 1)
    if not found or not all(s.isascii() for s in found):
        return None
    return tuple(found)


def may_match(pattern, low: str, ascii_text: bool) -> bool:
    """False when `pattern` (a compiled regex) cannot match an ASCII text whose lower-case form is
    `low`: the text holds none of the literals that each of its matches holds (case-insensitively).
    True when it may, or when that is not known (a non-ASCII text, whose case folding may differ)."""
    if not ascii_text:
        return True
    found = _literals(pattern.pattern)
    if found is None:
        return True
    for s in found:  # (a loop, not any() over a generator: this runs ~10 times per class built)
        if s in low:
            return True
    return False


_HEX_DIGITS = "0123456789abcdefABCDEF"
_ANY_HEX = "[0-9a-fA-F]"
_FLAGS = compile_re(r"\(\?[aiLmsux]+(?:-[imsx]+)?[:)]")
_SAFE_ESCAPES = set("wWsSbBAZntrfv")  # escapes that treat every hex digit alike (or name none)


@cache
def hex_superset(source: str) -> Optional[str]:
    """A superset of `source` that treats every hex digit (0-9, a-f, A-F) alike, on ASCII text;
    None when none is known here."""
    return _remembered("hex", source, _hex_superset)


def _hex_superset(source: str) -> Optional[str]:
    if "(?>" in source or re.search(r"(?<!\\)[*+?}]\+", source):
        return None  # atomic groups, possessive quantifiers: a wider class may make them fail
    out: List[str] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "\\":
            nxt = source[i + 1 : i + 2]
            if nxt == "d":
                out.append(_ANY_HEX)
            elif nxt.isalnum() and nxt not in _SAFE_ESCAPES:
                return None  # \D, backreferences, character codes, properties
            else:
                out.append(source[i : i + 2])
            i += 2
            continue
        if c == "[":
            j, negated = _class_end(source, i)
            body = source[i : j + 1]
            admits = _class_admits(body, _HEX_DIGITS)
            if admits is None:
                return None
            if 0 < admits < len(_HEX_DIGITS):
                if negated:
                    return None
                body = body[:-1] + "0-9a-fA-F]"
            out.append(body)
            i = j + 1
            continue
        if c == "{":
            m = _QUANT.match(source, i)
            if m:
                out.append(m.group())
                i = m.end()
                continue
        if c == "(":
            if source.startswith(("(?P=", "(?(", "(?!", "(?<!"), i):
                return None
            m = _FLAGS.match(source, i) or _GROUP_NAME.match(source, i)
            if m:
                out.append(m.group())
                i = m.end()
                continue
        out.append(_ANY_HEX if c in _HEX_DIGITS else c)
        i += 1
    return "".join(out)
