"""A block whose lines mostly belong to known classes, decided without scanning them one by one.

In verbose and multi-worker logs nearly every line is a prefilter candidate (every TF line holds
"tensorflow" or "cuda") and, once seen, belongs to a quiet or settled line class (pipeline.classes,
engine.Analysis._settle): all such a line does is reset the traceback tracker, and for a settled
class add to its counts. Finding those lines with the prefilter costs a Hyperscan event per keyword
and a Python step per line; here the block's keys come from one `translate` and one `split`, the
classes from one `map`, what each line is (quiet, counted, ... : one byte per line) from one more
`map`, the counts from a `Counter` of the counted lines' classes, and only the other lines (the
residual, joined in order) go through the prefilter and Analysis as usual: no Python step per
quiet or settled line.

Why the report is the same: a line is taken here only when its class says every line with its key
is a candidate (it holds a keyword without digits: `candidate`, read from the key with the
knowledge base's own prefilter) and quiet or settled. The effects of such lines commute with
everything but two things, which are replayed in file order before each residual candidate:
the traceback tracker's reset (other_line) and the hit a `[[{{node}}]]` line attaches to
(Analysis._last_hit). Counts are added at once (settled classes add only to counts, and a class
settles only on state that never goes back). A value a settled class lists is checked against the
facts known at that moment, which are at most those known at its place in the file, so a line may
be left to the residual but never skipped wrongly. An interactive prompt's line (its class is SLOW)
is a residual line, followed, as in Analysis.feed_block, by its question and answer (the next line).

Two more kinds of lines are decided here. A line with `0x...` ids whose digit-blind key has no class
may belong to the class blind to its hex ids too (classes.lookup), which holds for the line only when
the line has exactly the class's keywords: they are when no keyword touches the ids' hex digits and
the class's key holds exactly them (_touches_hex, _plain_hex; for a block's lines, one regex pass
that names at least those lines: _touching_lines); otherwise the prefilter reads the line's
keywords. A key no line of which can be a prefilter candidate (the prefilter finds nothing in it,
nor a keyword with digits as 0s: _mark_not_candidates) is marked NOT_CANDIDATE in the class table,
and its lines are skipped as the prefilter would skip them (progress bars of a multi-worker log, TF
lines without keywords).
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from itertools import accumulate, compress, repeat
from typing import Any, Dict, List, Optional, Tuple

from analyzer.core.cache import compile_re

from . import classes as line_classes
from .parse import clean, repl_prompt
from .reader import Block
from .scan import pattern_db, trie_pattern

BULK_SHARE = 0.3  # a block goes this way when this share of the previous block's lines were fast


def usable(analysis: Any, block: Block, kb_prefilter: Any) -> bool:
    """May `block` take the bulk path (see the module's docstring)?"""
    if not analysis.line_classes or analysis.fast_share < BULK_SHARE:
        return False
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


# What a line of the block is to the bulk path (one byte per line, see feed): left to the residual,
# quiet, of a settled class with a hit, of a settled class without one, of a settled class whose
# listed values are checked line by line (lists_known).
# A line of a key marked NOT_CANDIDATE does nothing at all (the prefilter would not pick it): SKIP.
RESIDUAL, QUIET, COUNTED, SETTLED, LISTS, SKIP = 0, 1, 2, 3, 4, 5
_RESIDUAL = compile_re(b"\\x00")
_FAST = compile_re(b"[\\x01-\\x03]")
_IS_COUNTED = bytes(int(i == COUNTED) for i in range(256))  # kinds.translate(): 1 for a COUNTED line
_IS_LISTS = bytes(int(i == LISTS) for i in range(256))


def _status(analysis: Any, cls: Any, key_of: Dict[Any, bytes], kb_prefilter: Any) -> int:
    """What the lines of `cls` are in this block (one of RESIDUAL ... SKIP); `key_of`: a key of each class."""
    if cls is None:
        return RESIDUAL
    if cls is line_classes.NOT_CANDIDATE:
        return SKIP
    if cls.candidate is None:
        candidate(cls, key_of[cls], kb_prefilter)
        line_classes.restore(analysis.kb, key_of[cls], cls)  # with its verdict, for the next run
    if not cls.candidate:
        return RESIDUAL
    if cls.quiet:
        return QUIET
    done = analysis._settled.get(cls)
    if done is None:
        return RESIDUAL
    if cls.fact_keys[1]:
        return LISTS
    return SETTLED if done[0] is None else COUNTED


def _statuses(analysis: Any, key_of: Dict[Any, bytes], kb_prefilter: Any) -> Dict[Any, int]:
    """_status of each class of a block (`key_of`: a key of each), kept in analysis.bulk_status from
    block to block where it stays: every status but RESIDUAL for a class not settled yet, which
    settles meanwhile. A class settles for good (Analysis._settle) but where a joined line withdraws
    the hit it settled on (Analysis._forget_pieces), which empties bulk_status. Each block asked
    _status of every class it holds (a verbose log's block holds ~1,100)."""
    kept = analysis.bulk_status
    new = key_of.keys() - kept.keys()
    if not new:
        return kept
    if len(kept) >= 2 * line_classes.MAX_CLASSES:  # (classes the class table dropped and built again)
        kept.clear()
        new = key_of.keys()
    pending = {}
    for cls in new:
        status = _status(analysis, cls, key_of, kb_prefilter)
        if status == RESIDUAL and cls is not None and cls.candidate:
            pending[cls] = status  # (a candidate not settled yet)
        else:
            kept[cls] = status
    return {**kept, **pending} if pending else kept


def feed(analysis: Any, info: Any, block: Block, kb_prefilter: Any) -> List[str]:
    """Analysis.feed_block for a block that may take the bulk path; returns the keys of hits that changed.

    Each line's class comes from one `map` over the block's keys, what the line is (RESIDUAL ...
    SKIP) from one `map` over the block's classes into a byte string, read with `find` and a regex;
    only the residual lines (hex ids among them) and lines whose listed values need a look are
    visited in Python."""
    data, nl = block.data, block.newline
    keys = data.translate(line_classes.DIGITS).split(nl)  # a key is as long as its line
    keys.pop()  # a block ends with a line end
    if block.lines < 0:
        block.lines = len(keys)
    classes = list(map(analysis.kb.line_classes.get, keys))
    if None in classes:
        line_classes.stored(analysis.kb, keys, classes)  # classes a run before this one built
    settled, first, step = analysis._settled, block.first_line, len(nl)
    key_of = dict(zip(classes, keys))
    kinds = bytearray(map(_statuses(analysis, key_of, kb_prefilter).__getitem__, classes))
    ends = list(accumulate(map(len, keys)))

    def span(i: int) -> Tuple[int, int]:
        """Where line i is in `data` (without its line end)."""
        end = ends[i] + i * step
        return end - len(keys[i]), end

    def starts(lines: List[int]) -> List[int]:
        """Where each of `lines` starts in `data`: span's, in C-level maps (no Python step per line)."""
        line_ends = map(operator.add, map(ends.__getitem__, lines), map(operator.mul, lines, repeat(step)))
        return list(map(operator.sub, line_ends, map(len, map(keys.__getitem__, lines))))

    exact = data.isascii() and data.find(b"\x1b") < 0 and data.find(b"\x00") < 0 and data.find(b"\r") < 0  # clean() is decode()
    _hex_lines(analysis, kb_prefilter, data, nl, keys, classes, kinds, span, exact)
    _lists_known(analysis, data, classes, kinds, span, starts, exact)
    if COUNTED in kinds:
        for cls, n in Counter(compress(classes, kinds.translate(_IS_COUNTED))).items():
            analysis._add_counts(settled[cls], n)
    residual = [m.start() for m in _RESIDUAL.finditer(kinds)]
    analysis.fast_share = (len(keys) - len(residual) - kinds.count(SKIP)) / max(len(keys), 1)

    def last_hit(a: int, b: int) -> Optional[tuple]:
        """The hit of the last counted line among lines a..b-1 (all fast), with its line number."""
        i = kinds.rfind(COUNTED, a, b)
        return (settled[classes[i]][0], first + i) if i >= 0 else None

    changed: List[str] = []
    if residual:
        marks: List[Tuple[bool, Optional[tuple]]] = []  # per residual line: fast lines just before it, the last hit among them
        prev = 0
        for i in residual:
            marks.append((_FAST.search(kinds, prev, i) is not None, last_hit(prev, i) if i > prev else None))
            prev = i + 1
        sub = Block(b"".join([data[a : b + step] for a, b in map(span, residual)]), 1, nl, len(residual))
        at, pend_since, pend_last, prompt_at = 0, False, None, 0
        picked: List[int] = []  # residual lines the prefilter picked
        for line_no, raw, found in analysis.prefilter.candidates(sub):
            picked.append(line_no - 1)
            while at < line_no:  # the fast lines before this one, through the residual lines skipped
                s, h = marks[at]
                pend_since, pend_last = pend_since or s, h or pend_last
                at += 1
            _replay(analysis, pend_since, pend_last)
            pend_since, pend_last = False, None
            key = analysis.feed_one(info.name, first + residual[line_no - 1], raw, found)
            if key:
                changed.append(key)
            prompt = repl_prompt(raw)
            if prompt is not None:  # an interactive session (a prompt's class is SLOW): its question + answer
                prompt_at, key = analysis.feed_answer(info.name, block, first + residual[line_no - 1], raw, prompt_at, prompt)
                if key:
                    changed.append(key)
        for s, h in marks[at:]:
            pend_since, pend_last = pend_since or s, h or pend_last
        _replay(analysis, pend_since, pend_last)
        _mark_not_candidates(analysis, kb_prefilter, keys, classes, residual, picked)
        prev = residual[-1] + 1
    else:
        prev = 0
    _replay(analysis, _FAST.search(kinds, prev) is not None, last_hit(prev, len(keys)))
    return changed


def _lists_known(analysis: Any, data: bytes, classes: List[Any], kinds: bytearray, span: Any, starts: Any, exact: bool) -> None:
    """The LISTS lines (a settled class whose listed values each line must hold already) made
    SETTLED or COUNTED where their values are listed, else RESIDUAL. In a block whose every line
    is its cleaned text (`exact`), a value's offsets in the text are its offsets in the raw line, and
    lines of a class with the same values get the same answer (the facts do not change meanwhile):
    each (class, bytes from its first value to its last) is looked up once per block, the bytes cut
    from every line by C-level maps (a verbose log's ~28,000 `Successfully opened dynamic library`
    lines per 50 MB hold ~30 such pairs)."""
    if LISTS not in kinds:
        return
    settled, collector = analysis._settled, analysis.facts
    lines = list(compress(range(len(kinds)), kinds.translate(_IS_LISTS)))
    if not exact:
        for i in lines:
            cls, (a, b) = classes[i], span(i)
            ok = line_classes.lists_known(cls, collector, clean(data[a:b]))
            kinds[i] = (SETTLED if settled[cls][0] is None else COUNTED) if ok else RESIDUAL
        return
    of = list(map(classes.__getitem__, lines))
    lo = {cls: min(x for _, x, _ in cls.fact_keys[1]) for cls in set(of)}
    hi = {cls: max(y for _, _, y in cls.fact_keys[1]) for cls in lo}
    at = starts(lines)
    cuts = map(slice, map(operator.add, at, map(lo.__getitem__, of)), map(operator.add, at, map(hi.__getitem__, of)))
    seen = list(zip(of, map(data.__getitem__, cuts)))
    kind: Dict[Any, int] = {}
    for pair, i in dict(zip(reversed(seen), reversed(lines))).items():  # each pair's first line (any would do)
        cls, (a, b) = pair[0], span(i)
        ok = line_classes.lists_known(cls, collector, data[a:b].decode("ascii"))
        kind[pair] = (SETTLED if settled[cls][0] is None else COUNTED) if ok else RESIDUAL
    for i, k in zip(lines, map(kind.__getitem__, seen)):
        kinds[i] = k


def _mark_not_candidates(
    analysis: Any, kb_prefilter: Any, keys: List[bytes], classes: List[Any], residual: List[int], picked: List[int]
) -> None:
    """Mark NOT_CANDIDATE the keys of residual lines the prefilter did not pick (progress bars, a
    program's own output) where no line with that key can be a candidate: the prefilter finds
    nothing in the key itself (its keywords without digits, GENERIC and SHAPE_PATTERNS are in a line
    exactly when in its key), nor a keyword holding digits with its digits as 0 (a superset)."""
    taken = set(picked)
    new = {keys[i] for j, i in enumerate(residual) if j not in taken and classes[i] is None}
    listed = sorted(k for k in new if b"\n" not in k and b"\r" not in k)  # one line each, as in the block
    if not listed:
        return
    known = analysis.kb.line_classes
    found = {line_no - 1 for line_no, _, _ in kb_prefilter.candidates(Block(b"\n".join(listed) + b"\n", 1, b"\n", len(listed)))}
    rest = [key for j, key in enumerate(listed) if j not in found and key not in known]  # (keys of a set: each once)
    digits = _digit_keyword_keys(rest, kb_prefilter)
    for n, key in enumerate(rest):
        if n in digits:
            continue
        if len(known) >= line_classes.MAX_CLASSES:
            return
        known[key] = line_classes.NOT_CANDIDATE


def _digit_keyword_keys(keys: List[bytes], kb_prefilter: Any) -> set:
    """The indices of `keys` (one line each) for which _has_digit_keyword is true. With Hyperscan, in
    one caseless pass over them joined (ASCII case, as lower() maps it; a keyword holds no line end, so
    a match stays within its key): a verbose log's ~4,500 such keys per 50 MB took ~40 ms one regex
    search each, ~3 ms so."""
    if not keys:
        return set()
    built = getattr(kb_prefilter, "_digit_db", None)
    if built is None:
        words = _digit_words(kb_prefilter)
        hs = None
        if words and kb_prefilter.engine == "hyperscan" and not any("\n" in w or "\r" in w for w in words):
            hs = pattern_db(trie_pattern(words))
        built = kb_prefilter._digit_db = (hs,)
    hs = built[0]
    if hs is None:
        return {n for n, key in enumerate(keys) if _has_digit_keyword(key, kb_prefilter)}
    joined = b"\n".join(keys)
    ends: List[int] = []
    hs.scan(joined, match_event_handler=lambda _i, _f, to, _fl, _c: ends.append(to - 1))  # (its last byte)
    return set(accumulate(map(joined.count, repeat(b"\n"), [0, *ends[:-1]], ends)))


def _has_digit_keyword(key: bytes, kb_prefilter: Any) -> bool:
    """Does a key hold a keyword with digits, its digits as 0 (so may a line with this key hold it)?"""
    digits = _digit_keywords(kb_prefilter)
    return digits is not None and digits.search(key.lower()) is not None


def _digit_keywords(kb_prefilter: Any) -> Optional[re.Pattern]:
    """A regex for the prefilter's keywords that hold digits, with their digits as 0, on a lower-cased key."""
    built = getattr(kb_prefilter, "_digit_keywords", None)
    if built is None:  # a trie (one branch per byte), not an alternation of ~40 words: ~3.7 against 6.8 us a key
        words = _digit_words(kb_prefilter)
        built = kb_prefilter._digit_keywords = (compile_re(trie_pattern(words)) if words else None,)
    return built[0]


def _digit_words(kb_prefilter: Any) -> List[str]:
    """The prefilter's keywords that hold digits, their digits as 0 (the form digit-blind keys have)."""
    return [w.translate(_ZERO) for w in kb_prefilter.words if any(ch.isdigit() for ch in w)]


_ZERO = str.maketrans("0123456789", "0000000000")


def _hex_lines(
    analysis: Any,
    kb_prefilter: Any,
    data: bytes,
    nl: bytes,
    keys: List[bytes],
    classes: List[Any],
    kinds: bytearray,
    span: Any,
    exact: bool,
) -> None:
    """Lines with `0x...` ids and no class of their digit-blind key, whose class blind to their hex
    ids (classes.lookup) is known, quiet or settled: marked in `kinds` (their class in `classes`).
    Such a class holds for a line only when the line has exactly its keywords (hex digits may spell
    some). They are its keywords when no keyword in the line touches the hex digits of an id and
    the class's own key holds exactly its keywords, none of them touching its ids nor holding a
    digit (_plain_hex): then the line holds the keywords its key holds. Otherwise the prefilter
    reads the line's keywords, in one pass over such lines joined."""
    known, settled = analysis.kb.line_classes, analysis._settled
    unsure: List[int] = []
    lines = _unclassed_hex(keys, classes)  # residual lines without a class whose ids are known exactly
    if not exact:
        lines = [i for i in lines if line_classes.exact_keywords(data[slice(*span(i))])]
    if not lines:
        return
    raws = [data[a:b] for a, b in map(span, lines)]
    joined = nl.join(raws)
    hex_keys = line_classes.hex_zeroed(joined).split(nl)  # in one pass (a line holds no line end)
    touching = _touching_lines(joined, nl, kb_prefilter)
    hex_classes = list(map(known.get, [("hex", k) for k in hex_keys]))
    verdict: Dict[Any, Any] = {}  # per class: None (no class), else (its key holds its keywords plainly, the kind of its lines)
    for cls, hex_key in dict(zip(hex_classes, hex_keys)).items():
        verdict[cls] = None if cls is None or cls.found is None else (_plain_hex(cls, hex_key, kb_prefilter), _kind(cls, settled))
    for j, (i, cls) in enumerate(zip(lines, hex_classes)):
        v = verdict[cls]
        if v is None:
            continue
        if not v[0] or j in touching:
            unsure.append(i)
        elif v[1] is not None:
            kinds[i], classes[i] = v[1], cls
    if not unsure:
        return
    sub = Block(b"".join([data[a:b] + nl for a, b in map(span, unsure)]), 1, nl, len(unsure))
    for line_no, raw, found in analysis.prefilter.candidates(sub):
        if found is None:
            continue
        cls = known.get(line_classes.hex_key_of(raw))
        if cls is not None and cls.found == found:
            _take(unsure[line_no - 1], cls, settled, kinds, classes)


def _unclassed_hex(keys: List[bytes], classes: List[Any]) -> List[int]:
    """The lines without a class (all residual) whose key holds `0x` or `0X`, in order: C-level maps
    and `compress`, not a Python step per residual line (a verbose log has ~28,000 per 50 MB)."""
    none = list(compress(range(len(classes)), map(operator.is_, classes, repeat(None))))
    of = list(map(keys.__getitem__, none))
    found = set(compress(none, map(operator.contains, of, repeat(b"0x"))))
    found.update(compress(none, map(operator.contains, of, repeat(b"0X"))))
    return sorted(found)


def _take(i: int, cls: Any, settled: Dict[Any, Any], kinds: bytearray, classes: List[Any]) -> None:
    """Line i belongs to `cls` (a hex-blind class): marked QUIET, SETTLED, COUNTED or LISTS where it is one."""
    kind = _kind(cls, settled)
    if kind is not None:
        kinds[i], classes[i] = kind, cls


def _kind(cls: Any, settled: Dict[Any, Any]) -> Optional[int]:
    """QUIET, SETTLED, COUNTED or LISTS for the lines of a (hex-blind) class that is one, else None."""
    if cls.quiet:
        return QUIET
    done = settled.get(cls)
    if done is None:
        return None
    return LISTS if cls.fact_keys[1] else SETTLED if done[0] is None else COUNTED


def _plain_hex(cls: Any, key: bytes, kb_prefilter: Any) -> bool:
    """Does the hex-blind class's key hold exactly its keywords (cls.found), none of which touches
    its ids' hex digits (as 0s) or holds a digit? Then a line of it whose keywords touch no hex
    digit has exactly the class's keywords. Decided once per class."""
    if cls.plain_hex is None:
        found = [f for _, _, f in kb_prefilter.candidates(Block(key + b"\n", 1, b"\n", 1))]
        cls.plain_hex = (
            b"\n" not in key
            and bool(cls.found)
            and found == [cls.found]
            and not _touches_hex(key, kb_prefilter)
            and not _has_digit_keyword(key, kb_prefilter)
        )
    return cls.plain_hex


def _touches_hex(line: bytes, kb_prefilter: Any) -> bool:
    """May a keyword of the prefilter be in `line` where it holds a hex digit of a `0x...` id (as
    classes.hex_key_of finds them)? Exactly: one that starts inside an id (its hex-digit head ends
    the id, the rest follows it), one of hex digits inside an id, or one that holds the id's `x` and
    the digit after it. ASCII case-insensitive, as the prefilter."""
    built = getattr(kb_prefilter, "_touches_hex", None)
    if built is None:
        built = kb_prefilter._touches_hex = _hex_touching(kb_prefilter.words)
    after, inside, across = built
    low = None
    for m in line_classes._HEX_ID.finditer(line):
        low = line.lower() if low is None else low
        start, end = m.start(), m.end()
        for head, rest in after.get(low[end : end + 1], ()):
            if low.startswith(rest, end) and low.endswith(head, start + 2, end):
                return True
        for word in inside:
            if low.find(word, start + 2, end) >= 0:
                return True
        for word, at in across:
            if start - at >= 0 and low.startswith(word, start - at):
                return True
    return False


def _touching_lines(joined: bytes, nl: bytes, kb_prefilter: Any) -> set:
    """The indices of the lines (joined by `nl`) where a keyword may touch an id's hex digits: at
    least those _touches_hex finds (one regex pass over all of them instead of a Python loop per
    id; it may also name a line whose `0x` is no id's start, which then only costs a prefilter
    pass). A match never spans a line end: keywords, ids and hex digits hold none.

    With Hyperscan the same pattern, caseless on `joined` (ASCII case, as lower() maps it), reports
    every match's end: the lines holding one are those where the regex finds one (a match in a
    line starts where the regex would look once the line's earlier matches end, or overlaps one),
    at ~3x the regex's speed (a verbose log's ~28,000 id lines per 50 MB: ~30 ms with the regex)."""
    built = getattr(kb_prefilter, "_touch_regex", None)
    if built is None:
        after, inside, across = _hex_touching(kb_prefilter.words)
        tails = [(head + rest).decode("utf-8") for pairs in after.values() for head, rest in pairs] + [
            w.decode("utf-8") for w in inside
        ]
        parts = [b"0x[0-9a-f]*(?:" + trie_pattern(tails) + b")"] if tails else []
        parts += [trie_pattern([w.decode("utf-8") for w, _ in across])] if across else []
        source = b"|".join(parts)
        hs = pattern_db(source) if parts and kb_prefilter.engine == "hyperscan" else None
        built = kb_prefilter._touch_regex = (compile_re(source) if parts else None, hs)  # (from the cache: ~5 ms)
    pattern, hs = built
    if pattern is None:
        return set()
    if hs is not None:
        ends: List[int] = []
        hs.scan(joined, match_event_handler=lambda _i, _f, to, _fl, _c: ends.append(to - 1))  # (its last byte)
        return set(accumulate(map(joined.count, repeat(nl), [0, *ends[:-1]], ends)))
    low = joined.lower()
    found, at, line = set(), 0, 0
    for m in pattern.finditer(low):
        line += low.count(nl, at, m.start())
        at = m.start()
        found.add(line)
    return found


def _hex_touching(words: List[str]) -> Tuple[Dict[bytes, List[Tuple[bytes, bytes]]], List[bytes], List[Tuple[bytes, int]]]:
    """The prefilter's keywords (lower case) that may touch an id's hex digits, for _touches_hex:
    (by the first byte after the id: (hex-digit head, the rest)), those of hex digits only, and
    (word, where the id's `0` is in it: -1 when the word starts at its `x`)."""
    after: Dict[bytes, List[Tuple[bytes, bytes]]] = {}
    inside: List[bytes] = []
    across: List[Tuple[bytes, int]] = []
    for text in words:
        w = text.encode("utf-8")
        n = 0
        while n < len(w) and w[n : n + 1] in _HEX_BYTES:
            n += 1
        if n == len(w):
            inside.append(w)
        elif n:
            after.setdefault(w[n : n + 1], []).append((w[:n], w[n:]))
        if w[:1] == b"x" and w[1:2] in _HEX_BYTES:
            across.append((w, -1))
        at = w.find(b"0x")
        while at >= 0:
            if w[at + 2 : at + 3] in _HEX_BYTES:
                across.append((w, at))
            at = w.find(b"0x", at + 1)
    return after, inside, across


_HEX_BYTES = {bytes([c]) for c in b"0123456789abcdef"}


def _replay(analysis: Any, since: bool, last: Optional[tuple]) -> None:
    """What fast lines do in file order: reset the traceback tracker, name the last hit."""
    if since:
        analysis._tb.other_line()
    if last is not None:
        analysis._last_hit = last
