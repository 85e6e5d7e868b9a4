"""The MCP server as an assistant meets it: `tflog serve --mcp` driven by the official MCP client over stdio."""
from __future__ import annotations

import json
import sys

import jsonschema
import pytest

from conftest import ROOT, SAMPLES, tflog_json, without_input_names

mcp = pytest.importorskip("mcp")
anyio = pytest.importorskip("anyio")
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

REPORT_SCHEMA = json.loads((ROOT / "analyzer" / "schema" / "report.schema.json").read_text())
CUDNN_LINE = ("2021-03-01 12:00:01.000001: E tensorflow/stream_executor/cuda/cuda_dnn.cc:328] "
              "Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR\n")


def _wire(obj) -> dict:
    """An SDK object as it travels on the wire (camelCase names), whatever the SDK version."""
    return obj.model_dump(by_alias=True, exclude_none=True, mode="json")


async def _drive(log_text: str) -> dict:
    params = StdioServerParameters(command=sys.executable, args=["-m", "analyzer", "serve", "--mcp"], cwd=str(ROOT))
    out = {}
    with anyio.fail_after(120):
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                out["tools"] = [_wire(t) for t in (await session.list_tools()).tools]
                out["analyze"] = _wire(await session.call_tool("analyze_log", {"log": log_text, "detail": "full"}))
                out["compact"] = _wire(await session.call_tool("analyze_log", {"log": log_text}))
                out["analyze_md"] = _wire(await session.call_tool("analyze_log", {"log": log_text, "format": "markdown"}))
                out["explain"] = _wire(await session.call_tool("explain_rule", {"rule_id": "cudnn-handle-create-failed"}))
                out["explain_unknown"] = _wire(await session.call_tool("explain_rule", {"rule_id": "no-such-rule"}))
                out["list"] = _wire(await session.call_tool("list_rules", {}))
                out["list_cudnn"] = _wire(await session.call_tool("list_rules", {"category": "cudnn.*"}))
                out["unredacted"] = _wire(await session.call_tool("analyze_log", {"log": log_text, "redact": False}))
                out["bad_args"] = _wire(await session.call_tool("analyze_log", {"log": 42}))
                out["doctor"] = _wire(await session.call_tool("doctor", {}))
    return out


@pytest.fixture(scope="module")
def log_path(tmp_path_factory):
    path = SAMPLES / "cudnn_handle_failure.log"
    if path.is_file():
        return path
    path = tmp_path_factory.mktemp("mcp") / "run.log"
    path.write_text("Epoch 1/10\n" + CUDNN_LINE)
    return path


@pytest.fixture(scope="module")
def session_results(log_path):
    return anyio.run(_drive, log_path.read_text(encoding="utf-8", errors="replace"))




def test_four_tools_with_input_and_output_schemas(session_results):
    tools = {t["name"]: t for t in session_results["tools"]}
    assert set(tools) == {"analyze_log", "explain_rule", "list_rules", "doctor"}
    for t in tools.values():
        assert t["inputSchema"]["type"] == "object"
        assert "outputSchema" in t and t["description"]
    assert tools["analyze_log"]["inputSchema"]["required"] == ["log"]
    assert tools["analyze_log"]["inputSchema"]["properties"]["format"]["enum"] == ["json", "markdown"]
    assert tools["explain_rule"]["inputSchema"]["required"] == ["rule_id"]
    assert "findings" in tools["analyze_log"]["outputSchema"]["properties"]


def test_analyze_log_returns_the_cli_json(session_results, log_path):
    result = session_results["analyze"]
    assert not result.get("isError")
    report = result["structuredContent"]
    jsonschema.validate(report, REPORT_SCHEMA)
    cli = tflog_json(log_path, "--redact")  # the server masks by default
    assert without_input_names(report) == without_input_names(cli)
    assert report["findings"][0]["root_cause"] and report["findings"][0]["severity"] == "error"
    assert json.loads(result["content"][0]["text"]) == report  # the text block says the same


def test_analyze_log_markdown_adds_the_chat_answer(session_results):
    report = dict(session_results["analyze_md"]["structuredContent"])
    markdown = report.pop("markdown")
    assert markdown.startswith("### Root cause") and report["findings"][0]["title"] in markdown
    jsonschema.validate(report, REPORT_SCHEMA)


def test_explain_rule(session_results):
    rule = session_results["explain"]["structuredContent"]
    assert rule["id"] == "cudnn-handle-create-failed" and rule["severity"] == "error"
    assert rule["markdown"].startswith("# cudnn-handle-create-failed") and rule["fixes"]
    unknown = session_results["explain_unknown"]
    assert unknown["isError"] and "no-such-rule" in unknown["content"][0]["text"]


def test_list_rules(session_results, kb):
    everything = session_results["list"]["structuredContent"]["rules"]
    assert {r["id"] for r in everything} == {r.id for r in kb.rules}
    cudnn = session_results["list_cudnn"]["structuredContent"]["rules"]
    assert cudnn and all(r["category"].startswith("cudnn.") for r in cudnn) and len(cudnn) < len(everything)


def test_the_default_answer_is_compact(session_results):
    """An assistant pays for every token: the default answer is a fraction of the full report
    (same schema), with the root cause, its evidence line and fixes intact."""
    compact, full = session_results["compact"], session_results["analyze"]
    assert not compact.get("isError")
    c, f = compact["structuredContent"], full["structuredContent"]
    jsonschema.validate(c, REPORT_SCHEMA)
    assert len(json.dumps(compact)) < len(json.dumps(full)) / 2, (len(json.dumps(compact)), len(json.dumps(full)))
    root_c, root_f = c["findings"][0], f["findings"][0]
    assert root_c["rule_id"] == root_f["rule_id"] and root_c["evidence"] == root_f["evidence"][:1]
    assert root_c["fixes"] == root_f["fixes"][:3] and root_c["explanation"] == root_f["explanation"]
    assert c["summary"] == f["summary"]


def test_a_log_over_the_size_limit_is_refused():
    async def drive():
        params = StdioServerParameters(command=sys.executable, args=["-m", "analyzer", "serve", "--mcp", "--max-body", "1000"],
                                       cwd=str(ROOT))
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    big = _wire(await session.call_tool("analyze_log", {"log": CUDNN_LINE * 20}))
                    small = _wire(await session.call_tool("analyze_log", {"log": CUDNN_LINE}))
                    return big, small

    big, small = anyio.run(drive)
    assert big.get("isError") and "larger than 1000 bytes" in big["content"][0]["text"]
    assert not small.get("isError")


def test_unredacted_answers_need_the_server_flag(session_results):
    result = session_results["unredacted"]
    assert result.get("isError") and "--allow-unredacted" in result["content"][0]["text"]


def test_bad_arguments_are_an_error_result_not_a_crash(session_results):
    assert session_results["bad_args"]["isError"]


def test_doctor_reports_this_machine(session_results):
    result = session_results["doctor"]
    if result.get("isError"):  # analyzer.confirm.doctor missing from this build: a readable error, not a crash
        assert "doctor" in result["content"][0]["text"]
    else:
        assert result["structuredContent"]["verdict"] in ("ok", "warnings", "problems", "no_gpu")
