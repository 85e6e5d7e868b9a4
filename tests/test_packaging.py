"""The wheel a user installs carries the knowledge base, the probes and the JSON schema."""
from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_contains_rules_probes_and_schema(tmp_path):
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    [wheel] = tmp_path.glob("tflog_doctor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "analyzer/rules/categories.yaml" in names
    rule_files = {n for n in names if n.startswith("analyzer/rules/") and n.endswith(".yaml")}
    assert rule_files >= {f"analyzer/rules/{f.name}" for f in (ROOT / "rules").glob("*.yaml")}
    assert "analyzer/confirm/probes/_runner.py" in names and "analyzer/schema/report.schema.json" in names
    meta = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    requires = [l for l in text.splitlines() if l.startswith("Requires-Dist:")]
    assert not any("tensorflow" in r and "extra ==" not in r for r in requires), "TensorFlow must stay optional"


def test_import_does_not_pull_in_heavy_modules():
    code = ("import sys, analyzer; analyzer.analyze('E tensorflow/x.cc:1] boom\\n');"
            "bad = [m for m in ('tensorflow', 'rich', 'typer', 'ctypes') if m in sys.modules]; print(bad)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "[]", p.stdout + p.stderr
