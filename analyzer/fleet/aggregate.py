"""What is failing across many logs: the aggregate of per-log rows, and its outputs.

`Aggregate.from_rows` is a pure function of the rows (in any order), so a run on one machine,
a run on Ray and a report from the index give the same aggregate for the same logs. Outputs:
`to_dict()` (the JSON, `FLEET_SCHEMA_VERSION`), `text()` (the table), and the per-log `jsonl`
and `csv` writers.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from analyzer.core.version import __version__

from .triage import Row

FLEET_SCHEMA_VERSION = "1"
EXAMPLES = 3  # example logs kept per root cause and per cluster
TOP_VALUES = 3  # values shown per fact
VERSION_FACTS = ("tf_version", "cuda_runtime", "cuda_compiled", "cudnn_runtime", "cudnn_compiled", "driver_version")
SHOWN_FACTS = VERSION_FACTS + ("gpu_name", "compute_capability", "python_version", "platform")
TEXT_FACTS = ("tf_version", "cuda_runtime", "cudnn_runtime", "driver_version", "gpu_name")  # the table's; JSON has all
CSV_FIELDS = ("path", "status", "root_rule", "category", "time", "first_time", "size", "sha256", "rule_ids", "unrecognized")


def fact_value(key: str, value: Any) -> str:
    """A fact as grouped across logs: versions by major.minor ("8.0.x"), other facts as they are."""
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if key in VERSION_FACTS:
        parts = text.split(".")
        if len(parts) > 2 and all(p.isdigit() for p in parts[:2]):
            return f"{parts[0]}.{parts[1]}.x"
    return text


@dataclass
class Group:
    """Logs that share a root cause (or an unrecognized template)."""

    key: str
    category: str
    title: str
    count: int = 0
    examples: List[str] = field(default_factory=list)
    first_seen: Optional[str] = None
    last_seen: Optional[str] = None
    facts: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, row: Row) -> None:
        self.count += 1
        self.examples.append(row["path"])  # trimmed to the first EXAMPLES by path at the end
        first, last = row.get("first_time") or row.get("time"), row.get("time")
        if first and (self.first_seen is None or first < self.first_seen):
            self.first_seen = first
        if last and (self.last_seen is None or last > self.last_seen):
            self.last_seen = last
        for k, v in (row.get("facts") or {}).items():
            if k in SHOWN_FACTS:
                self.facts[k][fact_value(k, v)] += 1

    def to_dict(self, total: int) -> Dict[str, Any]:
        return {
            "key": self.key,
            "category": self.category,
            "title": self.title,
            "count": self.count,
            "share": round(self.count / total, 4) if total else 0.0,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "examples": sorted(self.examples)[:EXAMPLES],
            "facts": {
                k: [{"value": v, "count": n} for v, n in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:TOP_VALUES]]
                for k, c in sorted(self.facts.items())
            },
        }


@dataclass
class Aggregate:
    """Root causes by category and rule, logs with no failure, unrecognized clusters."""

    total: int = 0
    bytes: int = 0
    statuses: Counter = field(default_factory=Counter)
    causes: Dict[str, Group] = field(default_factory=dict)
    clusters: Dict[str, Group] = field(default_factory=dict)
    unreadable: List[Dict[str, str]] = field(default_factory=list)
    since: Optional[str] = None

    @classmethod
    def from_rows(cls, rows: Iterable[Row], since: Optional[str] = None) -> Aggregate:
        agg = cls(since=since)
        for row in rows:
            agg.add(row)
        return agg

    def add(self, row: Row) -> None:
        self.total += 1
        self.bytes += row.get("size") or 0
        self.statuses[row["status"]] += 1
        if row["status"] == "unreadable":
            self.unreadable.append({"path": row["path"], "error": row.get("error") or ""})
        root = row.get("root")
        if root is not None and root["rule_id"] != "unrecognized":
            g = self.causes.get(root["rule_id"])
            if g is None:
                g = self.causes[root["rule_id"]] = Group(root["rule_id"], root["category"], root["title"])
            g.add(row)
        for u in row.get("unrecognized") or ():
            c = self.clusters.get(u["template"])
            if c is None:
                c = self.clusters[u["template"]] = Group(u["template"], "unknown", u["example"])
            c.add(row)

    def to_dict(self) -> Dict[str, Any]:
        t = self.total
        causes = sorted(self.causes.values(), key=lambda g: (-g.count, g.key))
        by_category: Counter = Counter()
        for g in causes:
            by_category[g.category] += g.count
        clusters = sorted(self.clusters.values(), key=lambda g: (-g.count, g.key))
        return {
            "schema_version": FLEET_SCHEMA_VERSION,
            "tool": {"name": "tflog", "version": __version__},
            "since": self.since,
            "logs": t,
            "bytes": self.bytes,
            "status": {s: self.statuses.get(s, 0) for s in ("failure", "unrecognized", "ok", "unreadable")},
            "no_failure": {"count": self.statuses.get("ok", 0), "share": round(self.statuses.get("ok", 0) / t, 4) if t else 0.0},
            "categories": [
                {"category": c, "count": n, "share": round(n / t, 4) if t else 0.0}
                for c, n in sorted(by_category.items(), key=lambda x: (-x[1], x[0]))
            ],
            "root_causes": [{"rule_id": g.key, **{k: v for k, v in g.to_dict(t).items() if k != "key"}} for g in causes],
            "unrecognized_clusters": [
                {
                    k: v
                    for k, v in dict(g.to_dict(t), template=g.key, example=g.title).items()
                    if k not in ("key", "title", "category")
                }
                for g in clusters
            ],
            "unreadable": sorted(self.unreadable, key=lambda u: u["path"]),
        }

    def text(self, top: int = 20) -> str:
        """The table for people: root causes with count, share, time span and facts; then clusters."""
        d = self.to_dict()
        s = d["status"]
        out = [
            f"{d['logs']} logs ({_size(d['bytes'])}): {s['failure']} with a known root cause, "
            f"{s['unrecognized']} with only unrecognized errors, {s['ok']} with no failure, {s['unreadable']} unreadable"
            + (f" (since {d['since']})" if d["since"] else "")
        ]
        if d["categories"]:
            out += ["", "By category:"]
            out += [f"  {c['count']:>7}  {c['share']:>6.1%}  {c['category']}" for c in d["categories"]]
        if d["root_causes"]:
            out += ["", "Root causes:", f"  {'logs':>7}  {'share':>6}  {'first seen':19}  {'last seen':19}  rule"]
            for g in d["root_causes"][:top]:
                out.append(
                    f"  {g['count']:>7}  {g['share']:>6.1%}  {g['first_seen'] or '-':19}  {g['last_seen'] or '-':19}  {g['rule_id']}"
                )
                facts = "; ".join(
                    f"{k} " + ", ".join(f"{v['value']} ({v['count']})" for v in vals)
                    for k, vals in g["facts"].items()
                    if k in TEXT_FACTS
                )
                if facts:
                    out.append(f"{'':11}{facts}")
                out.append(f"{'':11}e.g. {', '.join(g['examples'])}")
            if len(d["root_causes"]) > top:
                out.append(f"  ... {len(d['root_causes']) - top} more root causes (--format json has all)")
        if d["unrecognized_clusters"]:
            out += ["", "Unrecognized errors by template (the rules to write next; `tflog rules suggest LOG` drafts one):"]
            for c in d["unrecognized_clusters"][:top]:
                out.append(f"  {c['count']:>7}  {c['share']:>6.1%}  {c['template'][:110]}")
                out.append(f"{'':11}e.g. {c['examples'][0]}")
            if len(d["unrecognized_clusters"]) > top:
                out.append(f"  ... {len(d['unrecognized_clusters']) - top} more clusters (--format json has all)")
        if d["unreadable"]:
            out += ["", "Unreadable:"] + [f"  {u['error']}" for u in d["unreadable"][:top]]
        return "\n".join(out) + "\n"


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def jsonl(rows: Iterable[Row]) -> str:
    """One JSON object per log, sorted by path: the row the index stores."""
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in sorted(rows, key=lambda r: r["path"]))


def csv_text(rows: Iterable[Row]) -> str:
    """One line per log for spreadsheets: path, status, root rule, category, times, size, hash, rules."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in sorted(rows, key=lambda r: r["path"]):
        root = r.get("root") or {}
        w.writerow(
            [
                r["path"],
                r["status"],
                root.get("rule_id", ""),
                root.get("category", ""),
                r.get("time", ""),
                r.get("first_time", ""),
                r.get("size", 0),
                r.get("sha256", ""),
                " ".join(r.get("rule_ids") or ()),
                len(r.get("unrecognized") or ()),
            ]
        )
    return buf.getvalue()
