"""`tflog rules lint` and `tflog rules test`: small, named checks over the knowledge base.

Each lint check is one function `check_*(rule, kb) -> list of problems`,
registered in `LINT_CHECKS`; the example tests run every rule's `examples`
through the same parsing, prefilter and matching the engine uses.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from analyzer.kb.compat import DERIVED_FACTS, RELEASE_FACTS
from analyzer.kb.rules import ERAS, KnowledgeBase, Rule
from analyzer.pipeline.facts import REPORT_FACTS, normalise_finding_facts
from analyzer.pipeline.memory import MEMORY_FACTS
from analyzer.pipeline.parse import clean, parse_line
from analyzer.pipeline.reader import Block

# Facts the engine provides besides REPORT_FACTS and a rule's own named groups.
ENGINE_FACTS = (
    {
        "node",
        "exception_type",
        "user_frame",
        "raised_in",
        "package_conflicts",
        "package_pins",
        "cpu_package_beside_gpu",
        "gpu_package_pin",
        "tf_builds_mixed",
        "gpu_shown",
        "log_ends_here",
        "story_frame",
        "bfc_limit_bytes",
        "bfc_in_use_bytes",
        "bfc_max_in_use_bytes",
        "bfc_largest_free_block_bytes",
    }
    | set(DERIVED_FACTS)
    | set(MEMORY_FACTS)
)  # derived from rules/compat/ by analyzer.kb.compat.derived_facts; OOM arithmetic


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


def check_explanation_survives(rule: Rule, kb: KnowledgeBase) -> List[str]:
    """A line naming an unknown fact is dropped, so an explanation needs one line that names only
    facts every match supplies; otherwise a log without, say, the TF version gets no explanation."""
    if not rule.explanation or rule.family:
        return []
    groups = [set(p.groupindex) for p in rule.patterns]
    always = (set.intersection(*groups) if groups else set()) | set(RELEASE_FACTS)
    if rule.traceback:
        always |= {"exception_type", "raised_in", "story_frame"}
    formatter = string.Formatter()
    for line in rule.explanation.splitlines():
        try:
            names = {f for _, f, _, _ in formatter.parse(line) if f}
        except ValueError:
            return []  # check_template_fields reports it
        if line.strip() and names <= always:
            return []
    return [
        "every line of the explanation names a fact the log may not state, so it can vanish: put such facts on lines of their own"
    ]


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
    return [
        f"keyword {k!r} occurs in ordinary training-log lines ({next(l for l in low if k in l)[:50]!r}...); "
        "the prefilter would hand every progress line to the matcher: use a more specific keyword"
        for k in rule.keywords
        if any(k in l for l in low)
    ]


def check_explains_targets(rule: Rule, kb: KnowledgeBase) -> List[str]:
    import fnmatch

    return [
        f"'{name}' entry {e!r} matches no rule"
        for name, entries in (("explains", rule.explains), ("explains_after", rule.explains_after))
        for e in entries
        if not any(fnmatch.fnmatchcase(i, e) for i in kb.by_id)
    ]


# --- eras: which TF log format an example line is in ----------------------------------------

# A Windows line: a source path with a backslash in the C++ prefix (official TF 1.x builds:
# `E C:\tf_jenkins\...\tensorflow\stream_executor\cuda\cuda_dnn.cc:385]`; self-built:
# `c:\users\...`, `.\tensorflow/...`), or a Windows library name anywhere (`cudart64_110.dll`).
_WINDOWS_DLL = re.compile(r"[\w.-]+\.dll\b", re.IGNORECASE)
# absl C++ logging (before absl::InitializeLog): `E0000 00:00:1741914572.807962   15788 cuda_dnn.cc:8310] `:
# level, mmdd, time (the epoch when no date is known), thread id, C++ basename. Python's absl
# logging has the same shape but names a .py file, and is not a TF era.
_ABSL_PREFIX = re.compile(r"(?:^|\s)[IWEF]\d{4} (?:\d\d:\d\d:\d\d|00:00:\d+)\.\d{6}\s+\d+ [\w.-]+\.(?:cc|h|cpp|c):\d+\] ")
# TSL/TF C++ logging: `2021-09-29 15:10:14.819592: I tensorflow/.../gpu_device.cc:1510] ` (the date may be
# cut off in excerpts, or absent in TF <= 1.1); `path` is the source path as printed.
_TSL_PREFIX = re.compile(
    r"(?:(?:(?P<date>\d{4}-\d\d-\d\d)[ T])?\d\d:\d\d:\d\d\.\d{3,9}: ?|(?:^|(?<=\s)))"
    r"[IWEF] (?:\[\s*\d+ tid\] )?(?P<path>[^\s\]]+\.(?:cc|h|cpp|c)):\d+\] "
)
# Where a source file lived, by era: the first pattern that matches the printed path gives the
# eras that path is possible in (message_catalog.md section 0.2). Paths are relative to the build
# root; `./` (headers) and `external/org_tensorflow/` (TF vendored by JAX) may precede `tensorflow/`.
_TF = r"^(?:\./|external/org_tensorflow/)?tensorflow/"
_PATH_ERAS: List[Tuple[re.Pattern, Tuple[str, ...]]] = [
    (re.compile(r"^external/local_(?:xla|tsl)/"), ("local_xla",)),
    (re.compile(_TF + r"(?:compiler/xla/stream_executor|tsl)/"), ("compiler_xla",)),
    (re.compile(_TF + r"stream_executor/dso_loader\.cc$"), ("tf1",)),
    (re.compile(_TF + r"stream_executor/platform/default/"), ("stream_executor",)),
    (re.compile(_TF + r"stream_executor/"), ("tf1", "stream_executor")),
    (re.compile(_TF + r"core/common_runtime/bfc_allocator\.cc$"), ("tf1", "stream_executor")),
    (re.compile(_TF + r"compiler/xla/"), ("tf1", "stream_executor", "compiler_xla")),
    (re.compile(_TF), ("tf1", "stream_executor", "compiler_xla", "local_xla")),
]
# For a path that several eras share (tensorflow/core/... never moved), the date of the prefix picks
# the era: the first era whose TF release came out after it (TF 1.14: 2019-06-18, 2.11: 2022-11-18,
# 2.15: 2023-11-14), kept within the eras the path allows. An undated line with such a path has no era.
_ERA_UNTIL = (("2019-06-18", "tf1"), ("2022-11-18", "stream_executor"), ("2023-11-14", "compiler_xla"))


def _era_by_date(date: str, allowed: Tuple[str, ...]) -> str:
    era = next((e for until, e in _ERA_UNTIL if date < until), "local_xla")
    order = list(ERAS)
    if era in allowed:
        return era
    earlier = [e for e in allowed if order.index(e) < order.index(era)]
    return earlier[-1] if earlier else allowed[0]  # a path that moved away: its last era


def example_era(line: str) -> Optional[str]:
    """The era (a key of knowledge.ERAS) whose log format `line` is in, or None.

    In this order: a backslash source path or a `.dll` name is `windows`; an absl C++ prefix is
    `absl`; a TSL prefix is placed by its source path (`_PATH_ERAS`), and where the path was the
    same in several eras, by its date (`_ERA_UNTIL`). Lines without a C++ log prefix (Python
    exceptions, tracebacks, pip) and paths outside TensorFlow have no era.
    """
    tsl = _TSL_PREFIX.search(line)
    if (tsl and "\\" in tsl.group("path")) or _WINDOWS_DLL.search(line):
        return "windows"
    if _ABSL_PREFIX.search(line):
        return "absl"
    if not tsl:
        return None
    path, date = tsl.group("path"), tsl.group("date")
    allowed = next((eras for pattern, eras in _PATH_ERAS if pattern.search(path)), ())
    if len(allowed) <= 1:
        return allowed[0] if allowed else None
    return _era_by_date(date, allowed) if date else None


def check_eras(rule: Rule, kb: KnowledgeBase) -> List[str]:
    """Every era a rule claims has a `match` example in that era's format, and every example's era is claimed."""
    seen: Dict[str, str] = {}
    for ex in rule.examples_match:
        era = example_era(ex.line)
        if era is not None:
            seen.setdefault(era, ex.line)
    out = [
        f"claims era {era!r} ({ERAS[era]}) but has no 'examples.match' line in that era's format"
        for era in ERAS
        if era in rule.eras and era not in seen
    ]
    out += [
        f"has an example in era {era!r} that 'eras:' does not claim: {seen[era][:100]!r}"
        for era in ERAS
        if era in seen and era not in rule.eras
    ]
    return out


LINT_CHECKS: Dict[str, Callable[[Rule, KnowledgeBase], List[str]]] = {
    "examples-present": check_examples_present,
    "advice-present": check_advice_present,
    "template-fields": check_template_fields,
    "condition-names": check_condition_names,
    "explanation-survives": check_explanation_survives,
    "explains-targets": check_explains_targets,
    "keywords-selective": check_keywords_selective,
    "eras": check_eras,
}


def lint(kb: KnowledgeBase) -> List[Problem]:
    problems: List[Problem] = []
    for rule in kb.rules:
        for name, check in LINT_CHECKS.items():
            problems.extend(Problem(rule.id, rule.file, name, msg) for msg in check(rule, kb))
    return problems


def run_examples(kb: KnowledgeBase, rules: Optional[List[Rule]] = None) -> List[Problem]:
    """Run every rule's examples through the engine's own parsing, prefilter and matching."""
    from analyzer.pipeline.engine import _prefilter_for

    prefilter = _prefilter_for(kb)
    problems: List[Problem] = []
    for rule in rules if rules is not None else kb.rules:
        for ex in rule.examples_match:
            check = _check_log_match if "\n" in ex.line.strip() else _check_match
            problems.extend(Problem(rule.id, rule.file, "example-match", m) for m in check(kb, prefilter, rule, ex))
        for line in rule.examples_no_match:
            if "\n" in line.strip():  # a whole log (a traceback): the rule must not be among its findings
                if any(f.rule_id == rule.id for f in _analyse(kb, line).findings):
                    problems.append(Problem(rule.id, rule.file, "example-no-match", f"fires on a near-miss log: {line[:120]!r}"))
                continue
            rec = parse_line(1, clean(line.encode("utf-8")))
            if rule.search(rec.message) or rule.search(rec.text):
                problems.append(
                    Problem(rule.id, rule.file, "example-no-match", f"matches a near-miss it must not: {line[:120]!r}")
                )
    return problems


def _check_match(kb: KnowledgeBase, prefilter, rule: Rule, ex) -> List[str]:
    raw = ex.line.encode("utf-8")
    if not list(prefilter.candidates(Block(raw + b"\n", 1))):
        return [f"the prefilter skips this line (no keyword of the rule in it; add 'keywords:'): {ex.line[:120]!r}"]
    rec = parse_line(1, clean(raw))
    if rec.kind in ("frame", "tb_header", "chain"):  # the engine reads such lines as traceback structure only
        return [f"the engine reads this line as part of a traceback ({rec.kind}) and matches no rule on it: {ex.line[:120]!r}"]
    candidates = kb.candidate_rules(rec.text.lower())
    winner, m = kb.match_line(rec.message, rec.text, candidates)
    while winner is not None and winner is not rule and winner.when:  # where a conditional rule's `when` does not
        winner, m = kb.match_line(rec.message, rec.text, kb.rules_after(winner, rec.text.lower()))  # hold (engine)
    if rule.family:  # a family guess only speaks where no specific rule does
        if winner is not None:
            return [
                f"specific rule {winner.id} already explains this example; show a line only the family knows: {ex.line[:120]!r}"
            ]
        winner, m = kb.match_family(rec.message, rec.text)
    if winner is None:
        return [f"does not match its own example: {ex.line[:120]!r}"]
    if winner is not rule:
        return [f"example is matched first by rule {winner.id} ({winner.file}), not by this rule: {ex.line[:120]!r}"]
    got = normalise_finding_facts(m.groupdict())
    return [
        f"fact {k}: expected {v!r}, got {got.get(k)!r} in {ex.line[:80]!r}" for k, v in ex.facts.items() if str(got.get(k)) != v
    ]


def _analyse(kb: KnowledgeBase, text: str):
    from analyzer.pipeline.engine import analyze_text

    return analyze_text(text, kb, "example")


def _check_log_match(kb: KnowledgeBase, prefilter, rule: Rule, ex) -> List[str]:
    """A multi-line example (a whole traceback): analysed as a log, the rule must be the first finding
    of its category's kind: among the findings, and no other non-harmless finding may rank above it."""
    report = _analyse(kb, ex.line)
    first = next((f for f in report.findings if f.severity != "info"), None)
    mine = next((f for f in report.findings if f.rule_id == rule.id), None)
    head = ex.line.strip().splitlines()[-1][:100]
    if mine is None:
        got = f"{first.rule_id} fired instead" if first is not None else "nothing fired"
        return [f"does not match its own example log ({got}): ...{head!r}"]
    if first is not None and first is not mine:
        return [f"example log's root cause is {first.rule_id}, not this rule: ...{head!r}"]
    return [
        f"fact {k}: expected {v!r}, got {mine.facts.get(k)!r} in ...{head!r}"
        for k, v in ex.facts.items()
        if str(mine.facts.get(k)) != v
    ]
