"""The `tflog` commands: the Typer app behind `analyzer.cli.main`.

Kept apart from `cli.py` because importing Typer costs ~100 ms: `cli.main` runs a plain
`tflog analyze ...` invocation itself and only imports this module for everything else.
"""
from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .cli import UsageError, _kb, run_analyze

app = typer.Typer(
    name="tflog",
    help="Read TensorFlow/CUDA logs and tracebacks; name the root cause and how to fix it.\n\n"
         "\b\nExamples:\n"
         "  tflog analyze run.log                     diagnose a log file (.gz works too)\n"
         "  tflog analyze run.log --format json       the JSON report, for scripts and bots\n"
         "  python train.py 2>&1 | tflog watch        diagnose live; your output passes through\n"
         "  tflog run -- python train.py              run a command and diagnose it live\n"
         "  tflog doctor                              check this machine's GPU set-up\n"
         "  tflog rules list                          what tflog knows",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(help="Inspect and check the knowledge base (built-in rules plus --rules folders).",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


class Format(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"
    github = "github"
    jsonl = "jsonl"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tflog {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


RULES_OPTION = typer.Option(None, "--rules", metavar="DIR",
                            help="Extra folder of YAML rules (repeatable); a rule with a built-in id replaces it.")


@app.command()
def analyze(
    paths: List[str] = typer.Argument(..., metavar="PATH...", help="Log files (plain or .gz), or - for standard input."),
    fmt: Optional[Format] = typer.Option(None, "--format", "-f", help="Output format: rich (default on a terminal), text (default in a pipe), json, markdown, sarif (GitHub code scanning), github (workflow annotations), jsonl (one finding per line)."),
    rules: Optional[List[Path]] = RULES_OPTION,
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help="Exit with status 1 when a finding is at least this severe."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain text even on a terminal (NO_COLOR is honoured too)."),
    confirm: bool = typer.Option(False, "--confirm", help="Reproduce each diagnosed failure on this machine (load the library, query the driver, ...) and say whether it still holds."),
) -> None:
    """Diagnose TensorFlow/CUDA logs: root cause first, symptoms under it, harmless lines marked.

    Exit status: 0 nothing at or above --fail-on, 1 something is, 2 bad input or usage.
    """
    raise typer.Exit(run_analyze(paths, fmt.value if fmt is not None else None, rules, fail_on.value, no_color, confirm))


class LiveFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


@app.command()
def watch(
    fmt: Optional[LiveFormat] = typer.Option(None, "--format", "-f", help="How diagnoses are written to stderr: rich/text (default), jsonl (one JSON object per new or updated finding), json or markdown (the final report)."),
    rules: Optional[List[Path]] = RULES_OPTION,
    fail_on: FailOn = typer.Option(FailOn.never, "--fail-on", help="Exit with status 1 at the end when a finding is at least this severe (default never: a pipe keeps its status)."),
    no_color: bool = typer.Option(False, "--no-color", help="No colour in the diagnoses."),
) -> None:
    """Diagnose a live stream: `python train.py 2>&1 | tflog watch`.

    Every input byte is passed through to stdout unchanged and at once; diagnoses go to stderr
    the moment the evidence arrives, and a summary at the end of input.
    """
    from .watch import watch_stream

    raise typer.Exit(watch_stream(_kb(rules), fmt=_live_format(fmt, no_color), fail_on=fail_on.value))


@app.command(context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})
def run(
    command: List[str] = typer.Argument(..., metavar="-- CMD [ARGS]...", help="The command to run, after --."),
    tee: Optional[Path] = typer.Option(None, "--tee", metavar="FILE", help="Also write the command's combined output to FILE, byte for byte."),
    fmt: Optional[LiveFormat] = typer.Option(None, "--format", "-f", help="How diagnoses are written to stderr (as for watch)."),
    rules: Optional[List[Path]] = RULES_OPTION,
    fail_on: FailOn = typer.Option(FailOn.never, "--fail-on", help="Accepted for symmetry; the exit status is always the command's own."),
    no_color: bool = typer.Option(False, "--no-color", help="No colour in the diagnoses."),
) -> None:
    """Run a command and diagnose its output live: `tflog run -- python train.py`.

    Its stdout and stderr pass through to yours unchanged; diagnoses go to stderr. tflog exits
    with the command's own exit status (128+N when a signal N killed it); Ctrl-C reaches the command.
    """
    from .run import run_command

    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError("give the command to run after --, e.g. tflog run -- python train.py")
    raise typer.Exit(run_command(command, _kb(rules), fmt=_live_format(fmt, no_color), tee=tee))


def _live_format(fmt: Optional[LiveFormat], no_color: bool) -> str:
    if fmt is not None:
        return fmt.value
    if no_color or os.environ.get("NO_COLOR") or not sys.stderr.isatty():
        return "text"
    return "rich"


@app.command()
def doctor(fmt: Optional[Format] = typer.Option(None, "--format", "-f", help="text (default) or json."),
           timeout: float = typer.Option(30.0, "--timeout", help="Seconds each probe may take.")) -> None:
    """Check this machine's TensorFlow/CUDA/cuDNN/driver set-up without a log (works without TensorFlow)."""
    import json

    from .doctor import render_doctor_text, run_doctor

    result = run_doctor(timeout=timeout)
    if fmt is not None and fmt.value == "json":
        typer.echo(json.dumps(result, indent=2))
    else:
        typer.echo(render_doctor_text(result))


@app.command()
def check(
    paths: List[str] = typer.Argument(None, metavar="FILES...", help="Log files to check (pre-commit passes the staged ones)."),
    rules: Optional[List[Path]] = RULES_OPTION,
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="Fail on findings at least this severe (default from config, else error)."),
) -> None:
    """Check log files as a pre-commit hook: one `path:line:col: RULE-ID message` line per finding.

    Configuration: `[tool.tflog]` in pyproject.toml or `.tflog.yaml` (rules, disable, fail_on).
    """
    from .precommit import check_files

    raise typer.Exit(check_files(paths or [], rule_dirs=rules or (), fail_on=fail_on.value if fail_on else None))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    mcp: bool = typer.Option(False, "--mcp", help="Serve the MCP tool protocol on stdio instead of HTTP."),
    max_body: int = typer.Option(16 * 1024 * 1024, "--max-body", help="Largest request body in bytes (413 above)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds one analysis may take."),
    redact: bool = typer.Option(False, "--redact", help="Mask user names, host names, IPs and tokens in what is returned."),
    rules: Optional[List[Path]] = RULES_OPTION,
) -> None:
    """Serve tflog to chatbots: an HTTP JSON API (needs the `server` extra) or an MCP server (--mcp)."""
    from .server import serve as _serve

    _serve(host=host, port=port, mcp=mcp, max_body=max_body, timeout=timeout, redact=redact, rule_dirs=rules or ())


@rules_app.command("list")
def rules_list(rules: Optional[List[Path]] = RULES_OPTION,
               category: Optional[str] = typer.Option(None, "--category", help="Only rules of this category (glob).")) -> None:
    """List rules: id, severity, category, title."""
    import fnmatch

    kb = _kb(rules)
    for r in sorted(kb.rules, key=lambda r: (r.category, r.id)):
        if category and not fnmatch.fnmatchcase(r.category, category):
            continue
        typer.echo(f"{r.id:44} {r.severity:8} {r.category:28} {r.title}")


@rules_app.command("show")
def rules_show(rule_id: str = typer.Argument(..., metavar="ID"), rules: Optional[List[Path]] = RULES_OPTION) -> None:
    """Show a rule's documentation: what it means, why, fixes, examples, references."""
    from .ruledoc import rule_markdown

    kb = _kb(rules)
    rule = kb.get(rule_id)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(rule_id, list(kb.by_id), n=3)
        raise UsageError(f"no rule {rule_id!r}" + (f" (did you mean {', '.join(close)}?)" if close else "; see `tflog rules list`"))
    typer.echo(rule_markdown(rule, kb))


@rules_app.command("lint")
def rules_lint(rules: Optional[List[Path]] = RULES_OPTION) -> None:
    """Check every rule's format and documentation; exit 1 on problems."""
    from .kbcheck import lint

    kb = _kb(rules)
    problems = lint(kb)
    for p in problems:
        typer.echo(str(p))
    typer.echo(f"{len(kb.rules)} rules, {len(problems)} problem(s)")
    raise typer.Exit(1 if problems else 0)


@rules_app.command("test")
def rules_test(rules: Optional[List[Path]] = RULES_OPTION) -> None:
    """Run every rule's examples (lines that must match, near-misses that must not); exit 1 on failures."""
    from .kbcheck import run_examples

    kb = _kb(rules)
    problems = run_examples(kb)
    for p in problems:
        typer.echo(str(p))
    n = sum(len(r.examples_match) + len(r.examples_no_match) for r in kb.rules)
    typer.echo(f"{n - len(problems)} passed, {len(problems)} failed")
    raise typer.Exit(1 if problems else 0)


@rules_app.command("suggest")
def rules_suggest(paths: List[str] = typer.Argument(..., metavar="LOG...", help="Logs with errors tflog does not recognise."),
                  rules: Optional[List[Path]] = RULES_OPTION) -> None:
    """Draft YAML rules (masked template + real example) for the errors no rule explains."""
    from .engine import analyze_paths
    from .suggest import suggest_rules

    text = suggest_rules(analyze_paths(paths, _kb(rules)))
    if not text:
        typer.echo("Every error in these logs is already explained by a rule; nothing to suggest.", err=True)
        raise typer.Exit(0)
    typer.echo(text, nl=False)

