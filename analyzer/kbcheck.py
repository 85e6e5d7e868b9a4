"""`tflog rules lint` and `tflog rules test`: small, named checks over the knowledge base.

Each lint check is one function `check_*(rule, kb) -> list of problems`,
registered in `LINT_CHECKS`; the example tests run every rule's `examples`
through the same parsing, prefilter and matching the engine uses.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Callable, Dict, List

from .compat import DERIVED_FACTS
from .facts import REPORT_FACTS, normalise_finding_facts
from .knowledge import KnowledgeBase, Rule
from .parse import clean, parse_line
from .reader import Block

# Facts the engine provides besides REPORT_FACTS and a rule's own named groups.
ENGINE_FACTS = {
    "node", "exception_type", "user_frame", "bfc_limit_bytes", "bfc_in_use_bytes", "bfc_max_in_use_bytes",
    "bfc_largest_free_block_bytes",
} | set(DERIVED_FACTS)  # derived from rules/compat/ by analyzer.compat.derived_facts


@dataclass
class Problem:
    rule_id: str
    file: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.rule_id}: {self.check}: {self.message}"


def _group_names(rule: Rule) -> set:
    return {n for p in rule.patterns for n in p.groupindex}


def _known_names(rule: Rule) -> set:
    return set(REPORT_FACTS) | ENGINE_FACTS | _group_names(rule)


def check_examples_present(rule: Rule, kb: KnowledgeBase) -> List[str]:
    out = []
    if not rule.examples_match:
        out.append("no 'examples.match' lines: every rule shows lines it must match")
    if not rule.examples_no_match:
        out.append("no 'examples.no_match' lines: every rule shows near-misses it must not match")
    return out


def check_advice_present(rule: Rule, kb: KnowledgeBase) -> List[str]:
    out = []
    if not rule.explanation:
        out.append("no 'explanation'")
    if rule.severity != "info" and not rule.fixes:
        out.append("an error or warning rule needs at least one fix")
    if not rule.references:
        out.append("no 'references': name the source of the message (TF/XLA source or a real report)")
    return out


def check_template_fields(rule: Rule, kb: KnowledgeBase) -> List[str]:
    known = _known_names(rule)
    out = []
    texts = [rule.explanation] + [f.text for f in rule.fixes] + [str(i.get("note") or "") for i in rule.severity_when]
    for text in texts:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        except ValueError as e:
            out.append(f"template does not parse ({e}): {text[:60]!r}")
            continue
        for n in sorted(names - known):
            out.append(f"template names unknown fact {{{n}}} (known: report facts, engine facts, this rule's named groups)")
    return out


def check_condition_names(rule: Rule, kb: KnowledgeBase) -> List[str]:
    import ast

    known = _known_names(rule) | {"has", "major", "minor", "lower", "True", "False", "None"}
    conds = [rule.when] + [i["if"] for i in rule.severity_when] + [f.when for f in rule.fixes]
    out = []
    for c in filter(None, conds):
        for node in ast.walk(ast.parse(c, mode="eval")):
            if isinstance(node, ast.Name) and node.id not in known:
                out.append(f"condition {c!r} names unknown fact {node.id!r}")
    return out


# Lines every long training log is full of; a keyword found in them defeats the prefilter.
ORDINARY_LINES = [
    "  50/1875 [>.............................] - ETA: 1:02 - loss: 0.6931 - accuracy: 0.5012 - val_loss: 0.7 - val_accuracy: 0.5",
    "1875/1875 [==============================] - 95s 50ms/step - loss: 0.0192 - accuracy: 0.9928 - lr: 1.0000e-04",
    "12/12 - 1s - 79ms/step - accuracy: 0.5547 - loss: 0.6957 - val_accuracy: 0.4453 - val_loss: 0.7206",
    "Epoch 137/200",
    "INFO:tensorflow:global step 1370: loss = 0.6485 (3.511 sec/step)",
    "I1013 12:07:01.883585 140401173534464 tf_logging.py:116] Saving checkpoint to path /home/user/model.ckpt",
    "INFO:tensorflow:Assets written to: /home/user/run/ckpt-137/assets",
    "step 1370, lr 0.001, loss 0.123, grad_norm 1.37, tokens/s 13700",
]


def check_keywords_selective(rule: Rule, kb: KnowledgeBase) -> List[str]:
    low = [l.lower() for l in ORDINARY_LINES]
    return [f"keyword {k!r} occurs in ordinary training-log lines ({next(l for l in low if k in l)[:50]!r}...); "
            "the prefilter would hand every progress line to the matcher: use a more specific keyword"
            for k in rule.keywords if any(k in l for l in low)]


def check_explains_targets(rule: Rule, kb: KnowledgeBase) -> List[str]:
    import fnmatch

    return [f"'explains' entry {e!r} matches no rule" for e in rule.explains
            if not any(fnmatch.fnmatchcase(i, e) for i in kb.by_id)]


LINT_CHECKS: Dict[str, Callable[[Rule, KnowledgeBase], List[str]]] = {
    "examples-present": check_examples_present,
    "advice-present": check_advice_present,
    "template-fields": check_template_fields,
    "condition-names": check_condition_names,
    "explains-targets": check_explains_targets,
    "keywords-selective": check_keywords_selective,
}


def lint(kb: KnowledgeBase) -> List[Problem]:
    problems = []
    for rule in kb.rules:
        for name, check in LINT_CHECKS.items():
            problems.extend(Problem(rule.id, rule.file, name, msg) for msg in check(rule, kb))
    return problems


def run_examples(kb: KnowledgeBase, rules: List[Rule] = None) -> List[Problem]:
    """Run every rule's examples through the engine's own parsing, prefilter and matching."""
    from .engine import _prefilter_for

    prefilter = _prefilter_for(kb)
    problems = []
    for rule in rules if rules is not None else kb.rules:
        for ex in rule.examples_match:
            problems.extend(Problem(rule.id, rule.file, "example-match", m) for m in _check_match(kb, prefilter, rule, ex))
        for line in rule.examples_no_match:
            rec = parse_line(1, clean(line.encode("utf-8")))
            if rule.search(rec.message) or rule.search(rec.text):
                problems.append(Problem(rule.id, rule.file, "example-no-match", f"matches a near-miss it must not: {line[:120]!r}"))
    return problems


def _check_match(kb: KnowledgeBase, prefilter, rule: Rule, ex) -> List[str]:
    raw = ex.line.encode("utf-8")
    if not list(prefilter.candidates(Block(raw + b"\n", 1))):
        return [f"the prefilter skips this line (no keyword of the rule in it; add 'keywords:'): {ex.line[:120]!r}"]
    rec = parse_line(1, clean(raw))
    candidates = kb.candidate_rules(rec.text.lower())
    winner, m = kb.match(rec.message, candidates)
    if winner is None and rec.message is not rec.text:
        winner, m = kb.match(rec.text, candidates)
    if winner is None:
        return [f"does not match its own example: {ex.line[:120]!r}"]
    if winner is not rule:
        return [f"example is matched first by rule {winner.id} ({winner.file}), not by this rule: {ex.line[:120]!r}"]
    got = normalise_finding_facts(m.groupdict())
    return [f"fact {k}: expected {v!r}, got {got.get(k)!r} in {ex.line[:80]!r}" for k, v in ex.facts.items() if str(got.get(k)) != v]
