"""The release a stranger installs: sdist and wheel build, the wheel installs in a fresh venv and works.

The wheel is built from the sdist (what `python -m build` does by default), so a file missing
from the sdist fails here too. The venv never sees this checkout: no PYTHONPATH, another cwd.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile

from analyzer.core.version import __version__

from conftest import ROOT, SAMPLES

# `pip install tflog-doctor...` as the README and docs write it (quoted extras and == pins included)
_INSTALL_LINE = re.compile(r"pip install (?:'tflog-doctor(?:\[[\w,]+\])?(?:==[\w.]+)?'|tflog-doctor(?:==[\w.]+)?)(?![\w\[-])")
DOCUMENTED = {
    m.group(0)
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for m in _INSTALL_LINE.finditer(doc.read_text(encoding="utf-8"))
}


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
    # The README's install line, verbatim, as a shell runs it in the venv. Until this version is on the
    # package index, pip finds the distribution in dist/ (PIP_FIND_LINKS) and its dependencies on the index.
    env["PIP_FIND_LINKS"] = str(dist)
    env["PATH"] = str(bin_) + os.pathsep + env.get("PATH", "")
    assert "pip install tflog-doctor" in DOCUMENTED
    p = subprocess.run(["bash", "-c", "pip install -q tflog-doctor"], capture_output=True, text=True, timeout=600,
                       env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    # every other install line of the README and docs resolves (extras and pins), without installing
    for line in sorted(DOCUMENTED - {"pip install tflog-doctor"}):
        p = subprocess.run(["bash", "-c", line.replace("pip install", "pip install -q --dry-run", 1)],
                           capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
        assert p.returncode == 0, (line, p.stderr[-3000:])

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
