"""One triage run: logs -> rows (worker processes or Ray) -> the index -> the aggregate.

With an index, a log whose content was analysed with the same knowledge base is not analysed
again (its stored row is reused, under its current path and time), and every newly analysed log
is committed as soon as it is finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from analyzer.kb.rules import KnowledgeBase

from .aggregate import Aggregate
from .index import Index
from .triage import Row, file_times, kb_version, triage_rows


@dataclass(frozen=True)
class LogReport:
    """One log's result: its row (what the index stores and --format jsonl prints)."""

    row: Row

    @property
    def path(self) -> str:
        return self.row["path"]

    @property
    def root(self) -> Optional[Dict[str, Any]]:
        """The root cause (rule_id, category, severity, title, match), or None: no failure."""
        return self.row.get("root")

    @property
    def status(self) -> str:
        return self.row["status"]  # failure | unrecognized | ok | unreadable

    def to_dict(self) -> Row:
        return dict(self.row)


@dataclass
class TriageResult:
    """The rows of a run (by path) and their aggregate; iterating gives one LogReport per log."""

    rows: List[Row]
    aggregate: Aggregate
    analysed: int = 0  # logs analysed in this run
    reused: int = 0  # logs whose row came from the index (same content, same knowledge base)

    def __iter__(self) -> Iterator[LogReport]:
        return (LogReport(r) for r in self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def run_triage(
    paths: Sequence[str],
    kb: Optional[KnowledgeBase],
    *,
    jobs: Optional[int] = None,
    rule_dirs: Sequence[str] = (),
    db: Optional[str] = None,
    since: Optional[str] = None,
    ray: Optional[str] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> TriageResult:
    """Triage `paths` (already expanded). `ray`: "" for a local Ray instance, an address for a
    cluster, None for worker processes on this machine. `since` (ISO time) keeps only rows at or
    after it in the aggregate. Without paths and with `db`: the report comes from the index alone."""
    index = Index(db) if db else None
    try:
        if not paths and index is not None:
            indexed = index.rows(since)
            return TriageResult(indexed, Aggregate.from_rows(indexed, since))
        if kb is None:
            raise ValueError("give the knowledge base to triage logs")
        version = kb_version(kb)
        known = index.known_hashes(version) if index is not None else set()
        if ray is not None:
            from .distributed import triage_ray

            produced = iter(triage_ray(paths, address=ray or None, rule_dirs=rule_dirs, known=known))
        else:
            produced = triage_rows(paths, kb, jobs=jobs, rule_dirs=rule_dirs, known=known, progress=progress)
        rows: List[Row] = []
        analysed = reused = 0
        for row in produced:
            if row.pop("skipped", False):
                assert index is not None  # only an index makes hashes known
                stored = index.row_for_hash(row["sha256"], version)
                if stored is None:  # removed meanwhile by another writer: an unusual race, analyse it here
                    from .triage import read_log, row_of

                    data, mtime = read_log(row["path"])
                    row = row_of(row["path"], data, mtime, kb, version)
                    analysed += 1
                else:
                    moved = stored["path"] != row["path"] or stored["mtime"] != row["mtime"]
                    row = dict(stored, path=row["path"], mtime=row["mtime"])
                    if stored.get("time_source") == "file":  # its time is the file's: the new file's
                        row.update(file_times(row["mtime"]))
                    reused += 1
                    if moved:
                        index.put(row)
                    rows.append(row)
                    continue
            else:
                analysed += 1
            if index is not None:
                index.put(row)
            rows.append(row)
        rows.sort(key=lambda r: r["path"])
        shown = rows if since is None else [r for r in rows if r["time"] >= since]
        return TriageResult(rows, Aggregate.from_rows(shown, since), analysed, reused)
    finally:
        if index is not None:
            index.close()
