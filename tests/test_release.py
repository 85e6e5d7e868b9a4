"""The release a stranger installs: sdist and wheel build, the wheel installs in a fresh venv and works.

The wheel is built from the sdist (what `python -m build` does by default), so a file missing
from the sdist fails here too. The venv never sees this checkout: no PYTHONPATH, another cwd.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile

from analyzer.core.version import __version__

from conftest import ROOT, SAMPLES


def test_sdist_and_wheel_install_in_a_fresh_venv_and_analyse(tmp_path):
    dist = tmp_path / "dist"
    p = subprocess.run([sys.executable, "-m", "build", "-o", str(dist), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    [sdist] = dist.glob("tflog_doctor-*.tar.gz")
    [wheel] = dist.glob("tflog_doctor-*-py3-none-any.whl")
    assert wheel.name.startswith(f"tflog_doctor-{__version__}-")
    assert any(n.endswith("/rules/cudnn.yaml") for n in tarfile.open(sdist).getnames())
    names = zipfile.ZipFile(wheel).namelist()
    assert "analyzer/rules/cudnn.yaml" in names and "analyzer/schema/report.schema.json" in names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Name: tflog-doctor" in meta

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_ = venv / ("Scripts" if os.name == "nt" else "bin")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    p = subprocess.run([str(bin_ / "python"), "-m", "pip", "install", "-q", str(wheel)],
                       capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]

    tflog = str(bin_ / "tflog")
    p = subprocess.run([tflog, "--version"], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.strip() == f"tflog {__version__}", p.stdout + p.stderr
    p = subprocess.run([tflog, "analyze", str(SAMPLES / "cudnn_version_mismatch.log"), "--format", "json"],
                       capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    assert '"rule_id": "cudnn-version-mismatch"' in p.stdout
    where = subprocess.run([str(bin_ / "python"), "-c", "import analyzer; print(analyzer.__file__)"],
                           capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path).stdout
    assert str(venv) in where and str(ROOT) not in where
