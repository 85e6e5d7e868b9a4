"""`--jobs N`: big log files analysed by several processes, with the report of one.

A file is cut into ranges at the places where the reader's own blocks end (the last line end
before each multiple of `reader.BLOCK`), so every block a worker sees is a block the
one-process reader would have made, and line numbers are counted exactly. Each worker runs
the prefilter and the line classes (pipeline.classes) over its ranges: most candidate lines
belong to a quiet class (nothing to do but count them) and never leave it. What is left (the
lines that may change the report, in order, with their line numbers, and where quiet lines
lay between them) goes back to the parent, which feeds it to one `Analysis` in file order:
tracebacks, evidence order, first-seen facts and counts are then what one process gives
(tests/test_perf_equivalence.py compares them, --jobs 1 and 2, on every shape).

Only plain UTF-8 files with `\\n` line ends are split (gzip, UTF-16, lone-CR files and standard
input are read by the parent alone), and a range holding a line longer than `reader.MAX_LINE`
is read by the parent with the ordinary reader. Workers are forked (they inherit the loaded
knowledge base); where `fork` is not available, or the caller runs other threads, the analysis runs
in one process.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any, Deque, Iterable, Iterator, List, Optional, Set, Tuple

from analyzer.core.model import Report, combine_reports
from analyzer.kb.rules import KnowledgeBase

from . import classes as line_classes
from .engine import Analysis, _exchange, _prefilter_for
from .parse import clean, repl_prompt
from .reader import BLOCK, MAX_LINE, Block, InputError, LineSplitter, Source, sniff

RANGE_BLOCKS = 4  # reader blocks per range handed to a worker
IN_FLIGHT = 3  # ranges queued per worker (bounds the parent's memory)

# One event per line the parent must see: (line number in the range, raw line, quiet lines
# came before it since the previous event, an interactive prompt's exchange or None, the
# prefilter's keywords in the line: with them the parent finds the same line classes, those
# blind to hex ids included).
Event = Tuple[int, bytes, bool, Optional[bytes], Optional[Set[str]]]

_KB: Optional[KnowledgeBase] = None  # the workers' knowledge base (inherited through fork)


def choose_jobs(jobs: str, paths: List[str]) -> int:
    """The number of processes for `--jobs`: a number, or `auto`, which is one process. Since one
    process decides whole quiet blocks at once (bulk.py) and the workers do not, splitting a file by
    byte ranges made every log shape slower (benchmarks/RESULTS.md, 2026-12-04); `--jobs N` still
    splits, for machines where that measures faster."""
    if jobs == "auto":
        return 1
    n = int(jobs)
    if n < 1:
        raise ValueError(jobs)
    return n


def fork_is_safe() -> bool:
    """Can this process fork workers? Only where `fork` exists and no other thread runs: a child of a process
    that runs other threads (a server, a notebook, a test runner with Ray's threads) can deadlock on a lock
    some thread held at the fork. Ray's threads are native (threading does not count them) and may outlive
    ray.shutdown(), so a process that has imported Ray never forks either (the one-process report is the same)."""
    import multiprocessing  # here: its import costs ~6 ms of every start, and one process needs none of it
    import sys
    import threading

    if "ray" in sys.modules:
        return False
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def analyze_paths(paths: Iterable[str], kb: KnowledgeBase, jobs: int, pictures: bool = False) -> Report:
    """engine.analyze_paths with `jobs` processes for the files that can be split (each file is
    still analysed on its own: its own facts)."""
    from .engine import analyze_paths as one_process

    paths = list(paths)
    if jobs <= 1 or pictures:
        return one_process(paths, kb, pictures=pictures)
    if not fork_is_safe():
        return one_process(paths, kb, pictures=pictures)
    import multiprocessing

    global _KB
    _KB = kb
    reports: List[Report] = []
    pool = multiprocessing.get_context("fork").Pool(jobs)
    try:
        for path in paths:
            analysis = Analysis(kb)
            ranges = _ranges(path) if analysis.line_classes else None
            if ranges is None:
                reports.append(one_process([path], kb))
                continue
            _replay(analysis, path, ranges, pool, jobs)
            reports.append(analysis.report())
    finally:
        pool.terminate()
        pool.join()
    return combine_reports(reports)


def _ranges(path: str) -> Optional[List[Tuple[int, int]]]:
    """Byte ranges of `path` that begin and end where the reader's blocks do, or None when the
    file is not one to split (not a plain UTF-8 file with `\\n` line ends, or small)."""
    if path == "-" or not os.path.isfile(path):
        return None
    size = os.path.getsize(path)
    if size <= 2 * BLOCK:
        return None
    with open(path, "rb") as f:
        head = f.read(BLOCK)
        source = Source(path, f)
        try:
            sniff(source, head)
        except InputError:
            return None  # the reader says why, in one process
        if source.compressed or source.encoding != "utf-8" or b"\n" not in head:
            return None
        cuts = [0]
        step = BLOCK * RANGE_BLOCKS
        for m in range(step, size, step):
            look = max(m - MAX_LINE, cuts[-1])
            f.seek(look)
            at = f.read(m - look).rfind(b"\n")
            if at >= 0 and look + at + 1 > cuts[-1]:
                cuts.append(look + at + 1)  # the reader's block at m ends there too
    cuts.append(size)
    return list(zip(cuts, cuts[1:]))


def _replay(analysis: Analysis, path: str, ranges: List[Tuple[int, int]], pool: Any, jobs: int) -> None:
    """Feed `analysis` the events of each range in order (ranges a worker declines, line by line here)."""
    info = analysis.start_input(path)
    pending: Deque[Tuple[Tuple[int, int], Any]] = deque()
    todo = iter(ranges)
    base = 0  # lines before the range
    quiet = False

    def submit() -> None:
        nxt = next(todo, None)
        if nxt is not None:
            pending.append((nxt, pool.apply_async(_scan, (path, nxt[0], nxt[1]))))

    for _ in range(jobs * IN_FLIGHT):
        submit()
    while pending:
        (start, end), job = pending.popleft()
        result = job.get()
        submit()
        if result is None:  # a very long line: the ordinary reader, on this range
            if quiet:
                analysis.quiet_lines()
                quiet = False
            splitter = LineSplitter(path)
            splitter.next_line = base + 1
            for block in splitter.split(_chunks(path, start, end)):
                analysis.feed_block(info, block)
            base = splitter.next_line - 1
            continue
        lines, nbytes, events, quiet_after = result
        for line_no, raw, quiet_before, exchange, found in events:
            if quiet_before or quiet:
                analysis.quiet_lines()
                quiet = False
            analysis.feed_candidate(path, base + line_no, raw, found)
            if exchange is not None:
                analysis.feed_line(path, base + line_no + 1, clean(exchange))
        quiet = quiet or quiet_after
        base += lines
        info.bytes += nbytes
        info.lines = base
    if quiet:
        analysis.quiet_lines()


def _chunks(path: str, start: int, end: int) -> Iterator[bytes]:
    """The bytes of [start, end) as the reader reads them: up to each multiple of BLOCK."""
    with open(path, "rb") as f:
        f.seek(start)
        pos = start
        while pos < end:
            n = min(end, (pos // BLOCK + 1) * BLOCK) - pos
            yield f.read(n)
            pos += n


def _scan(path: str, start: int, end: int) -> Optional[Tuple[int, int, List[Event], bool]]:
    """In a worker: (lines, bytes as the reader counts them, events, quiet lines at the end) of
    one range, or None when it holds a line longer than MAX_LINE."""
    kb = _KB
    assert kb is not None
    prefilter = _prefilter_for(kb)
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(end - start)
    half = MAX_LINE // 2
    if not all(data.find(b"\n", i, i + half) >= 0 for i in range(0, len(data) - half + 1, half)):
        return None
    blocks: List[Block] = []
    line = 1
    begin = 0
    for m in range((start // BLOCK + 1) * BLOCK, start + len(data), BLOCK):
        at = data.rfind(b"\n", begin, m - start)
        if at >= begin:
            body = data[begin : at + 1]
            blocks.append(Block(body, line, b"\n", body.count(b"\n")))
            line += blocks[-1].lines
            begin = at + 1
    last = data.rfind(b"\n", begin) + 1
    if last > begin:
        body = data[begin:last]
        blocks.append(Block(body, line, b"\n", body.count(b"\n")))
        line += blocks[-1].lines
    if last < len(data):  # the file's last line, without a line end: a block of its own (reader.finish)
        blocks.append(Block(data[last:] + b"\n", line, b"\n", 1))
        line += 1
    events: List[Event] = []
    quiet = False
    for block in blocks:
        prompt_at = 0
        for line_no, raw, found in prefilter.candidates(block):
            cls = line_classes.lookup(kb, raw, found)
            if cls is not None and cls.quiet:
                quiet = True
                continue
            exchange = None
            prompt = repl_prompt(raw)
            if prompt is not None:
                prompt_at, exchange = _exchange(block, raw, prompt_at, prompt)
            events.append((line_no, raw, quiet, exchange, found))
            quiet = False
    return line - 1, sum(len(b.data) for b in blocks), events, quiet
