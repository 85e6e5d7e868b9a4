#!/usr/bin/env python3
"""Triage throughput (issue 18), measured on one generated fleet (a benchmark, not a test).

    python benchmarks/fleet_bench.py                 # 3,000 logs of ~20 KB; --jobs 1, --jobs 2, Ray local; --since
    python benchmarks/fleet_bench.py --logs 1000 --no-ray --no-write

- The fleet: tests/fleetgen.py (the repo's real logs with moved timestamps, padded with training
  output to ~20 KB each, some gzipped, some with new unknown errors), written under /tmp, read
  once before timing (page cache warm, as on a machine that just received the logs).
- `--jobs 1` / `--jobs 2`: `analyzer.fleet.run.run_triage` in this process (knowledge base loaded
  before timing), logs/s and MB/s of log bytes, best of 3 interleaved runs; the rows are checked equal.
- Ray local: `ray.init(num_cpus=2)` timed on its own (start-up), a first run on 50 logs, then the
  same fleet: the whole run, and the rate after start-up (over the last three quarters of the rows,
  as they stream in; every run starts its actors, which load the KB); rows checked against --jobs.
- `--since`: a 100,000-row index (the fleet's rows repeated with other paths, hashes and times
  over 90 days), then `tflog triage --db ... --since 7d --format json` as a user runs it
  (a new process: start-up included), median of 5; and --since 90d (every row) for information.

It prints every figure and, unless --no-write, replaces the "Fleet triage" section of
benchmarks/RESULTS.md. Timings are wall clock on a possibly shared machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fleetgen import make_fleet  # noqa: E402

from analyzer.fleet.index import Index  # noqa: E402
from analyzer.fleet.run import run_triage  # noqa: E402
from analyzer.kb.load import load_knowledge_base  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "## Fleet triage"
REPEATS = 3


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def cpu_timed(fn):
    """(result, wall seconds, CPU seconds of this process and its finished children): CPU time
    does not depend on what else the machine runs, so it shows the cost of parallelism itself."""
    before = os.times()
    t = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t
    after = os.times()
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ("user", "system", "children_user", "children_system"))
    return out, wall, cpu


def build_index(db: str, rows: List[dict], n: int) -> float:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    made = []
    for i in range(n):
        r = dict(rows[i % len(rows)])
        t = (now - timedelta(seconds=i * 90 * 86400 // n)).strftime("%Y-%m-%dT%H:%M:%S")
        r.update(path=f"/fleet/node-{i % 97}/job-{i:06d}.log", sha256=f"{i:064x}", time=t, first_time=t)
        made.append(r)
    with Index(db) as index:
        _, dt = timed(lambda: index.put_many(made))
    return dt


def since_time(db: str, age: str) -> Tuple[float, int]:
    import json

    times, logs = [], 0
    for _ in range(5):
        t = time.perf_counter()
        p = subprocess.run(
            [sys.executable, "-m", "analyzer", "triage", "--db", db, "--since", age, "--format", "json"],
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - t)
        logs = json.loads(p.stdout)["logs"]
    return statistics.median(times), logs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--logs", type=int, default=3000)
    ap.add_argument("--size", type=int, default=20000, help="bytes per log (padded with training output)")
    ap.add_argument("--index-rows", type=int, default=100_000)
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tflog-fleet-"))
    lines: List[Tuple[str, str, str, str]] = []  # what, result, target, met
    try:
        fleet = make_fleet(tmp / "fleet", args.logs, pad_to=args.size)
        paths = [m.path for m in fleet.logs]
        total = sum(len(Path(p).read_bytes()) for p in paths)  # also warms the page cache
        mb = total / 1e6
        print(f"fleet: {len(paths)} logs, {mb:.1f} MB ({total / len(paths) / 1000:.1f} kB each on disk)")
        kb = load_knowledge_base()

        def run(jobs: int):
            return run_triage(paths, kb, jobs=jobs)

        run(2)  # warm: the line caches, the fork path
        # best of REPEATS, interleaved: on a shared machine other people's jobs come and go
        t1 = t2 = c1 = c2 = float("inf")
        for _ in range(REPEATS):
            res1, t, c = cpu_timed(lambda: run(1))
            t1, c1 = min(t1, t), min(c1, c)
            res2, t, c = cpu_timed(lambda: run(2))
            t2, c2 = min(t2, t), min(c2, c)
        assert res1.rows == res2.rows, "--jobs 1 and --jobs 2 disagree"
        r1, r2 = len(paths) / t1, len(paths) / t2
        n = len(paths)
        print(f"--jobs 1: {r1:,.0f} logs/s, {mb / t1:.1f} MB/s ({t1:.2f} s), CPU {1000 * c1 / n:.2f} ms/log")
        print(
            f"--jobs 2: {r2:,.0f} logs/s, {mb / t2:.1f} MB/s ({t2:.2f} s), {r2 / r1:.2f}x --jobs 1, CPU {1000 * c2 / n:.2f} ms/log"
        )
        lines.append((f"--jobs 1, {n} logs of ~{args.size // 1000} KB", f"{r1:,.0f} logs/s, {mb / t1:.1f} MB/s", "", ""))
        lines.append(
            (
                "CPU time per log (all processes; does not depend on the machine's load)",
                f"--jobs 1 {1000 * c1 / n:.2f} ms, --jobs 2 {1000 * c2 / n:.2f} ms ({c2 / c1:.2f}x)",
                "(for information)",
                "",
            )
        )
        lines.append(
            (
                "--jobs 2, same logs",
                f"{r2:,.0f} logs/s, {mb / t2:.1f} MB/s; {r2 / r1:.2f}x --jobs 1",
                ">= 1.7x --jobs 1; >= 1,000 logs/s",
                "met" if r2 / r1 >= 1.7 and r2 >= 1000 else ("speed-up met" if r2 / r1 >= 1.7 else "not met"),
            )
        )
        if not args.no_ray:
            try:
                import ray

                from analyzer.fleet.distributed import iter_ray, shutdown, triage_ray
            except ImportError:
                print("Ray is not installed: pip install 'tflog[ray]' (skipped)")
            else:
                _, start = timed(
                    lambda: ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
                )
                _, warm = timed(lambda: triage_ray(paths[:50]))
                t0 = time.perf_counter()
                stamps, rows = [], []
                for row in iter_ray(paths):
                    rows.append(row)
                    stamps.append(time.perf_counter())
                tr = stamps[-1] - t0
                assert sorted(rows, key=lambda r: r["path"]) == res1.rows, "Ray and --jobs disagree"
                rr = len(paths) / tr
                # after start-up: the rate over the last three quarters of the rows (each run starts its
                # actors and loads the KB in them first; by a quarter of the rows the pipeline is streaming)
                q = len(paths) // 4
                rm = (len(paths) - q) / max(stamps[-1] - stamps[q - 1], 1e-9)
                print(
                    f"Ray local (2 CPUs): ray.init {start:.1f} s, first run (50 logs) {warm:.1f} s; whole fleet {rr:,.0f} logs/s, "
                    f"{mb / tr:.1f} MB/s ({tr:.2f} s, first row after {stamps[0] - t0:.2f} s); after start-up {rm:,.0f} logs/s"
                )
                lines.append(
                    (
                        "Ray local, 2 CPUs, same logs, after start-up (the last three quarters of the rows)",
                        f"{rm:,.0f} logs/s, {mb * rm / len(paths):.1f} MB/s; {rm / r2:.2f}x the rate of --jobs 2",
                        "within 2x of --jobs 2",
                        "met" if r2 / rm <= 2 else "not met",
                    )
                )
                lines.append(
                    (
                        "Ray local, whole run as a user sees it",
                        f"{rr:,.0f} logs/s ({tr:.1f} s, actor start-up included); ray.init {start:.1f} s once",
                        "(for information)",
                        "",
                    )
                )
                shutdown()

        db = str(tmp / "triage.sqlite")
        load = build_index(db, res1.rows, args.index_rows)
        print(f"index: {args.index_rows:,} rows written in {load:.1f} s ({os.path.getsize(db) / 1e6:.0f} MB)")
        t7, n7 = since_time(db, "7d")
        tall, nall = since_time(db, "90d")
        print(f"--since 7d from {args.index_rows:,} rows: {t7:.2f} s ({n7:,} logs), --since 90d: {tall:.2f} s ({nall:,} logs)")
        lines.append(
            (
                f"tflog triage --db --since 7d, {args.index_rows:,}-row index (new process, median of 5)",
                f"{t7:.2f} s ({n7:,} logs in the report)",
                "< 1 s",
                "met" if t7 < 1 else "not met",
            )
        )
        lines.append((f"the same, --since 90d (all {nall:,} rows)", f"{tall:.2f} s", "(for information)", ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if not args.no_write:
        write(lines, args)


def write(lines, args) -> None:
    load = os.getloadavg()
    cpu = platform.processor() or platform.machine()
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        SECTION,
        "",
        f"Written by `python benchmarks/fleet_bench.py --logs {args.logs}` on {now}; machine: {platform.system()} "
        f"{platform.release()}, {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; load average at the end "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (a shared machine).",
        "",
        "| what | result | target | |",
        "|---|---|---|---|",
    ]
    body += [f"| {w} | {r} | {t} | {m} |" for w, r, t, m in lines]
    text = RESULTS.read_text(encoding="utf-8")
    if SECTION in text:
        before, _, rest = text.partition(SECTION)
        nxt = rest.find("\n## ")
        text = before + "\n".join(body) + "\n" + (rest[nxt:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(body) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(f"wrote the {SECTION!r} section of {RESULTS}")


if __name__ == "__main__":
    main()
