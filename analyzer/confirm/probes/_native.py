"""ctypes helpers shared by the probes: load a library the way TF does and say where it came from.

Only ever imported inside a probe subprocess (see `_runner`), so a library that crashes
or hangs while loading takes down that subprocess, not tflog.
"""

from __future__ import annotations

import ctypes
import glob
import os
import re
import site
import subprocess
import sys
from typing import Any, Dict, List, Optional, Set, Tuple

IS_WINDOWS = os.name == "nt"


def wrong_platform(name: str) -> Optional[str]:
    """A reason when the library name belongs to another OS (a Windows log read on Linux, say)."""
    low = name.lower()
    if IS_WINDOWS and (".so" in low or low.endswith(".dylib")):
        return f"{name} is a Linux library name and this machine runs Windows"
    if not IS_WINDOWS and low.endswith(".dll"):
        return f"{name} is a Windows DLL and this machine runs {sys.platform}"
    return None


def load(name: str, mode: Optional[int] = None) -> Tuple[Optional[ctypes.CDLL], Dict[str, Any]]:
    """dlopen `name` like TF's dso_loader (RTLD_NOW | RTLD_LOCAL). Returns (lib, facts)."""
    info: Dict[str, Any] = {"name": name, "loaded": False}
    try:
        if IS_WINDOWS:  # winmode=0: the classic LoadLibrary search, PATH included, as TF's loader sees it
            lib = ctypes.CDLL(name, winmode=0)
        else:
            lib = ctypes.CDLL(name, mode=ctypes.DEFAULT_MODE if mode is None else mode)
    except OSError as e:
        info["error"] = str(e)
        return None, info
    info["loaded"] = True
    path = loaded_path(lib, name)
    if path:
        info["path"] = path
        real = os.path.realpath(path)
        if real != path:
            info["realpath"] = real
        ver = version_from_filename(real)
        if ver:
            info["file_version"] = ver
    return lib, info


def load_like_tf(name: str) -> Tuple[Optional[ctypes.CDLL], Dict[str, Any]]:
    """Default search first; then the pip `nvidia-*` wheel dirs, which TF >= 2.14 finds by its rpath."""
    lib, info = load(name)
    if lib is not None or os.sep in name:
        info.setdefault("via", "search path")
        return lib, info
    for d in pip_wheel_dirs():
        path = os.path.join(d, name)
        if os.path.exists(path):
            lib2, info2 = load(path)
            info2.update(name=name, via="pip wheel dir", search_error=info.get("error"))
            if lib2 is not None:
                return lib2, info2
    return None, info


def loaded_path(lib: ctypes.CDLL, name: str) -> Optional[str]:
    """Where the dynamic loader actually found the library."""
    if IS_WINDOWS:
        buf = ctypes.create_unicode_buffer(32768)
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]  # ctypes.windll: Windows only
        n = kernel32.GetModuleFileNameW(ctypes.c_void_p(lib._handle), buf, len(buf))
        return buf.value if n else None
    path = _dlinfo_path(lib._handle)
    if path:
        return path
    return _maps_path(name)


class _LinkMap(ctypes.Structure):
    _fields_ = [("l_addr", ctypes.c_void_p), ("l_name", ctypes.c_char_p)]


def _dlinfo_path(handle: int) -> Optional[str]:
    for libname in (None, "libdl.so.2"):
        try:
            dlinfo = ctypes.CDLL(libname).dlinfo
        except (OSError, AttributeError):
            continue
        dlinfo.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        lm = ctypes.POINTER(_LinkMap)()
        if dlinfo(ctypes.c_void_p(handle), 2, ctypes.byref(lm)) == 0 and lm and lm.contents.l_name:
            return os.fsdecode(lm.contents.l_name)
    return None


def _maps_path(name: str) -> Optional[str]:
    pat = _family_regex(os.path.basename(name))
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split(None, 5)[-1].strip()
                if path.startswith("/") and pat.match(os.path.basename(path)):
                    return path
    except OSError:
        pass
    return None


def version_from_filename(path: str) -> Optional[str]:
    """'/usr/lib/libcudnn.so.8.0.5' -> '8.0.5'; 'libcuda.so.535.104.05' -> '535.104.05'."""
    m = re.search(r"\.so\.(\d+(?:\.\d+)*)$", os.path.basename(path))
    return m.group(1) if m else None


def _family_regex(name: str) -> re.Pattern[str]:
    """Files of one library family: libcudnn.so.8 ~ libcudnn.so, libcudnn.so.9.1.0; cudnn64_8.dll ~ cudnn64_9.dll."""
    base = os.path.basename(name)
    m = re.match(r"^(.+?)\.so(\.[\d.]+)?$", base)
    if m:
        return re.compile(re.escape(m.group(1)) + r"\.so(\.[\d.]+)?$")
    m = re.match(r"^([A-Za-z]+?)(64)?(_[\d_]+)?\.dll$", base, re.I)
    if m:
        return re.compile(re.escape(m.group(1)) + r"(64)?(_[\d_]+)?\.dll$", re.I)
    return re.compile(re.escape(base) + "$")


# ---------------------------------------------------------------- where copies live


def site_dirs() -> List[str]:
    dirs = []
    try:
        dirs += site.getsitepackages()
    except AttributeError:  # old virtualenv
        pass
    try:
        dirs.append(site.getusersitepackages())
    except AttributeError:
        pass
    dirs += [p for p in sys.path if p.rstrip("/\\").endswith(("site-packages", "dist-packages"))]
    return list(dict.fromkeys(d for d in dirs if os.path.isdir(d)))


def pip_wheel_dirs() -> List[str]:
    """site-packages/nvidia/<component>/lib (bin on Windows): where nvidia-*-cu1x wheels put libraries."""
    sub = "bin" if IS_WINDOWS else "lib"
    out: List[str] = []
    for sp in site_dirs():
        out += sorted(glob.glob(os.path.join(sp, "nvidia", "*", sub)))
        out += sorted(glob.glob(os.path.join(sp, "nvidia", "cu*", sub)))  # cuda-toolkit 13 layout
    return list(dict.fromkeys(out))


def search_dirs() -> List[Tuple[str, str]]:
    """(directory, why it is searched), in roughly the order a user should look at them."""
    dirs: List[Tuple[str, str]] = []
    if IS_WINDOWS:
        for key, val in sorted(os.environ.items()):
            if key.upper().startswith("CUDA_PATH") and val:
                dirs.append((os.path.join(val, "bin"), key))
        dirs += [(d, "PATH") for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    else:
        dirs += [(d, "LD_LIBRARY_PATH") for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    dirs += [(d, "pip wheel") for d in pip_wheel_dirs()]
    if not IS_WINDOWS:
        dirs.append((os.path.join(sys.prefix, "lib"), "this Python environment (conda)"))
        for pat in (
            "/usr/local/cuda/lib64",
            "/usr/local/cuda/lib",
            "/usr/local/cuda-*/lib64",
            "/usr/local/cuda-*/lib",
            "/usr/local/cuda-*/targets/*/lib",
            "/usr/lib/wsl/lib",
        ):
            dirs += [(d, "CUDA install" if "cuda" in d else "WSL driver") for d in sorted(glob.glob(pat))]
    return dirs


def ldconfig_cache() -> List[Tuple[str, str]]:
    """(soname, path) pairs from `ldconfig -p` (reads the cache, changes nothing)."""
    if IS_WINDOWS:
        return []
    for exe in ("ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"):
        try:
            out = subprocess.run(
                [exe, "-p"], capture_output=True, text=True, timeout=10, env={**os.environ, "LC_ALL": "C"}
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        pairs = []
        for line in out.splitlines():
            m = re.match(r"\s*(\S+)\s+\(.*\)\s+=>\s+(\S+)", line)
            if m:
                pairs.append((m.group(1), m.group(2)))
        return pairs
    return []


def find_copies(name: str, limit: int = 40) -> List[Dict[str, Any]]:
    """Every file of this library's family on the usual search locations (any version)."""
    pat = _family_regex(name)
    seen: Set[str] = set()
    out: List[Dict[str, Any]] = []

    def add(path: str, source: str) -> None:
        real = os.path.realpath(path)
        if real in seen or len(out) >= limit or not os.path.exists(real):
            return  # one entry per real file: lib64 -> lib and .so -> .so.N links are the same copy
        seen.add(real)
        entry = {"file": os.path.basename(path), "path": path, "source": source, "version": version_from_filename(real)}
        if real != path:
            entry["realpath"] = real
        out.append(entry)

    for d, source in search_dirs():
        try:
            entries = sorted(os.listdir(d))
        except OSError:
            continue
        for f in sorted(entries, key=lambda f: (not re.search(r"\.so\.\d", f), f)):
            if pat.match(f):
                add(os.path.join(d, f), source)
    for soname, path in ldconfig_cache():
        if pat.match(soname):
            add(path, "ldconfig cache")
    return out


def c_str(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
