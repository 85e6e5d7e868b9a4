"""The prefilter: one pass over a block of bytes that finds the few lines worth parsing.

A training log is mostly progress bars and info lines no rule cares about. The
scanner searches the lower-cased block for any knowledge-base keyword or any
error-looking token in one regex pass and hands back only those lines (with
their original line numbers), so the Python-level work scales with the number of
interesting lines, not with the size of the log.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator, Tuple

from .reader import Block

# Tokens that make a line worth a look even when no rule names them: errors for the
# `unrecognized` stage, traceback structure, graph-node lines, fatal signals, levels E/F.
GENERIC = (
    "error", "exception", "traceback", "fail", "fatal", "abort", "killed", "segmentation",
    "illegal instruction", "core dumped", "terminate called", "cannot", "could not", "couldn't",
    "unable to", "not found", "no such", "denied", "invalid", "nan", "warning", "check failed",
    'file "', "---->", "<ipython-input", "[[", "during handling", "direct cause",
)
_LEVEL_PATTERNS = (
    rb"\d: [ef] ",                   # TSL: "...123456: E tensorflow/..."
    rb"(?:^|[ \t>])[ef]\d{4} \d\d:\d\d",  # absl: "E0000 00:00:..."
    rb"^[ef] \S+:\d+\]",              # TF 0.x/1.x bare "E tensorflow/...:123]"
)


class Prefilter:
    def __init__(self, keywords: Iterable[str]):
        words = sorted({k.lower() for k in keywords} | set(GENERIC), key=len, reverse=True)
        alternation = b"|".join(re.escape(w.encode("utf-8")) for w in words if w)
        self.pattern = re.compile(alternation + b"|" + b"|".join(_LEVEL_PATTERNS), re.MULTILINE)

    def candidates(self, block: Block) -> Iterator[Tuple[int, bytes]]:
        """(line number, raw line) for each line of `block` that contains a keyword."""
        data = block.data
        low = data.lower()
        pos = 0
        line_no = block.first_line
        counted_to = 0
        search = self.pattern.search
        nl = block.newline
        while True:
            m = search(low, pos)
            if not m:
                return
            start = data.rfind(nl, 0, m.start()) + 1
            end = data.find(nl, m.end())
            if end < 0:
                end = len(data)
            line_no += data.count(nl, counted_to, start)
            counted_to = start
            yield line_no, data[start:end]
            pos = end + 1
