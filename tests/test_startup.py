"""What a plain `tflog analyze LOG --format json` loads (issue 15: cold start).

A user sees these only as speed, so they are checked on `sys.modules` in a fresh interpreter, never
on time: the Typer/Rich CLI, YAML (with the on-disk cache filled), rapidfuzz (fuzzy results of
messages seen before are in the cache), pathlib, multiprocessing, dataclasses and inspect (tflog's
data classes come from analyzer.core.records), ast (conditions parsed before are in the cache). And
`compile_re`, the disk cache of the stdlib's compiled patterns that those modules use, gives back
patterns equal to re.compile's.
"""
from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys

import pytest

from analyzer.core import cache

from conftest import ROOT, SAMPLES

# Runs `tflog ARGS` as the console script does and prints the modules it imported (those already
# loaded when Python started, by site and .pth files, are not tflog's).
SCRIPT = """
import json, sys
before = set(sys.modules)
from analyzer.cli.main import main
sys.argv = ["tflog"] + sys.argv[1:]
status = 0
try:
    main()
except SystemExit as e:
    status = e.code
sys.stderr.write("\\nMODULES " + json.dumps(sorted(set(sys.modules) - before)) + "\\n")
sys.exit(status)
"""

NOT_ON_A_PLAIN_ANALYSIS = ("rich", "typer", "click", "yaml", "rapidfuzz", "pathlib", "multiprocessing", "concurrent",
                           "importlib.resources", "hashlib", "textwrap", "packaging",
                           # data classes from analyzer.core.records, conditions parsed before (kb/conditions.py)
                           "dataclasses", "inspect", "ast")


def run(*args, env):
    """(modules tflog imported, its standard output)."""
    p = subprocess.run([sys.executable, "-c", SCRIPT, *map(str, args)], capture_output=True, env=env, cwd=ROOT,
                       timeout=120)
    assert p.returncode in (0, 1), p.stderr.decode()[-3000:]
    line = p.stderr.decode().rsplit("\nMODULES ", 1)[1]
    return set(json.loads(line)), p.stdout


def imported(*args, env) -> set:
    return run(*args, env=env)[0]


def top(modules: set, names) -> set:
    return {m for m in modules for n in names if m == n or m.startswith(n + ".")}


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if k not in ("TFLOG_NO_CACHE", "TFLOG_FAST_CLI", "TFLOG_SCANNER")}
    e["TFLOG_CACHE_DIR"] = str(tmp_path / "cache")
    return e


@pytest.mark.parametrize("log", ["cudnn_missing.log", "oom_gpu.log", "harmless_startup.log"])
def test_a_plain_json_analysis_imports_no_cli_framework(log, env):
    args = ["analyze", SAMPLES / log, "--format", "json"]
    first = imported(*args, env=env)  # fills the cache
    assert not top(first, ("rich", "typer", "click")), first
    again = imported(*args, env=env)
    assert not top(again, NOT_ON_A_PLAIN_ANALYSIS), sorted(top(again, NOT_ON_A_PLAIN_ANALYSIS))
    assert "analyzer.pipeline.engine" in again and "analyzer.report.render" in again


def test_the_terminal_formats_and_typer_still_load_what_they_need(env):
    """The other paths are not broken by the lazy imports: `--format rich` loads Rich, help loads Typer."""
    log = SAMPLES / "cudnn_missing.log"
    assert "rich.console" in imported("analyze", log, "--format", "rich", env=env)
    assert "typer" in imported("analyze", "--help", env=env)


def test_a_package_list_seen_before_needs_no_packaging(env, tmp_path):
    """Conflicts in a pasted package list are remembered between runs (kb/packages.py): the same report,
    without importing `packaging` the second time."""
    log = tmp_path / "pip.log"
    log.write_text("$ pip list\nkeras                        3.0.1\nnumpy                        1.26.4\n"
                   "tensorflow                   2.15.0\ntensorflow-estimator         2.15.0\n")
    first_modules, first = run("analyze", log, "-f", "json", env=env)
    again_modules, again = run("analyze", log, "-f", "json", env=env)
    uncached = run("analyze", log, "-f", "json", env={**env, "TFLOG_NO_CACHE": "1"})[1]
    assert "keras>=2.15.0,<2.16" in json.loads(first)["facts"]["package_conflicts"][0]
    assert first == again == uncached
    assert "packaging.version" in first_modules and not top(again_modules, ["packaging"])


PATTERNS = [
    (r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?", 0),
    (r"(?P<file>[^\"]+)\", line (?P<line>\d+)(?:, in (?P<func>.*))?", 0),
    (r"(?i)tensorflow(?:-gpu)?", 0),
    (r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", 0),
    (r"([\d.]+)\s*([KMGTP]?)(?:i?B)?", re.I),
    (r"Linux\b.*\bWindows", re.S | re.M),
    (rb"^(?:>>>|In \[\d+\]:) (.+?)\s*$", 0),
    (r"(a)|(?P<b>b)(?(1)c|d)", 0),
    (r"[^\x00-\x7f]+|\u212a", 0),
]


@pytest.mark.parametrize("source,flags", PATTERNS)
def test_compile_re_rebuilds_what_re_compile_builds(source, flags):
    import _sre

    expected = re.compile(source, flags)
    state = cache._re_state(source, int(flags))
    assert state is not None
    rebuilt = _sre.compile(*marshal.loads(marshal.dumps(state)))  # as it comes back from the cache file
    assert rebuilt == expected
    assert (rebuilt.pattern, rebuilt.flags, rebuilt.groups, rebuilt.groupindex) == (
        expected.pattern, expected.flags, expected.groups, expected.groupindex)
    assert cache.compile_re(source, flags) == expected


def test_patterns_from_the_cache_need_no_regex_parser(env):
    """With the cache filled, a plain analysis builds its `regex` patterns from their saved state with
    regex's extension module alone (cache.compile_regex): regex's Python modules (its parser) are not
    imported, and the report is the same as with the cache off."""
    args = ["analyze", SAMPLES / "cudnn_missing.log", "-f", "json"]
    first_modules, first = run(*args, env=env)
    again_modules, again = run(*args, env=env)
    uncached = run(*args, env={**env, "TFLOG_NO_CACHE": "1"})[1]
    assert first == again == uncached
    assert "regex._main" in first_modules
    assert "regex._regex" in again_modules and not {"regex", "regex._main", "regex._regex_core"} & again_modules


def test_regex_flags_named_without_regex_are_regex_flags():
    import regex

    assert (cache.REGEX_V0, cache.REGEX_I) == (int(regex.V0), int(regex.I))
    assert (cache.regex_module.V0, cache.regex_module.I) == (int(regex.V0), int(regex.I))
    assert cache.regex_module.error is regex.error and cache.regex_module.escape is regex.escape


LOAD_THE_EXTENSION_ALONE = """
import pickle, sys
from analyzer.core import cache
source = r"(?P<lib>libcudnn\\.so\\.\\d+)\\b.*?(?:not found|missing)"
cache.compile_regex(source, cache.REGEX_V0)  # fills the cache (imports regex)
"""

CACHED_PATTERN = """
import pickle, sys
from analyzer.core import cache
source = r"(?P<lib>libcudnn\\.so\\.\\d+)\\b.*?(?:not found|missing)"
p = cache.compile_regex(source, cache.REGEX_V0)
assert "regex._main" not in sys.modules, sorted(sys.modules)
m = p.search("x libcudnn.so.8 is not found")
assert m.group("lib") == "libcudnn.so.8" and m.span() == (2, 28), m
assert p.sub(r"<\\g<lib>>", "libcudnn.so.8 missing") == "<libcudnn.so.8>"  # a template: imports regex now
import regex
assert pickle.loads(pickle.dumps(p)).pattern == p.pattern and regex.compile(source, regex.V0).pattern == p.pattern
print("OK")
"""


def test_a_cached_pattern_works_before_and_after_regex_is_imported(env):
    """A pattern rebuilt by the extension module alone searches, substitutes (importing regex for the
    template), pickles, and has regex.compile's source."""
    for script in (LOAD_THE_EXTENSION_ALONE, CACHED_PATTERN):
        p = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, cwd=ROOT, timeout=120)
        assert p.returncode == 0, p.stderr.decode()[-3000:]
    assert p.stdout.decode().strip() == "OK"


# --- the console script's own start and exit (analyzer.cli.main.entry) -----------------------------


def entry_run(*args, env, **kw):
    return subprocess.run([sys.executable, "-m", "analyzer", *map(str, args)], capture_output=True, env=env, cwd=ROOT,
                          timeout=120, **kw)


def test_analyze_leaving_early_still_writes_its_caches_and_whole_report(env, tmp_path):
    """`tflog analyze` leaves with os._exit: the cache stores (written by exit handlers) and the
    whole report must still come out, and the exit status stay what the findings say."""
    log = SAMPLES / "cudnn_missing.log"
    p = entry_run("analyze", log, "-f", "json", "--fail-on", "error", env=env)
    assert p.returncode == 1, p.stderr.decode()
    report = json.loads(p.stdout)  # all of it: a cut report would not parse
    assert report["findings"] and not p.stderr
    stored = {f.name.split("-")[0] for f in (tmp_path / "cache").iterdir()}
    assert {"records", "re", "patterns"} <= stored, stored  # Stores (analyzer.core.cache) write at exit
    again = entry_run("analyze", log, "-f", "json", "--fail-on", "error", env=env)  # from those caches
    assert again.returncode == 1 and json.loads(again.stdout)["findings"] == report["findings"]


def test_analyze_into_a_pipe_closed_early_ends_quietly(env):
    """`tflog analyze big.log | head -c 1`: no traceback, no 'Exception ignored', status 1."""
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    p = subprocess.run([sys.executable, "-m", "analyzer", "analyze", SAMPLES / "cudnn_missing.log", "-f", "json",
                        "--verbose"], stdout=reader.stdin, stderr=subprocess.PIPE, env=env, cwd=ROOT, timeout=120)
    reader.stdin.close()
    reader.wait(timeout=30)
    assert p.stderr == b"" and p.returncode in (0, 1)


def test_a_usage_error_still_gets_one_line_and_status_2(env, tmp_path):
    p = entry_run("analyze", tmp_path / "missing.log", env=env)
    assert p.returncode == 2
    assert p.stderr.decode().count("\n") == 1 and "no such file" in p.stderr.decode()
