"""TensorFlow-side probes (only ever imported inside a probe subprocess).

`_tf_info` (internal): TF's version and build info (`tf.sysconfig.get_build_info()`), the
facts the other probes compare against. `tf_op`: run a small conv2d and matmul on the GPU
with memory growth on, and hand back TF's own log for the engine to read.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any, Callable, Dict

TF_LOG_FILE = "tf_stderr.log"  # written in the probe's temporary working directory
TF_LOG_LIMIT = 20000


def tf_installed() -> bool:
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def _jsonable(v: Any) -> Any:
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return str(v)


def run_info(ctx: Dict[str, Any], step: Callable[[str], None]) -> Dict[str, Any]:
    if not tf_installed():
        return {"status": "skipped", "detail": "TensorFlow is not installed in this Python.", "observed": {"installed": False}}
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    step("importing tensorflow")
    import tensorflow as tf

    obs: Dict[str, Any] = {
        "installed": True,
        "version": getattr(tf, "__version__", None),
        "git_version": getattr(getattr(tf, "version", None), "GIT_VERSION", None),
        "path": os.path.dirname(getattr(tf, "__file__", "") or ""),
    }
    info: Dict[str, Any] = {}
    try:
        info = dict(tf.sysconfig.get_build_info())  # TF >= 2.3
    except AttributeError:
        try:  # TF <= 2.2: module attributes (tf_apis.md section 1)
            from tensorflow.python.platform import build_info as bi

            info = {
                k: getattr(bi, k)
                for k in dir(bi)
                if not k.startswith("_") and isinstance(getattr(bi, k), (str, int, bool, list, dict))
            }
            if "cuda_version_number" in info:
                info.setdefault("cuda_version", info["cuda_version_number"])
            if "cudnn_version_number" in info:
                info.setdefault("cudnn_version", info["cudnn_version_number"])
        except ImportError:
            pass
    obs["build_info"] = _jsonable(info)
    try:
        obs["is_built_with_cuda"] = bool(tf.test.is_built_with_cuda())
    except AttributeError:
        obs["is_built_with_cuda"] = info.get("is_cuda_build")
    return {"status": "ok", "detail": f"TensorFlow {obs['version']} is installed.", "observed": obs}


def read_tf_log(path: str = TF_LOG_FILE) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return ""
    if len(text) > TF_LOG_LIMIT:
        text = "[... earlier lines trimmed ...]\n" + text[-TF_LOG_LIMIT:].split("\n", 1)[-1]
    return text


def run_op(ctx: Dict[str, Any], step: Callable[[str], None]) -> Dict[str, Any]:
    if not tf_installed():
        return {
            "status": "inconclusive",
            "observed": {"installed": False},
            "detail": "TensorFlow is not installed in this Python, so no TensorFlow op can be run.",
        }
    # TF logs through C++ straight to fd 2: send it to a file we can return (and the parent can
    # read if this process dies). Both variables must be set before the import.
    log = open(TF_LOG_FILE, "w")
    os.dup2(log.fileno(), 2)
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = str(ctx.get("tf_log_level", 0))
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    observed: Dict[str, Any] = {}

    def done(status: str, detail: str) -> Dict[str, Any]:
        log.flush()
        observed["tf_log"] = read_tf_log()
        return {"status": status, "detail": detail, "observed": observed}

    step("importing tensorflow")
    import tensorflow as tf

    observed["tf_version"] = tf.__version__
    step("listing GPUs with tf.config.list_physical_devices")
    gpus = tf.config.list_physical_devices("GPU")
    observed["gpus"] = [g.name for g in gpus]
    for g in gpus:
        try:
            tf.config.experimental.set_memory_growth(g, True)
        except (RuntimeError, ValueError):
            pass
    if not gpus:
        return done(
            "inconclusive",
            f"TensorFlow {tf.__version__} sees no GPU, so no GPU op can be run; its log (in observed.tf_log) says why.",
        )
    try:
        with tf.device("/GPU:0"):
            step("running conv2d on /GPU:0")
            x = tf.random.normal([8, 32, 32, 3])
            k = tf.random.normal([3, 3, 3, 16])
            y = tf.nn.conv2d(x, k, strides=1, padding="SAME")
            step("running matmul on /GPU:0")
            a = tf.random.normal([256, 256])
            b = tf.linalg.matmul(a, a)
            observed["checksum"] = float(tf.reduce_sum(y)) + float(tf.reduce_sum(b))
            observed["device"] = y.device
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        observed["error"] = f"{type(e).__name__}: {first}"
        return done(
            "confirmed", f"A small conv2d/matmul on {gpus[0].name} with TensorFlow {tf.__version__} fails: {observed['error']}."
        )
    return done(
        "refuted",
        f"A small conv2d and matmul run on {gpus[0].name} with TensorFlow "
        f"{tf.__version__} (memory growth on); TensorFlow's log is in observed.tf_log.",
    )
