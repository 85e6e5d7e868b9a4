"""A log is written by whoever produced it: its text must never become live markup in an answer.

Hostile lines (an image that phones home, a link dressed as a fix, raw HTML, backticks that try
to close a code span) go through every output format; the Markdown is parsed by a real
CommonMark parser (markdown-it, which rich depends on) and must contain no image, link or HTML,
while the hostile text itself is still there for the reader to see.
"""
from __future__ import annotations

import json
import os

import pytest
from markdown_it import MarkdownIt

from conftest import tflog

IMAGE = "![x](http://evil.example/p.png)"
LINK = "[Fix: click here](http://evil.example/fix)"
HTML = "<img src=x onerror=alert(1)>"
BREAKOUT = "a` ![y](http://evil.example/q.png) `b"
PAYLOAD = f"{IMAGE} {LINK} {HTML} {BREAKOUT}"
LINES = [
    f"2024-01-01 10:00:00.000001: E tensorflow/core/x.cc:1] boom {PAYLOAD} ```",
    f"tensorflow 2.15.0 requires numpy<2 {PAYLOAD}, but you have numpy 2.0.0 which is incompatible.",
    "Traceback (most recent call last):",
    '  File "train.py", line 1, in <module>',
    f"ValueError: bad {PAYLOAD}",
    "```",
    f"<script>alert(2)</script> {LINK}",
]
LIVE = {"image", "link_open", "html_inline", "html_block"}


@pytest.fixture(scope="module")
def hostile_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "run [x](http:evil.example) <b>.log"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def assert_no_live_markup(markdown: str) -> str:
    """No live image/link/HTML once rendered; returns the HTML."""
    parser = MarkdownIt("commonmark")
    for token in parser.parse(markdown):
        for t in [token, *(token.children or [])]:
            assert t.type not in LIVE, f"{t.type} {t.content!r} in:\n{markdown}"
    html = parser.render(markdown)
    assert "<img" not in html and "<a " not in html and "<script" not in html
    return html


def assert_inert(markdown: str) -> None:
    """No live image/link/HTML once rendered; the hostile text still readable in the HTML."""
    html = assert_no_live_markup(markdown)
    assert "onerror=alert(1)" in html and "http://evil.example/fix" in html


def test_the_payload_would_be_live_without_escaping():
    """The check itself sees what it should: the raw payload is live Markdown."""
    with pytest.raises(AssertionError):
        assert_inert(PAYLOAD)


@pytest.mark.parametrize("extra", [[], ["--brief"], ["--all-fixes"]], ids=["full", "brief", "all-fixes"])
def test_markdown_shows_hostile_lines_as_text(hostile_log, extra):
    p = tflog("analyze", hostile_log, "--format", "markdown", *extra)
    assert p.returncode == 1, p.stderr
    md = p.stdout.decode()
    assert_inert(md)
    # the ValueError follows pip's conflict report, so it is listed under it as a symptom: named in the full
    # answer, while --brief keeps to the root cause
    assert ("ValueError" in md or extra == ["--brief"]) and ("numpy" in md or extra == ["--brief"])


def test_markdown_of_a_clean_rule_still_reads_naturally():
    """Escaping leaves code spans (commands to copy) and ordinary words alone."""
    log = b"2021-10-14 09:12:39.913347: E tensorflow/stream_executor/cuda/cuda_dnn.cc:374] Loaded runtime CuDNN library: 8.0.4 but source was compiled with: 8.1.0.\n"
    md = tflog("analyze", "-", "--format", "markdown", input=log).stdout.decode()
    assert "`ldconfig -p | grep libcudnn`" in md and "LD_LIBRARY_PATH" in md and "cuDNN 8.1.0" in md
    assert_no_live_markup(md)  # a fix's own URL (tested builds) stays text too


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif", "github", "rich"])
def test_other_formats_keep_the_line_verbatim(hostile_log, fmt):
    """Formats not rendered as Markdown are not mangled: the evidence is the log's own text."""
    p = tflog("analyze", hostile_log, "--format", fmt, env={**os.environ, "COLUMNS": "1000"})  # rich wraps at 80
    assert p.returncode == 1, p.stderr
    out = p.stdout.decode()
    if fmt == "json":
        texts = [e["text"] for f in json.loads(out)["findings"] for e in f["evidence"]]
        assert any(PAYLOAD in t for t in texts)
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert all("markdown" not in r["message"] for r in results)
    else:
        assert HTML in out or fmt == "github"


def test_http_markdown_answer_is_inert(hostile_log):
    pytest.importorskip("fastapi")
    from test_server import Server

    s = Server()
    try:
        status, _, body = s.request("POST", "/v1/analyze", {"log": hostile_log.read_text(), "format": "markdown"})
    finally:
        s.stop()
    assert status == 200
    assert_inert(body["markdown"])


def test_mcp_markdown_answer_is_inert(hostile_log):
    pytest.importorskip("mcp")
    import sys

    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def drive():
        params = StdioServerParameters(command=sys.executable, args=["-m", "analyzer", "serve", "--mcp"])
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await session.call_tool("analyze_log", {"log": hostile_log.read_text(), "format": "markdown"})

    result = anyio.run(drive).model_dump(by_alias=True, exclude_none=True, mode="json")
    assert not result.get("isError"), result
    assert_inert(result["structuredContent"]["markdown"])
