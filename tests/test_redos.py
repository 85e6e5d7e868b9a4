"""Built-in patterns never backtrack for long on a hostile line.

Built-in rules run without the regex timeout on lines up to VETTED_MAX_LEN characters (the timeout
costs a system call per search; see analyzer/kb/rules.py), so this test is what stands between a
careless pattern and a hung `tflog`. It "pumps" each example line the way ReDoS detectors do: a
piece of the line repeated until the line is VETTED_MAX_LEN long, followed by a character that
makes the match fail late, and gives each search a generous timeout to expose exponential or
high-polynomial backtracking.
"""
from __future__ import annotations

from typing import Iterator, List, Tuple

import pytest
import regex

from analyzer.kb.rules import MATCH_TIMEOUT, VETTED_MAX_LEN, load_rules
from analyzer.pipeline import facts, parse

TIMEOUT = MATCH_TIMEOUT  # what a user rule may take; a linear pattern needs well under 1 ms for 4 KB
GENERIC = ("a", " ", "0", "a ", "x:", ". ", "\\", "'", "_1", "-", "=", "ab1 ")


def hostile_lines(example: str) -> Iterator[str]:
    """Lines of about VETTED_MAX_LEN characters built by repeating pieces of `example`."""
    n = len(example)
    for i in sorted({0, n // 4, n // 2, (3 * n) // 4, max(n - 8, 0)}):
        for width in (1, 2, 3, 5, 8):
            piece = example[i:i + width]
            if not piece:
                continue
            pumped = example[:i] + piece * ((VETTED_MAX_LEN - n) // len(piece)) + example[i + width:]
            yield pumped[:VETTED_MAX_LEN - 1] + "\x00"
    for piece in GENERIC:
        yield (example[: n // 2] + piece * VETTED_MAX_LEN)[:VETTED_MAX_LEN - 1] + "!"


def slow_patterns(patterns: List[Tuple[str, regex.Pattern]], examples: List[str]) -> List[str]:
    slow = []
    for name, pattern in patterns:
        for example in examples:
            for line in hostile_lines(example):
                try:
                    pattern.search(line, timeout=TIMEOUT)
                except TimeoutError:
                    slow.append(f"{name}: {pattern.pattern[:80]!r} on {line[:60]!r}...")
                    break
            else:
                continue
            break
    return slow


def test_the_check_finds_backtracking_patterns():
    """The detector itself: classic catastrophic patterns are caught from ordinary examples."""
    bad = [("nested", regex.compile(r"(x|xx)+$")), ("words", regex.compile(r"([a-z ]+)*\d$")),
           ("fields", regex.compile(r"(.*,){6}x"))]
    assert len(slow_patterns(bad, ["xxxx y", "Could not load dynamic library", "shape=1,2,3"])) == 3
    assert slow_patterns([("fine", regex.compile(r"Could not load dynamic library '(?P<lib>[^']+)'"))],
                         ["Could not load dynamic library 'libcudart.so.11.0'"]) == []


@pytest.mark.parametrize("rule", load_rules().rules, ids=lambda r: r.id)
def test_builtin_rule_patterns_do_not_backtrack(rule):
    examples = [e.line for e in rule.examples_match] + list(rule.examples_no_match)
    assert examples, "every built-in rule has examples (tflog rules lint)"
    assert slow_patterns([(rule.id, p) for p in rule.patterns], examples) == []


def test_fact_and_line_format_patterns_do_not_backtrack():
    """The patterns that run on every candidate line: facts and log-prefix parsing."""
    rules = load_rules().rules
    examples = [e.line for r in rules for e in r.examples_match][::7]  # a spread of real line shapes
    patterns = [(f"fact {p.regex.pattern[:30]}", p.regex) for p in facts.PATTERNS]
    patterns += [(name, getattr(parse, name)) for name in ("_TSL", "_ABSL", "_PYLOG", "EXCEPTION_LINE")]
    assert slow_patterns(patterns, examples) == []
