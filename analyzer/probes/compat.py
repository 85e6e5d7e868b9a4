"""Version facts and compatibility rules the probes and `doctor` compare against.

Pure data and pure functions (no ctypes, no TensorFlow), so the parent process can
use them and tests can check them directly. Sources: /work/shared/reference
(tested_builds.md, cuda_drivers.md, library_names.md, tf_apis.md). The lead may move
the tables to rules/compat/ later; keep them plain dicts so that is a copy.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

# TF (major.minor) -> (cuDNN, CUDA) the official Linux wheel was built against
# (tested_builds.md section 1; 1.12 and older: the library_names.md CUDA 9.0 row).
TF_BUILDS: Dict[str, Tuple[str, str]] = {
    "2.21": ("9.3", "12.5"), "2.20": ("9.3", "12.5"), "2.19": ("9.3", "12.5"),
    "2.18": ("9.3", "12.5"), "2.17": ("8.9", "12.3"), "2.16": ("8.9", "12.3"),
    "2.15": ("8.9", "12.2"), "2.14": ("8.7", "11.8"), "2.13": ("8.6", "11.8"),
    "2.12": ("8.6", "11.8"), "2.11": ("8.1", "11.2"), "2.10": ("8.1", "11.2"),
    "2.9": ("8.1", "11.2"), "2.8": ("8.1", "11.2"), "2.7": ("8.1", "11.2"),
    "2.6": ("8.1", "11.2"), "2.5": ("8.1", "11.2"), "2.4": ("8.0", "11.0"),
    "2.3": ("7.6", "10.1"), "2.2": ("7.6", "10.1"), "2.1": ("7.6", "10.1"),
    "2.0": ("7.4", "10.0"), "1.15": ("7.4", "10.0"), "1.14": ("7.4", "10.0"),
    "1.13": ("7.4", "10.0"), "1.12": ("7", "9.0"), "1.11": ("7", "9.0"),
    "1.10": ("7", "9.0"), "1.9": ("7", "9.0"), "1.8": ("7", "9.0"), "1.7": ("7", "9.0"),
    "1.6": ("7", "9.0"), "1.5": ("7", "9.0"), "1.4": ("6", "8.0"), "1.3": ("6", "8.0"),
    "1.2": ("5.1", "8.0"), "1.1": ("5.1", "8.0"), "1.0": ("5.1", "8.0"),
}

# Minimum Linux driver for each CUDA toolkit GA (cuda_drivers.md section 1, Table 3).
MIN_DRIVER_LINUX: Dict[str, str] = {
    "9.0": "384.81", "9.1": "390.46", "9.2": "396.26", "10.0": "410.48", "10.1": "418.39",
    "10.2": "440.33", "11.0": "450.51.05", "11.1": "455.23", "11.2": "460.27.03",
    "11.3": "465.19.01", "11.4": "470.42.01", "11.5": "495.29.05", "11.6": "510.39.01",
    "11.7": "515.43.04", "11.8": "520.61.05", "12.0": "525.60.13", "12.1": "530.30.02",
    "12.2": "535.54.03", "12.3": "545.23.06", "12.4": "550.54.14", "12.5": "555.42.02",
    "12.6": "560.28.03", "12.8": "570.26", "12.9": "575.51.03", "13.0": "580.65.06",
    "13.1": "590.44.01", "13.2": "595.45.04",
}
# Minor-version compatibility (CUDA 11+): any driver at or above the family minimum runs
# every toolkit of that major, with a limited feature set (no newer PTX JIT).
FAMILY_MIN_DRIVER_LINUX: Dict[int, str] = {11: "450.80.02", 12: "525.60.13", 13: "580.65.06"}

# The sonames probed per component, newest first (library_names.md sections 1-3).
COMPONENT_SONAMES_LINUX: Dict[str, List[str]] = {
    "cudart": ["libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so.10.2",
               "libcudart.so.10.1", "libcudart.so.10.0", "libcudart.so.9.0"],
    "cublas": ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so.10",
               "libcublas.so.10.0", "libcublas.so.9.0"],
    "cublasLt": ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so.10"],
    "cufft": ["libcufft.so.12", "libcufft.so.11", "libcufft.so.10", "libcufft.so.10.0", "libcufft.so.9.0"],
    "curand": ["libcurand.so.10", "libcurand.so.10.0", "libcurand.so.9.0"],
    "cusolver": ["libcusolver.so.12", "libcusolver.so.11", "libcusolver.so.10",
                 "libcusolver.so.10.0", "libcusolver.so.9.0"],
    "cusparse": ["libcusparse.so.12", "libcusparse.so.11", "libcusparse.so.10",
                 "libcusparse.so.10.0", "libcusparse.so.9.0"],
    "cudnn": ["libcudnn.so.9", "libcudnn.so.8", "libcudnn.so.7"],
    "nvrtc": ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1",
              "libnvrtc.so.11.0", "libnvrtc.so.10.2", "libnvrtc.so.10.1", "libnvrtc.so.10.0"],
}
# Windows names follow `<name>64_<ver>.dll` (library_names.md section 1; nvrtc from memory).
COMPONENT_SONAMES_WINDOWS: Dict[str, List[str]] = {
    "cudart": ["cudart64_13.dll", "cudart64_12.dll", "cudart64_110.dll", "cudart64_102.dll",
               "cudart64_101.dll", "cudart64_100.dll", "cudart64_90.dll"],
    "cublas": ["cublas64_12.dll", "cublas64_11.dll", "cublas64_10.dll", "cublas64_100.dll"],
    "cublasLt": ["cublasLt64_12.dll", "cublasLt64_11.dll", "cublasLt64_10.dll"],
    "cufft": ["cufft64_11.dll", "cufft64_10.dll", "cufft64_100.dll"],
    "curand": ["curand64_10.dll", "curand64_100.dll"],
    "cusolver": ["cusolver64_11.dll", "cusolver64_10.dll", "cusolver64_100.dll"],
    "cusparse": ["cusparse64_12.dll", "cusparse64_11.dll", "cusparse64_10.dll", "cusparse64_100.dll"],
    "cudnn": ["cudnn64_9.dll", "cudnn64_8.dll", "cudnn64_7.dll"],
    "nvrtc": ["nvrtc64_120_0.dll", "nvrtc64_112_0.dll", "nvrtc64_111_0.dll", "nvrtc64_110_0.dll",
              "nvrtc64_102_0.dll", "nvrtc64_101_0.dll"],
}

CU_ERRORS: Dict[int, str] = {  # cuda.h CUresult names (tf_apis.md / message_catalog.md 4.1)
    0: "CUDA_SUCCESS", 1: "CUDA_ERROR_INVALID_VALUE", 2: "CUDA_ERROR_OUT_OF_MEMORY",
    3: "CUDA_ERROR_NOT_INITIALIZED", 100: "CUDA_ERROR_NO_DEVICE", 101: "CUDA_ERROR_INVALID_DEVICE",
    303: "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", 304: "CUDA_ERROR_OPERATING_SYSTEM",
    803: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", 804: "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
    999: "CUDA_ERROR_UNKNOWN",
}
CUDNN_STATUS_V8: List[str] = [  # cudnnStatus_t values 0.. for cuDNN <= 8 (fallback names only)
    "CUDNN_STATUS_SUCCESS", "CUDNN_STATUS_NOT_INITIALIZED", "CUDNN_STATUS_ALLOC_FAILED",
    "CUDNN_STATUS_BAD_PARAM", "CUDNN_STATUS_INTERNAL_ERROR", "CUDNN_STATUS_INVALID_VALUE",
    "CUDNN_STATUS_ARCH_MISMATCH", "CUDNN_STATUS_MAPPING_ERROR", "CUDNN_STATUS_EXECUTION_FAILED",
    "CUDNN_STATUS_NOT_SUPPORTED", "CUDNN_STATUS_LICENSE_ERROR",
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
        return "compat", (f"the driver supports CUDA up to {vstr(d[:2])}; CUDA {vstr(n)} still runs through "
                          f"minor-version compatibility (Linux driver >= {fam}), but PTX built by the newer "
                          f"toolkit (XLA's JIT) can fail with CUDA_ERROR_UNSUPPORTED_PTX_VERSION")
    need = MIN_DRIVER_LINUX.get(vstr(n))
    more = f" (Linux driver >= {need})" if need else ""
    return "too_old", f"the driver supports CUDA only up to {vstr(d[:2])}, but CUDA {vstr(n)} is needed{more}"


def cuda_sonames_for(cuda_version: Any, windows: bool = False) -> Dict[str, str]:
    """The CUDA library names a TF build for this CUDA version dlopens (library_names.md section 2)."""
    t = vtuple(cuda_version)
    if not t:
        return {}
    major, minor = t[0], (t[1] if len(t) > 1 else 0)
    if major >= 13:
        v = {"cudart": "13", "cublas": "13", "cublasLt": "13", "cufft": "12", "curand": "10",
             "cusolver": "12", "cusparse": "12"}
    elif major == 12:
        v = {"cudart": "12", "cublas": "12", "cublasLt": "12", "cufft": "11", "curand": "10",
             "cusolver": "11", "cusparse": "12"}
    elif major == 11:
        v = {"cudart": "11.0", "cublas": "11", "cublasLt": "11", "cufft": "10", "curand": "10",
             "cusolver": "10" if minor == 0 else "11", "cusparse": "11"}
    elif major == 10 and minor >= 1:
        v = {c: "10" for c in ("cublas", "cufft", "curand", "cusolver", "cusparse")}
        v["cudart"] = f"10.{minor}"
    else:
        v = {c: f"{major}.{minor}" for c in ("cudart", "cublas", "cufft", "curand", "cusolver", "cusparse")}
    if windows:
        return {c: f"{c}64_{ver.replace('.', '')}.dll" for c, ver in v.items()}
    return {c: f"lib{c}.so.{ver}" for c, ver in v.items()}


def tf_required_libraries(tf_version: Any, cuda_version: Any, cudnn_version: Any,
                          windows: bool = False) -> Dict[str, str]:
    """Libraries TF's TryDlopenCUDALibraries insists on (curand until ~2.14, cublasLt from 2.4)."""
    names = cuda_sonames_for(cuda_version, windows)
    tv = vtuple(tf_version) or (99, 99)
    if tv[:2] >= (2, 14):
        names.pop("curand", None)
    if tv[:2] < (2, 4):
        names.pop("cublasLt", None)
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


_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


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
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n = n / 1024
    return str(n)
