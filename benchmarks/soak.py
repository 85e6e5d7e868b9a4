"""A bounded soak of `tflog serve` on loopback (not a test): python benchmarks/soak.py [--duration 60 --threads 4]

Mixed traffic for --duration seconds from a few keep-alive clients: valid JSON and Markdown
analyses, oversized bodies (expect 413), malformed JSON, wrong types and unknown fields
(expect 4xx). It fails (exit 1) on any 5xx or transport error, and reports the server's
memory (RSS of the server and its worker processes) at the start and end, so that a leak
shows up as growth. Only 127.0.0.1 is contacted; the request loop is bounded in time.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_bench import build_log, machine, start_server  # noqa: E402

MAX_BODY = 256 * 1024


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (the server plus its analysis workers)."""
    procs = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
                rss = int((d / "statm").read_text().split()[1])
                procs[int(d.name)] = (int(stat[1]), rss)
            except (OSError, IndexError, ValueError):
                pass
    family, todo = set(), [pid]
    while todo:
        p = todo.pop()
        family.add(p)
        todo.extend(c for c, (ppid, _) in procs.items() if ppid == p and c not in family)
    return sum(procs[p][1] for p in family if p in procs) * 4096 / 2**20


def client(port: int, deadline: float, seed: int, counts: collections.Counter, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    logs = [build_log(20_000, seed * 100 + i) for i in range(5)]
    while time.monotonic() < deadline:
        kind = rng.choice(["json", "json", "markdown", "oversized", "malformed", "wrong-type", "unknown-field"])
        body = {
            "json": lambda: json.dumps({"log": rng.choice(logs)}),
            "markdown": lambda: json.dumps({"log": rng.choice(logs), "format": "markdown"}),
            "oversized": lambda: json.dumps({"log": "x" * (MAX_BODY + 1000)}),
            "malformed": lambda: '{"log": "unterminated',
            "wrong-type": lambda: json.dumps({"log": 12345}),
            "unknown-field": lambda: json.dumps({"log": "x", "path": "/etc/passwd"}),
        }[kind]().encode()
        try:
            conn.request("POST", "/v1/analyze", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        except (OSError, http.client.HTTPException) as e:
            status = f"transport error {type(e).__name__}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            counts[(kind, status)] += 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--write", action="store_true", help="record the figures in benchmarks/RESULTS.md")
    a = ap.parse_args()
    proc, port, banner = start_server(["--max-body", str(MAX_BODY)])
    try:
        time.sleep(1.0)
        rss_start = tree_rss_mb(proc.pid)
        counts: collections.Counter = collections.Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + a.duration
        threads = [threading.Thread(target=client, args=(port, deadline, i, counts, lock)) for i in range(a.threads)]
        for t in threads:
            t.start()
        mid = []
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            mid.append(tree_rss_mb(proc.pid))
        for t in threads:
            t.join()
        rss_end = tree_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    total = sum(counts.values())
    bad = {k: v for k, v in counts.items() if not isinstance(k[1], int) or k[1] >= 500}
    print(f"machine: {machine()}")
    print(f"soak: {a.duration:.0f} s, {a.threads} client threads, {total} requests ({total / a.duration:.0f}/s)")
    for (kind, status), n in sorted(counts.items(), key=str):
        print(f"  {kind:14} {status!s:28} {n}")
    print(f"server RSS (with workers): start {rss_start:.0f} MB, end {rss_end:.0f} MB, every 5 s: " + " ".join(f"{m:.0f}" for m in mid))
    print(f"5xx or transport errors: {sum(bad.values())}")
    if a.write:
        write_results(a, total, counts, rss_start, rss_end, mid, sum(bad.values()))
    return 1 if bad else 0


def write_results(a, total, counts, rss_start, rss_end, mid, bad) -> None:
    """Replace the soak section at the end of benchmarks/RESULTS.md (bench.py keeps it)."""
    import datetime

    path = Path(__file__).resolve().parent / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    head = old[: old.find("## Server soak")] if "## Server soak" in old else old
    rows = "\n".join(f"| {kind} | {status} | {n} |" for (kind, status), n in sorted(counts.items(), key=str))
    section = (f"## Server soak\n\nWritten by `python benchmarks/soak.py --duration {a.duration:.0f} --threads {a.threads} --write` "
               f"on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC; machine: {machine()}.\n\n"
               f"{total} requests in {a.duration:.0f} s ({total / a.duration:.0f}/s) from {a.threads} keep-alive clients on 127.0.0.1; "
               f"**{bad} 5xx or transport errors**.\n\n| request | status | count |\n|---|---|---|\n{rows}\n\n"
               f"Server RSS with its analysis workers: {rss_start:.0f} MB at start, {rss_end:.0f} MB at the end; every 5 s: "
               + " ".join(f"{m:.0f}" for m in mid) + " MB.\n")
    path.write_text(head.rstrip("\n") + "\n\n" + section)


if __name__ == "__main__":
    sys.exit(main())
