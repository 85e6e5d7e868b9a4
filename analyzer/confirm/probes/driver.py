"""`driver` and `gpu_alloc` probes: ask the NVIDIA driver (libcuda) directly, as TF does first.

`driver` repeats TF's start-up: cuInit, driver CUDA level, devices with name, compute
capability and memory, and compares the driver's CUDA level with the CUDA TF needs.
`gpu_alloc` repeats an out-of-memory allocation (cuMemAlloc_v2 of the bytes the log asked
for) to tell "the card is too small / full now" from "memory was taken at that time".
"""

from __future__ import annotations

import ctypes
import re
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from . import _native, compat

DRIVER_NAME = "nvcuda.dll" if _native.IS_WINDOWS else "libcuda.so.1"
CC_MAJOR, CC_MINOR, SM_COUNT = 75, 76, 16  # CUdevice_attribute numbers

Step = Callable[[str], None]


def open_driver(step: Step) -> Tuple[Optional[ctypes.CDLL], Dict[str, Any]]:
    step(f"loading {DRIVER_NAME}")
    lib, info = _native.load(DRIVER_NAME)
    if lib is None:
        return None, info
    c_int_p = ctypes.POINTER(ctypes.c_int)
    sigs = {
        "cuInit": [ctypes.c_uint],
        "cuDriverGetVersion": [c_int_p],
        "cuDeviceGetCount": [c_int_p],
        "cuDeviceGet": [c_int_p, ctypes.c_int],
        "cuDeviceGetName": [ctypes.c_char_p, ctypes.c_int, ctypes.c_int],
        "cuDeviceGetAttribute": [c_int_p, ctypes.c_int, ctypes.c_int],
        "cuDevicePrimaryCtxRetain": [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int],
        "cuDevicePrimaryCtxRelease_v2": [ctypes.c_int],
        "cuDevicePrimaryCtxRelease": [ctypes.c_int],
        "cuCtxSetCurrent": [ctypes.c_void_p],
        "cuMemGetInfo_v2": [ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_size_t)],
        "cuDeviceTotalMem_v2": [ctypes.POINTER(ctypes.c_size_t), ctypes.c_int],
        "cuMemAlloc_v2": [ctypes.POINTER(ctypes.c_uint64), ctypes.c_size_t],
        "cuMemFree_v2": [ctypes.c_uint64],
        "cuGetErrorName": [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)],
        "cuGetErrorString": [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)],
    }
    for fname, args in sigs.items():
        fn = getattr(lib, fname, None)
        if fn is not None:
            fn.argtypes, fn.restype = args, ctypes.c_int
    info["user_space_version"] = _libcuda_file_version(info)
    kernel = kernel_module_version()
    if kernel:
        info["kernel_module_version"] = kernel
    return lib, info


def _libcuda_file_version(info: Dict[str, Any]) -> Optional[str]:
    real = info.get("realpath") or info.get("path") or ""
    m = re.search(r"libcuda\.so\.(\d+\.\d+(?:\.\d+)?)$", real)
    return m.group(1) if m else None


def kernel_module_version() -> Optional[str]:
    """First line of /proc/driver/nvidia/version: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05 ...'."""
    try:
        with open("/proc/driver/nvidia/version") as f:
            first = f.readline()
    except OSError:
        return None
    m = re.search(r"Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)", first)
    return m.group(1) if m else None


def error_name(lib: ctypes.CDLL, rc: int) -> str:
    """'CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected' — the way TF prints a CUresult."""
    name = desc = None
    for fname in ("cuGetErrorName", "cuGetErrorString"):
        fn = getattr(lib, fname, None)
        if fn is None:
            continue
        p = ctypes.c_char_p()
        if fn(rc, ctypes.byref(p)) == 0 and p.value:
            if fname == "cuGetErrorName":
                name = _native.c_str(p.value)
            else:
                desc = _native.c_str(p.value)
    name = name or compat.CU_ERRORS.get(rc, "UNKNOWN ERROR")
    return f"{name} ({rc})" + (f": {desc}" if desc else "")


def _call(lib: ctypes.CDLL, fname: str, *args: Any) -> int:
    fn = getattr(lib, fname, None)
    if fn is None:
        raise AttributeError(f"{DRIVER_NAME} has no {fname}")
    return int(fn(*args))


def _device(lib: ctypes.CDLL, ordinal: int) -> int:
    if getattr(lib, "cuDeviceGet", None) is None:
        return ordinal
    dev = ctypes.c_int()
    rc = _call(lib, "cuDeviceGet", ctypes.byref(dev), ordinal)
    return dev.value if rc == 0 else ordinal


CUDA_ERROR_OUT_OF_MEMORY = 2


class ContextError(str):
    """Why a device's primary context could not be opened; `rc` is the CUresult.

    A str, so callers print it as before; the code tells "GPU full" (CUDA_ERROR_OUT_OF_MEMORY: not even a
    context fits, which is itself the failure an OOM or cuDNN-handle log reports) from "no usable GPU".
    """

    rc: int = 0

    @classmethod
    def of(cls, text: str, rc: int) -> ContextError:
        err = cls(text)
        err.rc = rc
        return err

    @property
    def out_of_memory(self) -> bool:
        return self.rc == CUDA_ERROR_OUT_OF_MEMORY


@contextmanager
def primary_context(lib: ctypes.CDLL, dev: int, step: Step) -> Iterator[Optional[ContextError]]:
    """Retain + make current the device's primary context; yields the error or None; always releases."""
    ctx = ctypes.c_void_p()
    step(f"retaining the primary context of device {dev}")
    rc = _call(lib, "cuDevicePrimaryCtxRetain", ctypes.byref(ctx), dev)
    if rc != 0:
        yield ContextError.of(f"cuDevicePrimaryCtxRetain failed with {error_name(lib, rc)}", rc)
        return
    try:
        rc = _call(lib, "cuCtxSetCurrent", ctx)
        yield None if rc == 0 else ContextError.of(f"cuCtxSetCurrent failed with {error_name(lib, rc)}", rc)
    finally:
        _call(lib, "cuCtxSetCurrent", None)
        release = "cuDevicePrimaryCtxRelease_v2" if hasattr(lib, "cuDevicePrimaryCtxRelease_v2") else "cuDevicePrimaryCtxRelease"
        _call(lib, release, dev)


def total_memory(lib: ctypes.CDLL, dev: int) -> Optional[int]:
    """The card's memory without a context (cuDeviceTotalMem_v2), for when no context can be opened."""
    if getattr(lib, "cuDeviceTotalMem_v2", None) is None:
        return None
    total = ctypes.c_size_t()
    return total.value if _call(lib, "cuDeviceTotalMem_v2", ctypes.byref(total), dev) == 0 else None


def full_gpu_detail(lib: ctypes.CDLL, dev: int, index: int, err: ContextError) -> str:
    """'GPU 0 (139.8 GiB) has no memory left even for a CUDA context (...)': the reproduced OOM, in words."""
    total = total_memory(lib, dev)
    size = f" ({compat.human_bytes(total)})" if total else ""
    return f"GPU {index}{size} has no memory left even for a CUDA context ({err}): its memory is held elsewhere"


def mem_info(lib: ctypes.CDLL) -> Tuple[Optional[int], Optional[int], Optional[str]]:
    free, total = ctypes.c_size_t(), ctypes.c_size_t()
    rc = _call(lib, "cuMemGetInfo_v2", ctypes.byref(free), ctypes.byref(total))
    if rc != 0:
        return None, None, f"cuMemGetInfo_v2 failed with {error_name(lib, rc)}"
    return free.value, total.value, None


def query(lib: ctypes.CDLL, step: Step, memory: bool = True) -> Dict[str, Any]:
    """Driver facts: CUDA level, cuInit result, and every device's name, CC and memory."""
    out: Dict[str, Any] = {"devices": []}
    v = ctypes.c_int()
    step("calling cuDriverGetVersion")
    if _call(lib, "cuDriverGetVersion", ctypes.byref(v)) == 0 and v.value:
        out["driver_cuda_version"] = compat.decode_cuda(v.value)
        out["driver_cuda_version_raw"] = v.value
    step(f"calling cuInit in {DRIVER_NAME}")
    rc = _call(lib, "cuInit", 0)
    out["cuinit_rc"] = rc
    if rc != 0:
        out["cuinit_error"] = error_name(lib, rc)
        return out
    n = ctypes.c_int()
    step("calling cuDeviceGetCount")
    rc = _call(lib, "cuDeviceGetCount", ctypes.byref(n))
    if rc != 0:
        out["count_error"] = error_name(lib, rc)
        return out
    for ordinal in range(n.value):
        dev = _device(lib, ordinal)
        d: Dict[str, Any] = {"index": ordinal}
        buf = ctypes.create_string_buffer(256)
        step(f"reading the name of device {ordinal}")
        if _call(lib, "cuDeviceGetName", buf, len(buf), dev) == 0:
            d["name"] = _native.c_str(buf.value)
        cc = []
        for attr in (CC_MAJOR, CC_MINOR):
            val = ctypes.c_int()
            if _call(lib, "cuDeviceGetAttribute", ctypes.byref(val), attr, dev) == 0:
                cc.append(str(val.value))
        if len(cc) == 2:
            d["compute_capability"] = ".".join(cc)
        if memory:
            with primary_context(lib, dev, step) as err:
                if err:
                    d["memory_error"] = str(err)
                else:
                    step(f"calling cuMemGetInfo_v2 on device {ordinal}")
                    free, total, mem_err = mem_info(lib)
                    d.update(memory_free=free, memory_total=total)
                    if mem_err:
                        d["memory_error"] = mem_err
        out["devices"].append(d)
    return out


def describe_device(d: Dict[str, Any]) -> str:
    s = f"GPU {d['index']}: {d.get('name', 'unknown name')}"
    if d.get("compute_capability"):
        s += f", compute capability {d['compute_capability']}"
    if d.get("memory_total"):
        s += f", {compat.human_bytes(d.get('memory_free'))} free of {compat.human_bytes(d['memory_total'])}"
    return s


def run(ctx: Dict[str, Any], step: Step) -> Dict[str, Any]:
    lib, info = open_driver(step)
    observed: Dict[str, Any] = {"library": info}
    if lib is None:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"No NVIDIA driver library here: {info.get('error')}. Without it the driver "
            f"cannot be tested on this machine (no GPU driver installed or not visible).",
        }
    facts = query(lib, step)
    observed.update(facts)
    needed, source = compat.expected_cuda(ctx, allow_runtime=True)
    if needed:
        observed.update(needed_cuda=needed, needed_cuda_source=source)
    drv = facts.get("driver_cuda_version")
    where = info.get("realpath") or info.get("path") or DRIVER_NAME
    head = f"{DRIVER_NAME} ({where}) supports CUDA {drv or 'unknown'}"
    if info.get("user_space_version"):
        head += f", driver {info['user_space_version']}"
    kern, user = info.get("kernel_module_version"), info.get("user_space_version")
    if kern and user and kern != user:
        observed["kernel_mismatch"] = True
        return {
            "status": "confirmed",
            "observed": observed,
            "detail": f"{head}, but the kernel module is {kern}: the user-space driver and the kernel "
            f"module differ (reboot or reinstall the driver so they match).",
        }
    if facts.get("cuinit_rc"):
        return {
            "status": "confirmed",
            "observed": observed,
            "detail": f"{head}, but cuInit failed with {facts['cuinit_error']}, as TF's would.",
        }
    if facts.get("count_error") or not facts["devices"]:
        why = facts.get("count_error") or "it reports 0 devices"
        return {"status": "confirmed", "observed": observed, "detail": f"{head}; cuInit works but no GPU is usable: {why}."}
    gpus = "; ".join(describe_device(d) for d in facts["devices"])
    if needed and drv:
        verdict, why = compat.driver_supports(drv, needed)
        observed["driver_vs_needed"] = verdict
        need = f"TensorFlow needs CUDA {needed} (from {source})"
        if verdict == "too_old":
            return {"status": "confirmed", "observed": observed, "detail": f"{head}; {need}: {why}. Devices: {gpus}."}
        return {"status": "refuted", "observed": observed, "detail": f"{head} and initialises; {need}: {why}. Devices: {gpus}."}
    return {
        "status": "refuted",
        "observed": observed,
        "detail": f"{head} and initialises (no CUDA version to compare with was known). Devices: {gpus}.",
    }


def _device_index(ctx: Dict[str, Any]) -> int:
    for key in ("gpu_index", "device_index", "device"):
        m = re.search(r"(\d+)", str(ctx.get(key, "")))
        if m:
            return int(m.group(1))
    return 0


def run_gpu_alloc(ctx: Dict[str, Any], step: Step) -> Dict[str, Any]:
    want = compat.parse_bytes(ctx.get("requested_bytes"))
    observed: Dict[str, Any] = {"requested_bytes": want}
    if not want:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": "The log does not say how many bytes were requested"
            + (f" ({ctx['requested_bytes']!r} is not a byte count)" if ctx.get("requested_bytes") else "")
            + ", so there is nothing to allocate.",
        }
    lib, info = open_driver(step)
    observed["library"] = info
    if lib is None:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"No NVIDIA driver library here ({info.get('error')}), so GPU memory cannot be tested.",
        }
    step(f"calling cuInit in {DRIVER_NAME}")
    rc = _call(lib, "cuInit", 0)
    if rc != 0:
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"No usable GPU: cuInit failed with {error_name(lib, rc)}, so the allocation cannot be tried.",
        }
    index = _device_index(ctx)
    dev = _device(lib, index)
    human = compat.human_bytes(want)
    with primary_context(lib, dev, step) as err:
        if err and err.out_of_memory:
            observed.update(device=index, memory_total=total_memory(lib, dev), context_error=str(err))
            return {
                "status": "confirmed",
                "observed": observed,
                "detail": f"{full_gpu_detail(lib, dev, index, err)}, so allocating {human} ({want} bytes) "
                f"fails now as it did in the log.",
            }
        if err:
            return {"status": "inconclusive", "observed": observed, "detail": f"Could not open GPU {index}: {err}."}
        free, total, _ = mem_info(lib)
        observed.update(device=index, memory_free=free, memory_total=total)
        mem = f"{compat.human_bytes(free)} free of {compat.human_bytes(total)}" if total else "memory unknown"
        ptr = ctypes.c_uint64()
        step(f"calling cuMemAlloc_v2 for {want} bytes on device {index}")
        rc = _call(lib, "cuMemAlloc_v2", ctypes.byref(ptr), want)
        observed["alloc_rc"] = rc
        if rc == 0:
            _call(lib, "cuMemFree_v2", ptr.value)
            return {
                "status": "refuted",
                "observed": observed,
                "detail": f"Allocating {human} ({want} bytes) on GPU {index} works now ({mem}), so the "
                f"card can hold it; the out-of-memory in the log most likely came from memory already "
                f"in use at the time (by TensorFlow itself or another process).",
            }
        observed["alloc_error"] = error_name(lib, rc)
        if rc == 2:
            bigger = " — more than the whole card" if total and want > total else ""
            return {
                "status": "confirmed",
                "observed": observed,
                "detail": f"Allocating {human} ({want} bytes) on GPU {index} fails with "
                f"{observed['alloc_error']} ({mem}{bigger}).",
            }
        return {
            "status": "inconclusive",
            "observed": observed,
            "detail": f"Allocating {human} on GPU {index} failed with {observed['alloc_error']}, "
            f"which is not an out-of-memory error ({mem}).",
        }
