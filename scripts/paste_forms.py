#!/usr/bin/env python3
"""How tflog's answers hold up when a log is pasted the way people paste it.

    python scripts/paste_forms.py            # every labelled real log (tests/test_real_logs.py's SETS)

For each labelled real log tflog gets right, the log is transformed as a thread, a mail client or a
terminal transforms it (re-flowed at word boundaries, cut at a fixed width, HTML-escaped, every line in
Markdown code or behind a quote or a launcher's prefix), analysed again, and counted when the answer (the
first finding that is not harmless) changes. A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Dict

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pasted import hard_wrapped, html_escaped, reflowed, reindented  # noqa: E402
from test_real_logs import SETS, root_finding  # noqa: E402

from analyzer import analyze  # noqa: E402


def answer(text: str) -> str:
    root = root_finding(analyze(text).to_dict())
    return root["category"] if root else "benign"


def each_line(prefix: str, suffix: str = "") -> Callable[[str], str]:
    return lambda text: "".join(f"{prefix}{line}{suffix}\n" if line.strip() else "\n" for line in text.splitlines())


FORMS: Dict[str, Callable[[str], str]] = {
    "re-flowed at word boundaries (72 columns)": reflowed,
    "re-flowed at word boundaries, the pieces indented (60 columns)": reindented,
    "hard-wrapped at 80 columns": hard_wrapped,
    "hard-wrapped at 120 columns (a Windows console's width)": lambda text: hard_wrapped(text, 120),
    "HTML-escaped": html_escaped,
    "every line in Markdown `code`": each_line("`", "`"),
    "behind a Markdown quote": each_line("> "),
    "behind a docker compose prefix": each_line("trainer-1  | "),
    "behind SageMaker's mpirun prefix": each_line("[1,mpirank:0,algo-1]<stderr>:"),
}


def main() -> None:
    right = 0
    changed = dict.fromkeys(FORMS, 0)
    for files, _, _ in SETS.values():
        for labels in files:
            for case in yaml.safe_load(labels.read_text(encoding="utf-8")):
                if case.get("log_insufficient"):
                    continue
                text = (labels.parent / case["file"]).read_text(encoding="utf-8", errors="replace")
                got = answer(text)
                if got not in [case["category"], *(case.get("also") or [])]:
                    continue
                right += 1
                for name, form in FORMS.items():
                    changed[name] += answer(form(text)) != got
    print(f"{right} labelled real logs answered right; answers that change when the log is pasted:")
    for name, n in changed.items():
        print(f"  {name}: {n}")


if __name__ == "__main__":
    main()
