"""IPython and Jupyter: `%load_ext analyzer`, the `%tflog` magic, and the shell's exception hook.

IPython prints a cell's exception itself and never calls `sys.excepthook`, so the diagnosis
hangs on the shell's custom-exception hook: the traceback is shown as usual, then the diagnosis
as a display object, HTML in a notebook and text in a terminal (the notebook keeps both).

    %load_ext analyzer        # installs the hook (as analyzer.install()) and the magic
    %tflog                    # diagnose the last exception again
    %%tflog                   # run the cell, then diagnose its output (and its exception)
"""

from __future__ import annotations

import html
import sys
from typing import Any, Callable, Dict, Optional, Tuple, Type

from analyzer.core.model import Finding, Report
from analyzer.integrations import excepthook


def install_shell_hook(shell) -> Callable[[], None]:
    """Show a diagnosis under every exception a cell raises; returns what undoes it."""
    previous = (shell.custom_exceptions, shell.CustomTB)

    def handler(self, etype, value, tb, tb_offset=None):
        self.showtraceback((etype, value, tb), tb_offset=tb_offset)
        if issubclass(etype, KeyboardInterrupt):
            return None
        try:
            report = excepthook.diagnose(etype, value, tb)
            if excepthook.worth_showing(report):
                display_report(report)
        except Exception as e:  # never bury the user's traceback under one of ours
            print(f"tflog: could not diagnose this exception ({type(e).__name__}: {e})", file=sys.stderr)
        return None

    shell.set_custom_exc((Exception,), handler)

    def undo() -> None:
        shell.custom_exceptions, shell.CustomTB = previous

    return undo


def bundle(report: Report) -> Dict[str, str]:
    """The MIME bundle a front end shows: text/plain for terminals, text/html for notebooks."""
    from analyzer.report.render import render_text

    return {"text/plain": "tflog: " + render_text(report).rstrip("\n"), "text/html": render_html(report)}


def display_report(report: Report) -> None:
    from IPython.display import display

    display(bundle(report), raw=True)


def _finding_html(f: Finding, label: str) -> str:
    from analyzer.report.render import place

    e = html.escape
    parts = [f"<p><b>{e(label)}</b> {e(f.title)} <code>{e(f.rule_id)}</code> ({round(f.confidence * 100)}%)</p>"]
    if f.evidence:
        ev = f.evidence[0]
        parts.append(f"<pre style='white-space:pre-wrap'>{e(place(ev))}: {e(ev.text)}</pre>")
    if f.explanation:
        parts.append(f"<p>{e(f.explanation).replace(chr(10), '<br>')}</p>")
    if f.fixes:
        parts.append("<ol>" + "".join(f"<li>{e(x)}</li>" for x in f.fixes[:3]) + "</ol>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """A compact HTML diagnosis: the root cause with its evidence, explanation and first fixes."""
    root = report.root
    body = [_finding_html(root, "tflog: root cause")] if root else ["<p><b>tflog:</b> no problem found.</p>"]
    others = [f for f in report.findings if f is not root and f.severity != "info"]
    if others:
        body.append("<p>Also: " + ", ".join(html.escape(f.title) for f in others[:5]) + "</p>")
    harmless = sum(1 for f in report.findings if f.severity == "info")
    if harmless:
        body.append(f"<p style='opacity:.7'>{harmless} harmless notice(s) left out.</p>")
    return "<div class='tflog-diagnosis' style='border-left:3px solid #d9534f;padding-left:8px'>" + "".join(body) + "</div>"


def _magics_class():
    from IPython.core.magic import Magics, line_cell_magic, magics_class

    @magics_class
    class TflogMagics(Magics):
        @line_cell_magic
        def tflog(self, line, cell=None):
            """%tflog: diagnose the last exception; %%tflog: run the cell and diagnose its output."""
            if cell is None:
                etype = getattr(sys, "last_type", None)
                if etype is None:
                    print("tflog: no exception in this session yet")
                    return
                report = excepthook.diagnose(etype, sys.last_value, sys.last_traceback)
                display_report(report)
                return
            self._run_and_diagnose(cell)

        def _run_and_diagnose(self, cell: str) -> None:
            from IPython.utils.capture import capture_output

            shell = self.shell
            assert shell is not None
            state = excepthook._state
            tee = state.tee if state else None
            start = tee.mark() if tee else 0
            error: Optional[Tuple[Type[BaseException], BaseException, Any]] = None
            with capture_output(display=False) as cap:
                try:
                    exec(compile(shell.transform_cell(cell), "<%%tflog cell>", "exec"), shell.user_ns)
                except Exception as e:
                    error = (type(e), e, e.__traceback__)
            cap.show()  # the user sees the cell's output as it would have been
            text = (tee.text(since=start) if tee else "") + cap.stdout + cap.stderr
            if error is not None:
                shell.showtraceback(error)
                etype, value, tb = error
                report = excepthook.diagnose(etype, value, tb, output=text)
            else:
                from analyzer.kb.load import load_knowledge_base
                from analyzer.pipeline.engine import analyze_text

                report = analyze_text(text, load_knowledge_base(), name="<cell>")
            display_report(report)

    return TflogMagics


def current_shell():
    """The running IPython shell, if any (without importing IPython when it is not loaded)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except Exception:
        return None


def install(capture: bool = True, rule_dirs=()) -> None:
    """`analyzer.install()`: the exception hook, and the shell's hook when IPython is running."""
    shell = current_shell()
    excepthook.install(capture=capture, rule_dirs=rule_dirs, shell=shell, shell_hook=install_shell_hook if shell else None)


def load_ipython_extension(shell) -> None:
    excepthook.install(shell=shell, shell_hook=install_shell_hook)
    shell.register_magics(_magics_class())


def unload_ipython_extension(shell) -> None:
    excepthook.uninstall()
