"""The HTML report (`--format html`) and the page `tflog serve` shows at `/`, as people meet them:
the real CLI writing real files, the real server on 127.0.0.1, and a real headless Chromium
(Debian's `chromium`; .ci/run installs it) that pastes a log, submits it and reads the page.

Screenshots go to test-artifacts/html/ (TFLOG_ARTIFACTS overrides it); with
TFLOG_UPDATE_DOCS_SCREENSHOTS=1 the run also refreshes the ones in docs/images/.
"""
from __future__ import annotations

import http.client
import json
import math
import os
import re
import shutil
import socket
import urllib.parse
from pathlib import Path

import pytest
from browser import Browser, chromium_binary

from analyzer.pipeline.memory import human_bytes

from conftest import ROOT, SAMPLES, tflog, tflog_json

ARTIFACTS = Path(os.environ.get("TFLOG_ARTIFACTS", ROOT / "test-artifacts")) / "html"
DOCS_IMAGES = ROOT / "docs" / "images"
CUDNN_LOG = SAMPLES / "cudnn_version_mismatch.log"
OOM_LOG = SAMPLES / "oom_gpu.log"
NAN_LOG = ROOT / "tests" / "fixtures" / "real_tf" / "keras_nan_loss.log"
LOCAL = ("http://127.0.0.1:", "file://", "data:", "about:")


def html_of(*args, cwd=None) -> str:
    p = tflog("analyze", "--format", "html", *args, cwd=cwd)
    assert p.returncode in (0, 1), p.stderr.decode()
    assert not p.stderr, p.stderr.decode()
    return p.stdout.decode("utf-8")


# --- the file, without a browser ------------------------------------------------------------------


def test_html_report_is_one_self_contained_file():
    page = html_of(CUDNN_LOG)
    report = tflog_json(CUDNN_LOG)
    root = report["findings"][0]
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    # nothing fetched: no external script, stylesheet, image or font
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert root["title"] in page.replace("&#x27;", "'")
    assert f'data-line="{root["evidence"][0]["line"]}"' in page
    assert "<svg" in page and "Timeline" in page


def test_every_log_value_is_escaped(tmp_path):
    """A log line carrying markup shows as text: no element, no script from the log reaches the page."""
    log = tmp_path / "evil<b>.log"
    log.write_text(
        '2021-03-01 12:00:01.000001: E tensorflow/stream_executor/cuda/cuda_dnn.cc:328] '
        'Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR <script>alert("x")</script><img src=x onerror=alert(1)>\n'
        'F tensorflow/core/x.cc:1] Check failed: <iframe src="http://example.com/"> "quoted" & more\n'
    )
    page = html_of(log)
    assert "<script>alert" not in page and "<img src=x" not in page and "<iframe" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "evil&lt;b&gt;.log" in page
    assert page.count("<script>") == 1  # tflog's own copy-button script, nothing else


def test_oom_report_draws_the_allocator_numbers():
    page = html_of(OOM_LOG)
    root = tflog_json(OOM_LOG)["findings"][0]
    facts = {**tflog_json(OOM_LOG)["facts"], **root["facts"]}
    svg = re.search(r'<svg class="memory".*?</svg>', page).group(0)
    assert f"limit {human_bytes(int(facts['bfc_limit_bytes']))}" in svg  # limit 7.92 GiB
    assert f"in use {human_bytes(int(facts['bfc_in_use_bytes']))}" in svg
    assert f"free {human_bytes(int(root['facts']['oom_free_bytes']))}" in svg
    assert f"requested {human_bytes(int(root['facts']['oom_requested_bytes']))}: does not fit" in svg
    # the chunk bins of the allocator's dump, each as the log states it
    bins = re.search(r'<svg class="bins".*?</svg>', page).group(0)
    dump = re.findall(r"Bin \((\d+)\):\s+Total Chunks: (\d+), Chunks in use: (\d+)\. (\S+) allocated for chunks\. (\S+) in use", OOM_LOG.read_text())
    shown = [d for d in dump if not d[3].startswith("0B")]
    assert len(shown) == bins.count('class="inuse"') > 10
    size, chunks, used, allocated, in_use = shown[-2]

    def unit(text: str) -> str:  # the log's "3.05GiB" as people read it: "3.05 GiB"
        return re.sub(r"(?<=\d)(?=[KMGT]iB)", " ", text)

    assert f"bin {human_bytes(int(size))}" in bins
    assert f"{unit(in_use)} of {unit(allocated)}, {used}/{chunks} chunks" in bins


def test_loss_curve_marks_the_first_nan_with_its_line():
    """Real Keras output (TF 2.20, tests/fixtures/real_tf): the curve and the line of the first NaN."""
    page = html_of(NAN_LOG)
    lines = NAN_LOG.read_bytes().split(b"\n")  # line numbers as tflog counts them: \n ends a line
    nan_line = next(i for i, t in enumerate(lines, 1) if b"loss: nan" in t)
    svg = re.search(r'<svg class="loss".*?</svg>', page).group(0)
    assert f"first nan at line {nan_line}" in svg and "<polyline" in svg
    # the JSON contract does not carry the curve: the report is unchanged for machines
    assert not {"loss", "bfc_bins"} & set(tflog_json(NAN_LOG)) and not {"loss", "bfc_bins"} & set(tflog_json(OOM_LOG))


def test_terminal_shows_the_message_not_the_prefix():
    out = tflog("analyze", "--format", "text", CUDNN_LOG).stdout.decode()
    evidence = next(line for line in out.splitlines() if ":58 (x2): " in line)
    assert evidence.split(": ", 1)[1].startswith("E cuda_dnn.cc:374 Loaded runtime CuDNN library: 8.0.4")
    assert "2021-10-14" not in evidence and "tensorflow/stream_executor" not in evidence
    rich = tflog("analyze", "--format", "rich", CUDNN_LOG).stdout.decode()
    assert "NUMA node notice (x9)" in rich and "NUMA node notice (x9)" in out  # the same counts


# --- the page, served -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    from test_server import Server

    s = Server("--max-body", "2000000")
    yield s
    s.stop()
    assert not any("Traceback" in line for line in s.stderr), "".join(s.stderr)


def fetch(server, method, path, form=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8")
    finally:
        conn.close()


def test_page_form_post_works_without_javascript(server):
    status, headers, page = fetch(server, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert 'method="post"' in page and 'name="log"' in page
    assert "default-src 'none'" in headers["content-security-policy"]
    status, _, page = fetch(server, "POST", "/", {"log": CUDNN_LOG.read_text()})
    assert status == 200
    api = server.request("POST", "/v1/analyze", {"log": CUDNN_LOG.read_text()})[2]
    root = api["findings"][0]
    assert html_title(page) == f"tflog: {root['title']}"
    assert f'data-line="{root["evidence"][0]["line"]}"' in page
    # the JSON download is the API's answer
    status, headers, body = fetch(server, "POST", "/", {"log": CUDNN_LOG.read_text(), "format": "json"})
    assert status == 200 and "attachment" in headers["content-disposition"]
    assert json.loads(body)["findings"] == api["findings"]


def test_page_says_what_is_wrong_with_a_request(server):
    status, _, page = fetch(server, "POST", "/", {"log": "   "})
    assert status == 400 and "Paste a log first" in page and "Traceback" not in page
    # over the server's --max-body: the server answers from the Content-Length, before the body
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 2100000\r\n\r\n")
        answer = b""
        while b"</html>" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413") and b"larger than this server accepts" in answer and b"<!doctype html>" in answer
    log = "F tensorflow/core/x.cc:1] Check failed: cannot open /home/alice/data on alice@gpu-box.corp.example.com\n"
    status, _, page = fetch(server, "POST", "/", {"log": log, "redact": "1"})
    article = page[page.index("<article") : page.index("</article>")]
    assert status == 200 and "Check failed" in article and "alice" not in article


def html_title(page: str) -> str:
    import html

    return html.unescape(re.search(r"<title>(.*?)</title>", page).group(1))


# --- a real browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium: apt-get install chromium (CI installs it)")
    pytest.importorskip("websockets")
    b = Browser(binary)
    yield b
    b.close()


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _check_clean(browser: Browser) -> None:
    assert browser.problems() == []
    outside = [u for u in browser.requests() if not u.startswith(LOCAL)]
    assert outside == [], f"requests left 127.0.0.1: {outside}"


def _fits(browser: Browser, width: int) -> None:
    """Nothing wider than the screen: no sideways scrolling of the page itself."""
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=1, mobile=width < 600)
    assert browser.js("document.documentElement.scrollWidth") <= width


CONTRAST = """
(() => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
                     if (!/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return rgb(c); } return [255, 255, 255]; };
  const worst = [];
  for (const el of document.querySelectorAll('p, li, h1, h2, h3, code, summary, th, td, label, button, .where, .sev')) {
    if (!el.textContent.trim() || !el.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(el.tagName + '.' + el.className + ' ' + ratio.toFixed(2));
  }
  return worst;
})()
"""


def test_browser_pastes_a_cudnn_log_and_reads_the_root_cause(server, browser, artifacts):
    base = f"http://127.0.0.1:{server.port}/"
    expected = server.request("POST", "/v1/analyze", {"log": CUDNN_LOG.read_text()})[2]["findings"][0]
    browser.goto(base)
    browser.screenshot(str(artifacts / "page-empty-1280.png"), 1280, full=False)
    browser.js(f"document.getElementById('log').value = {json.dumps(CUDNN_LOG.read_text())}")
    browser.submit("document.querySelector('button.primary').click()")
    card = browser.js("document.querySelector('.card.rootcause .title').textContent")
    line = browser.js("document.querySelector('.card.rootcause .evidence .line').textContent")
    assert card == expected["title"]
    assert int(line) == expected["evidence"][0]["line"] == 58
    assert browser.js("document.querySelector('.card.rootcause .kicker').textContent").startswith("Root cause")
    # the copy buttons appear with JavaScript and copy the fix's text
    assert browser.js("document.querySelectorAll('button.copy:not([hidden])').length") >= 3
    # the pasted log is still in the box, so a second try or the JSON download needs no re-paste
    assert browser.js("document.getElementById('log').value.includes('Loaded runtime CuDNN library')")
    assert browser.js(CONTRAST) == []
    browser.screenshot(str(artifacts / "page-cudnn-1280.png"), 1280)
    _fits(browser, 375)
    browser.screenshot(str(artifacts / "page-cudnn-375.png"), 375)
    _check_clean(browser)
    _to_docs(artifacts / "page-cudnn-1280.png", "page.png", browser, 1280, 1100)


def test_browser_page_works_with_javascript_off_and_by_keyboard(server, browser, artifacts):
    base = f"http://127.0.0.1:{server.port}/"
    browser.call("Emulation.setScriptExecutionDisabled", value=True)
    try:
        browser.goto(base)
        browser.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        # keyboard only: Tab reaches the box, typing fills it, Tab reaches the button, Enter submits
        browser.key("Tab", "Tab", 9)
        assert browser.js("document.activeElement.id") == "log"
        browser.call("Input.insertText", text=CUDNN_LOG.read_text())
        browser.key("Tab", "Tab", 9)
        assert browser.js("document.activeElement.textContent") == "Diagnose"
        assert browser.js("getComputedStyle(document.activeElement).outlineStyle") != "none"
        browser._mark_loads_seen()
        browser.key("Enter", "Enter", 13, "\r")
        browser.wait_for("Page.loadEventFired")
        assert browser.js("document.querySelector('.card.rootcause .evidence .line').textContent") == "58"
        assert browser.js("document.querySelectorAll('button.copy:not([hidden])').length") == 0  # no script ran
    finally:
        browser.call("Emulation.setScriptExecutionDisabled", value=False)
    _check_clean(browser)


def test_browser_opens_an_oom_report_file_and_reads_the_memory_picture(browser, artifacts, tmp_path):
    report = artifacts / "report-oom.html"
    report.write_text(html_of(OOM_LOG.relative_to(ROOT), cwd=ROOT), encoding="utf-8")
    root = tflog_json(OOM_LOG)["findings"][0]
    facts = tflog_json(OOM_LOG)["facts"]
    browser.goto(report.as_uri())
    labels = browser.js("[...document.querySelectorAll('svg.memory text')].map(t => t.textContent)")
    assert f"limit {human_bytes(int(facts['bfc_limit_bytes']))}" in labels
    assert f"in use {human_bytes(int(facts['bfc_in_use_bytes']))}" in labels
    assert any(t.startswith(f"requested {human_bytes(int(root['facts']['oom_requested_bytes']))}") for t in labels)
    # the bars are drawn to scale: in use / limit, as the allocator said
    widths = browser.js(
        "Object.fromEntries([...document.querySelectorAll('svg.memory rect')].map(r => [r.classList[0], r.getBBox().width]))"
    )
    ratio = int(facts["bfc_in_use_bytes"]) / int(facts["bfc_limit_bytes"])
    assert math.isclose(widths["inuse"] / widths["limit"], ratio, rel_tol=0.01)
    # the timeline's root-cause mark sits at the root cause's first evidence line
    assert browser.js("document.querySelector('svg.timeline rect.root').dataset.line") == str(root["evidence"][0]["line"])
    assert browser.js(CONTRAST) == []
    browser.screenshot(str(artifacts / "report-oom-1280.png"), 1280)
    _fits(browser, 375)
    browser.screenshot(str(artifacts / "report-oom-375.png"), 375)
    _check_clean(browser)
    _to_docs(artifacts / "report-oom-1280.png", "html-report.png", browser, 1280, 1100, scroll_to="#timeline")


def _to_docs(shot: Path, name: str, browser: Browser, width: int, height: int, scroll_to: str = "") -> None:
    """With TFLOG_UPDATE_DOCS_SCREENSHOTS=1: a smaller shot of the same page for docs/images/."""
    if os.environ.get("TFLOG_UPDATE_DOCS_SCREENSHOTS") != "1":
        return
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    target = DOCS_IMAGES / name
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
    if scroll_to:
        browser.js(f"document.querySelector('{scroll_to}').scrollIntoView()")
    browser.screenshot(str(target), width, height, full=False)
    assert target.stat().st_size < 300_000, f"{target} is too large for the repository"
    shutil.copy(target, shot.with_name("docs-" + name))


def test_a_long_run_keeps_a_bounded_curve_and_its_first_nan():
    """100,000 progress lines: the curve is thinned to a bounded size, the first NaN is kept at its line."""
    from analyzer import analyze
    from analyzer.pipeline.progress import MAX_POINTS
    from analyzer.report.html import render_html

    lines = [f"{i % 100 + 1}/100 [====] - 1s 5ms/step - loss: {2.0 / (1 + i / 1000):.4f} - val_loss: 9.9" for i in range(100_000)]
    lines[77_776] = "100/100 [====] - 1s 5ms/step - loss: nan - val_loss: nan"
    report = analyze("\n".join(lines) + "\n", pictures=True)
    assert MAX_POINTS // 2 <= len(report.loss) <= MAX_POINTS + 1
    bad = [p for p in report.loss if math.isnan(p.value)]
    assert bad and bad[0].line == 77_777
    assert [p.step for p in report.loss] == sorted(p.step for p in report.loss)
    assert all(p.value != 9.9 for p in report.loss)  # val_loss is not the loss
    assert report.to_dict() == analyze("\n".join(lines) + "\n").to_dict()  # pictures change nothing else
    assert "first nan at line 77777" in render_html(report)
