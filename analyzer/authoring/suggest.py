"""`tflog rules suggest LOG`: draft rules for the errors no rule explains.

Each unrecognized finding becomes a YAML rule draft whose regex is the line's
masked template (numbers, paths, shapes, quoted names, hex become patterns) and
whose example is the real line, for a human to finish (category, title, fixes).
"""

from __future__ import annotations

import re
from typing import List

import yaml

from analyzer.core.model import Report
from analyzer.pipeline.parse import parse_line

_PIECES = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)"
    r"|(?P<hex>\b0x[0-9a-fA-F]+\b)"
    r"|(?P<path>(?:[A-Za-z]:)?(?:[\\/][\w.+~-]+){2,}[\\/]?)"
    r"|(?P<shape>\[[\d?, -]+\])"
    r"|(?P<q>'[^'\s]{1,200}'|\"[^\"\s]{1,200}\")"
    r"|(?P<num>\d+(?:\.\d+)*)"
)
_AS_REGEX = {
    "ts": r"\S+ \S+",
    "hex": r"0x[0-9a-fA-F]+",
    "path": r"\S+",
    "shape": r"\[[^\]]*\]",
    "q": r"(?P<name>['\"][^'\"]*['\"])",
    "num": r"\d+(?:\.\d+)*",
}


def template_regex(message: str) -> str:
    """A regex matching `message` and its variants with other values (the masked template)."""
    out, pos, named = [], 0, False
    for m in _PIECES.finditer(message):
        out.append(re.escape(message[pos : m.start()]))
        kind = m.lastgroup
        assert kind is not None  # every alternative of _PIECES is a named group
        piece = _AS_REGEX[kind]
        if kind == "q":
            piece = piece if not named else r"['\"][^'\"]*['\"]"
            named = True
        out.append(piece)
        pos = m.end()
    out.append(re.escape(message[pos:]))
    return re.sub(r"(\\ )+", r"\\s+", "".join(out)).strip()


def _slug(text: str) -> str:
    words = re.findall(r"[a-z]+", text.lower())[:6]
    return "-".join(words) or "error"


def suggest_rules(report: Report) -> str:
    """YAML text with one draft rule per unrecognized finding (empty string when there is none)."""
    drafts: List[dict] = []
    for f in report.findings:
        if f.match != "unrecognized" or not f.evidence:
            continue
        line = f.evidence[0].text
        message = parse_line(1, line).message
        closest = ", ".join(f"{c['rule_id']} ({c['score']:.0f})" for c in f.closest) or "none"
        drafts.append(
            {
                "id": f"draft-{_slug(message)}",
                "category": "unknown",
                "severity": f.severity,
                "title": f"TODO: what went wrong ({f.title})",
                "match": [template_regex(message)],
                "explanation": f"TODO: why this happens. Closest known rules: {closest}.",
                "fixes": ["TODO: the fix"],
                "references": ["TODO: the TF/XLA source file or the public report this line comes from"],
                "examples": {"match": [line], "no_match": []},
            }
        )
    if not drafts:
        return ""
    head = (
        "# Draft rules from `tflog rules suggest`: finish category, title, explanation, fixes,\n"
        "# references and near-miss examples, then check with `tflog rules test --rules DIR`.\n"
    )
    return head + yaml.safe_dump(drafts, sort_keys=False, allow_unicode=True, width=1000)
