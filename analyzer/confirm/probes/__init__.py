"""Confirmation probes: reproduce a diagnosed failure on this machine and return a verdict.

A diagnosis from a log is a hypothesis; a probe repeats the failing operation here (load the
library, ask cuDNN its version, create a cuDNN handle, allocate the bytes, ...) and says
whether the problem is still there:

    confirmed     the failure happens here too
    refuted       the operation works here now
    inconclusive  the probe could not tell (no GPU, nothing to test, crash, timeout)
    skipped       the probe does not apply (unknown probe, library of another OS)

Every probe runs in its own subprocess (see `_runner`), so nothing it loads can crash or hang
tflog, and importing this package loads neither ctypes libraries nor TensorFlow.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Optional

PROBE_NAMES = ("library", "cudnn_version", "cuda_version", "driver", "cudnn_handle", "gpu_alloc", "tf_op")
STATUSES = ("confirmed", "refuted", "inconclusive", "skipped")

# Probes that compare against what TensorFlow was built with: when TF is installed, its build
# info is read first, in a subprocess of its own.
_WANT_TF_BUILD = ("cudnn_version", "cuda_version", "driver")

__all__ = ["run_probe", "PROBE_NAMES", "STATUSES"]


def _tf_build(timeout: float) -> Optional[Dict[str, Any]]:
    from ._runner import launch
    from .tfprobe import tf_installed

    if not tf_installed():
        return None
    res = launch("_tf_info", {}, timeout)
    obs = res.get("observed") or {}
    return obs if obs.get("installed") else None


def run_probe(name: str, context: Optional[Dict[str, Any]] = None, timeout: float = 30.0) -> Dict[str, Any]:
    """Run probe `name` with the finding's facts; never raises.

    Returns {"status", "probe", "detail", "observed", "seconds"} (see module docstring).
    `timeout` bounds each subprocess; when TensorFlow is installed, the probes that compare
    with its build first read its build info in a subprocess of their own (same timeout).
    Passing context["_tf_build"] = {"installed": False} skips that and trusts the context alone.
    """
    start = time.monotonic()
    ctx: Dict[str, Any] = dict(context or {}) if isinstance(context, dict) else {}
    res: Dict[str, Any]
    try:
        if name not in PROBE_NAMES:
            res = {
                "status": "skipped",
                "detail": f"There is no probe called {name!r}; known probes: {', '.join(PROBE_NAMES)}.",
                "observed": {},
            }
        else:
            from ._runner import launch

            if name in _WANT_TF_BUILD and "_tf_build" not in ctx:
                info = _tf_build(timeout)
                if info:
                    ctx["_tf_build"] = info
            res = launch(name, ctx, timeout)
            if ctx.get("_tf_build"):
                res.setdefault("observed", {})["tensorflow"] = ctx["_tf_build"]
    except Exception as e:
        res = {"status": "inconclusive", "detail": f"The {name} probe could not run: {type(e).__name__}: {e}.", "observed": {}}
    status = res.get("status")
    return {
        "status": status if status in STATUSES else "inconclusive",
        "probe": name,
        "detail": str(res.get("detail") or ""),
        "observed": res.get("observed") if isinstance(res.get("observed"), dict) else {},
        "seconds": round(time.monotonic() - start, 3),
    }
