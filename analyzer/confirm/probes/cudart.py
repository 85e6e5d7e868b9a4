"""`cuda_version` probe: which CUDA runtime (libcudart) loads here, against the CUDA TF was built for.

TF finds libcudart by SONAME, so "TF 2.5 wants libcudart.so.11.0 but only .so.12 is
installed" is the usual story; from CUDA 11 on any runtime of the same major will do.
"""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _native, compat


def read_version(lib: ctypes.CDLL) -> Optional[str]:
    v = ctypes.c_int()
    fn = lib.cudaRuntimeGetVersion
    fn.argtypes, fn.restype = [ctypes.POINTER(ctypes.c_int)], ctypes.c_int
    if fn(ctypes.byref(v)) != 0 or not v.value:
        return None
    return compat.decode_cuda(v.value)


def _candidates(ctx: Dict[str, Any], expected: Optional[str]) -> List[str]:
    names: List[str] = []
    lib = ctx.get("library")
    if isinstance(lib, str) and "cudart" in lib.lower() and not _native.wrong_platform(lib):
        names.append(lib)
    want = compat.cuda_sonames_for(expected, _native.IS_WINDOWS).get("cudart") if expected else None
    if want:
        names.append(want)
    names += compat.sonames("cudart", _native.IS_WINDOWS)
    return list(dict.fromkeys(names))


Opened = Tuple[Optional[ctypes.CDLL], Dict[str, Any], List[Dict[str, Any]]]


def open_first(names: List[str], step: Callable[[str], None]) -> Opened:
    """Load the first name that loads; returns (lib, its facts, [names tried before it with their errors])."""
    tried: List[Dict[str, Any]] = []
    for name in names:
        step(f"loading {name}")
        lib, info = _native.load_like_tf(name)
        if lib is not None:
            return lib, info, tried
        tried.append({"name": name, "error": info.get("error")})
    return None, {}, tried


def run(ctx: Dict[str, Any], step: Callable[[str], None]) -> Dict[str, Any]:
    expected, source = compat.expected_cuda(ctx)
    lib, info, tried = open_first(_candidates(ctx, expected), step)
    observed: Dict[str, Any] = {"expected": expected, "expected_source": source, "tried": tried}
    if lib is None:
        first = tried[0] if tried else {"name": "libcudart", "error": "no name to try"}
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"No CUDA runtime library loads here (first tried {first['name']}: {first['error']}), "
            f"so there is no version to compare; the `library` probe covers missing libraries.",
        }
    observed["library"] = info
    step(f"calling cudaRuntimeGetVersion in {info['name']}")
    loaded = read_version(lib)
    observed["loaded"] = loaded
    where = f"{info['name']} ({info.get('realpath') or info.get('path') or 'unknown path'})"
    if not loaded:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"{where} loaded but cudaRuntimeGetVersion returned no version.",
        }
    seen = ctx.get("cuda_runtime")
    note = f" The log saw CUDA runtime {seen}." if seen and compat.vtuple(seen) != compat.vtuple(loaded) else ""
    if not expected:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"Loaded CUDA runtime {loaded} from {where}, but neither an installed TensorFlow nor "
            f"the log says which CUDA TensorFlow was built with.{note}",
        }
    ok, why = compat.cuda_runtime_compatible(loaded, expected)
    status = "refuted" if ok else "confirmed"
    verb = "matches" if ok else "does not match"
    if tried:
        note = f" ({tried[0]['name']}, the name TensorFlow looks for, does not load.)" + note
    return {
        "status": status,
        "observed": observed,
        "detail": f"Loaded CUDA runtime {loaded} from {where}; it {verb} CUDA {expected}, which TensorFlow "
        f"was built with (from {source}): {why}.{note}",
    }
