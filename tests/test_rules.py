"""Every rule's own examples, run through the engine's parsing, prefilter and matching; lint is clean."""
from __future__ import annotations

import pytest

from analyzer import load_knowledge_base
from analyzer.authoring.check import lint, run_examples

KB = load_knowledge_base()


def test_knowledge_base_has_rules_for_every_category():
    used = {r.category for r in KB.rules}
    missing = sorted(set(KB.categories) - used - {"unknown", "benign"})
    assert not missing, f"categories without rules: {missing}"


@pytest.mark.parametrize("rule", KB.rules, ids=lambda r: r.id)
def test_rule_examples(rule):
    problems = run_examples(KB, [rule])
    assert not problems, "\n".join(map(str, problems))


def test_lint_is_clean():
    problems = lint(KB)
    assert not problems, "\n".join(map(str, problems))
