#!/usr/bin/env python3
"""tflog's performance targets (issue 7), measured in one run on the same files (a benchmark, not a test).

    python benchmarks/bench.py            # 20 MB, 200 MB and 1 GB logs, cold start, warm API, watch (~5 min)
    python benchmarks/bench.py --quick    # the same on a 20 MB log only (~1 min)

It prints every figure and writes the table to benchmarks/RESULTS.md (`--no-write`: don't).

- Large logs (benchmarks/generate_log.py, written under /tmp and deleted afterwards): wall time and
  peak RSS of `tflog analyze LOG --format json` (RSS flat from 20 MB to 1 GB), `grep -c -F -f
  benchmarks/grep_keywords.txt LOG` on the same file, and Drain3 template mining of it (only when
  `drain3` is installed; it is not a dependency of tflog). tflog's ratio to grep on each realistic
  log shape is benchmarks/shapes_bench.py's.
- Cold start: median of 20 runs of `tflog analyze sample_logs/cudnn_missing.log --format json`
  against `python -c pass` (same interpreter), after one run that fills tflog's cache.
- Warm API: `analyzer.analyze(text)` of ~20 KB logs, in one process: the same log again and again;
  fresh logs (new timestamps and thread ids each time: the per-line cache ignores them, as it is
  meant to for TF's usual messages); and with every line new (per-line cache emptied before each
  analysis), the worst case, printed for information.
- `tflog watch` pass-through against `cat`, with benchmarks/live_latency.py's harness.
- `tflog serve`: benchmarks/server_bench.py (10 s), its throughput and p99 latency (not with --quick).

Timings are wall clock on a machine that may be shared: the load average is printed with them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
SMALL_LOG = ROOT / "sample_logs" / "cudnn_missing.log"
COLD_RUNS = 20
WARM_SECONDS = 3.0
WINDOWS = 5

TARGETS = {
    "grep_ratio": 0.5, "drain3_ratio": 10.0, "rss_mb": 150.0, "rss_growth": 0.10,
    "cold_ms": 150.0, "cold_ratio": 12.0, "warm_per_s": 500.0, "watch_ratio": 0.5,
}


# --- helpers -------------------------------------------------------------------------------------

def machine() -> Dict[str, str]:
    cpu, mem = platform.processor() or platform.machine(), "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    try:
        import hyperscan
        hs = f"yes ({getattr(hyperscan, '__version__', '?')})"
    except ImportError:
        hs = "no (pure-Python scanner)"
    try:
        import drain3  # noqa: F401
        drain = "yes"
    except ImportError:
        drain = "no"
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": mem, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "hyperscan": hs, "drain3": drain,
            "locale": os.environ.get("LC_ALL") or os.environ.get("LANG") or "unset (C)"}


def load() -> str:
    return "%.2f" % os.getloadavg()[0] if hasattr(os, "getloadavg") else "?"


def measured(cmd: List[str], env: Optional[dict] = None) -> Tuple[float, float, int]:
    """Run `cmd`; (wall seconds, peak RSS in MB, exit status) of that one process (os.wait4).

    Its output goes to a real file: GNU grep stops at the first match when stdout is /dev/null.
    """
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


_TFLOG_CMD: List[List[str]] = []


def tflog_cmd() -> List[str]:
    """The installed `tflog` script next to this interpreter when it runs this checkout's code, else
    `python -m analyzer` (run with cwd=ROOT: this checkout's). An editable install of another checkout
    (or worktree) would otherwise be what gets measured."""
    if not _TFLOG_CMD:
        exe = Path(sys.executable).with_name("tflog")
        cmd = [sys.executable, "-m", "analyzer"]
        if exe.exists():
            probe = "import sys; sys.path[0] = sys.argv[1]; import analyzer; print(analyzer.__file__)"
            p = subprocess.run([sys.executable, "-c", probe, str(exe.parent)], capture_output=True, text=True, cwd=ROOT)
            if p.returncode == 0 and Path(p.stdout.strip()).resolve().parent.parent == ROOT.resolve():
                cmd = [str(exe)]
        _TFLOG_CMD.append(cmd)
    return _TFLOG_CMD[0]


def keywords_file(folder: Path) -> Path:
    """The grep reference's keywords: tflog's 436+1 prefilter keywords at 4bfa559, frozen (issue 15)."""
    return BENCH / "grep_keywords.txt"


# --- large logs ----------------------------------------------------------------------------------

def big_logs(sizes: List[int], folder: Path, env: dict, drain_mb: int, repeats: int) -> List[dict]:
    sys.path.insert(0, str(BENCH))
    from generate_log import generate

    kw = keywords_file(folder)
    rows = []
    for mb in sizes:
        path = folder / f"gen-{mb}mb.log"
        print(f"  generating {mb} MB ...", flush=True)
        info = generate(str(path), mb, seed=1)
        size = path.stat().st_size
        runs = repeats if mb <= 200 else 2
        grep_s, tflog_s, rss = [], [], []
        for _ in range(runs):  # alternate, so that both see the same background load
            grep_s.append(measured(["grep", "-c", "-F", "-f", str(kw), str(path)])[0])
            wall, peak, status = measured(tflog_cmd() + ["analyze", str(path), "--format", "json"], env)
            if status not in (0, 1):
                raise SystemExit(f"tflog analyze failed on {path} (exit {status})")
            tflog_s.append(wall)
            rss.append(peak)
        row = {"mb": mb, "bytes": size, "lines": info["lines"], "grep_s": min(grep_s), "tflog_s": min(tflog_s),
               "rss_mb": max(rss), "load": load()}
        if mb == drain_mb:
            row["drain3_s"] = drain3_seconds(path)
        rows.append(row)
        print(f"  {mb} MB: tflog {size / row['tflog_s'] / 1e6:.0f} MB/s, grep {size / row['grep_s'] / 1e6:.0f} MB/s, "
              f"peak RSS {row['rss_mb']:.0f} MB" + (f", Drain3 {size / row['drain3_s'] / 1e6:.1f} MB/s"
                                                    if row.get("drain3_s") else ""), flush=True)
        path.unlink()
    return rows


DRAIN3_SCRIPT = """
import logging, sys
logging.disable(logging.CRITICAL)
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
miner = TemplateMiner(config=TemplateMinerConfig())
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        miner.add_log_message(line.rstrip("\\n"))
print(len(miner.drain.clusters))
"""


def drain3_seconds(path: Path) -> Optional[float]:
    try:
        import drain3  # noqa: F401
    except ImportError:
        print("  (Drain3 is not installed: `pip install drain3` to compare with it)")
        return None
    print(f"  Drain3 on {path.name} ...", flush=True)
    wall, _, status = measured([sys.executable, "-c", DRAIN3_SCRIPT, str(path)])
    return wall if status == 0 else None


# --- cold start ----------------------------------------------------------------------------------

def cold_start(env: dict) -> dict:
    # Bytecode as an installed tflog has it (pip compiles at install); an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every changed module on every start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "analyzer")], check=False,
                   stdout=subprocess.DEVNULL, env={k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"})
    cmd = tflog_cmd() + ["analyze", str(SMALL_LOG), "--format", "json"]
    first = measured(cmd, env)[0]  # fills the cache (rules, Hyperscan database, compiled patterns)
    tflog, python = [], []
    for _ in range(COLD_RUNS):
        tflog.append(measured(cmd, env)[0])
        python.append(measured([sys.executable, "-c", "pass"], env)[0])
    t, p = statistics.median(tflog), statistics.median(python)
    return {"first_ms": first * 1000, "tflog_ms": t * 1000, "python_ms": p * 1000, "ratio": t / p, "load": load()}


# --- warm API ------------------------------------------------------------------------------------

def server_mix_log(size: int = 20_000, seed: int = 0) -> str:
    """benchmarks/server_bench.py's request body: sample logs' failures and environment lines,
    padded with training noise."""
    from server_bench import build_log  # this folder is on sys.path: bench.py runs as a script

    return build_log(size, seed)


def samples_log(size: int = 20_000) -> str:
    """~`size` bytes of real lines only: the sample logs one after another (oom_gpu's long allocator dump left out)."""
    parts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "sample_logs").glob("*.log"))
             if p.name != "oom_gpu.log"]
    text = "\n".join(parts)[:size]
    return text[: text.rfind("\n")]


def fresh_timestamps(log: str, seed: int) -> str:
    """`log` with new times (TSL and absl forms) and new absl thread ids."""
    rng = random.Random(seed)
    log = re.sub(r"\d\d:\d\d:\d\d\.\d{6}", lambda m: "%02d:%02d:%02d.%06d" % (
        rng.randrange(24), rng.randrange(60), rng.randrange(60), rng.randrange(10 ** 6)), log)
    return re.sub(r"(?m)^([IWEF]\d{4} 00:00:)\d+\.\d{6}(\s+)\d+", lambda m: "%s%d.%06d%s%d" % (
        m.group(1), rng.randrange(1_600_000_000, 1_800_000_000), rng.randrange(10 ** 6), m.group(2), rng.randrange(1, 99999)), log)


def warm_api_child() -> None:
    """Runs in its own process (`--warm-api-child`): prints analyses/s as JSON.

    Each rate is the best of WINDOWS windows (as timeit takes the minimum): on a shared machine
    the slowest windows measure the neighbours, not tflog.
    """
    sys.path.insert(0, str(ROOT))
    from analyzer import analyze; from analyzer import load_knowledge_base

    line_cache = load_knowledge_base().line_cache

    def best_rate(texts, forget: bool = False) -> float:
        rates, i = [], 0
        for _ in range(WINDOWS):
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < WARM_SECONDS / WINDOWS:
                if forget:
                    line_cache.clear()
                analyze(texts[i % len(texts)])
                i += 1
                n += 1
            rates.append(n / (time.perf_counter() - t0))
        return max(rates)

    out = {}
    for name, log in (("server mix", server_mix_log()), ("samples only", samples_log())):
        analyze(log)  # load the knowledge base, compile what this log needs
        same = best_rate([log])
        fresh = [fresh_timestamps(log, i) for i in range(int(same * WARM_SECONDS) + 10)]  # never one twice
        out[name] = {"bytes": len(log.encode()), "same_per_s": same, "fresh_per_s": best_rate(fresh),
                     "new_lines_per_s": best_rate(fresh, forget=True)}
    print(json.dumps(out))


def warm_api(env: dict) -> dict:
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--warm-api-child"], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=300)
    if p.returncode != 0:
        raise SystemExit(f"warm API run failed: {p.stderr[-2000:]}")
    return {"logs": json.loads(p.stdout.strip().splitlines()[-1]), "load": load()}


# --- tflog watch ---------------------------------------------------------------------------------

def watch_passthrough(mb: int, repeats: int, env: dict) -> Optional[dict]:
    try:
        sys.path.insert(0, str(BENCH))
        import live_latency
    except ImportError:
        print("  (benchmarks/live_latency.py not found: watch pass-through skipped)")
        return None
    data = live_latency.make_input(mb)
    old = dict(os.environ)
    os.environ.update(env)  # live_latency.through() starts tflog with this process's environment
    try:
        cmd = tflog_cmd() + ["watch", "--format", "jsonl"]
        cat, watch = [], []
        for _ in range(repeats):
            cat.append(live_latency.through(["cat"], data))
            watch.append(live_latency.through(cmd, data))
    finally:
        os.environ.clear()
        os.environ.update(old)
    return {"mb": len(data) / 1e6, "cat": statistics.median(cat), "watch": statistics.median(watch),
            "ratio": statistics.median(w / c for w, c in zip(watch, cat)), "load": load()}


# --- tflog serve ---------------------------------------------------------------------------------

def server(env: dict) -> Optional[dict]:
    script = BENCH / "server_bench.py"
    if not script.exists():
        return None
    p = subprocess.run([sys.executable, str(script), "--duration", "10"], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=300)
    rate = re.search(r"throughput: ([\d.]+) analyses/s", p.stdout)
    p99 = re.search(r"p99 ([\d.]+) ms", p.stdout)
    engine = re.search(r"engine alone: ([\d.]+) ms", p.stdout)
    if p.returncode != 0 or not rate or not p99:
        print(f"  (server_bench.py did not report: {(p.stdout + p.stderr)[-300:]!r})")
        return None
    return {"per_s": float(rate.group(1)), "p99_ms": float(p99.group(1)),
            "engine_ms": float(engine.group(1)) if engine else float("nan"), "load": load()}


# --- report --------------------------------------------------------------------------------------

def ok(good: bool) -> str:
    return "met" if good else "**short**"


def table(m: Dict[str, str], big: List[dict], cold: dict, warm: dict, watch: Optional[dict], serve: Optional[dict],
          quick: bool) -> str:
    rows = ["| what | result | target | |", "|---|---|---|---|"]
    for r in big:
        mbps = r["bytes"] / r["tflog_s"] / 1e6
        g = (r["bytes"] / r["grep_s"] / 1e6)
        rows.append(f"| {r['mb']} MB log ({r['lines']:,} lines): tflog analyze --format json | {mbps:.0f} MB/s "
                    f"({r['tflog_s']:.2f} s), peak RSS {r['rss_mb']:.0f} MB | RSS <= {TARGETS['rss_mb']:.0f} MB "
                    f"| {ok(r['rss_mb'] <= TARGETS['rss_mb'])} |")
        # Ratios to grep per log shape: the "Log shapes" section (benchmarks/shapes_bench.py).
        rows.append(f"| {r['mb']} MB: grep -c -F -f benchmarks/grep_keywords.txt, same file | {g:.0f} MB/s "
                    "| (ratios: Log shapes section) | |")
        if r.get("drain3_s"):
            d = r["bytes"] / r["drain3_s"] / 1e6
            target = f">= {TARGETS['drain3_ratio']:.0f}x" if r["mb"] == 200 else "(200 MB log)"
            rows.append(f"| {r['mb']} MB: vs Drain3 template mining ({d:.1f} MB/s) | {mbps / d:.1f}x "
                        f"| {target} | {ok(mbps / d >= TARGETS['drain3_ratio']) if r['mb'] == 200 else ''} |")
    if len(big) > 1:
        a, b = big[-2], big[-1]
        growth = b["rss_mb"] / a["rss_mb"] - 1
        rows.append(f"| peak RSS {b['mb']} MB vs {a['mb']} MB | {b['rss_mb']:.0f} vs {a['rss_mb']:.0f} MB "
                    f"({growth:+.0%}) | within {TARGETS['rss_growth']:.0%} | {ok(abs(growth) <= TARGETS['rss_growth'])} |")
        per_mb = ", ".join(f"{r['mb']} MB {r['tflog_s'] / r['mb'] * 1000:.1f}" for r in big)
        extra = ", ".join(f"{a['mb']}->{b['mb']} MB {(b['tflog_s'] - a['tflog_s']) / (b['mb'] - a['mb']) * 1000:.1f}"
                          for a, b in zip(big, big[1:]))
        rows.append(f"| cost: ms per MB (start-up included) / ms per extra MB | {per_mb} / {extra} | linear | |")
    rows.append(f"| cold start: tflog analyze {SMALL_LOG.name} --format json (median of {COLD_RUNS}) "
                f"| {cold['tflog_ms']:.0f} ms | <= {TARGETS['cold_ms']:.0f} ms | {ok(cold['tflog_ms'] <= TARGETS['cold_ms'])} |")
    rows.append(f"| cold start vs python -c pass ({cold['python_ms']:.0f} ms) | {cold['ratio']:.1f}x "
                f"| <= {TARGETS['cold_ratio']:.0f}x | {ok(cold['ratio'] <= TARGETS['cold_ratio'])} |")
    rows.append(f"| first run, empty cache | {cold['first_ms']:.0f} ms | | |")
    for name, r in warm["logs"].items():
        rows.append(f"| warm API analyze(), {r['bytes'] / 1000:.0f} KB {name} log, same log again | "
                    f"{r['same_per_s']:.0f}/s ({1000 / r['same_per_s']:.1f} ms) | >= {TARGETS['warm_per_s']:.0f}/s "
                    f"| {ok(r['same_per_s'] >= TARGETS['warm_per_s'])} |")
        rows.append(f"| warm API analyze(), {name} log, fresh timestamps each time | "
                    f"{r['fresh_per_s']:.0f}/s ({1000 / r['fresh_per_s']:.1f} ms) | (same target) "
                    f"| {ok(r['fresh_per_s'] >= TARGETS['warm_per_s'])} |")
        if "new_lines_per_s" in r:
            rows.append(f"| warm API analyze(), {name} log, every line new (per-line cache emptied) | "
                        f"{r['new_lines_per_s']:.0f}/s ({1000 / r['new_lines_per_s']:.1f} ms) | (worst case, for information) | |")
    if watch:
        rows.append(f"| tflog watch pass-through, {watch['mb']:.0f} MB (cat {watch['cat']:.0f} MB/s) "
                    f"| {watch['watch']:.0f} MB/s, {watch['ratio']:.2f}x cat | >= {TARGETS['watch_ratio']}x "
                    f"| {ok(watch['ratio'] >= TARGETS['watch_ratio'])} |")
    if serve:
        good = serve["per_s"] >= 200 and serve["p99_ms"] <= 100
        rows.append(f"| tflog serve, ~20 KB logs, 8 clients (server_bench.py; engine alone {serve['engine_ms']:.1f} ms) "
                    f"| {serve['per_s']:.0f}/s, p99 {serve['p99_ms']:.0f} ms | >= 200/s, p99 <= 100 ms | {ok(good)} |")
    loads = ", ".join(f"{k} {v}" for k, v in (("large logs", big[-1]["load"] if big else "?"), ("cold start", cold["load"]),
                                               ("warm API", warm["load"]), ("watch", watch["load"] if watch else "-"),
                                               ("serve", serve["load"] if serve else "-")))
    head = [
        "# tflog performance (issue 7)",
        "",
        f"Written by `python benchmarks/bench.py{' --quick' if quick else ''}` on {time.strftime('%Y-%m-%d %H:%M %Z')}. "
        "Wall-clock figures on one machine in one run; the files are generated by benchmarks/generate_log.py.",
        "",
        f"Machine: {m['nproc']} CPU(s), {m['cpu']}, {m['ram']} RAM, {m['os']}, Python {m['python']}, "
        f"Hyperscan {m['hyperscan']}, Drain3 installed: {m['drain3']}, locale {m['locale']}. "
        f"Load average (1 min) after each part: {loads}.",
        "",
    ]
    return "\n".join(head + rows) + "\n"


SOAK_HEADING = "## Server soak"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 MB only, fewer repeats")
    ap.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    ap.add_argument("--warm-api-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.warm_api_child:
        warm_api_child()
        return

    t_start = time.perf_counter()
    m = machine()
    print("machine:", ", ".join(f"{k} {v}" for k, v in m.items()), flush=True)
    # Up-to-date bytecode, as an installed package has (PYTHONDONTWRITEBYTECODE would hide it).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "analyzer")], check=False,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="tflog-bench-", dir="/tmp" if os.path.isdir("/tmp") else None) as tmp:
        folder = Path(tmp)
        env = {**os.environ, "TFLOG_CACHE_DIR": str(folder / "cache")}  # starts empty: the first run fills it
        env.pop("TFLOG_NO_CACHE", None)
        print("cold start ...", flush=True)
        cold = cold_start(env)
        print(f"  tflog {cold['tflog_ms']:.0f} ms, python -c pass {cold['python_ms']:.0f} ms ({cold['ratio']:.1f}x); "
              f"first run {cold['first_ms']:.0f} ms", flush=True)
        print("warm API ...", flush=True)
        warm = warm_api(env)
        for name, r in warm["logs"].items():
            print(f"  {name}: same log {r['same_per_s']:.0f}/s, fresh timestamps {r['fresh_per_s']:.0f}/s, "
                  f"every line new {r['new_lines_per_s']:.0f}/s", flush=True)
        sizes = [20] if args.quick else [20, 200, 1024]
        print("large logs ...", flush=True)
        big = big_logs(sizes, folder, env, drain_mb=20 if args.quick else 200, repeats=2 if args.quick else 3)
        print("tflog watch pass-through ...", flush=True)
        watch = watch_passthrough(50 if args.quick else 200, 3, env)
        if watch:
            print(f"  watch {watch['watch']:.0f} MB/s, cat {watch['cat']:.0f} MB/s ({watch['ratio']:.2f}x)", flush=True)
        serve = None
        if not args.quick:
            print("tflog serve (benchmarks/server_bench.py) ...", flush=True)
            serve = server(env)
            if serve:
                print(f"  {serve['per_s']:.0f} analyses/s, p99 {serve['p99_ms']:.0f} ms", flush=True)
    text = table(m, big, cold, warm, watch, serve, args.quick)
    print()
    print(text)
    if not args.no_write:
        old = (BENCH / "RESULTS.md").read_text() if (BENCH / "RESULTS.md").exists() else ""
        keep = old[old.find(SOAK_HEADING):] if SOAK_HEADING in old else ""  # benchmarks/soak.py's section
        (BENCH / "RESULTS.md").write_text(text.rstrip("\n") + ("\n\n" + keep if keep else "\n"))
        print(f"wrote {BENCH / 'RESULTS.md'}")
    print(f"(total {time.perf_counter() - t_start:.0f} s)")


if __name__ == "__main__":
    main()
