"""Training progress read from the log: the loss values of Keras progress lines (`- loss: 0.2961`)
and of a training loop's own prints (`loss=0.31`, `Loss 0.31`), for the HTML report's loss curve.

Most lines never reach the rules (the prefilter skips them), so this looks at whole blocks, and
only at blocks that mention "loss". What it keeps is bounded: at most MAX_POINTS values, evenly
thinned as a long run goes on, plus the first value that is NaN or Inf, always.
"""

from __future__ import annotations

import math
import re
from typing import List, Optional

from analyzer.core.model import LossPoint

MAX_POINTS = 2000
# `loss` on its own (not val_loss, total_loss), then ":", "=" or a space, then a number, nan or inf.
_LOSS = re.compile(
    rb"(?<![\w.])loss(?:\s*[:=]\s*|\s+)([-+]?(?:nan|inf(?:inity)?)|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)",
    re.I,
)


class LossCollector:
    """Feed it blocks; `points()` is the bounded curve, `first_nonfinite` the first NaN/Inf."""

    def __init__(self) -> None:
        self._points: List[LossPoint] = []
        self._stride = 1  # keep one value in `_stride` once thinned
        self._seen = 0
        self.first_nonfinite: Optional[LossPoint] = None

    def feed(self, input_name: str, data: bytes, first_line: int, newline: bytes = b"\n") -> None:
        if b"oss" not in data:
            return
        pos, line = 0, first_line
        for m in _LOSS.finditer(data):
            line += data.count(newline, pos, m.start())
            pos = m.start()
            try:
                value = float(m.group(1))
            except ValueError:
                continue
            point = LossPoint(input_name, line, value, self._seen + 1)
            if not math.isfinite(value) and self.first_nonfinite is None:
                self.first_nonfinite = point
            self._add(point)

    def _add(self, point: LossPoint) -> None:
        self._seen += 1
        if (self._seen - 1) % self._stride:
            return
        self._points.append(point)
        if len(self._points) >= MAX_POINTS:
            self._points = self._points[::2]
            self._stride *= 2

    def points(self) -> List[LossPoint]:
        """The curve in log order, with the first NaN/Inf in it even when thinning had dropped it."""
        out = list(self._points)
        if self.first_nonfinite is not None and self.first_nonfinite not in out:
            out.append(self.first_nonfinite)
            out.sort(key=lambda p: p.step)
        return out
