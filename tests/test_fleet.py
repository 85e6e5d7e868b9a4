"""`tflog triage` on a generated fleet built from the repo's real logs: counts, shares, clusters,
the index (skip, refresh, --since, two writers, a run killed halfway), formats and mistakes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from fleetgen import UNKNOWN, make_fleet

from analyzer import analyze, analyze_many

from conftest import tflog

FLEET_SIZE = 2000


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    return make_fleet(tmp_path_factory.mktemp("fleet"), FLEET_SIZE)


@pytest.fixture(scope="module")
def expected_roots(fleet):
    """Each generated log's root cause: its source log's, analysed alone (timestamps, padding, gzip
    and path must not change it); a log given a new unknown error is analysed alone as it is."""
    roots = {}
    for src in fleet.by_source():
        roots[src] = analyze(path=src).root
    out = {}
    for m in fleet.logs:
        r = roots[m.source] if m.unknown is None else analyze(path=m.path).root
        out[m.path] = (r.rule_id, r.severity, r.category) if r else None
        if m.unknown is not None:
            assert r is not None  # the new error makes even a clean log one with an error
    return out


@pytest.fixture(scope="module")
def triaged(fleet):
    p = tflog("triage", fleet.folder, "--recursive", "--jobs", "2", "--format", "json", timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


def test_counts_and_shares_match_the_logs_that_made_the_fleet(fleet, expected_roots, triaged):
    assert triaged["schema_version"] == "1"
    assert triaged["logs"] == FLEET_SIZE
    assert triaged["bytes"] == sum(os.path.getsize(m.path) for m in fleet.logs)
    want = Counter(r[0] for r in expected_roots.values() if r and r[0] != "unrecognized")
    got = {g["rule_id"]: g["count"] for g in triaged["root_causes"]}
    assert got == dict(want)
    assert triaged["status"]["ok"] == sum(1 for r in expected_roots.values() if r is None)
    assert triaged["no_failure"]["count"] == triaged["status"]["ok"]
    assert triaged["status"]["unrecognized"] == sum(1 for r in expected_roots.values() if r and r[0] == "unrecognized")
    assert sum(triaged["status"].values()) == FLEET_SIZE
    for g in triaged["root_causes"]:
        assert g["share"] == round(g["count"] / FLEET_SIZE, 4)
    by_category = Counter(r[2] for r in expected_roots.values() if r and r[0] != "unrecognized")
    assert {c["category"]: c["count"] for c in triaged["categories"]} == dict(by_category)
    assert [g["count"] for g in triaged["root_causes"]] == sorted((g["count"] for g in triaged["root_causes"]), reverse=True)


def test_each_root_cause_has_its_examples_time_span_and_facts(fleet, expected_roots, triaged):
    made = {m.path: m for m in fleet.logs}
    top = triaged["root_causes"][0]
    mine = [p for p, r in expected_roots.items() if r and r[0] == top["rule_id"]]
    assert set(top["examples"]) <= set(mine) and len(top["examples"]) == 3
    # every generated log's first timestamp (or file time) was set by the generator
    assert top["first_seen"] == min(made[p].start for p in mine).strftime("%Y-%m-%dT%H:%M:%S")
    assert top["last_seen"] >= max(made[p].start for p in mine).strftime("%Y-%m-%dT%H:%M:%S")
    mismatch = next(g for g in triaged["root_causes"] if g["rule_id"] == "cudnn-version-mismatch")
    runtimes = {v["value"] for v in mismatch["facts"]["cudnn_runtime"]}
    assert "8.0.x" in runtimes  # sample_logs/cudnn_version_mismatch.log: loaded 8.0.x, compiled against 8.1


def test_new_unknown_errors_are_clustered_by_template(fleet, triaged):
    clusters = {c["template"]: c for c in triaged["unrecognized_clusters"]}
    for k, (template, _line) in enumerate(UNKNOWN):
        made = [m.path for m in fleet.logs if m.unknown == k]
        c = clusters[template]
        assert c["count"] == len(made)  # one cluster whatever the values in each line
        assert set(c["examples"]) <= set(made)
        assert c["share"] == round(len(made) / FLEET_SIZE, 4)
    # the largest clusters come first: the rules to write next
    counts = [c["count"] for c in triaged["unrecognized_clusters"]]
    assert counts == sorted(counts, reverse=True)


def test_one_worker_and_two_give_the_same_rows(fleet):
    some = [m.path for m in fleet.logs[:300]]
    one = analyze_many(some, jobs=1)
    two = analyze_many(some, jobs=2)
    assert one.rows == two.rows
    assert one.aggregate.to_dict() == two.aggregate.to_dict()
    first = next(iter(one))
    assert first.path == sorted(some)[0] and first.to_dict() == one.rows[0]


def test_text_jsonl_and_csv_outputs(fleet):
    some = [m.path for m in fleet.logs[:200]]
    p = tflog("triage", *some, "--format", "text")
    assert p.returncode == 0, p.stderr.decode()
    text = p.stdout.decode()
    assert text.startswith("200 logs") and "Root causes:" in text and "Unrecognized errors by template" in text
    p = tflog("triage", "-", "--format", "jsonl", input="\n".join(some).encode())
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [r["path"] for r in rows] == sorted(some)
    assert all(len(r["sha256"]) == 64 and r["kb_version"] for r in rows)
    p = tflog("triage", *some, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(p.stdout.decode())))
    assert len(table) == 200 and {t["path"] for t in table} == set(some)


def _index(db: Path):
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("SELECT path, sha256 FROM logs").fetchall())
    finally:
        con.close()


def test_the_index_skips_known_logs_and_refreshes_changed_ones_and_new_rules(fleet, tmp_path):
    some = [m.path for m in fleet.logs[:300]]
    db = str(tmp_path / "triage.sqlite")
    first = analyze_many(some, db=db, jobs=2)
    assert (first.analysed, first.reused) == (300, 0)
    again = analyze_many(some, db=db, jobs=2)
    assert (again.analysed, again.reused) == (0, 300)
    assert again.rows == first.rows and again.aggregate.to_dict() == first.aggregate.to_dict()

    changed = tmp_path / "changed.log"
    changed.write_bytes(Path(fleet.logs[0].path).read_bytes() + b"\nRuntimeError: one more line\n")
    third = analyze_many(some + [str(changed)], db=db, jobs=2)
    assert (third.analysed, third.reused) == (1, 300)

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text(
        "- id: fleet-flux-capacitor\n  category: cuda.runtime_fault\n  severity: error\n"
        "  title: The flux capacitor desynchronised\n  match: ['Flux capacitor desynchronised on shard']\n"
        "  explanation: A rule written for the largest cluster.\n  fixes: ['Resynchronise it.']\n"
    )
    fourth = analyze_many(some, db=db, jobs=2, rule_dirs=[str(rules)])
    assert (fourth.analysed, fourth.reused) == (300, 0)  # the knowledge base changed: everything again
    flux = [m.path for m in fleet.logs[:300] if m.unknown == 0]
    assert {r["path"] for r in fourth.rows if "fleet-flux-capacitor" in r["rule_ids"]} == set(flux)


def test_since_reports_from_the_index_alone(fleet, tmp_path):
    made = {}
    for m in fleet.logs[:300]:  # copies, removed after indexing: the report must not need the logs
        copy = tmp_path / "logs" / Path(m.path).relative_to(fleet.folder)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(Path(m.path).read_bytes())
        os.utime(copy, (os.path.getmtime(m.path),) * 2)
        made[str(copy)] = m
    db = tmp_path / "triage.sqlite"
    p = tflog("triage", tmp_path / "logs", "-r", "--db", db, "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    everything = json.loads(p.stdout)
    shutil.rmtree(tmp_path / "logs")
    p = tflog("triage", "--db", db, "--since", "2000-01-01", "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    assert json.loads(p.stdout)["root_causes"] == everything["root_causes"]
    cut = "2026-02-01"
    p = tflog("triage", "--db", db, "--since", cut, "--format", "jsonl")
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert {r["path"] for r in rows} == {c for c, m in made.items() if m.start.strftime("%Y-%m-%d") >= cut}
    assert 0 < len(rows) < 300
    p = tflog("triage", "--db", db, "--since", "7d", "--format", "json")
    assert json.loads(p.stdout)["logs"] == 0  # the fleet's logs are from early 2026


def test_two_concurrent_writers(fleet, tmp_path):
    db = tmp_path / "triage.sqlite"
    a = [m.path for m in fleet.logs[:400]]
    b = [m.path for m in fleet.logs[200:600]]
    procs = [
        subprocess.Popen([sys.executable, "-m", "analyzer", "triage", "-", "--db", str(db), "--jobs", "1", "--format", "json"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in (a, b)
    ]  # fmt: skip
    outs = [p.communicate("\n".join(paths).encode(), timeout=240) for p, paths in zip(procs, (a, b))]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()
    assert json.loads(outs[0][0])["logs"] == 400 and json.loads(outs[1][0])["logs"] == 400
    stored = _index(db)
    assert set(stored) == set(a) | set(b)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    clean = analyze_many(sorted(set(a) | set(b)), jobs=2)
    assert {r["path"]: r["sha256"] for r in clean.rows} == stored


def test_a_run_killed_halfway_loses_no_finished_row_and_resumes(fleet, tmp_path):
    paths = [m.path for m in fleet.logs[:1200]]
    db = tmp_path / "triage.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "triage", "-", "--db", str(db), "--jobs", "2", "--format", "json"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    proc.stdin.write("\n".join(paths).encode())
    proc.stdin.close()
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and done < 200:
        time.sleep(0.05)
        if db.exists():
            try:
                done = len(_index(db))
            except sqlite3.OperationalError:  # the schema is being created
                pass
    os.killpg(proc.pid, signal.SIGKILL)  # tflog and its workers, mid-run
    proc.wait()
    kept = _index(db)
    assert 200 <= len(kept) < len(paths)
    resumed = analyze_many(paths, db=str(db), jobs=2)
    clean = analyze_many(paths, jobs=2)
    known = set(kept.values())  # a log with the same content as a finished one is not analysed either
    again = sum(1 for r in clean.rows if r["sha256"] in known)
    assert again >= len(kept) and resumed.reused == again and resumed.analysed == len(paths) - again
    assert resumed.rows == clean.rows
    assert resumed.aggregate.to_dict() == clean.aggregate.to_dict()


def test_mistakes_give_one_line_and_status_2(tmp_path):
    for args, says in (
        (("triage", tmp_path / "nope.log"), "no such file"),
        (("triage", str(tmp_path / "*.log")), "no file matches"),
        (("triage", tmp_path), "no log files in this folder"),
        (("triage", "--db", tmp_path / "none.sqlite"), "no such index"),
        (("triage", "--db", tmp_path / "x.sqlite", "--since", "yesterday"), "--since 'yesterday'"),
        (("triage",), "give logs to triage"),
    ):
        p = tflog(*args)
        err = p.stderr.decode()
        assert p.returncode == 2, (args, err)
        assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    bad = tmp_path / "bad.log"
    bad.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))
    p = tflog("triage", bad, "--format", "json")  # an unreadable log is counted and said why, not fatal
    assert p.returncode == 0
    out = json.loads(p.stdout)
    assert out["status"]["unreadable"] == 1 and "binary file" in out["unreadable"][0]["error"]


def test_object_storage_uris_are_listed_and_read_through_pyarrow(tmp_path):
    pytest.importorskip("pyarrow.fs", reason="URIs are read through pyarrow (the ray extra)")
    make_fleet(tmp_path / "bucket", 30)
    uri = (tmp_path / "bucket").as_uri() + "/"  # file:// here; s3://, gs:// the same way
    p = tflog("triage", uri, "--format", "jsonl")
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    local = analyze_many([str(tmp_path / "bucket")], recursive=True, jobs=1).rows
    assert len(rows) == 30 and all(r["path"].startswith("file://") for r in rows)
    strip = [{k: v for k, v in r.items() if k != "path"} for r in rows]
    assert strip == [{k: v for k, v in r.items() if k != "path"} for r in local]


# A distributed backend that, like Ray, prints to the process's standard output while it runs, from Python and from
# native code or child processes (the file descriptor itself), then gives the rows a local run gives.
_NOISY_BACKEND = r"""
import os, sys
import analyzer.fleet.distributed as distributed
from analyzer import load_knowledge_base
from analyzer.fleet.triage import triage_rows

def noisy(paths, address=None, rule_dirs=(), known=()):
    print("(raylet) memory monitor: a worker was killed to prevent node deaths by resource contention")
    os.write(1, b"native: task failed\n")
    return sorted(triage_rows(paths, load_knowledge_base(), jobs=1, rule_dirs=rule_dirs, known=known), key=lambda r: r["path"])

distributed.triage_ray = noisy
sys.argv = ["tflog", *sys.argv[1:]]
from analyzer.cli.main import entry
entry()
"""


def test_a_distributed_run_keeps_standard_output_for_the_report(fleet, tmp_path):
    """With --ray, what Ray prints to standard output (its memory monitor's warnings, its workers' output) goes to
    standard error: `--format json` stays one JSON document, the same a local run gives."""
    p = subprocess.run([sys.executable, "-c", _NOISY_BACKEND, "triage", str(fleet.folder), "-r", "--ray", "--format", "json"],
                       capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    assert json.loads(p.stdout) == analyze_many([m.path for m in fleet.logs], jobs=1).aggregate.to_dict()
    assert b"memory monitor" in p.stderr and b"native: task failed" in p.stderr
