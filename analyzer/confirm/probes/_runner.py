"""Run one probe in its own Python subprocess and turn whatever happens into a verdict.

Parent side: `launch(name, context, timeout)` starts `python -m analyzer.confirm.probes._runner NAME`,
sends the context as JSON on stdin and reads the result as JSON from stdout. A crash
(signal), a timeout or unreadable output becomes `inconclusive`, never an exception, so a
segfaulting library or a hung driver cannot take tflog down. The child runs in a fresh
temporary directory (its cwd, TMPDIR and CUDA_CACHE_PATH), so a probe writes nothing else.

Child side: `main()` saves the real stdout for the result and points fd 1 at stderr (libraries
that print cannot corrupt the JSON), then runs the probe. Probes report what they are about
to do with `step("loading libcudnn.so.8")`; the parent uses the last step to say what a crash
or a hang happened in.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from typing import Any, Callable, Dict, Optional

# probe name -> (module in analyzer.confirm.probes, function). Names starting with "_" are internal
# helpers for `run_probe` and `doctor`.
PROBES = {
    "library": ("library", "run"),
    "cudnn_version": ("cudnn", "run_version"),
    "cuda_version": ("cudart", "run"),
    "driver": ("driver", "run"),
    "cudnn_handle": ("cudnn", "run_handle"),
    "gpu_alloc": ("driver", "run_gpu_alloc"),
    "tf_op": ("tfprobe", "run_op"),
    "_tf_info": ("tfprobe", "run_info"),
    "_inventory": ("library", "run_inventory"),
}

STEP_MARK = "@@tflog-probe-step@@ "
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_WINDOWS_CRASHES = {
    0xC0000005: "an access violation",
    0xC00000FD: "a stack overflow",
    0xC0000409: "a fatal error (stack buffer overrun / abort)",
    0xC000001D: "an illegal instruction",
}


# ---------------------------------------------------------------- parent side


def _result(status: str, detail: str, observed: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {"status": status, "detail": detail, "observed": observed or {}}


def _last_step(stderr: str) -> Optional[str]:
    steps = [line.split(STEP_MARK, 1)[1].strip() for line in stderr.splitlines() if STEP_MARK in line]
    return steps[-1] if steps else None


def _stderr_tail(stderr: str, limit: int = 2000) -> str:
    text = "\n".join(line for line in stderr.splitlines() if STEP_MARK not in line and line.strip())
    return text[-limit:]


def _signal_name(rc: int) -> str:
    if rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return f"signal {-rc}"
    return _WINDOWS_CRASHES.get(rc & 0xFFFFFFFF, f"exit status {rc}")


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)  # the probe's own process group (start_new_session)
        else:
            proc.kill()
    except OSError:
        pass


_interpreter: Optional[str] = None  # another Python to probe (doctor --python); None: this one
_isolated_root: Optional[str] = None  # a folder holding only a link to this `analyzer` package


def use_interpreter(python: Optional[str]) -> None:
    """Run the probes in `python` (None: this interpreter). That Python imports only the
    `analyzer` package from here, through a folder that holds nothing else, so its own
    TensorFlow and CUDA wheels are the ones probed, not those next to tflog."""
    global _interpreter, _isolated_root
    _interpreter = python
    if python is not None and _isolated_root is None:
        root = tempfile.mkdtemp(prefix="tflog-pkg-")
        try:
            os.symlink(os.path.join(_PACKAGE_ROOT, "analyzer"), os.path.join(root, "analyzer"), target_is_directory=True)
            _isolated_root = root
        except OSError:  # no symlinks (Windows without the privilege): the package's own folder
            _isolated_root = _PACKAGE_ROOT


def _child_env(tmp: str) -> Dict[str, str]:
    env = dict(os.environ)
    root = _isolated_root if _interpreter is not None and _isolated_root else _PACKAGE_ROOT
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TMPDIR"] = env["TEMP"] = env["TMP"] = tmp
    env["CUDA_CACHE_PATH"] = os.path.join(tmp, "cuda-cache")  # driver's PTX JIT cache
    return env


def launch(name: str, context: Dict[str, Any], timeout: float) -> Dict[str, Any]:
    """Run probe `name` in a subprocess; always returns {"status", "detail", "observed"}."""
    timeout = max(float(timeout), 0.1)
    try:
        payload = json.dumps(context, default=str).encode()
    except (TypeError, ValueError) as e:
        return _result("inconclusive", f"The finding's facts could not be passed to the {name} probe: {e}.")
    cleanup: Dict[str, Any] = {"ignore_cleanup_errors": True} if sys.version_info >= (3, 10) else {}
    with tempfile.TemporaryDirectory(prefix="tflog-probe-", **cleanup) as tmp:
        kwargs: Dict[str, Any] = (
            {"start_new_session": True}
            if os.name == "posix"
            else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        )
        try:
            proc = subprocess.Popen(
                [_interpreter or sys.executable, "-m", "analyzer.confirm.probes._runner", name],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=tmp,
                env=_child_env(tmp),
                **kwargs,
            )
        except OSError as e:
            return _result("inconclusive", f"The {name} probe could not be started: {e}.")
        timed_out = False
        try:
            out, err = proc.communicate(payload, timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
            try:
                out, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                out, err = b"", b""
        stderr = err.decode("utf-8", "replace")
        step = _last_step(stderr)
        where = f" while {step}" if step else ""
        observed: Dict[str, Any] = {}
        if name == "tf_op":
            from .tfprobe import TF_LOG_FILE, read_tf_log

            log = read_tf_log(os.path.join(tmp, TF_LOG_FILE))
            if log:
                observed["tf_log"] = log
        if timed_out:
            observed["stderr_tail"] = _stderr_tail(stderr)
            return _result(
                "inconclusive",
                f"The {name} probe did not finish within {timeout:g} s{where}, so it "
                f"was stopped; a hung driver or library is likely.",
                observed,
            )
        if proc.returncode != 0:
            observed.update(returncode=proc.returncode, stderr_tail=_stderr_tail(stderr))
            if proc.returncode < 0 or (proc.returncode & 0xFFFFFFFF) in _WINDOWS_CRASHES:
                detail = (
                    f"The {name} probe crashed with {_signal_name(proc.returncode)}{where}; tflog is "
                    f"unaffected, but the verdict is unknown."
                )
            else:
                last = (_stderr_tail(stderr).splitlines() or [""])[-1][:300]
                detail = f"The {name} probe exited with status {proc.returncode}{where}" + (f": {last}" if last else ".")
            return _result("inconclusive", detail, observed)
        try:
            res = json.loads(out.decode("utf-8", "replace"))
            if not isinstance(res, dict) or "status" not in res:
                raise ValueError("not a probe result")
        except ValueError:
            snippet = out.decode("utf-8", "replace").strip()[:120]
            observed["stderr_tail"] = _stderr_tail(stderr)
            return _result("inconclusive", f"The {name} probe returned output that is not a result ({snippet!r}).", observed)
    res.setdefault("detail", "")
    res["observed"] = {**observed, **(res.get("observed") or {})} if isinstance(res.get("observed"), dict) else observed
    return res


# ---------------------------------------------------------------- child side

_step_fd: Optional[int] = None


def step(message: str) -> None:
    """Tell the parent what the probe is about to do (shown if it crashes or hangs there)."""
    if _step_fd is not None:
        try:
            os.write(_step_fd, f"\n{STEP_MARK}{message}\n".encode("utf-8", "replace"))
        except OSError:
            pass


def _no_core_dumps() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


def _resolve(name: str) -> Callable[[Dict[str, Any], Callable[[str], None]], Dict[str, Any]]:
    import importlib

    module, func = PROBES[name]
    return getattr(importlib.import_module(f"analyzer.confirm.probes.{module}"), func)


def main(argv: Optional[list] = None) -> None:
    global _step_fd
    argv = sys.argv[1:] if argv is None else argv
    out_fd = os.dup(1)
    _step_fd = os.dup(2)
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into our JSON
    _no_core_dumps()
    name = argv[0] if argv else ""
    try:
        ctx = json.loads(sys.stdin.read() or "{}")
        if not isinstance(ctx, dict):
            ctx = {}
        if name not in PROBES:
            res = _result("skipped", f"There is no probe called {name!r}.")
        else:
            res = _resolve(name)(ctx, step)
    except Exception as e:
        res = _result(
            "inconclusive", f"The {name} probe failed: {type(e).__name__}: {e}.", {"traceback": traceback.format_exc()[-3000:]}
        )
    data = json.dumps(res, default=str)
    sys.stdout.flush()
    sys.stderr.flush()
    with os.fdopen(out_fd, "w", encoding="utf-8") as f:
        f.write(data)
    # Skip interpreter teardown: GPU libraries are known to crash in their exit handlers.
    os._exit(0)


if __name__ == "__main__":
    main()
