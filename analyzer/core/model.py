"""The report model: what every renderer, the CLI, the server and the tests read.

One `Report` holds `Finding`s; each output format is a pure function of it
(see `analyzer.report.render`). `to_dict()` is the JSON contract (schema_version "1",
documented in README and `analyzer/schema/report.schema.json`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .records import dataclass, field

SCHEMA_VERSION = "1"
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
EXIT_FINDINGS = 1  # the exit status when a finding is at or above --fail-on


@dataclass
class Evidence:
    """One line of input that supports a finding; `line` is 1-based in the original input."""

    input: str
    line: int
    text: str
    count: int = 1  # how many lines with this same (masked) text were folded into this one

    def to_dict(self) -> Dict[str, Any]:
        return {"input": self.input, "line": self.line, "text": self.text, "count": self.count}


@dataclass
class Finding:
    rule_id: str
    category: str
    severity: str  # error | warning | info (info = harmless)
    title: str
    confidence: float = 0.9
    root_cause: bool = False
    explains: List[str] = field(default_factory=list)
    evidence: List[Evidence] = field(default_factory=list)
    facts: Dict[str, Any] = field(default_factory=dict)
    explanation: str = ""
    why: str = ""  # the explanation's first line and the lines that state this log's facts (text answers)
    fixes: List[str] = field(default_factory=list)
    references: List[str] = field(default_factory=list)
    confirmation: Optional[Dict[str, Any]] = None
    count: int = 0  # total matching lines, repeats included
    match: str = "regex"  # regex | fuzzy | unrecognized
    score: Optional[float] = None  # fuzzy score (0-100) when match == "fuzzy"
    probe: Optional[str] = None
    closest: List[Dict[str, Any]] = field(default_factory=list)  # for unrecognized: nearest rules

    @property
    def first_line(self) -> int:
        return self.evidence[0].line if self.evidence else 0

    @property
    def key(self) -> str:
        """How `explains` names it: the rule id, or `unrecognized@<line>` for a line no rule knows."""
        if self.match != "unrecognized" or not self.evidence:
            return self.rule_id
        return f"unrecognized@{self.evidence[0].line}"

    def to_dict(self) -> Dict[str, Any]:
        d = {
            "rule_id": self.rule_id,
            "category": self.category,
            "severity": self.severity,
            "title": self.title,
            "confidence": round(self.confidence, 3),
            "root_cause": self.root_cause,
            "explains": list(self.explains),
            "evidence": [e.to_dict() for e in self.evidence],
            "facts": dict(self.facts),
            "explanation": self.explanation,
            "why": self.why or self.explanation,
            "fixes": list(self.fixes),
            "references": list(self.references),
            "confirmation": self.confirmation,
            "count": self.count,
            "match": self.match,
        }
        if self.score is not None:
            d["score"] = round(self.score, 1)
        if self.closest:
            d["closest"] = list(self.closest)
        return d


@dataclass(frozen=True)
class LossPoint:
    """One training loss value read from a progress line (see `analyzer.pipeline.progress`)."""

    input: str
    line: int
    value: float  # may be nan or inf: that is the point of the picture
    step: int  # its place among all loss values of the report, 1-based


@dataclass(frozen=True)
class MemoryBin:
    """One bin of a GPU allocator's dump after an out-of-memory (`Bin (256): Total Chunks: ...`)."""

    size: int  # the bin's chunk size class, bytes
    chunks: int
    chunks_in_use: int
    allocated: int  # bytes allocated for its chunks
    in_use: int  # bytes of them in use


@dataclass
class InputInfo:
    name: str
    lines: int = 0
    bytes: int = 0
    # this input's own facts (one log = one machine); set when the report is made
    facts: Dict[str, Any] = field(default_factory=dict)
    fact_provenance: Dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "lines": self.lines,
            "bytes": self.bytes,
            "facts": dict(self.facts),
            "fact_provenance": dict(self.fact_provenance),
        }


@dataclass
class Report:
    tool_version: str
    inputs: List[InputInfo] = field(default_factory=list)
    facts: Dict[str, Any] = field(default_factory=dict)
    fact_evidence: Dict[str, Evidence] = field(default_factory=dict)
    findings: List[Finding] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)  # problems of tflog itself (e.g. a rule disabled)
    # per fact: 'stated' (the log shows it in use), 'wanted' (a missing library's version, what a build
    # was compiled for) or 'inferred' (worked out from the compat tables)
    fact_provenance: Dict[str, str] = field(default_factory=dict)
    # The loss curve for pictures (HTML); bounded, and not in to_dict(): the JSON contract is unchanged.
    loss: List[LossPoint] = field(default_factory=list)
    bfc_bins: List[MemoryBin] = field(default_factory=list)  # the allocator's last bin dump, the same way

    @property
    def summary(self) -> Dict[str, int]:
        s = {"errors": 0, "warnings": 0, "harmless": 0, "unrecognized": 0}
        for f in self.findings:
            if f.match == "unrecognized":
                s["unrecognized"] += 1
            if f.severity == "error":
                s["errors"] += 1
            elif f.severity == "warning":
                s["warnings"] += 1
            else:
                s["harmless"] += 1
        return s

    @property
    def root(self) -> Optional[Finding]:
        """The finding tflog names as the root cause (first non-harmless one), if any."""
        return next((f for f in self.findings if f.severity != "info"), None)

    def worst_severity(self) -> Optional[str]:
        sev = [f.severity for f in self.findings]
        return min(sev, key=SEVERITY_ORDER.__getitem__) if sev else None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "tflog", "version": self.tool_version},
            "inputs": [i.to_dict() for i in self.inputs],
            "facts": dict(self.facts),
            "fact_evidence": {k: e.to_dict() for k, e in self.fact_evidence.items()},
            "fact_provenance": dict(self.fact_provenance),
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary,
            "warnings": list(self.warnings),
        }


def exit_status(report: Report, fail_on: str) -> int:
    """EXIT_FINDINGS when the report has a finding at least as severe as `fail_on` (error|warning|never), else 0."""
    if fail_on == "never":
        return 0
    worst = report.worst_severity()
    if worst == "error" or (fail_on == "warning" and worst == "warning"):
        return EXIT_FINDINGS
    return 0


def combine_reports(reports: List[Report]) -> Report:
    """One report of several inputs analysed each on its own (each log is its own machine): the
    findings of each input in order, each explained with its own log's facts (in `inputs[i].facts`);
    the top-level facts only where there is a single input."""
    if len(reports) == 1:
        return reports[0]
    out = Report(reports[0].tool_version)
    for r in reports:
        out.inputs.extend(r.inputs)
        out.findings.extend(r.findings)
        out.warnings.extend(w for w in r.warnings if w not in out.warnings)
    return out
