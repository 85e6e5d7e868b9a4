#!/usr/bin/env python3
"""Two or more checkouts of tflog on the log shapes, interleaved with grep in the same rounds (issue 15).

    python benchmarks/compare_shapes.py --checkout before=/tmp/old --checkout after=. [--mb 50] [--rounds 5]

For each shape of benchmarks/shapes.py (seed 1, written under /tmp and deleted afterwards), every
round runs `grep -c -F -f benchmarks/grep_keywords.txt LOG` and, for each checkout,
`python -m analyzer analyze LOG --format json --jobs 1` in that checkout (its own `analyzer` first
on sys.path, its own cache folder, filled first), in turn, so that a shared machine's load falls on
all alike. Prints per shape and checkout the median wall time, the median of per-round ratios of
MB/s to grep's, microseconds per log line, peak RSS, and whether every checkout's report is the same
(byte for byte). Each checkout's bytecode is compiled first. `--first`: each round also times first runs (the line-class store emptied just
before each; the rules and Hyperscan databases stay cached), beside the later runs. A benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench import load, measured  # noqa: E402
from shapes import SHAPES, generate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkout", action="append", default=[], metavar="LABEL=PATH", required=True)
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--first", action="store_true", help="also time first runs: the class store emptied before each")
    a = ap.parse_args()
    checkouts: List[Tuple[str, str]] = [tuple(c.split("=", 1)) for c in a.checkout]  # type: ignore[misc]
    base = {k: v for k, v in os.environ.items() if k not in ("TFLOG_NO_CACHE", "TFLOG_SCANNER", "TFLOG_LINE_CLASSES")}
    with tempfile.TemporaryDirectory(prefix="tflog-compare-") as tmp:
        envs: Dict[str, dict] = {}
        for label, path in checkouts:
            envs[label] = {**base, "PYTHONPATH": str(Path(path).resolve()), "TFLOG_CACHE_DIR": os.path.join(tmp, f"cache-{label}")}
            # Up-to-date bytecode in every checkout, as an installed package has: with PYTHONDONTWRITEBYTECODE set, a
            # fresh checkout (a git worktree) would otherwise compile every module on every run, ~70 ms each time
            compile_env = {k: v for k, v in envs[label].items() if k != "PYTHONDONTWRITEBYTECODE"}
            subprocess.run([sys.executable, "-m", "compileall", "-q", "analyzer"], cwd=path, env=compile_env,
                           stdout=subprocess.DEVNULL, check=False)
        for shape in a.shapes.split(","):
            log = Path(tmp) / f"{shape}.log"
            generate(str(log), shape, a.mb, seed=1)
            size = log.stat().st_size / 1e6
            lines = sum(1 for _ in open(log, "rb"))
            reports = {}
            for label, path in checkouts:  # fill caches, compare reports
                out = Path(tmp) / f"{shape}-{label}.json"
                with open(out, "wb") as f:
                    subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(log), "-f", "json", "--jobs", "1"],
                                   stdout=f, stderr=subprocess.DEVNULL, env=envs[label], cwd=path, check=False)
                reports[label] = out.read_bytes()
            same = len(set(reports.values())) == 1
            runs = [(label, path, first) for first in ([True, False] if a.first else [False]) for label, path in checkouts]
            times: Dict[tuple, List[float]] = {(label, first): [] for label, _, first in runs}
            ratios: Dict[tuple, List[float]] = {(label, first): [] for label, _, first in runs}
            rss: Dict[tuple, List[float]] = {(label, first): [] for label, _, first in runs}
            loads = []
            for _ in range(a.rounds):
                g, _, _ = measured(["grep", "-c", "-F", "-f", str(BENCH / "grep_keywords.txt"), str(log)])
                for label, path, first in runs:
                    if first:  # a first run of this log: no line classes kept from an earlier one
                        for f in Path(envs[label]["TFLOG_CACHE_DIR"]).glob("classes-*"):
                            f.unlink()
                    cmd = [sys.executable, "-m", "analyzer", "analyze", str(log), "-f", "json", "--jobs", "1"]
                    with tempfile.TemporaryFile() as out:
                        t, r, _ = measured_in(cmd, envs[label], path, out)
                    times[label, first].append(t)
                    ratios[label, first].append(g / t)
                    rss[label, first].append(r)
                loads.append(load())  # a string: '0.52', or '?'
            print(f"{shape}: {size:.0f} MB, {lines:,} lines, reports {'identical' if same else 'DIFFER'}; "
                  f"load {min(loads)}-{max(loads)}")
            for label, _, first in runs:
                k = (label, first)
                t = statistics.median(times[k])
                print(f"  {label:>8}{' first' if first else ' later' if a.first else ''}: {t:.3f} s (min {min(times[k]):.3f}), "
                      f"{statistics.median(ratios[k]):.2f}x grep, {1e6 * t / lines:.2f} us/line, peak RSS {statistics.median(rss[k]):.1f} MB")


def measured_in(cmd: List[str], env: dict, cwd: str, out) -> Tuple[float, float, int]:
    """bench.measured, run in `cwd` (the checkout)."""
    import time

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    main()
