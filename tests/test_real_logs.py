"""Accuracy on real logs that are not in the dev corpus (tests/fixtures/real_logs, labelled from each thread).

The logs were copied from public issue threads other than the dev corpus sources, to measure how the
knowledge base generalises. The dev corpus's own scorer is run against the real
`tflog analyze --format json`; the test fails under the bar and prints the misses.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS

LABELS = Path(__file__).parent / "fixtures" / "real_logs" / "labels.yaml"

# Reached when this test was written: top-1 56/58 (96.6%), facts 29/29, benign 8/8, no crash
# (plus 3 log-insufficient cases scored apart).
# The two misses are REPL transcripts whose answer (`False`) is on the line after the call.
BAR_TOP1 = 95.0
BAR_FACTS = 0.95


def _score(*labels):
    """The dev corpus scorer's output for these label files, run against the real CLI, and its top-1 line."""
    cmd = f"{sys.executable} -m analyzer analyze --format json"
    p = subprocess.run([sys.executable, str(CORPUS / "score.py"), "--cmd", cmd, "--show-misses", *map(str, labels)],
                       capture_output=True, text=True, cwd=LABELS.parent, timeout=900)
    out = p.stdout
    print(out)
    m = re.search(r"top-1 accuracy: (\d+)/(\d+) = ([\d.]+)%", out)
    assert m, out + p.stderr
    return out, m



@pytest.mark.skipif(not (CORPUS / "score.py").is_file(), reason="dev corpus scorer not next to this checkout")
def test_real_logs_accuracy():
    out, m = _score(LABELS)
    assert int(m.group(2)) >= 50, "fewer labelled real logs than expected:\n" + out
    assert re.search(r"crashes: 0;", out), "some logs crashed tflog:\n" + out
    assert float(m.group(3)) >= BAR_TOP1, out
    ok, total = map(int, re.search(r"facts: (\d+)/(\d+)", out).groups())
    assert ok >= BAR_FACTS * total, out
    benign = re.search(r"^benign\s+(\d+)/(\d+)", out, re.M)
    assert benign and benign.group(1) == benign.group(2), "a harmless log was given an error or warning:\n" + out


FIRST_SIGHT_1 = [LABELS.parent / "first_sight_1" / "labels-py.yaml", LABELS.parent / "first_sight_1" / "labels-gpu.yaml"]
# First sight (before any change for it) this batch scored 98/125 = 78.4%; after the work 117/125 (see
# tests/fixtures/real_logs/FIRST_SIGHT.md). This bar keeps what was learnt from it.
BAR_FIRST_SIGHT_1 = 90.0


@pytest.mark.skipif(not (CORPUS / "score.py").is_file(), reason="dev corpus scorer not next to this checkout")
def test_first_sight_batch_1_keeps_what_it_taught():
    out, m = _score(*FIRST_SIGHT_1)
    assert int(m.group(2)) >= 120, out
    assert re.search(r"crashes: 0;", out), out
    assert float(m.group(3)) >= BAR_FIRST_SIGHT_1, out
    benign = re.search(r"^benign\s+(\d+)/(\d+)", out, re.M)
    assert benign and benign.group(1) == benign.group(2), out


FIRST_SIGHT_KERAS = LABELS.parent / "first_sight_keras" / "labels.yaml"
# Keras/TF first-week errors: 35/48 = 72.9% at first sight, 48/48 after the work (FIRST_SIGHT.md).
BAR_FIRST_SIGHT_KERAS = 95.0


@pytest.mark.skipif(not (CORPUS / "score.py").is_file(), reason="dev corpus scorer not next to this checkout")
def test_first_sight_keras_batch_keeps_what_it_taught():
    out, m = _score(FIRST_SIGHT_KERAS)
    assert int(m.group(2)) >= 48, out
    assert re.search(r"crashes: 0;", out), out
    assert float(m.group(3)) >= BAR_FIRST_SIGHT_KERAS, out
