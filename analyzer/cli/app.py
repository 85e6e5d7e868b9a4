"""The `tflog` commands: the Typer app behind `analyzer.cli.main.main()`.

Kept apart from `main.py` because importing Typer costs ~100 ms: `main` runs a plain
`tflog analyze ...` invocation itself and only imports this module for everything else.
`analyze`'s signature is built from `ANALYZE_OPTIONS`, the table the fast path reads too.
"""

from __future__ import annotations

import inspect
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Type

import typer

from analyzer.core.version import __version__

from .analyze import (
    ANALYZE_HELP,
    ANALYZE_OPTIONS,
    FAIL_ON,
    FORMATS,
    PATHS_HELP,
    REDACT_HELP,
    RULES_HELP,
    Option,
    UsageError,
    run_analyze,
)
from .analyze import knowledge_base as _kb

app = typer.Typer(
    name="tflog",
    help="Read TensorFlow/CUDA logs and tracebacks; name the root cause and how to fix it.\n\n"
    "\b\nExamples:\n"
    "  tflog analyze run.log                     diagnose a log file (.gz works too)\n"
    "  tflog analyze run.log --format json       the JSON report, for scripts and bots\n"
    "  python train.py 2>&1 | tflog watch        diagnose live; your output passes through\n"
    "  tflog run -- python train.py              run a command and diagnose it live\n"
    "  tflog doctor                              check this machine's GPU set-up\n"
    "  tflog triage -r logs/ --db triage.sqlite  what fails across many logs\n"
    "  tflog rules list                          what tflog knows",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(
    help="Inspect and check the knowledge base (built-in rules plus --rules folders).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(rules_app, name="rules")


def _choices(name: str, values: Iterable[str]) -> Type[Enum]:
    """A str Enum of `values`, which Typer shows and checks as a choice."""
    # mypy reads Enum's functional API only in a module-level assignment: here it sees an Enum instance.
    return Enum(name, {v: v for v in values}, type=str)  # type: ignore[return-value]


if TYPE_CHECKING:  # made at run time from the option table (its single definition): to mypy, plain Enums
    Format = Enum
    FailOn = Enum
else:
    Format = _choices("Format", FORMATS)
    FailOn = _choices("FailOn", FAIL_ON)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tflog {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    pass


RULES_OPTION = typer.Option(None, "--rules", metavar="DIR", help=RULES_HELP)


def _typer_parameter(opt: Option) -> inspect.Parameter:
    """The Typer parameter of one `ANALYZE_OPTIONS` entry."""
    if opt.switch:
        annotation: Any = bool
    elif opt.choices:
        annotation = Optional[_choices(opt.name.title().replace("_", ""), opt.choices)]
    elif opt.repeat:
        annotation = Optional[List[Path]] if opt.is_path else Optional[List[str]]
    else:
        annotation = Optional[Path] if opt.is_path else Optional[str]
    default = typer.Option(opt.default, *opt.flags, help=opt.help, metavar=opt.metavar)
    return inspect.Parameter(opt.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _analyze(**values: Any) -> None:
    values = {k: (v.value if isinstance(v, Enum) else v) for k, v in values.items()}
    raise typer.Exit(run_analyze(**values))


_analyze.__doc__ = ANALYZE_HELP
_paths = inspect.Parameter(
    "paths", inspect.Parameter.KEYWORD_ONLY, annotation=List[str], default=typer.Argument(..., metavar="PATH...", help=PATHS_HELP)
)
_analyze.__signature__ = inspect.Signature([_paths] + [_typer_parameter(o) for o in ANALYZE_OPTIONS])  # type: ignore[attr-defined]
_analyze.__annotations__ = {p.name: p.annotation for p in _analyze.__signature__.parameters.values()}  # type: ignore[attr-defined]
analyze = app.command("analyze")(_analyze)


class LiveFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


@app.command()
def watch(
    fmt: Optional[LiveFormat] = typer.Option(
        None,
        "--format",
        "-f",
        help="How diagnoses are written to stderr: rich/text (default), jsonl (one JSON object per new or updated finding), json or markdown (the final report).",
    ),
    rules: Optional[List[Path]] = RULES_OPTION,
    fail_on: FailOn = typer.Option(
        FailOn("never"),
        "--fail-on",
        help="Exit with status 1 at the end when a finding is at least this severe (default never: a pipe keeps its status).",
    ),
    no_color: bool = typer.Option(False, "--no-color", help="No colour in the diagnoses."),
    follow: Optional[Path] = typer.Option(
        None,
        "--follow",
        metavar="FILE",
        help="Follow a growing log file like `tail -F` (rotation and truncation survived) instead of reading stdin; Ctrl-C ends it with the summary.",
    ),
    redact: bool = typer.Option(False, "--redact", help=REDACT_HELP + " Your own output passes through untouched."),
) -> None:
    """Diagnose a live stream: `python train.py 2>&1 | tflog watch`, or `tflog watch --follow job.log`.

    Every input byte is passed through to stdout unchanged and at once; diagnoses go to stderr
    the moment the evidence arrives, and a summary at the end of input.
    """
    if follow is not None:
        from analyzer.live.follow import follow_file

        raise typer.Exit(follow_file(_kb(rules), str(follow), fmt=_live_format(fmt, no_color), fail_on=fail_on.value))
    from analyzer.live.watch import watch_stream

    raise typer.Exit(watch_stream(_kb(rules), fmt=_live_format(fmt, no_color), fail_on=fail_on.value, redact=redact))


@app.command(context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})
def run(
    command: List[str] = typer.Argument(..., metavar="-- CMD [ARGS]...", help="The command to run, after --."),
    tee: Optional[Path] = typer.Option(
        None, "--tee", metavar="FILE", help="Also write the command's combined output to FILE, byte for byte."
    ),
    fmt: Optional[LiveFormat] = typer.Option(None, "--format", "-f", help="How diagnoses are written to stderr (as for watch)."),
    rules: Optional[List[Path]] = RULES_OPTION,
    fail_on: FailOn = typer.Option(
        FailOn("never"), "--fail-on", help="Accepted for symmetry; the exit status is always the command's own."
    ),
    no_color: bool = typer.Option(False, "--no-color", help="No colour in the diagnoses."),
    redact: bool = typer.Option(False, "--redact", help=REDACT_HELP + " The command's own output passes through untouched."),
) -> None:
    """Run a command and diagnose its output live: `tflog run -- python train.py`.

    Its stdout and stderr pass through to yours unchanged; diagnoses go to stderr. tflog exits
    with the command's own exit status (128+N when a signal N killed it; 127 when it is not found and
    126 when it is not executable, as a shell does); Ctrl-C reaches the command.
    """
    from analyzer.live.run import run_command

    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError("give the command to run after --, e.g. tflog run -- python train.py")
    raise typer.Exit(run_command(command, _kb(rules), fmt=_live_format(fmt, no_color), tee=tee, redact=redact))


def _live_format(fmt: Optional[LiveFormat], no_color: bool) -> str:
    if fmt is not None:
        return fmt.value
    if no_color or os.environ.get("NO_COLOR") or not sys.stderr.isatty():
        return "text"
    return "rich"


@app.command()
def doctor(
    fmt: Optional[Format] = typer.Option(None, "--format", "-f", help="text (default) or json."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds each probe may take."),
    python: Optional[str] = typer.Option(
        None,
        "--python",
        metavar="PATH",
        help="Probe this Python's TensorFlow and CUDA libraries (default: the active virtualenv or conda env, else tflog's own).",
    ),
) -> None:
    """Check this machine's TensorFlow/CUDA/cuDNN/driver set-up without a log (works without TensorFlow).

    The probes run in the Python of the active virtualenv or conda env (VIRTUAL_ENV, CONDA_PREFIX)
    when tflog itself is installed elsewhere (pipx), or in the one --python names.
    """
    import json

    from analyzer.confirm.doctor import active_env_python, python_info, render_doctor_text, run_doctor

    target = python or active_env_python()
    if target is not None:
        try:
            python_info(target, timeout)
        except ValueError as e:
            raise UsageError(f"--python: {e}" if python else f"the active environment: {e}") from None
    result = run_doctor(timeout=timeout, python=target)
    if fmt is not None and fmt.value == "json":
        typer.echo(json.dumps(result, indent=2))
    else:
        typer.echo(render_doctor_text(result))


@app.command()
def check(
    paths: List[str] = typer.Argument(None, metavar="FILES...", help="Log files to check (pre-commit passes the staged ones)."),
    rules: Optional[List[Path]] = RULES_OPTION,
    fail_on: Optional[FailOn] = typer.Option(
        None, "--fail-on", help="Fail on findings at least this severe (default from config, else error)."
    ),
    redact: bool = typer.Option(False, "--redact", help=REDACT_HELP + " File paths are kept (editors and CI link them)."),
) -> None:
    """Check log files as a pre-commit hook: one `path:line:col: RULE-ID message` line per finding.

    Configuration: `[tool.tflog]` in pyproject.toml or `.tflog.yaml` (rules, disable, fail_on).
    """
    from analyzer.integrations.precommit import check_files

    raise typer.Exit(check_files(paths or [], rule_dirs=rules or (), fail_on=fail_on.value if fail_on else None, redact=redact))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    mcp: bool = typer.Option(False, "--mcp", help="Serve the MCP tool protocol on stdio instead of HTTP."),
    max_body: int = typer.Option(16 * 1024 * 1024, "--max-body", help="Largest request body in bytes (413 above)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds one analysis may take."),
    redact: bool = typer.Option(True, "--redact", hidden=True, help="The default (kept for old scripts)."),
    allow_unredacted: bool = typer.Option(
        False,
        "--allow-unredacted",
        help="Let a request ask for an unmasked answer (redact=false); without it every answer is masked.",
    ),
    token: Optional[str] = typer.Option(
        None,
        "--token",
        envvar="TFLOG_TOKEN",
        help="Require Authorization: Bearer TOKEN (also from TFLOG_TOKEN); needed when --host is beyond loopback.",
    ),
    no_auth: bool = typer.Option(
        False, "--no-auth", help="Listen beyond loopback without a token (behind a proxy that authenticates)."
    ),
    trusted_host: Optional[List[str]] = typer.Option(
        None,
        "--trusted-host",
        metavar="NAME",
        help="A Host header value to accept (repeatable; default: localhost names on loopback, any elsewhere).",
    ),
    max_inflight: int = typer.Option(
        32 * 1024 * 1024, "--max-inflight", help="Request-body bytes held at once, all clients together (503 above)."
    ),
    docs: bool = typer.Option(False, "--docs", help="Serve /docs and /redoc (their pages load scripts from a CDN)."),
    rules: Optional[List[Path]] = RULES_OPTION,
) -> None:
    """Serve tflog to chatbots: an HTTP JSON API (needs the `server` extra) or an MCP server (--mcp).

    Every answer has user names, host names, IP addresses, passwords and tokens masked.
    """
    if not mcp:
        from analyzer.serve.http import serve as serve_http

        return serve_http(
            host=host,
            port=port,
            max_body=max_body,
            timeout=timeout,
            rule_dirs=rules or (),
            allow_unredacted=allow_unredacted,
            token=token,
            no_auth=no_auth,
            trusted_hosts=trusted_host or (),
            max_inflight=max_inflight,
            docs=docs,
        )
    import importlib

    from analyzer.pipeline.reader import InputError
    from analyzer.serve.service import MCP_EXTRA, Service, check_limits

    check_limits(max_body, timeout)
    try:
        importlib.import_module("mcp.server")  # the SDK itself, not only its dependencies
        from analyzer.serve.mcp import run_stdio
    except ImportError:
        raise InputError(MCP_EXTRA) from None
    service = Service(rules or (), True, timeout, allow_unredacted)
    service.max_log = max_body
    run_stdio(service)


class TriageFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


@app.command()
def triage(
    paths: List[str] = typer.Argument(
        None, metavar="PATH...", help="Log files (.gz too), folders, globs, URIs (s3://...), or - for a list of paths on stdin."
    ),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Also the logs in folders below the folders given."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: the CPU count)."),
    fmt: Optional[TriageFormat] = typer.Option(
        None,
        "--format",
        "-f",
        help="rich/text (the table), json (the aggregate), jsonl (one row per log) or csv (one line per log).",
    ),
    db: Optional[str] = typer.Option(
        None, "--db", metavar="FILE", help="SQLite index: logs already in it (same content, same rules) are not analysed again."
    ),
    since: Optional[str] = typer.Option(
        None, "--since", metavar="AGE", help="Only logs from this recent (7d, 12h, 2w or a date)."
    ),
    ray: bool = typer.Option(False, "--ray", help="Run on Ray (a local instance, or RAY_ADDRESS); needs the `ray` extra."),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address", metavar="ADDRESS", help="Run on the Ray cluster at ADDRESS."
    ),
    top: int = typer.Option(20, "--top", min=1, help="Root causes and clusters shown in the table."),
    rules: Optional[List[Path]] = RULES_OPTION,
) -> None:
    """Triage many logs: what fails across them, how often, since when, and what is not known yet.

    Each log is analysed on its own. With --db, `tflog triage --db triage.sqlite --since 7d` (no
    paths) reports from the index alone.
    """
    from analyzer.fleet.triage import Progress, expand_paths, parse_since

    if not paths and not db:
        raise UsageError("give logs to triage (files, folders, globs or -), or --db FILE to report from an index")
    when = parse_since(since) if since else None
    logs = expand_paths(paths or [], recursive=recursive)
    if paths and not logs:
        raise UsageError("no logs to triage")
    if db and not paths and not os.path.exists(db):
        raise UsageError(f"{db}: no such index (run tflog triage --db {db} LOGS... first)")
    from analyzer.fleet.aggregate import csv_text, jsonl
    from analyzer.fleet.run import run_triage

    kb = _kb(rules) if logs else None  # a report from the index alone needs no rules
    show = Progress() if sys.stderr.isatty() and logs and not (ray or ray_address) else None
    form = fmt.value if fmt is not None else ("rich" if sys.stdout.isatty() else "text")
    out = _stdout_kept_for_the_report() if (ray or ray_address) else None
    result = run_triage(
        logs,
        kb,
        jobs=jobs,
        rule_dirs=[str(r) for r in rules or ()],
        db=db,
        since=when,
        ray=(ray_address or "") if (ray or ray_address) else None,
        progress=show,
    )
    if form == "json":
        import json

        typer.echo(json.dumps(result.aggregate.to_dict(), indent=2), file=out)
    elif form == "jsonl":
        shown = result.rows if when is None else [r for r in result.rows if r["time"] >= when]
        typer.echo(jsonl(shown), nl=False, file=out)
    elif form == "csv":
        shown = result.rows if when is None else [r for r in result.rows if r["time"] >= when]
        typer.echo(csv_text(shown), nl=False, file=out)
    else:
        typer.echo(result.aggregate.text(top), nl=False, file=out)
        if logs and db:
            typer.echo(f"({result.analysed} analysed, {result.reused} already in {db})", err=True)


def _stdout_kept_for_the_report() -> Any:
    """A stream of its own on standard output for the report, with everything else this process (and what it starts)
    writes to standard output sent to standard error from now on: Ray's threads and processes print there (a memory
    monitor's warning, a worker's output), which made `--format json` more than one JSON document."""
    sys.stdout.flush()
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return report


@rules_app.command("list")
def rules_list(
    rules: Optional[List[Path]] = RULES_OPTION,
    category: Optional[str] = typer.Option(None, "--category", help="Only rules of this category (glob)."),
) -> None:
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
    from analyzer.authoring.ruledoc import rule_markdown

    kb = _kb(rules)
    rule = kb.get(rule_id)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(rule_id, list(kb.by_id), n=3)
        raise UsageError(
            f"no rule {rule_id!r}" + (f" (did you mean {', '.join(close)}?)" if close else "; see `tflog rules list`")
        )
    typer.echo(rule_markdown(rule, kb))


@rules_app.command("lint")
def rules_lint(rules: Optional[List[Path]] = RULES_OPTION) -> None:
    """Check every rule's format and documentation; exit 1 on problems."""
    from analyzer.authoring.check import lint

    kb = _kb(rules)
    problems = lint(kb)
    for p in problems:
        typer.echo(str(p))
    typer.echo(f"{len(kb.rules)} rules, {len(problems)} problem(s)")
    raise typer.Exit(1 if problems else 0)


@rules_app.command("test")
def rules_test(rules: Optional[List[Path]] = RULES_OPTION) -> None:
    """Run every rule's examples (lines that must match, near-misses that must not); exit 1 on failures."""
    from analyzer.authoring.check import run_examples

    kb = _kb(rules)
    problems = run_examples(kb)
    for p in problems:
        typer.echo(str(p))
    n = sum(len(r.examples_match) + len(r.examples_no_match) for r in kb.rules)
    typer.echo(f"{n - len(problems)} passed, {len(problems)} failed")
    raise typer.Exit(1 if problems else 0)


@rules_app.command("suggest")
def rules_suggest(
    paths: List[str] = typer.Argument(..., metavar="LOG...", help="Logs with errors tflog does not recognise."),
    rules: Optional[List[Path]] = RULES_OPTION,
) -> None:
    """Draft YAML rules (masked template + real example) for the errors no rule explains."""
    from analyzer.authoring.suggest import suggest_rules
    from analyzer.pipeline.engine import analyze_paths

    text = suggest_rules(analyze_paths(paths, _kb(rules)))
    if not text:
        typer.echo("Every error in these logs is already explained by a rule; nothing to suggest.", err=True)
        raise typer.Exit(0)
    typer.echo(text, nl=False)
