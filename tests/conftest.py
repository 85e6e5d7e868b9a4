"""Shared helpers: run the real `tflog` command in a subprocess, load the real knowledge base."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
CORPUS = ROOT.parent / "shared" / "dev_corpus"


def tflog(*args, input: bytes = None, cwd=None, env=None, timeout=120):
    """Run `python -m analyzer ARGS` exactly as a user would; returns CompletedProcess (bytes)."""
    return subprocess.run([sys.executable, "-m", "analyzer", *map(str, args)], input=input,
                          capture_output=True, cwd=cwd, env=env, timeout=timeout)


def tflog_json(*args, **kw) -> dict:
    p = tflog("analyze", "--format", "json", *args, **kw)
    assert p.returncode in (0, 1), p.stderr.decode()
    return json.loads(p.stdout)


@pytest.fixture(scope="session")
def kb():
    from analyzer import load_knowledge_base

    return load_knowledge_base()
