"""Accuracy on the labelled real logs of the dev corpus (next to the checkout, as in CI).

Runs the corpus's own scorer against the real `tflog analyze --format json` and fails under the
bar; the misses are printed so a failure says what to look at.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import CORPUS

BAR_TOP1 = 95.0
BAR_FACTS = 0.90


@pytest.mark.skipif(not (CORPUS / "score.py").is_file(), reason="dev corpus not next to this checkout")
def test_dev_corpus_accuracy():
    labels = sorted(str(p) for p in CORPUS.glob("labels-*.yaml"))
    cmd = f"{sys.executable} -m analyzer analyze --format json"
    p = subprocess.run([sys.executable, str(CORPUS / "score.py"), "--cmd", cmd, "--show-misses", *labels],
                       capture_output=True, text=True, cwd=CORPUS, timeout=900)
    print(p.stdout)
    m = re.search(r"top-1 accuracy: \d+/\d+ = ([\d.]+)%", p.stdout)
    assert m, p.stdout + p.stderr
    assert re.search(r"crashes: 0;", p.stdout), "some logs crashed tflog:\n" + p.stdout
    assert float(m.group(1)) >= BAR_TOP1, p.stdout
    ok, total = map(int, re.search(r"facts: (\d+)/(\d+)", p.stdout).groups())
    assert ok >= BAR_FACTS * total, p.stdout
    benign = re.search(r"^benign\s+(\d+)/(\d+)", p.stdout, re.M)
    assert benign and benign.group(1) == benign.group(2), "a harmless log was given an error or warning:\n" + p.stdout
