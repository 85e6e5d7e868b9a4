"""Throughput and latency of `tflog serve` (not a test): python benchmarks/server_bench.py [--threads 8 --duration 20].

Starts the real server on a loopback port, posts ~20 KB logs (sample_logs content plus
training noise, each request's log made unique) from N keep-alive client threads for
--duration seconds, and prints analyses/s and latency percentiles, plus the engine's
own time per log measured in-process, so that HTTP overhead and analysis cost can be
told apart. Targets (issue 6): >= 200 analyses/s and p99 <= 100 ms on a 2-core machine.
The clients run on the same machine and take CPU from the server.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOISE = [
    "{n}/1563 [==============>...............] - ETA: 41s - loss: 1.{n:04d} - accuracy: 0.5{n:03d}",
    "2021-10-14 09:12:{s:02d}.{n:06d}: I tensorflow/core/common_runtime/bfc_allocator.cc:1036] InUse at 7f2a4c000000 of size 1280 next {n}",
    "Epoch {n}/100",
    "2021-10-14 09:12:{s:02d}.{n:06d}: W tensorflow/core/data/root_dataset.cc:167] Optimization loop failed: CANCELLED: Operation was cancelled",
    "WARNING:tensorflow:Callback method `on_train_batch_end` is slow compared to the batch time (batch time: 0.0{n}s).",
]


def build_log(size: int, seed: int) -> str:
    """~`size` bytes: the sample logs' failures and environment lines, padded with training noise."""
    rng = random.Random(seed)
    samples = sorted((ROOT / "sample_logs").glob("*.log"))
    parts = [p.read_text(encoding="utf-8", errors="replace") for p in samples[:3]] if samples else []
    text = "\n".join(parts)[: size // 2]
    lines = [text]
    while sum(len(l) + 1 for l in lines) < size:
        n = rng.randrange(1, 99999)
        lines.append(rng.choice(NOISE).format(n=n, s=n % 60))
    return "\n".join(lines)[:size]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}, "
            f"Python {platform.python_version()}")


def start_server(extra):
    proc = subprocess.Popen([sys.executable, "-m", "analyzer", "serve", "--host", "127.0.0.1", "--port", "0", *extra],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        sys.exit(f"server did not start: {line}{proc.stderr.read()}")
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # keep draining
    return proc, int(m.group(1)), line.strip()


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds a process has used (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def children(pid: int) -> list:
    try:
        return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and (p / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid)]
    except OSError:
        return []


def engine_ms(log: str, n: int = 30) -> float:
    """In-process milliseconds per analysis of `log` (no HTTP): the floor for one worker."""
    sys.path.insert(0, str(ROOT))
    from analyzer import load_knowledge_base
    from analyzer.pipeline.engine import analyze_text

    kb = load_knowledge_base()
    analyze_text(log, kb)
    start = time.perf_counter()
    for _ in range(n):
        analyze_text(log, kb)
    return (time.perf_counter() - start) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--size", type=int, default=20_000, help="bytes per log")
    ap.add_argument("--format", default="json", choices=["json", "markdown"])
    args, extra = ap.parse_known_args()

    print("machine:", machine())
    if hasattr(os, "getloadavg"):
        print("load average before the run: %.2f %.2f %.2f (other work on this machine skews the figures)" % os.getloadavg())
    base = build_log(args.size, 0)
    print(f"log: {len(base.encode())} bytes, {base.count(chr(10)) + 1} lines; engine alone: {engine_ms(base):.1f} ms/analysis")
    proc, port, banner = start_server(extra)
    print("server:", banner)
    latencies, errors, lock = [], [], threading.Lock()
    stop_at = time.monotonic() + args.duration

    def client(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        while time.monotonic() < stop_at:
            body = json.dumps({"log": f"{base}\nrequest {k}-{i}\n", "format": args.format})
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/v1/analyze", body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except OSError as e:
                status = str(e)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            dt = time.perf_counter() - t0
            with lock:
                (latencies.append(dt) if status == 200 else errors.append(status))
            i += 1
        conn.close()

    workers = children(proc.pid)
    cpu_before = (cpu_seconds(proc.pid), sum(cpu_seconds(w) for w in workers), time.process_time())
    try:
        start = time.monotonic()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        cpu = (cpu_seconds(proc.pid) - cpu_before[0], sum(cpu_seconds(w) for w in workers) - cpu_before[1],
               time.process_time() - cpu_before[2])
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    if not latencies:
        sys.exit(f"no successful request; errors: {errors[:5]}")
    q = statistics.quantiles(latencies, n=100)
    print(f"clients: {args.threads} threads, {elapsed:.1f} s, format {args.format}")
    print(f"throughput: {len(latencies) / elapsed:.1f} analyses/s ({len(latencies)} ok, {len(errors)} errors"
          f"{' ' + str(sorted(set(map(str, errors)))) if errors else ''})")
    print(f"latency: p50 {q[49] * 1000:.1f} ms, p90 {q[89] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms")
    n = max(1, len(latencies))
    print(f"CPU per analysis: server main process {cpu[0] / n * 1000:.1f} ms, analysis workers {cpu[1] / n * 1000:.1f} ms, "
          f"this client {cpu[2] / n * 1000:.1f} ms ({len(workers)} workers)")
    print("targets: >= 200 analyses/s, p99 <= 100 ms")


if __name__ == "__main__":
    main()
