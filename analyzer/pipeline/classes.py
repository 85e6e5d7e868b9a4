"""Lines equal up to their digits, classified once.

TF repeats its messages with other steps, ids, sizes, times, thread ids and ranks
(`[1,3]<stderr>:`). Two such lines differ only in which digits they hold, so their
key here is the raw line with every ASCII digit turned into `0` (same length, same
positions). A class records, once, what every line of it yields, and the engine applies
that to each line in a few operations instead of parsing, matching and masking it again.

Why a verdict found on the key holds for every line of its class: a regex that treats all
digits alike (it writes them `\\d`, `\\w`, `.`, never as a literal `7` or a class `[0-5]`:
"digit-agnostic") matches a line exactly when it matches the line's key, at the same
positions. The prefix parser (`parse.classify`), `mask()` (given no `0x` in the message)
and most rule and fact patterns are digit-agnostic. A pattern that is not (it names
`libcudnn.so.8`) is widened to its digit-agnostic superset (`generalize`: each literal digit
becomes `\\d`); when the superset does not match the key, the pattern matches no line of the
class. Anything the class cannot decide for all its lines (a non-agnostic pattern whose
superset matches, an error that no rule explains, a traceback line, a long line, a BFC
allocator figure) makes it `SLOW`: its lines take the engine's ordinary path, line by line.

Verbose logs also vary in hex ids (`cudaMalloc ... at 0x7f3a2c000000`). An info line of TF's C++
log with ids in its message has a second key blind to their hex digits too (`build(hex_ids=True)`:
every pattern judged by its hex-agnostic superset, supersets.py, none decided as a match); where
that class cannot be made, the line keeps its digit-blind one.

What a line's values change (a rule's captured groups, a fact's value) is read from the
line itself, by only the patterns that matched its key. Tests compare reports with and
without classes (tests/test_perf_equivalence.py, including a property test).
"""

from __future__ import annotations

import operator
import os
import re
from functools import cache
from itertools import compress, repeat
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from analyzer.core.cache import REGEX_V0, compile_re
from analyzer.kb.rules import KnowledgeBase, Rule
from analyzer.kb.rules import mask_cached as mask

from .facts import _PLATFORM, _STATS_KEY, PATTERNS, FactCollector, LineFacts, proposed
from .parse import _ABSL, _TSL, CONTEXT_LITERAL, IMPORT_STATEMENT, classify, clean, repl_prompt
from .supersets import _agnostic, _wide, may_match

DIGITS = bytes.maketrans(b"0123456789", b"0000000000")
MAX_LEN = 1000  # longer lines are not classified (bounded memory; rules on long lines use timeouts)
MAX_CLASSES = 12288  # classes (and NOT_CANDIDATE marks) kept per knowledge base; when full, see make_room (~0.5 KB each)
SLOW: Any = None  # a class whose lines take the ordinary path (stored as None)
_NODE_STACK = "defined at (most recent call last)"  # parse.TracebackTracker acts on it
_HEX = compile_re(r"0[xX]")
# lines facts.FactCollector._section_value reads with state (a header, the version it names, a version alone)
_VERSION_LINES = (FactCollector._SECTION, FactCollector._BARE_VERSION, FactCollector._GIT_VERSION)


_UNBUILT: Any = object()  # a class not built yet
PLAIN_FIRST = 64  # lines of a process that take the ordinary path where their class is not built yet (see _plain_first)
_plain_left = PLAIN_FIRST
_CHANGED_BY_CLEAN = compile_re(rb"[\x00\x1b\r]")  # bytes clean() removes, or rewrites the line at


def lookup(kb: KnowledgeBase, raw: bytes, found: Optional[Set[str]] = None) -> Optional[LineClass]:
    """The class of a raw line (built on first sight), or None: the line takes the ordinary path.
    `found`: the prefilter's keywords in the line, when it knows them."""
    if len(raw) > MAX_LEN:
        return None
    classes = kb.line_classes
    key = raw.translate(DIGITS)
    exact = None
    if found is not None and exact_keywords(raw):
        exact = found
        if key.find(b"0x") >= 0 or key.find(b"0X") >= 0:  # hex ids: first the class blind to them too, when there is one
            hex_key = hex_key_of(raw)
            cls = classes.get(hex_key, _UNBUILT)
            if cls is _UNBUILT:
                if _plain_first():
                    return None
                if len(classes) >= MAX_CLASSES:
                    make_room(classes)
                cls = classes[hex_key] = built(kb, hex_key, exact)
            if cls is not SLOW and cls.found == found:
                return cls
    cls = classes.get(key, _UNBUILT)
    if cls is _UNBUILT or cls is NOT_CANDIDATE:  # (a line of a key marked so is one after all: see NOT_CANDIDATE)
        if _plain_first():
            return None
        if len(classes) >= MAX_CLASSES:
            make_room(classes)
        cls = classes[key] = built(kb, key, exact)
    return cls


def _plain_first() -> bool:
    """Should a line whose class is not built yet take the ordinary path instead? For the first
    PLAIN_FIRST such lines of a process: a class costs more to build (~0.5 ms with its first regex
    compilations) than its line costs on the ordinary path, and a small log's lines seldom repeat
    (~5 ms of a ~60 ms start-up on sample_logs/cudnn_missing.log). Either path has the same effects
    (tests/test_perf_equivalence.py), so a class built later for such a key changes nothing."""
    global _plain_left
    if _plain_left <= 0:
        return False
    _plain_left -= 1
    return True


# --- classes kept between runs -------------------------------------------------------------------

STORE_AFTER = 64  # class builds in a process before the disk store is read or written (see built)
_builds = 0
_stores: Dict[str, Any] = {}
_SLOW_MARK = 0  # a SLOW class in the store


def built(kb: KnowledgeBase, key: Any, found: Optional[Set[str]]) -> Optional[LineClass]:
    """build() for a digit-blind key (bytes) or a hex-blind one (hex_key_of), or the class an
    earlier run built for the same key with the same rules and code (the disk store, a
    core.cache.Store): a verbose log's thousands of classes, ~90 us each to build, would otherwise be
    built again on every run. A stored class is what this process would have built: build() depends
    only on the key, the rules and `found`, and a process that analyses log after log (the API, the
    server) reuses the first-built class for a key just so. Only past STORE_AFTER builds in the
    process: a small log's start-up neither reads nor writes the store."""
    global _builds
    store = _store(kb)
    if store is not None:
        got = store.get(key)
        if got is not None:
            cls = _decoded(kb, got)
            if cls is not _UNBUILT:
                return cls
    _builds += 1
    if isinstance(key, tuple):
        cls = build(kb, key[1], found, hex_ids=True)
    else:
        cls = build(kb, key, found)
    if store is not None:
        store.put(key, cls)  # encoded at exit (_encoded), with what pipeline.bulk has learnt of it by then
    return cls


def stored(kb: KnowledgeBase, keys: List[bytes], found: List[Any]) -> None:
    """`found` (the classes of `keys`, None where none is known) with the classes of keys never seen in
    this process taken from the disk store (see built), added to kb.line_classes as lookup would:
    pipeline.bulk then counts their lines in bulk on a later run, as in a process that built them."""
    store = _store(kb)
    if store is None:
        return
    classes = kb.line_classes
    missing = list(compress(range(len(found)), map(operator.is_, found, repeat(None))))  # in C, not a step per line
    first = dict(zip(reversed(list(map(keys.__getitem__, missing))), reversed(missing)))  # each key's first line
    got_all = store.get_many(first)  # most are absent (a hex id's line): looked up without a Python step each
    hits = sorted(compress(zip(first.values(), got_all), map(operator.is_not, got_all, repeat(None))))
    for i, got in hits:  # (in file order; each key once)
        key = keys[i]
        if len(key) > MAX_LEN or key in classes:
            continue  # (a SLOW class is None too)
        cls = _decoded(kb, got)
        if cls is _UNBUILT:
            continue
        if len(classes) >= MAX_CLASSES:
            make_room(classes)
        classes[key] = found[i] = cls


def restore(kb: KnowledgeBase, key: bytes, cls: LineClass) -> None:
    """Store the class of `key` again, now with pipeline.bulk's `candidate` verdict (a function of the
    key and the prefilter's keywords, which the store's key covers), when the store is in use and
    does not hold it so already: a later run builds its first STORE_AFTER classes afresh, and storing
    those again would rewrite the whole store at exit (~1 MB for a verbose log) on every run."""
    store = _store(kb)
    if store is not None and kb.line_classes.get(key) is cls:
        if store.get(key) == _encoded(kb, cls):
            return
        store.put(key, cls)


def _store(kb: KnowledgeBase) -> Any:
    """The disk store of `kb`'s classes, or None: fewer than STORE_AFTER builds in this process (a small
    log's start-up), rules not loaded through the cache (no key), a user's rule (it keeps a timeout and
    may be disabled mid-run), or a rule disabled in this process."""
    key = getattr(kb, "cache_key", None)
    if _builds < STORE_AFTER or key is None or kb._rule_disabled:
        return None
    store = _stores.get(key)
    if store is None:
        if not all(r.vetted for r in kb.rules):
            return None
        from analyzer.core.cache import Store, digest, installed

        def store_key() -> str:
            """The rules' key, the packages and the code that build a class and bulk's verdict on it (a
            change to any of them builds them afresh): regex (fact and rule patterns), rapidfuzz (a
            warning's fuzzy match), hyperscan where installed (the scanner `auto` picks)."""
            try:
                hs = installed("hyperscan")
            except LookupError:
                hs = "no hyperscan"
            scanner = os.environ.get("TFLOG_SCANNER", "")
            h = digest(f"{key} line classes {scanner} {installed('regex')} {installed('rapidfuzz')} {hs}".encode())
            here = os.path.dirname(os.path.abspath(__file__))
            for name in _CODE:
                with open(os.path.join(here, name), "rb") as f:
                    h.update(f.read())
            return h.hexdigest()

        store = _stores[key] = Store("classes", store_key, max_entries=MAX_CLASSES, encode=lambda cls: _encoded(kb, cls))
    return store


# The modules build() runs (pipeline/ relative; core/cache.py compiles its patterns and keeps fuzzy
# scores), and those of bulk's `candidate` verdict stored with a class (bulk.candidate, the prefilter
# engine._prefilter_for makes, scan.py, reader.Block): the store's key holds their source.
# tests/test_perf_equivalence.py traces build() and candidate() to keep this list whole.
_CODE = (
    "classes.py", "facts.py", "parse.py", "supersets.py", "../kb/rules.py", "../core/normalize.py",
    "../core/cache.py", "bulk.py", "engine.py", "scan.py", "reader.py",
)  # fmt: skip


def _encoded(kb: KnowledgeBase, cls: Any) -> Any:
    """A class as plain data (marshal) for the store: rules by their index in kb.rules; None when
    it holds something that is not plain (a Match kept in a plan: never, after build())."""
    if cls is SLOW:
        return _SLOW_MARK
    index = kb._class_rule_index
    if index is None or len(index) != len(kb.rules):
        index = kb._class_rule_index = {id(r): i for i, r in enumerate(kb.rules)}

    def plan(p: Plan) -> Any:
        if any(m is not SURE and m is not UNSURE for _, m, _ in p):
            return None
        return tuple((index[id(r)], m is SURE, kw) for r, m, kw in p)

    on_message, on_text = plan(cls.on_message), plan(cls.on_text)
    if on_message is None or on_text is None:
        return None
    fuzzy = cls.fuzzy
    if fuzzy is not None and fuzzy is not UNSURE:
        fuzzy = (index[id(fuzzy[0])], fuzzy[1])
    lf = cls.facts
    platform = lf._platform if lf._platform is not LineFacts else 0  # 0: not looked for yet
    return (
        cls.start, cls.end, cls.level, on_message, on_text, cls.group_keys,
        1 if fuzzy is UNSURE else fuzzy, cls.masked,
        (lf.proposals, lf.stats, lf.stats_header, lf.stats_word, platform),
        cls.fact_patterns, cls.fact_tries, cls.own_platform, cls.quiet, cls.fact_keys, cls.found, cls.candidate,
        cls.id_masked,
    )  # fmt: skip


def _decoded(kb: KnowledgeBase, data: Any) -> Any:
    """The class _encoded stored (SLOW for its mark), or _UNBUILT for data that does not fit these rules."""
    if data == _SLOW_MARK:
        return SLOW
    try:
        rules = kb.rules
        cls = LineClass()
        (cls.start, cls.end, cls.level, on_message, on_text, group_keys, fuzzy, masked, facts,
         cls.fact_patterns, cls.fact_tries, cls.own_platform, cls.quiet, fact_keys, cls.found, cls.candidate,
         id_masked) = data  # fmt: skip
        cls.id_masked = (_shared(id_masked[0]), id_masked[1]) if id_masked is not None else None
        cls.on_message = tuple((rules[i], SURE if sure else UNSURE, kw) for i, sure, kw in on_message)
        cls.on_text = tuple((rules[i], SURE if sure else UNSURE, kw) for i, sure, kw in on_text)
        cls.group_keys = _shared(group_keys) if group_keys else ()
        cls.fuzzy = UNSURE if fuzzy == 1 else None if fuzzy is None else (rules[fuzzy[0]], fuzzy[1])
        cls.masked = _shared(masked) if masked is not None else None
        cls.fact_keys = _shared(fact_keys) if fact_keys is not None else None
        lf = LineFacts.__new__(LineFacts)
        lf.proposals, lf.stats, lf.stats_header, lf.stats_word, platform = facts
        lf._platform = LineFacts if platform == 0 else platform
        if not cls.own_platform and lf.stats is None and not lf.proposals:  # as build() shares them
            lf = _shared(("facts", lf.stats_header, lf.stats_word, lf._platform), lf)
        cls.facts = lf
    except (ValueError, TypeError, IndexError):
        return _UNBUILT
    return cls


def make_room(classes: Dict[Any, Any]) -> None:
    """Room in a full class table: first drop its NOT_CANDIDATE marks (a verbose log's keys without
    keywords keep coming: dropping the built classes with them meant building them all again, twice
    on a 1 GB verbose log), empty it only when they are under a quarter of it. Either only forgets."""
    marks = [k for k, v in classes.items() if v is NOT_CANDIDATE]
    if len(marks) * 4 < len(classes):
        classes.clear()
        return
    for k in marks:
        del classes[k]


_HEX_ID = compile_re(rb"0[xX][0-9a-fA-F]+")
_HTML_ENTITY = compile_re(rb"&(?:#\d+|#x[0-9a-fA-F]+|[a-z]+);")  # any entity's shape, digits blind or not
_HEX_ID_SPLIT = compile_re(rb"(0[xX][0-9a-fA-F]+)")
_HEX_ZERO = bytes.maketrans(b"0123456789abcdefABCDEF", b"0" * 22)  # an id's `0x` stays (x is no hex digit)


def hex_key_of(raw: bytes) -> Tuple[str, bytes]:
    """The key of the class blind to the hex digits of a line's `0x...` ids as well (see build)."""
    return ("hex", hex_zeroed(raw))


def hex_zeroed(data: bytes) -> bytes:
    """`data` with every digit and the hex digits of its `0x...` ids as 0 (hex_key_of's key; for
    lines joined, the keys joined: an id never spans a line end). A split and a translate per id,
    not a Python call per id."""
    parts = _HEX_ID_SPLIT.split(data)
    parts[1::2] = [p.translate(_HEX_ZERO) for p in parts[1::2]]
    return b"".join(parts).translate(DIGITS)


def exact_keywords(raw: bytes) -> bool:
    """Are the prefilter's keywords in this raw line exactly those of its cleaned text (see lookup)?"""
    return raw.isascii() and not _CHANGED_BY_CLEAN.search(raw)


def enabled() -> bool:
    """Classes are on unless TFLOG_LINE_CLASSES=0 (the plain path, for comparisons)."""
    return os.environ.get("TFLOG_LINE_CLASSES", "1") != "0"


# --- a rule on a class ---------------------------------------------------------------------------

UNSURE: Any = object()  # the class cannot decide: each of its lines is looked at
SURE: Any = object()  # in a Plan: the rule matches every line of the class (the key's Match is not kept)
_CLASS_DIGITS: Dict[str, bool] = {}


def _rule_on(rule: Rule, text: str, hex_ids: bool = False, low: Optional[str] = None) -> Any:
    """The rule's match on a key text (a Match: every line of the class matches it, with the
    same groups present), None (no line of the class matches it), or UNSURE. `hex_ids`: the
    class is blind to hex ids too (never a Match then: each line is tried where one may match).
    `low`: the whole key text lower-cased, when `text` is part of an ASCII key (see may_match)."""
    if rule.disabled:
        return None
    if not rule.vetted:
        return UNSURE  # a user's rule keeps its timeout and may be disabled mid-run: line by line
    if hex_ids:
        for s in rule.sources:
            wide = _wide(s, REGEX_V0, True)
            if wide is None or (low is None or may_match(wide, low, True)) and wide.search(text):
                return UNSURE
        return None
    for i, s in enumerate(rule.sources):  # in order: the first source that matches gives the groups
        if _agnostic(s):
            m = rule.patterns[i].search(text)
            if m:
                return m  # the sources before it match no line of the class
            continue
        wide = _wide(s, REGEX_V0)
        if wide is None or (low is None or may_match(wide, low, True)) and wide.search(text):
            return UNSURE
    return None


def _keyword_index(kb: KnowledgeBase) -> Tuple[List[str], List[Tuple[str, str]]]:
    """(digit-free rule keywords, [(keyword holding a digit, the same with its digits as 0)])."""
    built = kb._class_keywords
    if built is None or built[0] is not kb.keywords:
        zero = str.maketrans("0123456789", "0000000000")
        plain, digits = [], []
        for k in kb.rules_by_keyword:  # ~1,000 keywords, once per process
            if _has_digit(k):
                digits.append((k, k.translate(zero)))
            else:
                plain.append(k)
        built = (kb.keywords, (plain, digits))
        kb._class_keywords = built
    return built[1]


_ONE_DIGIT_AS_0 = str.maketrans("123456789", "000000000")


def _has_digit(word: str) -> bool:
    """any(ch.isdigit() for ch in word), without a generator step per character for ASCII words."""
    if word.isascii():
        return "0" in word.translate(_ONE_DIGIT_AS_0)
    return any(ch.isdigit() for ch in word)


def _any_of(words: Iterable[str]) -> Optional[re.Pattern]:
    """A regex that finds any of `words` (a substring test in one call), None for no words."""
    words = sorted(set(words))
    return compile_re("|".join(map(re.escape, words))) if words else None


Plan = Tuple[Tuple[Rule, Any, bool], ...]
# (rule, its Match on the key (SURE once the class is built) or UNSURE, whether the line must hold
# one of its keywords), in file order, ending at the first sure match if there is one.


def _rule_candidates(
    kb: KnowledgeBase, low: str, found: Optional[Iterable[str]], hex_ids: bool = False
) -> List[Tuple[Rule, bool]]:
    """The candidate rules of a class's lines, in file order, each with whether it is one only for
    lines that hold a keyword with a digit (see _rule_plan). The same for its message and its text."""
    if hex_ids:
        return [(r, False) for r in kb.candidate_rules(low, found)]
    plain, digits = _keyword_index(kb)
    if found is None:
        sure_kw = [k for k in plain if k in low]
    else:
        sure_kw = [k for k in found if k in kb.rules_by_keyword and not _has_digit(k)]
    maybe_kw = [k for k, k0 in digits if k0 in low]  # (27 `in` tests: faster than one regex of them)
    if not maybe_kw:
        return [(r, False) for r in kb.candidate_rules(low, sure_kw)]
    sure = {id(r) for r in kb.candidate_rules(low, sure_kw)}
    return [(r, id(r) not in sure) for r in kb.candidate_rules(low, sure_kw + maybe_kw)]


def _rule_plan(
    kb: KnowledgeBase, target: str, ascii_low: Optional[str], candidates: List[Tuple[Rule, bool]], hex_ids: bool = False
) -> Plan:
    """What KnowledgeBase.match(target, candidates) gives for the lines of a class: the candidate
    rules (_rule_candidates) each line must try in order (UNSURE: try it on the line; a rule admitted
    by a keyword holding a digit only when the line holds such a keyword), up to the first sure match.
    `hex_ids`: every line of the class has exactly the keywords `found` (LineClass.found).
    `ascii_low`: the key's text lower-cased when that text is ASCII (`target` is part of it), else
    None (see may_match)."""
    if hex_ids:
        return tuple((r, UNSURE, False) for r, _ in candidates if _rule_on(r, target, True, ascii_low) is not None)
    plan: List[Tuple[Rule, Any, bool]] = []
    for rule, maybe in candidates:  # in file order
        m = _rule_on(rule, target, False, ascii_low)
        if m is None:
            continue
        plan.append((rule, UNSURE if maybe else m, maybe))
        if not maybe and m is not UNSURE:
            break
    return tuple(plan)


def run_plan(kb: KnowledgeBase, plan: Plan, target: str, text: str) -> Tuple[Optional[Rule], Any]:
    """(rule, its match, or None where the key's match stands) for one line of the class, as
    KnowledgeBase.match(target, candidates) gives it; `text` is the whole line."""
    low = None
    for rule, m, keyword in plan:
        if m is not UNSURE:
            return rule, None
        if keyword:
            low = text.lower() if low is None else low
            if not any(k in low for k in rule.keywords):
                continue  # not a candidate on this line
        hit_rule, hit = kb.match(target, [rule])
        if hit_rule is not None:
            return hit_rule, hit
    return None, None


# --- facts on a class ----------------------------------------------------------------------------


@cache
def _fact_plan() -> Tuple[Tuple[int, FrozenSet[str], Optional[re.Pattern], Any], ...]:
    """For each fact pattern: (index, keywords, a regex finding its keywords with digits as 0 (None
    without keywords), its digit-agnostic superset; None when the pattern is digit-agnostic with
    digit-free keywords; UNSURE when no superset is known)."""
    zero = str.maketrans("0123456789", "0000000000")
    plan = []
    for i, p in enumerate(PATTERNS):
        digit_kw = any(_has_digit(k) for k in p.keywords)
        if _agnostic(p.source) and not digit_kw:
            wide: Any = None
        else:
            wide = _wide(p.source, 0)
            wide = UNSURE if wide is None else wide
        plan.append((i, frozenset(p.keywords), _any_of(k.translate(zero) for k in p.keywords), wide))
    return tuple(plan)


_FACT_PLANS: Dict[Tuple[FrozenSet[str], bool], Tuple[Tuple[int, FrozenSet[str], Optional[re.Pattern], Any], ...]] = {}


def _fact_plan_for(found: Set[str], hex_ids: bool) -> Tuple[Tuple[int, FrozenSet[str], Optional[re.Pattern], Any], ...]:
    """_fact_plan's patterns whose keywords may be in a line with the prefilter's keywords `found`
    (the others would `continue` in _class_facts), remembered per keyword set: a log has few.

    A widened pattern's keyword test (`zeroed`, on each key) is decided here where `found` decides it
    (lookup: every line of the class has exactly the keywords `found`, up to the digits in them):
    a keyword without digits in `found` is in every line (no test: None), one not in `found` is in
    none, so only its keywords with digits are left to search for (digits as 0), if it has any."""
    key = (frozenset(found), hex_ids)
    plan = _FACT_PLANS.get(key)
    if plan is None:
        no_keywords, by_keyword, widened = _fact_index()
        idx = set(no_keywords) if hex_ids else set(no_keywords + widened)
        for k in found:
            idx.update(by_keyword.get(k, ()))
        entries = []
        for i in sorted(idx):
            entry = _fact_plan()[i]
            if not hex_ids and entry[2] is not None and entry[3] is not None:
                plain, digits = _keywords_split(i)
                if not plain.isdisjoint(found):
                    entry = (i, entry[1], None, entry[3])
                elif digits is None:
                    continue
                else:
                    entry = (i, entry[1], digits, entry[3])
            entries.append(entry)
        if len(_FACT_PLANS) >= 4096:
            _FACT_PLANS.clear()
        plan = _FACT_PLANS[key] = tuple(entries)
    return plan


@cache
def _fact_index() -> Tuple[Tuple[int, ...], Dict[str, Tuple[int, ...]], Tuple[int, ...]]:
    """(fact patterns without keywords, those of each keyword, those _class_facts widens) by index."""
    by_keyword: Dict[str, List[int]] = {}
    for i, keywords, _, _ in _fact_plan():
        for k in keywords:
            by_keyword.setdefault(k, []).append(i)
    plan = _fact_plan()
    return (
        tuple(i for i, keywords, _, _ in plan if not keywords),
        {k: tuple(v) for k, v in by_keyword.items()},
        tuple(i for i, _, _, wide in plan if wide is not None),
    )


def _class_facts(text: str, message: str, low: str, found: Optional[Set[str]], hex_ids: bool = False) -> Any:
    """(LineFacts of the key, indices of PATTERNS that matched it, of PATTERNS each line must
    try itself, whether each line must look for its platform itself), or UNSURE. `hex_ids`: as
    for _rule_plan (then no pattern is decided for the class: each that may match is tried)."""
    matched, tried = [], []
    ascii_text = text.isascii()
    plan = _fact_plan()
    if found is not None:  # only the patterns whose keywords may be there (the others `continue` below)
        plan = _fact_plan_for(found, hex_ids)
    for i, keywords, zeroed, wide in plan:
        if hex_ids:
            if keywords and found is not None and keywords.isdisjoint(found):
                continue
            if _hex_may(PATTERNS[i].source, text, low=low):
                tried.append(i)
        elif wide is None:
            if keywords and (keywords.isdisjoint(found) if found is not None else not any(k in low for k in keywords)):
                continue  # digit-free keywords: absent from every line of the class
            if PATTERNS[i].search(text):  # (its keywords are there: no may_match first)
                matched.append(i)
        elif zeroed is not None and not zeroed.search(low):
            continue
        elif wide is UNSURE or may_match(wide, low, ascii_text) and wide.search(text):
            tried.append(i)
    lf = LineFacts(text, message, low, ())  # its stats and platform; proposals are each line's
    if lf.stats is not None:
        return UNSURE  # a BFC allocator figure: its value and its neighbours matter
    if hex_ids and (_hex_may(_STATS_KEY.source, message, "match") or _hex_may("Stats:", message)):
        return UNSURE
    own_platform = False
    for p, _name in _PLATFORM:
        if hex_ids:
            own_platform = own_platform or _hex_may(p.source, text, low=low)
        elif not _agnostic(p.source):
            wide = _wide(p.source, 0)
            if wide is None or may_match(wide, low, ascii_text) and wide.search(text):
                own_platform = True
    if not own_platform:
        lf.platform(text)
    lf.proposals = ()
    return lf, tuple(matched), tuple(tried), own_platform


@cache
def _keywords_split(i: int) -> Tuple[FrozenSet[str], Optional[re.Pattern]]:
    """PATTERNS[i]'s keywords without digits, and a regex finding those with digits (digits as 0)."""
    zero = str.maketrans("0123456789", "0000000000")
    keywords = PATTERNS[i].keywords
    return frozenset(k for k in keywords if not _has_digit(k)), _any_of(k.translate(zero) for k in keywords if _has_digit(k))


def _hex_may(source: str, text: str, how: str = "search", flags: int = 0, low: Optional[str] = None) -> bool:
    """May `source` match (`how`: search or match) a line that differs from `text` in hex digits?
    `low`: `text` lower-cased, when known (see may_match)."""
    wide = _wide(source, flags, True)
    if wide is None:
        return True
    if low is not None and not may_match(wide, low, text.isascii()):
        return False
    return getattr(wide, how)(text) is not None


def line_facts(cls: LineClass, text: str) -> LineFacts:
    """The LineFacts of one line of the class: the key's, with this line's own values."""
    if not (cls.fact_patterns or cls.fact_tries or cls.own_platform):
        return cls.facts
    proposals: List[Tuple[str, str, int]] = []
    if cls.fact_patterns or cls.fact_tries:
        low = text.lower() if cls.fact_tries else ""
        for i in sorted(cls.fact_patterns + cls.fact_tries) if cls.fact_tries else cls.fact_patterns:
            p = PATTERNS[i]
            if i in cls.fact_tries and not p.may_match(low):
                continue
            m = p.search(text)
            if m:
                proposals += proposed(m, p.rank_at(text, m.start()))
    lf = cls.facts.copy()
    lf.proposals = tuple(proposals)
    if cls.own_platform:
        lf._platform = LineFacts  # not looked for yet: this line's own text decides
    return lf


def _fact_keys(cls: LineClass, text: str) -> Any:
    """(the (fact, rank) pairs a line of the class may set, the (list fact, span) of each value it
    may add to a list), read from the key's matches: every line matches each of cls.fact_patterns
    with the same groups at the same places. None when what a line sets depends on its values in
    other ways (a platform of its own, a package list, a list value from a pattern tried per line).
    A pattern tried per line may set any of its groups."""
    if cls.own_platform or cls.facts.stats_header:
        return None
    keys: List[Tuple[str, int]] = []
    lists: List[Tuple[str, int, int]] = []
    for i in cls.fact_tries:
        p = PATTERNS[i]
        names = set(p.regex.groupindex)
        if names & {"missing", "loaded", "pkg_name"}:
            return None
        names |= {"compute_capability"} if "_cc_major" in names else set()
        keys += [(name, p.rank) for name in names if not name.startswith("_")]
    for i in cls.fact_patterns:
        p = PATTERNS[i]
        m = p.search(text)
        if m is None:
            return None
        groups = [k for k, v in m.groupdict().items() if v]
        for name in groups:
            if name == "pkg_name":
                return None
            if name in ("missing", "loaded"):  # facts._propose: the library, and the CUDA or cuDNN it shows
                lists.append((f"{name}_libraries", *m.span(name)))
                keys += [("cuda_runtime" if name == "loaded" else "cuda_wanted", p.rank)]
                keys += [("cudnn_runtime", 70)] if name == "loaded" else []
            elif name == "_cc_major":
                keys.append(("compute_capability", p.rank))
            elif not name.startswith("_"):
                keys.append((name, p.rank))
    return tuple(keys), tuple(lists)


def settles(cls: LineClass, collector: FactCollector, text: str) -> bool:
    """Do the facts of every further line of the class change nothing? True when each fact it may
    set is already known at a rank as good or better (a fact's rank only improves, so this stays
    true), and its platform hint, if any, too; a value it adds to a list is checked per line
    (lists_known)."""
    if cls.fact_keys is None:
        return False
    rank = collector._rank
    if cls.facts.platform(text) is not None and rank.get("platform", 99) > 10:
        return False
    return all(k in rank and rank[k] <= r for k, r in cls.fact_keys[0]) and lists_known(cls, collector, text)


def lists_known(cls: LineClass, collector: FactCollector, text: str) -> bool:
    """Are the list values this line of the class states already listed (or the lists full)?"""
    for key, a, b in cls.fact_keys[1]:
        items = collector.values.get(key)
        if not isinstance(items, list) or (text[a:b] not in items and len(items) < collector.MAX_LIST):
            return False
    return True


def _hex_class_fits(text: str, level: Optional[str], start: int, found: Optional[Set[str]]) -> bool:
    """May the key `text` stand for lines that differ in their hex ids (see build)?"""
    if found is None or level != "I" or start <= 0:
        return False
    if not (_ABSL.match(text) or _TSL.search(text)):
        return False  # not the C++ log's prefix: the parse may read further into the line
    return all(m.start() >= start for m in _HEX_ID_TEXT.finditer(text))


_HEX_ID_TEXT = compile_re(r"0[xX][0-9a-fA-F]+")


def _ids_masked_whole(message: str) -> bool:
    """Does mask()'s `<HEX>` take each `0x` id of this (hex-blind) message whole, whatever its hex
    digits, with nothing before it reaching into one? A lower-case `0x` with a non-word character on
    each side, not a `.` or `,` before it nor a `-` after it (the timestamp mask, the only one before
    `<HEX>`, cannot then touch it): every later mask sees `<HEX>`. (See masked_by_ids.)"""
    for m in _HEX_ID_TEXT.finditer(message):
        a, b = m.start(), m.end()
        before, after = message[a - 1 : a], message[b : b + 1]
        if message[a + 1] != "x" or before.isalnum() or before in ("_", ".", ",") or after.isalnum() or after in ("_", "-"):
            return False
    return True


def masked_by_ids(cls: LineClass, message: str) -> Optional[str]:
    """mask(message) for a line of a hex-blind class whose ids mask whole (id_masked), else None (mask
    it per line). The class holds lines with any digit where its key has an id's `0` (`7x12` is no
    id, and masks otherwise): the line's must be `0`s. Then its ids mask as the key's do, and mask is
    blind to digits elsewhere, as for any class. (TF's `XLA service 0x... initialized` line: ~1,700
    per 50 MB training log, each masked anew, ~10 us each.)"""
    got = cls.id_masked
    if got is None:
        return None
    masked, zeros = got
    return masked if all(message[i] == "0" for i in zeros) else None


# --- the class -----------------------------------------------------------------------------------


class LineClass:
    """What every line with one key yields: where its message is, its level, the rules it may
    belong to, its masked message, and its facts."""

    __slots__ = (
        "start",
        "end",
        "level",
        "on_message",
        "on_text",
        "group_keys",
        "fuzzy",
        "masked",
        "facts",
        "fact_patterns",
        "fact_tries",
        "own_platform",
        "quiet",
        "fact_keys",
        "found",
        "candidate",
        "plain_hex",
        "id_masked",
    )

    def __init__(self) -> None:
        self.start = self.end = 0
        self.level: Optional[str] = None
        self.on_message: Plan = ()  # the rules to try on the message (see _rule_plan)
        self.on_text: Plan = ()  # then on the whole line, when no rule matched the message
        self.group_keys: Tuple[str, ...] = ()  # finding facts a sure rule captures (read per line)
        self.fuzzy: Any = UNSURE  # the fuzzy match of a warning no rule explains: (rule, score), None, UNSURE
        self.masked: Optional[str] = None  # mask(message), None when it must be computed per line
        self.facts: Any = None
        self.fact_patterns: Tuple[int, ...] = ()
        self.fact_tries: Tuple[int, ...] = ()
        self.own_platform = False
        self.quiet = False  # nothing to do but count the line: no rule, no fuzzy match, no facts
        self.fact_keys: Any = None  # see _fact_keys and settles
        self.found: Any = None  # a class blind to hex ids: the keywords each of its lines must hold
        self.candidate: Optional[bool] = None  # is every line with its key a prefilter candidate? (pipeline.bulk)
        self.plain_hex: Optional[bool] = None  # a hex-blind class's key holds its keywords plainly (pipeline.bulk)
        self.id_masked: Any = None  # a hex-blind class: (mask(message), where its ids' `0`s are) or None; see masked_by_ids


NOT_CANDIDATE = LineClass()  # in kb.line_classes: no line with this key is a prefilter candidate (pipeline.bulk)
NOT_CANDIDATE.candidate = False


def build(kb: KnowledgeBase, key: bytes, found: Optional[Set[str]] = None, hex_ids: bool = False) -> Optional[LineClass]:
    """The class of lines whose digit-blind form is `key`, or SLOW. `found`: the prefilter's
    keywords in the line, when it knows them exactly.

    `hex_ids`: `key` is also blind to the hex digits of `0x...` ids (lookup). Such a class is made
    only for an info line of TF's C++ log (absl or TSL prefix, whose parse ends in the message,
    `(?P<msg>.*)$`) with its ids in the message; its lines must hold exactly the keywords `found`
    (LineClass.found), and every pattern is judged by its hex-agnostic superset (supersets.py):
    a pattern whose superset does not match the key matches none of its lines; one whose superset
    matches is tried on each line. Otherwise SLOW (the caller then uses the digit-blind class)."""
    # (an HTML entity: clean() decodes it, so the text is no longer the raw line offset for offset, and a
    # numeric one is `&#00;` in the digit-blind key, not the line's `&#39;`)
    if repl_prompt(key) is not None or (b"&" in key and _HTML_ENTITY.search(key)):
        return SLOW  # (an interactive prompt, bare or quoted, whose answer line the engine reads)
    text = clean(key)
    if not text.strip() or (_hex_may(re.escape(_NODE_STACK), text) if hex_ids else _NODE_STACK in text):
        return SLOW
    # facts.FactCollector reads a version a header line names a few lines later: that state is per
    # line, so headers ("### TensorFlow version", "Name: tensorflow") and bare versions go line by line
    if hex_ids:
        if any(_hex_may(p.pattern, text, "match", p.flags) for p in _VERSION_LINES):
            return SLOW
    elif any(p.match(text) for p in _VERSION_LINES):
        return SLOW
    message, level, _source, kind, _exc = classify(text)
    if kind not in ("log", "text") or (kind == "text" and (IMPORT_STATEMENT.match(text) or CONTEXT_LITERAL.match(text))):
        return SLOW  # (an import statement, a string literal IPython shows: the traceback tracker reads them)
    if text.endswith(message):
        end = len(text)
    else:
        end = len(text.rstrip())
        if not text[:end].endswith(message):
            return SLOW
    start = end - len(message)
    if hex_ids and not _hex_class_fits(text, level, start, found):
        return SLOW
    cls = LineClass()
    cls.start, cls.end, cls.level = start, end, level
    low = text.lower()
    facts = _class_facts(text, message, low, found, hex_ids)
    if facts is UNSURE:
        return SLOW
    cls.facts, cls.fact_patterns, cls.fact_tries, cls.own_platform = facts
    if not _HEX.search(message):
        cls.masked = mask(message)
    elif hex_ids and _ids_masked_whole(message):
        cls.id_masked = (_shared(mask(message)), tuple(m.start() for m in _HEX_ID_TEXT.finditer(message)))
    hex_plan = hex_ids and found is not None  # (always, past _hex_class_fits)
    candidates = _rule_candidates(kb, low, found, hex_plan)
    ascii_low = low if text.isascii() else None
    cls.on_message = _rule_plan(kb, message, ascii_low, candidates, hex_plan)
    sure = bool(cls.on_message) and cls.on_message[-1][1] is not UNSURE
    if not sure and message != text:
        cls.on_text = _rule_plan(kb, text, ascii_low, candidates, hex_plan)
        sure = bool(cls.on_text) and cls.on_text[-1][1] is not UNSURE
    if sure:
        m = (cls.on_text or cls.on_message)[-1][1]
        from .facts import normalise_finding_facts

        keys = set(normalise_finding_facts(m.groupdict()))
        if "library" in keys:  # normalise_finding_facts names the CUDA a missing library wants
            keys.add("cuda_wanted")
        cls.group_keys = _shared(tuple(sorted(keys)))
        if cls.on_text:  # the Match holds the key's text: run_plan only asks whether a step is sure
            cls.on_text = cls.on_text[:-1] + ((cls.on_text[-1][0], SURE, False),)
        else:
            cls.on_message = cls.on_message[:-1] + ((cls.on_message[-1][0], SURE, False),)
    if level == "W" and cls.masked is not None:
        cls.fuzzy = next(((r, s) for r, s in kb.fuzzy(message) if s >= r.fuzzy_threshold), None)
    if cls.masked is not None:
        cls.masked = _shared(cls.masked)
    cls.fact_keys = _fact_keys(cls, text)
    if cls.fact_keys is not None:
        cls.fact_keys = _shared(cls.fact_keys)
    if hex_ids:
        cls.found = frozenset(found or ())
    lf = cls.facts
    cls.quiet = (
        not cls.on_message
        and not cls.on_text
        and level not in ("E", "F")
        and (level != "W" or cls.fuzzy is None)
        and not cls.fact_patterns
        and not cls.fact_tries
        and not cls.own_platform
        and not lf.stats_header
        and lf.platform(text) is None
    )
    if not cls.own_platform and lf.stats is None and not lf.proposals:  # its platform is looked for: one object will do
        cls.facts = _shared(("facts", lf.stats_header, lf.stats_word, lf.platform(text)), lf)
    return cls


_SHARED: Dict[Any, Any] = {}
SHARED_MAX = 4096


def _shared(key: Any, value: Any = _UNBUILT) -> Any:
    """One object for the equal values that many classes hold (a masked message, fact keys, facts
    without a value of their own), so that a verbose log's thousands of classes keep them once
    (peak memory). `value`: the object for `key`, when it is not the key itself."""
    got = _SHARED.get(key)
    if got is None:
        if len(_SHARED) >= SHARED_MAX:
            _SHARED.clear()
        got = _SHARED[key] = key if value is _UNBUILT else value
    return got
