"""`cudnn_version` and `cudnn_handle` probes: the two cuDNN calls TF's start-up depends on.

cudnn_version: cudnnGetVersion() of the cuDNN that loads here, checked with TF's rule
(same major, loaded minor >= compiled minor) against the cuDNN TF was built with.
cudnn_handle: cudnnCreate() on the GPU, the call behind "Could not create cudnn handle".
"""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, List, Optional

from . import _native, compat
from .cudart import Opened, open_first

Step = Callable[[str], None]


def read_version(lib: ctypes.CDLL) -> Optional[str]:
    fn = lib.cudnnGetVersion
    fn.argtypes, fn.restype = [], ctypes.c_size_t
    v = fn()
    return compat.decode_cudnn(v) if v else None


def status_name(lib: ctypes.CDLL, status: int) -> str:
    fn = getattr(lib, "cudnnGetErrorString", None)
    if fn is not None:
        fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_char_p
        text = _native.c_str(fn(status))
        if text:
            return f"{text} ({status})"
    if 0 <= status < len(compat.CUDNN_STATUS_V8):
        return f"{compat.CUDNN_STATUS_V8[status]} ({status})"
    return f"cudnnStatus {status}"


def _candidates(ctx: Dict[str, Any], expected: Optional[str]) -> List[str]:
    names: List[str] = []
    lib = ctx.get("library")
    if isinstance(lib, str) and "cudnn" in lib.lower() and not _native.wrong_platform(lib):
        names.append(lib)
    major = (compat.vtuple(expected) or compat.vtuple(ctx.get("cudnn_runtime")) or (None,))[0]
    if major:
        names.append(f"cudnn64_{major}.dll" if _native.IS_WINDOWS else f"libcudnn.so.{major}")
    names += compat.sonames("cudnn", _native.IS_WINDOWS)
    if not _native.IS_WINDOWS:
        names.append("libcudnn.so")
    return list(dict.fromkeys(names))


def _open(ctx: Dict[str, Any], expected: Optional[str], step: Step) -> Opened:
    return open_first(_candidates(ctx, expected), step)


def _where(info: Dict[str, Any]) -> str:
    return f"{info['name']} ({info.get('realpath') or info.get('path') or 'unknown path'})"


def _no_cudnn(tried: List[Dict[str, Any]], observed: Dict[str, Any]) -> Dict[str, Any]:
    first = tried[0] if tried else {"name": "libcudnn", "error": "no name to try"}
    return {
        "status": "inconclusive",
        "observed": observed,
        "detail": f"No cuDNN library loads here (first tried {first['name']}: {first['error']}), so "
        f"there is nothing to test; the `library` probe covers missing libraries.",
    }


def run_version(ctx: Dict[str, Any], step: Step) -> Dict[str, Any]:
    expected, source = compat.expected_cudnn(ctx)
    lib, info, tried = _open(ctx, expected, step)
    observed: Dict[str, Any] = {"expected": expected, "expected_source": source, "tried": tried}
    if lib is None:
        return _no_cudnn(tried, observed)
    observed["library"] = info
    step(f"calling cudnnGetVersion in {info['name']}")
    loaded = read_version(lib)
    observed["loaded"] = loaded
    if not loaded:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"{_where(info)} loaded but cudnnGetVersion returned 0.",
        }
    seen = ctx.get("cudnn_runtime")
    note = f" The log saw cuDNN {seen} loaded." if seen and compat.vtuple(seen) != compat.vtuple(loaded) else ""
    if not expected:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"Loaded cuDNN {loaded} from {_where(info)}, but neither an installed TensorFlow nor "
            f"the log says which cuDNN TensorFlow was built with.{note}",
        }
    ok, why = compat.cudnn_compatible(loaded, expected)
    if ok:
        return {
            "status": "refuted",
            "observed": observed,
            "detail": f"Loaded cuDNN {loaded} from {_where(info)}; TensorFlow was built with cuDNN {expected} "
            f"(from {source}), and they are compatible: {why}.{note}",
        }
    return {
        "status": "confirmed",
        "observed": observed,
        "detail": f"Loaded cuDNN {loaded} from {_where(info)}, but TensorFlow was built with cuDNN {expected} "
        f"(from {source}): {why}; cuDNN needs the same major version and an equal or newer "
        f"minor version.{note}",
    }


def run_handle(ctx: Dict[str, Any], step: Step) -> Dict[str, Any]:
    from . import driver

    observed: Dict[str, Any] = {}
    drv, dinfo = driver.open_driver(step)
    observed["driver"] = dinfo
    if drv is None:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"No NVIDIA driver here ({dinfo.get('error')}); cudnnCreate would fail for that reason "
            f"alone, so this machine cannot test the handle.",
        }
    step(f"calling cuInit in {driver.DRIVER_NAME}")
    rc = driver._call(drv, "cuInit", 0)
    if rc != 0:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"No usable GPU here: cuInit failed with {driver.error_name(drv, rc)}, so cudnnCreate cannot be tested.",
        }
    expected, _ = compat.expected_cudnn(ctx)
    lib, info, tried = _open(ctx, expected, step)
    observed["tried"] = tried
    if lib is None:
        return _no_cudnn(tried, observed)
    observed["library"] = info
    try:
        observed["cudnn_version"] = read_version(lib)
    except AttributeError:
        pass
    dev = driver._device(drv, 0)
    with driver.primary_context(drv, dev, step) as err:
        if err and err.out_of_memory:
            observed.update(memory_total=driver.total_memory(drv, dev), context_error=str(err))
            return {
                "status": "confirmed",
                "observed": observed,
                "detail": f"{driver.full_gpu_detail(drv, dev, 0, err)}, so no cuDNN handle can be created "
                f'now either: the out-of-memory behind most "Could not create cudnn handle" errors.',
            }
        if err:
            return {"status": "inconclusive", "observed": observed, "detail": f"Could not open GPU 0: {err}."}
        free, total, _ = driver.mem_info(drv)
        observed.update(memory_free=free, memory_total=total)
        mem = f"{compat.human_bytes(free)} free of {compat.human_bytes(total)}" if total else "memory unknown"
        handle = ctypes.c_void_p()
        create = lib.cudnnCreate
        create.argtypes, create.restype = [ctypes.POINTER(ctypes.c_void_p)], ctypes.c_int
        step(f"calling cudnnCreate in {info['name']}")
        status = create(ctypes.byref(handle))
        observed["status"] = status
        version = observed.get("cudnn_version") or "of unknown version"
        if status == 0:
            destroy = lib.cudnnDestroy
            destroy.argtypes, destroy.restype = [ctypes.c_void_p], ctypes.c_int
            step("calling cudnnDestroy")
            destroy(handle)
            return {
                "status": "refuted",
                "observed": observed,
                "detail": f"cudnnCreate succeeds on GPU 0 with cuDNN {version} from {_where(info)} ({mem}).",
            }
        observed["error"] = status_name(lib, status)
        return {
            "status": "confirmed",
            "observed": observed,
            "detail": f"cudnnCreate fails with {observed['error']} on GPU 0 using cuDNN {version} from "
            f'{_where(info)} ({mem}), as in "Could not create cudnn handle".',
        }
