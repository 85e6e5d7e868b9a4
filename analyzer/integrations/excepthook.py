"""`analyzer.install()`: every uncaught exception explains itself where it happens.

The hook chains to the previous `sys.excepthook` (the traceback is printed as before), then
analyses the traceback together with what the process wrote to stderr since the last diagnosis
(TensorFlow's C++ log included, kept by `capture.StderrTee`) and prints the diagnosis under it:
rich in a terminal, plain text in a pipe. Only the exception path does work: until an exception
happens the cost is the tee thread copying stderr bytes. Under IPython the shell's own hook is
used as well (`analyzer.integrations.ipython` passes it in), because IPython never calls
`sys.excepthook`.

Errors that no rule knows (a `NameError` in user code) print nothing: the hook speaks only when it
has something to say about TensorFlow.
"""

from __future__ import annotations

import atexit
import sys
import traceback
from typing import Any, Callable, Optional, TextIO

from analyzer.core.model import Report
from analyzer.integrations.capture import StderrTee

Hook = Callable[..., Any]


class _State:
    def __init__(self, tee: Optional[StderrTee], previous: Hook, rule_dirs: tuple):
        self.tee = tee
        self.previous = previous
        self.rule_dirs = rule_dirs
        self.mark = tee.mark() if tee else 0
        self.shell_undo: Optional[Callable[[], None]] = None


_state: Optional[_State] = None


def installed() -> bool:
    return _state is not None


def install(
    capture: bool = True, rule_dirs=(), shell=None, shell_hook: Optional[Callable[[Any], Callable[[], None]]] = None
) -> None:
    """Install the hook (idempotent). `capture=False` analyses the traceback alone; `shell_hook(shell)`
    installs the hook of an interactive shell and returns what undoes it."""
    global _state
    if _state is not None:
        return
    tee = StderrTee().start() if capture else None
    _state = _State(tee if tee and tee.active else None, sys.excepthook, tuple(str(d) for d in rule_dirs))
    sys.excepthook = _hook
    atexit.register(uninstall)  # give fd 2 back before daemon threads stop copying it
    if shell is not None and shell_hook is not None:
        _state.shell_undo = shell_hook(shell)


def uninstall() -> None:
    """Restore the previous hooks and give fd 2 back (idempotent)."""
    global _state
    if _state is None:
        return
    state, _state = _state, None
    atexit.unregister(uninstall)
    if sys.excepthook is _hook:
        sys.excepthook = state.previous
    if state.shell_undo is not None:
        state.shell_undo()
    if state.tee is not None:
        state.tee.stop()


def diagnose(etype, value, tb, output: str = "") -> Report:
    """The report for one exception: stderr captured since the last diagnosis, `output` (a cell's
    captured output, for %%tflog), then the traceback. Starts the next diagnosis after it."""
    from analyzer.kb.load import load_knowledge_base
    from analyzer.pipeline.engine import analyze_text

    parts = []
    if _state is not None and _state.tee is not None:
        parts.append(_state.tee.text(since=_state.mark))
        _state.mark = _state.tee.mark()
    parts.append(output)
    parts.append("".join(traceback.format_exception(etype, value, tb)))
    text = "".join(p if not p or p.endswith("\n") else p + "\n" for p in parts)
    return analyze_text(text, load_knowledge_base(_state.rule_dirs if _state else ()), name="<exception>")


def worth_showing(report: Report) -> bool:
    root = report.root
    return root is not None and root.match != "unrecognized"


def show(report: Report, file: Optional[TextIO] = None) -> None:
    from analyzer.report.render import render_rich, render_text

    out = file or sys.stderr
    out.write("\n")
    if getattr(out, "isatty", lambda: False)():
        render_rich(report, file=out)
    else:
        out.write(render_text(report))
    out.flush()


def _hook(etype, value, tb) -> None:
    state = _state
    (state.previous if state else sys.__excepthook__)(etype, value, tb)
    if issubclass(etype, KeyboardInterrupt):
        return
    try:
        report = diagnose(etype, value, tb)
        if worth_showing(report):
            show(report)
    except Exception as e:  # the user's traceback is already out; never bury it under ours
        sys.stderr.write(f"tflog: could not diagnose this exception ({type(e).__name__}: {e})\n")
