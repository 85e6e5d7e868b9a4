"""The line parser and traceback tracker, on the formats TF and Python really print."""

from __future__ import annotations

import pytest

from analyzer.pipeline.parse import TracebackTracker, classify, clean, line_key, node_name, parse_line, repl_exchange


@pytest.mark.parametrize(
    "line,level,source,message",
    [
        (
            "2021-03-01 12:00:00.123456: E tensorflow/stream_executor/cuda/cuda_dnn.cc:336] Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR",
            "E",
            "tensorflow/stream_executor/cuda/cuda_dnn.cc",
            "Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR",
        ),
        (
            "E0000 00:00:1741914572.807962   15788 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered",
            "E",
            "cuda_dnn.cc",
            "Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered",
        ),
        (
            r"2018-03-23 03:03:10.326902: E C:\tf_jenkins\workspace\rel-win\M\windows-gpu\PY\36\tensorflow\stream_executor\cuda\cuda_dnn.cc:385] could not create cudnn handle: CUDNN_STATUS_ALLOC_FAILED",
            "E",
            "C:/tf_jenkins/workspace/rel-win/M/windows-gpu/PY/36/tensorflow/stream_executor/cuda/cuda_dnn.cc",
            "could not create cudnn handle: CUDNN_STATUS_ALLOC_FAILED",
        ),
        (
            "E tensorflow/stream_executor/cuda/cuda_dnn.cc:347] Loaded runtime CuDNN library: 5103",
            "E",
            "tensorflow/stream_executor/cuda/cuda_dnn.cc",
            "Loaded runtime CuDNN library: 5103",
        ),
        (
            "W0908 21:04:10.556662 140574602528576 deprecation_wrapper.py:119] From train.py:5: The name tf.Session is deprecated.",
            "W",
            "deprecation_wrapper.py",
            "From train.py:5: The name tf.Session is deprecated.",
        ),
        (
            "2023/10/26 12:12:06 2023-10-26 12:12:06.704113: E hybridbackend/tensorflow/distribute/nccl/nccl_collective.cc:461] NCCL communication aborted: unhandled system error",
            "E",
            "hybridbackend/tensorflow/distribute/nccl/nccl_collective.cc",
            "NCCL communication aborted: unhandled system error",
        ),
        (
            "14:36:39.040164: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT",
            "W",
            "tensorflow/compiler/tf2tensorrt/utils/py_utils.cc",
            "TF-TRT Warning: Could not find TensorRT",
        ),
        ("ERROR:tensorflow:Model diverged with loss = NaN.", "E", "tensorflow", "Model diverged with loss = NaN."),
        (
            "INFO:tensorflow:global step 1: loss = 12.6485 (3.511 sec/step)",
            "I",
            "tensorflow",
            "global step 1: loss = 12.6485 (3.511 sec/step)",
        ),
        # protobuf's C++ runtime has a level of its own (TF 2.16 with tensorflow-metal aborting, tensorflow#64507)
        (
            "[libprotobuf FATAL google/protobuf/message_lite.cc:353] CHECK failed: target + size == res: ",
            "F",
            "google/protobuf/message_lite.cc",
            "CHECK failed: target + size == res: ",
        ),
        (
            "[libprotobuf ERROR google/protobuf/descriptor_database.cc:641] File already exists in database: tensorflow/compiler/xla/xla_data.proto",
            "E",
            "google/protobuf/descriptor_database.cc",
            "File already exists in database: tensorflow/compiler/xla/xla_data.proto",
        ),
        # Python logging with the time first and the level after the program's fields (faceswap's own format, on TF's
        # OOM, deepfakes/faceswap#899; logging's asctime - name - levelname form)
        (
            "10/08/2019 22:53:01 MainProcess     MainThread      cli             execute_script            ERROR    You do not have "
            "enough GPU memory available to train the selected model at the selected settings. You can try a number of things:",
            "E",
            None,
            "You do not have enough GPU memory available to train the selected model at the selected settings. You can try a number of things:",
        ),
        (
            "2019-10-08 22:53:01,123 - root - WARNING - The model was trained with a different TensorFlow",
            "W",
            None,
            "The model was trained with a different TensorFlow",
        ),
    ],
)
def test_log_prefixes_of_every_era(line, level, source, message):
    rec = parse_line(7, line)
    assert (rec.level, rec.source, rec.message) == (level, source, message)
    assert rec.kind == "log" and rec.line == 7


@pytest.mark.parametrize(
    "line,exc",
    [
        (
            "tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating tensor with shape[2048,768]",
            "ResourceExhaustedError",
        ),
        ("ImportError: libcublas.so.9.0: cannot open shared object file: No such file or directory", "ImportError"),
        (
            "ResourceExhaustedError (see above for traceback): OOM when allocating tensor with shape[256,112,112,64]",
            "ResourceExhaustedError",
        ),
        ("> ValueError: A KerasTensor cannot be used as input to a TensorFlow function.", "ValueError"),
        ("KeyboardInterrupt", "KeyboardInterrupt"),
        # pkg_resources' exceptions are not named "...Error"
        (
            "pkg_resources.DistributionNotFound: The 'tensorflow<2,>=1.11.0' distribution was not found and is required by mlprimitives",
            "DistributionNotFound",
        ),
        (
            "pkg_resources.ContextualVersionConflict: (numpy 1.19.1 (/usr/lib/python3.7/site-packages), Requirement.parse('numpy<1.19.0,>=1.16.0'), "
            "{'tensorflow'})",
            "ContextualVersionConflict",
        ),
    ],
)
def test_exception_lines(line, exc):
    rec = parse_line(1, line)
    assert rec.kind == "exception" and rec.exc_type == exc and rec.is_error


@pytest.mark.parametrize(
    "line",
    [
        "2024-01-01 12:00:00 step 5 of 10 done, ERROR rate 0.1",  # the level word far into the text: prose
        "2024-01-01 12:00:00 Epoch 3 loss 0.2 ERROR rate 0.1",  # as near as a program's fields, but a word of prose
        "2024-01-01 12:00:00 Saving the ERROR",  # nothing after it
        # Ray's own format (level, file:line, "--"): its dashboard failing to start is no failure of the job
        "2024-01-01 12:00:01,456\tERROR services.py:1353 -- Failed to start the dashboard , return code 1",
    ],
)
def test_a_time_then_a_level_word_is_not_always_a_log_level(line):
    assert parse_line(1, line).level is None


def test_not_everything_with_error_in_it_is_an_exception():
    for line in [
        "Epoch 1/10 - loss: 0.2 - error_rate: 0.1",
        "ResourceExhaustedError                    Traceback (most recent call last)",
    ]:
        assert parse_line(1, line).kind != "exception"


def test_chained_traceback_structure():
    text = """Traceback (most recent call last):
  File "/usr/lib/python3.6/site-packages/tensorflow/python/pywrap_tensorflow.py", line 58, in <module>
    from tensorflow.python.pywrap_tensorflow_internal import *
ImportError: libcublas.so.9.0: cannot open shared object file: No such file or directory

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "train.py", line 3, in <module>
    import tensorflow as tf
  File "/usr/lib/python3.6/site-packages/tensorflow/__init__.py", line 24, in <module>
    from tensorflow.python import pywrap_tensorflow
ImportError: Traceback (most recent call last):"""
    tracker = TracebackTracker()
    done = []
    for i, line in enumerate(text.splitlines(), 1):
        tb = tracker.feed(parse_line(i, line))
        if tb:
            done.append(tb)
    first = done[0]
    assert first.exception.exc_type == "ImportError" and first.exception.line == 4 and not first.chained
    assert (first.frames[0].module_path, first.frames[0].line, first.frames[0].func) == (
        "tensorflow/python/pywrap_tensorflow.py",
        58,
        "<module>",
    )
    assert len(done) >= 1


def test_chained_direct_cause_and_user_frame():
    text = """Traceback (most recent call last):
  File "/opt/conda/lib/python3.10/site-packages/keras/engine.py", line 5, in fit
ValueError: bad input

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/ana/project/train.py", line 40, in main
    model.fit(ds)
  File "/opt/conda/lib/python3.10/site-packages/keras/engine.py", line 9, in fit
RuntimeError: training failed"""
    tracker = TracebackTracker()
    done = [tb for i, l in enumerate(text.splitlines(), 1) if (tb := tracker.feed(parse_line(i, l)))]
    assert [t.exception.exc_type for t in done] == ["ValueError", "RuntimeError"]
    assert done[1].chained and not done[0].chained
    assert done[1].user_frame == "/home/ana/project/train.py:40 in main"


def test_jupyter_traceback_lines():
    assert parse_line(1, "----> 3 res = onnx_converter(").kind == "frame"
    assert parse_line(1, "<ipython-input-4-956de605e8fe> in <module>()").kind == "frame"
    assert parse_line(1, "ResourceExhaustedError                    Traceback (most recent call last)").kind == "tb_header"


@pytest.mark.parametrize(
    "line,node",
    [
        ("\t [[{{node model/conv2d/Conv2D}}]]", "model/conv2d/Conv2D"),
        ("         [[node MatMul (defined at D:\\Anaconda\\lib\\ops.py:1751) ]]", "MatMul"),
        (
            "     [[Node: InceptionV1/Conv2d_1a_7x7/BatchNorm = SquaredDifference[T=DT_FLOAT]]]",
            "InceptionV1/Conv2d_1a_7x7/BatchNorm",
        ),
    ],
)
def test_graph_node_lines(line, node):
    rec = parse_line(1, line)
    assert rec.kind == "node" and node_name(rec.text) == node


@pytest.mark.parametrize(
    "raw, text",
    [
        # a code span or fence opened on one line and closed on the next (real pastes: deepchem#4378, tensorflow/models#11199)
        (
            "`ValueError: Unrecognized keyword arguments passed to BatchNormalization: {'fused': False}",
            "ValueError: Unrecognized keyword arguments passed to BatchNormalization: {'fused': False}",
        ),
        ("```Will try a different candidate, due to conflict:", "Will try a different candidate, due to conflict:"),
        (
            "    tf-models-official 2.13.1 depends on tensorflow-text~=2.13.0```",
            "    tf-models-official 2.13.1 depends on tensorflow-text~=2.13.0",
        ),
        # spans inside a line, and a fence alone, stay
        ("ValueError: Argument `name` must be a string", "ValueError: Argument `name` must be a string"),
        ("```", "```"),
        ("```python", "```python"),  # a fence with its language tag
    ],
)
def test_clean_removes_a_markdown_mark_left_open_at_a_line_end(raw, text):
    assert clean(raw.encode()) == text


@pytest.mark.parametrize(
    "raw, text",
    [
        # a whole line set in a code span keeps its spaces: a traceback's frame line, a `pip list` row padded to its column
        (
            '`  File "/usr/lib/python3.10/site-packages/tensorflow/__init__.py", line 37, in <module>`',
            '  File "/usr/lib/python3.10/site-packages/tensorflow/__init__.py", line 37, in <module>',
        ),
        ("`intel-tensorflow                   2.11.0   `", "intel-tensorflow                   2.11.0   "),
        ("``ImportError: cannot import name `x` ``", "ImportError: cannot import name `x` "),
        ("`ValueError: x`.", "ValueError: x"),
        ("**Illegal instruction (core dumped)**", "Illegal instruction (core dumped)"),
        # no span: a fence, nothing inside, emphasis that opens on a space
        ("````x````", "````x````"),
        ("` `", "` `"),
        ("** x**", "** x**"),
    ],
)
def test_clean_removes_the_markdown_marks_around_a_whole_line(raw, text):
    assert clean(raw.encode()) == text


def test_clean_removes_ansi_and_resolves_carriage_returns():
    assert clean(b"\x1b[31mred\x1b[0m\r\n") == "red"
    assert clean(b"1/3 [=>..]\r2/3 [==>.]\r3/3 [===] done\n") == "3/3 [===] done"
    assert clean(b"\xff bad \x00nul\n") == "\ufffd bad nul"
    # a traceback pasted through a word processor: its quotes turned typographic
    assert (
        clean("ModuleNotFoundError: No module named \u2018keras.legacy_tf_layers\u2019\n".encode())
        == "ModuleNotFoundError: No module named 'keras.legacy_tf_layers'"
    )


@pytest.mark.parametrize(
    "prefix",
    [
        "(pid=8524) ",  # Ray workers, e.g. rail-berkeley/softlearning#152
        "(ray_execute_bundle pid=932030) ",  # ray-project/ray_beam_runner#60
        "(Worker pid=5516, ip=10.155.172.21) ",  # intel/ipex-llm#9287
        "(raylet) ",
        "[1,3]<stderr>:",  # horovodrun / mpirun --tag-output
        "[1,mpirank:10,algo-2]<stdout>:",  # SageMaker's mpirun (the form aws/sagemaker-training-toolkit's tests expect)
        "vmvgprkqsv-algo-1-owkbo | ",  # SageMaker local mode, aws-samples/amazon-sagemaker-local-mode#16
        "trainer-1  | ",  # docker compose v2
        "web_1      | ",  # docker-compose v1
        "2024-01-18T14:46:06.5887830Z ",  # a GitHub Actions log
        "2024-01-18T14:46:06.588783123Z ",  # docker logs -t, kubectl logs --timestamps
        "[pod/train-0/tensorflow] ",  # kubectl logs --prefix
        "#13 54.49 ",  # docker build --progress=plain (BuildKit), tenstorrent/tt-forge-onnx#1544
        "#16 245.4 ",  # a step past 100 s, first_sight_25's genomad build
        "> ",  # a Markdown reply quoting the log
        "> > ",
        "trainer-1  | 2024-01-18T14:46:06.588783123Z ",  # docker compose logs -t
        "2024-03-10 15:13:34 ",  # Docker Desktop's log view, before a traceback's lines (deepface in Docker, first_sight_44)
        "E   ",  # pytest's marker before the exception a test raised
    ],
)
def test_clean_removes_what_launchers_put_before_each_line(prefix):
    assert clean((prefix + "Traceback (most recent call last):").encode()) == "Traceback (most recent call last):"
    assert clean((prefix + '  File "train.py", line 3, in <module>\n').encode()) == '  File "train.py", line 3, in <module>'


@pytest.mark.parametrize(
    "line",
    [
        "pkg_resources.ContextualVersionConflict: (keras 3.1.0 (/usr/lib), Requirement.parse('keras<2.16,>=2.15.0'))",
        "SystemExit: 2",
        "KeyboardInterrupt",
        "    from deepface import DeepFace",
    ],
)
def test_a_viewers_time_is_removed_before_every_part_of_a_traceback(line):
    """Docker Desktop puts its time before each line; the last line of a traceback loses it as its frames do, whatever
    the exception's type (else the traceback reads as cut short)."""
    assert clean(("2024-03-10 15:13:34 " + line).encode()) == line


@pytest.mark.parametrize(
    "line",
    [
        ">>> import tensorflow as tf",  # a REPL prompt
        "2024-01-18 14:46:06.588783: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized",
        "|   0  NVIDIA GeForce RTX 3090    On   | 00000000:01:00.0  On |                  N/A |",  # nvidia-smi
        "[2024-05-10 11:33:19,738] [INFO] loading",
        "(base) user@host:~$ python train.py",
        "Epoch 1/10",
        "tensorflow | 2.15.0",  # a Markdown table's row: not a compose service
        "[1, 3] <stderr>: x",
        "2024-03-10 15:13:34 Starting training run 3",  # a program's own time before its own text: not a viewer's
        "E tensorflow/core/common_runtime/gpu/gpu_device.cc:1555] Ignoring visible gpu device",  # glog's level, one space
        "#13 [4/6] RUN pip install -r requirements.txt",  # a BuildKit step's header: its own text, not a prefix
        "# 12.5 percent of the data",  # a comment
    ],
)
def test_clean_keeps_lines_that_only_look_prefixed(line):
    assert clean(line.encode()) == line


@pytest.mark.parametrize(
    "prefix",
    [
        "(pid=8524) ",
        "[1,0]<stderr>:",
        "[1,mpirank:0,algo-1]<stderr>:",
        "trainer-1  | ",
        "vmvgprkqsv-algo-1-owkbo | ",
        "2024-01-18T14:46:06.5887830Z ",
        "> ",
        "2024-03-10 15:13:34 ",
        "#13 54.49 ",
    ],
)
def test_a_traceback_behind_a_launchers_prefix_gets_the_same_diagnosis(prefix):
    """Ray workers, MPI ranks, compose services and CI runners print a traceback with their prefix on each line."""
    from analyzer import analyze

    from conftest import ROOT

    log = (ROOT / "tests/fixtures/real_logs/first_sight_11/odapi-no-module-named-protos.log").read_text()
    bare = [(f.rule_id, f.severity) for f in analyze(log).findings]
    prefixed = "".join(prefix + line for line in log.splitlines(keepends=True))
    assert bare and bare[0][1] != "info"
    assert [(f.rule_id, f.severity) for f in analyze(prefixed).findings] == bare


def test_interactive_session_exchanges_join_question_and_answer():
    assert repl_exchange(b">>> print(tf.test.is_built_with_cuda())", b"False") == b"tf.test.is_built_with_cuda() -> False"
    assert repl_exchange(b"In [3]: tf.__version__\r", b"Out[3]: '2.15.0'\r") == b"tf.__version__ -> Out[3]: '2.15.0'"
    assert repl_exchange(b">>> import tensorflow as tf", b">>> tf.test.is_built_with_cuda()") is None
    assert repl_exchange(b">>> f()", b"Traceback (most recent call last):") is None
    assert repl_exchange(b"x = 1", b"False") is None
    # a transcript quoted in an e-mail reply: bold marks around the question and the answer
    assert (
        repl_exchange(b">>> *tf.config.list_physical_devices('GPU')*", b"*[ ]*")
        == b"tf.config.list_physical_devices('GPU') -> [ ]"
    )


def test_an_empty_gpu_list_quoted_in_an_email_reply_is_found():
    from analyzer import analyze

    report = analyze(">>> *tf.config.list_physical_devices('GPU')*\n*[ ]*\n")
    assert [f.category for f in report.findings if f.severity != "info"] == ["install.no_gpu_build"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_interactive_session_is_diagnosed_at_its_answer_line(newline):
    from analyzer import analyze

    transcript = newline.join(
        [
            ">>> import tensorflow as tf",
            "print('>>> tf.test.is_built_with_cuda()')",
            ">>> tf.test.is_built_with_cuda()",
            "False",
            ">>> 1 + 1",
            "2",
            "",
        ]
    )
    report = analyze(transcript)
    assert [(f.rule_id, [e.line for e in f.evidence]) for f in report.findings] == [("install-built-without-cuda-reported", [4])]
    assert analyze(transcript.replace("False", "True")).findings == []


QUOTED = {
    "a thread's quote": lambda line: f"> {line}",
    "each line in Markdown code": lambda line: f"`{line}`",
    "HTML-escaped": lambda line: line.replace("&", "&amp;").replace(">", "&gt;").replace("'", "&#39;"),
    "docker compose's prefix": lambda line: f"trainer-1  | {line}",
    "mpirun's prefix": lambda line: f"[1,0]<stdout>:{line}",
}


@pytest.mark.parametrize("form", QUOTED)
def test_an_interactive_session_quoted_or_escaped_is_read_as_one(form):
    """Issues quote a session (`> >>> ...`), set it in code or arrive HTML-escaped; a launcher prefixes it: the
    prompt behind what clean() removes is still a prompt, and its answer (behind the same) is still read."""
    from analyzer import analyze

    lines = [
        ">>> import tensorflow as tf",
        "In [2]: print(tf.__version__)",
        "2.15.0",
        ">>> tf.test.is_built_with_cuda()",
        "False",
    ]
    transcript = "".join(QUOTED[form](line) + "\n" for line in lines)
    report = analyze(transcript)
    assert [(f.rule_id, [e.line for e in f.evidence]) for f in report.findings] == [("install-built-without-cuda-reported", [5])]
    assert report.facts.get("tf_version") == "2.15.0"
    assert analyze(transcript.replace("False", "True")).findings == []


def test_lines_read_by_their_shape_are_read_behind_a_quote_too():
    """The prefilter's shapes that start a line (a version alone, pip show's `Version:`, IPython's frames) also
    start it behind a thread's `> `; a Colab log viewer's row is bared behind one too."""
    from analyzer import analyze

    log = (
        "2020-11-23 08:55:21.333093: I tensorflow/core/platform/cpu_feature_guard.cc:142] Your CPU supports "
        "instructions that this TensorFlow binary was not compiled to use: AVX2 FMA\n"
        "False\nName: tensorflow-gpu\nVersion: 1.15.4\nName: tensorflow\nVersion: 1.15.4\n"
    )
    quoted = "".join(f"> {line}\n" for line in log.splitlines())
    for text in (log, quoted):
        assert [f.rule_id for f in analyze(text).findings if f.severity != "info"] == ["deps-cpu-package-beside-gpu-package"]
    row = (
        "May 14, 2021, 4:54:43 PM | WARNING | 2021-05-14  14:54:43.021067: W  tensorflow/stream_executor/platform/"
        "default/dso_loader.cc:64] Could not  load dynamic library 'libcusolver.so.11'"
    )
    assert clean(f"> {row}".encode()) == clean(row.encode()) == row[row.index("2021-05-14") :].replace("  ", " ")
    # a line set in Markdown code whose text has a prefix of its own: pytest's summary line
    summary = "FAILED tests/test_x.py::test_rnn - AttributeError: module 'keras' has no attribute 'x'"
    assert clean(f"`{summary}`".encode()) == clean(summary.encode()) == summary[summary.index("AttributeError") :]


def test_line_key_drops_what_changes_from_line_to_line_but_not_the_level():
    tsl = "2021-10-14 09:12:33.123456: E tensorflow/stream_executor/cuda/cuda_dnn.cc:329] Could not create cudnn handle"
    absl = "E0000 00:00:1741914572.807962   15788 cuda_dnn.cc:8310] Unable to register cuDNN factory"
    assert line_key(tsl) == line_key("2024-01-02 03:04:05.000001" + tsl[26:])
    assert line_key(tsl) != line_key(tsl.replace(": E ", ": W "))
    assert line_key(absl) == line_key("E0102 03:04:05.123456 7 cuda_dnn.cc:8310] Unable to register cuDNN factory")
    assert line_key(absl) != line_key("W" + absl[1:])
    assert line_key("plain text 12:00:00.000000") == "plain text 12:00:00.000000"


def _tracebacks(text):
    tracker, done = TracebackTracker(), []
    for i, line in enumerate(text.splitlines(), 1):
        tb = tracker.feed(parse_line(i, line))
        if tracker.cut is not None:
            done.append(tracker.cut)
        if tb:
            done.append(tb)
    if tracker.current is not None:
        done.append(tracker.flush())
    return done


def test_traceback_frames_in_every_style():
    """CPython with Windows paths, IPython >= 8 (`File ~/x.py:12, in f(a)`, `Cell In[4], line 7`),
    older Jupyter (`/x.py in f(a)`) and Colab (Markdown links) all give frames with module paths."""
    text = """---------------------------------------------------------------------------
AttributeError                            Traceback (most recent call last)
Cell In[1], line 47
---> 47 from object_detection.builders import model_builder
File ~/miniconda3/envs/jup/lib/python3.12/site-packages/object_detection/builders/model_builder.py:22
---> 22 from object_detection.builders import box_predictor_builder
  File "C:\\Users\\me\\anaconda3\\lib\\site-packages\\keras\\src\\engine\\training.py", line 1184, in fit
~/.local/lib/python3.5/site-packages/tensorflow_addons/__init__.py in <module>
[/usr/local/lib/python3.10/dist-packages/keras/src/models/sequential.py](https://localhost:8080/#) in add(self, layer, rebuild)
AttributeError: module 'tensorflow' has no attribute 'contrib'"""
    (tb,) = _tracebacks(text)
    assert [f.module_path for f in tb.frames] == [
        "<cell>",
        "object_detection/builders/model_builder.py",
        "keras/src/engine/training.py",
        "tensorflow_addons/__init__.py",
        "keras/src/models/sequential.py",
    ]
    assert [f.func for f in tb.frames][2:] == ["fit", "<module>", "add"]
    assert tb.exception_type == "AttributeError"
    assert tb.exception_message == "module 'tensorflow' has no attribute 'contrib'"


def test_a_traceback_cut_off_before_its_exception_is_still_returned():
    text = """Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/object_detection/builders/model_builder.py", line 22, in <module>
    from object_detection.builders import box_predictor_builder
Traceback (most recent call last):
  File "train.py", line 3, in <module>
ValueError: bad"""
    cut, whole = _tracebacks(text)
    assert cut.exception is None and cut.frames[0].module_path == "object_detection/builders/model_builder.py"
    assert whole.exception_type == "ValueError" and whole.user_frame == "train.py:3 in <module>"


@pytest.mark.parametrize(
    "line",
    [
        "Segmentation fault (core dumped)",
        "Process finished with exit code 139 (interrupted by signal 11: SIGSEGV)",  # PyCharm on Linux/macOS
        "Process finished with exit code -1073741819 (0xC0000005)",  # PyCharm on Windows: an access violation
        "Process finished with exit code -1073740791 (0xC0000409)",  # a stack buffer overrun
    ],
)
def test_a_crashed_process_is_an_error_even_when_no_rule_knows_why(line):
    from analyzer import analyze

    assert parse_line(1, line).kind == "signal"
    errors = [f for f in analyze(line + "\n").findings if f.severity == "error"]
    assert errors, f"no error for {line!r}"


@pytest.mark.parametrize("line", ["Process finished with exit code 0", "Process finished with exit code 1"])
def test_an_ordinary_exit_code_is_no_crash(line):
    assert parse_line(1, line).kind != "signal"


@pytest.mark.parametrize(
    "line",
    [
        "error: externally-managed-environment",  # pip on a distribution's Python (PEP 668)
        "error: subprocess-exited-with-error",  # pip building a package from source
        'error: Microsoft Visual C++ 14.0 or greater is required. Get it with "Microsoft C++ Build Tools"',  # setuptools
    ],
)
def test_pips_own_error_lines_are_errors_not_silence(line):
    from analyzer import analyze

    assert parse_line(1, line).level == "E"
    assert [f for f in analyze(line + "\n").findings if f.severity != "info"], f"nothing said about {line!r}"


@pytest.mark.parametrize(
    "line",
    [
        "terminate called after throwing an instance of 'google::protobuf::FatalException'",
        # libc++ (macOS) says it its own way
        "libc++abi: terminating due to uncaught exception of type google::protobuf::FatalException: CHECK failed: target + size == res: ",
        "libc++abi.dylib: terminating with uncaught exception of type google::protobuf::FatalException: CHECK failed: GeneratedDatabase()->Add(encoded_file_descriptor, size): ",
    ],
)
def test_a_cpp_runtime_aborting_on_an_exception_is_a_crash(line):
    rec = parse_line(3, line)
    assert rec.kind == "signal" and rec.is_error


@pytest.mark.parametrize(
    "line, exc_type",
    [
        # TF's eager core raises private classes (batch 58: a TF 1.x-style Keras model on TF 2.2)
        (
            "tensorflow.python.eager.core._SymbolicException: Inputs to eager execution function cannot be Keras symbolic tensors",
            "_SymbolicException",
        ),
        ("_NotOkStatusException: InvalidArgumentError: x", "_NotOkStatusException"),
        # the JVM's and sbt's words before an exception nobody caught (batch 57)
        ('Exception in thread "main" java.lang.UnsatisfiedLinkError: /tmp/libx.so: bad', "UnsatisfiedLinkError"),
        ("[error] (run-main-0) java.lang.UnsatisfiedLinkError: /tmp/libx.so: bad", "UnsatisfiedLinkError"),
        # the failing import statement glued before its error, as a thread's title has it (batch 25's flamedisx log)
        ("from tensorflow.python.autograph.core import naming ImportError: cannot import name 'naming", "ImportError"),
        ("import tensorflow as tf ModuleNotFoundError: No module named 'tensorflow'", "ModuleNotFoundError"),
    ],
)
def test_exception_lines_of_private_classes_and_of_the_jvm(line, exc_type):
    assert classify(line)[3:] == ("exception", exc_type)


@pytest.mark.parametrize(
    "line",
    [
        "_private_helper: not an exception",
        'Exception in thread "main" started',
        "[error] (run-main-0) compiling",
        # an import statement alone, or followed by anything but an import's or attribute's error
        "from tensorflow.python.autograph.core import naming",
        "import numpy as np ValueError: this is code, not an error line",
    ],
)
def test_near_misses_of_those_exception_lines(line):
    assert classify(line)[3] != "exception"
