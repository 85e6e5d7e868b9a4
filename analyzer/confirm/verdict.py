"""`tflog analyze --confirm`: test each diagnosis on this machine with its rule's probe.

The probe gets the finding's facts over the report's facts (the library the log named, the
versions it stated, the bytes an OOM asked for) and its verdict lands in `finding.confirmation`.
A `tf_op` probe returns TensorFlow's own log output, which is analysed with the same engine.
"""

from __future__ import annotations

from typing import Dict, Optional, TextIO

from analyzer.core.model import Finding, Report
from analyzer.pipeline.memory import parse_bytes


def probe_context(report: Report, finding: Finding) -> Dict[str, object]:
    ctx: Dict[str, object] = dict(report.facts)
    ctx.update(finding.facts)
    if "library" not in ctx and finding.facts.get("missing"):
        ctx["library"] = finding.facts["missing"]
    if ctx.get("oom_requested_bytes") and not parse_bytes(ctx.get("requested_bytes")):
        ctx["requested_bytes"] = ctx["oom_requested_bytes"]  # the exact bytes the engine worked out (pipeline/memory.py)
    return ctx


def confirm_report(report: Report, progress: Optional[TextIO] = None, timeout: float = 30.0) -> None:
    """Run each probe once (findings that share a probe and context share its verdict)."""
    from .probes import run_probe

    done: Dict[str, dict] = {}
    for f in report.findings:
        if not f.probe or f.severity == "info":
            continue
        ctx = probe_context(report, f)
        key = f.probe + repr(sorted((k, str(v)) for k, v in ctx.items()))
        if key not in done:
            if progress is not None:
                progress.write(f"tflog: confirming {f.rule_id} with the {f.probe} probe...\n")
                progress.flush()
            result = run_probe(f.probe, ctx, timeout=timeout)
            if f.probe == "tf_op":
                _analyse_tf_output(result)
            done[key] = result
        f.confirmation = done[key]


def _analyse_tf_output(result: dict) -> None:
    """Read TensorFlow's own messages from the reproduction with tflog itself."""
    log = (result.get("observed") or {}).get("tf_log")
    if not log:
        return
    from analyzer.kb.load import load_knowledge_base
    from analyzer.pipeline.engine import analyze_text

    root = analyze_text(log, load_knowledge_base()).root
    if root is not None:
        result["observed"]["tf_log_diagnosis"] = {"rule_id": root.rule_id, "category": root.category, "title": root.title}
        result["detail"] = (
            result.get("detail", "") + f" tflog reads TensorFlow's output as: {root.title} ({root.rule_id})."
        ).strip()
