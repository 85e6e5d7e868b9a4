"""Errors no specific rule knows are still placed in their family; whole tracebacks are matched.

Run through the real CLI on small logs written in the shape of real ones (TF's own prefixes and
messages, Python tracebacks in CPython, IPython and Colab styles).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pasted import hard_wrapped, html_escaped, reflowed, reindented

from conftest import root_finding, tflog


def _report(tmp_path, text, name="run.log"):
    log = tmp_path / name
    log.write_text(text, encoding="utf-8")
    p = tflog("analyze", "--format", "json", log)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


def test_an_unknown_cudnn_error_is_placed_in_its_family(tmp_path):
    rep = _report(
        tmp_path,
        (
            "2024-05-02 10:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized to use available CPU instructions.\n"
            "RuntimeError: worker 2 stopped: CUDNN_STATUS_ALLOC_FAILED (wrapped by a launcher)\n"
        ),
    )
    root = root_finding(rep)
    assert (root["category"], root["match"]) == ("cudnn.init_failure", "family")
    assert root["confidence"] < 0.7 and "family guess" in root["explanation"]
    assert any("paste" in fix for fix in root["fixes"])
    assert not any(f["rule_id"] == "unrecognized" for f in rep["findings"])


def test_a_specific_rule_outranks_a_family_guess(tmp_path):
    rep = _report(
        tmp_path,
        (
            "RuntimeError: worker 2 stopped: CUDNN_STATUS_ALLOC_FAILED (wrapped by a launcher)\n"
            "2021-10-14 09:12:39.913347: E tensorflow/stream_executor/cuda/cuda_dnn.cc:374] Loaded runtime CuDNN library: 8.0.4 but source was compiled with: 8.1.0.  CuDNN library needs to have matching major version and equal or higher minor version.\n"
        ),
    )
    assert root_finding(rep)["rule_id"] == "cudnn-version-mismatch"


def test_odapi_traceback_cut_off_before_its_last_line(tmp_path):
    """A Jupyter traceback through object_detection's modules, pasted without its final line."""
    rep = _report(
        tmp_path,
        (
            "AttributeError                            Traceback (most recent call last)\n"
            "Cell In[1], line 47\n"
            "---> 47 from object_detection.builders import model_builder\n"
            "File ~/miniconda3/envs/jup/lib/python3.12/site-packages/object_detection/builders/model_builder.py:22\n"
            "---> 22 from object_detection.builders import box_predictor_builder\n"
        ),
    )
    root = root_finding(rep)
    assert root["category"] == "odapi.setup"
    assert root["facts"]["story_frame"].startswith("object_detection/builders/model_builder.py")
    assert root["evidence"][0]["line"] == 4


def test_a_traceback_rule_sees_frames_and_message_together(tmp_path):
    """TF1 API errors inside object_detection are a set-up problem, not the generic 'TF1 code on TF2'."""
    tb = (
        "Traceback (most recent call last):\n"
        '  File "C:\\\\Users\\\\me\\\\anaconda3\\\\lib\\\\site-packages\\\\object_detection\\\\predictors\\\\convolutional_box_predictor.py", line 22, in <module>\n'
        "    slim = tf.contrib.slim\n"
        "AttributeError: module 'tensorflow' has no attribute 'contrib'\n"
    )
    root = root_finding(_report(tmp_path, tb))
    assert (root["rule_id"], root["match"]) == ("odapi-tf1-code-under-tf2", "traceback")
    assert [e["line"] for e in root["evidence"]] == [4, 2]  # the exception, then the frame that tells the story
    plain = root_finding(
        _report(tmp_path, tb.replace("site-packages\\\\object_detection\\\\predictors", "myproject"), "other.log")
    )
    assert plain["category"] == "deps.version_conflict"  # the same line outside the Object Detection API


def test_unrelated_signatures_are_not_offered_as_close(tmp_path):
    """An unknown error's "closest known signatures" are only shown above the floor (70), so a
    generic error does not point at unrelated rules."""
    lines = [
        "ValueError: The truth value of the frobnicator zorg is ambiguous in widget 7",
        "tensorflow.python.framework.errors_impl.InternalError: Failed to launch the custom op kernel for layer dense_3",
        "RuntimeError: CUDA launch of the decoder failed at step 100",
        "E0000 00:00:1700000000.000000   12345 custom_op.cc:12] Could not run the handle for the cuBLAS-free gemm kernel",
    ]
    rep = _report(tmp_path, "\n".join(lines) + "\n")
    unknown = [f for f in rep["findings"] if f["rule_id"] == "unrecognized"]
    assert unknown
    assert all(c["score"] >= 70 for f in unknown for c in f.get("closest", []))


def test_an_empty_gpu_list_with_no_cuda_activity_is_a_cpu_only_build(tmp_path):
    root = root_finding(_report(tmp_path, "TensorFlow Version: 2.12.1\nIs GPU Available: []\n"))
    assert root["category"] == "install.no_gpu_build"


def test_nan_in_a_training_loops_own_prints(tmp_path):
    rep = _report(
        tmp_path,
        "".join(
            f"2018-03-23 15:{m:02d}:33,355:INFO: train loss:{v}\n" for m, v in enumerate(["1.10886", "0.866067", "nan", "nan"])
        ),
    )
    assert root_finding(rep)["category"] == "training.divergence"


def test_harmless_lines_wake_no_family(tmp_path):
    rep = _report(
        tmp_path,
        (
            "2023-11-02 10:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.\n"
            "Epoch 1/3\n100/100 [==============================] - 2s 10ms/step - loss: 0.4211 - accuracy: 0.8712\n"
        ),
    )
    assert all(f["severity"] == "info" for f in rep["findings"])


def test_a_device_listing_without_a_gpu_is_found_and_one_with_a_gpu_is_not(tmp_path):
    cpu_only = '[name: "/device:CPU:0"\ndevice_type: "CPU"\nmemory_limit: 268435456\nincarnation: 1682083873336062]\n'
    assert root_finding(_report(tmp_path, cpu_only))["category"] == "install.no_gpu_build"
    with_gpu = cpu_only[:-2] + '\n, name: "/device:GPU:0"\ndevice_type: "GPU"\nmemory_limit: 9105744200]\n'
    assert all(f["severity"] == "info" for f in _report(tmp_path, with_gpu, "gpu.log")["findings"])


def test_a_version_warning_its_own_numbers_refute_is_harmless(tmp_path):
    """TF 1.12 compared ptxas versions as text: "10.0.145 is older than 9.2.88" is not a problem."""
    false_alarm = _report(tmp_path, "*** WARNING *** You are using ptxas 10.0.145, which is older than 9.2.88\n")
    assert all(f["severity"] == "info" for f in false_alarm["findings"])
    real = _report(tmp_path, "*** WARNING *** You are using ptxas 10.1.243, which is older than 11.1.\n", "old.log")
    assert root_finding(real)["category"] == "cuda.toolchain"


def test_a_package_built_for_another_tensorflow_is_a_version_conflict(tmp_path):
    line = (
        "tensorflow.python.framework.errors_impl.NotFoundError: /opt/conda/lib/python3.9/site-packages/horovod/tensorflow/"
        "mpi_lib.cpython-39-x86_64-linux-gnu.so: undefined symbol: _ZN10tensorflow12OpDefBuilder4AttrESs\n"
    )
    root = root_finding(_report(tmp_path, line))
    assert (root["category"], root["rule_id"]) == ("deps.version_conflict", "deps-tf-extension-abi")
    own_op = "tensorflow.python.framework.errors_impl.NotFoundError: /home/u/ops/zero_out.so: undefined symbol: _ZN10tensorflow12OpDefBuilder4AttrESs\n"
    assert root_finding(_report(tmp_path, own_op, "own.log"))["category"] == "install.import_failure"


def test_pip_replacing_tensorflow_for_another_package_is_found_unless_it_kept_the_installed_one(tmp_path):
    """Colab: installing an add-on pulls the TensorFlow its pinned tensorflow-text wants over the preinstalled one."""
    pulled = (
        "Collecting tensorflow<2.19,>=2.18.0 (from tensorflow-text->keras-hub==0.17.0->keras-nlp>=0.8.0->autokeras)\n"
        "  Downloading tensorflow-2.18.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl.metadata (4.1 kB)\n"
        "Installing collected packages: tensorboard, tensorflow, tensorflow-text, keras-hub\n"
        "  Attempting uninstall: tensorflow\n"
        "    Found existing installation: tensorflow 2.17.1\n"
        "    Uninstalling tensorflow-2.17.1:\n"
        "      Successfully uninstalled tensorflow-2.17.1\n"
    )
    root = root_finding(_report(tmp_path, pulled))
    assert (root["rule_id"], root["facts"]["pulled_by"]) == ("deps-pip-pulls-another-tensorflow", "tensorflow-text")
    assert any('"tensorflow==2.17.1"' in fix for fix in root["fixes"])  # keep the release pip removed
    kept = (
        "Requirement already satisfied: tensorflow<2.19,>=2.18.0 in /usr/local/lib/python3.10/dist-packages (from tensorflow-text) (2.18.0)\n"
        "Requirement already satisfied: absl-py>=1.0.0 in /usr/local/lib/python3.10/dist-packages (from tensorflow<2.19,>=2.18.0->tensorflow-text) (1.4.0)\n"
    )
    assert all(f["severity"] == "info" for f in _report(tmp_path, kept, "kept.log")["findings"])


def test_an_unknown_python_error_after_a_dependency_conflict_is_listed_under_it(tmp_path):
    """NumPy's warning for a removed alias, then a traceback cut before its AttributeError line: the conflict is the cause."""
    warning = "/usr/local/lib/python3.9/dist-packages/tensorrt/__init__.py:166: FutureWarning: In the future `np.bool` will be defined as the corresponding NumPy scalar.\n"
    cut = 'Traceback (most recent call last):\n  File "/home/u/detect.py", line 13, in <module>\n    import pycuda.autoinit\n'
    cudart = "2023-08-11 22:11:39.644050: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'cudart64_110.dll'; dlerror: cudart64_110.dll not found\n"
    rep = _report(tmp_path, cudart + warning + cut)
    root = root_finding(rep)
    assert (root["rule_id"], root["severity"]) == ("deps-numpy-alias-future-warning", "error")
    assert any(key.startswith("unrecognized") for key in root["explains"])
    # without the conflict the unknown error stays a root cause of its own: a missing CUDA runtime breaks no Python import
    assert root_finding(_report(tmp_path, cudart + cut, "plain.log"))["rule_id"] == "unrecognized"


def test_a_traceback_that_lost_its_line_breaks_is_read_as_frames_and_its_exception(tmp_path):
    """A paste that ran a traceback's lines together: the exception glued to the last frame's source is found."""
    flat = (
        '  File "main.py", line 356, in <module>    main()  File "/home/u/opennmt/training.py", line 269, in _steps'
        '    raise RuntimeError("Model diverged with loss = NaN.")RuntimeError: Model diverged with loss = NaN.\n'
    )
    rep = _report(tmp_path, "Traceback (most recent call last):\n" + flat)
    assert root_finding(rep)["rule_id"] == "training-model-diverged"
    assert not any(f["rule_id"] == "unrecognized" for f in rep["findings"])


def test_one_frame_with_its_exception_run_on_is_read_as_that_exception(tmp_path):
    """Batch 71 (tf2onnx under NumPy 2, onnx/tensorflow-onnx#2373): one frame, its source and the exception on one line,
    NumPy's backticks lost. The exception is read, and a lone frame line with no exception after it stays a cut one."""
    line = (
        'File "site-packages/tf2onnx/tfonnx.py", line 77, in rewrite_constant_fold "Cast": np.cast, '
        "AttributeError: np.cast was removed in the NumPy 2.0 release. Use np.asarray(arr, dtype=dtype) instead.\n"
    )
    root = root_finding(_report(tmp_path, line))
    assert root["rule_id"] == "deps-numpy-removed-alias" and root["facts"]["numpy_replacement"] == "np.asarray(arr, dtype=dtype)"
    assert root["evidence"][0]["line"] == 1
    cut = 'File "site-packages/tf2onnx/tfonnx.py", line 77, in rewrite_constant_fold\n'
    assert [f["rule_id"] for f in _report(tmp_path, cut, "cut.log")["findings"]] == ["unrecognized"]


def test_a_traceback_whose_line_breaks_became_spaces_is_read_as_frames_and_its_exception(tmp_path):
    """Batch 63 (Hugging Face Spaces' error page, "Exit code: 1. Reason: ..."): a chained traceback on one line, its
    breaks turned into spaces; the exception follows `raise ValueError(` after a space. A frame's `except KeyError:`
    source is no exception line."""
    flat = (
        'Exit code: 1. Reason: , level) File "<frozen importlib._bootstrap>", line 1050, in _gcd_import File '
        '"/usr/local/lib/python3.10/site-packages/transformers/activations_tf.py", line 27, in <module> raise ValueError( '
        "ValueError: Your currently installed version of Keras is Keras 3, but this is not yet supported in Transformers. "
        "Please install the backwards-compatible tf-keras package with `pip install tf-keras`. The above exception was the "
        'direct cause of the following exception: Traceback (most recent call last): File "/home/user/app/app.py", line '
        "4, in <module> from transformers import TFDistilBertForSequenceClassification\n"
    )
    root = root_finding(_report(tmp_path, "runtime error\n\n" + flat))
    assert root["category"] == "deps.version_conflict" and "Keras 3" in root["evidence"][0]["text"]
    guarded = 'File "a.py", line 3, in f     except KeyError: pass File "b.py", line 9, in g     x = y\n'
    findings = _report(tmp_path, guarded, "guarded.log")["findings"]
    assert findings and all("KeyError" not in f["title"] for f in findings)
    assert [f["title"] for f in findings] == ["A Python error whose last line the log does not show (in b.py)"]


def test_an_exception_line_quoted_whole_is_read_as_that_exception(tmp_path):
    """An issue's author put the error in quotes (segmentation_models#559): the quotes do not hide it."""
    line = "AttributeError: module 'keras.utils.generic_utils' has no attribute 'get_custom_objects'"
    assert (
        root_finding(_report(tmp_path, f'"{line}"\n'))["rule_id"]
        == root_finding(_report(tmp_path, line + "\n", "plain.log"))["rule_id"]
    )
    assert root_finding(_report(tmp_path, f'"{line}"\n', "q.log"))["category"] == "deps.version_conflict"
    # a list of quoted items that happen to be exception lines is left as written
    listed = _report(tmp_path, '"ValueError: a", "TypeError: b"\n', "list.log")
    assert not [f for f in listed["findings"] if f["severity"] != "info"], listed["findings"]


def test_an_error_line_a_family_guess_withdrew_is_still_shown(tmp_path):
    """pip refusing a pin inside the range it offers is no Python question (family-pip-python's `when`), but the
    line is still an error nobody explains: it is shown as unrecognized, not dropped."""
    line = (
        "ERROR: Could not find a version that satisfies the requirement opencv-python-headless==4.1.2.30 "
        "(from versions: 3.4.10.37, 4.5.1.48)\n"
    )
    rep = _report(tmp_path, line)
    assert [f["rule_id"] for f in rep["findings"]] == ["unrecognized"]
    older = _report(tmp_path, line.replace("4.1.2.30", "3.4.2.17"), "older.log")
    assert root_finding(older)["rule_id"] == "family-pip-python"


def test_an_autograph_trace_header_belongs_to_the_cause_diagnosed_in_its_trace(tmp_path):
    """ "NotImplementedError: in converted code:" says nothing itself: the AutoGraph trace after it holds the failure
    (first_sight_37's TF 1.15 ODAPI log, cut to its frames), so it is listed under that cause, not as a second one."""
    log = (
        "NotImplementedError: in converted code:\n"
        "    C:\\Users\\Admin\\anaconda3\\envs\\tf\\lib\\site-packages\\tensorflow_core\\python\\ops\\array_ops.py:2747 _constant_if_small\n"
        "        if np.prod(shape) < 1000:\n"
    )
    rep = _report(tmp_path, log)
    root = root_finding(rep)
    assert root["rule_id"] == "deps-numpy-symbolic-tensor" and any(k.startswith("unrecognized") for k in root["explains"])
    assert sum(f["root_cause"] for f in rep["findings"]) == 1
    # an exception with a message of its own stays a cause of its own
    rep = _report(tmp_path, log.replace("in converted code:", "something else broke"), "other.log")
    assert sum(f["root_cause"] for f in rep["findings"]) == 2
    # the cause in the header's own trace, not a more important one far below it (session 20's review)
    keras = (
        "ValueError: in user code:\n\n"
        '    File "/usr/lib/python3/site-packages/keras/engine/training.py", line 1051, in train_function  *\n'
        "        return step_function(self, iterator)\n\n"
        "    ValueError: Shapes (None, 10) and (None, 1) are incompatible\n"
    )
    oom = (
        "2023-01-01 10:00:00.000000: W tensorflow/core/common_runtime/bfc_allocator.cc:479] Allocator (GPU_0_bfc) ran out "
        "of memory trying to allocate 2.00GiB (rounded to 2147483648)requested by op MatMul\n"
    )
    rep = _report(tmp_path, keras + "Epoch 1/100 - loss: 0.1\n" * 300 + oom, "far.log")
    header = next(f for f in rep["findings"] if f["rule_id"] == "unrecognized" and "in user code" in f["evidence"][0]["text"])
    owner = next(f for f in rep["findings"] if any(k.startswith("unrecognized") for k in f["explains"]))
    assert not header["root_cause"] and owner["rule_id"] != "oom-gpu-bfc-ran-out", owner["rule_id"]


def test_a_kill_explains_the_missing_file_of_a_later_step_but_not_of_an_earlier_one(tmp_path):
    """An export step killed by the OOM killer, then the next step finds no SavedModel: the kill is the cause.
    The same two lines the other way round are two failures: the missing model came first."""
    killed = "Killed\n"
    missing = "TensorFlow SavedModel: export failure: SavedModel file does not exist at: /data/best_saved_model/{saved_model.pbtxt|saved_model.pb}\n"
    root = root_finding(_report(tmp_path, "TensorFlow SavedModel: running 'onnx2tf -i best.onnx'\n" + killed + missing))
    assert root["rule_id"] == "oom-host-killed" and "input-savedmodel-not-found" in root["explains"]
    before = _report(tmp_path, missing + killed, "reversed.log")
    assert root_finding(before)["rule_id"] == "input-savedmodel-not-found"
    assert not any("input-savedmodel-not-found" in f["explains"] for f in before["findings"])


@pytest.mark.parametrize("scanner", ["hyperscan", "re"])
def test_a_log_pasted_from_a_fixed_width_console_is_read_as_its_whole_lines(tmp_path, scanner, monkeypatch):
    """The same with either prefilter engine (the `re` fallback reports no keyword sets of its own)."""
    if scanner == "hyperscan":
        pytest.importorskip("hyperscan")
    monkeypatch.setenv("TFLOG_SCANNER", scanner)
    tb = (
        "Traceback (most recent call last):\n"
        '  File "/home/u/miniconda3/lib/python3.7/site-packages/tensorflow_text/python/metrics/text_similarity_metric_ops.py", line 28, in <module>\n'
        "    gen_text_similarity_metric_ops = load_library.load_op_library(resource_loader.get_path_to_datafile('_text_similarity_metric_ops.so'))\n"
        '  File "/home/u/miniconda3/lib/python3.7/site-packages/tensorflow_core/python/framework/load_library.py", line 57, in load_op_library\n'
        "    lib_handle = py_tf.TF_LoadLibrary(library_filename)\n"
        "tensorflow.python.framework.errors_impl.NotFoundError: /home/u/miniconda3/lib/python3.7/site-packages/tensorflow_text/python/"
        "metrics/_text_similarity_metric_ops.so: undefined symbol: _ZN10tensorflow8OpKernel11TraceStringEPNS_15OpKernelContextEb\n"
    )
    whole = root_finding(_report(tmp_path, tb))
    wrapped_text = hard_wrapped(tb, 88)
    assert "undefined symbol" not in wrapped_text  # the message is cut inside the words the rule needs
    wrapped = root_finding(_report(tmp_path, wrapped_text, "wrapped.log"))
    assert whole["rule_id"] == wrapped["rule_id"] == "deps-tf-extension-abi"
    # the finding points at the first piece of the cut line
    assert wrapped_text.splitlines()[wrapped["evidence"][0]["line"] - 1].startswith(
        "tensorflow.python.framework.errors_impl.NotFoundError"
    )


def test_an_output_pasted_as_one_escaped_string_is_read_line_by_line(tmp_path):
    """pytest's `E   AssertionError: b'...\\n...'` or a subprocess's stderr printed with repr(): one line
    whose literal `\\n`s and `\\'`s hide every message; its lines are read on their own, at that line."""
    tb = (
        "Traceback (most recent call last):\n"
        '  File "/home/u/miniconda3/lib/python3.7/site-packages/tensorflow_text/python/metrics/text_similarity_metric_ops.py", line 28, in <module>\n'
        "    gen_text_similarity_metric_ops = load_library.load_op_library(resource_loader.get_path_to_datafile('_text_similarity_metric_ops.so'))\n"
        "tensorflow.python.framework.errors_impl.NotFoundError: /home/u/miniconda3/lib/python3.7/site-packages/tensorflow_text/python/"
        "metrics/_text_similarity_metric_ops.so: undefined symbol: _ZN10tensorflow8OpKernel11TraceStringEPNS_15OpKernelContextEb\n"
    )
    shown = (
        "tests/test_train.py:12: in test_train\n    assert proc.returncode == 0, proc.stderr\nE   AssertionError: "
        + repr(tb.encode())
        + "\n"
    )
    assert "\\'_text_similarity" in shown and shown.count("\n") == 3
    rep = _report(tmp_path, shown)
    root = root_finding(rep)
    assert root["rule_id"] == "deps-tf-extension-abi"
    assert root["evidence"][0]["line"] == 3
    assert not [f for f in rep["findings"] if f["rule_id"] == "unrecognized"]  # the escaped line is not also "unknown"


REAL_LOGS = Path(__file__).parent / "fixtures" / "real_logs"


def test_one_long_line_cut_several_times_is_read_whole_and_its_pieces_are_not_unknown_errors(tmp_path):
    """A single message cut into three or more pieces (no second long line to show the width), and a harmless TF
    2.18 start-up whose registration lines, cut, would each look like an unknown E-level error."""
    mismatch = (REAL_LOGS / "first_sight_9" / "cudnn-neuralstyle-5103-vs-4007.log").read_text(encoding="utf-8")
    assert len(hard_wrapped(mismatch, 80).splitlines()) > 3
    assert root_finding(_report(tmp_path, hard_wrapped(mismatch, 80)))["rule_id"] == "cudnn-version-mismatch"
    startup = (REAL_LOGS / "first_sight_7" / "benign-tf218-register-factory.log").read_text(encoding="utf-8")
    rep = _report(tmp_path, hard_wrapped(startup, 80), "startup.log")
    assert [f["rule_id"] for f in rep["findings"] if f["severity"] != "info"] == []
    assert "noise-plugin-factory-registered" in {f["rule_id"] for f in rep["findings"]}


@pytest.mark.parametrize("form", [reflowed, reindented, lambda text: text.replace(", line 3", ", line\n 3")])
def test_a_traceback_whose_frame_lines_a_paste_broke_is_read_by_its_frames(tmp_path, form):
    """Re-flowed at 72 columns, a frame whose path does not fit breaks as "  File " then '"/Users/.../tf_keras/
    __init__.py", line 3, in <module>' (neither piece holds a keyword); re-indented, the second piece is indented;
    cut by a console, "..., line" then " 3, in <module>". The frame is read whole, at its first piece's line."""
    text = (REAL_LOGS / "first_sight_4" / "deps-tfkeras-import-tf216-macos-py312.log").read_text(encoding="utf-8")
    pasted = form(text)
    frame = next(line for line in text.splitlines() if "tf_keras/__init__.py" in line)
    assert frame in text.splitlines() and frame not in pasted.splitlines()  # (no line holds the frame whole)
    root = root_finding(_report(tmp_path, pasted))
    assert root["rule_id"] == root_finding(_report(tmp_path, text, "plain.log"))["rule_id"] == "family-keras"
    line = root["evidence"][0]["line"]
    assert pasted.splitlines()[line - 1].lstrip().startswith("File") and "tf_keras/__init__.py" in root["evidence"][0]["text"]


@pytest.mark.parametrize(
    "name",
    [
        # "...on /job:localhost/replica:0/task:0/device:" / "CPU:0": the piece alone reads as a GPU's OOM
        "first_sight_11/oomhost-superpoint-cpu-allocator.log",
        # a Keras 3 progress bar of `━` (three bytes, one column) makes the longest line longer in bytes than the width
        "first_sight_23/oomhost-gpt2-117m-train-killed-cpu-allocator-1024x50257.log",
        # "...(from tensorflow[" / "and-cuda]) (from versions: 0.0.1.dev5)": a cut after a bracket
        "first_sight_10/install-win-tf216-and-cuda-nccl.log",
        # "...labels shape [50" / "]": a cut before what goes on with the sentence
        "first_sight_keras/k-sparse-logits-labels-onehot-tf28226.log",
    ],
)
def test_a_log_copied_from_a_120_column_console_gets_the_same_answer(tmp_path, name):
    """The default width of a Windows console: each line cut at 120 columns, read as the line it was; a rule
    that matched only a piece cut before the words that decide it is forgotten once the whole line is read."""
    text = (REAL_LOGS / name).read_text(encoding="utf-8")
    whole = root_finding(_report(tmp_path, text))
    cut = root_finding(_report(tmp_path, hard_wrapped(text, 120), "cut.log"))
    assert hard_wrapped(text, 120) != text
    assert (cut["rule_id"], cut["category"]) == (whole["rule_id"], whole["category"])


def test_one_line_cut_inside_a_camel_case_name_is_read_whole(tmp_path):
    """A CUDA call's name cut once ("...failed call to cuDevicePrimary" / "CtxRetain: CUDA_ERROR_OUT_OF_MEMORY"): the
    piece alone reads as a device that cannot be used, the whole line as a GPU whose memory was full (a real TF 1.2
    log of eight MPI workers on one GPU, its first line cut at 196 columns); a next line that starts a sentence of
    its own is not joined to it."""
    line = (
        "2017-07-25 21:11:16.630413: E tensorflow/core/common_runtime/direct_session.cc:138] Internal: failed initializing "
        "StreamExecutor for CUDA device ordinal 0: Internal: failed call to cuDevicePrimaryCtxRetain: CUDA_ERROR_OUT_OF_MEMORY; "
        "total memory reported: 11711807488\n"
    )
    at = line.index("CtxRetain")
    assert root_finding(_report(tmp_path, line[:at] + "\n" + line[at:]))["rule_id"] == "oom-gpu-context-out-of-memory"
    separate = line[:at] + "\nTensorFlow was not built with CUDA support here.\n"
    assert root_finding(_report(tmp_path, separate, "separate.log"))["rule_id"] == "driver-gpu-context-failed"


def test_a_cut_line_whose_piece_already_matched_is_read_whole_once(tmp_path):
    """A console cut the OOM line inside a word, before its shape ("...tensor wit" / "h shape[8,256,14,14] and type
    float on .../device:GPU:0"; first_sight_30's ImageAI log): the piece alone matches the OOM rule without its
    values, the whole line with them. The finding reads the shape, dtype and device, and counts the line once."""
    log = (REAL_LOGS / "first_sight_30" / "oom-gpu-imageai-custom-train-resnet-batch8-windows.log").read_text(encoding="utf-8")
    root = root_finding(_report(tmp_path, log))
    assert root["rule_id"] == "oom-gpu-allocating-tensor"
    assert (root["facts"]["oom_shape"], root["facts"]["oom_dtype"], root["facts"]["oom_device"]) == (
        "[8,256,14,14]",
        "float",
        "GPU:0",
    )
    assert root["count"] == 1 and [e["line"] for e in root["evidence"]] == [3]
    assert "shape[8,256,14,14]" in root["evidence"][0]["text"]


def test_a_wrapped_paste_behind_a_quote_or_an_indent_is_joined_too(tmp_path):
    """The pieces of a cut line start with the reply's `> ` or the block's indent, not where the cut was."""
    mismatch = (REAL_LOGS / "first_sight_9" / "cudnn-neuralstyle-5103-vs-4007.log").read_text(encoding="utf-8")
    wrapped = hard_wrapped(mismatch, 80)
    for name, shown in (
        ("quoted.log", "".join("> " + line for line in wrapped.splitlines(True))),
        ("indented.log", "".join("    " + line for line in wrapped.splitlines(True))),
    ):
        assert root_finding(_report(tmp_path, shown, name))["rule_id"] == "cudnn-version-mismatch", name


def test_a_console_cut_log_whose_prefix_is_on_the_first_piece_only_is_joined(tmp_path):
    """`docker logs -t` (or a launcher) writes its prefix before each line and the console then cuts the whole line:
    the first piece holds the prefix, the rest do not, so the pieces' bodies differ in length while the lines are all
    the console's width (first_sight_44's deepface log, every line behind a docker timestamp, cut at 80 columns)."""
    log = (REAL_LOGS / "first_sight_44" / "deps-tf216-keras3-deepface-import-locallyconnected2d-docker-py310.log").read_text(
        encoding="utf-8"
    )
    wrapped = hard_wrapped(log, 80)
    assert "ImportError: cannot import name 'LocallyConnected2D' from 'tensorflow.keras.layers'" not in wrapped
    root = root_finding(_report(tmp_path, wrapped))
    assert root["rule_id"] == root_finding(_report(tmp_path, log, "whole.log"))["rule_id"]
    assert root["evidence"][0]["text"].startswith(
        "ImportError: cannot import name 'LocallyConnected2D' from 'tensorflow.keras.layers' ("
    )


def test_a_log_copied_from_a_split_terminal_pane_is_read_without_the_border(tmp_path):
    """tmux and screen draw "\u2502" between panes; a copied window holds the log's pane cut at that column, padding, the
    border and the other pane's text. The left pane is read, its cut lines joined (SSD-Tensorflow's eval run)."""
    mismatch = (REAL_LOGS / "first_sight_9" / "cudnn-neuralstyle-5103-vs-4007.log").read_text(encoding="utf-8")
    pane = "".join(line.ljust(90) + "\u2502 htop: 12% cpu\n" for line in hard_wrapped(mismatch, 90).splitlines())
    assert root_finding(_report(tmp_path, pane, "pane.log"))["rule_id"] == "cudnn-version-mismatch"
    # a border in other columns on other lines is no pane (a table's rows): nothing is cut, the error after it stays
    from analyzer.pipeline.unwrap import _left_pane

    rows = ["\u2502 " + "x" * 70 + " \u2502 a \u2502", "\u2502 " + "y" * 75 + " \u2502 CUDNN_STATUS_NOT_INITIALIZED \u2502"]
    assert _left_pane([r.encode() for r in rows]) == [r.encode() for r in rows]
    pane_rows = [("z" * 70).ljust(80) + "\u2502 top", "x".ljust(80) + "\u2502 12%"]
    assert _left_pane([r.encode() for r in pane_rows]) == [b"z" * 70, b"x"]


def test_a_program_line_interrupted_by_a_tensorflow_log_line_is_read_whole(tmp_path):
    """stdout and stderr on one console: StyleGAN2's `Setting up TensorFlow plugin "fused_bias_act.cu": Preprocessing... `
    had a TF warning printed into it, and its `Failed!` came on the next line (first_sight_46's StyleGAN log). The
    program's line is read whole (the nvcc rule's finding, the cut traceback after it under it), the TF line where it is."""
    log = (REAL_LOGS / "first_sight_46" / "cuda-tf1-stylegan-plugin-rtx3080ti-cannot-dlopen-gpu-libraries.log").read_text(
        encoding="utf-8"
    )
    report = _report(tmp_path, log)
    root = root_finding(report)
    assert root["rule_id"] == "gpu-custom-op-nvcc-failed" and root["facts"]["plugin"] == "fused_bias_act.cu"
    assert [e["line"] for e in root["evidence"]] == [3]
    dlopen = next(f for f in report["findings"] if f["rule_id"] == "linkage-cannot-dlopen-gpu-libraries")
    assert dlopen["count"] == 2  # the log line inside the program's line still counts
    assert not [f for f in report["findings"] if f["match"] == "unrecognized" and f.get("root_cause")]
    # the next line starts a record of its own (another TF line): nothing is joined
    from analyzer.pipeline.reader import Block
    from analyzer.pipeline.unwrap import interrupted_lines

    lines = log.splitlines(True)
    assert interrupted_lines(Block("".join(lines[:4]).encode(), 1, b"\n", 4))
    other = lines[2] + "2022-06-22 16:32:29.000000: I tensorflow/core/platform/cpu_feature_guard.cc:142] done\n"
    assert not interrupted_lines(Block(other.encode(), 1, b"\n", 2))


def test_pip_before_10_reports_no_wheel_without_an_error_prefix(tmp_path):
    """pip < 10 printed "Could not find a version that satisfies the requirement ..." with no "ERROR: " before it
    (tflite-model-maker's scann pin on Windows, first_sight_46): still an error, placed in its family, not "no problem"."""
    old = (REAL_LOGS / "first_sight_46" / "install-windows-tflite-model-maker-scann-no-distribution.log").read_text(
        encoding="utf-8"
    )
    root = root_finding(_report(tmp_path, old))
    assert (root["rule_id"], root["facts"]["package"]) == ("family-pip-python", "scann")
    # the same words inside other text are no error line
    chat = "I read that pip says could not find a version that satisfies the requirement when a wheel is missing\n"
    assert not [f for f in _report(tmp_path, chat, "chat.log")["findings"] if f["severity"] != "info"]


def test_a_log_that_stops_at_a_huge_host_allocation_is_a_host_memory_warning(tmp_path):
    """Colab's runtime died at a 6.2 GiB host allocation, and the log says nothing after TensorFlow's "exceeds 10% of
    system memory" hint (first_sight_46). As the last line, a GiB or more: a warning in the host-memory family; with the
    run going on after it, or a small allocation last, it stays a harmless hint."""
    log = (REAL_LOGS / "first_sight_46" / "oomhost-colab-tcmalloc-large-alloc-6645350400.log").read_text(encoding="utf-8")
    root = root_finding(_report(tmp_path, log))
    assert (root["rule_id"], root["category"], root["severity"]) == ("oom-host-allocation-exceeds-free", "oom.host", "warning")
    assert "log ends at this allocation" in root["explanation"]
    went_on = _report(tmp_path, log + "Epoch 1/10\n", "went-on.log")
    assert not [f for f in went_on["findings"] if f["severity"] != "info"]
    small = log.replace("6645350400", "25690112")
    assert not [f for f in _report(tmp_path, small, "small.log")["findings"] if f["severity"] != "info"]


def test_a_log_that_stops_at_the_multi_gpu_all_reduce_set_up_is_an_nccl_hang_warning(tmp_path):
    """A job hanging in NCCL prints nothing more: MirroredStrategy on two GPUs stopped after its first batch all-reduce
    was set up (first_sight_67), a multi-worker job after NCCL's "Init COMPLETE" (first_sight_1). As the last lines, a
    warning in the NCCL family; with a training step after them they are harmless set-up lines."""
    for folder, name in (
        ("first_sight_67", "nccl-tf231-mirroredstrategy-2gpu-hang-batch-all-reduce.log"),
        ("first_sight_1", "g-nccl-multiworker-ib-hang-after-init.log"),
    ):
        log = (REAL_LOGS / folder / name).read_text(encoding="utf-8")
        root = root_finding(_report(tmp_path, log, name))
        assert (root["rule_id"], root["category"], root["severity"]) == (
            "nccl-log-ends-at-collective-setup",
            "nccl.failure",
            "warning",
        )
        assert "NCCL_P2P_DISABLE=1" in " ".join(root["fixes"]) and "log ends right here" in root["explanation"]
        went_on = _report(
            tmp_path, log + "100/100 [==============================] - 12s 98ms/step - loss: 0.31\n", "went-on-" + name
        )
        assert not [f for f in went_on["findings"] if f["severity"] != "info"]


def test_a_log_copied_from_inside_a_terminal_ui_box_is_read_without_its_borders(tmp_path):
    """k9s's log view frames each line with `│ ` and ` │` and cuts it at the box's width: a TF-Java service's JSON log
    line broke inside "undefi │" / "│ ned symbol" (first_sight_46). Inside the borders the pieces meet again."""
    log = (REAL_LOGS / "first_sight_46" / "deps-tfjava-tfdf-inference-so-undefined-symbol-status.log").read_text(encoding="utf-8")
    root = root_finding(_report(tmp_path, log))
    assert root["rule_id"] == "install-undefined-symbol"
    assert root["facts"]["symbol"].startswith("_ZN10tensorflow6StatusC1") and root["facts"]["symbol"].endswith("EE")
    from analyzer.pipeline.unwrap import _inside_box

    framed = ["\u2502 " + "a" * 70 + " \u2502", "\u2502 " + "b" * 70 + " \u2502", "plain line"]
    assert _inside_box([t.encode() for t in framed]) == [b"a" * 70, b"b" * 70, b"plain line"]
    once = ["\u2502 one framed line \u2502", "text"]  # a single framed line is no box
    assert _inside_box([t.encode() for t in once]) == [t.encode() for t in once]


def test_a_message_reflowed_at_word_boundaries_is_read_whole(tmp_path):
    """TF's cuDNN message broken at spaces, the way a thread's text re-flows it: no piece holds the sentence."""
    tb = (REAL_LOGS / "first_sight_9" / "cudnn-neuralstyle-5103-vs-4007.log").read_text(encoding="utf-8")
    flowed = reflowed(tb, 72)
    assert not any("Loaded runtime" in line and "compiled with" in line for line in flowed.splitlines())
    assert root_finding(_report(tmp_path, flowed))["rule_id"] == "cudnn-version-mismatch"
    conv = (
        "tensorflow.python.framework.errors_impl.UnknownError: Failed to get convolution algorithm. This is probably "
        "because cuDNN failed to initialize, so try looking to see if a warning log message was printed above.\n"
    )
    assert root_finding(_report(tmp_path, reflowed(conv, 90), "conv.log"))["rule_id"] == "cudnn-conv-algorithm-failed"


def test_a_message_pasted_with_its_pieces_reindented_is_read_whole(tmp_path):
    """TF's cuDNN message as a thread pasted it (first_sight_48): broken at spaces, no space kept at the breaks, every
    piece after the first indented. The pieces joined are the message; a traceback's frame and source lines, which
    also pair a line ending in a word with an indented one, are left as they are."""
    log = (REAL_LOGS / "first_sight_48" / "cudnn-conda-tf2alpha-runtime-731-compiled-742.log").read_text(encoding="utf-8")
    root = root_finding(_report(tmp_path, log))
    assert root["rule_id"] == "cudnn-version-mismatch" and root["evidence"][0]["line"] == 1
    assert (root["facts"]["cudnn_runtime"], root["facts"]["cudnn_compiled"]) == ("7.3.1", "7.4.2")
    tb = (REAL_LOGS / "first_sight_9" / "cudnn-neuralstyle-5103-vs-4007.log").read_text(encoding="utf-8")
    assert root_finding(_report(tmp_path, reindented(tb), "tb.log"))["rule_id"] == "cudnn-version-mismatch"
    from analyzer.pipeline import unwrap
    from analyzer.pipeline.reader import Block

    frames = (
        'Traceback (most recent call last):\n  File "/home/u/project/train_the_network.py", line 12, in main\n'
        "    import tensorflow as tf\nModuleNotFoundError: No module named 'tensorflow'\n"
    )
    assert unwrap.wrapped_runs(Block(frames.encode(), 1, b"\n", -1)) == []


def test_a_log_line_wrapped_at_any_word_with_its_pieces_indented_is_read_whole(tmp_path):
    """A terminal's width breaks TF's line anywhere, even right after its header (`E0000 ... cuda_dnn.cc:522]` alone,
    `    Loaded runtime CuDNN library: 9.1.0 but source was compiled` next), and the paste indents every piece after
    the first: the pieces whose next word would not have fitted the width most lines agree on are joined again."""
    log = (REAL_LOGS / "cudnn-vm-absl-91.log").read_text(encoding="utf-8")
    pasted = reindented(log)
    assert pasted.splitlines()[0].endswith("cuda_dnn.cc:522]")
    root = root_finding(_report(tmp_path, pasted))
    assert root["rule_id"] == "cudnn-version-mismatch"
    assert (root["facts"]["cudnn_runtime"], root["facts"]["cudnn_compiled"]) == ("9.1.0", "9.3.0")
    from analyzer.pipeline import unwrap
    from analyzer.pipeline.reader import Block

    # lines that end where the next indented word would still have fitted are no wrapped run: a long frame line and
    # its source line, twice
    frame = '  File "/home/user/projects/segmentation/train_the_network.py", line 12, in main\n    import tensorflow as tf\n'
    assert unwrap.wrapped_runs(Block((frame * 2).encode(), 1, b"\n", -1)) == []


def test_pytests_short_summary_line_is_read_as_the_exception_it_names(tmp_path):
    """`pytest -r` ends with "FAILED tests/x.py::test_y - AttributeError: ..." (first_sight_48's CI log): the rules see
    the exception, as they do after pytest's `E   ` marker; a summary line without an exception stays text."""
    log = "FAILED tests/test_deep_learning4e.py::test_rnn - AttributeError: module 'keras.preprocessing.sequence' has no attribute 'pad_sequences'\n"
    root = root_finding(_report(tmp_path, log))
    assert root["category"] == "deps.version_conflict"
    assert root["evidence"][0]["text"].startswith("AttributeError: module 'keras.preprocessing.sequence'")
    rep = _report(tmp_path, "FAILED tests/test_x.py::test_y - assert 1 == 2\n", "plain.log")
    assert not any(f["category"].startswith("deps") for f in rep["findings"])


def test_an_exception_message_written_over_several_lines_is_read_whole(tmp_path):
    """TensorFlow Probability's own ImportError breaks its sentence over three lines (no trailing spaces, and the
    first break looks like a fixed-width cut): the rule sees the message as one line, its facts included."""
    log = (REAL_LOGS / "first_sight_22" / "deps-tfp-requires-tf25-detected-241-kaggle-image.log").read_text(encoding="utf-8")
    assert len(log.splitlines()) == 3
    root = root_finding(_report(tmp_path, log))
    assert root["rule_id"] == "deps-tf-extension-abi"
    assert root["facts"]["tf_version"] == "2.4.1" and root["facts"]["required_tf"] == "2.5"
    assert root["evidence"][0]["line"] == 1
    # the lines after a message that start a record of their own are not joined to it
    other = 'ImportError: This version of TensorFlow Probability requires TensorFlow\n  File "x.py", line 1\nversion >= 2.5\n'
    assert root_finding(_report(tmp_path, other, "other.log"))["rule_id"] != "deps-tf-extension-abi"


def test_an_exception_message_pasted_without_its_type_is_read_as_that_exception(tmp_path):
    """A thread gives the message alone ("module 'keras.api.backend' has no attribute 'sigmoid'", the real log of a
    Keras 3 break): its shape names its type, so the rules and families for that exception see it; prose that only
    mentions such a message, and other lines, stay text."""
    log = (REAL_LOGS / "first_sight_24" / "deps-keras3-api-backend-no-sigmoid-efficientnet-tf215.log").read_text(encoding="utf-8")
    root = root_finding(_report(tmp_path, log))
    assert (
        root["category"] == "deps.version_conflict" and root["facts"].get("exception_type", "AttributeError") == "AttributeError"
    )
    assert root["evidence"][0]["text"] == "module 'keras.api.backend' has no attribute 'sigmoid'"
    cut = root_finding(
        _report(tmp_path, "cannot import name 'LayerNormalization' from 'keras.layers.normalization'\n", "imp.log")
    )
    assert cut["category"] == "deps.version_conflict"
    # Python <= 3.6's form names no module (batch 33: Keras 2.9 beside TF 2.6, "cannot import name 'dtensor'")
    bare = root_finding(_report(tmp_path, "2.6.0\ncannot import name 'dtensor'\n", "bare.log"))
    assert bare["category"] == "deps.version_conflict"
    # a program's own report of the error it caught (YOLOv5's "TensorFlow.js: export failure: {e}")
    wrapped = root_finding(
        _report(
            tmp_path,
            "TensorFlow.js: export failure: module 'tensorflow.tools.docs.doc_controls' has no attribute 'inheritable_header'\n",
            "wrapped.log",
        )
    )
    assert wrapped["category"] == "deps.version_conflict"
    for prose in (
        "I get module 'keras.api.backend' has no attribute 'sigmoid' when I run it\n",
        "module loaded\n",
        "export failure: module 'keras.api.backend' has no attribute 'sigmoid' when I run it\n",
    ):
        rep = _report(tmp_path, prose, "prose.log")
        assert [f for f in rep["findings"] if f["severity"] != "info"] == [], prose


def test_lines_that_end_in_a_space_but_are_whole_add_nothing(tmp_path):
    """Lines printed with a trailing space (a progress line, a prompt) are not pieces of one sentence."""
    lines = "".join(f"Epoch {e}/3 - loss: 0.{e}1 - accuracy: 0.9{e} - val_loss: 0.2{e} - val_acc: 0.8{e} \n" for e in range(1, 4))
    rep = _report(tmp_path, lines)
    assert [f for f in rep["findings"] if f["severity"] != "info"] == []


@pytest.mark.parametrize(
    "name, rule_id",
    [
        ("cudalib-win-tf115-cuda101.log", "linkage-cudart-missing"),  # Could not load dynamic library &#39;cudart64_101.dll&#39;
        ("odapi-win-label-map-pb2.log", "odapi-protos-not-compiled"),  # File &quot;...&quot; frames, a quoted module name
        # a traceback that lost its line breaks (a hosted app's error page), its frames' File &quot;...&quot; split as File "..."
        ("first_sight_63/deps-hfspace-distilbert-transformers-keras3-needs-tf-keras.log", "deps-keras3-mixed-layers"),
    ],
)
def test_a_log_pasted_as_html_with_entities_is_read_as_its_text(tmp_path, name, rule_id):
    """Real logs as a web page's HTML holds them (a real report pasted that way: first_sight_10's kernel-image log)."""
    text = (REAL_LOGS / name).read_text(encoding="utf-8")
    escaped = html_escaped(text)
    assert escaped != text
    root = root_finding(_report(tmp_path, escaped))
    assert root["rule_id"] == rule_id == root_finding(_report(tmp_path, text, "plain.log"))["rule_id"]
    assert "&#39;" not in root["evidence"][0]["text"] and "&quot;" not in root["evidence"][0]["text"]


@pytest.mark.parametrize("mark", ["`", "**"])
def test_lines_set_in_markdown_code_or_bold_are_read_as_their_text(tmp_path, mark):
    """An issue's author puts the error line in `code` or **bold**: the marks are not part of the message."""
    text = (REAL_LOGS / "cudalib-win-tf115-cuda101.log").read_text(encoding="utf-8")
    marked = "".join(f"{mark}{line}{mark}\n" if line.strip() else "\n" for line in text.splitlines())
    root = root_finding(_report(tmp_path, marked))
    assert root["rule_id"] == "linkage-cudart-missing" == root_finding(_report(tmp_path, text, "plain.log"))["rule_id"]
    assert not root["evidence"][0]["text"].startswith(mark)


def test_equal_length_lines_that_are_not_wrapped_add_nothing(tmp_path):
    """A training loop printing fixed-width lines: lines as long as the longest, but each complete."""
    lines = "".join(
        f"epoch:{e} step: {s:4d}/19, lr:0.000052, giou_loss:   2.64, conf_loss:  11.12, total_loss:  13.83\n"
        for e in range(48, 50)
        for s in range(3)
    )
    rep = _report(tmp_path, lines + "giou_val_loss:    nan, conf_val_loss:  12.31, total_val_loss:    nan\n")
    assert [f["category"] for f in rep["findings"] if f["severity"] != "info"] == ["training.divergence"]


def test_keras_exception_wrapper_line_is_not_a_second_unknown_error(tmp_path):
    """Keras announces a layer's failure on one line and gives the real message on the next (TF Hub under Keras 3)."""
    rep = _report(
        tmp_path,
        (
            "ValueError: Exception encountered when calling layer 'keras_layer' (type KerasLayer).\n"
            "           A KerasTensor is symbolic: it's a placeholder for a shape an a dtype. It doesn't have any actual "
            "numerical value. You cannot convert it to a NumPy array.\n"
        ),
    )
    roots = [f["rule_id"] for f in rep["findings"] if f["root_cause"]]
    assert roots == ["deps-keras3-kerastensor"]


def test_a_cut_ipython_traceback_is_judged_by_the_exception_its_header_announces(tmp_path):
    """IPython names the exception on the header line: a cut traceback through object_detection that announces a
    KeyError is not the Object Detection API's set-up family (import/attribute errors), and says what it was."""
    body = (
        "Cell In[1], line 47\n"
        "---> 47 from object_detection.builders import model_builder\n"
        "File ~/miniconda3/envs/jup/lib/python3.12/site-packages/object_detection/builders/model_builder.py:22\n"
        "---> 22 from object_detection.builders import box_predictor_builder\n"
    )
    setup = root_finding(
        _report(tmp_path, "AttributeError                            Traceback (most recent call last)\n" + body)
    )
    assert setup["category"] == "odapi.setup"
    other = root_finding(
        _report(tmp_path, "KeyError                                  Traceback (most recent call last)\n" + body, "key.log")
    )
    assert other["rule_id"] == "unrecognized" and "KeyError" in other["title"]


def test_a_family_guess_names_what_its_cue_names(tmp_path):
    """gensim on SciPy 1.13 (https://github.com/urchade/GLiNER/issues/62): the guess says which package and name."""
    rep = _report(
        tmp_path,
        (
            "Traceback (most recent call last):\n"
            '  File "C:\\Users\\cheta\\.conda\\envs\\langchain\\Lib\\site-packages\\gensim\\matutils.py", line 20, in <module>\n'
            "    from scipy.linalg import get_blas_funcs, triu\n"
            "ImportError: cannot import name 'triu' from 'scipy.linalg' "
            "(c:\\Users\\cheta\\.conda\\envs\\langchain\\Lib\\site-packages\\scipy\\linalg\\__init__.py)\n"
        ),
    )
    root = root_finding(rep)
    assert (root["category"], root["match"]) == ("deps.version_conflict", "family")
    assert root["facts"]["missing_name"] == "triu" and root["facts"]["package"] == "scipy"
    assert "`scipy.linalg`" in root["explanation"] and any("scipy" in fix and "triu" in fix for fix in root["fixes"])


def test_a_paste_cut_mid_line_is_read_as_the_message_it_began(tmp_path):
    """The official GPU image's log as an issue excerpt shows it (tensorflow/tensorflow#62412): its last line stops mid-word."""
    head = (
        "E0000 00:00:1745040030.652070    1012 cuda_dnn.cc:8579] Unable to register cuDNN factory: Attempting to "
        "register factory for plugin cuDNN when one has already been registered\n"
    )
    cut = "W0000 00:00:1745040002.716147     960 gpu_device.cc:2341] Cannot dlopen some GPU li"
    root = root_finding(_report(tmp_path, head + cut))
    assert (root["rule_id"], root["match"]) == ("linkage-cannot-dlopen-gpu-libraries", "fuzzy")
    assert root["evidence"][0]["line"] == 2
    # the same words inside the log are no cut line; a fragment too short to say stays unread
    assert not [f for f in _report(tmp_path, cut + "\n" + head, "mid.log")["findings"] if f["severity"] != "info"]
    short = "W0000 00:00:1745040002.716147     960 gpu_device.cc:2341] Cannot dlopen so"
    assert not [f for f in _report(tmp_path, head + short, "short.log")["findings"] if f["severity"] != "info"]
    # a last line that ends in a whole number is no cut: PyCharm's "exit code -1" is not the
    # "exit code -1073741795 (0xC000001D)" of a CPU without AVX (tensorflow/tensorflow#13837)
    exit_1 = "ERROR: Failed to import the TensorFlow module.\n\nProcess finished with exit code -1\n"
    rep = _report(tmp_path, exit_1, "exit.log")
    assert "install-windows-illegal-instruction" not in [f["rule_id"] for f in rep["findings"]]


OUTRAGE_TB = (  # a Jupyter traceback from https://github.com/CrockettLab/outrage_classifier/issues/2
    "---------------------------------------------------------------------------\n"
    "ModuleNotFoundError                       Traceback (most recent call last)\n"
    "<ipython-input-5-935f7a09a2ec> in <module>\n"
    "      1 import outrageclf as oclf\n"
    "      2 from outrageclf.preprocessing import WordEmbed, get_lemmatize_hashtag\n"
    "----> 3 from outrageclf.classifier import _load_crockett_model\n"
    "\n"
    "~/opt/anaconda3/lib/python3.8/site-packages/outrageclf-0.1.6-py3.8.egg/outrageclf/classifier.py in <module>\n"
    "----> 1 from .model_architect import threshold_acc\n"
    "      2 from .preprocessing import WordEmbed, get_lemmatize_hashtag\n"
    "      3 from keras.models import load_model\n"
    "      4 from joblib import load\n"
    "      5 \n"
    "\n"
    "~/opt/anaconda3/lib/python3.8/site-packages/outrageclf-0.1.6-py3.8.egg/outrageclf/model_architect.py in <module>\n"
    "     19 import tensorflow.keras.backend as K\n"
    "     20 from keras import Sequential, optimizers, initializers, regularizers, constraints\n"
    "---> 21 from keras.engine.topology import Layer\n"
    "     22 \n"
    "     23 \n"
)


def test_a_cut_ipython_traceback_that_announced_an_import_error_is_read_as_the_line_python_printed(tmp_path):
    """The header names the exception and the last arrow the import that raised it: together they are the
    exception line the excerpt lost, and the rules read it (the evidence stays the arrow's line)."""
    whole = root_finding(
        _report(tmp_path, OUTRAGE_TB + "\nModuleNotFoundError: No module named 'keras.engine.topology'\n", "whole.log")
    )
    cut = root_finding(_report(tmp_path, OUTRAGE_TB, "cut.log"))
    assert whole["rule_id"] == cut["rule_id"] != "unrecognized"
    assert cut["category"] == "deps.version_conflict"
    assert cut["evidence"][0]["text"].strip() == "---> 21 from keras.engine.topology import Layer"
    # announced as something else, the import line says nothing about the failure: the cut traceback stays unknown
    other = root_finding(
        _report(tmp_path, OUTRAGE_TB.replace("ModuleNotFoundError      ", "KeyError                 "), "other.log")
    )
    assert other["rule_id"] == "unrecognized"


LIPNET_TB = (  # github.com/nicknochnack/LipNet/issues/14, cut after the code IPython shows under the raise
    "---------------------------------------------------------------------------\n"
    "ValueError                                Traceback (most recent call last)\n"
    "Cell In[86], line 1\n"
    "----> 1 model.load_weights('models/checkpoint')\n"
    "\n"
    "File ~\\AppData\\Local\\Programs\\Python\\Python311\\Lib\\site-packages\\keras\\optimizers\\optimizer.py:147, in _BaseOptimizer._create_or_restore_slot_variable(self, **kwargs)\n"
    "    146 def _create_or_restore_slot_variable(self, **kwargs):\n"
    "--> 147     raise ValueError(\n"
    '    148         "You are trying to restore a checkpoint from a legacy Keras "\n'
    '    149         "optimizer into a v2.11+ Optimizer, which can cause "\n'
    '    150         "errors. Please update the optimizer referenced in your code "\n'
    '    151         "to be an instance of "\n'
    '    152         "`tf.keras.optimizers.legacy.Optimizer`, e.g.: "\n'
    '    153         f"`tf.keras.optimizers.legacy.{self.__class__.__name__}`."\n'
    "    154     )\n"
)


def test_a_cut_ipython_traceback_whose_raise_shows_its_message_as_literals_is_read_as_that_message(tmp_path):
    """IPython shows the code around the arrow: where it points at `raise ValueError(` (the error its header announced)
    and the message follows as string literals, those literals joined are the exception line the paste lost; the
    rules read it, the evidence is the arrow's line. A paste full of the same code lines (their line classes) reads
    the same; a raise of another error, or of a message in a variable, is not read as one."""
    whole = root_finding(
        _report(
            tmp_path,
            LIPNET_TB
            + "\nValueError: You are trying to restore a checkpoint from a legacy Keras optimizer into a v2.11+ Optimizer, which can cause errors.\n",
            "whole.log",
        )
    )
    cut = root_finding(_report(tmp_path, LIPNET_TB, "cut.log"))
    assert whole["rule_id"] == cut["rule_id"] == "deps-keras-legacy-optimizer-checkpoint"
    assert cut["evidence"][0]["text"].strip() == "--> 147     raise ValueError("
    noisy = (
        "2024-01-01 00:00:01.000001: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized.\n"
        * 3000
    )
    assert root_finding(_report(tmp_path, noisy + LIPNET_TB + LIPNET_TB, "many.log"))["rule_id"] == cut["rule_id"]
    # the paste stops inside the message: its literals are the message's beginning, read as a truncated line is
    short = root_finding(_report(tmp_path, LIPNET_TB.split("    149 ")[0], "short.log"))
    assert (short["rule_id"], short["match"]) == (cut["rule_id"], "fuzzy") and short["confidence"] < cut["confidence"]
    for name, text in {
        "other-error": LIPNET_TB.replace("ValueError    ", "KeyError      ", 1),
        "variable": LIPNET_TB.replace("raise ValueError(\n", "raise ValueError(message)\n"),
        "no-code-line": LIPNET_TB.replace("    148 ", "    148 \n    ", 1),
    }.items():
        assert root_finding(_report(tmp_path, text, name + ".log"))["rule_id"] != cut["rule_id"], name


CONTRIB_TB = (  # github.com/CorentinJ/Real-Time-Voice-Cloning/issues/450, cut after its last frame's code line
    "Traceback (most recent call last):\n"
    '  File "demo_cli.py", line 4, in <module>\n'
    "    from synthesizer.inference import Synthesizer\n"
    '  File "E:\\AI Tool\\Real-Time-Voice-Cloning-master\\synthesizer\\models\\helpers.py", line 3, in <module>\n'
    "    from tensorflow.contrib.seq2seq import Helper\n"
)


def test_a_cpython_traceback_cut_after_an_import_statement_is_read_as_that_import_failing(tmp_path):
    """No deeper frame follows the import, so the import itself failed (a failure inside the imported code
    would show its frames): the lost line said the module is not there, and the rules that know which imports
    fail where (tf.contrib on TF 2) read it, at a cut traceback's lower confidence; the evidence is the import."""
    whole = root_finding(
        _report(tmp_path, CONTRIB_TB + "ModuleNotFoundError: No module named 'tensorflow.contrib'\n", "whole.log")
    )
    cut = root_finding(_report(tmp_path, CONTRIB_TB, "cut.log"))
    assert whole["rule_id"] == cut["rule_id"] == "deps-tf1-api-on-tf2"
    assert cut["evidence"][0]["text"].strip() == "from tensorflow.contrib.seq2seq import Helper"
    assert cut["confidence"] < whole["confidence"]
    # the same shape repeated through a long log (its lines take the line-class paths) reads the same
    many = _report(
        tmp_path,
        (
            "2024-01-01 00:00:01.000001: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized.\n"
            * 3000
        )
        + CONTRIB_TB,
        "many.log",
    )
    assert root_finding(many)["rule_id"] == "deps-tf1-api-on-tf2"
    # a native module (private name) exists and fails to load; a module no rule knows; code that is not an import;
    # a code line that is not under the last frame: none says what the lost line was
    for name, tail in {
        "native": "    from tensorflow.python._pywrap_tensorflow_internal import *\n",
        "unknown": "    from synthesizer.models.helpers import Helper\n",
        "call": "    tf.contrib.seq2seq.Helper()\n",
        "top-level": "    import tensorflow as tf  # pylint: disable=import-outside-toplevel\n",  # its own frames may be cut
    }.items():
        rep = _report(tmp_path, CONTRIB_TB.rsplit("    from tensorflow", 1)[0] + tail, name + ".log")
        assert root_finding(rep)["rule_id"] not in ("deps-tf1-api-on-tf2", "install-tensorflow-not-installed"), name
    # a package importing its own module (its __init__ broke), or a traceback raised while handling an earlier one
    # (that one names the error): not a module that is not there
    own = CONTRIB_TB.replace(
        "E:\\AI Tool\\Real-Time-Voice-Cloning-master\\synthesizer\\models\\helpers.py",
        "C:\\Python37\\lib\\site-packages\\tensorflow\\__init__.py",
    )
    assert "site-packages" in own and root_finding(_report(tmp_path, own, "own.log"))["rule_id"] != "deps-tf1-api-on-tf2"
    chained = (
        "ImportError: DLL load failed\n\nDuring handling of the above exception, another exception occurred:\n\n" + CONTRIB_TB
    )
    assert root_finding(_report(tmp_path, chained, "chained.log"))["rule_id"] != "deps-tf1-api-on-tf2"
    # PyCharm's import hook between the import and the module it loads is seen through (a real mrcnn traceback's shape)
    hooked = CONTRIB_TB + (
        '  File "D:\\PyCharm 2021.3.3\\plugins\\python\\helpers\\pydev\\_pydev_bundle\\pydev_import_hook.py", '
        "line 21, in do_import\n    module = self._system_import(name, *args, **kwargs)\n"
    )
    assert root_finding(_report(tmp_path, hooked, "hooked.log"))["rule_id"] == "deps-tf1-api-on-tf2"
    earlier = CONTRIB_TB.replace(
        "    from synthesizer.inference import Synthesizer", "    from tensorflow.contrib.seq2seq import Helper"
    )
    earlier = earlier.rsplit("    from tensorflow", 1)[0] + "    helper = Helper()\n"  # the import is an outer frame's
    assert root_finding(_report(tmp_path, earlier, "earlier.log"))["rule_id"] != "deps-tf1-api-on-tf2"


def test_a_cut_keras_import_after_tfs_libcudart_notice_is_still_placed_in_its_family(tmp_path):
    """TF's "Could not load dynamic library 'libcudart...'" notice on a machine that shows no GPU is a warning that
    may be harmless: it explains no traceback, so a Keras import cut before its error line is still the Keras
    family's guess (batch 61: keras 2.11 pulled in beside TF 2.6). A specific error keeps the guess out."""
    notice = (
        "2022-12-27 16:55:16.791868: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
        "library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory\n"
        "2022-12-27 16:55:16.791900: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror if you "
        "do not have a GPU set up on your machine.\n"
    )
    tb = (
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        '  File "/home/kai/anaconda3/envs/test-tf/lib/python3.7/site-packages/keras/__init__.py", line 21, in <module>\n'
        "    from keras import models\n"
        '  File "/home/kai/anaconda3/envs/test-tf/lib/python3.7/site-packages/keras/models/__init__.py", line 18, in <module>\n'
        "    from keras.engine.functional import Functional\n"
    )
    rep = _report(tmp_path, notice + tb)
    root = root_finding(rep)
    assert (root["rule_id"], root["match"], root["severity"]) == ("family-keras", "family", "error")
    assert "linkage-cudart-missing" in [f["rule_id"] for f in rep["findings"]]  # still shown, as the warning it is
    oom = (
        "2022-12-27 16:55:20.000000: W tensorflow/core/common_runtime/bfc_allocator.cc:457] Allocator (GPU_0_bfc) ran out "
        "of memory trying to allocate 1.00GiB (rounded to 1073741824)requested by op Conv2D\n"
        "tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating tensor with shape[64,256,256,64] "
        "and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc\n"
    )
    rep = _report(tmp_path, oom + tb, "oom.log")
    assert "family-keras" not in [f["rule_id"] for f in rep["findings"]]


def test_a_python_warning_on_its_own_is_no_error_but_one_raised_as_an_error_is(tmp_path):
    """`warnings` prints "UserWarning: ..." at a line's start when the message's file line is cut off (or a
    logger repeats it): that reports no failure. A traceback ending in one (warnings turned into errors) does."""
    warned = (
        "UserWarning: `layer.add_variable` is deprecated and will be removed in a future version. "
        "Please use the `layer.add_weight()` method instead.\n  warnings.warn(\n"
        "DeprecationWarning: the imp module is deprecated in favour of importlib\n"
    )
    assert [f for f in _report(tmp_path, warned)["findings"] if f["severity"] != "info"] == []
    raised = (
        'Traceback (most recent call last):\n  File "/app/train.py", line 3, in <module>\n    import imp\n'
        "DeprecationWarning: the imp module is deprecated in favour of importlib\n"
    )
    root = root_finding(_report(tmp_path, raised, "raised.log"))
    assert root["rule_id"] == "unrecognized" and "DeprecationWarning" in root["title"]


def test_optional_tensorrt_is_no_longer_noise_once_tf_trt_aborted_without_it(tmp_path):
    """TensorRT missing is harmless for a job that never uses TF-TRT; where the TF-TRT stub aborted for want of it,
    the root cause is that, and the 'could not load libnvinfer' line is its symptom, not harmless noise."""
    log = (REAL_LOGS / "first_sight_27" / "trt-libnvinfer5-missing-automl.log").read_text(encoding="utf-8")
    rep = _report(tmp_path, log)
    root = root_finding(rep)
    assert root["rule_id"] == "linkage-tensorrt-stub-symbol-not-found" and root["category"] == "cuda.library_missing"
    assert "linkage-tensorrt-missing" in root["explains"]
    assert not any(f["rule_id"] == "linkage-tensorrt-missing" and f["severity"] == "info" for f in rep["findings"])
    quiet = _report(tmp_path, log.splitlines()[0] + "\n", "import.log")  # the dlopen line alone: optional
    assert [f["severity"] for f in quiet["findings"] if f["rule_id"] == "linkage-tensorrt-missing"] == ["info"]


def test_the_first_root_error_of_a_multi_error_is_read_and_placed_in_its_family(tmp_path):
    """Batch 52 (EfficientDet on SKU110K): TF's "2 root error(s) found." announces its errors on the next lines,
    "(0) INVALID_ARGUMENT: assertion failed: [238]"; that first one is an error line the families read (an assertion in
    the input parser: the data), where it was an unrecognized "2 root error(s) found."."""
    rep = _report(
        tmp_path,
        (
            "tensorflow.python.framework.errors_impl.InvalidArgumentError: 2 root error(s) found.\n"
            "  (0) INVALID_ARGUMENT: assertion failed: [238]\n"
            "\t [[{{node parser/Assert/Assert}}]]\n"
            "\t [[IteratorGetNext]]\n"
            "  (1) CANCELLED: Function was cancelled before it was started\n"
            "0 successful operations.\n"
        ),
    )
    root = root_finding(rep)
    assert root["category"] == "input.data_error" and root["facts"].get("node") == "parser/Assert/Assert"
    assert not any(f["rule_id"] == "unrecognized" for f in rep["findings"]), rep["findings"]


def test_an_assert_nodes_line_without_its_error_line_is_read_as_the_failed_assertion(tmp_path):
    """Batch 52: a thread's excerpt that kept only the node lines ("...", "[[{{node parser/Assert/Assert}}]]",
    "[[IteratorGetNext]]"); batch 45's Mask R-CNN log, whose assertion went to INFO ("Error reported to Coordinator")
    before its `[[Node: .../Assert/Assert = Assert[...]` line, has the same shape. An Assert op's error can only be
    "assertion failed", so that line is read (a family guess); any other orphan node line says nothing."""
    root = root_finding(_report(tmp_path, "...\n[[{{node parser/Assert/Assert}}]]\n[[IteratorGetNext]]\n"))
    assert (root["rule_id"], root["category"]) == ("family-input-data", "input.data_error")
    assert not _report(tmp_path, "[[{{node model/dense/MatMul}}]]\n", name="other.log")["findings"]


@pytest.mark.parametrize(
    "line, library",
    [
        ("ImportError: libusb-1.0.so.0: cannot open shared object file: No such file or directory", "libusb-1.0.so.0"),
        ("ImportError: libGL.so.1: cannot open shared object file: No such file or directory", "libGL.so.1"),
    ],
)
def test_a_system_library_a_package_needs_is_an_install_problem_not_unknown(tmp_path, line, library):
    """Batch 52 (tflite_model_maker on a Kaggle TPU VM): a compiled module's missing OS library was unrecognized."""
    root = root_finding(_report(tmp_path, line + "\n"))
    assert (root["rule_id"], root["category"]) == ("family-system-library-missing", "install.import_failure")
    assert library in root["fixes"][0]


def test_a_pip_line_cut_after_the_requirement_is_still_a_python_or_platform_guess(tmp_path):
    """Batch 52 (tflite-model-maker's scann==1.2.6 on Kaggle): the log ends at the requirement, without pip's
    "(from versions: ...)"; the family guess stands and asks for that list."""
    root = root_finding(_report(tmp_path, "ERROR: Could not find a version that satisfies the requirement scann==1.2.6\n"))
    assert (root["rule_id"], root["category"]) == ("family-pip-python", "install.python_unsupported")
    assert "(from versions: ...)" in root["fixes"][0]


@pytest.mark.parametrize(
    "line",
    [
        "AttributeError: 'Sequential' object has no attribute 'output_",  # tf2onnx on a Keras 3 model, cut as posted
        "AttributeError: Exception encountered when calling MonoDense.call(). can't set attribute 'kernel'",
    ],
)
def test_keras_3_model_and_layer_errors_are_a_keras_version_guess(tmp_path, line):
    """Batch 52: Keras 2 code and converters meeting Keras 3's models and layers were unrecognized."""
    root = root_finding(_report(tmp_path, line + "\n"))
    assert (root["rule_id"], root["category"]) == ("family-keras", "deps.version_conflict")


def test_a_traceback_inside_pips_build_folder_is_a_build_from_source_for_want_of_a_wheel(tmp_path):
    """Batch 52 (spleeter's numpy<1.19 on Python 3.11): the traceback runs in pip's temporary build folder
    (pip-install-<random>/numpy_<hash>/tools/cythonize.py): pip compiles a release it has no wheel of for this Python."""
    root = root_finding(
        _report(
            tmp_path,
            (
                "      Traceback (most recent call last):\n"
                '        File "C:\\Users\\u\\AppData\\Local\\Temp\\pip-install-yp351ez1\\numpy_077ad87a9c86481e9850cbabee4e8f50'
                '\\tools\\cythonize.py", line 238, in <module>\n'
                "          main()\n"
            ),
        )
    )
    assert (root["rule_id"], root["category"]) == ("family-pip-build-from-source", "install.python_unsupported")


def test_a_recursion_error_while_importing_tensorflow_is_a_version_conflict_guess(tmp_path):
    """Batch 52 (TF 2.15 installed for TF Quantum over a newer Colab image): IPython announced a RecursionError and the
    excerpt stops inside TensorFlow's own imports."""
    root = root_finding(
        _report(
            tmp_path,
            (
                "RecursionError                            Traceback (most recent call last)\n"
                "[<ipython-input-4-def8eb400eeb>](https://localhost:8080/#) in <cell line: 0>()\n"
                "----> 1 import tensorflow as tf\n\n"
                "[/usr/local/lib/python3.11/dist-packages/tensorflow/__init__.py](https://localhost:8080/#) in <module>\n"
                "---> 48 from tensorflow._api.v2 import __internal__\n\n"
                "[/usr/local/lib/python3.11/dist-packages/tensorflow/_api/v2/__internal__/autograph/__init__.py]"
                "(https://localhost:8080/#) in <module>\n"
                "----> 8 from tensorflow.python.autograph.core.ag_ctx import control_status_ctx #\n"
            ),
        )
    )
    assert (root["rule_id"], root["category"]) == ("family-tf-import-python", "deps.version_conflict")


def test_keras_core_missing_is_the_keras_family_with_its_own_fix(tmp_path):
    """first_sight_27 (KerasCV on TF 2.13): Keras Core, the preview of Keras 3 that KerasCV / KerasNLP 0.6 imported under
    Keras 2 without declaring it, was an unrecognized ModuleNotFoundError."""
    root = root_finding(_report(tmp_path, "ModuleNotFoundError: No module named 'keras_core'\n"))
    assert root["rule_id"] == "family-keras" and "pip install keras-core" in root["fixes"][0]


def test_a_windows_traceback_that_lost_its_line_breaks_and_chains_is_read(tmp_path):
    """Batch 53 (tensorflow-gpu 1.12 on Windows, from IDLE): a chained traceback run onto one line. Its paths'
    "\\natha" is no escaped line break, and the exception sits between frames, glued to "During handling ..."."""
    flat = (
        '>>> import tensorflowTraceback (most recent call last):  File "C:\\Users\\natha\\AppData\\Local\\Programs\\Python'
        '\\Python36\\lib\\site-packages\\tensorflow\\python\\pywrap_tensorflow.py", line 58, in <module>    from tensorflow.'
        'python.pywrap_tensorflow_internal import *  File "C:\\Users\\natha\\AppData\\Local\\Programs\\Python\\Python36\\lib'
        '\\imp.py", line 343, in load_dynamic    return _load(spec)ImportError: DLL load failed: The specified module could '
        "not be found.During handling of the above exception, another exception occurred:Traceback (most recent call "
        'last):  File "<pyshell#0>", line 1, in <module>    import tensorflow\n'
    )
    root = root_finding(_report(tmp_path, flat))
    assert root["rule_id"] == "install-dll-load-failed"


def test_an_exception_printed_by_pdb_is_read_as_that_exception(tmp_path):
    """Batch 54 (CosmoPower under TF 2.14, unpickling in pdb): pdb prints a statement's error as "*** Type: message";
    the line was no error at all, so the log came out harmless."""
    root = root_finding(
        _report(
            tmp_path,
            "(Pdb) pickle.load(open(filename + '.pkl', 'rb'))\n"
            "*** ModuleNotFoundError: No module named 'tensorflow.python.training.tracking'\n",
        )
    )
    assert root["category"] == "deps.version_conflict" and root["evidence"][0]["line"] == 2
    assert not _report(tmp_path, "*** Begin stack trace ***\n", name="other.log")["findings"]


def test_the_error_inside_keras_3s_deserialization_error_is_read(tmp_path):
    """Batch 54: Keras 3's "could not be deserialized properly" TypeError ends with "Exception encountered: <the error>"
    on a line of its own (keras/src/saving/serialization_lib.py); an excerpt with only that line was harmless."""
    root = root_finding(
        _report(tmp_path, "Exception encountered: Unrecognized keyword arguments passed to Conv2DTranspose: {'groups': 1}\n")
    )
    assert (root["rule_id"], root["facts"].get("keras_arg")) == ("family-keras", "groups")


def test_keras_not_finding_a_saved_models_function_says_how_to_hand_it_over(tmp_path):
    """Batch 54 (a model saved with Keras 3.6, loaded by 3.7): "Could not locate function 'attention_loss'" was unknown."""
    root = root_finding(
        _report(
            tmp_path,
            "TypeError: Could not locate function 'attention_loss'. Make sure custom classes are "
            "decorated with `@keras.saving.register_keras_serializable()`.\n",
        )
    )
    assert root["rule_id"] == "family-keras"
    assert 'custom_objects={"attention_loss": attention_loss}' in root["fixes"][0]


@pytest.mark.parametrize(
    "lines, gpu, says",
    [
        # TF built for CUDA 10.0 on a Kepler 3.0 (issue 27840): no official wheel has code for it
        (
            [
                "name: Quadro K4200 major: 3 minor: 0 memoryClockRate(GHz): 0.784",
                "I tensorflow/stream_executor/platform/default/dso_loader.cc:44] Successfully opened dynamic library libcudart.so.10.0",
            ],
            "Quadro K4200",
            "only a source build",
        ),
        # every release built with CUDA 10.1 (TF 2.1-2.3) has no SASS for 5.0 and PTX only for 7.0 (issue 46537)
        (
            [
                "pciBusID: 0000:01:00.0 name: GeForce GTX 960M computeCapability: 5.0",
                "I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened dynamic library cudart64_101.dll",
            ],
            "GeForce GTX 960M",
            "2.4-2.13",
        ),
        # an Ampere GPU under CUDA 10.1, which predates it (8.6 arrived with CUDA 11.1)
        (
            [
                "pciBusID: 0000:04:00.0 name: NVIDIA GeForce RTX 3080 computeCapability: 8.6",
                "I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened dynamic library libcudart.so.10.1",
            ],
            "NVIDIA GeForce RTX 3080",
            "CUDA 11.1",
        ),
    ],
)
def test_a_gpu_the_logs_tensorflow_cannot_serve_is_a_warning_at_start_up(tmp_path, lines, gpu, says):
    """Batches 50, 51 and 54: start-up logs that end before any error, on a GPU the log's TensorFlow (named by the CUDA
    runtime it loads) has no code for, or that its CUDA predates, came out harmless."""
    rep = _report(tmp_path, "\n".join(lines) + "\n")
    root = root_finding(rep)
    assert (root["rule_id"], root["severity"], root["category"]) == (
        "gpu-found-but-not-servable",
        "warning",
        "cuda.unsupported_gpu",
    )
    assert gpu in root["explanation"] and says in json.dumps(root)


@pytest.mark.parametrize(
    "lines",
    [
        # a Pascal GPU under CUDA 9.0 (TF 1.5-1.12), and an Ampere GPU under CUDA 11.2, whose TF wheels JIT its PTX: both healthy
        [
            "name: GeForce GTX 1080 Ti major: 6 minor: 1 memoryClockRate(GHz): 1.582",
            "I tensorflow/stream_executor/dso_loader.cc:152] successfully opened CUDA library libcudart.so.9.0 locally",
        ],
        [
            "pciBusID: 0000:01:00.0 name: NVIDIA GeForce RTX 3090 computeCapability: 8.6",
            "I tensorflow/stream_executor/platform/default/dso_loader.cc:53] Successfully opened dynamic library libcudart.so.11.0",
        ],
        # a Jetson Nano (5.3) runs NVIDIA's own build
        [
            "pciBusID: 0000:00:00.0 name: NVIDIA Tegra X1 computeCapability: 5.3",
            "I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened dynamic library libcudart.so.10.2",
        ],
    ],
)
def test_a_gpu_the_logs_tensorflow_serves_gets_no_such_warning(tmp_path, lines):
    rep = _report(tmp_path, "\n".join(lines) + "\n")
    assert not any(f["rule_id"] == "gpu-found-but-not-servable" for f in rep["findings"]), rep["findings"]


def test_a_wheel_pip_fetched_is_checked_against_the_tensorflow_being_installed(tmp_path):
    """Batch 54 (a CI job installing tensorflow==1.15.3, whose protobuf>=3.6.1 let pip take protobuf 4.21.9): the log
    ends before pip's "Successfully installed"; the wheel it downloaded is the release it picked, and the table's fix
    for the pair (not "let pip pull what TF declares": that is how it got here) is said."""
    rep = _report(
        tmp_path,
        (
            "Requirement already satisfied: h5py in /home/runner/.local/lib/python3.7/site-packages "
            "(from keras-applications>=1.0.8->tensorflow==1.15.3) (3.7.0)\n"
            "Collecting protobuf>=3.6.1\n"
            "  Downloading protobuf-4.21.9-cp37-abi3-manylinux2014_x86_64.whl (408 kB)\n"
            "Collecting markdown>=2.6.8\n"
            "  Downloading Markdown-3.4.1-py3-none-any.whl (93 kB)\n"
        ),
    )
    root = root_finding(rep)
    assert (root["rule_id"], root["evidence"][0]["line"]) == ("deps-package-list-conflict", 3)
    assert 'pip install "protobuf<=3.20.x"' in root["explanation"]
    assert rep["facts"]["packages"] == ["protobuf==4.21.9"]  # (markdown is no package whose version must fit TF)


def test_the_allocators_stats_block_alone_is_an_oom(tmp_path):
    """Batch 54 (Point-GNN on four 1080 Ti): an excerpt of only BFC's "Stats:" block, which DumpMemoryLog prints after
    an allocation failed, came out harmless."""
    root = root_finding(
        _report(
            tmp_path,
            (
                "tensorflow/core/common_runtime/bfc_allocator.cc:929] Stats:\n"
                "Limit:                 10983519028 \nInUse:                  9621110016\nMaxInUse:               9992921344\n"
            ),
        )
    )
    assert (root["rule_id"], root["category"]) == ("oom-gpu-bfc-dump", "oom.gpu")
    assert not _report(tmp_path, "Stats:\nLimit:  100\nInUse:  90\n", name="other.log")["findings"]


def test_rows_copied_from_colabs_runtime_log_viewer_are_read_as_their_messages(tmp_path):
    """Batch 55 (TF 2.5.0 installed on a Colab GPU runtime): the viewer's rows are "time | level | message", and the
    copy doubles spaces where the table wrapped a message ("Could not  load dynamic library"); nothing was read."""
    rep = _report(
        tmp_path,
        (
            "May 14, 2021, 4:54:43 PM | WARNING | Skipping registering GPU devices...\n"
            "-- | -- | --\n"
            "May 14, 2021, 4:54:43 PM | WARNING | 2021-05-14  14:54:43.021067: W  tensorflow/stream_executor/platform/default/"
            "dso_loader.cc:64] Could not  load dynamic library 'libcusolver.so.11'; dlerror: libcusolver.so.11: cannot open "
            "shared object file: No such file or directory\n"
        ),
    )
    root = root_finding(rep)
    assert root["category"] == "cuda.library_missing" and rep["facts"]["missing_libraries"] == ["libcusolver.so.11"]


def test_a_pdb_session_is_read_like_a_python_prompt(tmp_path):
    """Batch 54: "(Pdb) tf.__version__" answered by "'2.14.0'" states the TensorFlow release, as ">>> " does."""
    rep = _report(
        tmp_path,
        "(Pdb) tf.__version__\n'2.14.0'\n(Pdb) pickle.load(f)\n"
        "*** ModuleNotFoundError: No module named 'tensorflow.python.training.tracking'\n",
    )
    assert rep["facts"]["tf_version"] == "2.14.0"


def test_a_cudnn_op_without_a_gpu_names_the_gpu_build_of_the_logs_release(tmp_path):
    """Batch 55: the advice for a CPU-only TensorFlow 1.x is that release's tensorflow-gpu with its tested CUDA, from the
    tables (the release whose `tensorflow` package has the GPU support, too)."""
    rep = _report(
        tmp_path,
        (
            "I tensorflow/core/platform/cpu_feature_guard.cc:141] Your CPU supports instructions that this TensorFlow binary was not compiled to use: AVX2 FMA\n"
            "tensorflow version: 1.13.1\n"
            "tensorflow.python.framework.errors_impl.InvalidArgumentError: No OpKernel was registered to support Op 'CudnnRNN' "
            "with these attrs.  Registered devices: [CPU], Registered kernels:\n"
        ),
    )
    root = root_finding(rep)
    assert root["rule_id"] == "driver-cudnn-op-without-gpu"
    assert 'pip install "tensorflow-gpu==1.13.1"' in root["fixes"][0] and "CUDA (10.0)" in root["fixes"][0]


def test_a_failure_status_pasted_without_its_log_prefix_is_an_error_line(tmp_path):
    """Batch 55: "could not retrieve CUDA device count: CUDA_ERROR_NOT_INITIALIZED" as an excerpt's only line (no log
    prefix, so no level) was no error at all; a CUDA, cuDNN or cuBLAS failure status makes the line one (at TF's
    level E: an unknown one is shown as a warning, beside what explains it), and a success status does not."""
    root = root_finding(
        _report(tmp_path, "could not retrieve CUDA device count: CUDA_ERROR_NOT_INITIALIZED: initialization error\n")
    )
    assert root["category"] == "cuda.no_device"
    lone = _report(tmp_path, "CUDA_ERROR_INVALID_HANDLE\n", name="lone.log")["findings"]
    assert [(f["rule_id"], f["severity"]) for f in lone] == [("unrecognized", "warning")]
    assert not _report(tmp_path, "cublas status: CUBLAS_STATUS_SUCCESS\n", name="ok.log")["findings"]


def test_tf1_keras_refusing_an_argument_of_a_newer_models_config_is_a_keras_version_guess(tmp_path):
    """Batch 56 (a Teachable Machine .h5 loaded by TF 1.x's tf.keras): "('Unrecognized keyword arguments:',
    dict_keys(['ragged']))" was unknown; it is the tuple form of the message Keras 3 writes as "Unrecognized keyword
    arguments passed to X: {...}", and the fix names the argument."""
    root = root_finding(_report(tmp_path, "ValueError: ('Unrecognized keyword arguments:', dict_keys(['ragged']))\n"))
    assert (root["rule_id"], root["facts"].get("keras_arg")) == ("family-keras", "ragged")
    assert root["fixes"][0].startswith("`ragged` is a layer argument this Keras does not know")


def test_a_session_that_maps_no_devices_has_no_gpu_and_is_not_told_it_found_one(tmp_path):
    """Batch 57 (TensorFlow.NET loading the CPU-only native library): TF 1.x's device placement log "Device mapping:
    no known devices." was shown as "GPU found and registered"; it says the process maps no GPU at all, and where a
    cuInit failure explains that, the cuInit failure is the root (dev corpus A-096's shape)."""
    mapping = (
        "2019-12-17 17:53:37.858721: I tensorflow/core/common_runtime/direct_session.cc:317] Device mapping: no known devices.\n"
    )
    root = root_finding(_report(tmp_path, mapping))
    assert (root["rule_id"], root["severity"]) == ("driver-no-gpu-visible", "warning")
    with_cuinit = _report(
        tmp_path,
        (
            "2018-02-08 18:14:25.438352: E C:\\tf_jenkins\\workspace\\rel-win\\M\\windows-gpu\\PY\\36\\tensorflow\\stream_executor\\cuda\\"
            "cuda_driver.cc:406] failed call to cuInit: CUDA_ERROR_NO_DEVICE\n" + mapping
        ),
        name="cuinit.log",
    )
    assert root_finding(with_cuinit)["rule_id"] == "driver-cuinit-failed"
    assert not any(f["title"] == "GPU found and registered" for f in with_cuinit["findings"])


@pytest.mark.parametrize(
    "line",
    [
        'Exception in thread "main" java.lang.UnsatisfiedLinkError: /tmp/x/libfoo.so: something new',
        "[error] (run-main-0) java.lang.UnsatisfiedLinkError: /tmp/x/libfoo.so: something new",
    ],
)
def test_an_exception_the_jvm_or_sbt_reports_is_an_error_line(tmp_path, line):
    """Batch 57 (TensorFlow for Scala run by sbt): the JVM's `Exception in thread "main" X: ...` and sbt's `[error]
    (run-main-0) X: ...` were no error at all, so an unknown one was lost; it is shown with its key line."""
    root = root_finding(_report(tmp_path, line + "\n"))
    assert (root["rule_id"], root["title"]) == ("unrecognized", "Unrecognized error: UnsatisfiedLinkError")
    assert not _report(tmp_path, 'Exception in thread "main" started\n', name="plain.log")["findings"]


def test_a_linux_library_on_a_mac_is_found_under_dyld_s_header_which_adds_no_unknown_error(tmp_path):
    """Batch 57: an older macOS dyld writes its flags in decimal ("dlopen(..., 1):"), which names macOS as well as the
    hex form; its "no suitable image found.  Did find:" line only announces the reason on the next line, and is no
    unknown error beside the finding that reads that reason (an ELF file: a Linux build)."""
    rep = _report(
        tmp_path,
        (
            "[error] (run-main-0) java.lang.UnsatisfiedLinkError: /private/var/folders/s2/T/libtensorflow_framework.so: "
            "dlopen(/private/var/folders/s2/T/libtensorflow_framework.so, 1): no suitable image found.  Did find:\n"
            "[error] \t/private/var/folders/s2/T/libtensorflow_framework.so: unknown file type, first eight bytes: "
            "0x7F 0x45 0x4C 0x46 0x02 0x01 0x01 0x00\n"
        ),
    )
    assert rep["facts"]["platform"] == "macos"
    assert [f["rule_id"] for f in rep["findings"]] == ["install-native-library-for-another-system"]
    assert "macOS" in rep["findings"][0]["fixes"][0]
    header_alone = _report(tmp_path, "ImportError: dlopen(/Users/u/x.so, 6): no suitable image found.  Did find:\n", name="h.log")
    assert root_finding(header_alone)["rule_id"] == "unrecognized"


def test_an_error_line_cut_before_its_closing_quote_is_read_with_it(tmp_path):
    """Batch 57 (AutoKeras on Colab): "No module named 'tensorflow.keras.layers.experimental" lost its closing quote in
    the paste and was unknown; read with the quote, it is the module TF's Keras 3 no longer has."""
    root = root_finding(_report(tmp_path, "ModuleNotFoundError: No module named 'tensorflow.keras.layers.experimental\n"))
    assert root["category"] == "deps.version_conflict"
    assert root["evidence"][0]["text"].endswith("experimental")


def test_a_gpu_newer_than_the_cuda_libraries_the_log_loads_is_a_warning_and_a_servable_one_is_harmless(tmp_path):
    """Batch 58 (an RTX 3070, 8.6, whose TensorFlow loaded CUDA 10's libcublas.so.10; the first epoch started after
    minutes of PTX JIT): the device TF created names the GPU, the library's file name the CUDA (10.1-10.2, which
    predates 8.6). Where the GPU is one TF can serve, the conditional rule that claims the device line steps aside and
    the line is the harmless "GPU found" it always was (its lines were lost before)."""
    created = (
        "2021-03-06 11:47:01.897840: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1247] Created TensorFlow "
        "device (/job:localhost/replica:0/task:0/device:GPU:0 with 7007 MB memory) -> physical GPU (device: 0, name: "
        "GeForce RTX 3070, pci bus id: 0000:01:00.0, compute capability: 8.6)\n"
    )
    cublas = "2021-03-06 11:51:58.746746: I tensorflow/stream_executor/platform/default/dso_loader.cc:44] Successfully opened dynamic library libcublas.so.{}\n"
    rep = _report(tmp_path, created + cublas.format(10))
    root = root_finding(rep)
    assert (root["rule_id"], root["severity"]) == ("gpu-found-but-not-servable", "warning")
    assert rep["facts"]["cuda_loaded"] == "10.1-10.2" and "TF >= 2.5" in root["fixes"][0]
    servable = _report(tmp_path, created + cublas.format(11), name="cuda11.log")
    assert [(f["title"], f["severity"]) for f in servable["findings"]] == [
        ("GPU found and registered", "info"),
        ("CUDA library loaded successfully", "info"),
    ]


def test_cuinit_system_not_ready_points_at_the_driver_daemons(tmp_path):
    """Batch 58 (AlphaFold on A100 nodes): CUDA_ERROR_SYSTEM_NOT_READY is CUDA saying a driver daemon it needs is not
    running (Fabric Manager on NVSwitch machines); a cut line keeps the family."""
    root = root_finding(
        _report(
            tmp_path,
            "2023-04-11 22:49:28.522194: E external/xla/xla/stream_executor/cuda/cuda_driver.cc:268] "
            "failed call to cuInit: CUDA_ERROR_SYSTEM_NOT_READY: system not yet initialized\n",
        )
    )
    assert root["rule_id"] == "driver-cuinit-failed" and any("nvidia-fabricmanager" in f for f in root["fixes"])
    cut = root_finding(
        _report(
            tmp_path,
            "2023-04-11 22:49:28.522194: E\ncuInit: CUDA_ERROR_SYSTEM_NOT_READY: system not yet initialized\n",
            name="cut.log",
        )
    )
    assert cut["category"] == "cuda.no_device"


def test_a_cut_ipython_traceback_whose_header_names_resource_exhausted_is_an_oom(tmp_path):
    """Batch 58 (gpt-2-simple fine-tuning on Colab): IPython's header "ResourceExhaustedError   Traceback (most recent
    call last)" named the error, and the excerpt stopped inside TF's session frames: the name alone is the GPU OOM
    family's, not an unknown error."""
    rep = _report(
        tmp_path,
        (
            "ResourceExhaustedError                    Traceback (most recent call last)\n"
            "/usr/local/lib/python3.7/dist-packages/tensorflow/python/client/session.py in _do_call(self, fn, *args)\n"
            "   1374     try:\n"
            "-> 1375       return fn(*args)\n"
            "   1376     except errors.OpError as e:\n"
        ),
    )
    assert root_finding(rep)["category"] == "oom.gpu"


def test_lines_a_withdrawn_rule_gives_back_are_counted_and_kept_as_streaming_would(tmp_path):
    """The lines a conditional rule claimed and gave back (its `when` did not hold) count in full where they land, the
    ones past the five evidence lines a finding keeps too, and the evidence is the first lines in log order: a
    multi-worker log's devices read as if that rule had never claimed them (benchmarks' multi-worker shape)."""
    created = (
        "2024-05-10 00:00:01.636944: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1928] Created device "
        "/job:localhost/replica:0/task:0/device:GPU:0 with 13775 MB memory:  -> device: 0, name: {name}, "
        "pci bus id: 0000:00:04.0, compute capability: 7.5\n"
    )
    malloc = "2024-05-10 00:00:03.925256: I tensorflow/core/common_runtime/gpu/gpu_process_state.cc:222] Using CUDA malloc Async allocator for GPU: 0\n"
    names = ["Tesla T4", "Tesla P-one", "Tesla V-one", "Quadro RTX", "NVIDIA L-four", "NVIDIA A-ten", "Tesla K-eighty"]
    text = malloc + "".join(created.format(name=n) for n in names) * 2
    found = _report(tmp_path, text)["findings"]
    assert len(found) == 1 and found[0]["title"] == "GPU found and registered" and found[0]["count"] == 15
    assert [(e["line"], e["count"]) for e in found[0]["evidence"]] == [(1, 1), (2, 2), (3, 2), (4, 2), (5, 2)]
