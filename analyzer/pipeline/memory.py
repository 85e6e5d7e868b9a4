"""Memory numbers of a finding: what an out-of-memory asked for, what was free, and bytes for people.

The engine calls `finding_facts` once per finding of a rule. It adds the OOM arithmetic to the
finding's own facts, as exact byte counts in digit strings like the allocator's
`bfc_*_bytes` facts (JSON keeps them exact):

    oom_requested_bytes  the failed request: shape x dtype size of "OOM when allocating tensor with
                         shape[..] and type ..", else the allocator's "(rounded to N)", else its
                         "N bytes" or "196.00MiB"
    oom_free_bytes       the allocator's Limit minus InUse (from its Stats block); GPU allocators only
    oom_batch, oom_sample_bytes, oom_batch_fit
                         for a tensor of rank >= 3 whose first dimension may be the batch: that
                         dimension, the bytes of one sample, and the largest batch whose tensor
                         would have fit in the free memory (set only when it is 1 .. batch-1)
    oom_weight_shape     the shape, for a tensor shaped like a convolution kernel (weight_shaped):
                         a weight, its gradient or an optimizer's copy of one, not a batch
    oom_fragmented       'yes' when the free memory was a real amount (>= 1 MiB) and at least the request as the
                         allocator rounds it (to 256-byte steps): the memory was there, only not in one block.
                         (153 B free when 4 B was asked for is a full GPU, not a fragmented one.)
    oom_pool_full        'yes' when a GPU allocator's InUse is at least 95% of its Limit (its Stats block): the memory
                         was used up, not fragmented, so the fragmentation advice does not apply
    oom_small_pool       'yes' when a GPU allocator's Limit is under SMALL_POOL (256 MiB): the GPU was nearly full
                         before TensorFlow started, which no batch size or allocator setting mends
    gpu_taken_at_start   'yes' when the GPU had less than half its memory free when TensorFlow found it (gpu_free_mb of
                         gpu_memory_mb, TF 1.x's device lines): another process held the rest before this one began
    oom_batch_dim        the first dimension of a tensor of rank >= 3 that may be the batch (>= 2)
    oom_batch_of_one     the shape, for a tensor of rank >= 3 whose first dimension is 1 (and not
                         a 1x1 kernel's [1,1,...]): if that is the batch, one sample alone did not fit

A reshape's element counts ("Input to reshape is a tensor with 4200000 values, but the requested shape has
1400000", facts n_values and n_requested) give

    reshape_factor       the whole ratio (2 to 8) when the data holds that many times the values the shape asks for
                         (3: RGB images where one channel was configured), reshape_fraction the same the other way

Rule templates print any byte count for people with the `bytes` format spec:
`{bfc_limit_bytes:bytes}` reads "7.92 GiB" (`FactText`); other specs and names are unchanged.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional, Tuple

from analyzer.core.cache import compile_re

from .facts import merge_facts, refined

MEMORY_FACTS = (
    "oom_requested_bytes", "oom_free_bytes", "oom_batch", "oom_sample_bytes", "oom_batch_fit",
    "oom_weight_shape", "oom_batch_dim", "oom_batch_of_one", "oom_fragmented", "oom_pool_full", "oom_small_pool",
    "gpu_taken_at_start", "reshape_factor", "reshape_fraction",
)  # fmt: skip

BFC_MIN_ALLOCATION = 256  # the BFC allocator's kMinAllocationSize (bfc_allocator.h): requests round up to its multiples
FRAGMENTED_MIN_FREE = 1 << 20
# A GPU allocator's pool (its Limit) is the memory free when TensorFlow created the device, less a reserve: under this,
# the GPU was nearly full before TensorFlow started (a Jetson Nano's 35.6 MiB, a container's 86 MiB in real logs)
SMALL_POOL = 256 << 20
TAKEN_AT_START = 0.5  # free memory under this share of the GPU's when TensorFlow found it (gpu_taken_at_start)
POOL_FULL = 0.95  # InUse at least this share of Limit: the pool was used up (oom_pool_full)

# Bytes per element of TensorFlow's DataTypeString names (as printed after "and type").
DTYPE_BYTES = {
    "bool": 1,
    "int8": 1,
    "uint8": 1,
    "qint8": 1,
    "quint8": 1,
    "float8_e5m2": 1,
    "float8_e4m3fn": 1,
    "half": 2,
    "float16": 2,
    "bfloat16": 2,
    "int16": 2,
    "uint16": 2,
    "qint16": 2,
    "quint16": 2,
    "float": 4,
    "float32": 4,
    "int32": 4,
    "uint32": 4,
    "qint32": 4,
    "double": 8,
    "float64": 8,
    "int64": 8,
    "uint64": 8,
    "complex64": 8,
    "complex128": 16,
}
HOST_ALLOCATORS = ("cpu", "mklcpu", "gpu_host_bfc", "cuda_host_bfc")
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50}
_EXACT = compile_re(r"\(?(\d+)\s*bytes\)?|(\d+)")
_HUMAN = compile_re(r"([\d.]+)\s*([KMGTP]?)(?:i?B)?", re.I)
_SHAPE = compile_re(r"\[\s*(\d+(?:\s*,\s*\d+)*)?\s*\]")


def human_bytes(n: int) -> str:
    """8501460992 -> '7.92 GiB' (1024-based, as TensorFlow counts); under 1 KiB: '512 B'."""
    if abs(n) < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        value /= 1024
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:.2f} {unit}"
    return f"{n} B"  # not reached


def parse_bytes(value: object) -> Optional[int]:
    """'205520896', '32.00M (33554432 bytes)', '33762398024 bytes', '196.00MiB', '3.20 GiB' -> bytes."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    s = str(value).strip()
    m = re.search(r"\((\d+)\s*bytes\)", s) or _EXACT.fullmatch(s)
    if m:
        return int(m.group(1) or m.group(2))
    m = _HUMAN.fullmatch(s)
    if m:
        try:
            return int(float(m.group(1)) * _UNITS[m.group(2).upper()])
        except ValueError:
            return None
    return None


class FactText(str):
    """A fact's text in a rule template: `{name:bytes}` prints a byte count for people ("7.92 GiB"; a value that
    is not a byte count is printed as it is), `{name:cpuflag}` a CPU feature as Linux's /proc/cpuinfo spells its
    flag ("SSE4.1" -> "sse4_1"), so that a fix can grep for the one the message named."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        if spec == "bytes":
            n = parse_bytes(self)
            return human_bytes(n) if n is not None else str(self)
        if spec == "mib":  # a count of MiB (gpu_memory_mb, gpu_free_mb)
            return mib_text(self)
        if spec == "cpuflag":
            return str(self).lower().replace(".", "_")
        return str.__format__(str(self), spec)


def tensor_shape(shape: object) -> Optional[Tuple[int, ...]]:
    """'[64,256,56,56]' -> (64, 256, 56, 56); None for a shape with unknown dimensions."""
    m = _SHAPE.fullmatch(str(shape or "").strip())
    if not m:
        return None
    return tuple(int(d) for d in m.group(1).split(",")) if m.group(1) else ()


def _mb(value: object) -> Optional[int]:
    """A MiB count fact ("8107"), or None."""
    text = str(value or "")
    return int(text) if text.isdigit() else None


def mib_text(value: object) -> str:
    """A MiB count fact as people read it ("8107" -> "7.92 GiB"; TF's "with 8107 MB memory" counts MiB), or as it is."""
    n = _mb(value)
    return human_bytes(n << 20) if n is not None else str(value)


def tensor_bytes(shape: object, dtype: object) -> Optional[int]:
    """Bytes of a tensor: the product of its shape times its type's size (None when either is unknown)."""
    dims, size = tensor_shape(shape), DTYPE_BYTES.get(str(dtype or "").lower())
    if dims is None or size is None:
        return None
    n = size
    for d in dims:
        n *= d
    return n


def weight_shaped(dims: Tuple[int, ...]) -> bool:
    """Is this a convolution kernel's shape: TF's (height, width, in, out) or (depth, height, width, in,
    out), the spatial sizes equal, odd, 3 to 11 ([3,3,512,512], [5,5,1,32])? Such a tensor is a weight,
    its gradient or an optimizer slot, and its first dimension is no batch. (1x1 kernels are left out:
    a batch of one Conv1D input, [1,1,width,channels], has their shape; an NCHW batch of three 3-channel
    images has a 3x3 kernel's, and seldom fails to fit.)"""
    spatial = len(dims) - 2
    return spatial in (2, 3) and len(set(dims[:spatial])) == 1 and dims[0] % 2 == 1 and 3 <= dims[0] <= 11


_GPU_BFC = compile_re(r"GPU_(\d+)_bfc")


def oom_facts(facts: Mapping[str, object]) -> Dict[str, str]:
    """The OOM arithmetic (MEMORY_FACTS) from a finding's facts, and the device a GPU allocator's name gives
    (oom_device, where the finding has none); {} when there is nothing to work on."""
    requested = tensor_bytes(facts.get("oom_shape"), facts.get("oom_dtype"))
    if requested is None:
        for key in ("rounded_bytes", "requested_bytes", "requested"):
            requested = parse_bytes(facts.get(key))
            if requested:
                break
    dims = tensor_shape(facts.get("oom_shape")) or ()
    weight = weight_shaped(dims)
    out = {"oom_weight_shape": str(facts.get("oom_shape"))} if weight else {}
    per_gpu = _GPU_BFC.fullmatch(str(facts.get("allocator") or ""))
    if per_gpu and not facts.get("oom_device"):  # TF's BFC allocator of GPU N is named GPU_N_bfc
        out["oom_device"] = f"GPU:{per_gpu.group(1)}"
    batch_like = not weight and len(dims) >= 3  # a first dimension that may be the batch
    if batch_like and dims[0] >= 2:
        out["oom_batch_dim"] = str(dims[0])
    elif batch_like and dims[1] != 1:  # ([1,1,in,out] is a 1x1 kernel's shape as well)
        out["oom_batch_of_one"] = str(facts.get("oom_shape"))
    host = str(facts.get("allocator") or "").lower() in HOST_ALLOCATORS or str(facts.get("oom_device") or "").upper().startswith(
        "CPU"
    )
    limit, in_use = parse_bytes(facts.get("bfc_limit_bytes")), parse_bytes(facts.get("bfc_in_use_bytes"))
    if not host and limit is not None and limit < SMALL_POOL:
        out["oom_small_pool"] = "yes"
    if not host and limit and in_use is not None and in_use >= limit * POOL_FULL:
        out["oom_pool_full"] = "yes"
    free, total = _mb(facts.get("gpu_free_mb")), _mb(facts.get("gpu_memory_mb"))
    if not host and free is not None and total and free < total * TAKEN_AT_START:
        out["gpu_taken_at_start"] = "yes"
    if not requested:
        return out
    out["oom_requested_bytes"] = str(requested)
    if host or limit is None or in_use is None:
        return out
    free = max(0, limit - in_use)
    out["oom_free_bytes"] = str(free)
    rounded = -(-requested // BFC_MIN_ALLOCATION) * BFC_MIN_ALLOCATION
    if free >= max(rounded, FRAGMENTED_MIN_FREE):
        out["oom_fragmented"] = "yes"
    if batch_like and dims[0] >= 2 and tensor_bytes(facts.get("oom_shape"), facts.get("oom_dtype")):
        sample = requested // dims[0]
        fit = free // sample if sample else 0
        if 1 <= fit < dims[0]:
            out.update(oom_batch=str(dims[0]), oom_sample_bytes=str(sample), oom_batch_fit=str(fit))
    return out


def reshape_facts(facts: Mapping[str, object]) -> Dict[str, str]:
    """reshape_factor / reshape_fraction: a small whole ratio between a reshape's values and the shape it was asked for,
    the mark of a channel count or an image size the data and the configuration disagree on."""
    try:
        values, requested = int(str(facts.get("n_values"))), int(str(facts.get("n_requested")))
    except ValueError:
        return {}
    if values <= 0 or requested <= 0:
        return {}
    for big, small, name in ((values, requested, "reshape_factor"), (requested, values, "reshape_fraction")):
        if big % small == 0 and 2 <= big // small <= 8:
            return {name: str(big // small)}
    return {}


def finding_facts(report_facts: Mapping[str, object], own: Mapping[str, object]) -> Tuple[Dict[str, object], Dict[str, object]]:
    """(the finding's facts for the report: its own plus the OOM arithmetic; the facts its rule's
    templates and conditions see: the report's overridden by those, text values as FactText)."""
    own = refined(own, report_facts)  # a version the log states more precisely than the rule read it
    merged = merge_facts(dict(report_facts), own)
    derived = {**oom_facts(merged), **reshape_facts(merged)}
    merged.update(derived)
    return {**own, **derived}, {k: FactText(v) if isinstance(v, str) else v for k, v in merged.items()}
