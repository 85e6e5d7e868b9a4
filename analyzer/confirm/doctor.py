"""`tflog doctor`: what this machine offers TensorFlow, without needing a log.

It reports TensorFlow's version and build info (if TF is importable), which CUDA/cuDNN
libraries resolve and their versions, the driver and GPUs, and checks them against each
other. Everything that loads a native library or TF runs in a probe subprocess (see
`analyzer.confirm.probes._runner`), in parallel, so doctor works (and survives) on any machine,
with or without a GPU or TensorFlow.

    python -m analyzer.confirm.doctor [--json] [--timeout SECONDS]
"""

from __future__ import annotations

import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

from .probes import compat

COMPONENTS = list(compat.COMPONENT_SONAMES_LINUX)  # cudart, cublas, cublasLt, cufft, ...


def _tf_info(timeout: float, foreign: Optional[str] = None) -> Dict[str, Any]:
    from analyzer.confirm.probes._runner import launch
    from analyzer.confirm.probes.tfprobe import tf_installed

    if foreign is None and not tf_installed():
        return {"installed": False}
    res = launch("_tf_info", {}, timeout)
    obs = res.get("observed") or {}
    if "installed" in obs:
        return obs if obs["installed"] else {"installed": False}
    return {"installed": True, "error": res.get("detail", "TensorFlow could not be imported.")}


def _library_summary(component: str, res: Dict[str, Any]) -> Dict[str, Any]:
    obs = res.get("observed") or {}
    out: Dict[str, Any] = {"component": component, "loaded": [], "copies": obs.get("copies", [])}
    for f in obs.get("found", []):
        out["loaded"].append({k: f.get(k) for k in ("name", "path", "realpath", "version", "via") if f.get(k)})
    if res.get("status") != "ok":  # the inventory subprocess crashed or hung
        out["error"] = res.get("detail")
    return out


def _check(checks: List[Dict[str, str]], name: str, status: str, detail: str) -> None:
    checks.append({"check": name, "status": status, "detail": detail})


def _loaded(libs: Dict[str, Dict[str, Any]], component: str, name: Optional[str] = None) -> Optional[Dict[str, Any]]:
    for entry in libs.get(component, {}).get("loaded", []):
        if name is None or entry.get("name") == name:
            return entry
    return None


def _tf_cuda_cudnn(tf: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
    """CUDA and cuDNN the installed TF was built with (build info, else its tested build)."""
    ctx = {"_tf_build": tf, "tf_version": tf.get("version")}
    return compat.expected_cuda(ctx)[0], compat.expected_cudnn(ctx)[0]


def _checks(tf: Dict[str, Any], libs: Dict[str, Dict[str, Any]], drv: Dict[str, Any], windows: bool) -> List[Dict[str, str]]:
    checks: List[Dict[str, str]] = []
    dobs = drv.get("observed") or {}
    devices = dobs.get("devices") or []
    driver_cuda = dobs.get("driver_cuda_version")

    # 1. driver and GPUs
    dlib = dobs.get("library") or {}
    if not dlib.get("loaded"):
        reason = dlib.get("error") or drv.get("detail") or "unknown error"
        _check(
            checks,
            "gpu",
            "warning",
            f"No NVIDIA driver library found ({reason}): no GPU can be used here, so TensorFlow runs on the CPU.",
        )
    elif dobs.get("cuinit_error"):
        _check(checks, "gpu", "problem", f"The driver is installed but cuInit fails with {dobs['cuinit_error']}.")
    elif not devices:
        _check(checks, "gpu", "problem", drv.get("detail") or "The driver reports no GPU.")
    else:
        _check(checks, "gpu", "ok", f"{len(devices)} GPU(s) visible to the driver (CUDA {driver_cuda}).")
    if dobs.get("kernel_mismatch"):
        _check(checks, "driver_kernel", "problem", drv.get("detail", ""))

    # 2. the copies: the same soname in several places is how the wrong cuDNN gets loaded
    for comp, entry in libs.items():
        by_file: Dict[str, List[str]] = {}
        for c in entry.get("copies", []):
            by_file.setdefault(c["file"], []).append(c["path"])
        for fname, paths in by_file.items():
            if len(paths) > 1 and (".so." in fname or fname.lower().endswith(".dll")):
                _check(
                    checks,
                    f"copies_{comp}",
                    "warning",
                    f"{fname} exists in {len(paths)} places ({'; '.join(paths[:4])}); whichever comes first "
                    f"on the search path wins.",
                )
        if entry.get("error"):
            _check(checks, f"library_{comp}", "warning", f"Checking {comp} failed: {entry['error']}")

    # 3. against TensorFlow's build
    if tf.get("installed") and tf.get("error"):
        _check(checks, "tensorflow", "problem", f"TensorFlow is installed but could not be imported: {tf['error']}")
    elif tf.get("installed"):
        bi = tf.get("build_info") or {}
        version = tf.get("version")
        tv = compat.vtuple(version) or (0, 0)
        if windows and tv[:2] >= (2, 11):
            _check(
                checks,
                "tf_windows",
                "problem",
                f"TensorFlow {version} has no GPU support on native Windows (the last was 2.10); use WSL2.",
            )
        if not (bi.get("is_cuda_build") or tf.get("is_built_with_cuda")):
            _check(checks, "tf_cuda_build", "warning", f"TensorFlow {version} is not a CUDA build: it never uses a GPU.")
        else:
            cuda, cudnn = _tf_cuda_cudnn(tf)
            needed = compat.tf_required_libraries(version, cuda, cudnn, windows)
            missing = [n for c, n in needed.items() if not _loaded(libs, c, n)]
            if missing:
                _check(
                    checks,
                    "tf_libraries",
                    "problem",
                    f"TensorFlow {version} (CUDA {cuda}, cuDNN {cudnn}) needs {', '.join(missing)}, which do not "
                    f'load here; it will skip the GPU ("Cannot dlopen some GPU libraries").',
                )
            elif needed:
                _check(
                    checks,
                    "tf_libraries",
                    "ok",
                    f"All libraries TensorFlow {version} dlopens load ({', '.join(needed.values())}).",
                )
            got = _loaded(libs, "cudnn", needed.get("cudnn"))
            if got and got.get("version") and cudnn:
                ok, why = compat.cudnn_compatible(got["version"], cudnn)
                _check(
                    checks,
                    "cudnn_vs_tf",
                    "ok" if ok else "problem",
                    f"cuDNN {got['version']} loads ({got.get('path')}); TensorFlow was built with {cudnn}: {why}.",
                )
            if driver_cuda and cuda:
                verdict, why = compat.driver_supports(driver_cuda, cuda)
                status = {"ok": "ok", "compat": "warning", "too_old": "problem"}.get(verdict, "unknown")
                _check(checks, "driver_vs_tf", status, f"TensorFlow {version} uses CUDA {cuda}: {why}.")
    # 4. can the driver run the CUDA runtimes installed here? (A warning only: without TF we
    # do not know which one a program will use; driver_vs_tf above is the one that matters.)
    for runtime in libs.get("cudart", {}).get("loaded", []):
        if driver_cuda and runtime.get("version"):
            verdict, why = compat.driver_supports(driver_cuda, runtime["version"])
            status = "ok" if verdict == "ok" else "warning"
            _check(checks, "driver_vs_runtime", status, f"CUDA runtime {runtime['version']} ({runtime.get('name')}): {why}.")
    return checks


def python_info(python: str, timeout: float = 30.0) -> Dict[str, Any]:
    """{"version", "executable"} of another interpreter; raises ValueError saying why it cannot run."""
    import json
    import subprocess

    code = "import json, platform, sys; print(json.dumps(dict(version=platform.python_version(), executable=sys.executable)))"
    try:
        p = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=timeout)
        if p.returncode == 0:
            return json.loads(p.stdout.strip().splitlines()[-1])
        why = (p.stderr.strip().splitlines() or [f"exit status {p.returncode}"])[-1]
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired) as e:
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
    raise ValueError(f"{python} is not a Python interpreter that runs ({why})")


def active_env_python() -> Optional[str]:
    """The interpreter of the virtualenv or conda env active in this shell when tflog itself runs
    elsewhere (installed with pipx, say), so that doctor looks where the user's TensorFlow is."""
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        prefix = os.environ.get(var)
        if not prefix or os.path.realpath(prefix) == os.path.realpath(sys.prefix):
            continue
        exe = os.path.join(prefix, "Scripts", "python.exe") if os.name == "nt" else os.path.join(prefix, "bin", "python")
        if os.path.isfile(exe):
            return exe
    return None


def run_doctor(timeout: float = 30.0, python: Optional[str] = None) -> Dict[str, Any]:
    """Inspect this machine, with the probes run in `python` (default: this interpreter); returns a
    JSON-serialisable dict (see render_doctor_text). Never raises (check `python` with python_info first)."""
    from analyzer.confirm.probes import _runner

    _runner.use_interpreter(python)
    try:
        return _run_doctor(timeout, python)
    finally:
        _runner.use_interpreter(None)


def _python_section(python: Optional[str], timeout: float) -> Dict[str, Any]:
    if python is None:
        return {"version": platform.python_version(), "executable": sys.executable}
    try:
        return python_info(python, timeout)
    except ValueError as e:
        return {"version": None, "executable": python, "error": str(e)}


def _run_doctor(timeout: float, python: Optional[str]) -> Dict[str, Any]:
    start = time.monotonic()
    from analyzer.confirm.probes._runner import launch

    windows = os.name == "nt"
    tf = _tf_info(timeout, python)
    ctx = {"_tf_build": tf}
    needed: Dict[str, str] = {}
    if tf.get("installed") and not tf.get("error"):
        cuda, cudnn = _tf_cuda_cudnn(tf)
        needed = compat.tf_required_libraries(tf.get("version"), cuda, cudnn, windows)
    jobs = {}
    with ThreadPoolExecutor(max_workers=6) as pool:
        for comp in COMPONENTS:
            names = list(dict.fromkeys(([needed[comp]] if comp in needed else []) + compat.sonames(comp, windows)))
            jobs[comp] = pool.submit(launch, "_inventory", {"component": comp, "names": names}, timeout)
        drv_job = pool.submit(launch, "driver", ctx, timeout)
    libs = {comp: _library_summary(comp, job.result()) for comp, job in jobs.items()}
    drv = drv_job.result()
    dobs = drv.get("observed") or {}
    dlib = dobs.get("library") or {}
    driver = {
        "found": bool(dlib.get("loaded")),
        "library": dlib.get("name"),
        "path": dlib.get("realpath") or dlib.get("path"),
        "error": dlib.get("error"),
        "version": dlib.get("user_space_version"),
        "kernel_module_version": dlib.get("kernel_module_version"),
        "cuda_version": dobs.get("driver_cuda_version"),
        "cuinit": dobs.get("cuinit_error") or ("CUDA_SUCCESS" if dobs.get("cuinit_rc") == 0 else None),
        "status": drv.get("status"),
        "detail": drv.get("detail"),
    }
    gpus = [
        {
            "index": d.get("index"),
            "name": d.get("name"),
            "compute_capability": d.get("compute_capability"),
            "memory_total": d.get("memory_total"),
            "memory_free": d.get("memory_free"),
        }
        for d in dobs.get("devices") or []
    ]
    checks = _checks(tf, libs, drv, windows)
    statuses = {c["status"] for c in checks}
    if "problem" in statuses:
        verdict = "problems"
    elif not gpus:
        verdict = "no_gpu"
    elif "warning" in statuses:
        verdict = "warnings"
    else:
        verdict = "ok"
    return {
        "python": _python_section(python, timeout),
        "platform": {"system": platform.system(), "release": platform.release(), "machine": platform.machine()},
        "tensorflow": tf,
        "libraries": [libs[c] for c in COMPONENTS],
        "driver": driver,
        "gpus": gpus,
        "checks": checks,
        "verdict": verdict,
        "seconds": round(time.monotonic() - start, 3),
    }


_VERDICT_TEXT = {
    "ok": "Everything TensorFlow needs for the GPU is in place.",
    "warnings": "Usable, with warnings (see above).",
    "problems": "Problems found (see above).",
    "no_gpu": "No usable GPU on this machine: TensorFlow will run on the CPU.",
}


def render_doctor_text(d: Dict[str, Any]) -> str:
    """Plain text for a terminal."""
    lines: List[str] = []
    py, pf = d.get("python", {}), d.get("platform", {})
    lines.append(
        f"Python {py.get('version')} ({py.get('executable')}) on {pf.get('system')} {pf.get('release')} {pf.get('machine')}"
    )
    tf = d.get("tensorflow", {})
    if not tf.get("installed"):
        lines.append("TensorFlow: not installed")
    elif tf.get("error"):
        lines.append(f"TensorFlow: installed but not importable: {tf['error']}")
    else:
        bi = tf.get("build_info") or {}
        build = "CUDA build" if (bi.get("is_cuda_build") or tf.get("is_built_with_cuda")) else "CPU-only build"
        parts = [build] + [
            f"{label} {bi[key]}" for key, label in (("cuda_version", "CUDA"), ("cudnn_version", "cuDNN")) if bi.get(key)
        ]
        lines.append(f"TensorFlow: {tf.get('version')} ({', '.join(parts)}) at {tf.get('path')}")

    drv = d.get("driver", {})
    lines.append("")
    if drv.get("found"):
        ver = f", driver {drv['version']}" if drv.get("version") else ""
        kern = f", kernel module {drv['kernel_module_version']}" if drv.get("kernel_module_version") else ""
        lines.append(
            f"NVIDIA driver: {drv.get('path')}{ver}{kern}, supports CUDA {drv.get('cuda_version')}; cuInit: {drv.get('cuinit')}"
        )
    else:
        lines.append(f"NVIDIA driver: not found ({drv.get('error') or drv.get('detail')})")
    gpus = d.get("gpus") or []
    if not gpus:
        lines.append("GPUs: none")
    for g in gpus:
        mem = ""
        if g.get("memory_total"):
            mem = f", {compat.human_bytes(g.get('memory_free'))} free of {compat.human_bytes(g['memory_total'])}"
        lines.append(f"GPU {g.get('index')}: {g.get('name')}, compute capability {g.get('compute_capability')}{mem}")

    lines.append("")
    lines.append("CUDA libraries:")
    for lib in d.get("libraries", []):
        if lib.get("loaded"):
            for i, e in enumerate(lib["loaded"]):
                label = lib["component"] if i == 0 else ""
                via = " (pip wheel dir)" if e.get("via") == "pip wheel dir" else ""
                lines.append(
                    f"  {label:<9} {e.get('name', ''):<20} {e.get('version') or '?':<10} "
                    f"{e.get('realpath') or e.get('path') or ''}{via}"
                )
        else:
            lines.append(f"  {lib['component']:<9} not found" + (f" ({lib['error']})" if lib.get("error") else ""))

    lines.append("")
    lines.append("Checks:")
    for c in d.get("checks", []):
        lines.append(f"  [{c['status']}] {c['detail']}")
    lines.append("")
    lines.append(f"Verdict: {_VERDICT_TEXT.get(str(d.get('verdict')), d.get('verdict'))}")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m analyzer.confirm.doctor", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the JSON report")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds each check may take (default 30)")
    args = ap.parse_args(argv)
    d = run_doctor(timeout=args.timeout)
    sys.stdout.write(json.dumps(d, indent=2) + "\n" if args.json else render_doctor_text(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
