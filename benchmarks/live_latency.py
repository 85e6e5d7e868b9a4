#!/usr/bin/env python3
"""How fast is `tflog watch` live? (A benchmark, not a test: it prints numbers, asserts nothing.)

(a) Latency: a background writer streams ~10,000 Keras-like progress lines a second into one
    long-running `tflog watch --format jsonl`; every so often a key error line is written too, and
    we time how long its diagnosis takes to appear on watch's stderr. Each key line has its own
    rule (a private rules folder), so each one is a "new" finding. Target: p95 <= 50 ms.
(b) Throughput: ~200 MB of generated Keras/TF log through `tflog watch` and through `cat`, fed and
    drained by the same harness; MB/s from the first byte written to the last byte read back
    (start-up excluded: a warm-up line is echoed first). Target: watch/cat >= 0.5.

Run from the repository root: `python benchmarks/live_latency.py` (about a minute).
"""
from __future__ import annotations

import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIALS = 60
LINES_PER_SECOND = 10_000
THROUGHPUT_MB = 200
REPEATS = 5


def machine() -> dict:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    return {"nproc": nproc, "cpu": model, "python": platform.python_version(), "platform": platform.platform()}


def progress_line(i: int) -> bytes:
    return (f"Epoch {i // 1875 % 10 + 1}/10 {i % 1875 + 1:4d}/1875 [{'=' * (i % 30):<30}] - ETA: {i % 60}s"
            f" - loss: 0.{i * 7919 % 10000:04d} - accuracy: 0.{i * 104729 % 10000:04d}\n").encode()


def key_line(n: int) -> bytes:
    return f"2024-05-01 10:00:00.{n:06d}: E tensorflow/core/bench/bench.cc:12] tflogbench key {n:03d} fired\n".encode()


def bench_rules(folder: Path, n: int) -> None:
    """One rule per key line, so that every trial makes a new finding."""
    items = []
    for i in range(n):
        items.append(f"""- id: bench-key-{i:03d}
  category: unknown
  severity: error
  title: Benchmark key line {i:03d}
  match: ['tflogbench key {i:03d} fired']
  explanation: A benchmark marker.
  fixes: [Nothing to fix.]
  examples:
    match: ['tflogbench key {i:03d} fired']
""")
    (folder / "bench.yaml").write_text("".join(items))


def latency() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        bench_rules(Path(tmp), TRIALS)
        proc = subprocess.Popen([sys.executable, "-m", "analyzer", "watch", "--format", "jsonl", "--rules", tmp],
                                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        arrived: dict = {}
        seen = threading.Condition()
        summary: dict = {}

        def read_diag() -> None:
            buf = b""
            while True:
                chunk = os.read(proc.stderr.fileno(), 65536)
                if not chunk:
                    return
                now = time.perf_counter()
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                    if ev.get("event") == "summary":
                        summary.update(ev)
                    elif ev.get("event") == "new" and ev.get("rule_id", "").startswith("bench-key-"):
                        with seen:
                            arrived[ev["rule_id"]] = now
                            seen.notify_all()

        lock = threading.Lock()
        stop = threading.Event()
        written = [0]
        fd = proc.stdin.fileno()

        def background() -> None:
            """~10,000 lines/s in batches every 10 ms, paced against the clock."""
            start, i = time.perf_counter(), 0
            while not stop.is_set():
                due = int((time.perf_counter() - start) * LINES_PER_SECOND)
                if due > i:
                    batch = b"".join(progress_line(j) for j in range(i, due))
                    with lock:
                        os.write(fd, batch)
                    i = due
                    written[0] = i
                time.sleep(0.01)

        threading.Thread(target=read_diag, daemon=True).start()
        writer = threading.Thread(target=background, daemon=True)
        writer.start()
        time.sleep(2.0)  # start-up, and let a backlog build
        results, missed = [], 0
        for n in range(TRIALS):
            time.sleep(random.uniform(0.05, 0.15))
            with lock:
                os.write(fd, key_line(n))
                t0 = time.perf_counter()
            key = f"bench-key-{n:03d}"
            with seen:
                if seen.wait_for(lambda: key in arrived, timeout=10):
                    results.append(arrived[key] - t0)
                else:
                    missed += 1
        stop.set()
        writer.join()
        lines = written[0]
        proc.stdin.close()
        proc.wait(timeout=120)
        time.sleep(0.2)
    results.sort()
    return {
        "trials": len(results), "missed": missed,
        "median_ms": statistics.median(results) * 1000 if results else float("nan"),
        "p95_ms": results[max(0, int(len(results) * 0.95) - 1)] * 1000 if results else float("nan"),
        "max_ms": results[-1] * 1000 if results else float("nan"),
        "background_lines": lines, "skipped": summary.get("warnings", []), "exit": proc.returncode,
    }


def make_input(mb: int) -> bytes:
    """~`mb` MB: Keras progress (90%) and TF-style info/warning lines (10%), a 4 MB pattern repeated."""
    parts, size, i = [], 0, 0
    while size < 4 << 20:
        if i % 10 == 9:
            line = (f"2024-05-01 10:00:{i % 60:02d}.{i % 1000000:06d}: I tensorflow/core/common_runtime/"
                    f"gpu/gpu_device.cc:{i % 2000}] Created device /job:localhost/replica:0/task:0/device:GPU:0 "
                    f"with {i % 16000} MB memory\n").encode()
        else:
            line = progress_line(i)
        parts.append(line)
        size += len(line)
        i += 1
    block = b"".join(parts)
    return block * max(1, (mb << 20) // len(block))


def through(cmd, data: bytes) -> float:
    """MB/s through `cmd` (after a warm-up line has come back), fed and drained by this process."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    fd_in, fd_out = proc.stdin.fileno(), proc.stdout.fileno()
    warm = b"warm-up\n"
    os.write(fd_in, warm)
    got = b""
    while len(got) < len(warm):
        got += os.read(fd_out, 65536)

    def feed() -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd_in, view[: 1 << 20]):]
        proc.stdin.close()

    t0 = time.perf_counter()
    threading.Thread(target=feed, daemon=True).start()
    total = 0
    while total < len(data):
        chunk = os.read(fd_out, 1 << 20)
        if not chunk:
            break
        total += len(chunk)
    t1 = time.perf_counter()
    while os.read(fd_out, 1 << 20):
        pass
    proc.wait(timeout=120)
    if total != len(data):
        raise SystemExit(f"{cmd[0]}: passed {total} of {len(data)} bytes")
    return len(data) / (t1 - t0) / 1e6


def main() -> None:
    t_start = time.perf_counter()
    info = machine()
    print(f"machine: {info['nproc']} CPU(s), {info['cpu']}, Python {info['python']}, {info['platform']}")
    print(f"(a) latency: {TRIALS} key lines into `tflog watch --format jsonl` while ~{LINES_PER_SECOND} "
          "progress lines/s stream into it ...", flush=True)
    lat = latency()
    print("(b) throughput: generating input ...", flush=True)
    data = make_input(THROUGHPUT_MB)
    watch_cmd = [sys.executable, "-m", "analyzer", "watch", "--format", "jsonl"]
    cat, watch = [], []
    for _ in range(REPEATS):  # alternate, so that both see the same background load
        cat.append(through(["cat"], data))
        watch.append(through(watch_cmd, data))
    cat_mb, watch_mb = statistics.median(cat), statistics.median(watch)
    ratio = statistics.median(w / c for w, c in zip(watch, cat))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    rows = [
        ("machine", f"nproc {info['nproc']}; {info['cpu']}; Python {info['python']}"),
        ("latency median", f"{lat['median_ms']:.1f} ms"),
        ("latency p95 (target <= 50 ms)", f"{lat['p95_ms']:.1f} ms"),
        ("latency max", f"{lat['max_ms']:.1f} ms"),
        ("key lines diagnosed / missed", f"{lat['trials']} / {lat['missed']}"),
        ("background progress lines", f"{lat['background_lines']} (~{LINES_PER_SECOND}/s)"),
        ("input for throughput", f"{len(data) / 1e6:.0f} MB, {REPEATS} runs each, medians"),
        ("cat", f"{cat_mb:.0f} MB/s  (runs: {', '.join(f'{x:.0f}' for x in cat)})"),
        ("tflog watch", f"{watch_mb:.0f} MB/s  (runs: {', '.join(f'{x:.0f}' for x in watch)})"),
        ("ratio watch/cat (target >= 0.5)", f"{ratio:.2f}  (median of the paired runs)"),
        ("load average (1 min) at the end", f"{load:.2f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    for w in lat["skipped"]:
        print(f"  note (latency run): {w}")
    print(f"\n(total {time.perf_counter() - t_start:.0f} s)")


if __name__ == "__main__":
    main()
