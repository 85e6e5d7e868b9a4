"""The terminal layout as a person sees it: `tflog analyze` on every sample log, in a real terminal
(tmux) 80 and 120 columns wide, read back with capture-pane. The message part of every evidence
line shown must be on screen (not cut off at its start, not hidden behind a timestamp), the root
cause must be on the first screen, and rich must count harmless lines as text does.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from analyzer.pipeline.parse import parse_line

from conftest import ROOT, SAMPLES, tflog, tflog_json

LOGS = sorted(SAMPLES.glob("*.log"))
WIDTHS = (80, 120)
SCREEN = 24  # rows of a small terminal: the root cause, its evidence, why and first fix must be on the first

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


@pytest.fixture(scope="module")
def tmux():
    """A private tmux server (its own socket), killed at the end."""
    socket = f"tflog-test-{uuid.uuid4().hex[:8]}"
    yield socket
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def run_in_terminal(socket: str, width: int, log) -> list:
    """The screen lines of `tflog analyze LOG` in a `width`-column terminal, scroll-back included."""
    name = f"w{width}-{uuid.uuid4().hex[:6]}"
    command = f"{sys.executable} -m analyzer analyze {log}; echo __tflog_done__; sleep 120"
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    subprocess.run(
        ["tmux", "-L", socket, "new-session", "-d", "-s", name, "-x", str(width), "-y", "50", "-c", str(ROOT), command],
        check=True,
        env=env,
    )
    subprocess.run(["tmux", "-L", socket, "set-option", "-t", name, "history-limit", "5000"], capture_output=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            out = subprocess.run(
                ["tmux", "-L", socket, "capture-pane", "-p", "-t", name, "-S", "-", "-E", "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if "__tflog_done__" in out:
                break
            assert time.monotonic() < deadline, out
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-session", "-t", name], capture_output=True)
    lines = out.split("\n")
    return lines[: next(i for i, t in enumerate(lines) if "__tflog_done__" in t)]


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.stem)
def test_evidence_messages_are_visible(tmux, width, log):
    rel = log.relative_to(ROOT)
    report = tflog_json(rel, cwd=ROOT)
    screen = run_in_terminal(tmux, width, rel)
    while screen and not screen[0].strip():
        screen.pop(0)
    assert screen, "no output"
    assert all(len(line) <= width for line in screen)
    joined = squash(" ".join(line.strip() for line in screen))
    roots = [f for f in report["findings"] if f["root_cause"]]
    if roots:
        first_screen = "\n".join(screen[:SCREEN])
        assert "ROOT CAUSE" in first_screen, first_screen
        assert squash(roots[0]["title"])[:30] in squash(" ".join(line.strip() for line in screen[:SCREEN]))
        if roots[0]["fixes"]:  # the why and the first fix too: the details wait for --verbose
            assert "Why:" in first_screen and "Fix 1:" in first_screen, first_screen
    for f in roots:
        for e in f["evidence"][:3]:
            assert f"{e['input']}:{e['line']}" in joined
            rec = parse_line(e["line"], e["text"])
            message = squash(rec.message if rec.kind == "log" and rec.message else e["text"])
            start = message[: min(len(message), 24)]
            assert start in joined, f"{log.name}:{e['line']}: the message's start {start!r} is not on screen"
            if rec.kind == "log" and re.match(r"\d{4}-\d\d-\d\d", e["text"]):
                assert e["text"][:26] not in joined  # the date and time are not what a person needs
    harmless = [f for f in report["findings"] if f["severity"] == "info" and not f["root_cause"]]
    if harmless:
        text = tflog("analyze", "--format", "text", rel, cwd=ROOT).stdout.decode()
        counts = re.search(r"Harmless \(\d+\): .*", text).group(0)
        assert squash(counts) in joined  # the same list with the same (xN) counts
