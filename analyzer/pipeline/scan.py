"""The prefilter: one pass over a block of bytes that finds the few lines worth parsing.

A training log is mostly progress bars and info lines no rule cares about. The
scanner searches each block for any knowledge-base keyword (case-insensitive) or
error-looking token in one pass and hands back only those lines, with their
original line numbers, so the Python-level work scales with the number of
interesting lines, not with the size of the log.

Two engines, same answers (a test compares them): Hyperscan, a SIMD multi-pattern
matcher, where its wheel is installed; otherwise Python's `re` over a trie-shaped
pattern (shared prefixes merged, so the regex engine follows one branch per byte).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from .reader import Block

# Tokens that make a line worth a look even when no rule names them: errors for the
# `unrecognized` stage, traceback structure, graph-node lines, fatal signals.
GENERIC = (
    "error",
    "exception",
    "traceback",
    "(most recent call last)",
    "fail",
    "fatal",
    "abort",
    "killed",
    "segmentation",
    "illegal instruction",
    "core dumped",
    "terminate called",
    "interrupted by signal",
    "appears to have died",
    "kernel crashed",
    "session crashed",
    "exit code -",
    "cannot",
    "could not",
    "couldn't",
    "unable to",
    "not found",
    "no such",
    "denied",
    "invalid",
    "warning",
    "check failed",
    'file "',
    "---->",
    "<ipython-input",
    "[[",
    "during handling",
    "direct cause",
)
# Lines the literals above cannot express: at level E or F in TF's C++ log formats, and the
# prompt lines of an interactive session (the engine pairs them with their answers).
SHAPE_PATTERNS = (
    rb"\d: [ef] ",  # TSL: "...123456: E tensorflow/..."
    rb"(?:^|[ \t>])[ef]\d{4} \d\d:\d\d",  # absl: "E0000 00:00:..."
    rb"^[ef] \S+:\d+\]",  # TF 0.x/1.x bare "E tensorflow/...:123]"
    rb"^(?:>>>|in \[\d+\]:) ",  # Python ">>> ", IPython "In [3]: " (lower-cased)
    # a version alone on a line (after "### TensorFlow version"), or the first of a few (`print(tf.__version__, keras.__version__)`)
    rb"^\s*v?\d+\.\d+(?:\.\d+)?[\w.+-]{0,12}(?:\s+\d+\.\d+\.\d+){0,3}\s*$",
    rb"^\s*(?:b?'?v\d+\.\d+\S*-g[0-9a-f]{6,}'?|unknown) +['\"]?\d+\.\d",  # tf.version.GIT_VERSION, VERSION
    rb"^version: \d",  # `pip show`: "Version: 2.3.0" after "Name: tensorflow"
    rb"^\s*file [^\"\s][^,\n]*:\d+, in ",  # IPython >= 8 traceback frame: "File ~/x.py:12, in f(a)"
    rb"^\s*(?:cell|input) in ?\[\d*\], line \d",  # IPython >= 8 cell frame: "Cell In[4], line 7"
    rb"^\S+\.py in [\w<>.]+(?:\(|\s*$)",  # older IPython/Jupyter frame: "/path/x.py in f(a)"
    rb"^\[[^\]\n]+\]\(https?://[^)\n]*\) in ",  # Colab frame: "[/path/x.py](https://localhost:8080/#) in f(a)"
)


def trie_pattern(words: Iterable[str]) -> bytes:
    """An alternation of `words` with shared prefixes factored out: b'c(?:uda|udnn)' style."""
    trie: Dict = {}
    for w in words:
        node = trie
        for ch in w.encode("utf-8"):
            node = node.setdefault(ch, {})
        node[None] = {}

    def build(node: Dict) -> bytes:
        alts = [re.escape(bytes([ch])) + build(child) for ch, child in sorted((k, v) for k, v in node.items() if k is not None)]
        if not alts:
            return b""
        body = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
        return b"(?:" + body + b")?" if None in node else body

    return build(trie)


class Prefilter:
    def __init__(self, keywords: Iterable[str], engine: Optional[str] = None):
        self.words = sorted({k.lower() for k in keywords if k} | set(GENERIC))
        engine = engine or os.environ.get("TFLOG_SCANNER") or "auto"
        self._hs = _hyperscan_db(self.words) if engine in ("auto", "hyperscan") else None
        if engine == "hyperscan" and self._hs is None:
            raise RuntimeError("TFLOG_SCANNER=hyperscan but the hyperscan module is not installed")
        self.engine = "hyperscan" if self._hs is not None else "re"
        if self._hs is None:
            self._re = re.compile(trie_pattern(self.words) + b"|" + b"|".join(SHAPE_PATTERNS), re.MULTILINE)

    def candidates(self, block: Block) -> Iterator[Tuple[int, bytes, Optional[Set[str]]]]:
        """(line number, raw line, keywords seen in it or None) for each line of `block` with a keyword."""
        if self._hs is None:
            return self._lines_re(block)
        return self._lines_hs(block, self._hs)

    def _lines_hs(self, block: Block, hs: Any) -> Iterator[Tuple[int, bytes, Optional[Set[str]]]]:
        events: List[Tuple[int, int]] = []
        hs.scan(block.data, match_event_handler=lambda i, _f, to, _fl, _c: events.append((to, i)))
        data, nl, words = block.data, block.newline, self.words
        line_no, counted_to, line_end = block.first_line, 0, -1
        start, found = 0, None
        for to, i in events:  # in order of end offset
            if to > line_end:
                if found is not None:
                    yield line_no, data[start:line_end], found
                start = data.rfind(nl, 0, max(to - 1, 0)) + 1
                line_end = data.find(nl, to - 1 if to > 0 else 0)
                if line_end < 0:
                    line_end = len(data)
                line_no += data.count(nl, counted_to, start)
                counted_to = start
                found = set()
            if i < len(words):
                found.add(words[i])
        if found is not None:
            yield line_no, data[start:line_end], found

    def _lines_re(self, block: Block) -> Iterator[Tuple[int, bytes, Optional[Set[str]]]]:
        data, nl = block.data, block.newline
        low = data.lower()
        search, pos = self._re.search, 0
        line_no, counted_to = block.first_line, 0
        while True:
            m = search(low, pos)
            if m is None:
                return
            start = data.rfind(nl, 0, m.start()) + 1 if m.start() > 0 else 0
            line_end = data.find(nl, m.end() - 1 if m.end() > 0 else 0)
            if line_end < 0:
                line_end = len(data)
            line_no += data.count(nl, counted_to, start)
            counted_to = start
            pos = line_end + 1
            yield line_no, data[start:line_end], None


def _hyperscan_db(words: List[str]):
    """The compiled Hyperscan database, from the disk cache when an identical one was built before.

    Compiling takes ~50 ms, a third of a small log's analysis; loading a serialised one, ~1 ms.
    """
    try:
        import hyperscan
    except ImportError:
        return None
    from analyzer.core import cache as _cache

    # the key names what the expressions below are made of (re.escape of each word: by Python's version),
    # so that a start-up with the database cached does not escape ~1,000 words (~1 ms)
    caseless, multiline = hyperscan.HS_FLAG_CASELESS, hyperscan.HS_FLAG_MULTILINE
    made_of = (getattr(hyperscan, "__version__", ""), sys.version, words, SHAPE_PATTERNS, caseless, multiline)
    key = _cache.digest(repr(made_of).encode()).hexdigest()
    blob = _cache.read_blob("hyperscan", key)
    if blob is not None:
        try:
            db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)  # a loaded database comes without scratch space
            return db
        except Exception:  # a database from another Hyperscan build or CPU: compile afresh
            pass
    exprs = [re.escape(w.encode("utf-8")) for w in words] + list(SHAPE_PATTERNS)
    flags = [caseless] * len(words) + [caseless | multiline] * len(SHAPE_PATTERNS)
    db = hyperscan.Database()
    db.compile(expressions=exprs, ids=list(range(len(exprs))), flags=flags)
    try:
        _cache.write_blob("hyperscan", key, hyperscan.dumpb(db))
    except Exception:
        pass
    return db
