"""How long is tflog's plain-text answer on the repo's real logs? (issue 14: shorter is better)

    python benchmarks/answer_length.py                       # this tree
    python benchmarks/answer_length.py --tree /other/checkout   # another version, on these same logs

Runs `python -m analyzer analyze LOG` (plain text, what pipes and CI get) and `--brief` for every .log
under tests/fixtures/real_logs, in the tree's own code, and prints median, quartiles, mean and maximum
of the line counts: for the 61 logs at the top of that folder and for all of them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REAL_LOGS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real_logs"


def answer_lines(tree: str, log: Path, *options: str) -> int:
    env = {**os.environ, "PYTHONPATH": tree, "NO_COLOR": "1", "COLUMNS": "120"}
    cmd = [sys.executable, "-m", "analyzer", "analyze", str(log), *options]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tree).stdout
    return len(out.rstrip("\n").splitlines())


def describe(name: str, counts: list) -> str:
    q1, med, q3 = statistics.quantiles(counts, n=4)
    return (
        f"{name:22} {len(counts):3} logs: median {med:.0f} lines, quartiles {q1:.0f}-{q3:.0f}, "
        f"mean {statistics.mean(counts):.1f}, max {max(counts)}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=str(REAL_LOGS.parent.parent.parent), help="checkout whose tflog to run")
    a = ap.parse_args()
    logs = sorted(REAL_LOGS.rglob("*.log"))
    top = set(REAL_LOGS.glob("*.log"))
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        text = list(pool.map(lambda p: answer_lines(a.tree, p), logs))
        brief = list(pool.map(lambda p: answer_lines(a.tree, p, "--brief"), logs))
    for name, counts in (("text", text), ("--brief", brief)):
        print(describe(f"{name}, top folder", [n for n, p in zip(counts, logs) if p in top]))
        print(describe(f"{name}, all real logs", counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
