#!/usr/bin/env python3
"""tflog on the log shapes people have (issue 15), each against grep in the same run (a benchmark, not a test).

    python benchmarks/shapes_bench.py [--mb 200] [--repeats 5] [--no-write]

For each shape of benchmarks/shapes.py (today's generate_log.py log, a typical training log, a
verbose TF_CPP_MIN_LOG_LEVEL=0 log, an 8-rank multi-worker log), written under /tmp and deleted
afterwards, it prints the share of TF lines, the prefilter's candidate lines, and, runs
interleaved so that all see the same background load, the median wall time of:
- `grep -c -F -f benchmarks/grep_keywords.txt LOG`: the reference (the 436+1 prefilter keywords
  of tflog at 4bfa559, frozen: a longer list would slow grep and flatter the ratio);
- `tflog analyze LOG --format json` with the default options (`--jobs auto`);
- the same with `--jobs 1` (one process), with its peak RSS and cost per log line;
- the same with `--jobs 1` and `TFLOG_SCANNER=re` (no Hyperscan: the fallback);
- the same with `--jobs 1` and `TFLOG_LINE_CLASSES=0` (the plain path, line by line);
- first runs: the default options and `--jobs 1` with the line-class store emptied just before
  (pipeline/classes.py keeps a log's classes between runs: a later run of the same or a similar log
  reads them, a first run builds them and writes the store at exit).
Ratios are medians of per-round ratios (tflog MB/s over grep MB/s, same round). Before the rounds,
one unmeasured `tflog analyze` of each shape (and one with TFLOG_SCANNER=re) fills the cache with what
a big log needs (the line-level Hyperscan database, scan.py: ~0.4 s to compile, once per knowledge
base; the class store), so every figure but the first-run ones is a later run. It replaces the
"Log shapes" section of benchmarks/RESULTS.md (`--no-write`: print only).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from bench import load, machine, measured, tflog_cmd  # noqa: E402
from shapes import SHAPES, generate  # noqa: E402

KEYWORDS = BENCH / "grep_keywords.txt"
HEADING = "## Log shapes vs grep (issue 15)"
NAMES = {
    "today": "benchmarks/generate_log.py (failures only at the end)",
    "typical": "training log, repeated TF info/warning lines (Keras 2 and 3 bars)",
    "verbose": "verbose log, every line a TF line, varying ids and sizes",
    "multiworker": "8-rank multi-worker log, failures and restarts throughout",
}
TF_LINE = re.compile(rb"(?m)(?:\d: [IWEF] \S+:\d+\]|[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\])")
VARIANTS = {  # name: (extra arguments, environment); first*: the class store emptied before each run
    "first": ([], {}),
    "first1": (["--jobs", "1"], {}),
    "default": ([], {}),
    "jobs1": (["--jobs", "1"], {}),
    "re": (["--jobs", "1"], {"TFLOG_SCANNER": "re"}),
    "plain": (["--jobs", "1"], {"TFLOG_LINE_CLASSES": "0"}),
}


def census(path: Path) -> Dict[str, int]:
    """Lines, TF lines and tflog's prefilter candidates in the file."""
    from analyzer import load_knowledge_base
    from analyzer.pipeline.engine import _prefilter_for
    from analyzer.pipeline.reader import open_source, read_blocks

    prefilter = _prefilter_for(load_knowledge_base())
    lines = tf = candidates = 0
    source = open_source(str(path))
    for block in read_blocks(source):
        lines += block.line_count()
        tf += len(TF_LINE.findall(block.data))
        candidates += sum(1 for _ in prefilter.candidates(block))
    source.stream.close()
    return {"lines": lines, "tf": tf, "candidates": candidates}


def empty_class_store(cache: Path) -> None:
    """Remove the line-class store (core.cache.Store 'classes'): the next run is a first run."""
    for f in cache.glob("classes-*"):
        f.unlink()


def run_shape(shape: str, mb: float, repeats: int, folder: Path, env: dict, plain_repeats: int) -> dict:
    path = folder / f"{shape}.log"
    print(f"  {shape}: generating {mb} MB ...", flush=True)
    generate(str(path), shape, mb, seed=1)
    size = path.stat().st_size
    row: dict = {"shape": shape, "bytes": size, **census(path)}
    times: Dict[str, List[float]] = {"grep": [], **{v: [] for v in VARIANTS}}
    rss: Dict[str, float] = {}
    ratios: Dict[str, List[float]] = {v: [] for v in VARIANTS}
    measured(tflog_cmd() + ["analyze", str(path), "--format", "json"], env)  # fills the cache (see the docstring)
    measured(tflog_cmd() + ["analyze", str(path), "--format", "json", "--jobs", "1"], {**env, "TFLOG_SCANNER": "re"})
    for i in range(repeats):
        g = measured(["grep", "-c", "-F", "-f", str(KEYWORDS), str(path)])[0]
        times["grep"].append(g)
        for name, (args, extra) in VARIANTS.items():
            if name == "plain" and i >= plain_repeats:
                continue
            if name.startswith("first"):
                empty_class_store(Path(env["TFLOG_CACHE_DIR"]))
            wall, peak, status = measured(tflog_cmd() + ["analyze", str(path), "--format", "json", *args], {**env, **extra})
            if status not in (0, 1):
                raise SystemExit(f"tflog analyze {args} failed on {path} (exit {status})")
            times[name].append(wall)
            ratios[name].append(g / wall)
            rss[name] = max(rss.get(name, 0.0), peak)
    path.unlink()
    row["median_s"] = {k: statistics.median(v) for k, v in times.items() if v}
    row["ratio"] = {k: statistics.median(v) for k, v in ratios.items() if v}
    row["rss"] = rss
    row["load"] = load()
    m = row["median_s"]
    print(
        f"  {shape}: TF lines {row['tf'] / row['lines']:.0%}, candidates {row['candidates']:,}; grep {size / m['grep'] / 1e6:.0f} MB/s; "
        + ", ".join(f"{k} {size / m[k] / 1e6:.0f} MB/s ({row['ratio'][k]:.2f}x)" for k in VARIANTS if k in m),
        flush=True,
    )
    return row


def section(rows: List[dict], mb: float, repeats: int, m: Dict[str, str]) -> str:
    out = [
        HEADING,
        "",
        f"Written by `python benchmarks/shapes_bench.py --mb {mb:g} --repeats {repeats}` on {time.strftime('%Y-%m-%d %H:%M %Z')}; "
        f"{m['nproc']} CPU(s), {m['cpu']}, Python {m['python']}, Hyperscan {m['hyperscan']}. The machine is shared: "
        "absolute figures move with its load (1-min load average after each shape in the last column), the ratios "
        "to grep much less. Each figure is the median of the runs; `vs grep` is the median of per-round ratios of "
        "MB/s to `grep -c -F -f benchmarks/grep_keywords.txt` in the same round.",
        "",
        "Every tflog figure but the two first-run columns is a later run: the class store (line classes kept "
        "between runs, pipeline/classes.py) already holds the log's classes. A first run finds the store empty "
        "(the rules and Hyperscan databases already cached), builds the classes and writes the store at exit.",
        "",
        "| log | lines | TF lines | prefilter candidates | grep | first run: default | vs grep | first run: --jobs 1 | vs grep "
        "| tflog (default: --jobs auto) | vs grep | "
        "--jobs 1 | vs grep | us per line (first run) | peak RSS | TFLOG_SCANNER=re, --jobs 1 | vs grep | plain path (no classes), --jobs 1 | vs grep | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        size, t, q = r["bytes"], r["median_s"], r["ratio"]

        def mbps(k: str, size: int = size, t: dict = t) -> str:
            return f"{size / t[k] / 1e6:.0f} MB/s" if k in t else "-"

        def vs(k: str, q: dict = q) -> str:
            return f"{q[k]:.2f}x" if k in q else "-"

        out.append(
            f"| {NAMES[r['shape']]}, {size / 1e6:.0f} MB | {r['lines']:,} | {r['tf'] / r['lines']:.0%} | {r['candidates']:,} "
            f"| {mbps('grep')} | {mbps('first')} | {vs('first')} | {mbps('first1')} | {vs('first1')} "
            f"| {mbps('default')} | {vs('default')} | {mbps('jobs1')} | {vs('jobs1')} "
            f"| {t['jobs1'] / r['lines'] * 1e6:.2f} ({t['first1'] / r['lines'] * 1e6:.2f}) "
            f"| {r['rss'].get('jobs1', 0):.0f} MB (first run {r['rss'].get('first1', 0):.0f} MB, default {r['rss'].get('default', 0):.0f} MB) "
            f"| {mbps('re')} | {vs('re')} | {mbps('plain')} | {vs('plain')} | {r['load']} |"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--plain-repeats", type=int, default=1, help="runs of the slow plain path (default 1)")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    m = machine()
    with tempfile.TemporaryDirectory(prefix="tflog-shapes-") as tmp:
        env = {**os.environ, "TFLOG_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("TFLOG_NO_CACHE", None)
        measured(tflog_cmd() + ["analyze", str(ROOT / "sample_logs" / "cudnn_missing.log")], env)  # fills the cache
        rows = [run_shape(s, a.mb, a.repeats, Path(tmp), env, a.plain_repeats) for s in a.shapes.split(",")]
    text = section(rows, a.mb, a.repeats, m)
    print()
    print(text)
    if not a.no_write:
        results = BENCH / "RESULTS.md"
        old = results.read_text()
        if HEADING in old:
            start = old.index(HEADING)
            # only the generated part: the section's ### write-ups (perf4, perf5, ...) stay
            ends = [e for e in (old.find("\n## ", start + 1), old.find("\n### ", start + 1)) if e >= 0]
            end = min(ends) if ends else -1
            old = old[:start] + text + ("\n" + old[end + 1 :] if end >= 0 else "")
        else:
            first = old.find("\n## ")
            old = old[: first + 1] + text + "\n" + old[first + 1 :] if first >= 0 else old.rstrip("\n") + "\n\n" + text
        results.write_text(old)
        print(f"wrote {results}")


if __name__ == "__main__":
    main()
