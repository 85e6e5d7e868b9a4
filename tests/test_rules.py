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


def test_an_example_the_engine_reads_as_traceback_structure_is_reported(tmp_path):
    """IPython's `---> 36  code` and `File ...` lines are frames: no rule is matched on them, so an example on
    such a line would pass a plain regex check while the rule could never fire on it."""
    from analyzer.kb.rules import load_rules

    (tmp_path / "frame.yaml").write_text(
        "- id: deps-descriptor-frame\n"
        "  category: deps.version_conflict\n"
        "  severity: error\n"
        "  title: a descriptor built in generated code\n"
        "  match:\n"
        "    - '_descriptor\\.FieldDescriptor\\('\n"
        "  explanation: generated code\n"
        "  fixes: ['pin protobuf']\n"
        "  examples:\n"
        "    match:\n"
        "      - '---> 36     _descriptor.FieldDescriptor('\n"
        "    no_match:\n"
        "      - 'nothing here'\n",
        encoding="utf-8",
    )
    kb = load_rules([tmp_path], include_builtin=False)
    problems = run_examples(kb)
    assert [p.check for p in problems] == ["example-match"]
    assert "part of a traceback (frame)" in str(problems[0])


def test_every_rule_file_loads_without_libyaml():
    """tflog reads its YAML with libyaml when PyYAML has it, else with PyYAML's pure-Python loader, which is stricter
    (a plain `did you use camelcase?,` in a flow list stops it): both must read every shipped file alike."""
    from pathlib import Path

    import yaml

    files = sorted((Path(__file__).resolve().parents[1] / "rules").rglob("*.yaml"))
    assert len(files) > 15
    for f in files:
        text = f.read_text(encoding="utf-8")
        pure = yaml.load(text, Loader=yaml.SafeLoader)
        if hasattr(yaml, "CSafeLoader"):
            assert pure == yaml.load(text, Loader=yaml.CSafeLoader), f.name
