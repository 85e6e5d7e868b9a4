"""Write a realistic, seeded training log of any size with failure signatures at known places.

    python benchmarks/generate_log.py OUT.log --mb 200 [--seed 1]

The log is what a long Keras job prints: TF startup lines, epochs of `\\r`-rewritten progress
bars, INFO lines, and near its end a few real failure signatures (a missing CUDA library, a
cuDNN handle failure, an OOM with its allocator dump) whose line numbers are printed.
"""
from __future__ import annotations

import argparse
import random

STARTUP = [
    "2024-05-10 11:33:14.068255: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
    "2024-05-10 11:33:14.112233: E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered",
    "2024-05-10 11:33:14.112290: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:607] Unable to register cuFFT factory: Attempting to register factory for plugin cuFFT when one has already been registered",
    "2024-05-10 11:33:14.113301: E external/local_xla/xla/stream_executor/cuda/cuda_blas.cc:1515] Unable to register cuBLAS factory: Attempting to register factory for plugin cuBLAS when one has already been registered",
    "2024-05-10 11:33:15.185131: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT",
    "2024-05-10 11:33:16.528046: I external/local_xla/xla/stream_executor/cuda/cuda_executor.cc:901] successful NUMA node read from SysFS had negative value (-1), but there must be at least one NUMA node, so returning NUMA node zero. See more at https://github.com/torvalds/linux/blob/v6.0/Documentation/ABI/testing/sysfs-bus-pci#L344-L355",
    "2024-05-10 11:33:16.741234: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1928] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 13775 MB memory:  -> device: 0, name: Tesla T4, pci bus id: 0000:00:04.0, compute capability: 7.5",
]
FAILURES = [
    "2024-05-10 19:02:11.100001: W external/local_tsl/tsl/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory",
    "2024-05-10 19:02:11.200002: E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:535] Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR",
    "2024-05-10 19:02:12.300003: W external/local_tsl/tsl/framework/bfc_allocator.cc:485] Allocator (GPU_0_bfc) ran out of memory trying to allocate 1.53GiB (rounded to 1642070016)requested by op model/conv2d_3/Conv2D",
    "tensorflow.python.framework.errors_impl.ResourceExhaustedError: {{function_node __wrapped__Conv2D_device_/job:localhost/replica:0/task:0/device:GPU:0}} OOM when allocating tensor with shape[64,256,56,56] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc [Op:Conv2D] name: ",
]


def progress_line(rng: random.Random, step: int, steps: int) -> str:
    done = int(30 * step / steps)
    bar = "=" * max(done - 1, 0) + (">" if done < 30 else "=") + "." * (30 - done)
    return (f"{step:>5}/{steps} [{bar}] - ETA: {rng.randint(0, 500)}s - loss: {rng.uniform(0.01, 2.5):.4f}"
            f" - accuracy: {rng.uniform(0.1, 0.99):.4f}")


def generate(path: str, megabytes: float, seed: int = 1) -> dict:
    """Write the log; returns {'lines': n, 'failure_lines': [...], 'bytes': n}."""
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    failures_at = target - 4096
    written = 0
    line_no = 0
    failure_lines = []
    steps = 1875
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        def emit(text: str) -> None:
            nonlocal written, line_no
            out.write(text + "\n")
            written += len(text) + 1
            line_no += 1

        for line in STARTUP:
            emit(line)
        epoch = 0
        while written < failures_at:
            epoch += 1
            emit(f"Epoch {epoch}/100000")
            step = 0
            while step < steps and written < failures_at:
                step = min(steps, step + rng.randint(1, 20))
                # Keras rewrites the bar with \r; a captured log keeps some of those rewrites per line.
                emit("\r".join(progress_line(rng, s, steps) for s in (step, min(steps, step + 1))))
            emit(f"{steps}/{steps} [==============================] - 95s 50ms/step - loss: {rng.uniform(0.01, 1):.4f} - val_loss: {rng.uniform(0.01, 1):.4f}")
            emit(f"INFO:tensorflow:Assets written to: /home/user/run/ckpt-{epoch}/assets")
        for line in FAILURES:
            emit(line)
            failure_lines.append(line_no)
    return {"lines": line_no, "failure_lines": failure_lines, "bytes": written}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    info = generate(a.out, a.mb, a.seed)
    print(f"wrote {a.out}: {info['bytes'] / 1e6:.1f} MB, {info['lines']} lines, failures at lines {info['failure_lines']}")


if __name__ == "__main__":
    main()
