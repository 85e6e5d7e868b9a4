"""`library` probe: dlopen the exact library the log could not load, and the doctor's inventory.

A "Could not load dynamic library 'libcudart.so.11.0'" finding is confirmed when the same
name still fails to load here, refuted when it loads now. Either way we say where it came
from (or the dlerror text) and which other versions sit on the search path, because the
usual fix is "you have .so.12, TF wants .so.11.0" or "two copies, the wrong one wins".
"""

from __future__ import annotations

import ctypes
import os
from typing import Any, Callable, Dict, List

from . import _native, compat


def _names(ctx: Dict[str, Any]) -> List[str]:
    names: List[str] = []
    lib = ctx.get("library")
    if isinstance(lib, str) and lib.strip():
        names.append(lib.strip())
    for n in ctx.get("missing_libraries") or []:
        if isinstance(n, str) and n.strip():
            names.append(n.strip())
    return list(dict.fromkeys(names))


def _others(info: Dict[str, Any], copies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    mine = {os.path.realpath(p) for p in (info.get("path"), info.get("realpath")) if p}
    return [c for c in copies if os.path.realpath(c["path"]) not in mine]


def _describe_copies(copies: List[Dict[str, Any]], limit: int = 4) -> str:
    if not copies:
        return "no other version of it is on the search path"
    parts = [f"{c['file']} ({c['path']}, {c['source']})" for c in copies[:limit]]
    more = f" and {len(copies) - limit} more" if len(copies) > limit else ""
    return "other files of it on this machine: " + "; ".join(parts) + more


def run(ctx: Dict[str, Any], step: Callable[[str], None]) -> Dict[str, Any]:
    names = _names(ctx)
    if not names:
        return {
            "status": "inconclusive",
            "observed": {},
            "detail": "The finding names no library, so there is nothing to try to load.",
        }
    results: List[Dict[str, Any]] = []
    for name in names:
        reason = _native.wrong_platform(name)
        if reason:
            results.append({"name": name, "skipped": reason})
            continue
        step(f"loading {name}")
        _, info = _native.load(name)
        step(f"searching for other copies of {name}")
        info["other_copies"] = _others(info, _native.find_copies(name))
        results.append(info)

    tested = [r for r in results if "skipped" not in r]
    observed = {"libraries": results, "ld_library_path": os.environ.get("LD_LIBRARY_PATH", "")}
    if not tested:
        return {
            "status": "skipped",
            "observed": observed,
            "detail": "; ".join(r["skipped"] for r in results) + ", so it cannot be loaded here.",
        }
    failing = [r for r in tested if not r["loaded"]]
    sentences = []
    for r in failing:
        sentences.append(
            f"{r['name']} still fails to load: {r.get('error', 'unknown error')}; {_describe_copies(r['other_copies'])}."
        )
    for r in tested:
        if r["loaded"]:
            where = r.get("realpath") or r.get("path") or "an unknown path"
            extra = f" ({_describe_copies(r['other_copies'], 2)})" if r["other_copies"] else ""
            sentences.append(f"{r['name']} loads now, from {where}{extra}.")
    if failing:
        return {"status": "confirmed", "observed": observed, "detail": " ".join(sentences)}
    return {"status": "refuted", "observed": observed, "detail": " ".join(sentences)}


# ---------------------------------------------------------------- doctor inventory

_PROPERTY = {
    "cublas": "cublasGetProperty",
    "cublasLt": "cublasLtGetProperty",
    "cufft": "cufftGetProperty",
    "curand": "curandGetProperty",
    "cusolver": "cusolverGetProperty",
    "cusparse": "cusparseGetProperty",
}


def read_version(component: str, lib: ctypes.CDLL) -> Any:
    """The library's own version, asked from the library (not from its file name)."""
    if component == "cudnn":
        from .cudnn import read_version as cudnn_version

        return cudnn_version(lib)
    if component == "cudart":
        from .cudart import read_version as cudart_version

        return cudart_version(lib)
    if component == "nvrtc":
        major, minor = ctypes.c_int(), ctypes.c_int()
        if lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)) == 0:
            return f"{major.value}.{minor.value}"
        return None
    fn = getattr(lib, _PROPERTY.get(component, "-"), None)
    if fn is None:
        return None
    parts = []
    for prop in (0, 1, 2):  # libraryPropertyType: MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL
        v = ctypes.c_int()
        if fn(prop, ctypes.byref(v)) != 0:
            return None
        parts.append(str(v.value))
    return ".".join(parts)


def run_inventory(ctx: Dict[str, Any], step: Callable[[str], None]) -> Dict[str, Any]:
    """Doctor's helper: which of a component's sonames load here, from where, and which version."""
    component = ctx.get("component", "")
    names = ctx.get("names") or compat.sonames(component, _native.IS_WINDOWS)
    found, missing = [], []
    for name in names:
        step(f"loading {name}")
        lib, info = _native.load_like_tf(name)
        if lib is None:
            missing.append({"name": name, "error": info.get("error")})
            continue
        step(f"reading the version of {name}")
        try:
            info["version"] = read_version(component, lib)
        except (AttributeError, OSError, ValueError) as e:
            info["version_error"] = str(e)
        found.append(info)
    copies = []
    if names:
        step(f"searching for copies of {names[0]}")
        copies = _native.find_copies(names[0])
    return {
        "status": "ok",
        "detail": f"{len(found)} of {len(names)} {component} names load.",
        "observed": {"component": component, "found": found, "missing": missing, "copies": copies},
    }
