"""The `tflog` entry point.

Every command turns user mistakes (missing file, bad rule folder, unknown
format) into one readable line on stderr and exit status 2; findings at or above
`--fail-on` give exit status 1; otherwise 0.

The commands are a Typer app (`analyzer.cli.app`). Importing Typer takes ~100 ms,
more than analysing a small log, so a plain `tflog analyze ...` invocation is parsed
here from the same option table the Typer command is built from
(`analyzer.cli.analyze.ANALYZE_OPTIONS`) and everything else (help, mistakes, other
commands) goes to Typer. `TFLOG_FAST_CLI=0` always uses Typer (the tests compare both paths).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import List, Optional

from .analyze import EXIT_INTERNAL, EXIT_USAGE, UsageError, parse_plain, run_analyze


def _run_typer(argv: Optional[List[str]]):
    import typer

    from .app import app

    try:
        return app(args=argv, prog_name="tflog", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        _fail("aborted", 130)


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point: runs the command and turns known errors into one line and an exit status."""
    from analyzer.kb.rules import RuleError
    from analyzer.pipeline.reader import InputError

    try:
        plain = None
        if os.environ.get("TFLOG_FAST_CLI", "1") != "0":
            plain = parse_plain(sys.argv[1:] if argv is None else list(argv))
        status = run_analyze(**plain) if plain is not None else _run_typer(argv)
    except (InputError, RuleError, UsageError) as e:
        _fail(str(e), getattr(e, "status", EXIT_USAGE))  # `tflog run`: 127/126 as a shell gives
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except Exception as e:  # a usage error from the option parser, or a bug in tflog
        exit_code = getattr(e, "exit_code", None)
        if hasattr(e, "show") and isinstance(exit_code, int):
            e.show()
            sys.exit(exit_code)
        if os.environ.get("TFLOG_DEBUG"):
            raise
        _fail(f"internal error: {type(e).__name__}: {e} (set TFLOG_DEBUG=1 for the traceback; please report it)", EXIT_INTERNAL)
    sys.exit(status if isinstance(status, int) else 0)


def entry() -> None:
    """The `tflog` console script and `python -m analyzer`: main() for the life of one process.

    `tflog analyze` reads a finite input and leaves ~100 objects of cyclic garbage however long the
    log (benchmarks/shapes.py's shapes, 50 MB each), so it runs with the cyclic collector off: its
    passes over the knowledge base's objects cost ~4 ms of a ~60 ms start and raise peak RSS. Other
    commands (watch, serve, ...) run for as long as their input lasts and keep it. When analyze is done
    the exit handlers run (the cache stores are written), the output is flushed and the process leaves
    at once (os._exit): tearing down the interpreter's modules costs ~7 ms more and does nothing a
    finished command needs. Tests call main() in their own process: there nothing here applies."""
    one_shot = sys.argv[1:2] == ["analyze"] and hasattr(atexit, "_run_exitfuncs")
    if not one_shot:
        main()
        return
    gc.disable()
    try:
        main()
        code = 0
    except SystemExit as e:  # main() always leaves this way, with an int
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    atexit._run_exitfuncs()  # what a normal exit runs first (CPython 3.x)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = 1  # the reader went away before the last bytes: as _quiet_broken_pipe
    except OSError:
        code = code or 1
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


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
