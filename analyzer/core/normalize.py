"""Text and version normalisation shared by matching, fact extraction and rules.

`mask()` turns a message into its template (numbers, hex, paths, shapes,
timestamps and quoted names replaced by placeholders) so that repeated lines
fold together and fuzzy matching compares wording, not values.
"""

from __future__ import annotations

from typing import Optional, Tuple

from analyzer.core.cache import compile_re

# (pattern, replacement, strings one of which each of its matches holds: without them in the text the
# substitution changes nothing and is skipped; a message with a hex id is masked per line, ~20 us)
_MASKS = [
    (compile_re(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?"), "<TS>", ("-",)),
    (compile_re(r"\b0x[0-9a-fA-F]+\b"), "<HEX>", ("0x",)),
    (compile_re(r"(?:[A-Za-z]:)?(?:[\\/][\w.+~-]+){2,}[\\/]?"), "<PATH>", ("/", "\\")),
    (compile_re(r"\[[\d?, -]+\]"), "<SHAPE>", ("[",)),
    (compile_re(r"'[^'\s]{1,200}'|\"[^\"\s]{1,200}\""), "<Q>", ("'", '"')),
    (compile_re(r"\b[0-9a-f]{12,}\b"), "<HEX>", ()),
    (compile_re(r"\d+(?:\.\d+)*"), "<N>", ()),
    (compile_re(r"\s+"), " ", ()),
]


def mask(text: str) -> str:
    """Return the template of a message: values masked, whitespace squeezed."""
    for pattern, repl, needs in _MASKS:
        if not needs or any(n in text for n in needs):
            text = pattern.sub(repl, text)
    return text.strip()


# --- versions -----------------------------------------------------------------

_VERSION = compile_re(r"\d+(?:\.\d+)*")


_SEPARATORS = compile_re(r"[-_.]+")


# The distributions whose version is TensorFlow's (its flavours, Intel's and AMD's builds): each installs the
# `tensorflow` folder, so pip does not know that two of them overlap (the one installed last overwrites the other's files)
TF_PACKAGES = frozenset(
    {
        "tensorflow",
        "tensorflow-gpu",
        "tensorflow-cpu",
        "tensorflow-intel",
        "tensorflow-macos",
        "tensorflow-rocm",
        "tensorflow-aarch64",
        "intel-tensorflow",
    }
)


def package_name(name: str) -> str:
    """A package's name as pip compares it (PEP 503): `Tensorflow_IO.gcs` is `tensorflow-io-gcs`."""
    return _SEPARATORS.sub("-", name).lower()


def version_tuple(v: object) -> Optional[Tuple[int, ...]]:
    """'2.4.1' -> (2, 4, 1); '2.15.0_rc0' -> (2, 15, 0); None when no number."""
    if v is None:
        return None
    m = _VERSION.search(str(v))
    return tuple(int(x) for x in m.group().split(".")) if m else None


def cudnn_version(raw: str) -> str:
    """cuDNN as printed by TF: '7201' -> '7.2.1', '5110' -> '5.1.10', '90300' -> '9.3.0'; dotted kept."""
    raw = raw.strip().rstrip(".")
    if not raw.isdigit():
        return raw
    n = int(raw)
    if n >= 10000:  # cuDNN 9 encodes major*10000 + minor*100 + patch
        return f"{n // 10000}.{n % 10000 // 100}.{n % 100}"
    if n >= 1000:  # cuDNN <= 8: major*1000 + minor*100 + patch
        return f"{n // 1000}.{n % 1000 // 100}.{n % 100}"
    return raw


def cuda_version(raw: str) -> str:
    """CUDA as printed: '11020' -> '11.2', '110' (cudart64_110.dll) -> '11.0', '101' -> '10.1',
    '80' (cudart64_80.dll) -> '8.0'; '12' (cudart64_12.dll, CUDA 12's major-only name) stays."""
    raw = raw.strip().rstrip(".")
    if raw.isdigit():
        n = int(raw)
        if n >= 1000:  # cudaRuntimeGetVersion form
            return f"{n // 1000}.{n % 1000 // 10}"
        if n >= 100:  # Windows DLL suffix: 110 -> 11.0, 101 -> 10.1, 90 is 9.0
            return f"{n // 10}.{n % 10}"
        if 60 <= n < 100:  # CUDA 6.5-9.2 DLLs: cudart64_65.dll ... cudart64_92.dll
            return f"{n // 10}.{n % 10}"
    return raw


def driver_version(raw: str) -> str:
    """TF prints a two-part driver as 'x.y.0' ('384.90' -> '384.90.0'); undo that."""
    raw = raw.strip().rstrip(".")
    parts = raw.split(".")
    if len(parts) == 3 and parts[2] == "0":
        return ".".join(parts[:2])
    return raw


_LIB_CUDA = compile_re(
    r"^(?:lib)?(?P<name>cudart|cublas|cublasLt|cufft|curand|cusolver|cusparse|nvrtc|cupti|cudnn|nvinfer|nvinfer_plugin|cuda|nvcuda)"
    r"(?:(?:64)?_(?P<win>\d+)\.dll|\.so(?:\.(?P<so>\d+(?:\.\d+)*))?|\.(?P<mac>\d+(?:\.\d+)*)\.dylib|\.dll)$"
)


def cuda_named_by(cudart_version: str) -> str:
    """The CUDA a missing runtime's file name asks for. CUDA 11 kept one name for every 11.x
    (libcudart.so.11.0, cudart64_110.dll), so that name asks for CUDA 11, not 11.0; older names
    (libcudart.so.10.1) are exact, newer ones (libcudart.so.12) carry the major only."""
    cuda = ".".join(cuda_version(cudart_version).split(".")[:2])  # libcudart.so.8.0.27 is CUDA 8.0
    return "11" if cuda == "11.0" else cuda


def library_version(lib: str) -> Tuple[Optional[str], Optional[str]]:
    """('libcudart.so.11.0') -> ('cudart', '11.0'); ('cudart64_110.dll') -> ('cudart', '11.0')."""
    m = _LIB_CUDA.match(lib.strip().strip("'\""))
    if not m:
        return None, None
    name = m.group("name")
    if m.group("win"):
        v = m.group("win")
        return name, (cuda_version(v) if name in ("cudart",) or len(v) == 3 else v)
    return name, m.group("so") or m.group("mac")
