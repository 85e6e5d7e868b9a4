"""A block whose lines mostly belong to known classes, decided without scanning them one by one.

In verbose and multi-worker logs nearly every line is a prefilter candidate (every TF line holds
"tensorflow" or "cuda") and, once seen, belongs to a quiet or settled line class (pipeline.classes,
engine.Analysis._settle): all such a line does is reset the traceback tracker, and for a settled
class add to its counts. Finding those lines with the prefilter costs a Hyperscan event per keyword
and a Python step per line; here the block's keys come from one `translate` and one `split`, the
classes from one `map`, and only the other lines (the residual, joined in order) go through the
prefilter and Analysis as usual.

Why the report is the same: a line is taken here only when its class says every line with its key
is a candidate (it holds a keyword without digits: `candidate`, read from the key with the
knowledge base's own prefilter) and quiet or settled. The effects of such lines commute with
everything but two things, which are replayed in file order before each residual candidate:
the traceback tracker's reset (other_line) and the hit a `[[{{node}}]]` line attaches to
(Analysis._last_hit). Counts are added at once (settled classes add only to counts, and a class
settles only on state that never goes back). A value a settled class lists is checked against the
facts known at that moment, which are at most those known at its place in the file, so a line may
be left to the residual but never skipped wrongly. Blocks with interactive prompts (whose answer is
the next line) take the ordinary path.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from . import classes as line_classes
from .parse import clean
from .reader import Block

BULK_SHARE = 0.3  # a block goes this way when this share of the previous block's lines were fast


def usable(analysis: Any, block: Block, kb_prefilter: Any) -> bool:
    """May `block` take the bulk path (see the module's docstring)?"""
    if not analysis.line_classes or analysis.fast_share < BULK_SHARE:
        return False
    if b">>> " in block.data or b"In [" in block.data:
        return False  # an interactive prompt: its answer is the next line of the block
    pf = analysis.prefilter
    return pf is kb_prefilter or pf.words == kb_prefilter.words


def candidate(cls: Any, key: bytes, kb_prefilter: Any) -> bool:
    """Is every line with this key a prefilter candidate? (It holds a keyword without digits:
    such a keyword is in a line exactly when it is in the line's key.)"""
    if cls.candidate is None:
        cls.candidate = False
        for _, _, found in kb_prefilter.candidates(Block(key + b"\n", 1, b"\n", 1)):
            cls.candidate = found is not None and any(not any(ch.isdigit() for ch in w) for w in found)
    return cls.candidate


def feed(analysis: Any, info: Any, block: Block, kb_prefilter: Any) -> List[str]:
    """Analysis.feed_block for a block that may take the bulk path; returns the keys of hits that changed."""
    data, nl = block.data, block.newline
    keys = data.translate(line_classes.DIGITS).split(nl)  # a key is as long as its line
    keys.pop()  # a block ends with a line end
    settled, facts, first, step = analysis._settled, analysis.facts, block.first_line, len(nl)
    residual: List[int] = []
    starts: List[int] = []  # where each residual line begins in `data`
    at = 0
    marks: List[Tuple[bool, Optional[tuple]]] = []  # per residual line: fast lines just before it, the last hit among them
    since, last, fast = False, None, 0
    for i, cls in enumerate(map(analysis.kb.line_classes.get, keys)):
        start, at = at, at + len(keys[i]) + step
        if cls is not None and (cls.candidate or (cls.candidate is None and candidate(cls, keys[i], kb_prefilter))):
            if cls.quiet:
                since, fast = True, fast + 1
                continue
            done = settled.get(cls)
            if done is not None and (
                not cls.fact_keys[1] or line_classes.lists_known(cls, facts, clean(data[start : at - step]))
            ):
                hit = analysis._add_counts(done)
                if hit is not None:
                    last = (hit, first + i)
                since, fast = True, fast + 1
                continue
        residual.append(i)
        starts.append(start)
        marks.append((since, last))
        since, last = False, None
    analysis.fast_share = fast / max(len(keys), 1)
    changed: List[str] = []
    if residual:
        sub = Block(b"".join([data[a : a + len(keys[i]) + step] for a, i in zip(starts, residual)]), 1, nl, len(residual))
        at, pend_since, pend_last = 0, False, None
        for line_no, raw, found in analysis.prefilter.candidates(sub):
            while at < line_no:  # the fast lines before this one, through the residual lines skipped
                s, h = marks[at]
                pend_since, pend_last = pend_since or s, h or pend_last
                at += 1
            _replay(analysis, pend_since, pend_last)
            pend_since, pend_last = False, None
            key = analysis.feed_one(info.name, first + residual[line_no - 1], raw, found)
            if key:
                changed.append(key)
        for s, h in marks[at:]:
            pend_since, pend_last = pend_since or s, h or pend_last
        _replay(analysis, pend_since, pend_last)
    _replay(analysis, since, last)
    return changed


def _replay(analysis: Any, since: bool, last: Optional[tuple]) -> None:
    """What fast lines do in file order: reset the traceback tracker, name the last hit."""
    if since:
        analysis._tb.other_line()
    if last is not None:
        analysis._last_hit = last
