"""Seeded generators for the log shapes people really have (issue 15), beside generate_log.py's.

    python benchmarks/shapes.py OUT.log --shape verbose --mb 200 [--seed 1]

- `typical`: a Keras training job: TF's startup lines, then every epoch TF's own C++/absl
  info and warning lines again (autotuning, cuDNN loads, allocator notes, XLA, callbacks),
  Keras 2 (`\\r`-rewritten `1234/1875 [=====>....]`) and Keras 3 (`━━━━`) progress bars, and
  a few failures (OOM, a missing library) with their tracebacks, spread through the file.
- `verbose`: `TF_CPP_MIN_LOG_LEVEL=0` / `TF_CPP_MAX_VLOG_LEVEL=2` with device placement
  logging: every line is a TF line (TSL and absl prefixes) whose ids, sizes, steps and
  thread ids vary, with warnings and a few errors among them.
- `multiworker`: an 8-rank Horovod/mpirun job: every line carries `[1,R]<stderr>:` or
  `[1,R]<stdout>:`, the ranks repeat the same TF warnings, and failures (NCCL, OOM, a lost
  worker) and restarts (the whole start-up again) happen throughout.
- `today`: benchmarks/generate_log.py's log (progress bars, failures only at the end).

Each generator writes whole lines until the file reaches the size asked for.
"""

from __future__ import annotations

import argparse
import random
from typing import Callable, Dict, Iterator, List

SHAPES = ("today", "typical", "verbose", "multiworker")

_TSL_SOURCES = [
    "tensorflow/core/common_runtime/gpu/gpu_device.cc:1928",
    "tensorflow/core/grappler/optimizers/meta_optimizer.cc:961",
    "tensorflow/core/common_runtime/executor.cc:1197",
    "external/local_xla/xla/service/service.cc:168",
    "external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:465",
    "tensorflow/core/kernels/data/shuffle_dataset_op.cc:450",
    "tensorflow/compiler/mlir/tensorflow/utils/dump_mlir_util.cc:268",
    "external/local_tsl/tsl/platform/default/dso_loader.cc:53",
    "tensorflow/core/common_runtime/placer.cc:125",
    "external/local_xla/xla/stream_executor/gpu/gpu_driver.cc:1223",
]


def _ts(rng: random.Random, t: float) -> str:
    h, rest = divmod(int(t), 3600)
    m, s = divmod(rest, 60)
    return f"2024-05-10 {h % 24:02d}:{m:02d}:{s:02d}.{rng.randrange(10**6):06d}"


def _absl(rng: random.Random, level: str, t: float, src: str) -> str:
    return f"{level}0000 00:00:{1715340000 + t:.6f} {rng.randrange(1000, 99999):>7} {src}]"


STARTUP = [
    "I tensorflow/core/util/port.cc:113] oneDNN custom operations are on. You may see slightly different numerical "
    "results due to floating-point round-off errors from different computation orders. To turn them off, set the "
    "environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
    "E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] Unable to register cuDNN factory: Attempting to "
    "register factory for plugin cuDNN when one has already been registered",
    "E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:607] Unable to register cuFFT factory: Attempting to "
    "register factory for plugin cuFFT when one has already been registered",
    "E external/local_xla/xla/stream_executor/cuda/cuda_blas.cc:1515] Unable to register cuBLAS factory: Attempting to "
    "register factory for plugin cuBLAS when one has already been registered",
    "I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized to use available CPU "
    "instructions in performance-critical operations.",
    "W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT",
    "I external/local_xla/xla/stream_executor/cuda/cuda_executor.cc:901] successful NUMA node read from SysFS had "
    "negative value (-1), but there must be at least one NUMA node, so returning NUMA node zero. See more at "
    "https://github.com/torvalds/linux/blob/v6.0/Documentation/ABI/testing/sysfs-bus-pci#L344-L355",
    "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1928] Created device /job:localhost/replica:0/task:0/device:GPU:0 "
    "with 13775 MB memory:  -> device: 0, name: Tesla T4, pci bus id: 0000:00:04.0, compute capability: 7.5",
]


def _epoch_tf_lines(rng: random.Random, epoch: int) -> List[str]:
    """TF's own lines that come back every epoch (the messages TF prints again and again)."""
    return [
        f"I external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:465] Loaded cuDNN version {rng.choice((8900, 90100))}",
        f"I external/local_xla/xla/service/service.cc:168] XLA service 0x{rng.randrange(16**12):012x} initialized for "
        f"platform CUDA (this does not guarantee that XLA will be used). Devices:",
        "I external/local_xla/xla/service/service.cc:176]   StreamExecutor device (0): Tesla T4, Compute Capability 7.5",
        "I tensorflow/compiler/mlir/tensorflow/utils/dump_mlir_util.cc:268] disabling MLIR crash reproducer, set env var "
        "`MLIR_CRASH_REPRODUCER_DIRECTORY` to enable.",
        "I0000 00:00:1715340000.123456    1234 device_compiler.h:186] Compiled cluster using XLA!  This line is logged "
        "at most once for the lifetime of the process.",
        "W tensorflow/core/kernels/data/cache_dataset_ops.cc:858] The calling iterator did not fully read the dataset "
        "being cached. In order to avoid unexpected truncation of the dataset, the partially cached contents of the "
        "dataset  will be discarded. This can happen if you have an input pipeline similar to "
        "`dataset.cache().take(k).repeat()`. You should use `dataset.take(k).cache().repeat()` instead.",
        f"I tensorflow/core/kernels/data/shuffle_dataset_op.cc:450] ShuffleDatasetV3:{epoch % 40}: Filling up shuffle "
        f"buffer (this may take a while): {rng.randrange(1000, 9000)} of 10000",
        "I tensorflow/core/kernels/data/shuffle_dataset_op.cc:480] Shuffle buffer filled.",
        "W tensorflow/core/framework/local_rendezvous.cc:404] Local rendezvous is aborting with status: "
        "OUT_OF_RANGE: End of sequence",
        f"I tensorflow/core/grappler/optimizers/meta_optimizer.cc:961] layout failed: INVALID_ARGUMENT: Size of values "
        f"{rng.randrange(0, 4)} does not match size of permutation 4 @ fanin shape inmodel/dropout/dropout/SelectV2-2-"
        f"TransposeNHWCToNCHW-LayoutOptimizer",
        f"W tensorflow/core/common_runtime/bfc_allocator.cc:296] Allocator (GPU_0_bfc) ran out of memory trying to "
        f"allocate {rng.uniform(1, 4):.2f}GiB with freed_by_count=0. The caller indicates that this is not a failure, "
        f"but this may mean that there could be performance gains if more memory were available.",
    ]


FAILURE_BLOCKS = [
    [
        "W external/local_tsl/tsl/framework/bfc_allocator.cc:485] Allocator (GPU_0_bfc) ran out of memory trying to "
        "allocate 1.53GiB (rounded to 1642070016)requested by op model/conv2d_3/Conv2D",
        "Traceback (most recent call last):",
        '  File "/home/user/train.py", line 88, in <module>',
        "    model.fit(ds, epochs=100, callbacks=cbs)",
        '  File "/usr/local/lib/python3.10/dist-packages/keras/src/utils/traceback_utils.py", line 70, in error_handler',
        "    raise e.with_traceback(filtered_tb) from None",
        "tensorflow.python.framework.errors_impl.ResourceExhaustedError: Graph execution error:",
        "OOM when allocating tensor with shape[64,256,56,56] and type float on /job:localhost/replica:0/task:0/device:GPU:0 "
        "by allocator GPU_0_bfc",
        "\t [[{{node model/conv2d_3/Conv2D}}]]",
    ],
    [
        "W external/local_tsl/tsl/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; "
        "dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory",
        "E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:535] Could not create cudnn handle: "
        "CUDNN_STATUS_INTERNAL_ERROR",
    ],
]


def _keras2_bar(rng: random.Random, step: int, steps: int) -> str:
    done = int(30 * step / steps)
    bar = "=" * max(done - 1, 0) + (">" if done < 30 else "=") + "." * (30 - done)
    return (
        f"{step:>5}/{steps} [{bar}] - ETA: {rng.randint(0, 500)}s - loss: {rng.uniform(0.01, 2.5):.4f}"
        f" - accuracy: {rng.uniform(0.1, 0.99):.4f}"
    )


def _keras3_bar(rng: random.Random, step: int, steps: int) -> str:
    done = int(20 * step / steps)
    return (
        f"\x1b[1m{step:>4}/{steps}\x1b[0m \x1b[32m{'━' * done}\x1b[0m\x1b[37m{'━' * (20 - done)}\x1b[0m "
        f"\x1b[1m{rng.randint(0, 90)}s\x1b[0m {rng.randint(20, 90)}ms/step - accuracy: {rng.uniform(0.1, 0.99):.4f} "
        f"- loss: {rng.uniform(0.01, 2.5):.4f}"
    )


def typical(rng: random.Random) -> Iterator[str]:
    t = 0.0
    run = 0
    while True:
        run += 1
        for line in STARTUP:
            t += rng.random()
            yield f"{_ts(rng, t)}: {line}"
        keras3 = run % 2 == 0
        steps = 1875
        for epoch in range(1, rng.randint(20, 40)):
            yield f"Epoch {epoch}/100"
            step = 0
            while step < steps:
                step = min(steps, step + rng.randint(1, 20))
                bar = _keras3_bar if keras3 else _keras2_bar
                yield "\r".join(bar(rng, s, steps) for s in (step, min(steps, step + 1)))
                if rng.random() < 0.03:  # TF's own lines interleave with the bars
                    t += rng.random()
                    yield f"{_ts(rng, t)}: {rng.choice(_epoch_tf_lines(rng, epoch))}"
            for line in _epoch_tf_lines(rng, epoch):
                t += rng.random()
                yield f"{_ts(rng, t)}: {line}" if not line.startswith("I0000") else line
            yield f"INFO:tensorflow:Assets written to: /home/user/run/ckpt-{epoch}/assets"
            if rng.random() < 0.05:
                yield from (f"{_ts(rng, t)}: {x}" if x[:2] in ("W ", "E ") else x for x in rng.choice(FAILURE_BLOCKS))


_VLOG = [
    "I {src}] Executor::Process {{ op_type: {op} step_id: {step} node: {node}_{i} }}",
    "I {src}] Allocating tensor with shape [{a},{b},{c}] and type float of {size} bytes on /job:localhost/replica:0/"
    "task:0/device:GPU:0 (allocation id {aid})",
    "I {src}] {node}_{i}: ({op}): /job:localhost/replica:0/task:0/device:GPU:0",
    "I {src}] input_{i}: (_Arg): /job:localhost/replica:0/task:0/device:CPU:0",
    "I {src}] Found device {dev} with properties: pciBusID: 0000:{bus:02x}:00.0 name: NVIDIA A100-SXM4-40GB "
    "computeCapability: 8.0",
    "I {src}] cudaMalloc of {size} bytes for chunk at 0x{addr:012x} stream 0x{addr2:012x}",
    "I {src}] Step {step}: running {n} kernels, {size} bytes transferred in {us} us",
    "I {src}] Successfully opened dynamic library libcudart.so.12",
    "I {src}] Loaded cuDNN version 8906",
    "W {src}] Using a while_loop for converting {op} cause there is no registered converter for this op.",
    "I {src}] Plugin optimizer for device_type GPU is enabled.",
    "I {src}] Creating new thread pool with default inter op setting: {n}. Tune using inter_op_parallelism_threads "
    "for best performance.",
]
_OPS = ("MatMul", "Conv2D", "BiasAdd", "Relu", "FusedBatchNormV3", "AddV2", "Identity", "ReadVariableOp", "Cast")


def verbose(rng: random.Random) -> Iterator[str]:
    t = 0.0
    n = 0
    while True:
        n += 1
        t += rng.random() / 100
        tmpl = rng.choice(_VLOG)
        body = tmpl.format(
            src=rng.choice(_TSL_SOURCES),
            op=rng.choice(_OPS),
            node=rng.choice(("dense", "conv2d", "batch_normalization", "dropout")),
            i=rng.randrange(64),
            step=n // 50,
            a=rng.choice((32, 64, 128)),
            b=rng.randrange(1, 512),
            c=rng.randrange(1, 512),
            size=rng.randrange(256, 1 << 30),
            aid=rng.randrange(10**6),
            dev=rng.randrange(8),
            bus=rng.randrange(256),
            addr=rng.randrange(16**12),
            addr2=rng.randrange(16**12),
            us=rng.randrange(1, 10**5),
            n=rng.randrange(1, 64),
        )
        level, rest = body[0], body[2:]
        if rng.random() < 0.4:  # absl prefix (TF >= 2.17) for part of the lines
            src, _, msg = rest.partition("] ")
            yield f"{_absl(rng, level, t, src.rsplit('/', 1)[-1])} {msg}"
        else:
            yield f"{_ts(rng, t)}: {body}"
        if rng.random() < 0.0005:
            for x in rng.choice(FAILURE_BLOCKS):
                yield f"{_ts(rng, t)}: {x}" if x[:2] in ("W ", "E ") else x


_RANK_LINES = [
    "W tensorflow/core/grappler/optimizers/loop_optimizer.cc:933] Skipping loop optimization for Merge node with "
    "control input: cond/branch_executed/_{i}",
    "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1928] Created device /job:localhost/replica:0/task:0/"
    "device:GPU:0 with {mem} MB memory:  -> device: {r}, name: NVIDIA A100-SXM4-40GB, pci bus id: 0000:{bus:02x}:00.0, "
    "compute capability: 8.0",
    "W tensorflow/core/framework/op_kernel.cc:1816] OP_REQUIRES failed at xla_ops.cc:{i}",
    "I external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:465] Loaded cuDNN version 8906",
    "W tensorflow/core/kernels/data/cache_dataset_ops.cc:858] The calling iterator did not fully read the dataset being cached.",
    "I tensorflow/core/common_runtime/gpu/gpu_process_state.cc:{i}] Using CUDA malloc Async allocator for GPU: {r}",
    "W external/local_tsl/tsl/framework/bfc_allocator.cc:296] Allocator (GPU_0_bfc) ran out of memory trying to "
    "allocate {gib:.2f}GiB with freed_by_count=0. The caller indicates that this is not a failure, but this may mean "
    "that there could be performance gains if more memory were available.",
]
_MW_FAILURES = [
    [
        "E tensorflow/core/common_runtime/base_collective_executor.cc:249] BaseCollectiveExecutor::StartAbort "
        "UNAVAILABLE: Collective ops is aborted by: failed to connect to all addresses",
        "Traceback (most recent call last):",
        '  File "train_hvd.py", line 120, in <module>',
        "    model.fit(dataset, epochs=epochs, callbacks=callbacks)",
        "tensorflow.python.framework.errors_impl.UnavailableError: Collective ops is aborted by: failed to connect "
        "to all addresses",
    ],
    [
        "W external/local_tsl/tsl/framework/bfc_allocator.cc:485] Allocator (GPU_0_bfc) ran out of memory trying to "
        "allocate 2.00GiB (rounded to 2147483648)requested by op Conv2D",
        "tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating tensor with "
        "shape[128,512,28,28] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc",
    ],
    [
        "NCCL WARN Cuda failure 'out of memory'",
        "[Horovod] Error: NCCL error: unhandled cuda error, NCCL version 2.18.3",
    ],
]


def multiworker(rng: random.Random, ranks: int = 8) -> Iterator[str]:
    t = 0.0
    while True:  # one start of the job (a restart after each failure)
        for r in range(ranks):
            for line in STARTUP:
                t += rng.random() / 10
                yield f"[1,{r}]<stderr>:{_ts(rng, t)}: {line}"
        for step in range(rng.randint(200, 2000)):
            r = rng.randrange(ranks)
            if rng.random() < 0.4:
                t += rng.random() / 10
                body = rng.choice(_RANK_LINES).format(
                    i=rng.randrange(10000), mem=rng.randrange(38000, 39000), r=r, bus=rng.randrange(256), gib=rng.uniform(1, 8)
                )
                if rng.random() < 0.3:
                    src, _, msg = body[2:].partition("] ")
                    yield f"[1,{r}]<stderr>:{_absl(rng, body[0], t, src.rsplit('/', 1)[-1])} {msg}"
                else:
                    yield f"[1,{r}]<stderr>:{_ts(rng, t)}: {body}"
            else:
                yield (
                    f"[1,{r}]<stdout>:{step:>4}/2000 [{'=' * (step * 30 // 2000)}>{'.' * (29 - step * 30 // 2000)}] - ETA: "
                    f"{rng.randrange(900)}s - loss: {rng.uniform(0.01, 2):.4f} - lr: {rng.uniform(1e-4, 1e-2):.5f}"
                )
        r = rng.randrange(ranks)
        for x in rng.choice(_MW_FAILURES):
            yield f"[1,{r}]<stderr>:{_ts(rng, t)}: {x}" if x[:2] in ("W ", "E ") else f"[1,{r}]<stderr>:{x}"
        yield "Primary job  terminated normally, but 1 process returned a non-zero exit code. Per user-direction, the job has been aborted."
        yield "--------------------------------------------------------------------------"
        yield f"mpirun detected that one or more processes exited with non-zero status, thus causing the job to be terminated. The first process to do so was: Process name: [[{rng.randrange(60000)},1],{r}] Exit code: 1"


GENERATORS: Dict[str, Callable[[random.Random], Iterator[str]]] = {
    "typical": typical,
    "verbose": verbose,
    "multiworker": multiworker,
}


def generate(path: str, shape: str, megabytes: float, seed: int = 1) -> dict:
    """Write a `shape` log of about `megabytes` MB; returns {'lines': n, 'bytes': n}."""
    if shape == "today":
        from generate_log import generate as today

        return today(path, megabytes, seed)
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    written = lines = 0
    buf: List[str] = []
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for line in GENERATORS[shape](rng):
            buf.append(line)
            written += len(line.encode("utf-8")) + 1
            lines += 1
            if len(buf) >= 4096:
                out.write("\n".join(buf) + "\n")
                buf.clear()
            if written >= target:
                break
        if buf:
            out.write("\n".join(buf) + "\n")
    return {"lines": lines, "bytes": written}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--shape", choices=SHAPES, default="typical")
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    info = generate(a.out, a.shape, a.mb, a.seed)
    print(f"wrote {a.out}: {a.shape}, {info['bytes'] / 1e6:.1f} MB, {info['lines']} lines")


if __name__ == "__main__":
    main()
