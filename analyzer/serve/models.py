"""Pydantic models of tflog's answers, shared by the HTTP API (`server.py`, its OpenAPI schema)
and the MCP tools (`mcp_server.py`, their output schemas). They mirror schema/report.schema.json.

Imported only by those two (pydantic comes with the `server` extra)."""

from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_serializer

# --- output schemas (the CLI's JSON report, schema_version 1) ----------------------------------------


class EvidenceOut(BaseModel):
    input: str
    line: int
    text: str
    count: int = 1


class InputOut(BaseModel):
    name: str
    lines: int
    bytes: int
    facts: Dict[str, Any] = Field(default_factory=dict, description="This input's own facts.")
    fact_provenance: Dict[str, Literal["stated", "wanted", "inferred"]] = Field(default_factory=dict)


class FindingOut(BaseModel):
    """One finding; optional keys (score, closest) pass through as extra fields."""

    model_config = ConfigDict(extra="allow")
    rule_id: str
    category: str
    severity: Literal["error", "warning", "info"]
    title: str
    confidence: float
    root_cause: bool
    explains: List[str]
    evidence: List[EvidenceOut]
    facts: Dict[str, Any]
    explanation: str
    fixes: List[str]
    references: List[str]
    confirmation: Optional[Dict[str, Any]]
    count: int
    match: str


class ReportOut(BaseModel):
    """`tflog analyze --format json`, plus `markdown` (a chat-ready answer) when format=markdown."""

    model_config = ConfigDict(extra="allow")
    schema_version: str
    tool: Dict[str, str]
    inputs: List[InputOut]
    facts: Dict[str, Any]
    fact_evidence: Dict[str, EvidenceOut]
    fact_provenance: Dict[str, Literal["stated", "wanted", "inferred"]] = Field(default_factory=dict)
    findings: List[FindingOut]
    summary: Dict[str, int]
    warnings: List[str]
    markdown: Optional[str] = Field(None, description="Present only when format=markdown.")

    @model_serializer(mode="wrap")
    def _only_asked_markdown(self, handler):
        data = handler(self)
        if data.get("markdown") is None:
            data.pop("markdown", None)  # keep the JSON answer identical to the CLI's
        return data


class RuleSummaryOut(BaseModel):
    id: str
    category: str
    severity: Literal["error", "warning", "info"]
    title: str


class RulesOut(BaseModel):
    rules: List[RuleSummaryOut]


class RuleOut(RuleSummaryOut):
    priority: int
    aliases: List[str]
    explanation: str
    fixes: List[str]
    references: List[str]
    explains: List[str]
    probe: Optional[str]
    markdown: str = Field(description="The rule's documentation, as `tflog rules show ID` prints it.")


class DoctorOut(BaseModel):
    """`tflog doctor --format json`; its other sections pass through as extra fields."""

    model_config = ConfigDict(extra="allow")
    verdict: str = Field(description="ok | warnings | problems | no_gpu")
    checks: List[Dict[str, Any]]
