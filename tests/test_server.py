"""The HTTP API as a client meets it: the real `tflog serve` on a loopback port, real requests."""
from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import pytest

from conftest import ROOT, SAMPLES, tflog_json, without_input_names


def _needs_server_extra():
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")

REPORT_SCHEMA = json.loads((ROOT / "analyzer" / "schema" / "report.schema.json").read_text())
HOST = "127.0.0.1"  # loopback only
MAX_BODY = 1_000_000
CUDNN = ("2021-03-01 12:00:01.000001: E tensorflow/stream_executor/cuda/cuda_dnn.cc:328] "
         "Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR")
FATAL = "2021-03-01 12:00:01.000001: F tensorflow/core/other/thing.cc:12] Check failed: widget_count >= 0 (-1 vs. 0)"
SHORT_LOG = f"Epoch 1/10\n{CUDNN}\n  1/100 [..............................] - ETA: 5:00 - loss: 2.3\n"


class Server:
    """`python -m analyzer serve --port 0 ...` in a subprocess; the port is read from its start-up line."""

    def __init__(self, *args: str, env=None):
        self.proc = subprocess.Popen([sys.executable, "-m", "analyzer", "serve", "--host", HOST, "--port", "0", *args],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self.stderr: list = []
        self.port = None
        ready = threading.Event()

        def drain():
            for line in self.proc.stderr:
                self.stderr.append(line)
                m = re.search(r"serving http://127\.0\.0\.1:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        ready.wait(90)
        assert self.port, "server did not start: " + "".join(self.stderr)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "no /healthz: " + "".join(self.stderr)
            time.sleep(0.1)

    def request(self, method, path, body=None, headers=None, conn=None):
        """(status, headers, parsed JSON body) of one request; reuses `conn` when given (keep-alive)."""
        own = conn is None
        conn = conn or http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            assert b"Traceback" not in data
            return resp.status, dict(resp.getheaders()), json.loads(data) if data else None
        finally:
            if own:
                conn.close()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def server():
    _needs_server_extra()
    s = Server("--max-body", str(MAX_BODY))
    yield s
    s.stop()
    assert not any("Traceback" in line for line in s.stderr), "".join(s.stderr)


def _sample_logs():
    logs = sorted(SAMPLES.glob("*.log"))[:6]
    return logs or []




def test_healthz(server):
    status, _, body = server.request("GET", "/healthz")
    assert status == 200 and body["status"] == "ok" and body["rules"] > 0


@pytest.mark.parametrize("log", _sample_logs(), ids=lambda p: p.name)
def test_analyze_sample_logs_same_as_cli(server, log):
    status, headers, report = server.request("POST", "/v1/analyze", {"log": log.read_text(encoding="utf-8", errors="replace")})
    assert status == 200 and headers["content-type"].startswith("application/json")
    jsonschema.validate(report, REPORT_SCHEMA)
    assert without_input_names(report) == without_input_names(tflog_json(log, "--redact"))  # masked by default


def test_analyze_inline_log(server):
    status, _, report = server.request("POST", "/v1/analyze", {"log": "Epoch 1/3\n" + FATAL + "\n", "format": "json"})
    assert status == 200
    first = report["findings"][0]
    assert first["severity"] == "error" and first["root_cause"] and first["evidence"][0]["line"] == 2


def test_markdown_answer(server):
    status, _, body = server.request("POST", "/v1/analyze", {"log": SHORT_LOG, "format": "markdown"})
    assert status == 200 and list(body) == ["markdown"]
    assert body["markdown"].startswith("### Root cause") and "cuDNN" in body["markdown"]


def test_redaction(server):
    """Masked by default; redact=false is refused (403) unless the server allows it."""
    secret_line = (f"{FATAL} reading /home/alice/data/train.tfrecord on hostname: gpu-box-7 from 10.20.30.40 "
                   "token hf_abcdefghijklmnopqrstuvwxyz0123 C:\\Users\\alice\\x")
    secrets = ("alice", "gpu-box-7", "10.20.30.40", "hf_abcdefghijklmnopqrstuvwxyz0123")
    for fmt in ("json", "markdown"):
        for extra in ({}, {"redact": True}):
            status, _, body = server.request("POST", "/v1/analyze", {"log": secret_line, "format": fmt, **extra})
            text = json.dumps(body)
            assert status == 200
            assert not [s for s in secrets if s in text], (fmt, extra, text)
            assert "<user>" in text and "Check failed" in text
    status, _, body = server.request("POST", "/v1/analyze", {"log": secret_line, "redact": False})
    assert status == 403 and "--allow-unredacted" in body["error"]

    open_server = Server("--allow-unredacted")
    try:
        status, _, plain = open_server.request("POST", "/v1/analyze", {"log": secret_line, "redact": False})
        assert status == 200 and "alice" in json.dumps(plain)
        status, _, default = open_server.request("POST", "/v1/analyze", {"log": secret_line})
        assert status == 200 and "alice" not in json.dumps(default)
    finally:
        open_server.stop()


def test_body_too_large(server):
    # Declared too large: answered from the headers alone, before the body is sent (as curl does it).
    conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
    conn.putrequest("POST", "/v1/analyze")
    for k, v in {"Content-Type": "application/json", "Content-Length": str(MAX_BODY + 1), "Expect": "100-continue"}.items():
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413 and "larger than" in json.loads(resp.read())["error"]
    conn.close()
    # Sent without Content-Length (chunked): judged on the bytes received.
    conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
    payload = json.dumps({"log": "x" * MAX_BODY}).encode()
    chunks = (payload[i:i + 65536] for i in range(0, len(payload), 65536))
    conn.request("POST", "/v1/analyze", body=chunks, headers={"Content-Type": "application/json"}, encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 413 and json.loads(resp.read())["error"]
    conn.close()
    # Just under the limit is fine.
    status, _, _ = server.request("POST", "/v1/analyze", {"log": "x" * (MAX_BODY - 100)})
    assert status == 200


@pytest.mark.parametrize("body,headers,expected", [
    ('{"log": ', {"Content-Type": "application/json"}, 400),                         # not JSON
    ('{"log": 42}', {"Content-Type": "application/json"}, 422),                      # wrong type
    ('{"log": "x", "path": "/etc/passwd"}', {"Content-Type": "application/json"}, 422),  # unknown field
    ('{"format": "json"}', {"Content-Type": "application/json"}, 422),               # missing log
    ('{"log": "x", "format": "xml"}', {"Content-Type": "application/json"}, 422),    # bad enum
    ('{"log": "x", "redact": "yes"}', {"Content-Type": "application/json"}, 422),    # not a boolean
    ('["x"]', {"Content-Type": "application/json"}, 422),                            # not an object
    ('{"log": "x"}', {"Content-Type": "text/plain"}, 415),                           # not sent as JSON
])
def test_malformed_requests(server, body, headers, expected):
    status, _, answer = server.request("POST", "/v1/analyze", body, headers)
    assert status == expected and isinstance(answer["error"], str)


def test_paths_are_text_not_files(server):
    status, _, report = server.request("POST", "/v1/analyze", {"log": "/etc/passwd"})
    assert status == 200 and "root:" not in json.dumps(report) and report["inputs"][0]["lines"] == 1


def test_rules(server, kb):
    status, _, rules = server.request("GET", "/v1/rules")
    assert status == 200 and {r["id"] for r in rules} == {r.id for r in kb.rules}
    assert set(rules[0]) == {"id", "category", "severity", "title"}
    status, _, cudnn = server.request("GET", "/v1/rules?category=cudnn.*")
    assert status == 200 and cudnn and all(r["category"].startswith("cudnn.") for r in cudnn)
    status, _, rule = server.request("GET", "/v1/rules/cudnn-handle-create-failed")
    assert status == 200 and rule["markdown"].startswith("# cudnn-handle-create-failed") and rule["fixes"]
    assert str(ROOT) not in rule["markdown"]  # no server paths leak
    status, _, missing = server.request("GET", "/v1/rules/no-such-rule")
    assert status == 404 and "no-such-rule" in missing["error"]


def test_openapi(server):
    status, _, spec = server.request("GET", "/openapi.json")
    assert status == 200 and spec["info"]["title"] == "tflog"
    assert {"/v1/analyze", "/v1/rules", "/v1/rules/{rule_id}", "/healthz"} <= set(spec["paths"])
    assert "requestBody" in spec["paths"]["/v1/analyze"]["post"]


def test_unknown_route_and_method(server):
    assert server.request("GET", "/nothing")[0] == 404
    assert server.request("DELETE", "/v1/analyze")[0] == 405


def test_concurrent_load_has_no_errors(server):
    """2,000 requests from 8 keep-alive clients: every one answered 200, with the right content."""
    logs = [SHORT_LOG, "Epoch 1/3\n" + FATAL + "\n"] + [p.read_text(errors="replace") for p in _sample_logs()[:2]]

    def client(n: int):
        conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
        failures = []
        for i in range(250):
            if i % 5 == 4:
                status, _, body = server.request("GET", "/v1/rules/cudnn-handle-create-failed", conn=conn)
                ok = status == 200 and body["id"] == "cudnn-handle-create-failed"
            else:
                status, _, body = server.request("POST", "/v1/analyze", {"log": logs[(n + i) % len(logs)]}, conn=conn)
                ok = status == 200 and body["findings"] and body["findings"][0]["severity"] == "error"
            if not ok:
                failures.append(status)
        conn.close()
        return failures

    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        failures = [f for result in pool.map(client, range(8)) for f in result]
    assert failures == [] and time.monotonic() - start < 300


def test_timeout_answers_504_and_server_stays_healthy():
    _needs_server_extra()
    s = Server("--timeout", "0.05")
    try:
        huge = "\n".join(f"{CUDNN} step {i}" if i % 3 == 0 else f"{FATAL} {i}" for i in range(12000))
        status, _, body = s.request("POST", "/v1/analyze", {"log": huge})
        assert status == 504 and "longer than" in body["error"]
        deadline = time.monotonic() + 10
        while True:  # the stopped worker frees itself at its next block; the other one is free now
            status, _, body = s.request("POST", "/v1/analyze", {"log": SHORT_LOG})
            if status == 200 or time.monotonic() > deadline:
                break
        assert status == 200 and body["findings"][0]["severity"] == "error"
    finally:
        s.stop()


@pytest.mark.parametrize("blocked,flag,words", [("fastapi", [], "pip install 'tflog-doctor[server]'"),
                                                ("mcp", ["--mcp"], "pip install 'tflog-doctor[server]'")])
def test_missing_extras_are_one_clear_line(blocked, flag, words):
    """Without the extras, `tflog serve` says what to install (exit 2), not a traceback."""
    code = (f"import sys; sys.modules[{blocked!r}] = None; sys.argv = ['tflog', 'serve', *{flag!r}]\n"
            "from analyzer.cli.main import main; main()")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and words in p.stderr and "Traceback" not in p.stderr, p.stderr


@pytest.mark.parametrize("text,gone,kept", [
    ("(tf23) jmoreau@atelier-dl:~/work$ python train.py", ["jmoreau", "atelier-dl"], ["python train.py"]),
    ('File "/home/alice/envs/tf/lib/python3.8/site-packages/tensorflow/x.py"', ["alice"], ["/home/<user>/envs", "x.py"]),
    ("C:\\Users\\Bob\\AppData\\Local\\Programs\\Python", ["Bob"], ["C:\\Users\\<user>\\AppData"]),
    ("/Users/carol/miniforge3/lib", ["carol"], ["/Users/<user>/"]),
    ("hostname: gpu-node-17.cluster.local, host=worker3", ["gpu-node-17", "worker3"], ["hostname: <host>"]),
    ("grpc://10.1.2.3:8470 and [fe80::1ff:fe23:4567:890a]:22 and ::1", ["10.1.2.3", "fe80", "::1"], ["<ip>:8470"]),
    ("hf_abcdefghijklmnopqrstuvwxyz123456 ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 AKIAIOSFODNN7EXAMPLE",
     ["hf_abc", "ghp_ABC", "AKIAIOSFODNN7EXAMPLE"], []),
    ("Authorization: Bearer abc.def-ghi_jkl=", ["abc.def"], ["Bearer <token>"]),
    ("key 0123456789abcdef0123456789abcdef01234567 b64 aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldCBrZXkgMTIz==",
     ["0123456789abcdef0123456789abcdef", "aGVsbG8gd29y"], ["<secret>"]),
    # Not secrets: versions, C++ symbols, TF device names, source paths stay readable.
    ("Loaded cuDNN 8.1.0.77, TensorRT version 7.2.2.3", [], ["8.1.0.77", "7.2.2.3"]),
    ("undefined symbol: _ZN10tensorflow15TensorShapeBaseINS_11TensorShapeEEC2ENS_3gtl8ArraySliceIxEE", [],
     ["_ZN10tensorflow15TensorShapeBaseINS_11TensorShapeEEC2ENS_3gtl8ArraySliceIxEE"]),
    ("/job:localhost/replica:0/task:0/device:GPU:0 std::bad_alloc", [], ["/job:localhost/replica:0", "std::bad_alloc"]),
    ("tensorflow/stream_executor/cuda/cuda_dnn.cc:328] CUDNN_STATUS_INTERNAL_ERROR", [],
     ["tensorflow/stream_executor/cuda/cuda_dnn.cc:328] CUDNN_STATUS_INTERNAL_ERROR"]),
])
def test_redact_text(text, gone, kept):
    from analyzer.report.redact import redact_text

    out = redact_text(text)
    assert all(g not in out for g in gone), out
    assert all(k in out for k in kept), out
    assert redact_text(out) == out  # idempotent: safe to apply twice
