"""The bundled sample logs: each gets the root cause its README row names, with the key line as evidence."""
from __future__ import annotations

import re

import pytest

from analyzer import analyze
from analyzer.core.normalize import mask
from analyzer.pipeline.parse import parse_line

from conftest import SAMPLES


def table():
    rows = []
    for line in (SAMPLES / "README.md").read_text().splitlines():
        m = re.match(r"\|\s*(\S+\.log)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|", line)
        if m:
            rows.append((m.group(1), m.group(2), None if m.group(3) == "-" else int(m.group(3))))
    return rows


ROWS = table()


def test_table_covers_every_sample():
    assert len(ROWS) >= 10
    assert {r[0] for r in ROWS} == {p.name for p in SAMPLES.glob("*.log")}


@pytest.mark.parametrize("name,category,key_line", ROWS, ids=[r[0] for r in ROWS])
def test_sample_root_cause_and_evidence(name, category, key_line):
    report = analyze(path=SAMPLES / name)
    root = report.root
    if category == "benign":
        assert root is None, f"{name}: expected no problem, got {root.rule_id} at {root.evidence[0].line}"
        assert report.findings, "a harmless log still shows its harmless lines as info"
        return
    assert root is not None and root.category == category, (name, root and root.rule_id)
    by_id = {f.key: f for f in report.findings}
    group, todo = [], [root]
    while todo:  # the root cause and everything it explains
        f = todo.pop()
        group.append(f)
        todo.extend(by_id[s] for s in f.explains)
    lines = {e.line for f in group for e in f.evidence}
    templates = {mask(parse_line(1, e.text).message) for f in group for e in f.evidence}
    key_text = (SAMPLES / name).read_text().splitlines()[key_line - 1]
    # the key line is evidence itself, or a repeat folded into an earlier line with the same template (counted)
    assert key_line in lines or mask(parse_line(1, key_text).message) in templates, \
        f"{name}: key line {key_line} not in evidence {sorted(lines)} of {root.rule_id}"


def test_an_error_after_the_root_cause_is_listed_under_it():
    """The IndexError of a script indexing the empty GPU list is a consequence of the missing cuDNN,
    not a second root cause; it keeps its own evidence line."""
    report = analyze(path=SAMPLES / "cudnn_missing.log")
    root = report.root
    assert root.rule_id == "cudnn-dso-load-failed"
    index_error = next(f for f in report.findings if f.facts.get("exception_type") == "IndexError")
    assert not index_error.root_cause and index_error.key in root.explains
    assert [f for f in report.findings if f.root_cause] == [root]


def test_a_traceback_cut_off_before_its_error_is_never_nothing():
    """A log that ends inside a traceback still failed: tflog says so, names where, and asks for the rest."""
    log = (
        "2024-03-10 14:30:01.356725: I tensorflow/core/platform/cpu_feature_guard.cc:210] This TensorFlow binary "
        "is optimized to use available CPU instructions in performance-critical operations.\n"
        "Traceback (most recent call last):\n"
        '  File "c:\\Users\\User\\CodeProjects\\compare_faces.py", line 15, in <module>\n'
        "    result = DeepFace.verify(f1, f2)\n"
    )
    report = analyze(log)
    root = report.root
    assert root is not None and root.rule_id == "unrecognized" and root.severity == "error"
    assert "compare_faces.py" in root.title and root.evidence[0].line == 3
    assert "Paste the lines after it" in root.explanation
