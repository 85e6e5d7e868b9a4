"""tflog: reads TensorFlow/CUDA logs and tracebacks and tells you what is actually wrong.

    from analyzer import analyze
    report = analyze(open("run.log").read())      # or analyze(path=Path("run.log"))
    report.root.title, report.to_dict()           # to_dict() is the CLI's JSON

    import analyzer; analyzer.install()           # every uncaught exception explains itself
    %load_ext analyzer                            # the same in IPython/Jupyter, plus %tflog

Heavy modules are imported on first use so that `import analyzer` stays cheap.
"""

from __future__ import annotations

from .core.version import __version__

__all__ = ["analyze", "install", "uninstall", "load_knowledge_base", "__version__"]


def load_knowledge_base(rule_dirs=(), include_builtin: bool = True):
    """The compiled knowledge base (built-in rules plus `rule_dirs`), cached per argument set."""
    from .kb.load import load_knowledge_base as load

    return load(rule_dirs, include_builtin)


def analyze(text=None, *, path=None, rule_dirs=(), pictures=False):
    """Analyse log text (str) or a file `path`; returns an `analyzer.core.model.Report`.
    `pictures=True` also reads the loss curve and the allocator's bins for `render_html`."""
    from .pipeline.engine import analyze_paths, analyze_text

    kb = load_knowledge_base(rule_dirs)
    if (text is None) == (path is None):
        raise TypeError("give exactly one of text or path")
    if path is not None:
        return analyze_paths([str(path)], kb, pictures=pictures)
    return analyze_text(text, kb, pictures=pictures)


def install(capture: bool = True, rule_dirs=()) -> None:
    """Diagnose every uncaught exception under its traceback (and in IPython/Jupyter, every cell's).

    `capture` keeps a copy of what this process writes to stderr (TensorFlow's C++ log) for the
    diagnosis, passing every byte on unchanged. `uninstall()` restores the previous hooks."""
    from .integrations.ipython import install as _install

    _install(capture=capture, rule_dirs=rule_dirs)


def uninstall() -> None:
    """Undo `install()`: the previous exception hooks, and stderr as it was."""
    from .integrations.excepthook import uninstall as _uninstall

    _uninstall()


def load_ipython_extension(shell) -> None:
    """`%load_ext analyzer`: the exception hook for cells and the `%tflog` / `%%tflog` magic."""
    from .integrations.ipython import load_ipython_extension as _load

    _load(shell)


def unload_ipython_extension(shell) -> None:
    from .integrations.ipython import unload_ipython_extension as _unload

    _unload(shell)
