"""tflog: reads TensorFlow/CUDA logs and tracebacks and tells you what is actually wrong.

    from analyzer import analyze
    report = analyze(open("run.log").read())      # or analyze(path=Path("run.log"))
    report.root.title, report.to_dict()           # to_dict() is the CLI's JSON

    import analyzer; analyzer.install()           # every uncaught exception explains itself
    %load_ext analyzer                            # the same in IPython/Jupyter, plus %tflog
    from analyzer import analyze_many
    fleet = analyze_many(["logs/"], jobs=4)       # many logs, each on its own (tflog triage)
    fleet.aggregate.to_dict()                     # = tflog triage --format json

Heavy modules are imported on first use so that `import analyzer` stays cheap.
"""

from __future__ import annotations

from .core.version import __version__

__all__ = ["analyze", "analyze_many", "install", "uninstall", "load_knowledge_base", "__version__"]


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


def analyze_many(paths, *, jobs=None, rule_dirs=(), recursive=False, db=None, since=None, ray=None):
    """Triage many logs, each on its own, with `jobs` worker processes (default: the CPU count).

    `paths`: files, folders, globs or URIs. Returns an `analyzer.fleet.run.TriageResult`: iterate
    it for one `LogReport` per log (by path: `.path`, `.root`, `.row` = the JSONL row) and read
    `.aggregate` (`to_dict()` = `tflog triage --format json`). `db`: the SQLite index; `ray`: ""
    for a local Ray instance or a cluster address (the `ray` extra).
    """
    from .fleet.run import run_triage
    from .fleet.triage import expand_paths, parse_since

    if isinstance(paths, (str, bytes)):
        raise TypeError("give a list of paths, e.g. analyze_many([path])")
    kb = load_knowledge_base(rule_dirs)
    logs = expand_paths([str(p) for p in paths], recursive=recursive)
    when = parse_since(since) if since else None
    return run_triage(logs, kb, jobs=jobs, rule_dirs=[str(d) for d in rule_dirs], db=db, since=when, ray=ray)
