"""The triage index: one SQLite row per log, so a log is analysed once per knowledge base.

SQLite because it is embedded (nothing to set up) and safe for several processes: the database
runs in WAL mode (readers never wait for the writer), each finished log is committed in its own
short `BEGIN IMMEDIATE` transaction (a crash loses no finished row; a second writer waits up to
`BUSY_TIMEOUT` seconds for the lock instead of failing), and `time` is indexed for `--since`.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional, Set

from analyzer.pipeline.reader import InputError

from .triage import Row

BUSY_TIMEOUT = 60.0  # seconds a writer waits for another writer's transaction
SCHEMA = """
CREATE TABLE IF NOT EXISTS logs (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    time TEXT NOT NULL,
    status TEXT NOT NULL,
    root_rule TEXT,
    kb_version TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    indexed_at TEXT NOT NULL,
    row TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_time ON logs(time);
CREATE INDEX IF NOT EXISTS logs_hash ON logs(sha256, kb_version);
"""

INSERT = "INSERT OR REPLACE INTO logs VALUES (?,?,?,?,?,?,?,?,?,?,?)"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _values(row: Row, now: str) -> tuple:
    root = row.get("root") or {}
    return (
        row["path"],
        row.get("sha256") or "",
        row.get("size") or 0,
        row.get("mtime") or 0.0,
        row["time"],
        row["status"],
        root.get("rule_id"),
        row["kb_version"],
        row["tool_version"],
        now,
        json.dumps(row, sort_keys=True),
    )


class Index:
    """An open triage index (a SQLite file)."""

    def __init__(self, path: str):
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable against a crash of tflog
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise InputError(f"{path}: not a usable triage index ({e})") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def known_hashes(self, kb_version: str) -> Set[str]:
        """Contents already analysed with this knowledge base: not analysed again."""
        return {
            h
            for (h,) in self.db.execute("SELECT sha256 FROM logs WHERE kb_version = ? AND status != 'unreadable'", (kb_version,))
        }

    def row_for_hash(self, sha256: str, kb_version: str) -> Optional[Row]:
        got = self.db.execute("SELECT row FROM logs WHERE sha256 = ? AND kb_version = ? LIMIT 1", (sha256, kb_version)).fetchone()
        return json.loads(got[0]) if got else None

    def row_for_path(self, path: str) -> Optional[Row]:
        got = self.db.execute("SELECT row FROM logs WHERE path = ?", (path,)).fetchone()
        return json.loads(got[0]) if got else None

    def put(self, row: Row) -> None:
        """Store one finished log (replacing its path's older row), committed at once."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(INSERT, _values(row, _now()))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def put_many(self, rows: Iterable[Row]) -> int:
        """Store rows in one transaction (loading a benchmark index; triage commits per log)."""
        n, now = 0, _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for row in rows:
                self.db.execute(INSERT, _values(row, now))
                n += 1
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return n

    def rows(self, since: Optional[str] = None) -> List[Row]:
        """Every stored row (at or after `since`, an ISO time, when given), by path.

        Sorted here, not by SQL: ORDER BY path would walk the whole table in path order instead of
        reading only the recent rows through the time index."""
        if since is None:
            cur = self.db.execute("SELECT row FROM logs")
        else:
            cur = self.db.execute("SELECT row FROM logs WHERE time >= ?", (since,))
        loads = json.loads
        rows = [loads(text) for (text,) in cur]
        rows.sort(key=lambda r: r["path"])
        return rows

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM logs").fetchone()[0]

    def stats(self) -> Dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM logs GROUP BY status").fetchall())
