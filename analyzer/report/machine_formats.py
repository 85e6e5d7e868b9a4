"""Formats for other programs: SARIF 2.1.0 (code scanning), GitHub workflow commands, JSON Lines.

Like every renderer these only read the Report: what a finding is, its severity, title,
fixes and evidence were decided by the engine and the rules. What is added here is
only what each format requires: a stable fingerprint for SARIF (so code scanning
recognises the same finding across runs), escaping for GitHub's workflow commands.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import quote

from analyzer.core.model import Finding, Report
from analyzer.core.normalize import mask

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "tflogFindingHash/v1"
INFORMATION_URI = "https://github.com/tflog/tflog"


# --- helpers shared by the formats ------------------------------------------------------------


def display_path(name: str) -> str:
    """An input name as a repository-relative path when it lies under the current directory."""
    if name.startswith("<"):
        return name  # <stdin>, <text>: not a file
    p = Path(name)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _message(f: Finding) -> str:
    """The title, and the first fix when the rule gives one: what a reviewer needs at a glance."""
    return f"{f.title}. Fix: {f.fixes[0]}" if f.fixes else f.title


def fingerprint(f: Finding) -> str:
    """Stable across runs: the rule id plus the masked template of its first evidence line.

    Timestamps, line numbers, PIDs, addresses and paths are masked, so the same failure
    in tomorrow's log has the same fingerprint.
    """
    text = f.evidence[0].text if f.evidence else f.title
    return hashlib.sha256(f"{f.rule_id}\0{mask(text)}".encode()).hexdigest()[:32]


# --- SARIF ----------------------------------------------------------------------------------------


def _artifact_uri(name: str) -> str:
    path = display_path(name)
    if Path(path).is_absolute():
        return Path(path).as_uri()
    return quote(path, safe="/")


def _sarif_rule(f: Finding) -> Dict[str, Any]:
    rule: Dict[str, Any] = {
        "id": f.rule_id,
        "shortDescription": {"text": "Unrecognized error line" if f.match == "unrecognized" else f.title},
        "fullDescription": {"text": f.explanation or f.title},
        "defaultConfiguration": {"level": SARIF_LEVEL[f.severity]},
        "properties": {"category": f.category, "tags": ["tflog", f.category]},
    }
    if f.fixes:
        rule["help"] = {"text": "\n".join(f"{i}. {fix}" for i, fix in enumerate(f.fixes, 1))}
    web = [r for r in f.references if r.startswith(("http://", "https://"))]
    if web:
        rule["helpUri"] = web[0]
    return rule


def _sarif_result(f: Finding, rule_index: int) -> Dict[str, Any]:
    result: Dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": _message(f)},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _artifact_uri(e.input)}, "region": {"startLine": max(1, e.line)}}}
            for e in f.evidence[:1]
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
        "properties": {
            "category": f.category,
            "confidence": f.confidence,
            "rootCause": f.root_cause,
            "count": f.count,
            "match": f.match,
        },
    }
    if len(f.evidence) > 1:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": {
                    "artifactLocation": {"uri": _artifact_uri(e.input)},
                    "region": {"startLine": max(1, e.line)},
                },
            }
            for i, e in enumerate(f.evidence[1:], 1)
        ]
    return result


def render_sarif(report: Report) -> str:
    """A SARIF 2.1.0 log: one run, the rules that fired, one result per finding."""
    rules: List[Dict[str, Any]] = []
    index: Dict[str, int] = {}
    results = []
    for f in report.findings:
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_sarif_rule(f))
        results.append(_sarif_result(f, index[f.rule_id]))
    run: Dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "tflog",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"facts": report.facts, "summary": report.summary},
    }
    if report.warnings:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": w}} for w in report.warnings],
            }
        ]
    sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


# --- GitHub workflow commands -----------------------------------------------------------------------


def escape_data(text: str) -> str:
    """Escape a workflow command's message (as actions/toolkit does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    """`::error file=...,line=...,title=...::message` per finding; harmless (info) lines are left out."""
    out = []
    for f in report.findings:
        if f.severity == "info":
            continue
        props = []
        if f.evidence and not f.evidence[0].input.startswith("<"):
            props.append(f"file={escape_property(display_path(f.evidence[0].input))}")
            props.append(f"line={max(1, f.evidence[0].line)}")
        props.append(f"title={escape_property(f.rule_id)}")
        level = "error" if f.severity == "error" else "warning"
        message = f"{f.title}" + (f"\nFix: {f.fixes[0]}" if f.fixes else "")
        out.append(f"::{level} {','.join(props)}::{escape_data(message)}")
    return "".join(line + "\n" for line in out)


# --- JSON Lines -----------------------------------------------------------------------------------


def render_jsonl(report: Report) -> str:
    """One `{"event": "new", ...finding}` line per finding, then `{"event": "summary", ...report}`.

    The same shape `tflog watch --format jsonl` streams, so one consumer reads both.
    """
    lines = [json.dumps({"event": "new", **f.to_dict()}, ensure_ascii=False) for f in report.findings]
    lines.append(json.dumps({"event": "summary", **report.to_dict()}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


__all__ = ["render_sarif", "render_github", "render_jsonl", "fingerprint", "escape_data", "escape_property", "display_path"]
