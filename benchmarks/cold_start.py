#!/usr/bin/env python3
"""Cold start of `tflog analyze sample_logs/cudnn_missing.log --format json`, interleaved with
`python -c pass` (issue 15), for one or more checkouts and interpreters in the same run.

    python benchmarks/cold_start.py                                # this checkout, this Python
    python benchmarks/cold_start.py --checkout before=/tmp/old --checkout after=. \\
        --python main=python3 --python venv=/tmp/venv/bin/python --script venv-tflog=/tmp/venv/bin/tflog

Each (interpreter, checkout) pair runs `PYTHON -m analyzer ...` in the checkout (its own `analyzer`
comes first on sys.path); each `--script` runs an installed console script in this checkout (it
uses whatever its install points to). Every command gets its own cache folder, filled by warm-up
runs, and bytecode is compiled first (as pip does at install; a shell with PYTHONDONTWRITEBYTECODE
would otherwise compile changed modules on every start). Then `--runs` rounds run every command
once, in order, so that a shared machine's load falls on all of them alike. Prints the median and
minimum wall time of each and its ratio to `python -c pass` of the same interpreter. A benchmark,
not a test: nothing here asserts.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
LOG = "sample_logs/cudnn_missing.log"


def labelled(items: List[str], default: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    out = []
    for item in items:
        label, sep, value = item.partition("=")
        out.append((label, value) if sep else (Path(item).name or item, item))
    return out or default


def timed(cmd: List[str], cwd: str, env: Dict[str, str]) -> float:
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
        os.wait4(proc.pid, 0)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkout", action="append", default=[], metavar="[LABEL=]PATH")
    ap.add_argument("--python", action="append", default=[], metavar="[LABEL=]PYTHON")
    ap.add_argument("--script", action="append", default=[], metavar="[LABEL=]TFLOG",
                    help="an installed console script; compared with the --python of the same label (else the python next to it)")
    ap.add_argument("--runs", type=int, default=25)
    args = ap.parse_args()
    checkouts = labelled(args.checkout, [("this", str(ROOT))])
    pythons = labelled(args.python, [("python", sys.executable)])
    scripts = labelled(args.script, [])
    pythons += [(label, str(Path(script).with_name("python"))) for label, script in scripts
                if label not in dict(pythons)]  # the interpreter next to a script, for its `pass`
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "TFLOG_NO_CACHE")}
    with tempfile.TemporaryDirectory(prefix="tflog-cold-") as tmp:
        commands: List[Tuple[str, List[str], str, Dict[str, str]]] = []
        for plabel, py in pythons:
            commands.append((f"{plabel}: python -c pass", [py, "-c", "pass"], tmp, env))
            for clabel, checkout in checkouts:
                subprocess.run([py, "-m", "compileall", "-q", "analyzer"], cwd=checkout, env=env, stdout=subprocess.DEVNULL,
                               check=False)
                cache = {**env, "TFLOG_CACHE_DIR": os.path.join(tmp, f"{plabel}-{clabel}")}
                commands.append((f"{plabel}: {clabel}: -m analyzer",
                                 [py, "-m", "analyzer", "analyze", os.path.join(checkout, LOG), "--format", "json"],
                                 checkout, cache))
            for slabel, script in scripts:  # a script labelled like this interpreter is compared with its `pass`
                if slabel == plabel:
                    cache = {**env, "TFLOG_CACHE_DIR": os.path.join(tmp, f"script-{slabel}")}
                    commands.append((f"{slabel}: tflog script", [script, "analyze", str(ROOT / LOG), "--format", "json"],
                                     str(ROOT), cache))
        for _, cmd, cwd, e in commands:  # fill caches, write bytecode
            for _ in range(3):
                timed(cmd, cwd, e)
        times: Dict[str, List[float]] = {label: [] for label, *_ in commands}
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        for _ in range(args.runs):
            for label, cmd, cwd, e in commands:
                times[label].append(timed(cmd, cwd, e))
    print(f"{args.runs} interleaved rounds; load average (1 min) {load:.2f} before, "
          f"{os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan'):.2f} after")
    base = None
    for label, *_ in commands:
        med = statistics.median(times[label]) * 1000
        if label.endswith("python -c pass"):
            base = med
        ratio = f"{med / base:.2f}x python -c pass" if base else ""
        print(f"  {label:40s} median {med:6.1f} ms   min {min(times[label]) * 1000:6.1f} ms   {ratio}")


if __name__ == "__main__":
    main()
