"""Live diagnosis: the machinery shared by `tflog watch` (`analyzer.live.watch`: diagnose a pipe) and
`tflog run` (`analyzer.live.run`: run a command, diagnose it). Those two modules hold only their own
parts: each one's pump, and `run`'s finding for a command killed by a signal. The plumbing all three
share (raw writes, pipe buffers, signals, the stderr writer) is `analyzer.live.plumbing`'s.

How it is built, and why:

- **Pass-through comes first.** Every byte read is written out (`os.write` on the raw file
  descriptor: the same bytes in the same order, partial lines included) *before* anything else
  happens to it, so a slow or broken analysis can never hold output back or change it.
- **One thread; analysis only while no input is waiting.** The engine is pure Python and can be
  far slower than the pipe (about 1 ms per candidate line with today's rules), and a second
  thread would fight the pump for the GIL. So one loop pumps bytes, and does analysis work in
  small slices only when no input is waiting: new input waits at most one slice.
- **Two lanes, so the key line is never stuck behind the noise.** Arriving bytes are first split
  into numbered lines and screened for error-looking lines (`_URGENT`: TF `E`/`F` lines,
  tracebacks, `Check failed`, OOM, signals; a literal search, tens of MB/s). Normally all lines are
  then analysed in order. When the analysis lags behind by more than `URGENT_LAG`, those
  error-looking lines (with a few lines of context) are analysed at once, ahead of the older
  backlog, so their diagnosis appears within milliseconds even while 10,000 progress lines a
  second are still waiting.
- **Bounded memory.** The bytes waiting for analysis are capped at `MAX_BACKLOG`. When input keeps
  arriving faster than that, the oldest waiting bytes are skipped: they still pass through, their
  lines are still counted (line numbers stay right), and the summary says how many lines were not
  analysed. At end of input the rest is analysed for up to `FINISH_BUDGET` seconds; after that
  only its error-looking lines are. The engine itself keeps bounded state.
- **Analysis can fail; pass-through cannot.** Any exception from the engine or a renderer stops
  the analysis with one line on stderr; bytes keep flowing and the exit status is unchanged.
- **Diagnoses never go to stdout.** What goes to stderr:
  - text/rich: for each new finding `tflog: [error] <title> (<rule_id>) at <input>:<line>` (with
    `tflog run`, `at <cmd>:<line> (stdout|stderr)`: the combined line number and its stream) and
    `tflog:   fix: <first fix>` (a symptom's line ends `(a symptom of <rule_id>)`). Harmless
    findings do not interrupt the user's output: they are listed in the final summary only. When later lines change a finding's diagnosis (its root cause
    shows up, its severity, explanation or fix changes) the line is repeated, ending e.g.
    `(updated: now explained by <rule_id>: <title>)`. At end of input `tflog: summary` and the
    full text (or rich) report.
  - jsonl: one object per line, `{"event": "new"|"updated", **Finding.to_dict()}` ("updated" also
    when a finding gains evidence; "withdrawn" when a rule's `when` stops holding), and last
    `{"event": "summary", **Report.to_dict()}`.
  - json/markdown: only the final report, so that stderr is one document.
  - in any format, one `tflog: analysis stopped (...)` line if the analysis fails.

Kept as one module (~530 lines): the live analysis, its notices and the pass-through pump are one
state machine that watch.py and run.py drive; the fd/pipe/signal helpers are in plumbing.py.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Callable, Deque, Dict, List, Optional, Sequence, Tuple

from analyzer.core.model import Finding, Report
from analyzer.pipeline.reader import Block, LineSplitter

from .plumbing import _Diag, _DiagFile

if TYPE_CHECKING:
    from rich.console import Console

READ_SIZE = 65536  # one os.read(); a pipe holds 64 KiB by default
STEP_SECONDS = 0.001  # analysis done before looking at the input again (a 1 MiB pipe absorbs that)
SCREEN = 16384  # bytes screened per step
BURST_WAIT = 0.0005  # after a read, wait this long for more input before analysing
MAX_BACKLOG = 16 << 20  # bytes waiting for analysis; older ones are skipped (they still pass through)
URGENT_LAG = 0.05  # seconds of lag after which error-looking lines are analysed first
FINISH_BUDGET = 5.0  # seconds spent at end of input on lines still waiting, before skimming them
LIVE_FORMATS = ("rich", "text", "json", "jsonl", "markdown")
MAX_RUNS = 65536  # stream runs remembered for line references (older lines are named without their stream)
STREAM_NAMES = {"out": "stdout", "err": "stderr", "in": "stdin"}

# Error-looking lines: literals only, because Python's `re` searches an alternation of literals
# ~10x faster than one with character classes (absl lines are found by "\nE0"/"\nE1": E + mmdd).
_URGENT = re.compile(
    b"|".join(
        re.escape(n)
        for n in (
            b": E ",
            b": F ",
            b"\nE0",
            b"\nE1",
            b"\nF0",
            b"\nF1",
            b"Error",
            b"Exception",
            b"Traceback",
            b'File "',
            b"Check failed",
            b"Segmentation fault",
            b"core dumped",
            b"terminate called",
            b"Fatal Python",
            b"Killed",
            b"out of memory",
            b"OUT_OF_MEMORY",
            b"OOM",
            b"loss: nan",
            b"Aborted",
        )
    )
)
URGENT_GAP = 8  # urgent lines this close together are analysed as one group
URGENT_CONTEXT = 4  # lines after a group that go with it (e.g. `[[{{node x}}]]`)
MAX_URGENT = 200  # a block with more error-looking lines than this is analysed in order


# --- the live analysis --------------------------------------------------------------------------


class LiveAnalysis:
    """Feeds arriving bytes to the engine in slices and writes what is new to the diagnostics.

    Never raises from `add`, `step` or `finish`: the first exception stops the analysis with one
    line on stderr (see the module docstring). `raw` holds chunks as they arrived (cheap to
    queue while the input is busy); `blocks` holds numbered lines waiting for in-order analysis.
    """

    def __init__(self, kb, fmt: str, diag: _Diag, name: str, streams: Sequence[str] = ("in",)):
        if fmt not in LIVE_FORMATS:
            raise ValueError(f"unknown live format {fmt!r} (one of {', '.join(LIVE_FORMATS)})")
        self.fmt = fmt
        self.diag = diag
        self.name = name
        self.stopped = False
        self.next_line = 1  # combined line numbering over all streams
        self.raw: Deque[Tuple[str, bytes, float]] = deque()
        self.blocks: Deque[Tuple[Block, float]] = deque()
        self.queued = 0  # bytes in raw + blocks
        self.received = 0
        self.skipped_lines = 0
        self.last_line: Tuple[int, bytes] = (0, b"")  # last non-blank line seen (for the signal report)
        self.report: Optional[Report] = None
        self._emitted: Dict[tuple, tuple] = {}  # finding key -> what was last said about it
        self._last: Dict[tuple, Finding] = {}  # key -> the finding as last seen (for "withdrawn")
        self._console: Optional[Console] = None
        self._changed = False
        self._slice = 256  # bytes per analysis step, adapted to ~STEP_SECONDS
        # With several streams (tflog run: stdout and stderr), which stream each line came from:
        # [first, last, stream] runs of the combined numbering, the newest MAX_RUNS of them.
        self._runs: Deque[List] = deque(maxlen=MAX_RUNS) if len(streams) > 1 else deque(maxlen=0)
        try:
            from analyzer.pipeline.engine import Analysis

            self.analysis = Analysis(kb)
            self.info = self.analysis.start_input(name)
            self.splitters: Dict[str, LineSplitter] = {}
            for s in streams:
                sp = self.splitters[s] = LineSplitter(name)
                list(sp.feed(b""))  # decide on LF line ends now: a live stream may start with a lone "\r" bar
        except Exception as e:
            self._stop(e)

    # --- feeding ----------------------------------------------------------------------------

    @property
    def pending(self) -> bool:
        return (bool(self.raw) or bool(self.blocks)) and not self.stopped

    def add(self, stream: str, data: bytes) -> None:
        """Queue bytes that were just passed through (no analysis here: the input may be busy)."""
        if self.stopped or not data:
            return
        self.received += len(data)
        self.raw.append((stream, data, time.monotonic()))
        self.queued += len(data)
        if self.queued > MAX_BACKLOG:
            self._guard(self._overflow)

    def step(self) -> None:
        """One small unit of work: screen one arrived chunk, else analyse one slice of lines."""
        if not self.stopped:
            self._guard(self._screen_one if self.raw else self._analyse_slice)

    def _guard(self, work: Callable[[], None]) -> None:
        try:
            work()
            if self._changed:
                self._changed = False
                if self.fmt in ("text", "rich", "jsonl"):
                    self._publish(self.analysis.report())
        except Exception as e:
            self._stop(e)

    def _feed(self, block: Block) -> None:
        if self.analysis.feed_block(self.info, block):
            self._changed = True

    def _screen_one(self) -> None:
        """Split the oldest arrived chunk into numbered lines; analyse its urgent lines now if lagging."""
        stream, data, t = self.raw.popleft()
        if len(data) > SCREEN:  # put the rest back in SCREEN-sized pieces: each byte is copied once
            self.raw.extendleft((stream, data[i : i + SCREEN], t) for i in reversed(range(SCREEN, len(data), SCREEN)))
            data = data[:SCREEN]
        self.queued -= len(data)
        oldest = self.blocks[0][1] if self.blocks else t
        lagging = time.monotonic() - oldest > URGENT_LAG
        for block in self._split(stream, data):
            for seg, urgent in self._segments(block) if lagging else ((block, False),):
                if urgent:
                    self._feed(seg)
                else:
                    self.blocks.append((seg, t))
                    self.queued += len(seg.data)

    def _analyse_slice(self, budget: int = 0) -> None:
        """Analyse about `budget` bytes (default: ~STEP_SECONDS of work) of waiting lines, in order."""
        if not budget:
            t0 = time.perf_counter()
            n = self.queued
            self._analyse_slice(self._slice)
            took = time.perf_counter() - t0
            if took > 0 and n > self.queued:  # aim the next slice at STEP_SECONDS of engine time
                want = (n - self.queued) * STEP_SECONDS / took
                self._slice = int(min(16384, max(64, 0.7 * self._slice + 0.3 * want)))
            return
        block, t = self.blocks[0]
        data = block.data
        if len(data) <= budget:
            self.blocks.popleft()
            self.queued -= len(data)
            self._feed(block)
            return
        cut = data.rfind(block.newline, 0, budget) + 1 or data.find(block.newline, budget) + 1 or len(data)
        head = Block(data[:cut], block.first_line, block.newline)
        rest = Block(data[cut:], block.first_line + head.data.count(block.newline), block.newline)
        self.queued -= len(head.data)
        if rest.data:
            self.blocks[0] = (rest, t)
        else:
            self.blocks.popleft()
        self._feed(head)

    def _split(self, stream: str, data: bytes, final: bool = False):
        """Blocks of whole lines of one stream, renumbered into the combined numbering."""
        sp = self.splitters[stream]
        for b in sp.finish() if final else sp.feed(data):
            block = Block(b.data, self.next_line, b.newline, b.line_count())
            if self._runs.maxlen and block.lines:
                if self._runs and self._runs[-1][2] == stream and self._runs[-1][1] == self.next_line - 1:
                    self._runs[-1][1] += block.lines
                else:
                    self._runs.append([self.next_line, self.next_line + block.lines - 1, stream])
            self.next_line += block.lines
            self._remember_last(b.data, self.next_line - 1, b.newline)
            yield block

    def _remember_last(self, data: bytes, line_no: int, nl: bytes = b"\n", stop: Optional[int] = None) -> None:
        """Keep the last non-blank line of `data[:stop]` (whose last line is `line_no`): a killed command's last words."""
        stop = len(data) if stop is None else stop
        end = stop - len(nl) if data.endswith(nl, 0, stop) else stop
        for _ in range(64):
            start = data.rfind(nl, 0, end) + 1
            if data[start:end].strip():
                self.last_line = (line_no, data[start:end][:2000])
                return
            if start == 0:
                return
            end, line_no = start - len(nl), line_no - 1

    def _segments(self, block: Block) -> List[Tuple[Block, bool]]:
        """Cut `block` into (block, urgent) pieces: groups of error-looking lines and the rest."""
        data, nl = block.data, block.newline
        if nl != b"\n":
            return [(block, False)]
        spans: List[List[int]] = []  # [start, end) byte ranges of urgent groups
        for n, m in enumerate(_URGENT.finditer(data)):
            if n >= MAX_URGENT:
                return [(block, False)]
            pos = m.start() + (1 if data[m.start() : m.start() + 1] == b"\n" else 0)
            start = data.rfind(b"\n", 0, pos) + 1
            if spans and start < spans[-1][1]:
                continue  # same line as the previous match
            end = data.find(b"\n", pos) + 1 or len(data)
            if spans and data.count(b"\n", spans[-1][1], start) <= URGENT_GAP:
                spans[-1][1] = end
            else:
                spans.append([start, end])
        if not spans:
            return [(block, False)]
        out: List[Tuple[Block, bool]] = []
        pos, line = 0, block.first_line
        for start, end in spans:
            for _ in range(URGENT_CONTEXT):
                if end >= len(data):
                    break
                end = data.find(b"\n", end) + 1 or len(data)
            if start < pos:
                start = pos
            for a, b, urgent in ((pos, start, False), (start, end, True)):
                if b > a:
                    piece = Block(data[a:b], line, nl)
                    line += piece.data.count(nl)
                    out.append((piece, urgent))
            pos = end
        if pos < len(data):
            out.append((Block(data[pos:], line, nl), False))
        return out

    def _overflow(self) -> None:
        """Skip the oldest waiting bytes (still counting their lines) until half the cap is left."""
        first = not self.skipped_lines
        while self.queued > MAX_BACKLOG // 2 and (self.blocks or self.raw):
            self._skip_oldest()
        if first and self.skipped_lines and self.fmt in ("text", "rich"):
            self.diag.write(
                "tflog: input arrives faster than it can be analysed; some lines pass through "
                "unanalysed (the summary says how many)\n"
            )

    def _skip_oldest(self) -> None:
        if self.blocks:
            block, _ = self.blocks.popleft()
            self.queued -= len(block.data)
            self.skipped_lines += block.data.count(block.newline)
            return
        stream, data, _ = self.raw.popleft()
        self.queued -= len(data)
        last = data.rfind(b"\n")
        if last < 0:  # the middle of one long line: let the splitter cap it
            for block in self._split(stream, data):
                self.skipped_lines += block.data.count(block.newline)
            return
        # Count lines instead of splitting them (this runs while input floods in): the splitter's
        # unfinished line ends in `data`, so a fresh splitter takes over at its last line end.
        n = data.count(b"\n")
        self._remember_last(data, self.next_line + n - 1, stop=last + 1)  # no copy: this runs while input floods in
        self.next_line += n
        self.skipped_lines += n
        sp = self.splitters[stream] = LineSplitter(self.name)
        list(sp.feed(b""))
        for block in self._split(stream, data[last + 1 :]):
            self.skipped_lines += block.data.count(block.newline)

    def finish(self, extra: Optional[Callable[[Report], None]] = None, drain: bool = True) -> Optional[Report]:
        """End of input: analyse what waits (within `FINISH_BUDGET`, or skip it: `drain=False`),
        let `extra` amend the report, print the summary."""
        if self.stopped:
            return None
        try:
            deadline = time.monotonic() + (FINISH_BUDGET if drain else 0)
            while self.raw and not self.stopped:
                if drain:
                    self.step()
                else:
                    self._skip_oldest()
            while self.blocks and not self.stopped and time.monotonic() < deadline:
                self._guard(lambda: self._analyse_slice(64 * 1024))
            while self.blocks and not self.stopped:  # out of time: only the error-looking lines
                block, _ = self.blocks.popleft()
                for seg, urgent in self._segments(block) if drain else ((block, False),):
                    if urgent:
                        self._guard(partial(self._feed, seg))
                    else:
                        self.skipped_lines += seg.data.count(seg.newline)
            if self.stopped:
                return None
            for stream in self.splitters:
                for block in self._split(stream, b"", final=True):
                    self.analysis.feed_block(self.info, block)
            self.info.lines = self.next_line - 1
            self.info.bytes = self.received
            report = self.analysis.report()
            if self.skipped_lines:
                report.warnings.append(
                    f"{self.skipped_lines} of {self.info.lines} line(s) of {self.name} were passed through unanalysed: "
                    "they arrived faster than tflog could analyse them"
                )
            if extra is not None:
                extra(report)
            if self.fmt in ("text", "rich", "jsonl"):
                self._publish(report)
            self._summary(report)
            self.report = report
            return report
        except Exception as e:
            self._stop(e)
            return None

    def _stop(self, e: BaseException) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.raw.clear()
        self.blocks.clear()
        self.queued = 0
        msg = " ".join(str(e).split())[:300]
        self.diag.write(f"tflog: analysis stopped ({type(e).__name__}: {msg}); output continues unanalysed\n")

    # --- what to say --------------------------------------------------------------------------

    def _publish(self, report: Report) -> None:
        """Emit a notice for every finding that is new or whose diagnosis changed."""
        parents = {sid: f for f in report.findings for sid in f.explains}
        seen = set()
        for f in report.findings:
            key = _key(f)
            seen.add(key)
            parent = parents.get(f.rule_id) if f.match != "unrecognized" else None
            said = (
                f.severity,
                f.root_cause,
                parent.rule_id if parent else None,
                f.title,
                f.explanation,
                f.fixes[0] if f.fixes else "",
            )
            evidence = len(f.evidence)
            prev = self._emitted.get(key)
            self._last[key] = f
            if prev is None:
                self._emit(f, parent, "new", [])
            elif prev[0] != said:
                if self.fmt == "jsonl" or not f.severity == prev[0][0] == "info":  # new wording of a harmless
                    self._emit(f, parent, "updated", _changes(prev[0], said, parent))  # line is not news
            elif prev[1] != evidence and self.fmt == "jsonl":
                self._emit(f, parent, "updated", ["new evidence"])
            else:
                continue
            self._emitted[key] = (said, evidence)
        for key in [k for k in self._emitted if k not in seen]:  # a `when` turned false
            last = self._last.pop(key, None)
            del self._emitted[key]
            if last is None:
                continue
            if self.fmt == "jsonl":
                self.diag.write(json.dumps({"event": "withdrawn", **last.to_dict()}, ensure_ascii=False) + "\n")
            else:
                self.diag.write(
                    f"tflog: [{_label(last.severity)}] {_one_line(last.title)} ({last.rule_id}) "
                    "(withdrawn: later lines show it does not apply)\n"
                )

    def _emit(self, f: Finding, parent: Optional[Finding], event: str, changes: List[str]) -> None:
        if self.fmt == "jsonl":
            self.diag.write(json.dumps({"event": event, **f.to_dict()}, ensure_ascii=False) + "\n")
            return
        if f.severity == "info" and event == "new":
            return  # a harmless line is no news: it waits for the final summary, not in the user's stream
        head = f"tflog: [{_label(f.severity)}] {_one_line(f.title)} ({f.rule_id})"
        where = self._where(f)
        if where:
            head += f" at {where}"
        if event == "new" and parent is not None:
            head += f" (a symptom of {parent.rule_id})"
        elif event == "updated":
            head += f" (updated: {'; '.join(changes)})"
        lines = [head]
        if event == "updated" and any(c.startswith("explanation") for c in changes) and f.explanation:
            lines.append("tflog:   why: " + _one_line(f.explanation.splitlines()[0]))
        fix_changed = event == "new" or any(c.startswith(("fix", "now a root cause")) for c in changes)
        if f.fixes and f.severity != "info" and fix_changed and not (parent is not None and event == "new"):
            lines.append("tflog:   fix: " + _one_line(f.fixes[0]))
        if self.fmt == "rich":
            self._rich(lines, f.severity)
        else:
            self.diag.write("\n".join(lines) + "\n")

    def _where(self, f: Finding) -> str:
        """`<python>:57 (stderr)`: the line in the output as it scrolled by, and which stream it was on."""
        if not f.evidence:
            return ""
        e = f.evidence[0]
        for first, last, stream in reversed(self._runs):
            if first <= e.line <= last:
                return f"{e.input}:{e.line} ({STREAM_NAMES.get(stream, stream)})"
            if last < e.line:
                break
        return f"{e.input}:{e.line}"

    def _rich(self, lines: List[str], severity: str) -> None:
        """The same notices, coloured (rich.Text, so titles are never read as markup)."""
        from rich.console import Console
        from rich.text import Text

        if self._console is None:
            self._console = Console(file=_DiagFile.of(self.diag), highlight=False, soft_wrap=True)
        style = {"error": "bold red", "warning": "yellow", "info": "dim"}[severity]
        for i, line in enumerate(lines):
            text = Text(line)
            if i == 0:
                text.stylize(style, 0, line.find("]") + 1)
            else:
                text.stylize("green" if "fix:" in line else "dim")
            self._console.print(text)

    def _summary(self, report: Report) -> None:
        from analyzer.report.render import render_json, render_markdown, render_rich, render_text

        if self.fmt == "jsonl":
            self.diag.write(json.dumps({"event": "summary", **report.to_dict()}, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            self.diag.write(render_json(report) + "\n")
        elif self.fmt == "markdown":
            self.diag.write(render_markdown(report))
        elif self.fmt == "rich":
            render_rich(report, _DiagFile.of(self.diag))
        else:
            self.diag.write("tflog: summary\n" + render_text(report))


def _key(f: Finding) -> tuple:
    if f.match == "unrecognized":
        e = f.evidence[0] if f.evidence else None
        return ("unrecognized", e.input if e else "", e.line if e else 0, f.title)
    return (f.rule_id,)


def _label(severity: str) -> str:
    return "harmless" if severity == "info" else severity


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _changes(old: tuple, new: tuple, parent: Optional[Finding]) -> List[str]:
    """What changed between two `said` tuples, in words for the update notice."""
    out = []
    if old[2] != new[2] and parent is not None:
        out.append(f"now explained by {parent.rule_id}: {_one_line(parent.title)}")
    elif old[1] != new[1] or old[2] != new[2]:
        out.append("now a root cause" if new[1] else "no longer a root cause")
    if old[0] != new[0]:
        out.append(f"severity now {_label(new[0])}")
    if old[3] != new[3]:
        out.append("title changed")
    if old[4] != new[4]:
        out.append("explanation changed")
    if old[5] != new[5]:
        out.append("fix changed")
    return out or ["changed"]
