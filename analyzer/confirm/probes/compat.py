"""Version facts and compatibility rules the probes and `doctor` compare against.

Pure data and pure functions (no ctypes, no TensorFlow), so the parent process can
use them and tests can check them directly. The version tables come from
rules/compat/*.yaml (the single source, read through `analyzer.kb.compat`); the dicts
below are views of them in the shapes the probes use. CUDA/cuDNN API enums stay here.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from analyzer.kb.compat import compat as _compat

_C = _compat()


def _tf_builds() -> Dict[str, Tuple[str, str]]:
    """TF (major.minor) -> (cuDNN, CUDA) the official Linux wheel was built against."""
    rows = sorted(((k, rec) for (plat, k), rec in _C.builds.items() if plat == "linux"), reverse=True)
    return {f"{k[0]}.{k[1]}": (str(rec["cudnn"]), str(rec["cuda"])) for k, rec in rows}


def _component_sonames(os_name: str) -> Dict[str, List[str]]:
    """Component -> every name it has across CUDA (or cuDNN) versions, newest first."""
    order = [str(r["component"]) for r in _C.tf_required] + ["nvrtc"]
    out: Dict[str, List[str]] = {}
    for comp in order:
        if comp == "cudnn":
            rows = [r for r in _C.cudnn_rows if r.get(os_name)]
            names = [str(r[os_name]) for r in sorted(rows, key=lambda r: int(r["cudnn"]), reverse=True)]
        elif comp == "nvrtc":
            names = [str(r[os_name]) for r in _C.nvrtc_rows if r.get(os_name)]
        else:
            names = [str((r.get(os_name) or {}).get(comp)) for r in reversed(_C.lib_rows) if (r.get(os_name) or {}).get(comp)]
        out[comp] = list(dict.fromkeys(names))
    return out


# TF (major.minor) -> (cuDNN, CUDA) of the Linux tested build (tested_builds.yaml).
TF_BUILDS: Dict[str, Tuple[str, str]] = _tf_builds()

# Minimum Linux driver for each CUDA toolkit GA (cuda_drivers.yaml, NVIDIA Table 3).
MIN_DRIVER_LINUX: Dict[str, str] = {f"{k[0]}.{k[1]}": str(r["linux"]) for k, r in sorted(_C.ga.items()) if r.get("linux")}
# Minor-version compatibility (CUDA 11+): any driver at or above the family minimum runs
# every toolkit of that major, with a limited feature set (no newer PTX JIT).
FAMILY_MIN_DRIVER_LINUX: Dict[int, str] = {fam: str(r["linux"]) for fam, r in sorted(_C.mvc.items()) if r.get("linux")}

# The sonames probed per component, newest first (library_names.yaml).
COMPONENT_SONAMES_LINUX: Dict[str, List[str]] = _component_sonames("linux")
COMPONENT_SONAMES_WINDOWS: Dict[str, List[str]] = _component_sonames("windows")

CU_ERRORS: Dict[int, str] = {  # cuda.h CUresult names (tf_apis.md / message_catalog.md 4.1)
    0: "CUDA_SUCCESS",
    1: "CUDA_ERROR_INVALID_VALUE",
    2: "CUDA_ERROR_OUT_OF_MEMORY",
    3: "CUDA_ERROR_NOT_INITIALIZED",
    100: "CUDA_ERROR_NO_DEVICE",
    101: "CUDA_ERROR_INVALID_DEVICE",
    303: "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED",
    304: "CUDA_ERROR_OPERATING_SYSTEM",
    803: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
    804: "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
    999: "CUDA_ERROR_UNKNOWN",
}
CUDNN_STATUS_V8: List[str] = [  # cudnnStatus_t values 0.. for cuDNN <= 8 (fallback names only)
    "CUDNN_STATUS_SUCCESS",
    "CUDNN_STATUS_NOT_INITIALIZED",
    "CUDNN_STATUS_ALLOC_FAILED",
    "CUDNN_STATUS_BAD_PARAM",
    "CUDNN_STATUS_INTERNAL_ERROR",
    "CUDNN_STATUS_INVALID_VALUE",
    "CUDNN_STATUS_ARCH_MISMATCH",
    "CUDNN_STATUS_MAPPING_ERROR",
    "CUDNN_STATUS_EXECUTION_FAILED",
    "CUDNN_STATUS_NOT_SUPPORTED",
    "CUDNN_STATUS_LICENSE_ERROR",
]


def sonames(component: str, windows: bool = False) -> List[str]:
    table = COMPONENT_SONAMES_WINDOWS if windows else COMPONENT_SONAMES_LINUX
    return list(table.get(component, []))


# ---------------------------------------------------------------- versions


def vtuple(v: Any) -> Optional[Tuple[int, ...]]:
    """'8.1.0' -> (8, 1, 0); '11.2' -> (11, 2); 'V12.5.82' -> (12, 5, 82); junk -> None."""
    if v is None:
        return None
    nums = re.findall(r"\d+", str(v))
    return tuple(int(n) for n in nums[:3]) if nums else None


def vstr(t: Optional[Tuple[int, ...]]) -> str:
    return ".".join(str(x) for x in t) if t else "unknown"


def decode_cudnn(v: int) -> str:
    """cudnnGetVersion(): <9 is major*1000+minor*100+patch, >=9 major*10000+minor*100+patch."""
    v = int(v)
    if v >= 90000:
        return f"{v // 10000}.{v // 100 % 100}.{v % 100}"
    return f"{v // 1000}.{v // 100 % 10}.{v % 100}"


def decode_cuda(v: int) -> str:
    """cudaRuntimeGetVersion()/cuDriverGetVersion(): 11020 -> '11.2', 12040 -> '12.4'."""
    v = int(v)
    return f"{v // 1000}.{v % 1000 // 10}"


def tf_build(tf_version: Any) -> Optional[Dict[str, str]]:
    """TF's tested Linux build for a version string like '2.5.0' or 'tensorflow_gpu-1.15.0'."""
    t = vtuple(tf_version)
    if not t or len(t) < 2:
        return None
    row = TF_BUILDS.get(f"{t[0]}.{t[1]}")
    return {"cudnn": row[0], "cuda": row[1]} if row else None


def cudnn_compatible(loaded: str, compiled: str) -> Tuple[bool, str]:
    """TF's rule (IsSourceCompatibleWithCudnnLibrary): same major, loaded minor >= compiled minor."""
    lo, co = vtuple(loaded), vtuple(compiled)
    if not lo or not co:
        return True, "one of the versions is unknown"
    if lo[0] != co[0]:
        return False, "the major versions differ"
    if len(co) < 2:
        return True, "TensorFlow records only the cuDNN major version, and it matches"
    lo_minor = lo[1] if len(lo) > 1 else 0
    if lo_minor < co[1]:
        return False, "the loaded minor version is older than the one TensorFlow was built with"
    return True, "same major version and an equal or newer minor version"


def cuda_runtime_compatible(loaded: str, expected: str) -> Tuple[bool, str]:
    """CUDA >= 11 libraries are found by major SONAME (minor-version compatible); 10.x needs x.y."""
    lo, ex = vtuple(loaded), vtuple(expected)
    if not lo or not ex:
        return True, "one of the versions is unknown"
    if ex[0] >= 11:
        if lo[0] != ex[0]:
            return False, f"TensorFlow needs a CUDA {ex[0]}.x runtime"
        return True, f"both are CUDA {ex[0]}.x, which are interchangeable (minor-version compatibility)"
    if lo[:2] != ex[:2]:
        return False, f"before CUDA 11 the runtime must be exactly {ex[0]}.{ex[1] if len(ex) > 1 else 0}"
    return True, "same CUDA major and minor version"


def driver_supports(driver_cuda: str, needed: str) -> Tuple[str, str]:
    """Compare the driver's CUDA level (cuDriverGetVersion) with the CUDA TF needs.

    Returns ("ok" | "compat" | "too_old" | "unknown", reason). "compat" = runs through CUDA 11+
    minor-version compatibility, but PTX from the newer toolkit cannot be JIT-compiled.
    """
    d, n = vtuple(driver_cuda), vtuple(needed)
    if not d or not n:
        return "unknown", "a version is unknown"
    n = n[:2] if len(n) > 1 else (n[0], 0)
    if d[:2] >= n:
        return "ok", f"the driver supports CUDA up to {vstr(d[:2])}, which covers CUDA {vstr(n)}"
    if n[0] >= 11 and d[0] == n[0]:
        fam = FAMILY_MIN_DRIVER_LINUX.get(n[0])
        return "compat", (
            f"the driver supports CUDA up to {vstr(d[:2])}; CUDA {vstr(n)} still runs through "
            f"minor-version compatibility (Linux driver >= {fam}), but PTX built by the newer "
            f"toolkit (XLA's JIT) can fail with CUDA_ERROR_UNSUPPORTED_PTX_VERSION"
        )
    need = MIN_DRIVER_LINUX.get(vstr(n))
    more = f" (Linux driver >= {need})" if need else ""
    return "too_old", f"the driver supports CUDA only up to {vstr(d[:2])}, but CUDA {vstr(n)} is needed{more}"


def cuda_sonames_for(cuda_version: Any, windows: bool = False) -> Dict[str, str]:
    """The CUDA library names a TF build for this CUDA version dlopens (library_names.yaml)."""
    row = _C.lib_row_for_cuda(cuda_version) if vtuple(cuda_version) else None
    if row is None:
        return {}
    names = dict(row.get("windows" if windows else "linux") or {})
    names.pop("nvJitLink", None)  # not on TF's dlopen list
    return {str(k): str(v) for k, v in names.items()}


def tf_required_libraries(tf_version: Any, cuda_version: Any, cudnn_version: Any, windows: bool = False) -> Dict[str, str]:
    """Libraries TF's TryDlopenCUDALibraries insists on (curand until ~2.14, cublasLt from 2.4)."""
    names = cuda_sonames_for(cuda_version, windows)
    tv = (vtuple(tf_version) or (99, 99))[:2]
    for req in _C.tf_required:
        comp = str(req["component"])
        from_tf, before_tf = vtuple(req.get("from_tf")), vtuple(req.get("before_tf"))
        if (from_tf and tv < from_tf[:2]) or (before_tf and tv >= before_tf[:2]):
            names.pop(comp, None)
    cd = vtuple(cudnn_version)
    if cd:
        names["cudnn"] = f"cudnn64_{cd[0]}.dll" if windows else f"libcudnn.so.{cd[0]}"
    return names


# ---------------------------------------------------------------- what the finding says


def _tf_build_info(ctx: Dict[str, Any]) -> Dict[str, Any]:
    info = ctx.get("_tf_build") or {}
    return info if info.get("installed") else {}


def expected_cudnn(ctx: Dict[str, Any]) -> Tuple[Optional[str], str]:
    """The cuDNN TF was built with, and where that fact came from."""
    tf = _tf_build_info(ctx)
    bi = tf.get("build_info") or {}
    if bi.get("cudnn_version"):
        value, source = str(bi["cudnn_version"]), f"the installed TensorFlow {tf.get('version')} (its build info)"
        row, got = tf_build(tf.get("version")), vtuple(value) or ()
        if row and len(got) == 1 and (vtuple(row["cudnn"]) or (0,))[0] == got[0]:
            # build info often records only the major ('8'); the tested build has the minor TF checks
            value, source = row["cudnn"], source[:-1] + " and its tested build)"
        return value, source
    if ctx.get("cudnn_compiled"):
        return str(ctx["cudnn_compiled"]), "the log"
    row = tf_build(ctx.get("tf_version"))
    if row:
        return row["cudnn"], f"TensorFlow {ctx.get('tf_version')}'s tested build"
    return None, ""


def expected_cuda(ctx: Dict[str, Any], allow_runtime: bool = False) -> Tuple[Optional[str], str]:
    """The CUDA TF was built with (allow_runtime: fall back to the runtime version the log names)."""
    tf = _tf_build_info(ctx)
    bi = tf.get("build_info") or {}
    if bi.get("cuda_version"):
        return str(bi["cuda_version"]), f"the installed TensorFlow {tf.get('version')} (its build info)"
    if ctx.get("cuda_compiled"):
        return str(ctx["cuda_compiled"]), "the log"
    row = tf_build(ctx.get("tf_version"))
    if row:
        return row["cuda"], f"TensorFlow {ctx.get('tf_version')}'s tested build"
    if allow_runtime and ctx.get("cuda_runtime"):
        return str(ctx["cuda_runtime"]), "the CUDA runtime the log names"
    return None, ""


_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_bytes(value: Any) -> Optional[int]:
    """33554432, '33554432', '32.00M (33554432 bytes)', '3.45GiB' -> bytes (TF's units are 1024-based)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if value > 0 else None
    s = str(value).strip()
    m = re.search(r"\((\d+)\s*bytes\)", s) or re.fullmatch(r"(\d+)(?:\s*bytes)?", s)
    if m:
        return int(m.group(1)) or None
    m = re.fullmatch(r"([\d.]+)\s*([KMGT]?)(?:i?B)?", s, re.I)
    if m:
        try:
            return int(float(m.group(1)) * _UNITS[m.group(2).upper()]) or None
        except ValueError:
            return None
    return None


def human_bytes(n: Optional[int]) -> str:
    if n is None:
        return "unknown"
    size: float = n
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1024
    return str(size)
