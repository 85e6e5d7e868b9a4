"""Keras/TF Python-level errors of a user's first week, raised by real TensorFlow here.

Each case runs a few lines of real TF 2.x / Keras code in a subprocess, takes the exception it
prints, and checks that tflog names the right rule and that the fix names the layer and shapes
from the message (what a user needs to act on it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("tensorflow")

PRELUDE = "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '2'\nimport numpy as np, tensorflow as tf, keras\n"

CASES = {
    "rank": (
        "l = keras.layers.Conv2D(4, 3, name='conv_in'); l(np.zeros((28, 28), 'float32'))",
        "input-layer-input-mismatch",
        ["conv_in", "(28, 28)"],
    ),
    "axis": (
        "m = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3, name='dense_out')]); m.predict(np.zeros((2, 12), 'float32'), verbose=0)",
        "input-layer-input-mismatch",
        ["dense_out", "10", "(2, 12)"],
    ),
    "labels": (
        "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation='softmax')]); m.compile('adam', 'categorical_crossentropy'); m.fit(np.zeros((8, 4)), np.zeros((8, 1)), verbose=0)",
        "input-labels-output-mismatch",
        ["(None, 1)", "(None, 10)", "sparse_categorical_crossentropy"],
    ),
    "onehot_sparse": (
        "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10)]); m.compile('adam', keras.losses.SparseCategoricalCrossentropy(from_logits=True)); m.fit(np.zeros((8, 4)), np.zeros((8, 10)), verbose=0)",
        "input-labels-output-mismatch",
        ["(None, 10)"],
    ),
    "matmul": ("tf.matmul(tf.zeros((2, 3)), tf.zeros((4, 5)))", "input-matmul-size-mismatch", ["4", "3"]),
    "dtype": (
        "tf.matmul(tf.zeros((2, 2), tf.float64), tf.zeros((2, 2), tf.float32))",
        "input-dtype-mismatch",
        ["tf.double", "float"],
    ),
    "reshape": ("tf.reshape(tf.zeros((5,)), (2, -1))", "input-shape-mismatch", []),
    "iterate_graph": (
        "g = tf.Graph()\nwith g.as_default():\n    list(tf.constant([1, 2]))",
        "api-tensor-iterated-in-graph",
        ["tf.map_fn"],
    ),
    "numpy_in_function": (
        "@tf.function\ndef f(x):\n    return x.numpy()\nf(tf.constant([1]))",
        "api-numpy-in-graph",
        ["run_eagerly"],
    ),
    "keras3_savedmodel": (
        "keras.models.load_model('/nonexistent/saved_model_dir')",
        "deps-keras3-legacy-format",
        ["TFSMLayer"],
    ),
    "keras3_fit_generator": (
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); m.fit_generator(iter([]))",
        "deps-keras-removed-model-method",
        ["fit_generator", "PyDataset"],
    ),
    "keras3_h5_short_loss_name": (  # an .h5 compiled with loss="mse", loaded again (Keras 3 cannot rebuild the alias)
        "import tempfile; p = tempfile.mkdtemp() + '/m.h5'\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); m.compile('adam', 'mse'); m.save(p)\n"
        "keras.models.load_model(p)",
        "deps-keras3-h5-loss-alias",
        ["compile=False", "mse"],
    ),
    # Keras 2 imports under the Keras 3 installed here: packages.yaml keras_moved names the Keras 3 spelling
    "keras3_np_utils": ("from keras.utils import np_utils", "family-keras", ["keras.utils.to_categorical", "Keras 3"]),
    "keras3_text_tokenizer": (
        "from keras.preprocessing.text import Tokenizer",
        "family-keras",
        ["keras.layers.TextVectorization", "keras.preprocessing.text"],
    ),
    "keras3_engine_topology": ("from keras.engine.topology import Layer", "deps-keras-tf-mismatch", ["keras.layers.Layer"]),
    # messages as TF 2.20+ / Keras 3.15 word them (longer format lists, backticks): the rules must follow the release
    "concat": ("tf.concat([tf.zeros((2, 3)), tf.zeros((3, 4))], axis=0)", "input-concat-shapes-differ", ["[2,3]", "[3,4]", "Cropping2D"]),
    "concatenate_layer": (
        "i = keras.Input((25, 25, 3)); x = keras.layers.Conv2D(4, 3, strides=2, padding='same')(i)\n"
        "keras.layers.Concatenate()([i, keras.layers.Conv2DTranspose(4, 3, strides=2, padding='same')(x)])",
        "input-concat-shapes-differ",
        ["(None, 25, 25, 3)", "(None, 26, 26, 4)"],
    ),
    "slices_of_different_lengths": ("tf.data.Dataset.from_tensor_slices((np.zeros((10, 3)), np.zeros((5,))))", "input-shape-mismatch", ["10 vs 5"]),
    "object_array": (
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); m.compile('adam', 'mse')\n"
        "m.fit(np.array([[1, 'a', 2]] * 4, dtype=object), np.zeros((4, 1)), verbose=0)",
        "input-numpy-conversion-failed",
        ["astype"],
    ),
    "decode_no_image": ("tf.io.decode_image(b'not an image at all')", "input-image-decode-failed", ["decode_image"]),
    "lambda_safe_mode": (
        "import tempfile; p = tempfile.mkdtemp() + '/m.keras'\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2)]); m.save(p)\n"
        "keras.models.load_model(p)",
        "deps-keras-safe-mode-lambda",
        ["safe_mode=False"],
    ),
    "fit_after_disable_eager": (
        "tf.compat.v1.disable_eager_execution()\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); m.compile('adam', 'mse')\n"
        "m.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)",
        "api-tensor-iterated-in-graph",
        ["disable_eager_execution"],
    ),
    "reshape_layer": ("keras.Sequential([keras.Input((10,)), keras.layers.Reshape((3, 3))])", "input-shape-mismatch", ["(10,)", "(3, 3)"]),
    "generator_element_shape": (
        "ds = tf.data.Dataset.from_generator(lambda: iter([[1, 2], [3]]), output_signature=tf.TensorSpec((2,), tf.int32))\n"
        "for _ in ds: pass",
        "input-shape-mismatch",
        ["(2,)", "(1,)"],
    ),
    "resize_rank": ("tf.image.resize(tf.zeros((4, 4)), (2, 2))", "family-input-data", ["model.summary()"]),
    "text_as_number": ("tf.strings.to_number('abc')", "family-input-data", ["next(iter(dataset))"]),
    # a layer whose call Keras 3 cannot run on symbolic tensors (the form a Keras 2-era library's layers fail in)
    "keras3_layer_not_traceable": (
        "class L(keras.layers.Layer):\n    def call(self, x):\n        return x * int(x.shape[0])\n"
        "keras.Sequential([keras.Input((3,)), L()])",
        "deps-keras3-layer-not-traceable",
        ["compute_output_shape", "TF_USE_LEGACY_KERAS"],
    ),
    # Keras 3 announces a layer's error ("Exception encountered when calling L.call().") and writes the message on the
    # next line; a message no rule knows is still shown, as the announcing line, whatever warnings came before it
    "keras3_call_unknown_message": (
        "class L(keras.layers.Layer):\n    def call(self, x):\n        raise ValueError('frobnication level must be positive')\n"
        "L()(np.zeros((1, 3)))",
        "unrecognized",
        ["lines right after it"],
    ),
}


def _script(code: str) -> str:
    """The case's code, printing its exception as Python's own hook does, then leaving at once (os._exit): an
    interpreter's teardown after a tf.data generator failed can hang in TF's threads (seen in CI on the
    generator_element_shape case), and the teardown adds nothing to the log."""
    body = textwrap.indent(textwrap.dedent(code), "    ")
    return (
        PRELUDE
        + f"try:\n{body}\nexcept BaseException:\n    import sys, traceback\n    traceback.print_exc()\n"
        + "    sys.stdout.flush(); sys.stderr.flush(); os._exit(1)\nsys.stdout.flush(); sys.stderr.flush(); os._exit(0)\n"
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Run every case once, in one interpreter per case (TF's state differs between them)."""
    out = {}
    for name, (code, _, _) in CASES.items():
        p = subprocess.run([sys.executable, "-c", _script(code)], capture_output=True, text=True, timeout=300)
        assert p.returncode != 0, f"{name}: the snippet did not fail"
        path = tmp_path_factory.mktemp("k") / f"{name}.log"
        path.write_text(p.stdout + p.stderr)
        out[name] = path
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_keras_error_is_diagnosed_with_its_layer_and_shapes(outputs, name):
    _, rule, words = CASES[name]
    p = subprocess.run([sys.executable, "-m", "analyzer", "analyze", "--format", "json", str(outputs[name])], capture_output=True, text=True)
    report = json.loads(p.stdout)
    root = next(f for f in report["findings"] if f["severity"] != "info")
    assert root["rule_id"] == rule, (name, root["rule_id"], outputs[name].read_text()[-800:])
    text = root["explanation"] + "\n".join(root["fixes"])
    for w in words:
        assert w in text, (name, w, text)


def test_real_keras_h5_save_notice_is_harmless(tmp_path):
    """Saving to .h5 with the Keras installed here prints its "considered legacy" notice; the model is saved, so the
    report has that notice as harmless and no error (this machine's CPU-only CUDA warnings aside)."""
    code = PRELUDE + f"m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); m.save({str(tmp_path / 'm.h5')!r})\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "considered legacy" in run.stdout + run.stderr
    log = tmp_path / "save.log"
    log.write_text(run.stdout + run.stderr)
    p = subprocess.run([sys.executable, "-m", "analyzer", "analyze", "--format", "json", str(log)], capture_output=True, text=True)
    findings = json.loads(p.stdout)["findings"]
    assert any(f["rule_id"] == "noise-keras-hdf5-legacy-save" and f["severity"] == "info" for f in findings)
    assert not any(f["severity"] == "error" for f in findings), findings
