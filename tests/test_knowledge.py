"""Rule files that misbehave get one clear line naming file, rule and field; runaway regexes are contained."""
from __future__ import annotations

import textwrap
import time

import pytest

from analyzer.kb.conditions import ConditionError, compile_condition, glob_matcher
from analyzer.kb.rules import RuleError, load_rules, required_literals
from analyzer.pipeline.engine import analyze_text

from conftest import tflog

GOOD = """
- id: my-widget-broke
  category: cuda.runtime_fault
  severity: error
  title: The widget broke
  match: ['widget (?P<widget>\\w+) broke down']
  explanation: Widget {widget} broke.
  fixes: ['Replace widget {widget}.']
  references: [https://example.org/widget]
  examples:
    match: ['E tensorflow/core/w.cc:1] widget alpha broke down']
    no_match: ['widget alpha is fine']
"""


def write(tmp_path, text, name="mine.yaml"):
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    (d / name).write_text(textwrap.dedent(text))
    return d


def test_user_rule_folder_is_used(tmp_path):
    kb = load_rules([write(tmp_path, GOOD)])
    report = analyze_text("x\nE tensorflow/core/w.cc:1] widget alpha broke down\n", kb)
    f = report.root
    assert f.rule_id == "my-widget-broke" and f.facts["widget"] == "alpha"
    assert f.explanation == "Widget alpha broke." and f.fixes == ["Replace widget alpha."]
    assert f.evidence[0].line == 2


def test_an_explanation_paragraph_is_shown_only_where_its_condition_holds(tmp_path):
    """A sentence true for some logs only (the loaded library older than the build's, not newer) carries a `when`:
    each log sees the paragraphs that hold for it, in order, and the others not at all."""
    text = GOOD.replace("explanation: Widget {widget} broke.", (
        "explanation:\n"
        "    - Widget {widget} broke.\n"
        "    - {text: 'Alpha widgets wear out: replace it.', when: widget == 'alpha'}\n"
        "    - {text: 'Other widgets are sturdy: look for a cause.', when: widget != 'alpha'}\n"
        "    - Widgets are counted daily."))
    kb = load_rules([write(tmp_path, text)])
    alpha = analyze_text("E tensorflow/core/w.cc:1] widget alpha broke down\n", kb).root
    beta = analyze_text("E tensorflow/core/w.cc:1] widget beta broke down\n", kb).root
    assert alpha.explanation == "Widget alpha broke.\nAlpha widgets wear out: replace it.\nWidgets are counted daily."
    assert beta.explanation == "Widget beta broke.\nOther widgets are sturdy: look for a cause.\nWidgets are counted daily."


@pytest.mark.parametrize("mutation,expect", [
    (lambda t: t.replace("category: cuda.runtime_fault", "category: cuda.nonsense"), "rule my-widget-broke: field 'category'"),
    (lambda t: t.replace("severity: error", "severity: fatal"), "field 'severity'"),
    (lambda t: t.replace("  title: The widget broke", "  title: The widget broke\n  colour: blue"), "field 'colour': unknown field"),
    (lambda t: t.replace("['widget (?P<widget>\\w+) broke down']", "['widget (unclosed']"), "field 'match': regex"),
    (lambda t: t.replace("id: my-widget-broke", "id: My Widget"), "field 'id'"),
    (lambda t: t.replace("  title: The widget broke\n", ""), "field 'title': required"),
    (lambda t: t + "  when: import os\n", "field 'when'"),
    (lambda t: t + "  when: __import__('os').system('x')\n", "field 'when'"),
    (lambda t: t.replace("explanation: Widget {widget} broke.", "explanation: [{text: Widget broke., when: widget ==}]"), "field 'explanation'"),
    (lambda t: t.replace("explanation: Widget {widget} broke.", "explanation: [{when: widget == 'alpha'}]"), "field 'explanation'"),
])
def test_malformed_rules_name_file_rule_and_field(tmp_path, mutation, expect):
    d = write(tmp_path, mutation(GOOD))
    with pytest.raises(RuleError) as e:
        load_rules([d])
    assert str(d / "mine.yaml") in str(e.value) and expect in str(e.value)


def test_invalid_yaml_via_cli_is_one_line_exit_2(tmp_path):
    d = write(tmp_path, "- id: x\n  title: [unclosed\n")
    log = tmp_path / "a.log"
    log.write_text("hello\n")
    p = tflog("analyze", "--rules", d, log)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.startswith("tflog: error: ") and "invalid YAML at line" in err and err.count("\n") == 1


def test_duplicate_ids_in_one_folder(tmp_path):
    d = write(tmp_path, GOOD)
    write(tmp_path, GOOD, "second.yaml")
    with pytest.raises(RuleError, match="duplicate id"):
        load_rules([d])


def test_missing_rules_folder(tmp_path):
    with pytest.raises(RuleError, match="rules folder not found"):
        load_rules([tmp_path / "nope"])


def test_yaml_is_loaded_safely(tmp_path):
    d = write(tmp_path, "- !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(RuleError, match="invalid YAML"):
        load_rules([d])


def test_catastrophic_regex_is_disabled_and_analysis_completes(tmp_path):
    evil = GOOD.replace("match: ['widget (?P<widget>\\w+) broke down']", "match: ['(x|xx)+$']\n  keywords: [xxxx]") \
               .replace("widget alpha broke down", "xxxx y")
    kb = load_rules([write(tmp_path, evil)])
    line = "E tensorflow/core/x.cc:1] " + "x" * 5000 + "!"
    start = time.monotonic()
    report = analyze_text(line + "\nF tensorflow/core/y.cc:2] Check failed: ok\n", kb)
    assert time.monotonic() - start < 30
    assert any("disabled" in w and "my-widget-broke" in w for w in report.warnings)
    assert any(e.line == 2 for f in report.findings for e in f.evidence)  # the rest was still analysed


def test_prefilter_keywords_are_derived_from_patterns():
    assert required_literals(r"Could not create cudnn handle: (?P<s>\w+)") == ["could not create cudnn handle: "]
    assert required_literals(r"(?:foo|barbaz)quux") == ["quux"]
    assert required_literals(r"(?:alpha|bravo) x") == ["alpha", "bravo"]
    assert required_literals(r"\d+") is None


def test_conditions_compare_versions_and_see_other_findings():
    cond = compile_condition("cudnn_runtime < cudnn_compiled and not has('noise-*')")
    assert cond({"cudnn_runtime": "7.10.0", "cudnn_compiled": "7.9.1"}, glob_matcher([])) is False
    assert cond({"cudnn_runtime": "7.0.5", "cudnn_compiled": "7.2.1"}, glob_matcher(["cuda.no_device"])) is True
    assert cond({"cudnn_runtime": "7.0.5", "cudnn_compiled": "7.2.1"}, glob_matcher(["noise-numa"])) is False
    assert compile_condition("tf_version >= '2.11'")({"tf_version": "2.15.0_rc0"}, glob_matcher([])) is True
    assert compile_condition("tf_version >= '2.11'")({}, glob_matcher([])) is False
    assert compile_condition("major(cudnn_runtime) == 8")({"cudnn_runtime": "8.0.5"}, glob_matcher([])) is True
    with pytest.raises(ConditionError):
        compile_condition("open('x')")


def test_cold_fields_of_cached_rules_come_back_when_read():
    """Rules restored from the cache keep their COLD_FIELDS as marshal bytes until one is read
    (kb/rules.py): what is read, compared, copied or turned back into data is what was stored."""
    import copy
    import marshal

    from analyzer.kb.rules import COLD_FIELDS, Rule, cold_split, rules_from_data, rules_to_data

    assert not [name for name in COLD_FIELDS if name in Rule.__dict__]  # no class attribute to answer first
    kb = load_rules()
    data = rules_to_data(kb)
    restored = rules_from_data(marshal.loads(marshal.dumps(cold_split(data))))
    assert all("_cold" in r.__dict__ for r in restored.rules)
    first, plain = restored.rules[0], kb.rules[0]
    twin = copy.copy(first)
    assert first.examples_match == plain.examples_match and "_cold" not in first.__dict__
    assert first.fixes == plain.fixes and first.references == plain.references
    assert twin == plain and copy.deepcopy(restored.rules[1]) == kb.rules[1]
    assert rules_to_data(restored) == data
    with pytest.raises(AttributeError):
        restored.rules[2].no_such_field  # noqa: B018


def test_a_long_fix_given_by_several_rules_of_a_file_is_written_once():
    """A correction to shared advice must reach every rule that gives it: within one rules file, a fix text of some
    length that two rules give is one YAML node (an anchor and its aliases, docs/rules.md), not two copies that can
    drift apart. (PyYAML builds an alias as the very object of its anchor, so two copies show as two objects.)"""
    from pathlib import Path

    import yaml

    copies = []
    for path in sorted((Path(__file__).parent.parent / "rules").glob("*.yaml")):
        seen: dict = {}
        rules = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in rules if isinstance(rules, list) else []:  # (categories.yaml is no list of rules)
            for fix in rule.get("fixes") or []:
                text = fix["text"] if isinstance(fix, dict) else fix
                if len(text) < 80:
                    continue
                first = seen.setdefault(text, text)
                if first is not text:
                    copies.append(f"{path.name} {rule['id']}: {text[:60]}...")
    assert not copies, "write these fixes once, as a YAML anchor:\n" + "\n".join(copies)
