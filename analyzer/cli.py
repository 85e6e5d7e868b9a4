"""The `tflog` command line.

Every command turns user mistakes (missing file, bad rule folder, unknown
format) into one readable line on stderr and exit status 2; findings at or above
`--fail-on` give exit status 1; otherwise 0.

The commands themselves are a Typer app in `analyzer.commands`. Importing Typer
takes ~100 ms, more than analysing a small log, so `main()` runs a plain
`tflog analyze PATH... [--format F] [--fail-on L] [--no-color] [--rules DIR] [--confirm]`
itself and hands everything else (help, mistakes, other commands) to Typer.
`TFLOG_FAST_CLI=0` always uses Typer (the tests compare both paths).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List, Optional

from . import __version__  # noqa: F401  (kept: `analyzer.cli.__version__` was public)

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class UsageError(Exception):
    """A mistake in how tflog was called; printed as one line, exit status 2."""


def _kb(rule_dirs: Optional[List[Path]]):
    from . import load_knowledge_base

    return load_knowledge_base(rule_dirs or ())


def _choose_format(fmt: Optional[str], no_color: bool) -> str:
    if fmt is not None:
        return fmt
    if no_color or os.environ.get("NO_COLOR") or not sys.stdout.isatty():
        return "text"
    return "rich"


def exit_status(report, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    worst = report.worst_severity()
    if worst == "error" or (fail_on == "warning" and worst == "warning"):
        return EXIT_FINDINGS
    return 0


def run_analyze(paths: List[str], fmt: Optional[str], rules: Optional[List[Path]], fail_on: str,
                no_color: bool, confirm: bool) -> int:
    """`tflog analyze`: analyse, print the report, return the exit status."""
    from .engine import analyze_paths
    from .render import render

    if paths.count("-") > 1:
        raise UsageError("standard input (-) can be given only once")
    report = analyze_paths(paths, _kb(rules))
    if confirm:
        from .confirm import confirm_report

        confirm_report(report, progress=sys.stderr if sys.stderr.isatty() else None)
    render(report, _choose_format(fmt, no_color), sys.stdout)
    return exit_status(report, fail_on)


# --- the fast path ------------------------------------------------------------------------------

# The values `analyze` accepts (commands.Format / commands.FailOn). A value missing here is
# still accepted: it just goes through Typer.
_FORMATS = ("rich", "text", "json", "markdown", "sarif", "github", "jsonl")
_FAIL_ON = ("error", "warning", "never")


def _plain_analyze(argv: List[str]) -> Optional[Dict[str, object]]:
    """run_analyze's arguments when `argv` is a plain, valid analyze invocation; else None (use Typer).

    Anything unusual (help, `--`, an unknown or repeated option, a bad value, no path) returns
    None, so that Typer produces its usual behaviour and messages.
    """
    if not argv or argv[0] != "analyze":
        return None
    paths: List[str] = []
    opts: Dict[str, object] = {}
    rules: List[Path] = []
    rest = argv[1:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name in ("--no-color", "--confirm"):
            if eq or name in opts:
                return None
            opts[name] = True
            continue
        if name not in ("--format", "-f", "--fail-on", "--rules") or (name == "-f" and eq):
            return None
        if not eq:
            if i >= len(rest):
                return None
            value = rest[i]
            i += 1
        if value.startswith("-") or not value:
            return None
        if name == "--rules":
            rules.append(Path(value))
            continue
        key = "--format" if name == "-f" else name
        if key in opts or value not in (_FORMATS if key == "--format" else _FAIL_ON):
            return None
        opts[key] = value
    if not paths:
        return None
    return {"paths": paths, "fmt": opts.get("--format"), "rules": rules or None,
            "fail_on": opts.get("--fail-on", "error"), "no_color": bool(opts.get("--no-color")),
            "confirm": bool(opts.get("--confirm"))}


def _run_typer(argv: Optional[List[str]]):
    import typer

    from .commands import app

    try:
        return app(args=argv, prog_name="tflog", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        _fail("aborted", 130)


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point: runs the command and turns known errors into one line and an exit status."""
    from .knowledge import RuleError
    from .reader import InputError

    try:
        plain = None
        if os.environ.get("TFLOG_FAST_CLI", "1") != "0":
            plain = _plain_analyze(sys.argv[1:] if argv is None else list(argv))
        status = run_analyze(**plain) if plain is not None else _run_typer(argv)
    except (InputError, RuleError, UsageError) as e:
        _fail(str(e), EXIT_USAGE)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except Exception as e:  # a usage error from the option parser, or a bug in tflog
        if hasattr(e, "show") and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            sys.exit(e.exit_code)
        if os.environ.get("TFLOG_DEBUG"):
            raise
        _fail(f"internal error: {type(e).__name__}: {e} (set TFLOG_DEBUG=1 for the traceback; please report it)", EXIT_INTERNAL)
    sys.exit(status if isinstance(status, int) else 0)


def _fail(message: str, status: int) -> None:
    try:
        sys.stderr.write(f"tflog: error: {message}\n")
        sys.stderr.flush()
    finally:
        sys.exit(status)


def _quiet_broken_pipe() -> None:
    """The reader of our output went away (e.g. `| head`): exit quietly like other Unix tools."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    sys.exit(1)


def __getattr__(name: str):
    """`analyzer.cli.app` and the other Typer objects, which now live in `analyzer.commands`."""
    if name.startswith("__"):
        raise AttributeError(name)
    from . import commands

    try:
        return getattr(commands, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
