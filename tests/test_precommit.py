"""`tflog check` and the pre-commit hook, as a repository owner meets them.

The first tests run `tflog check` in a temporary project (configuration files, private
rules). The last one is the real thing: a temporary git repository whose
`.pre-commit-config.yaml` points the real `pre-commit` tool at a copy of this project;
a commit of a log with a cuDNN failure is refused (the finding printed), a commit of a
harmless log goes through, and `pre-commit try-repo` says the same.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, tflog

CUDNN = ("2021-03-01 12:00:01.000001: E tensorflow/stream_executor/cuda/cuda_dnn.cc:328] "
         "Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR\n")
FATAL = "2021-03-01 12:00:01.000001: F tensorflow/core/other/thing.cc:12] Check failed: widget_count >= 0 (-1 vs. 0)\n"
DRIFT = ("2021-03-01 12:00:02.000001: W tensorflow/core/widgets/widget_registry.cc:77] "
         "Widget registry drift: 3 widgets unaccounted for\n")
HARMLESS = ("Epoch 1/3\n"
            "2021-03-01 12:00:00.000001: I tensorflow/core/platform/cpu_feature_guard.cc:142] This TensorFlow binary "
            "is optimized with oneAPI Deep Neural Network Library (oneDNN) to use the following CPU instructions in "
            "performance-critical operations:  AVX2 FMA\n"
            "100/100 [==============================] - 3s 30ms/step - loss: 0.2954 - accuracy: 0.9160\n")
WIDGET_RULE = textwrap.dedent("""\
    - id: widget-registry-drift
      category: cuda.runtime_fault
      severity: warning
      title: Widgets went missing from the registry
      match: ['Widget registry drift: (?P<widgets>\\d+) widgets']
      explanation: A test rule from a private rules folder.
      fixes: [Count the widgets again.]
      examples:
        match: ['W tensorflow/core/widgets/widget_registry.cc:77] Widget registry drift: 3 widgets unaccounted for']
        no_match: ['Widget registry is fine']
    """)


def check(cwd: Path, *args):
    p = tflog("check", *args, cwd=cwd)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "crash.log").write_text("Epoch 1/10\n" + CUDNN)
    (tmp_path / "logs" / "ok.log").write_text(HARMLESS)
    (tmp_path / "logs" / "fatal.txt").write_text("step 1\nstep 2\n" + FATAL)
    (tmp_path / "logs" / "drift.log").write_text("Epoch 1/10\n" + DRIFT)
    (tmp_path / "logs" / "empty.log").write_text("")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "widgets.yaml").write_text(WIDGET_RULE)
    return tmp_path


def test_findings_as_compiler_lines(project):
    status, out, err = check(project, "logs/ok.log", "logs/crash.log", "logs/fatal.txt", "logs/empty.log")
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith("logs/crash.log:2:1: cudnn-handle-create-failed [error] ")
    assert lines[-1].startswith("logs/fatal.txt:3:1: ") and " [error] " in lines[-1]  # an F line is always an error
    assert all(not l.startswith(("logs/ok.log", "logs/empty.log")) for l in lines)  # harmless and empty: silent
    assert lines == sorted(lines, key=lambda l: (l.split(":")[0], int(l.split(":")[1])))
    assert "tflog analyze" in err


def test_harmless_and_empty_pass(project):
    assert check(project, "logs/ok.log", "logs/empty.log") == (0, "", "")
    assert check(project)[0] == 0  # no files at all


def test_missing_and_binary_files(project):
    (project / "a.out").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    status, out, _ = check(project, "a.out", "logs/gone.log")
    assert status == 1
    assert "a.out:0:0: tflog-input [warning] binary file" in out
    assert "logs/gone.log:0:0: tflog-input [error] no such file" in out
    assert check(project, "a.out")[0] == 0  # a binary .out file is only a warning


def test_fail_on_option(project):
    assert check(project, "--fail-on", "never", "logs/crash.log")[0] == 0
    assert check(project, "logs/drift.log")[:2] == (0, "")  # no built-in rule knows this warning
    assert check(project, "--rules", "rules", "logs/drift.log")[0] == 0  # now a known warning
    assert check(project, "--rules", "rules", "--fail-on", "warning", "logs/drift.log")[0] == 1


def test_private_rules_give_their_ids(project):
    status, out, _ = check(project, "--rules", "rules", "logs/drift.log")
    assert out == "logs/drift.log:2:1: widget-registry-drift [warning] Widgets went missing from the registry\n"


def test_tflog_yaml_config(project):
    (project / ".tflog.yaml").write_text("rules: [rules]\ndisable: [cudnn-*]\nfail_on: warning\n")
    status, out, _ = check(project, "logs/crash.log", "logs/drift.log")
    assert status == 1  # the widget warning fails with fail_on: warning
    assert "cudnn-handle-create-failed" not in out and "widget-registry-drift [warning]" in out
    assert check(project, "--fail-on", "error", "logs/drift.log")[0] == 0  # the command line wins


@pytest.mark.skipif(sys.version_info < (3, 11), reason="pyproject is read with tomllib (or tomli) only")
def test_pyproject_config(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.tflog]\nrules = ["rules"]\n')
    status, out, _ = check(project, "logs/drift.log")
    assert status == 0 and "widget-registry-drift [warning]" in out
    (project / "pyproject.toml").write_text('[tool.tflog]\nrules = ["rules"]\ndisable = ["widget-*"]\nfail_on = "warning"\n')
    assert check(project, "logs/drift.log")[:2] == (0, "")
    assert check(project, "logs/crash.log")[0] == 1


@pytest.mark.parametrize("name,text,words", [
    (".tflog.yaml", "fail_on: sometimes\n", [".tflog.yaml", "fail_on", "sometimes"]),
    (".tflog.yaml", "rules: [no/such/dir]\n", [".tflog.yaml", "'rules'", "no/such/dir"]),
    (".tflog.yaml", "disable: cudnn\ncolour: red\n", [".tflog.yaml", "'colour'", "unknown"]),
    (".tflog.yaml", "disable: [1, 2]\n", [".tflog.yaml", "'disable'"]),
    (".tflog.yaml", "rules: [\n", [".tflog.yaml", "invalid YAML"]),
    ("pyproject.toml", "[tool.tflog]\nfail_on = 3\n", ["pyproject.toml", "fail_on"]),
    ("pyproject.toml", "[tool.tflog\n", ["pyproject.toml", "invalid TOML"]),
])
def test_bad_config_is_one_clear_line(project, name, text, words):
    if name == "pyproject.toml" and sys.version_info < (3, 11):
        pytest.skip("needs tomllib")
    (project / name).write_text(text)
    status, out, err = check(project, "logs/ok.log")
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert all(w in err for w in words), err


def test_hooks_file_declares_the_hook():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "tflog")
    assert hook["entry"] == "tflog check" and hook["language"] == "python"
    import re

    for name, expected in [("run.log", True), ("stderr.err", True), ("job.out", True), ("notes.txt", True),
                           ("train.py", False), ("run.log.gz", False)]:
        assert bool(re.search(hook["files"], name)) is expected, name


# --- the real pre-commit ---------------------------------------------------------------------------

def _git_env(home: Path) -> dict:
    """Git isolated from the machine's own configuration (global hooks, signing, templates)."""
    env = dict(os.environ)
    env.update({"GIT_CONFIG_GLOBAL": str(home / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
                "PRE_COMMIT_HOME": str(home / "pre-commit-cache"), "GIT_TERMINAL_PROMPT": "0",
                "PRE_COMMIT_COLOR": "never"})
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(k, None)
    return env


def _run(args, cwd, env, timeout=900):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _git(cwd, env, *args):
    p = _run(["git", *args], cwd, env)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def _new_repo(path: Path, env) -> None:
    _git(path, env, "init", "-q")
    _git(path, env, "config", "user.name", "tflog test")
    _git(path, env, "config", "user.email", "tflog-test@example.invalid")
    _git(path, env, "config", "commit.gpgsign", "false")


IGNORED = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
                                 ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_real_pre_commit_refuses_a_failing_log(tmp_path):
    pytest.importorskip("pre_commit")
    env = _git_env(tmp_path)
    # This project as a hook repository: a copy of the working tree, committed, so the test
    # does not depend on what has been committed in the real repository.
    hook_repo = tmp_path / "tflog-hook"
    shutil.copytree(ROOT, hook_repo, ignore=IGNORED)
    _new_repo(hook_repo, env)
    _git(hook_repo, env, "add", "-A")
    _git(hook_repo, env, "commit", "-q", "-m", "tflog snapshot")
    rev = _git(hook_repo, env, "rev-parse", "HEAD")

    user = tmp_path / "user-repo"
    (user / "logs").mkdir(parents=True)
    _new_repo(user, env)
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo.as_posix()}\n  rev: {rev}\n  hooks:\n  - id: tflog\n")
    p = _run([sys.executable, "-m", "pre_commit", "install"], user, env)
    assert p.returncode == 0, p.stdout + p.stderr

    # A harmless log: the commit goes through (the first run also builds the hook's environment).
    (user / "logs" / "train.log").write_text(HARMLESS)
    (user / "train.py").write_text("print('hi')\n")
    _git(user, env, "add", "-A")
    p = _run(["git", "commit", "-m", "harmless log"], user, env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "tflog" in p.stdout + p.stderr and "Passed" in p.stdout + p.stderr

    # A log with a cuDNN failure: the commit is refused and the finding printed.
    (user / "logs" / "crash.log").write_text("Epoch 1/10\n" + CUDNN)
    _git(user, env, "add", "logs/crash.log")
    p = _run(["git", "commit", "-m", "crash log"], user, env)
    output = p.stdout + p.stderr
    assert p.returncode != 0, output
    assert "logs/crash.log:2:1: cudnn-handle-create-failed [error]" in output
    assert _git(user, env, "log", "--format=%s") == "harmless log"  # nothing more was committed

    # `pre-commit try-repo` (trying the hook before adopting it) says the same.
    p = _run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "tflog", "--files",
              "logs/crash.log", "logs/train.log"], user, env)
    assert p.returncode == 1 and "cudnn-handle-create-failed" in p.stdout, p.stdout + p.stderr
    p = _run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "tflog", "--files", "logs/train.log"],
             user, env)
    assert p.returncode == 0, p.stdout + p.stderr


def test_one_failure_with_many_lines_says_which_is_the_cause(tmp_path):
    """A GPU OOM prints several error lines; `tflog check` marks one root cause, the rest as its symptoms."""
    import subprocess
    import sys

    from conftest import ROOT

    p = subprocess.run([sys.executable, "-m", "analyzer", "check", str(ROOT / "sample_logs" / "oom_gpu.log")],
                       capture_output=True, text=True, cwd=tmp_path)
    lines = p.stdout.splitlines()
    assert p.returncode == 1 and len(lines) > 2
    assert sum(line.endswith("(root cause)") for line in lines) == 1
    assert all(line.endswith("(root cause)") or "(symptom of oom-gpu-allocating-tensor)" in line for line in lines)
    assert "symptoms of another" in p.stderr
