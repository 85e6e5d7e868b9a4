"""`tflog analyze`: its options, defined once, and the command itself.

`ANALYZE_OPTIONS` is the one definition of the command's options. The fast path
(`parse_plain`, used by `analyzer.cli.main` without importing Typer) and the Typer
command (`analyzer.cli.app`, which builds its signature from the table) both read it,
so an option cannot be added to one and forgotten in the other.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from analyzer.core.records import dataclass

if TYPE_CHECKING:
    from pathlib import Path

EXIT_USAGE = 2
EXIT_INTERNAL = 3

FORMATS = ("rich", "text", "json", "markdown", "sarif", "github", "jsonl", "html")
FAIL_ON = ("error", "warning", "never")
MAX_FIXES = 3  # the formats for people show this many fixes per root cause (analyzer.report.render.MAX_FIXES)


class UsageError(Exception):
    """A mistake in how tflog was called; printed as one line, exit status 2."""


@dataclass(frozen=True)
class Option:
    """One option of `tflog analyze`; `name` is run_analyze's keyword."""

    name: str
    flags: Tuple[str, ...]
    help: str
    choices: Tuple[str, ...] = ()  # the value must be one of these
    default: Any = None
    switch: bool = False  # on/off, takes no value
    repeat: bool = False  # may be given again; the values make a list
    metavar: Optional[str] = None
    is_path: bool = False


PATHS_HELP = "Log files (plain or .gz), or - for standard input."
ANALYZE_HELP = """Diagnose TensorFlow/CUDA logs: root cause first, symptoms under it, harmless lines marked.

Exit status: 0 nothing at or above --fail-on, 1 something is, 2 bad input or usage.
"""
REDACT_HELP = "Mask user names, host names, IP addresses, passwords, keys and tokens in the output (before pasting it anywhere)."
RULES_HELP = "Extra folder of YAML rules (repeatable); a rule with a built-in id replaces it."

ANALYZE_OPTIONS: Tuple[Option, ...] = (
    Option(
        "fmt",
        ("--format", "-f"),
        choices=FORMATS,
        help="Output format: rich (default on a terminal), text (default in a pipe), json, markdown, "
        "sarif (GitHub code scanning), github (workflow annotations), jsonl (one finding per line), "
        "html (one self-contained page with pictures: tflog analyze run.log -f html > report.html).",
    ),
    Option("rules", ("--rules",), repeat=True, metavar="DIR", is_path=True, help=RULES_HELP),
    Option(
        "fail_on",
        ("--fail-on",),
        choices=FAIL_ON,
        default="error",
        help="Exit with status 1 when a finding is at least this severe.",
    ),
    Option(
        "no_color", ("--no-color",), switch=True, default=False, help="Plain text even on a terminal (NO_COLOR is honoured too)."
    ),
    Option(
        "confirm",
        ("--confirm",),
        switch=True,
        default=False,
        help="Reproduce each diagnosed failure on this machine (load the library, query the driver, ...) "
        "and say whether it still holds.",
    ),
    Option(
        "brief",
        ("--brief",),
        switch=True,
        default=False,
        help="A few lines for chat and terminals: the root cause, its key evidence line and its first fix "
        "(rich, text and markdown; the machine formats are unchanged).",
    ),
    Option(
        "all_fixes",
        ("--all-fixes",),
        switch=True,
        default=False,
        help=f"Show every fix: rich, text and markdown show {MAX_FIXES} per root cause by default "
        "(json, sarif, github and jsonl always have all).",
    ),
    Option(
        "verbose",
        ("--verbose", "-v"),
        switch=True,
        default=False,
        help="Rich and text: every evidence line and, on a terminal, the whole explanation "
        "(by default its first paragraph, so that the root cause fits on one screen).",
    ),
    Option("redact", ("--redact",), switch=True, default=False, help=REDACT_HELP),
    Option(
        "jobs",
        ("--jobs", "-j"),
        default="auto",
        metavar="N",
        help="Processes that read big log files (split by byte ranges; the report is the same). "
        "auto (default): one process, which is faster than splitting on every log shape measured "
        "(benchmarks/RESULTS.md); a number splits anyway.",
    ),
)


def parse_plain(argv: List[str]) -> Optional[Dict[str, Any]]:
    """run_analyze's arguments when `argv` is a plain, valid `analyze` invocation; else None.

    Anything unusual (help, `--`, an unknown or repeated option, a bad value, no path) returns
    None, so that the Typer app produces its usual behaviour and messages.
    """
    if not argv or argv[0] != "analyze":
        return None
    by_flag = {flag: opt for opt in ANALYZE_OPTIONS for flag in opt.flags}
    values: Dict[str, Any] = {}
    paths: List[str] = []
    rest = argv[1:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        flag, eq, value = arg.partition("=")
        opt = by_flag.get(flag)
        if opt is None or (eq and (opt.switch or not flag.startswith("--"))):
            return None
        if opt.name in values and not opt.repeat:
            return None
        if opt.switch:
            values[opt.name] = True
            continue
        if not eq:
            if i >= len(rest):
                return None
            value = rest[i]
            i += 1
        if not value or value.startswith("-") or (opt.choices and value not in opt.choices):
            return None
        if opt.repeat:
            if opt.is_path:
                from pathlib import Path  # only for --rules: a plain analysis does not import pathlib

                values.setdefault(opt.name, []).append(Path(value))
            else:
                values.setdefault(opt.name, []).append(value)
        else:
            values[opt.name] = value
    if not paths:
        return None
    out: Dict[str, Any] = {opt.name: opt.default for opt in ANALYZE_OPTIONS}
    out.update(values)
    out["paths"] = paths
    return out


def knowledge_base(rule_dirs: Optional[List[Path]]):
    from analyzer.kb.load import load_knowledge_base

    return load_knowledge_base(rule_dirs or ())


def choose_format(fmt: Optional[str], no_color: bool, stream=None) -> str:
    """The format asked for, else rich on a terminal and plain text in a pipe."""
    if fmt is not None:
        return fmt
    stream = stream or sys.stdout
    if no_color or os.environ.get("NO_COLOR") or not stream.isatty():
        return "text"
    return "rich"


def run_analyze(
    paths: List[str],
    fmt: Optional[str] = None,
    rules: Optional[List[Path]] = None,
    fail_on: str = "error",
    no_color: bool = False,
    confirm: bool = False,
    brief: bool = False,
    all_fixes: bool = False,
    verbose: bool = False,
    redact: bool = False,
    jobs: str = "auto",
) -> int:
    """`tflog analyze`: analyse, print the report, return the exit status."""
    from analyzer.core.model import exit_status
    from analyzer.pipeline.parallel import analyze_paths, choose_jobs
    from analyzer.report.render import render

    if paths.count("-") > 1:
        raise UsageError("standard input (-) can be given only once")
    try:
        processes = choose_jobs(jobs, paths)
    except ValueError:
        raise UsageError(f"--jobs must be a number of processes (1 or more) or auto, not {jobs!r}") from None
    report = analyze_paths(paths, knowledge_base(rules), processes, pictures=fmt == "html")
    if confirm:
        from analyzer.confirm.verdict import confirm_report

        confirm_report(report, progress=sys.stderr if sys.stderr.isatty() else None)
    if redact:  # after --confirm, which needs the real library paths
        from analyzer.report.redact import redact_report

        report = redact_report(report)
    if fmt == "html":  # one page built from render's pieces (analyzer.report.html imports render)
        from analyzer.report.html import render_html

        sys.stdout.write(render_html(report, all_fixes=all_fixes))
    else:
        render(report, choose_format(fmt, no_color), sys.stdout, all_fixes=all_fixes, brief=brief, verbose=verbose)
    return exit_status(report, fail_on)
