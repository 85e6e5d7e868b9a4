"""The prefilter: one pass over a block of bytes that finds the few lines worth parsing.

A training log is mostly progress bars and info lines no rule cares about. The
scanner searches each block for any knowledge-base keyword (case-insensitive) or
error-looking token in one pass and hands back only those lines, with their
original line numbers, so the Python-level work scales with the number of
interesting lines, not with the size of the log.

Two engines, same answers (a test compares them): Hyperscan, a SIMD multi-pattern
matcher, where its wheel is installed; otherwise Python's `re` over a trie-shaped
pattern (shared prefixes merged, so the regex engine follows one branch per byte).
Hyperscan has two databases: one reports each keyword (the lines come with their
keywords), the other each candidate line once (for big blocks whose lines mostly need
no keywords: the engine looks them up for the few that do). The scan counts the
block's lines on its way (Block.lines), so the reader does not.
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
    # a line pasted from a web page's HTML (`File &quot;x.py&quot;`), whose keywords show only once clean() decodes it
    # (no `&#39;`: the generic words hold no digit, see pipeline.bulk)
    "&quot;",
    "&lt;",
    "&gt;",
    "--->",  # IPython's arrow at a frame's current line ("---> 36", "----> 7")
    "<ipython-input",
    "[[",
    "during handling",
    "direct cause",
)
# Lines the literals above cannot express: at level E or F in TF's C++ log formats, and the
# prompt lines of an interactive session (the engine pairs them with their answers). A shape that
# starts a line may also start it behind a thread's Markdown quote ("> ", which clean() removes).
SHAPE_PATTERNS = (
    rb"\d: [ef] ",  # TSL: "...123456: E tensorflow/..."
    rb"(?:^|[ \t>])[ef]\d{4} \d\d:\d\d",  # absl: "E0000 00:00:..."
    rb"^(?:> ?)*[ef] \S+:\d+\]",  # TF 0.x/1.x bare "E tensorflow/...:123]"
    # Python ">>> ", IPython "In [3]: ", pdb "(Pdb) " (lower-cased), also behind what clean() removes (a thread's "> "
    # quote, a Markdown code span, a launcher's "name  | " or "<stderr>:"; HTML's "&gt;" is a GENERIC word)
    rb"(?:^|[ \t>`|:])(?:>>>|in \[\d+\]:|\(pdb\)|ipdb>) ",
    # a version alone on a line (after "### TensorFlow version"), or the first of a few (`print(tf.__version__, keras.__version__)`)
    rb"^(?:> ?)*\s*v?\d+\.\d+(?:\.\d+)?[\w.+-]{0,12}(?:\s+\d+\.\d+\.\d+){0,3}\s*$",
    rb"^(?:> ?)*\s*(?:b?'?v\d+\.\d+\S*-g[0-9a-f]{6,}'?|unknown) +['\"]?\d+\.\d",  # tf.version.GIT_VERSION, VERSION
    rb"^(?:> ?)*version: \d",  # `pip show`: "Version: 2.3.0" after "Name: tensorflow"
    rb"^(?:> ?)*\s*file [^\"\s][^,\n]*:\d+, in ",  # IPython >= 8 traceback frame: "File ~/x.py:12, in f(a)"
    rb"^(?:> ?)*\s*(?:cell|input) in ?\[\d*\], line \d",  # IPython >= 8 cell frame: "Cell In[4], line 7"
    rb"^(?:> ?)*\S+\.py in [\w<>.]+(?:\(|\s*$)",  # older IPython/Jupyter frame: "/path/x.py in f(a)"
    rb"^(?:> ?)*\[[^\]\n]+\]\(https?://[^)\n]*\) in ",  # Colab frame: "[/path/x.py](https://localhost:8080/#) in f(a)"
    rb"^(?:> ?)*\s+\d+\s+[rbuf]{0,2}[\"']",  # a string literal IPython shows under a frame's arrow (parse.raise_literals)
)


LATER: Any = object()  # in place of a line's keywords: Prefilter.keywords_in(raw) gives them
LINE_DB_MIN = 1 << 16  # a block this big may use the line-level database (loaded on first use)


_ESCAPED: List[bytes] = []  # re.escape of each byte, made on first use (per trie node it was most of a ~9 ms trie)


def trie_pattern(words: Iterable[str]) -> bytes:
    """An alternation of `words` with shared prefixes factored out: b'c(?:uda|udnn)' style."""
    if not _ESCAPED:
        _ESCAPED.extend(re.escape(bytes([ch])) for ch in range(256))
    trie: Dict = {}
    for w in words:
        node = trie
        for ch in w.encode("utf-8"):
            node = node.setdefault(ch, {})
        node[None] = {}

    def build(node: Dict) -> bytes:
        chain = []  # a run of nodes with one child and no word ending: their bytes in a row (a call each took ~8 ms
        while len(node) == 1 and None not in node:  # for bulk's ~350 long words, mostly such runs)
            ((ch, node),) = node.items()
            chain.append(_ESCAPED[ch])
        alts = [_ESCAPED[ch] + build(child) for ch, child in sorted((k, v) for k, v in node.items() if k is not None)]
        if not alts:
            return b"".join(chain)
        body = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
        return b"".join(chain) + (b"(?:" + body + b")?" if None in node else body)

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
        self._hs_lines: Any = None  # the line-level database (see candidates), built on first use

    def candidates(self, block: Block, keywords: bool = True) -> Iterator[Tuple[int, bytes, Any]]:
        """(line number, raw line, keywords seen in it or None) for each line of `block` with a keyword.

        `keywords=False`: the caller may not need every line's keywords; a line's third item may then
        be LATER, and `keywords_in(raw)` gives them. On a big block Hyperscan then scans with one
        database that reports a line once (_lines_once), not once per keyword in it: a training log's
        TF lines hold several keywords each, and each report costs a Python step."""
        if self._hs is None:
            return self._lines_re(block)
        if not keywords and len(block.data) >= LINE_DB_MIN and block.newline == b"\n" and block.data.endswith(b"\n"):
            if self._hs_lines is None:
                self._hs_lines = _hyperscan_db(self.words, lines=True) or False
            if self._hs_lines:
                return self._lines_once(block, self._hs_lines)
        return self._lines_hs(block, self._hs)

    def keywords_in(self, raw: bytes) -> Optional[Set[str]]:
        """The keywords `candidates` gives for a line it found alone (a line's keywords are within it)."""
        if self._hs is None:
            return None
        ids: List[int] = []
        self._hs.scan(raw, match_event_handler=lambda i, _f, _to, _fl, _c: ids.append(i))
        words = self.words
        return {words[i] for i in ids if i < len(words)}

    def _lines_once(self, block: Block, hs: Any) -> Iterator[Tuple[int, bytes, Any]]:
        """_lines_hs's lines, from the line-level database: its id 0 reports a line with a keyword at
        the line end after it (taken as just before it, where a keyword of the line ends at the latest);
        a SHAPE_PATTERNS match (ids 1...) where it ends, as in _lines_hs. The keywords are LATER, except
        for a line that _lines_hs would yield again (a shape match that takes its line end: as there,
        the line again, with the keywords none of its matches since then ends in: none)."""
        events: List[int] = []
        hs.scan(block.data, match_event_handler=lambda i, _f, to, _fl, _c: events.append(to - 1 if i == 0 else to))
        data, nl = block.data, block.newline
        line_no, counted_to, line_end = block.first_line, 0, -1
        start, found = 0, None  # (found: LATER, or none for a line yielded again)
        for to in events:  # in order of end offset
            if to > line_end:
                if found is not None:
                    yield line_no, data[start:line_end], found
                new = data.rfind(nl, 0, max(to - 1, 0)) + 1
                found = LATER if new != start or line_end < 0 else set()
                start = new
                line_end = data.find(nl, to - 1 if to > 0 else 0)
                if line_end < 0:
                    line_end = len(data)
                line_no += data.count(nl, counted_to, start)
                counted_to = start
        if found is not None:
            yield line_no, data[start:line_end], found
        _counted(block, line_no, counted_to)

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
        _counted(block, line_no, counted_to)

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


def _counted(block: Block, line_no: int, counted_to: int) -> None:
    """Give `block` its line count, from the count up to line `line_no` (at `counted_to`) and the rest."""
    if block.lines < 0:
        block.lines = line_no - block.first_line + block.data.count(block.newline, counted_to)


def _hyperscan_db(words: List[str], lines: bool = False):
    """The compiled Hyperscan database, from the disk cache when an identical one was built before.

    Compiling takes ~50 ms, a third of a small log's analysis; loading a serialised one, ~1 ms.
    `lines`: the line-level database (Prefilter.candidates): each keyword followed by the rest of
    its line and the line end, all with id 0, so that a line's keywords end in one report (Hyperscan
    reports an id at an offset once); SHAPE_PATTERNS as ids 1.... It takes ~0.4 s to compile and
    saves ~0.2 ms per MB of a training log, so it is made only where the disk cache keeps it (None
    without a cache: the caller then scans with the keyword database).
    """
    try:
        import hyperscan
    except ImportError:
        return None
    from analyzer.core import cache as _cache

    # the key names what the expressions below are made of (re.escape of each word: by Python's version),
    # so that a start-up with the database cached does not escape ~1,000 words (~1 ms)
    caseless, multiline = hyperscan.HS_FLAG_CASELESS, hyperscan.HS_FLAG_MULTILINE
    made_of: tuple = (getattr(hyperscan, "__version__", ""), sys.version, words, SHAPE_PATTERNS, caseless, multiline)
    if lines:
        if _cache.cache_dir() is None:
            return None
        made_of = (*made_of, "lines")
    key = _cache.digest(repr(made_of).encode()).hexdigest()
    blob = _cache.read_blob("hyperscan-lines" if lines else "hyperscan", key)
    if blob is not None:
        try:
            db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)  # a loaded database comes without scratch space
            return db
        except Exception:  # a database from another Hyperscan build or CPU: compile afresh
            pass
    exprs = [re.escape(w.encode("utf-8")) for w in words]
    ids = list(range(len(exprs) + len(SHAPE_PATTERNS)))
    if lines:  # each keyword with the rest of its line, all as id 0; SHAPE_PATTERNS as before, ids 1...
        exprs = [e + b"[^\\n]*\\n" for e in exprs]
        ids = [0] * len(exprs) + ids[1 : len(SHAPE_PATTERNS) + 1]
    flags = [caseless] * len(exprs) + [caseless | multiline] * len(SHAPE_PATTERNS)
    exprs += list(SHAPE_PATTERNS)
    db = hyperscan.Database()
    db.compile(expressions=exprs, ids=ids, flags=flags)
    try:
        _cache.write_blob("hyperscan-lines" if lines else "hyperscan", key, hyperscan.dumpb(db))
    except Exception:
        pass
    return db


def pattern_db(source: bytes) -> Any:
    """One expression as a caseless Hyperscan database that reports every match's end, from the disk
    cache (compiling pipeline.bulk's ~6 KB touch pattern takes ~0.3 s); None without Hyperscan, without
    a cache (as for the line-level database above) or for an expression it cannot compile."""
    try:
        import hyperscan
    except ImportError:
        return None
    from analyzer.core import cache as _cache

    if _cache.cache_dir() is None:
        return None
    flags = hyperscan.HS_FLAG_CASELESS
    key = _cache.digest(repr((getattr(hyperscan, "__version__", ""), source, flags)).encode()).hexdigest()
    blob = _cache.read_blob("hyperscan-pattern", key)
    if blob is not None:
        try:
            db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)
            return db
        except Exception:
            pass
    try:
        db = hyperscan.Database()
        db.compile(expressions=[source], ids=[0], flags=[flags])
    except Exception:
        return None
    try:
        _cache.write_blob("hyperscan-pattern", key, hyperscan.dumpb(db))
    except Exception:
        pass
    return db
