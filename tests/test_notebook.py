"""tflog where people meet TensorFlow errors: a real Jupyter kernel, notebook files, the exception hook.

The kernel tests start a real IPython kernel (jupyter_client + ipykernel) with tflog's extension,
run cells that raise real TensorFlow/Keras errors, and read the diagnosis from the cells' outputs
as a notebook front end receives them. The same outputs, saved as an .ipynb with nbformat, are
then analysed as a file, whose findings must name the cell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")
jupyter_client = pytest.importorskip("jupyter_client")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
TF_QUIET = "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '0'\nimport numpy as np, tensorflow as tf, keras\n"
LABELS_CELL = textwrap.dedent(
    """\
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation='softmax')])
    m.compile('adam', 'categorical_crossentropy')
    m.fit(np.zeros((8, 4)), np.zeros((8, 1)), verbose=0)
    """
)
RANK_CELL = "keras.layers.Conv2D(4, 3, name='conv_in')(np.zeros((28, 28), 'float32'))\n"


class Kernel:
    """A real IPython kernel; `run(code)` returns the cell's outputs as nbformat output nodes."""

    def __init__(self, tmp: Path):
        spec = tmp / "kernels" / "tflog-test"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(
            json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "t", "language": "python"})
        )
        from jupyter_client.kernelspec import KernelSpecManager

        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        self.km = jupyter_client.KernelManager(kernel_name="tflog-test", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp / "kernels")]))
        self.km.start_kernel(env=env, cwd=str(tmp))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code: str, timeout: float = 300):
        msg_id = self.kc.execute(code)
        outputs = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return outputs
            if kind in ("stream", "error", "display_data", "execute_result"):
                out = nbformat.v4.output_from_msg(msg)
                if kind == "stream" and outputs and outputs[-1].get("output_type") == "stream" and outputs[-1]["name"] == out["name"]:
                    outputs[-1]["text"] += out["text"]  # as a front end merges consecutive stream pieces
                else:
                    outputs.append(out)

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    k = Kernel(tmp_path_factory.mktemp("kernel"))
    yield k
    k.close()


def _diagnoses(outputs):
    return [o["data"] for o in outputs if o["output_type"] == "display_data" and "tflog" in o["data"].get("text/plain", "")]


def test_extension_diagnoses_a_real_tf_error_under_the_cell(kernel, tmp_path):
    assert kernel.run("%load_ext analyzer") == []
    kernel.run(TF_QUIET)
    cells = [RANK_CELL, LABELS_CELL]
    outputs = [kernel.run(c) for c in cells]
    for outs, rule, words in [
        (outputs[0], "input-layer-input-mismatch", ["conv_in", "(28, 28)"]),
        (outputs[1], "input-labels-output-mismatch", ["(None, 1)", "(None, 10)"]),
    ]:
        assert [o["ename"] for o in outs if o["output_type"] == "error"], outs  # the traceback is shown as usual
        (diag,) = _diagnoses(outs)
        for mime in ("text/plain", "text/html"):
            assert rule in diag[mime], diag[mime]
            for w in words:
                assert w in diag[mime] or w.replace("'", "&#x27;") in diag[mime], (w, diag[mime])

    # Saved as a notebook file, the same outputs are diagnosed with the cell's place.
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# training"), nbformat.v4.new_code_cell(TF_QUIET)]
    for code, outs in zip(cells, outputs):
        cell = nbformat.v4.new_code_cell(code)
        cell.outputs = [o for o in outs if o["output_type"] != "display_data"]  # as run without tflog
        nb.cells.append(cell)
    path = tmp_path / "train.ipynb"
    nbformat.write(nb, str(path))
    p = subprocess.run([sys.executable, "-m", "analyzer", "analyze", "--format", "json", str(path)], capture_output=True, text=True)
    report = json.loads(p.stdout)
    rank = next(f for f in report["findings"] if f["rule_id"] == "input-layer-input-mismatch")
    assert rank["evidence"][0]["input"] == f"{path}#cell3"
    assert "conv_in" in rank["evidence"][0]["text"]
    labels = next(f for f in report["findings"] if f["rule_id"] == "input-labels-output-mismatch")
    assert labels["evidence"][0]["input"] == f"{path}#cell4"
    text = subprocess.run([sys.executable, "-m", "analyzer", "analyze", "--format", "text", str(path)], capture_output=True, text=True).stdout
    assert f"{path}, cell 3, line " in text
    import jsonschema

    jsonschema.validate(report, json.loads((ROOT / "analyzer" / "schema" / "report.schema.json").read_text()))


def test_tflog_magic_rediagnoses_the_last_exception_and_a_cells_output(kernel):
    kernel.run("%load_ext analyzer")
    kernel.run(TF_QUIET)
    kernel.run("tf.matmul(tf.zeros((2, 3)), tf.zeros((4, 5)))")
    (diag,) = _diagnoses(kernel.run("%tflog"))
    assert "input-matmul-size-mismatch" in diag["text/plain"]

    outs = kernel.run("%%tflog\n!true\nprint('Epoch 1/3 - loss: nan')\nprint('Epoch 2/3 - loss: nan')")  # IPython syntax works
    assert any(o["output_type"] == "stream" and "loss: nan" in o["text"] for o in outs), outs  # output still shown
    (diag,) = _diagnoses(outs)
    assert "training-loss-nan" in diag["text/plain"] and "training-loss-nan" in diag["text/html"], diag["text/plain"]


def test_ordinary_bugs_stay_quiet_and_unload_restores_ipython(kernel):
    kernel.run("%load_ext analyzer")
    assert _diagnoses(kernel.run("undefined_name_xyz")) == []
    kernel.run("%unload_ext analyzer")
    outs = kernel.run("tf.matmul(tf.zeros((2, 3)), tf.zeros((4, 5)))")
    assert [o for o in outs if o["output_type"] == "error"] and _diagnoses(outs) == []
    assert kernel.run("print(get_ipython().custom_exceptions)")[0]["text"].strip() == "()"  # IPython's own hook again


HOOK_SCRIPT = """\
import sys
before = sys.excepthook
import analyzer
analyzer.install()
assert sys.excepthook is not before
analyzer.uninstall()
assert sys.excepthook is before, "uninstall restores the previous hook"
analyzer.install()
""" + TF_QUIET + LABELS_CELL


def test_exception_hook_prints_the_diagnosis_under_the_traceback_with_tf_stderr(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(HOOK_SCRIPT)
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 1
    err = p.stderr
    tb_at = err.index("Traceback (most recent call last)")
    diag_at = err.index("input-labels-output-mismatch")
    assert tb_at < diag_at, err[-3000:]
    assert "(None, 1)" in err[diag_at:] and "(None, 10)" in err[diag_at:]
    # TensorFlow's C++ log reached the screen unchanged and went into the diagnosis too
    tf_lines = [ln for ln in err[:tb_at].splitlines() if "cpu_feature_guard" in ln or "port.cc" in ln]
    assert tf_lines, err[:2000]
    assert "Harmless" in err[diag_at:]


def test_exception_hook_is_quiet_for_an_ordinary_bug(tmp_path):
    script = tmp_path / "bug.py"
    script.write_text("import analyzer\nanalyzer.install()\nundefined_name_xyz\n")
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "NameError" in p.stderr and "ROOT CAUSE" not in p.stderr


def test_import_analyzer_stays_cheap():
    code = "import sys, analyzer; print(sorted(m for m in sys.modules if m.startswith(('analyzer.', 'IPython', 'tensorflow'))))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert json.loads(p.stdout.replace("'", '"')) == ["analyzer.core", "analyzer.core.version"]


def test_bad_notebook_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text('{"cells": [')
    p = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "not a Jupyter notebook" in p.stderr
    assert "Traceback" not in p.stderr
