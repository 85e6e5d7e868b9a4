#!/usr/bin/env python3
"""Every real-log set's score and misses at once, the figures tests/test_real_logs.py holds as bars.

    TFLOG_NO_CACHE=1 python scripts/real_log_scores.py            # every set, then the totals
    TFLOG_NO_CACHE=1 python scripts/real_log_scores.py first_sight_42 first_sight_43

The test only says pass or fail; this prints what a maintainer needs after a rule change: each set's
top-1, its misses (id, label, answer), and the totals over every set (top-1, facts, silent failures,
harmless logs flagged), so a change that helps one set and costs another shows at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's analyzer, not another one installed

from test_real_logs import BENIGN_FLAGGED_KNOWN, SETS, score  # noqa: E402


def main(names: list) -> int:
    unknown = [n for n in names if n not in SETS]
    if unknown:
        print(f"no such set: {', '.join(unknown)} (sets: {', '.join(SETS)})", file=sys.stderr)
        return 2
    totals = {"right": 0, "total": 0, "facts": [0, 0], "silent": [0, 0]}
    flagged = []
    for name in names or list(SETS):
        r = score(SETS[name][0])
        print(f"{name}: {r['right']}/{r['total']} = {100.0 * r['right'] / max(r['total'], 1):.1f}%", flush=True)
        for case, want, got in r["misses"]:
            print(f"    {case}: want {want}, got {got}")
            if want == "benign":
                flagged.append(case)
        totals["right"] += r["right"]
        totals["total"] += r["total"]
        for key in ("facts", "silent"):
            totals[key] = [a + b for a, b in zip(totals[key], r[key])]
    right, total = totals["right"], totals["total"]
    print(f"top-1 {right}/{total} = {100.0 * right / max(total, 1):.1f}%")
    print(f"facts {totals['facts'][0]}/{totals['facts'][1]}")
    print(f"silent (a failure with no categorised finding) {totals['silent'][0]}/{totals['silent'][1]}")
    new = sorted(set(flagged) - BENIGN_FLAGGED_KNOWN)
    print(f"harmless logs flagged {len(flagged)} ({len(new)} not in BENIGN_FLAGGED_KNOWN{': ' + ', '.join(new) if new else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
