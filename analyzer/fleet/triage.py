"""Many logs, each analysed on its own: one row per log, computed by worker processes.

A row is plain JSON-able data (path, content hash, size, times, root cause, facts, rule ids,
unrecognized templates, tflog and knowledge-base versions). Rows are what the index stores, what
the Ray pipeline returns and what the aggregate is computed from, so one function (`row_of`)
makes them everywhere and the three paths cannot drift apart.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import io
import json
import multiprocessing
import os
import re
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from analyzer.core.normalize import mask
from analyzer.core.version import __version__
from analyzer.kb.rules import KnowledgeBase
from analyzer.pipeline.engine import Analysis, analyze_source
from analyzer.pipeline.facts import REPORT_FACTS
from analyzer.pipeline.parallel import fork_is_safe
from analyzer.pipeline.parse import parse_line
from analyzer.pipeline.reader import InputError, Source

Row = Dict[str, Any]
TIME_WINDOW = 16384  # bytes read at each end of a log to find its first and last timestamp
_STAMP = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)")
LOG_SUFFIXES = (".log", ".txt", ".out", ".err", ".gz")


class TriageError(InputError):
    """A mistake in what triage was given (no logs found, a bad --since): one line, exit 2."""


# --- which logs --------------------------------------------------------------------------------


def expand_paths(paths: Sequence[str], recursive: bool = False, stdin=None) -> List[str]:
    """Files, folders (their logs; with `recursive` also below), globs and '-' (a list of paths,
    one a line, on stdin) -> the log paths, each once, in the order given."""
    out: List[str] = []
    seen: Set[str] = set()

    def add(p: str) -> None:
        if p not in seen:
            seen.add(p)
            out.append(p)

    for p in paths:
        if p == "-":
            for line in stdin if stdin is not None else sys.stdin:
                if line.strip():
                    add(line.strip())
        elif "://" in p:
            for u in _uri_logs(p) if p.endswith("/") else [p]:  # object storage, through pyarrow's filesystems
                add(u)
        elif os.path.isdir(p):
            found = _logs_in(p, recursive)
            if not found:
                raise TriageError(f"{p}: no log files in this folder" + ("" if recursive else " (--recursive looks below it)"))
            for f in found:
                add(f)
        elif os.path.exists(p):
            add(p)
        elif glob.has_magic(p):
            matches = sorted(m for m in glob.glob(p, recursive=recursive) if os.path.isfile(m))
            if not matches:
                raise TriageError(f"{p}: no file matches this pattern")
            for m in matches:
                add(m)
        else:
            raise TriageError(f"{p}: no such file")
    return out


def _uri_logs(prefix: str) -> List[str]:
    """The logs under an object-storage folder URI (s3://bucket/logs/), listed with pyarrow."""
    try:
        from pyarrow import fs
    except ImportError:
        raise TriageError(f"{prefix}: listing URIs needs pyarrow (pip install 'tflog-doctor[ray]')") from None
    filesystem, inner = fs.FileSystem.from_uri(prefix)
    scheme = prefix.split("://", 1)[0]
    found = sorted(
        f"{scheme}://{i.path}"
        for i in filesystem.get_file_info(fs.FileSelector(inner, recursive=True))
        if i.type == fs.FileType.File and i.path.lower().endswith(LOG_SUFFIXES)
    )
    if not found:
        raise TriageError(f"{prefix}: no log files under this URI")
    return found


def _logs_in(folder: str, recursive: bool) -> List[str]:
    if recursive:
        found = [os.path.join(d, f) for d, _, files in os.walk(folder) for f in files]
    else:
        found = [os.path.join(folder, f) for f in os.listdir(folder)]
    return sorted(f for f in found if f.lower().endswith(LOG_SUFFIXES) and os.path.isfile(f))


# --- one log -----------------------------------------------------------------------------------


def read_log(path: str) -> Tuple[bytes, float]:
    """(bytes, modification time) of a local path or a URI (s3://, gs://, ... through pyarrow)."""
    if "://" in path:
        try:
            from pyarrow import fs
        except ImportError:
            raise InputError(f"{path}: reading URIs needs pyarrow (pip install 'tflog-doctor[ray]')") from None
        filesystem, inner = fs.FileSystem.from_uri(path)
        info = filesystem.get_file_info(inner)
        with filesystem.open_input_stream(inner, compression=None) as f:  # the bytes as stored, as for a local file
            data = f.read()
        return data, info.mtime.timestamp() if info.mtime is not None else 0.0
    with open(path, "rb") as f:
        data = f.read()
        return data, os.fstat(f.fileno()).st_mtime


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def row_of(path: str, data: bytes, mtime: float, kb: KnowledgeBase, kb_version: str, digest: Optional[str] = None) -> Row:
    """Analyse one log's bytes on their own (its own facts) and return its row."""
    row: Row = {
        "path": path,
        "sha256": digest or content_hash(data),
        "size": len(data),
        "mtime": round(mtime, 3),
        "tool_version": __version__,
        "kb_version": kb_version,
    }
    try:
        analysis = Analysis(kb)
        analyze_source(analysis, Source(path, io.BytesIO(data)))
        report = analysis.report()
    except InputError as e:  # a binary file, an undecodable one: a row that says why, not a crash
        return {**row, **unreadable_row(path, str(e), kb_version, mtime), **{k: row[k] for k in ("sha256", "size")}}
    root = report.root
    row["status"] = "ok" if root is None else ("unrecognized" if root.match == "unrecognized" else "failure")
    row["error"] = None
    row["root"] = (
        None
        if root is None
        else {
            "rule_id": root.rule_id,
            "category": root.category,
            "severity": root.severity,
            "title": root.title,
            "match": root.match,
        }
    )
    row["rule_ids"] = [f.rule_id for f in report.findings if f.severity != "info" and f.match != "unrecognized"]
    row["facts"] = {k: report.facts[k] for k in REPORT_FACTS if report.facts.get(k) not in (None, "", [])}
    templates: Dict[str, str] = {}
    for f in report.findings:
        if f.match == "unrecognized" and f.evidence:
            text = f.evidence[0].text
            templates.setdefault(mask(parse_line(f.evidence[0].line, text).message)[:300], text[:500])
    row["unrecognized"] = [{"template": t, "example": e} for t, e in templates.items()]
    row.update(_times(_ends(data), mtime))
    return row


def unreadable_row(path: str, error: str, kb_version: str, mtime: float = 0.0) -> Row:
    """The row of a log that could not be read or decoded: it is counted and says why."""
    row: Row = {"path": path, "sha256": "", "size": 0, "mtime": round(mtime, 3), "tool_version": __version__}
    row.update(kb_version=kb_version, status="unreadable", error=error, root=None, rule_ids=[], facts={}, unrecognized=[])
    row.update(_times(b"", mtime))
    return row


def _ends(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return b""
    if len(data) <= 2 * TIME_WINDOW:
        return data
    return data[:TIME_WINDOW] + b"\n" + data[-TIME_WINDOW:]


def _times(ends: bytes, mtime: float) -> Row:
    """first/last log timestamps (log's own clock, as written), else the file's time (UTC)."""
    stamps = [s for s in (_stamp(m) for m in _STAMP.finditer(ends)) if s]
    if stamps:
        return {"first_time": stamps[0], "time": stamps[-1], "time_source": "log"}
    t = datetime.fromtimestamp(mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return {"first_time": t, "time": t, "time_source": "file"}


def file_times(mtime: float) -> Row:
    """The times of a log that has no timestamps of its own: its file's modification time."""
    return _times(b"", mtime)


def _stamp(m: re.Match[bytes]) -> Optional[str]:
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def kb_version(kb: KnowledgeBase) -> str:
    """What the index compares to decide re-analysis: the KB's cache key (a hash of the rule files,
    tflog's version and the rule-building code), else a hash of the compiled rules themselves."""
    key = getattr(kb, "cache_key", None)
    if key:
        return str(key)[:16]
    from analyzer.kb.rules import rules_to_data

    body = json.dumps(rules_to_data(kb), sort_keys=True, default=str).encode()
    return hashlib.sha256(f"{__version__}\0".encode() + body).hexdigest()[:16]


# --- many logs ---------------------------------------------------------------------------------

_worker: Dict[str, Any] = {}


def _init_worker(kb: Optional[KnowledgeBase], rule_dirs: Tuple[str, ...], version: str, known: frozenset) -> None:
    if kb is None:  # spawned, not forked: load the KB once in this worker
        from analyzer.kb.load import load_knowledge_base

        kb = load_knowledge_base(rule_dirs)
    _worker.update(kb=kb, version=version, known=known)


def _work(path: str) -> Row:
    """One log in a worker: read, hash, and analyse unless the index already has this content."""
    try:
        data, mtime = read_log(path)
    except (OSError, InputError) as e:
        return unreadable_row(path, f"{path}: {getattr(e, 'strerror', None) or e}", _worker["version"])
    digest = content_hash(data)
    if digest in _worker["known"]:
        return {"path": path, "sha256": digest, "size": len(data), "mtime": round(mtime, 3), "skipped": True}
    return row_of(path, data, mtime, _worker["kb"], _worker["version"], digest)


def triage_rows(
    paths: Sequence[str],
    kb: KnowledgeBase,
    *,
    jobs: Optional[int] = None,
    rule_dirs: Sequence[str] = (),
    known: Iterable[str] = (),
    progress: Optional[Callable[[int, int], None]] = None,
) -> Iterator[Row]:
    """Rows of `paths` as they finish (in no fixed order), from `jobs` worker processes (default:
    the CPU count; 1 runs in this process). A path whose hash is in `known` yields a short row
    with "skipped": True instead of being analysed again."""
    jobs = jobs or os.cpu_count() or 1
    version = kb_version(kb)
    known = frozenset(known)
    total = len(paths)
    if jobs <= 1 or total <= 1:
        _init_worker(kb, tuple(rule_dirs), version, known)
        for i, p in enumerate(paths, 1):
            yield _work(p)
            if progress:
                progress(i, total)
        return
    fork = fork_is_safe() and sys.platform != "darwin"  # else the workers are spawned
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    # Forked workers inherit the compiled KB; spawned ones load it (from the on-disk cache) once each.
    init = (kb if fork else None, tuple(str(d) for d in rule_dirs), version, known)
    chunk = max(1, min(64, total // (jobs * 8) or 1))
    with ctx.Pool(jobs, initializer=_init_worker, initargs=init) as pool:
        for i, row in enumerate(pool.imap_unordered(_work, paths, chunksize=chunk), 1):
            yield row
            if progress:
                progress(i, total)


class Progress:
    """A one-line progress bar on a terminal's stderr, redrawn at most ten times a second."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.start = self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(now - self.start, 1e-9)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} logs, {rate:,.0f} logs/s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def parse_since(text: str, now: Optional[datetime] = None) -> str:
    """'7d', '12h', '30m', '2w' or an ISO date/time -> the ISO time rows must be at or after."""
    text = text.strip()
    m = re.fullmatch(r"(\d+)\s*([smhdw])", text)
    if m:
        seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
        base = now or datetime.now(timezone.utc).replace(tzinfo=None)
        return datetime.fromtimestamp(base.replace(tzinfo=timezone.utc).timestamp() - seconds, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S"
        )
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise TriageError(f"--since {text!r}: give an age such as 7d, 12h, 30m, 2w or a date such as 2024-05-01") from None
