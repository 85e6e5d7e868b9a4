"""`tflog serve --mcp`: tflog as Model Context Protocol tools over stdio (official `mcp` SDK).

An assistant that is shown a TensorFlow log can call `analyze_log` and get the same
report the CLI prints as JSON (structured output, with an output schema), or ask for
a rule's documentation (`explain_rule`), list the rules (`list_rules`) or inspect the
machine it runs on (`doctor`). Works with the SDK's v1 (`FastMCP`) and v2 (`MCPServer`).

Nothing but the protocol may reach stdout here: analysis prints nothing, and doctor's
probes run in subprocesses whose output is captured.
"""

from typing import Annotated, Any, Dict, Literal, Optional

import anyio
from pydantic import Field

from analyzer.core.version import __version__

from .models import DoctorOut, ReportOut, RuleOut, RulesOut
from .service import AnalysisTimeout, Service, UnredactedRefused

INSTRUCTIONS = (
    "tflog diagnoses TensorFlow/CUDA/cuDNN logs and tracebacks. Give analyze_log the whole log text "
    "(not a path); the first finding with root_cause=true is the root cause, with explanation and fixes. "
    "Findings with severity 'info' are harmless. explain_rule documents a rule id; doctor checks this machine."
)


# --- the server ---------------------------------------------------------------------------------


def _tool_error():
    """The SDK's ToolError: its message reaches the assistant (other exceptions are hidden as crashes)."""
    try:
        from mcp.server.mcpserver.exceptions import ToolError  # SDK v2
    except ImportError:
        from mcp.server.fastmcp.exceptions import ToolError  # type: ignore[no-redef,unused-ignore]  # SDK v1
    return ToolError


def _new_server():
    try:
        from mcp.server.mcpserver import MCPServer  # SDK v2
    except ImportError:
        from mcp.server.fastmcp import FastMCP  # type: ignore[attr-defined,unused-ignore]  # SDK v1 (v2 has no FastMCP)

        return FastMCP(name="tflog", instructions=INSTRUCTIONS, log_level="WARNING")
    return MCPServer(name="tflog", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")


def build_server(service: Service):
    """The MCP server object with tflog's four tools registered."""
    server = _new_server()
    ToolError = _tool_error()

    @server.tool(structured_output=True)
    async def analyze_log(
        log: Annotated[str, Field(description="The log text: TensorFlow/CUDA output and tracebacks, as much as you have.")],
        format: Annotated[
            Literal["json", "markdown"], Field(description="markdown adds a chat-ready answer in `markdown`.")
        ] = "json",
        redact: Annotated[
            Optional[bool],
            Field(
                description="Personal data and secrets are masked; false is honoured only by a server started with --allow-unredacted."
            ),
        ] = None,
        detail: Annotated[
            Literal["compact", "full"],
            Field(
                description="compact (default): root causes and problems with one evidence line and their first fixes, "
                "harmless lines by title only; full: the complete report, as `tflog analyze --format json`."
            ),
        ] = "compact",
    ) -> ReportOut:
        """Diagnose a TensorFlow/CUDA log: root cause first (with explanation and fixes), symptoms, harmless lines."""

        if len(log) > service.max_log:  # characters: at least as many bytes
            raise ToolError(
                f"the log is larger than {service.max_log} bytes (the server's --max-body); send its last part, "
                "where the failure is"
            )

        def work() -> Dict[str, Any]:
            from analyzer.report.render import render_markdown

            report = service.report(log, redact)
            data = report.to_dict() if detail == "full" else compact_report(report.to_dict())
            if format == "markdown":
                data["markdown"] = render_markdown(report)
            return data

        try:
            data = await anyio.to_thread.run_sync(work)
        except AnalysisTimeout:
            raise ToolError(f"the analysis took longer than {service.timeout:g} s") from None
        except UnredactedRefused as e:
            raise ToolError(str(e)) from None
        return ReportOut.model_validate(data)

    @server.tool(structured_output=True)
    def explain_rule(rule_id: Annotated[str, Field(description="A rule id from a finding or from list_rules.")]) -> RuleOut:
        """A rule's documentation: what the message means, why it happens, how to fix it, references."""
        detail = service.rule(rule_id)
        if detail is None:
            raise ToolError(service.unknown_rule_message(rule_id) + "; list_rules shows them all")
        return RuleOut.model_validate(detail)

    @server.tool(structured_output=True)
    def list_rules(
        category: Annotated[Optional[str], Field(description="Only this category (glob, e.g. 'cudnn.*').")] = None,
    ) -> RulesOut:
        """The rules tflog knows: id, category, severity (info = harmless) and title."""
        return RulesOut.model_validate({"rules": service.rules(category)})

    @server.tool(structured_output=True)
    async def doctor() -> DoctorOut:
        """Check the machine this server runs on: TensorFlow build, CUDA/cuDNN libraries, driver, GPUs."""
        try:
            from analyzer.confirm.doctor import run_doctor
        except ImportError:
            raise ToolError("doctor is not available in this version of tflog") from None
        result = await anyio.to_thread.run_sync(lambda: run_doctor(timeout=30.0))
        if service.redact:
            from analyzer.report.redact import redact_obj

            result = redact_obj(result)
        return DoctorOut.model_validate(result)

    return server


def compact_report(data: Dict[str, Any]) -> Dict[str, Any]:
    """The report an assistant needs to answer (a fraction of the full one, same schema): the
    root causes with one evidence line, their explanation and up to 3 fixes, other problems with one
    evidence line, their short `why` and first fix, harmless lines by title; no fact evidence."""
    findings = []
    for f in data["findings"]:
        f = dict(f, evidence=f["evidence"][:1])
        if f["root_cause"]:
            f["fixes"] = f["fixes"][:3]
            f.pop("why", None)  # the whole explanation is there
        elif f["severity"] == "info":
            f.update(evidence=[], explanation="", fixes=[], references=[])
            f.pop("why", None)
        else:
            f.update(explanation="", fixes=f["fixes"][:1], references=[])
        findings.append(f)
    return dict(data, findings=findings, fact_evidence={})


def run_stdio(service: Service) -> None:
    """Serve the tools on stdin/stdout until the client closes the connection."""
    build_server(service).run("stdio")


__all__ = ["build_server", "run_stdio"]
