"""The package's plan holds: no import circle, every import runs down the stages, the picture is current.

The checks live in scripts/architecture.py (also runnable by hand); here they run on the real
package and on small packages built to break them, so a checker that sees nothing cannot pass.
"""
from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import architecture


@pytest.fixture(scope="module")
def graph():
    return architecture.graph()


def test_no_import_circle(graph):
    assert architecture.circles(graph) == []


def test_every_import_runs_down_the_stages(graph):
    assert architecture.violations(graph) == []


def test_every_package_has_a_stage(graph):
    assert {architecture.stage_of(m) for m in graph} <= set(architecture.RANK)


def test_lazy_imports_count(graph):
    # cli.main imports the Typer app only inside a function; it must still be an arrow.
    assert "analyzer.cli.app" in graph["analyzer.cli.main"]
    assert "analyzer.confirm.probes.compat" in graph["analyzer.confirm.probes.cudnn"]  # `from . import _native, compat`


def test_a_circle_and_an_upward_import_are_caught(tmp_path, monkeypatch):
    pkg = tmp_path / "analyzer"
    for sub in ("core", "pipeline", "report"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "model.py").write_text("def f():\n    from analyzer.report.render import render\n")  # up
    (pkg / "report" / "render.py").write_text("from analyzer.core.model import f\n")
    (pkg / "pipeline" / "a.py").write_text("from . import b\n")
    (pkg / "pipeline" / "b.py").write_text("from .a import x\n")
    monkeypatch.setattr(architecture, "ROOT", tmp_path)
    monkeypatch.setattr(architecture, "PACKAGE", pkg)
    g = architecture.graph()
    found = architecture.circles(g)
    assert ["analyzer.pipeline.a", "analyzer.pipeline.b"] in found
    assert ["analyzer.core.model", "analyzer.report.render"] in found
    assert any("analyzer.core.model (core) imports analyzer.report.render (report), a later stage" in v
               for v in architecture.violations(g))


def test_architecture_doc_shows_the_current_graph(graph):
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert architecture.generated_section(graph) in doc, \
        "docs/architecture.md is out of date: run python scripts/architecture.py --write"
