"""The command line as a user meets it: formats, exit statuses, the JSON contract, help."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, tflog

SCHEMA = json.loads((ROOT / "analyzer" / "schema" / "report.schema.json").read_text())
FATAL = "2021-03-01 12:00:01.000001: F tensorflow/core/other/thing.cc:12] Check failed: widget_count >= 0 (-1 vs. 0)\n"


@pytest.fixture
def failing_log(tmp_path) -> Path:
    f = tmp_path / "run.log"
    f.write_text("Epoch 1/3\n" + FATAL)
    return f


def test_version():
    p = tflog("--version")
    assert p.returncode == 0 and p.stdout.decode().startswith("tflog ")


def test_help_teaches_with_examples():
    p = tflog("--help")
    assert p.returncode == 0 and b"tflog analyze run.log" in p.stdout
    p = tflog("analyze", "--help")
    assert b"--fail-on" in p.stdout and b"Exit status" in p.stdout


def test_json_report_follows_schema(failing_log):
    p = tflog("analyze", "--format", "json", failing_log)
    assert p.returncode == 1
    report = json.loads(p.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["schema_version"] == "1"
    assert report["inputs"] == [{"name": str(failing_log), "lines": 2, "bytes": failing_log.stat().st_size,
                                 "facts": report["facts"], "fact_provenance": report["fact_provenance"]}]
    first = report["findings"][0]
    assert first["root_cause"] and first["evidence"][0]["line"] == 2


def test_every_sample_log_report_follows_schema():
    for f in sorted((ROOT / "sample_logs").glob("*.log")):
        p = tflog("analyze", "--format", "json", f)
        assert p.returncode in (0, 1), (f, p.stderr)
        jsonschema.validate(json.loads(p.stdout), SCHEMA)


def test_fail_on_levels(failing_log):
    assert tflog("analyze", "--format", "json", "--fail-on", "never", failing_log).returncode == 0
    assert tflog("analyze", "--format", "json", "--fail-on", "error", failing_log).returncode == 1


def test_text_is_plain_in_a_pipe(failing_log):
    p = tflog("analyze", failing_log)
    out = p.stdout.decode()
    assert "\x1b[" not in out and "ROOT CAUSE" in out and f"{failing_log}:2" in out


def test_markdown(failing_log):
    out = tflog("analyze", "--format", "markdown", failing_log).stdout.decode()
    assert out.startswith("### Root cause") and "```" in out


def test_clean_log_exits_0(tmp_path):
    f = tmp_path / "ok.log"
    f.write_text("Epoch 1/1\n10/10 [==============================] - 1s 5ms/step - loss: 0.1\n")
    p = tflog("analyze", f)
    assert p.returncode == 0 and b"No problem found" in p.stdout


def test_several_inputs_make_one_report(tmp_path, failing_log):
    other = tmp_path / "b.log"
    other.write_text("fine\n")
    report = json.loads(tflog("analyze", "-f", "json", failing_log, other).stdout)
    assert [i["name"] for i in report["inputs"]] == [str(failing_log), str(other)]


def test_bad_option_is_usage_error_without_traceback(failing_log):
    p = tflog("analyze", "--format", "xml", failing_log)
    assert p.returncode == 2 and b"Traceback" not in p.stderr


def test_python_dash_m_and_console_script_agree(failing_log):
    import shutil
    import subprocess

    exe = shutil.which("tflog")
    if exe is None:
        pytest.skip("tflog console script not on PATH")
    a = subprocess.run([exe, "analyze", "-f", "json", str(failing_log)], capture_output=True)
    b = tflog("analyze", "-f", "json", failing_log)
    assert json.loads(a.stdout)["findings"] == json.loads(b.stdout)["findings"]


def test_rules_list_show_lint_test():
    listing = tflog("rules", "list")
    assert listing.returncode == 0 and listing.stdout.count(b"\n") >= 1
    first_id = listing.stdout.split()[0].decode()
    shown = tflog("rules", "show", first_id)
    assert shown.returncode == 0 and first_id.encode() in shown.stdout and b"## What it means" in shown.stdout
    p = tflog("rules", "show", "no-such-rule")
    assert p.returncode == 2 and b"no rule" in p.stderr
    lint = tflog("rules", "lint")
    assert lint.returncode == 0, lint.stdout.decode()[-3000:]
    test = tflog("rules", "test")
    assert test.returncode == 0, test.stdout.decode()[-3000:]
    assert b" 0 failed" in test.stdout


def test_api_matches_cli(failing_log):
    from analyzer import analyze

    api = analyze(path=failing_log).to_dict()
    cli = json.loads(tflog("analyze", "-f", "json", failing_log).stdout)
    assert api["findings"] == cli["findings"] and api["facts"] == cli["facts"]
