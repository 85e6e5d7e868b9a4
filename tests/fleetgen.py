"""A generated fleet of logs for the triage tests and the benchmark, built from the repo's real logs.

Each generated log is a real log (tests/fixtures/real_logs, sample_logs) with its timestamps
moved to the log's own day and hour, under its own folder and name, some gzipped, some padded
with ordinary training output (to vary sizes), and some with a new error no rule knows (one of
`UNKNOWN` templates with varying values). `Fleet` records what was made, so tests can compute
what the triage must find.
"""

from __future__ import annotations

import gzip
import os
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "tests" / "fixtures" / "real_logs").glob("*.log")) + sorted((ROOT / "sample_logs").glob("*.log"))
BASE = datetime(2026, 1, 1, 0, 0, 0)
_STAMP = re.compile(rb"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)")

# New errors no rule knows: (the message's template as triage masks it, the line with {n} {m} values).
UNKNOWN = [
    (
        "Flux capacitor desynchronised on shard <N> after <N> steps",
        "E0412 10:11:12.123456 {n} flux_router.cc:{n}] Flux capacitor desynchronised on shard {m} after {n} steps",
    ),
    (
        "QuantumLeapError: <Q> leap budget exhausted (<N> of <N> used)",
        "QuantumLeapError: 'job{m}' leap budget exhausted ({n} of {m} used)",
    ),
    (
        "warpdrive plugin rejected tensor <Q>: checksum <HEX> mismatch",
        "FATAL: warpdrive plugin rejected tensor 'conv{m}/kernel': checksum 0x{n:x}beef mismatch",
    ),
]
PADDING = "Epoch {e}/100\n{s}/{s} [==============================] - 3s 12ms/step - loss: 0.{l} - accuracy: 0.{a}\n"


@dataclass
class Made:
    path: str
    source: Path
    start: datetime  # the time its (first) log timestamp, or its file time, was set to
    unknown: Optional[int] = None  # index into UNKNOWN


@dataclass
class Fleet:
    folder: Path
    logs: List[Made] = field(default_factory=list)

    def by_source(self) -> Dict[Path, List[Made]]:
        out: Dict[Path, List[Made]] = {}
        for m in self.logs:
            out.setdefault(m.source, []).append(m)
        return out


def _shift(data: bytes, to: datetime) -> bytes:
    """Move every timestamp of a log by the same amount, so that its first one is `to`."""
    first = _STAMP.search(data)
    if first is None:
        return data
    try:
        delta = to - datetime.fromisoformat(f"{first.group(1).decode()} {first.group(2).decode()}")
    except ValueError:
        return data

    def move(m: re.Match[bytes]) -> bytes:
        try:
            t = datetime.fromisoformat(f"{m.group(1).decode()} {m.group(2).decode()}") + delta
        except ValueError:
            return m.group(0)
        return t.strftime("%Y-%m-%d %H:%M:%S").encode()

    return _STAMP.sub(move, data)


def make_fleet(folder: Path, n: int, seed: int = 18, unknown_every: int = 20, pad_to: int = 0) -> Fleet:
    """Write `n` logs under `folder`; `pad_to`: pad every log with training output to about this many bytes."""
    rng = random.Random(seed)
    sources = [(s, s.read_bytes()) for s in SOURCES]
    fleet = Fleet(folder)
    for i in range(n):
        src, data = sources[i % len(sources)]
        start = BASE + timedelta(hours=i * 7 % (24 * 90), minutes=i % 60)
        data = _shift(data, start)
        unknown = None
        if i % unknown_every == 3:
            unknown = (i // unknown_every) % len(UNKNOWN)
            line = UNKNOWN[unknown][1].format(n=rng.randint(10, 99999), m=rng.randint(1, 999))
            data = data.rstrip(b"\n") + b"\n" + line.encode() + b"\n"
        target = pad_to or (len(data) + rng.choice((0, 0, 2000, 8000)))
        pad = []
        e = 0
        while len(data) + sum(map(len, pad)) < target:
            e += 1
            pad.append(PADDING.format(e=e, s=rng.randint(100, 999), l=rng.randint(1000, 9999), a=rng.randint(1000, 9999)).encode())
        data = b"".join(pad) + data  # training output first, the failure at the end, as in a real job
        sub = folder / f"cluster-{i % 5}" / f"day-{start:%m%d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"job-{i:05d}-{src.stem[:20]}.log"
        if i % 10 == 7:
            path = path.with_suffix(".log.gz")
            data = gzip.compress(data, mtime=0)
        path.write_bytes(data)
        t = start.replace(tzinfo=timezone.utc).timestamp()
        os.utime(path, (t, t))
        fleet.logs.append(Made(str(path), src, start, unknown))
    return fleet
