"""`tflog check FILES...`: the pre-commit hook (see `.pre-commit-hooks.yaml` and docs/integrations.md).

A log committed next to code (a CI artefact, a bug report, an experiment record) that
shows a real failure should not slip in unnoticed. Each file is analysed on its own and
every finding that is not harmless prints as one compiler-style line, which editors and
CI problem matchers understand:

    logs/run.log:75:1: cudnn-handle-create-failed [error] cuDNN could not create a handle ...

Files that cannot be checked print as `path:0:0: tflog-input [severity] reason`: a missing
or unreadable file is an error, a binary file a warning (an `a.out` matches `*.out` too),
and an empty file is skipped (an empty log is a fine thing to commit).
Exit status: 1 when a finding reaches `fail_on` (argument, else config, else "error"), else 0.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, replace
from typing import Iterable, List, Optional, Sequence, TextIO

from analyzer.core.model import SEVERITY_ORDER
from analyzer.pipeline.reader import InputError

from .config import Config, load_config

INPUT_RULE = "tflog-input"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    col: int
    rule_id: str
    severity: str
    title: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule_id} [{self.severity}] {self.title}"


def check_files(
    paths: Sequence[str],
    rule_dirs: Iterable = (),
    fail_on: Optional[str] = None,
    out: Optional[TextIO] = None,
    err: Optional[TextIO] = None,
    redact: bool = False,
) -> int:
    """Check log files; print one line per problem to `out`; return the exit status (0 or 1).

    `redact` masks personal data and secrets in the messages; the paths stay (editors link them)."""
    from analyzer.kb.load import load_knowledge_base

    out = out or sys.stdout
    err = err or sys.stderr
    config = load_config()
    for note in config.notes:
        err.write(f"tflog: note: {note}\n")
    fail_on = fail_on or config.fail_on or "error"
    kb = load_knowledge_base([*config.rules, *rule_dirs])
    for rid in config.disable:
        if not _is_glob(rid) and rid != "unrecognized" and kb.get(rid) is None:
            err.write(f"tflog: note: {config.source}: key 'disable': no rule {rid!r} (ignored)\n")

    problems = sorted(_problems(paths, kb, config), key=lambda p: (p.path, p.line, p.rule_id))
    if redact:
        from analyzer.report.redact import redact_text

        problems = [replace(p, title=redact_text(p.title)) for p in problems]
    for p in problems:
        out.write(f"{p}\n")
    failing = [p for p in problems if _reaches(p.severity, fail_on)]
    if problems:
        files = len({p.path for p in problems})
        symptoms = sum(1 for p in problems if "(symptom of " in p.title)
        err.write(
            f"tflog: {len(problems)} finding(s) in {files} of {len(paths)} file(s)"
            f"{f' ({symptoms} of them symptoms of another)' if symptoms else ''}"
            f"{', failing on ' + fail_on if failing else ''}; `tflog analyze FILE` explains each one\n"
        )
    return 1 if failing else 0


def _problems(paths: Sequence[str], kb, config: Config) -> List[Problem]:
    from analyzer.pipeline.engine import analyze_paths

    problems: List[Problem] = []
    for path in paths:
        try:
            report = analyze_paths([path], kb)
        except InputError as e:
            reason = str(e)
            reason = reason[len(path) + 2 :] if reason.startswith(f"{path}: ") else reason
            severity = "warning" if reason.startswith("binary file") else "error"
            problems.append(Problem(path, 0, 0, INPUT_RULE, severity, reason))
            continue
        cause_of = {sid: f.rule_id for f in report.findings for sid in f.explains}
        shown = [f for f in report.findings if f.severity != "info" and not _disabled(f.rule_id, config.disable)]
        for f in shown:
            # where a file has several, say which is the cause: one OOM prints several error lines
            role = f"symptom of {cause_of[f.rule_id]}" if f.rule_id in cause_of else "root cause"
            title = f"{f.title} ({role})" if len(shown) > 1 else f.title
            problems.append(Problem(path, f.first_line, 1, f.rule_id, f.severity, title))
    return problems


def _disabled(rule_id: str, patterns: List[str]) -> bool:
    return any(fnmatch.fnmatchcase(rule_id, p) for p in patterns)


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _reaches(severity: str, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    return SEVERITY_ORDER[severity] <= SEVERITY_ORDER[fail_on]
