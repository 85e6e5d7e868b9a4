"""Steps 4-5: match records against the knowledge base, then rank findings into a Report.

`Analysis` is fed blocks of lines (from files, pipes or strings) and keeps only
bounded state: one `Hit` per rule or per distinct unrecognized error, each with a
few evidence lines and a count. `report()` can be called at any time (the live
`watch` mode calls it as evidence arrives); it evaluates rule conditions,
groups symptoms under the finding that explains them and ranks root causes first.

What depends only on a line's text (its parse, its facts, the rule that matches it) is
remembered per knowledge base (`_Line`, bounded), as are fuzzy results and masked messages, so
repeated lines and logs seen again (the server's case) cost little; the tests check that
reports are the same with and without these caches.

Kept as one module (~780 lines): the streaming analysis, its report step and the ranking share the
Hit records and their invariants (tests/test_perf_equivalence.py checks them); split further they
would need a private API between the parts.
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from analyzer.core.cache import compile_re
from analyzer.core.model import SEVERITY_ORDER, Evidence, Finding, InputInfo, Report, combine_reports
from analyzer.core.records import dataclass, field
from analyzer.core.version import __version__
from analyzer.kb.advice import for_machine, misfit
from analyzer.kb.conditions import compile_condition, glob_matcher
from analyzer.kb.packages import cpu_package_beside_gpu, package_conflicts, parse_packages, requirement_pins, tf_builds_mixed
from analyzer.kb.rules import KnowledgeBase, Rule, traceback_matches
from analyzer.kb.rules import mask_cached as mask

from . import bulk, truncated, unwrap
from . import classes as line_classes
from .facts import KEYWORDS as FACT_KEYWORDS
from .facts import REPORT_FACTS, FactCollector, LineFacts, gpu_shown, normalise_finding_facts, provenance
from .memory import FactText, finding_facts
from .notebook import cell_outputs, is_notebook
from .parse import (
    IMPORT_STATEMENT,
    Frame,
    Record,
    Traceback,
    TracebackTracker,
    classify,
    clean,
    line_key,
    node_name,
    parse_line,
    repl_exchange,
    repl_prompt,
)
from .progress import BinCollector, LossCollector
from .reader import Block, LineSplitter, Source, open_source, read_blocks
from .scan import LATER, Prefilter
from .templates import render_template

MAX_EVIDENCE = 5  # distinct evidence lines kept per finding
MAX_UNRECOGNIZED = 20  # distinct unrecognized errors kept
NODE_WINDOW = 4  # a [[{{node x}}]] line this close after a hit names its graph node
LINE_CACHE = 4096  # lines whose results are remembered per knowledge base (see _Line)
LINE_CACHE_MAX_LEN = 1000  # longer lines are not remembered (bounded memory)
CLOSEST_FLOOR = 70  # an unrecognized error's "closest known signatures" below this fuzzy score are not shown


@dataclass
class Hit:
    """Everything seen for one finding while streaming."""

    key: str
    rule: Optional[Rule]
    match: str  # regex | fuzzy | unrecognized
    evidence: List[Evidence] = field(default_factory=list)
    masked: Dict[str, Evidence] = field(default_factory=dict)
    count: int = 0
    facts: Dict[str, str] = field(default_factory=dict)
    score: Optional[float] = None
    severity: str = "error"  # for unrecognized hits
    title: str = ""
    closest: List[Dict[str, object]] = field(default_factory=list)
    wrapper: bool = False  # an unrecognized line that only announces errors below it
    cut_off: bool = False  # matched on a traceback whose exception line the log does not show

    def add(self, input_name: str, rec: Record, key: Optional[str] = None) -> bool:
        """Count one more line; returns True when it added new evidence. `key`: mask(rec.message), when known."""
        self.count += 1
        if key is None:
            key = mask(rec.message)
        ev = self.masked.get(key)
        if ev is not None:
            ev.count += 1
            return False
        if len(self.evidence) >= MAX_EVIDENCE:
            return False
        ev = Evidence(input_name, rec.line, rec.text[:2000])
        self.masked[key] = ev
        self.evidence.append(ev)
        return True


class _Line:
    """What one line's text yields before any state is consulted: its parse, its facts and the rule
    that matches it. All three depend on the text alone (not on the date, time or thread id of its
    log prefix), so they are remembered per knowledge base (`kb.line_cache`, keyed by
    `parse.line_key`) for lines seen again: repeated lines, TF's usual messages in the next log."""

    __slots__ = ("fields", "facts", "rule", "rule_facts")
    UNKNOWN: Any = object()  # `rule` before the rules were tried (a sentinel in a rule's place)

    def __init__(self, fields, facts: LineFacts):
        self.fields = fields  # parse.classify(text)
        self.facts = facts
        self.rule: Optional[Rule] = _Line.UNKNOWN  # the matching rule, or None
        self.rule_facts: Dict[str, str] = {}


class Analysis:
    """Streaming analysis of one or more inputs against a knowledge base."""

    def __init__(self, kb: KnowledgeBase, pictures: bool = False):
        """`pictures`: also read what only pictures need (the loss curve, the allocator's bins; see
        pipeline.progress), which costs a pass over every block that mentions them."""
        self.kb = kb
        self.prefilter = _prefilter_for(kb)
        self.hits: Dict[str, Hit] = {}
        self.inputs: List[InputInfo] = []
        self.facts = FactCollector("")
        self._tb = TracebackTracker()
        self._last_hit: Optional[Tuple[Hit, int]] = None
        self._device_read_for: Optional[Tuple[Hit, int]] = None  # the _last_hit whose node line told its OOM's device
        self._unrecognized = 0
        self._judged: set = set()  # cut-off tracebacks already matched: (input, header line)
        self._tails: Dict[str, Tuple[int, bytes]] = {}  # each small input's last line (number, bytes)
        self._ending_rules: set = set()  # the rules that match a small input's last line (_judge_cut_lines)
        self._input_name = ""
        self.progress = LossCollector() if pictures else None
        self.bins = BinCollector() if pictures else None
        self.notes: List[str] = []  # about the inputs (empty, cut short), shown with the report's warnings
        self.line_classes = line_classes.enabled()  # lines equal up to their digits decided once
        self._settled: Dict[Any, Tuple[Optional[Hit], Optional[Evidence], Optional[float]]] = {}  # see _settle
        self._checked: Dict[Any, Tuple[Hit, Optional[Evidence], Rule]] = {}  # see _settle_checked
        self.bulk_status: Dict[Any, int] = {}  # what pipeline.bulk found each class's lines to be, where that stays
        self.fast_share = 0.0  # share of the last block's lines that were quiet or settled (pipeline.bulk)
        self.slow_share = 1.0  # share of the last block's candidates that were not: they need their keywords

    # --- feeding ----------------------------------------------------------------------------

    def start_input(self, name: str) -> InputInfo:
        self._judge_pending()
        info = InputInfo(name)
        self.inputs.append(info)
        self.facts.input_name = name
        self._input_name = name
        self._tb = TracebackTracker()
        self._last_hit = None
        return info

    def feed_block(self, info: InputInfo, block: Block) -> List[str]:
        """Analyse the candidate lines of a block; returns keys of hits that changed."""
        info.bytes += len(block.data)
        if info.bytes <= truncated.MAX_BYTES:  # a paste may stop mid-line: see _judge_cut_lines
            self._tails[info.name] = (block.first_line - 1 + block.line_count(), truncated.last_line(block.data))
        if self.progress is not None and self.bins is not None:
            self.progress.feed(info.name, block.data, block.first_line, block.newline)
            self.bins.feed(block.data)
        kb_prefilter = _prefilter_for(self.kb)
        pasted, block = block, unwrap.frames_rejoined(block)  # (unwrap's readings of a paste see it as it came)
        if bulk.usable(self, block, kb_prefilter):
            hits = bulk.feed(self, info, block, kb_prefilter)
            info.lines = block.first_line - 1 + block.line_count()
            return hits + self.feed_unwrapped(info.name, pasted)
        changed: List[str] = []
        prompt_at = fast = picked = 0
        known = self.kb.line_classes if self.line_classes else {}
        digits, max_len, settled = line_classes.DIGITS, line_classes.MAX_LEN, self._settled
        prefilter = self.prefilter
        for line_no, raw, found in prefilter.candidates(block, keywords=self.slow_share > LATER_SHARE):
            picked += 1
            if len(raw) <= max_len:
                cls = known.get(raw.translate(digits))
                if cls is not None:
                    if cls.quiet:  # the common case, inline: nothing to do but count it
                        self._tb.other_line()
                        fast += 1
                        continue
                    done = settled.get(cls)
                    if done is not None and (not cls.fact_keys[1] or line_classes.lists_known(cls, self.facts, clean(raw))):
                        self._count(done, line_no)
                        fast += 1
                        continue
            if found is LATER:
                found = prefilter.keywords_in(raw)
            key = self.feed_candidate(info.name, line_no, raw, found)
            if key:
                changed.append(key)
            prompt = repl_prompt(raw)
            if prompt is not None:  # an interactive session: also its question + answer
                prompt_at, key = self.feed_answer(info.name, block, line_no, raw, prompt_at, prompt)
                if key:
                    changed.append(key)
        info.lines = block.first_line - 1 + block.line_count()  # (after the prefilter: it counts them)
        self.fast_share = fast / max(block.line_count(), 1)
        self.slow_share = (picked - fast) / max(picked, 1)
        return changed + self.feed_unwrapped(info.name, pasted)

    def feed_unwrapped(self, input_name: str, block: Block) -> List[str]:
        """A hard-wrapped paste's lines joined again (pipeline.unwrap), each fed when the join says
        more than its pieces: a keyword that no piece holds on its own, or a rule that no piece matches
        (a message whose keyword is in its first piece and the rest of its pattern in the next); a program's
        line that a log line interrupted, finished by the next line, where a rule matches it whole; and the
        lines of an output pasted as one escaped string, each fed on its own."""
        changed: List[str] = []
        recognised: List[Tuple[int, int]] = []  # the line ranges of runs whose join a rule explained
        joins: set = set()  # the keys of the hits those joins made
        before = {id(ev) for hit in self.hits.values() for ev in hit.evidence}  # evidence the pieces made
        for line_no, pieces in unwrap.wrapped_runs(block):
            joined = b"".join(pieces)
            found = self._words_in(joined)
            if not found:
                continue
            parts = [p.decode("utf-8", "replace").lower() for p in pieces]
            if any(all(w not in p for p in parts) for w in found) or self._join_matches_more(joined, pieces):
                key = self.feed_candidate(input_name, line_no, joined, found)
                if key:
                    changed.append(key)
                    if not key.startswith("unrecognized:"):
                        recognised.append((line_no, line_no + len(pieces) - 1))
                        joins.add(key)
        for line_no, pieces in unwrap.interrupted_lines(block):  # the log line inside stays where it is: not `recognised`
            joined = b"".join(pieces)
            found = self._words_in(joined)
            if found and self._join_matches_more(joined, pieces):
                key = self.feed_candidate(input_name, line_no, joined, found)
                if key:
                    changed.append(key)
        for line_no, lines in unwrap.escaped_lines(block):
            for line in lines:  # (each piece: an exception line without a keyword still ends its traceback)
                found = self._words_in(line)
                exception = unwrap.exception_start(line)
                key = self.feed_candidate(input_name, line_no, line, found) if found or exception else None
                if key:
                    changed.append(key)
                    # (an exception piece, even one no rule knows, says what the line's traceback ended in: the
                    # "cut off before its exception line" the unsplit line made goes)
                    if not key.startswith("unrecognized:") or exception:
                        recognised.append((line_no, line_no))
                        joins.add(key)
        if recognised:
            self._forget_pieces(input_name, recognised, joins, before)
        return changed

    def _words_in(self, raw: bytes) -> set:
        """The prefilter's keywords in a line made here (joined or split), by substring: the same with either
        scanner (the `re` one reports no keyword sets)."""
        low = raw.decode("utf-8", "replace").lower()
        return {w for w in self.prefilter.words if w in low}

    def _forget_pieces(self, input_name: str, runs: List[Tuple[int, int]], joins: set, before: set) -> None:
        """What only pieces of joined lines that a rule explained made (`joins`: the keys of the joins' hits;
        `before`: the evidence that existed before the joins were fed). A finding of pieces alone goes: an
        unrecognized piece, and a rule that matched a piece cut before the words that decide it (`...on
        /job:localhost/.../device:` / `CPU:0`: the GPU's OOM rule on the piece, the host's on the whole line);
        line classes settled on it are forgotten with it. A join's own hit that a piece also made (the same
        rule, fewer values: the OOM line cut before its shape) loses the piece's evidence and count: one line."""

        def piece(ev: Evidence) -> bool:
            return ev.input == input_name and any(a <= ev.line <= b for a, b in runs)

        gone = []
        for key, hit in list(self.hits.items()):
            if not hit.evidence:
                continue
            if key in joins:
                pieces = [ev for ev in hit.evidence if id(ev) in before and piece(ev)]
                if len(pieces) < len(hit.evidence):
                    for ev in pieces:
                        hit.evidence.remove(ev)
                        hit.count -= ev.count
                        for masked in [k for k, v in hit.masked.items() if v is ev]:
                            del hit.masked[masked]
            elif hit.match == "unrecognized" or hit.count == sum(ev.count for ev in hit.evidence):
                if all(piece(ev) for ev in hit.evidence):
                    gone.append(self.hits.pop(key))
        for table in (self._settled, self._checked) if gone else ():
            for cls in [cls for cls, done in table.items() if any(done[0] is hit for hit in gone)]:
                del table[cls]
        if gone:
            self.bulk_status.clear()  # (a class settled on them is no longer)

    def _join_matches_more(self, joined: bytes, pieces: List[bytes]) -> bool:
        """Does the joined line match a rule that none of its pieces matches alone, or the same rule with more
        of its values (`...OOM when allocating tensor wit` / `h shape[8,256,14,14] and type float on ...`)?"""
        rule, values = self._line_rule(clean(joined))
        if rule is None:
            return False
        for piece in pieces:
            piece_rule, piece_values = self._line_rule(clean(piece))
            if piece_rule is rule and piece_values >= values:
                return False
        return True

    def _line_rule(self, text: str) -> Tuple[Optional[Rule], set]:
        """The rule feed_line would find for a cleaned line, without feeding it anywhere, and the names of the
        values its match captured."""
        rule, m = self.kb.match_line(classify(text)[0], text, self.kb.candidate_rules(text.lower()))
        groups = m.groupdict() if rule is not None and hasattr(m, "groupdict") else {}
        return rule, {name for name, value in groups.items() if value}

    def feed_answer(
        self, input_name: str, block: Block, line_no: int, raw: bytes, prompt_at: int, prompt: bytes
    ) -> Tuple[int, Optional[str]]:
        """After an interactive prompt's line `raw` (at `line_no`, found in the block from `prompt_at` on;
        `prompt`: parse.repl_prompt's text of it): its question and answer (the next line) as one line;
        (where to look for the next prompt, the hit key)."""
        prompt_at, exchange = _exchange(block, raw, prompt_at, prompt)
        return prompt_at, self.feed_line(input_name, line_no + 1, clean(exchange)) if exchange else None

    def feed_one(self, input_name: str, line_no: int, raw: bytes, found=None) -> Optional[str]:
        """feed_block's step for one candidate line (without an interactive prompt's answer)."""
        if len(raw) <= line_classes.MAX_LEN and self.line_classes:
            cls = self.kb.line_classes.get(raw.translate(line_classes.DIGITS))
            if cls is not None and self._only_counted(cls, line_no, raw):
                return None
        return self.feed_candidate(input_name, line_no, raw, found)

    def _only_counted(self, cls: line_classes.LineClass, line_no: int, raw: bytes) -> bool:
        """A line of a quiet class, or of a settled one whose lines can only add counts: counted here."""
        if cls.quiet:
            self._tb.other_line()
            return True
        done = self._settled.get(cls)
        if done is not None and (not cls.fact_keys[1] or line_classes.lists_known(cls, self.facts, clean(raw))):
            self._count(done, line_no)
            return True
        checked = self._checked.get(cls)
        if checked is not None:  # (see _settle_checked)
            hit, ev, rule = checked
            text = clean(raw)
            message = text[cls.start : cls.end]
            if (
                line_classes.masked_by_ids(cls, message) is not None
                and line_classes.run_plan(self.kb, cls.on_message, message, text)[0] is rule
                and self.facts.changes_nothing(text, line_classes.line_facts(cls, text))
            ):
                self._count((hit, ev, None), line_no)
                return True
        return False

    def feed_candidate(self, input_name: str, line_no: int, raw: bytes, found=None) -> Optional[str]:
        """Analyse one line the prefilter picked (`found`: its keywords, when known); returns the
        key of the hit it changed, if any. An interactive prompt's answer is the caller's (feed_block)."""
        cls = line_classes.lookup(self.kb, raw, found) if self.line_classes else None
        if cls is not None:
            if self._only_counted(cls, line_no, raw):
                return None
            return self._feed_class(input_name, line_no, raw, cls)
        text = clean(raw)
        if found is not None and not _found_is_exact(raw, text):
            found = None  # clean() changed the line: let each step look for its keywords
        return self.feed_line(input_name, line_no, text, found)

    def quiet_lines(self) -> None:
        """What lines of a quiet class do (pipeline.classes), for a caller that skipped them (pipeline.parallel)."""
        self._tb.other_line()

    def _feed_class(self, input_name: str, line_no: int, raw: bytes, cls: line_classes.LineClass) -> Optional[str]:
        """feed_line for a line of a known class (pipeline.classes): the same effects, decided once
        for the class where it can, on the line itself where it cannot."""
        text = clean(raw)
        message = text[cls.start : cls.end]
        rule, m = line_classes.run_plan(self.kb, cls.on_message, message, text)
        on_message = rule
        if rule is None and cls.on_text:
            rule, m = line_classes.run_plan(self.kb, cls.on_text, text, text)
        fuzzy = None
        if rule is None and cls.level in ("E", "F", "W"):
            fuzzy = cls.fuzzy if cls.level == "W" else line_classes.UNSURE
            if fuzzy is line_classes.UNSURE:  # an error no rule explains, or a warning masked line by line
                return self.feed_line(input_name, line_no, text)
        self._tb.other_line()
        self.facts.feed(line_no, text, message, facts=line_classes.line_facts(cls, text))
        if rule is not None:
            hit = self._hit(rule.id, rule, "regex")
            if m is not None:
                for k, v in normalise_finding_facts(m.groupdict()).items():
                    hit.facts.setdefault(k, v)
            elif cls.group_keys and not all(k in hit.facts for k in cls.group_keys):
                m = rule.search(text if cls.on_text else message)
                for k, v in normalise_finding_facts(m.groupdict() if m else {}).items():
                    hit.facts.setdefault(k, v)
        elif fuzzy is not None:
            rule, score = fuzzy
            hit = self._hit(rule.id, rule, "fuzzy")
            hit.score = max(hit.score or 0, score)
        else:
            self._settle(cls, None, text)
            return None
        masked = cls.masked if cls.masked is not None else line_classes.masked_by_ids(cls, message)
        key = self._record(hit, input_name, Record(line_no, text, message, cls.level), masked)
        self._settle(cls, hit, text)
        if on_message is not None and cls.masked is None and masked is not None:
            self._settle_checked(cls, hit, on_message, masked)
        return key

    def _settle_checked(self, cls: line_classes.LineClass, hit: Hit, rule: Rule, masked: str) -> None:
        """_settle for a class blind to hex ids whose one rule must be tried on each of its lines (TF's
        `XLA service 0x... initialized` line: ~1,700 per 50 MB training log, ~17 us each through
        _feed_class). A further line of it only adds to counts when, on the line itself, its ids mask
        whole (to the class's masked message: masked_by_ids), the rule matches its message, and its
        facts change nothing (FactCollector.changes_nothing): _only_counted checks these. Recorded, as
        in _settle, once the masked message is in the evidence (or the evidence is full) and every
        group the rule may capture is among the hit's facts (setdefault would change nothing)."""
        if cls in self._checked or len(self._checked) >= line_classes.MAX_CLASSES:
            return
        if cls.on_message != ((rule, line_classes.UNSURE, False),):
            return
        groups = {name for p in rule.patterns for name in p.groupindex}
        if "library" in groups:
            groups.add("cuda_wanted")
        if not groups <= hit.facts.keys():
            return
        ev = hit.masked.get(masked)
        if ev is None and len(hit.evidence) < MAX_EVIDENCE:
            return
        self._checked[cls] = (hit, ev, rule)

    def _settle(self, cls: line_classes.LineClass, hit: Optional[Hit], text: str) -> None:
        """Remember a class whose further lines only add to counts: the same rule without UNSURE
        steps (or no rule and no fuzzy match: `hit` None), a masked message already in the evidence
        (or the evidence full), its captured facts known, and facts it may set already known as
        well or better (classes.settles). All of these only stay true as the analysis goes on. (A
        version header waiting for its value, FactCollector._section, reads nothing from such a
        line: classes.build leaves headers and bare versions line by line.)"""
        if len(self._settled) >= line_classes.MAX_CLASSES:
            return
        if hit is None:  # no rule, no fuzzy match (their absence is the class's): only the facts
            if not cls.on_message and not cls.on_text and line_classes.settles(cls, self.facts, text):
                self._settled[cls] = (None, None, None)
            return
        if cls.masked is None:
            return
        plan = cls.on_message or cls.on_text
        if plan:
            if len(plan) != 1 or plan[0][1] is line_classes.UNSURE or (cls.on_text and cls.on_message):
                return
        elif cls.fuzzy is None or cls.fuzzy is line_classes.UNSURE:
            return
        if not all(k in hit.facts for k in cls.group_keys) or not line_classes.settles(cls, self.facts, text):
            return
        ev = hit.masked.get(cls.masked)
        if ev is None and len(hit.evidence) < MAX_EVIDENCE:
            return
        self._settled[cls] = (hit, ev, None if plan else cls.fuzzy[1])

    def _count(self, done: Tuple[Optional[Hit], Optional[Evidence], Optional[float]], line_no: int) -> None:
        """What _feed_class does with a line of a settled class (see _settle)."""
        self._tb.other_line()
        hit = self._add_counts(done)
        if hit is not None:
            self._last_hit = (hit, line_no)

    @staticmethod
    def _add_counts(done: Tuple[Optional[Hit], Optional[Evidence], Optional[float]], lines: int = 1) -> Optional[Hit]:
        """The counts `lines` lines of a settled class add; returns its hit (None: it has none)."""
        hit, ev, score = done
        if hit is None:
            return None
        hit.count += lines
        if ev is not None:
            ev.count += lines
        if score is not None:  # a fuzzy match (a regex one for the same rule may have reset the score)
            hit.score = max(hit.score or 0, score)
        return hit

    def feed_line(self, input_name: str, line_no: int, text: str, found=None) -> Optional[str]:
        """Analyse one cleaned line; returns the key of the hit it changed, if any.

        `found`: the keywords the prefilter saw in this line, when it knows them (saves a pass).
        """
        if not text.strip():
            return None
        cache = self.kb.line_cache
        key = line_key(text)
        line = cache.get(key)
        low = None
        if line is None:
            fields = classify(text)
            low = text.lower()
            line = _Line(fields, LineFacts(text, fields[0], low, found))
            if len(text) <= LINE_CACHE_MAX_LEN:
                if len(cache) >= LINE_CACHE:
                    cache.clear()
                cache[key] = line
        rec = Record(line_no, text, *line.fields)
        self.facts.feed(line_no, text, rec.message, facts=line.facts)
        if rec.kind == "node":
            self._attach_node(input_name, rec)
            return None
        tb = self._tb.feed(rec)
        if self._tb.cut is not None:  # a traceback that stopped before its exception line
            self._judge_cut(input_name, self._tb.cut)
        if rec.kind in ("frame", "tb_header", "chain"):
            return None
        if tb is not None:  # the exception line that ends a traceback: first the rules on whole tracebacks
            matched, tb_key = self._traceback_hit(input_name, tb, rec, family=False)
            if matched:
                return tb_key
        if line.rule is _Line.UNKNOWN:
            candidates = self.kb.candidate_rules(low if low is not None else text.lower(), found)
            rule, m = self.kb.match_line(rec.message, text, candidates)
            line.rule_facts = normalise_finding_facts(m.groupdict()) if rule is not None else {}
            line.rule = rule
        rule = line.rule
        if rule is not None:
            hit = self._hit(rule.id, rule, "regex")
            for k, v in line.rule_facts.items():
                hit.facts.setdefault(k, v)
            return self._record(hit, input_name, rec)
        if not (rec.is_error or rec.level == "W"):
            return None
        fz = self._fuzzy(rec.message)
        if fz is not None:
            rule, score = fz
            hit = self._hit(rule.id, rule, "fuzzy")
            hit.score = max(hit.score or 0, score)
            return self._record(hit, input_name, rec)
        if not rec.is_error or _lone_python_warning(rec, tb):
            return None
        # Nothing specific explains this error: place it in its family when the cues allow.
        if tb is not None:
            matched, tb_key = self._traceback_hit(input_name, tb, rec, family=True)
            if matched:
                return tb_key
        if _UNCLOSED_NAME.search(rec.message):
            healed = self._read_lost_line(input_name, rec.message + "'", rec, family=True)  # the quote the paste cut off
            if healed is not None:
                return healed.key
        rule, m = self.kb.match_family(rec.message, text)
        if rule is not None:
            hit = self._hit(rule.id, rule, "family")
            hit.severity = _error_severity(rec, rule.severity)
            for k, v in normalise_finding_facts(m.groupdict()).items():  # what the family's cue names
                hit.facts.setdefault(k, v)
            return self._record(hit, input_name, rec)
        return self._unrecognized_hit(input_name, rec, tb)

    def _traceback_hit(self, input_name: str, tb: Traceback, rec: Optional[Record], family: bool) -> Tuple[bool, Optional[str]]:
        """Match a whole traceback against the rules written for tracebacks (specific ones, or the
        family guesses); the evidence is the exception line and the frame that tells the story.
        `rec` is the exception line, None for a traceback cut off before it."""
        for rule in self.kb.traceback_rules:
            if rule.family != family or rule.disabled:
                continue
            story = traceback_matches(rule, tb)
            if story is None:
                continue
            hit = self._hit(rule.id, rule, "family" if family else "traceback")
            if family or rec is None:
                hit.severity = _error_severity(rec, rule.severity) if rec is not None else "error"
            if rec is None:
                hit.cut_off = True
            if tb.exception_type:
                hit.facts.setdefault("exception_type", tb.exception_type)
            if tb.frames:
                hit.facts.setdefault("raised_in", tb.frames[-1].module_path)
            if isinstance(story, Frame):
                hit.facts.setdefault("story_frame", f"{story.module_path}:{story.line} in {story.func}")
            if rec is not None and rule.patterns:  # what the rule's own patterns read in the exception line
                _, m = self.kb.match_line(rec.message, rec.text, [rule])
                for k, v in normalise_finding_facts(m.groupdict() if m is not None else {}).items():
                    hit.facts.setdefault(k, v)
            key = self._record(hit, input_name, rec) if rec is not None else None
            if isinstance(story, Frame):
                frame_rec = Record(story.log_line, story.text, story.text.strip(), kind="frame")
                key = self._record(hit, input_name, frame_rec) or key
            elif "source" in rule.traceback and tb.source_at is not None:  # the code line the rule read
                key = self._record(hit, input_name, tb.source_at) or key
            return True, key or hit.key
        return False, None

    def _judge_cut(self, input_name: str, tb: Traceback) -> None:
        """A traceback without its exception line (the log was cut, or another traceback began)."""
        mark = (input_name, tb.header_line)
        if mark in self._judged:
            return
        self._judged.add(mark)
        matched, _ = self._traceback_hit(input_name, tb, None, family=False)
        if not matched:
            matched = self._announced_import_hit(input_name, tb) or self._cut_import_hit(input_name, tb)
        if not matched and tb.raised and tb.source_at is not None:  # IPython's arrow at `raise ValueError(`
            matched = self._read_raised(input_name, tb, tb.source_at)
        if not matched:
            matched, _ = self._traceback_hit(input_name, tb, None, family=True)
        if not matched and tb.announced_type and tb.frames:  # IPython's header named the error ("ResourceExhaustedError
            last = tb.frames[-1]  # Traceback (most recent call last)"): what its name alone tells, at the last frame
            record = Record(last.log_line, last.text, last.text.strip(), kind="frame")
            matched = self._read_lost_line(input_name, f"{tb.announced_type}:", record, family=True) is not None
        if not matched and tb.frames:  # never nothing: a failure whose error line the log does not show
            self._cut_traceback_hit(input_name, tb)

    def _announced_import_hit(self, input_name: str, tb: Traceback) -> bool:
        """A cut IPython traceback whose header announced an ImportError and whose last arrow points at an
        import statement: the exception line Python printed follows from the two ("ModuleNotFoundError
        ... ---> 33 from keras.engine import training" is "No module named 'keras.engine'"), so the rules
        read that line; the evidence is the arrow's line, as the log shows it."""
        if tb.announced_type not in ("ModuleNotFoundError", "ImportError") or tb.source_at is None:
            return False
        m = IMPORT_STATEMENT.match(tb.source)
        if m is None:
            return False
        not_found, cannot_import = _lost_import_lines(m)
        message = not_found if tb.announced_type == "ModuleNotFoundError" or cannot_import is None else cannot_import
        return self._read_lost_line(input_name, message, tb.source_at, family=True) is not None

    def _read_raised(self, input_name: str, tb: Traceback, rec: Record) -> bool:
        """The exception line a cut IPython traceback lost, rebuilt from the string literals of the `raise` its
        arrow points at (parse.raise_literals), read by the rules; where the paste stops before the message
        does, the literals are its beginning (pipeline.truncated, at a fuzzy match's score); then the families."""
        message = f"{tb.announced_type}: {tb.raised}"
        if self._read_lost_line(input_name, message, rec, family=False) is not None:
            return True
        if self._read_cut_line(input_name, message.encode("utf-8"), rec):
            return True
        return self._read_lost_line(input_name, message, rec, family=True) is not None

    def _read_cut_line(self, input_name: str, raw: bytes, rec: Record) -> bool:
        """A line cut mid-message read as the start of a rule's example message (pipeline.truncated), at a
        fuzzy match's score, recorded with `rec`; False when no example begins with it."""
        rule = truncated.completion(self.kb, raw)
        if rule is None:
            return False
        hit = self._hit(rule.id, rule, "fuzzy")
        hit.score = max(hit.score or 0, truncated.SCORE)
        self._record(hit, input_name, rec)
        return True

    def _read_lost_line(self, input_name: str, message: str, rec: Record, family: bool) -> Optional[Hit]:
        """The hit of the rule that reads `message`, an exception line the log lost (then the family
        guesses' too, when `family`), recorded with `rec`, the line that let it be told; None when none does."""
        rule, found = self.kb.match(message)
        match = "regex"
        if rule is None and family:
            rule, found = self.kb.match_family(message, message)
            match = "family"
        if rule is None:
            return None
        hit = self._hit(rule.id, rule, match)
        if match == "family":
            hit.severity = rule.severity
        for k, v in normalise_finding_facts(found.groupdict()).items():
            hit.facts.setdefault(k, v)
        self._record(hit, input_name, rec)
        return hit

    def _cut_import_hit(self, input_name: str, tb: Traceback) -> bool:
        """A CPython traceback cut right after its innermost frame's import statement (`from
        tensorflow.contrib.seq2seq import Helper`), with no deeper frame: that import failed, and a
        failure inside the imported code would show its frames, so the lost line said that the module
        or name is not there. Read as that message, by the specific rules only (what they know
        fails to import, e.g. tensorflow.contrib on TF 2), never as a family guess.

        Left alone: a private module (`_pywrap_tensorflow_internal`, a native one that exists and
        failed to load); a top-level package (`import tensorflow`: where a cut traceback stops at it,
        its own frames are as likely cut as missing); a package importing its own module
        (`tensorflow/__init__.py`: `from tensorflow.python import ...`) and a traceback raised while
        handling another: there the package itself is broken, and the error is the earlier one."""
        frames = [f for f in tb.frames if not _IMPORT_MACHINERY.search(f.file)]  # (an IDE's import hook, importlib)
        if tb.announced_type is not None or tb.chained or not frames or not frames[-1].source:
            return False
        last = frames[-1]
        m = IMPORT_STATEMENT.match(last.source)
        module = m and (m["module"] or m["imported"])
        if not module or "." not in module.strip(".") or module.rsplit(".", 1)[-1].startswith("_"):
            return False
        if f"/{module.split('.')[0]}/" in "/" + last.file:  # a package's own import (wherever it is installed)
            return False
        evidence = Record(last.log_line + 1, last.source, last.source, kind="text")
        for message in _lost_import_lines(m):
            hit = self._read_lost_line(input_name, message, evidence, family=False) if message else None
            if hit is not None:
                hit.cut_off = True
                return True
        return False

    def _cut_traceback_hit(self, input_name: str, tb: Traceback) -> None:
        last = tb.frames[-1]
        key = f"unrecognized:cut:{input_name}:{tb.header_line}"
        if key in self.hits or self._unrecognized >= MAX_UNRECOGNIZED:
            return
        self._unrecognized += 1
        hit = self.hits[key] = Hit(key, None, "unrecognized")
        hit.severity, hit.cut_off = "error", True
        what = f"{tb.announced_type}, " if tb.announced_type else ""
        hit.title = f"{CUT_TRACEBACK_TITLE} ({what}in {last.module_path.rsplit('/', 1)[-1]})"
        hit.facts["raised_in"] = last.module_path
        if tb.user_frame:
            hit.facts["user_frame"] = tb.user_frame
        self._record(hit, input_name, Record(last.log_line, last.text, last.text.strip(), kind="frame"))

    def _hit(self, key: str, rule: Optional[Rule], match: str) -> Hit:
        hit = self.hits.get(key)
        if hit is None:
            hit = self.hits[key] = Hit(key, rule, match)
        elif match == "regex" and hit.match == "fuzzy":
            hit.match, hit.score = "regex", None  # an exact match outranks a fuzzy one
        return hit

    def _record(self, hit: Hit, input_name: str, rec: Record, masked: Optional[str] = None) -> Optional[str]:
        self._last_hit = (hit, rec.line)
        return hit.key if (hit.add(input_name, rec, masked) or hit.count == 1) else None

    def _attach_node(self, input_name: str, rec: Record) -> None:
        """A `[[node ...]]` line names the graph node of the hit just before it; TF 1.x's also its device
        (`_device="/job:localhost/replica:0/task:0/device:GPU:0"`), which its short OOM line leaves out.
        With no hit before it the log lost the error line; an Assert op's error says what it was (TF's
        Assert kernel fails with "assertion failed: [...]"), so that line is read, a family guess at most."""
        name = node_name(rec.text)
        if not (self._last_hit and rec.line - self._last_hit[1] <= NODE_WINDOW):
            if name and _ASSERT_NODE.search(name):
                hit = self._read_lost_line(input_name, f"InvalidArgumentError: assertion failed: [node {name}]", rec, family=True)
                if hit is not None:
                    hit.facts.setdefault("node", name)
            return
        hit = self._last_hit[0]
        # the failed op's node is the first node line after the error (the _Recv nodes TF 1.x lists next run on the CPU)
        first = self._last_hit is not self._device_read_for
        device = (
            _NODE_DEVICE.search(rec.text) if first and hit.rule is not None and hit.rule.category.startswith("oom.") else None
        )
        if device:
            hit = self._read_with_device(input_name, hit, device.group(1).upper(), rec.line)  # (may move _last_hit)
            hit.facts.setdefault("oom_device", device.group(1).upper())
        self._device_read_for = self._last_hit
        if name:
            hit.facts.setdefault("node", name)

    def _read_with_device(self, input_name: str, hit: Hit, device: str, node_line: int) -> Hit:
        """A short OOM line (TF <= 1.x: "OOM when allocating tensor with shape[...]") names no device, and
        a rule reads it as the GPU's; the node line after it does (`_device=".../cpu:0"`). Its lines, those
        just above the node, are read again as TF's later wording has them ("... on /device:CPU:0") and
        move to the rule that reads that, so that an OOM of the host's memory is told as one."""
        near = [
            ev
            for ev in hit.evidence
            if node_line - ev.line <= NODE_WINDOW and ev.count == 1 and not _OOM_DEVICE_SAID.search(ev.text)
        ]
        if not near:
            return hit
        rule, found = self.kb.match(f"{near[-1].text.rstrip()} on /job:localhost/replica:0/task:0/device:{device}")
        if rule is None or hit.rule is None or rule.category == hit.rule.category:
            return hit
        gone = {id(ev) for ev in near}
        hit.evidence = [ev for ev in hit.evidence if id(ev) not in gone]
        hit.masked = {k: ev for k, ev in hit.masked.items() if id(ev) not in gone}
        hit.count -= len(near)
        if not hit.count:
            del self.hits[hit.key]
        moved = self._hit(rule.id, rule, hit.match)
        moved.score = hit.score
        for ev in near:
            moved.add(input_name, Record(ev.line, ev.text, ev.text))
        for k, v in {**normalise_finding_facts(found.groupdict()), **(hit.facts if not hit.count else {})}.items():
            moved.facts.setdefault(k, v)
        self._last_hit = (moved, node_line)
        return moved

    def _fuzzy(self, message: str) -> Optional[Tuple[Rule, float]]:
        """The best fuzzy match at or above its rule's threshold (kb.fuzzy caches by masked text)."""
        return next(((r, s) for r, s in self.kb.fuzzy(message) if s >= r.fuzzy_threshold), None)

    def _unrecognized_hit(self, input_name: str, rec: Record, tb) -> Optional[str]:
        key = "unrecognized:" + mask(rec.message)[:300]
        hit = self.hits.get(key)
        if hit is None:
            if self._unrecognized >= MAX_UNRECOGNIZED:
                return None
            self._unrecognized += 1
            hit = self.hits[key] = self._new_unrecognized(key, rec)
            if tb is not None and tb.user_frame:
                hit.facts["user_frame"] = tb.user_frame
        return self._record(hit, input_name, rec)

    def _new_unrecognized(self, key: str, rec: Record) -> Hit:
        hit = Hit(key, None, "unrecognized")
        hit.severity = "warning" if (rec.kind == "log" and rec.level == "E") else "error"
        hit.title = _unrecognized_title(rec)
        hit.wrapper = bool(_WRAPPER.search(rec.message))
        if rec.exc_type:
            hit.facts["exception_type"] = rec.exc_type
        hit.closest = [{"rule_id": r.id, "score": round(s, 1)} for r, s in self.kb.fuzzy(rec.message) if s >= CLOSEST_FLOOR]
        return hit

    # --- reporting --------------------------------------------------------------------------

    def _judge_pending(self) -> None:
        """The traceback in progress, if the input ended inside it (judged once; live mode asks often)."""
        tb = self._tb.current
        if tb is not None and (tb.frames or tb.source) and tb.exception is None:
            self._judge_cut(self._input_name, tb)

    def report(self) -> Report:
        self._judge_pending()
        self._judge_cut_lines()
        facts = dict(self.facts.values)
        # Facts a rule captured (e.g. cuDNN versions from the mismatch line) fill gaps in the report's.
        for hit in sorted(self.hits.values(), key=lambda h: -(h.rule.priority if h.rule else 0)):
            for k, v in hit.facts.items():
                if k in REPORT_FACTS and k not in facts:
                    facts[k] = v
        provenance_of = {k: provenance(k, wanted=self.facts.only_wanted(k)) for k in facts}
        # versions that work together (rules/compat/*.yaml), memoised: see _derived_facts
        derived: Dict[str, object] = {k: v for k, v in _derived_facts(facts).items() if k not in facts}
        packages = facts.get("packages")
        if isinstance(packages, list):  # a pasted package list: pairs that do not go together
            tf = facts.get("tf_version")
            installed = parse_packages(packages)
            conflicts = package_conflicts(installed, tf if isinstance(tf, str) else None)
            if conflicts:
                derived["package_conflicts"] = conflicts
                pins = requirement_pins(installed, tf if isinstance(tf, str) else None)
                if pins:
                    derived["package_pins"] = " ".join(f'"{pin}"' for pin in pins)
            derived.update(cpu_package_beside_gpu(installed))
            derived.update(tf_builds_mixed(installed))
        if gpu_shown(facts):
            derived["gpu_shown"] = "yes"
        facts.update(derived)
        provenance_of.update({k: provenance(k, derived=True) for k in derived})
        hits = dict(self.hits)
        present = self._present(hits, facts)
        fallback = self._read_without_withdrawn(present)
        if fallback:  # (their rules' own `when`s, and those that see the other findings, are judged again)
            hits.update(fallback)
            present = self._present(hits, facts)
        rule_facts = {**_overview_facts(facts.get("python_version")), **facts}  # + what the rules' text needs
        findings = _without_cut_guesses([(h, self._finding(h, rule_facts, present)) for h in hits.values()])
        ranked = rank(findings, self.kb)
        report = Report(__version__, list(self.inputs), facts, dict(self.facts.evidence), ranked)
        report.warnings = list(self.kb.warnings) + self.notes
        report.fact_provenance = provenance_of
        for info in self.inputs:  # one analysis is one machine (a log, or a notebook's cells)
            info.facts, info.fact_provenance = dict(facts), dict(provenance_of)
        if self.progress is not None and self.bins is not None:
            report.loss = self.progress.points()
            report.bfc_bins = list(self.bins.bins)
        return report

    def _judge_cut_lines(self) -> None:
        """A small input's last line: the rule it matches is where that input ends (the fact log_ends_here, for
        that rule's conditions: a process that died there without a word, as one killed for want of host memory);
        a line no rule matches is read as the start of a rule's example message (pipeline.truncated): a paste
        that stopped mid-line."""
        if self._tails:
            self._ending_rules = set()
        for name, (line_no, raw) in self._tails.items():
            text = clean(raw)
            if not text.strip():
                continue
            ending = self.kb.match(classify(text)[0])[0] or self.kb.match(text)[0]
            if ending is not None:
                self._ending_rules.add(ending.id)
                continue
            self._read_cut_line(name, raw, parse_line(line_no, text))
        self._tails.clear()

    def _present(self, hits: Dict[str, Hit], facts: Dict[str, object]) -> Dict[str, Hit]:
        """Hits whose `when` holds, judged against all hits (so conditions can see each other) and the facts its
        fixes' conditions see (the OOM arithmetic too: gpu_taken_at_start)."""
        names = {}
        for h in hits.values():
            if h.rule:
                names[h.key] = {h.rule.id, h.rule.category}
        out = {}
        for key, h in hits.items():
            if h.rule and h.rule.when:
                has = glob_matcher(n for k, ns in names.items() if k != key for n in ns)
                if not compile_condition(h.rule.when)(finding_facts(facts, h.facts)[1], has):
                    continue
            out[key] = h
        return out

    def _read_without_withdrawn(self, present: Dict[str, Hit]) -> Dict[str, Hit]:
        """The lines of a specific rule whose `when` does not hold for this log, read as if that rule were not
        there: by the rules after it (the first that matches wins, as when streaming), then, for an error line,
        by the family guesses, else as unrecognized. Without this the line was lost (a start-up line a
        conditional rule claims, that a harmless-noise rule after it would have read). New hits, or copies of
        the analysis' own: a live report is asked for again and again, and a `when` may hold later."""
        out: Dict[str, Hit] = {}
        for key, withdrawn in self.hits.items():
            rule = withdrawn.rule
            if key in present or rule is None or rule.family or withdrawn.match != "regex":
                continue
            hit = None
            for ev in withdrawn.evidence:
                rec = parse_line(ev.line, ev.text)
                other, m, match = *self.kb.match_line(rec.message, ev.text, self.kb.rules_after(rule, ev.text.lower())), "regex"
                if other is None and rec.is_error:
                    other, m, match = *self.kb.match_family(rec.message, ev.text), "family"
                if other is None and not rec.is_error:
                    continue
                to = other.id if other is not None else "unrecognized:" + mask(rec.message)[:300]
                hit = out.get(to)
                if hit is None:
                    base = self.hits.get(to)
                    if base is not None:
                        hit = out[to] = _copied(base)
                    elif other is None:
                        hit = out[to] = self._new_unrecognized(to, rec)
                    else:
                        hit = out[to] = Hit(to, other, match)
                        if match == "family":
                            hit.severity = _error_severity(rec, other.severity)
                hit.add(ev.input, rec)  # (one more line, or one more of a line it holds: then the rest of ev's)
                held = hit.masked.get(mask(rec.message))
                if held is not None:
                    held.count += ev.count - 1
                hit.count += ev.count - 1
                for k, v in normalise_finding_facts(m.groupdict() if m is not None else {}).items():
                    hit.facts.setdefault(k, v)
            if hit is not None:  # lines the withdrawn hit only counted (its evidence was full): where its last line went
                hit.count += withdrawn.count - sum(ev.count for ev in withdrawn.evidence)
        inputs = {info.name: i for i, info in enumerate(self.inputs)}
        for hit in out.values():  # the evidence a streaming match would have kept: the first lines, in log order
            hit.evidence = sorted(hit.evidence, key=lambda ev: (inputs.get(ev.input, 0), ev.line))[:MAX_EVIDENCE]
        return out

    def _finding(self, hit: Hit, facts: Dict[str, object], present: Dict[str, Hit]) -> Optional[Finding]:
        if hit.key not in present:
            # a family guess its `when` withdrew still leaves an error nobody explains: shown as unrecognized
            return _withdrawn_guess(hit) if hit.match == "family" and hit.evidence else None
        rule = hit.rule
        if rule is None:
            if hit.wrapper and any(_explains_wrapper(h, hit) for h in present.values()):
                return None  # "2 root error(s) found." only announces the errors the rules already explain
            return _unrecognized_finding(
                hit,
                hit.title,
                "A Python traceback stops here, before its last line, which names the error (the excerpt "
                "ends, or other output follows). Paste the lines after it, down to the line that starts "
                "with the exception's name, to get a diagnosis."
                if hit.cut_off
                else WRAPPER_EXPLANATION
                if hit.wrapper
                else UNRECOGNIZED_EXPLANATION,
                dict(hit.facts),
            )
        if hit.match == "family" and _explained_elsewhere(present, hit, category=rule.category):
            return None  # nor one whose family a specific rule has already named (the same failure, said twice)
        has = _has_other(present, hit.key)
        own, all_facts = finding_facts(facts, hit.facts)  # + the OOM arithmetic; {fact:bytes} in templates
        python = all_facts.get("python_version")
        machine = [str(all_facts[k]) if all_facts.get(k) else None for k in ("platform", "cpu_arch")]
        derived = _finding_derived_facts(own, str(python) if python else None, *machine)  # of a pip request
        all_facts.update({k: FactText(v) for k, v in derived.items()})
        if rule.id in self._ending_rules:
            all_facts["log_ends_here"] = "yes"
        severity, note = (hit.severity if hit.match == "family" else rule.severity), ""
        for item in rule.severity_when:
            if compile_condition(item["if"])(all_facts, has):
                severity, note = item["severity"], str(item.get("note") or "")
                break
        text = rule.explanation
        if rule.explanation_when:  # only the paragraphs whose `when` holds for this log
            paragraphs = zip(text.split("\n"), rule.explanation_when)
            text = "\n".join(p for p, w in paragraphs if w is None or compile_condition(w)(all_facts, has))
        explanation = render_template(text, all_facts)
        why = render_template(text, all_facts, short=True)
        if note:
            note = render_template(note, all_facts)
            explanation, why = (explanation + "\n" + note).strip(), (why + "\n" + note).strip()
        fixes = [
            render_template(f.text, all_facts) for f in rule.fixes if f.when is None or compile_condition(f.when)(all_facts, has)
        ]
        fixes = [f for f in fixes if f and misfit(f, all_facts) is None]  # only fixes that fit this machine
        fixes = [for_machine(f, all_facts) for f in fixes]
        if fixes and fixes[0].startswith(("Or ", "Or, ")):  # an alternative whose fixes before it were dropped
            rest = fixes[0].split(" ", 1)[1].lstrip(", ")
            fixes[0] = rest[:1].upper() + rest[1:]
        confidence = rule.confidence
        if hit.match == "fuzzy":
            confidence = round(rule.confidence * 0.85 * (hit.score or 0) / 100, 3)
        if hit.cut_off and len(hit.evidence) <= 1:  # only a cut-off traceback: its last line is not known
            confidence = round(confidence * 0.7, 3)
        return Finding(
            rule_id=rule.id,
            category=rule.category,
            severity=severity,
            title=rule.title,
            confidence=confidence,
            evidence=list(hit.evidence),
            facts=own,
            explanation=explanation,
            why=why,
            fixes=[f for f in fixes if f],
            references=list(rule.references),
            count=hit.count,
            match=hit.match,
            score=hit.score,
            probe=rule.probe,
        )


def _explained_elsewhere(present: Dict[str, Hit], hit: Hit, category: Optional[str] = None) -> bool:
    """Does a specific (non-family) rule explain a failure in these hits, besides `hit` (of `category`, when given)?"""
    return any(
        h is not hit
        and h.rule is not None
        and h.match != "family"
        and h.rule.severity != "info"
        and (category is None or h.rule.category == category)
        for h in present.values()
    )


def _without_cut_guesses(pairs: List[Tuple[Hit, Optional[Finding]]]) -> List[Finding]:
    """The findings, less a cut-off traceback's family guess where a specific finding explains the failure: it adds
    nothing there. An error rule whose `severity_when` lowered it because the line may be harmless (a missing
    libcudart on a machine that may have no GPU: TF's own start-up notice) explains no traceback, so the guess stays."""
    explained = any(
        f is not None
        and h.match != "family"
        and h.rule is not None
        and f.severity != "info"
        and (f.severity == "error" or h.rule.severity != "error")
        for h, f in pairs
    )
    return [f for h, f in pairs if f is not None and not (explained and h.match == "family" and h.cut_off)]


def _has_other(present: Dict[str, Hit], key: str):
    """has(pattern) over the rule ids and categories of the present hits other than `key`; the
    names are gathered on the first call (most rules' conditions never ask)."""
    matcher = None

    def has(pattern: str) -> bool:
        nonlocal matcher
        if matcher is None:
            matcher = glob_matcher({n for k, h in present.items() if k != key and h.rule for n in (h.rule.id, h.rule.category)})
        return matcher(pattern)

    return has


def _overview_facts(python_version: object) -> Dict[str, str]:
    """compat.overview_facts: TensorFlow's releases and Python support as a whole, for the rules' text, not the report."""
    from analyzer.kb.compat import overview_facts

    return overview_facts(python_version)


def _finding_derived_facts(
    facts: Dict[str, object], python_version: Optional[str], platform: Optional[str] = None, arch: Optional[str] = None
) -> Dict[str, str]:
    """compat.finding_derived_facts: what the tables say of the pip request and list one finding read."""
    from analyzer.kb.compat import finding_derived_facts

    return finding_derived_facts(facts, python_version, platform, arch)


def _derived_facts(facts: Dict[str, object]) -> Dict[str, str]:
    """compat.derived_facts(facts), memoised: it is a pure function of the facts, takes ~4 ms, and
    the server sees the same environment (same facts) again and again."""
    from analyzer.kb.compat import derived_facts

    try:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in facts.items()))
        hash(key)
    except TypeError:
        return derived_facts(facts)
    return _derived_facts_of(key)


@lru_cache(maxsize=512)
def _derived_facts_of(key: tuple) -> Dict[str, str]:
    from analyzer.kb.compat import derived_facts

    return derived_facts({k: list(v) if isinstance(v, tuple) else v for k, v in key})


# Specific findings rank before family guesses, and those before what nothing explains.
MATCH_ORDER = {"regex": 0, "traceback": 0, "fuzzy": 0, "family": 1, "unrecognized": 2}
SPECIFIC_MATCHES = ("regex", "traceback", "fuzzy")  # a rule that knows the message, not a family guess


def _error_severity(rec: Record, severity: str) -> str:
    """An error line's severity as the unrecognized stage would give it: an E-level log line is a
    warning (TF logs many E lines it recovers from), an exception, F line or signal keeps `severity`."""
    return "warning" if rec.kind == "log" and rec.level == "E" and severity == "error" else severity


# Exception lines that only announce the real errors on the lines that follow them (TF's op errors,
# Keras' "Exception encountered when calling layer 'x' (type X)." / "... calling Functional.call().", pip's
# "error: subprocess-exited-with-error" before the step that failed, pip/_internal/exceptions.py; macOS' dyld,
# "dlopen(<file>, 6): no suitable image found.  Did find:" before each file it found and why it could not load it;
# ML.NET's "Tensorflow exception triggered while loading model." before TensorFlow's own error; transformers'
# "Failed to import transformers.X because of the following error (look up to see its traceback):").
_WRAPPER = compile_re(
    r"(?:^|: )\d+ root error\(s\) found\.?\s*$|Graph execution error:?\s*$|Exception encountered when calling \S.*\.\s*$"
    r"|^(?:error: )?(?:subprocess-exited-with-error|metadata-generation-failed)\s*$|: no suitable image found\.\s+Did find:\s*$"
    r"|Tensorflow exception triggered while loading model\.\W*$|because of the following error \(look up to see its traceback\):?\s*$"
)


def _explains_wrapper(hit: Hit, wrapper: Hit) -> bool:
    """Whether `hit` can be an error that `wrapper` announces: a rule's error, or a warning the log shows
    after the wrapper. A warning before it (TF's start-up "Could not find cuda drivers") explains nothing
    that follows, and a Keras 3 "Exception encountered when calling L.call()." whose own message no rule
    knows must still be shown."""
    if hit.rule is None or hit.rule.severity == "info":
        return False
    if hit.rule.severity == "error" or not wrapper.evidence:
        return True
    first = wrapper.evidence[0]
    return any(ev.input == first.input and ev.line > first.line for ev in hit.evidence)


CUT_TRACEBACK_TITLE = "A Python error whose last line the log does not show"


def _lost_import_lines(m: Any) -> Tuple[str, Optional[str]]:
    """The exception lines a failed import statement (an IMPORT_STATEMENT match) prints: its module not
    found, and, for `from M import N`, N not in M (None for `import M`)."""
    module = m["module"] or m["imported"]
    not_found = f"ModuleNotFoundError: No module named '{module}'"
    if not m["names"]:
        return not_found, None
    return not_found, f"ImportError: cannot import name '{m['names'].strip('() ').split(',')[0].strip()}' from '{module}'"


# an error line cut right before the quote that closes the name it ends with ("No module named 'tensorflow.keras.layers.experimental")
_UNCLOSED_NAME = compile_re(r"(?:^|[\s(])'[\w.]+$")
# an Assert op's node ("parser/Assert/Assert", "assert_equal_1/Assert/AssertGuard/Assert")
_ASSERT_NODE = compile_re(r"(?:^|/)Assert$")
# an OOM line that names its device or allocator itself
_OOM_DEVICE_SAID = compile_re(r"(?i)\bon /\S*(?:CPU|GPU):\d|\bby allocator ")
# (TF <= 1.0 wrote "/job:localhost/replica:0/task:0/cpu:0")
_NODE_DEVICE = compile_re(r'_device="[^"]*?/(?:device:)?((?i:GPU|CPU):\d+)"')
# frames of the import machinery between an import statement and the module it loads: PyCharm's import hook, importlib's own
_IMPORT_MACHINERY = compile_re(r"pydev_import_hook\.py$|^<frozen importlib\.|/importlib/(?:__init__|_bootstrap\w*)\.py$")
UNKNOWN_EXCEPTION_TITLE = "Unrecognized error: "


def _lone_python_warning(rec: Record, tb: Optional[Traceback]) -> bool:
    """A Python warning printed on its own ("UserWarning: ...", as `warnings` writes one under its file:line):
    it reports no failure. Only a traceback ending in one (warnings turned into errors) is an error."""
    return rec.kind == "exception" and str(rec.exc_type).endswith("Warning") and (tb is None or not (tb.frames or tb.source))


UNRECOGNIZED_EXPLANATION = (
    "No rule in the knowledge base explains this line. It is shown so that nothing is hidden; "
    "`tflog rules suggest` drafts a rule for it."
)

# a wrapper line (_WRAPPER) no rule's error follows: the message that says what failed is on the lines after it
WRAPPER_EXPLANATION = (
    "This line only announces an error: the message that says what failed is on the lines right after it in the "
    "log (Keras writes a layer's own error there, TensorFlow each root error, pip the output of the step that "
    "failed), and no rule in the knowledge base knows it. Read those lines; `tflog rules suggest` drafts a rule for them."
)


def _unrecognized_finding(hit: Hit, title: str, explanation: str, facts: Optional[Dict[str, object]] = None) -> Finding:
    """The finding for lines no rule explains (an unrecognized hit, or a family guess withdrawn)."""
    return Finding(
        rule_id="unrecognized",
        category="unknown",
        severity=hit.severity,
        title=title,
        confidence=0.3,
        evidence=list(hit.evidence),
        facts=facts or {},
        count=hit.count,
        match="unrecognized",
        closest=hit.closest,
        explanation=explanation,
    )


def _copied(hit: Hit) -> Hit:
    """A hit with its own evidence, counts and facts (for one report; the analysis keeps the original)."""
    own = {id(ev): Evidence(ev.input, ev.line, ev.text, ev.count) for ev in hit.evidence}
    evidence, masked = [own[id(ev)] for ev in hit.evidence], {k: own.get(id(ev), ev) for k, ev in hit.masked.items()}
    out = Hit(hit.key, hit.rule, hit.match, evidence, masked, hit.count, dict(hit.facts), hit.score)
    out.severity, out.title, out.closest, out.wrapper, out.cut_off = (
        hit.severity,
        hit.title,
        hit.closest,
        hit.wrapper,
        hit.cut_off,
    )
    return out


def _withdrawn_guess(hit: Hit) -> Finding:
    """The unrecognized finding for the lines of a family guess whose `when` does not hold (without the guess's
    facts: they are its reading of the line)."""
    return _unrecognized_finding(hit, "Unrecognized error line", UNRECOGNIZED_EXPLANATION)


def _unrecognized_title(rec: Record) -> str:
    if rec.kind == "exception":
        return UNKNOWN_EXCEPTION_TITLE + str(rec.exc_type)
    if rec.kind == "signal":
        return "The process died: " + rec.message[:80]
    return "Unrecognized error line" + (f" from {rec.source.rsplit('/', 1)[-1]}" if rec.source else "")


def _found_is_exact(raw: bytes, text: str) -> bool:
    """Are the prefilter's keywords (found in the raw bytes, ASCII case-insensitively) exactly those in
    text.lower()? Yes when clean() turned every byte into one ASCII character (a CRLF's CR aside):
    then nothing was removed or decoded differently."""
    return text.isascii() and len(text) == len(raw) - raw.endswith(b"\r")


def _prefilter_for(kb: KnowledgeBase) -> Prefilter:
    """The scanner for this knowledge base's keywords, built once and kept on it (with the keyword
    list it was built from: an object that wraps a knowledge base and adds keywords gets its own)."""
    built = getattr(kb, "_prefilter", None)
    if built is None or built[0] is not kb.keywords:
        built = kb._prefilter = (kb.keywords, Prefilter(list(kb.keywords) + list(FACT_KEYWORDS)))
    return built[1]


# --- ranking ------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _explains(patterns: Tuple[str, ...]) -> re.Pattern:
    """One regex for a rule's `explains` globs: matches a rule id when any glob does (fnmatchcase)."""
    return compile_re("|".join(fnmatch.translate(p) for p in patterns) or "(?!)")


def _after(later: Finding, earlier: Finding) -> bool:
    """Does `later` come after `earlier` in the same input (a notebook's cells each count their lines from 1)?"""
    if not later.evidence or not earlier.evidence or later.evidence[0].input != earlier.evidence[0].input:
        return False
    return later.first_line > earlier.first_line


def rank(findings: List[Finding], kb: KnowledgeBase) -> List[Finding]:
    """Root causes first, each followed by the symptoms it explains; harmless lines last."""

    def importance(f: Finding):
        rule = kb.get(f.rule_id)
        return (SEVERITY_ORDER[f.severity], MATCH_ORDER.get(f.match, 0), -(rule.priority if rule else 0), f.first_line)

    order = sorted(findings, key=importance)
    by_id = {f.rule_id: f for f in order if f.match != "unrecognized"}
    parent: Dict[str, Finding] = {}

    def above(a: Finding, f: Optional[Finding]) -> bool:
        """Is `a` the finding `f` or one that (transitively) explains it?"""
        while f is not None:
            if f is a:
                return True
            f = parent.get(f.key)
        return False

    for f in order:  # the most important explainer claims a symptom first
        rule = kb.get(f.rule_id) if f.match != "unrecognized" else None
        if rule is None or not (rule.explains or rule.explains_after) or f.severity == "info":
            continue
        for other_id, other in by_id.items():
            if other_id in parent or above(other, f):
                continue
            if SEVERITY_ORDER[other.severity] < SEVERITY_ORDER[f.severity]:
                continue  # a warning does not explain an error: the error stands as a cause
            if _explains(tuple(rule.explains)).match(other_id) or (
                _after(other, f) and _explains(tuple(rule.explains_after)).match(other_id)
            ):
                parent[other_id] = f
                f.explains.append(other_id)

    # An error no rule knows that comes after a diagnosed error in the same input is listed under the most
    # important such cause: most are its consequences (the process aborting, the failed op raised again in
    # Python, an empty GPU list indexed). It keeps its own evidence; it is only no longer a root cause.
    causes = [f for f in order if f.match in SPECIFIC_MATCHES and f.severity == "error" and f.key not in parent]
    for u in order:
        if u.match != "unrecognized" or not u.evidence:
            continue
        # (on the same line too: a hard-wrapped line's first piece, which the rule saw joined with the rest)
        cause = _cause_before(causes, u.evidence[0], same_line=True)
        if cause is not None:
            parent[u.key] = cause
            cause.explains.append(u.key)

    # AutoGraph's and Keras' trace headers ("NotImplementedError: in converted code:", "ValueError: in user code:")
    # say nothing themselves: the trace that follows them holds the failure, so a cause diagnosed there is theirs.
    for u in order:
        if u.match != "unrecognized" or u.key in parent or not u.evidence or not _TRACE_HEADER.match(u.evidence[0].text):
            continue
        where = u.evidence[0]
        after = [c for c in causes if c.evidence[0].input == where.input and where.line < c.first_line <= where.line + TRACE_SPAN]
        cause = min(after, key=lambda c: c.first_line, default=None)  # the nearest: the one in the header's own trace
        if cause is not None:
            parent[u.key] = cause
            cause.explains.append(u.key)

    # A Python error no rule knows that follows a dependency conflict in the same input (pip's resolver
    # report, a package made for another TensorFlow or NumPy) is most often that conflict breaking an
    # import or a call: the conflict becomes its cause, and so the cause of an error.
    conflicts = [
        f
        for f in order
        if f.match in SPECIFIC_MATCHES and f.severity == "warning" and f.category == DEPENDENCY_CONFLICT and f.key not in parent
    ]
    adopted = False
    for u in order:
        if u.match != "unrecognized" or u.key in parent or not u.evidence or not _python_error(u):
            continue
        cause = _cause_before(conflicts, u.evidence[0])
        if cause is not None:
            parent[u.key] = cause
            cause.explains.append(u.key)
            cause.severity = "error"
            adopted = True
    if adopted:
        order.sort(key=importance)

    by_key = {f.key: f for f in order}
    ordered: List[Finding] = []

    def emit(f: Finding) -> None:
        ordered.append(f)
        for key in sorted(f.explains, key=lambda k: by_key[k].first_line):
            emit(by_key[key])

    for f in order:
        if f.key not in parent:
            f.root_cause = f.severity != "info"
            emit(f)
    return ordered


DEPENDENCY_CONFLICT = "deps.version_conflict"
TRACE_SPAN = 200  # lines after a trace header within which a cause is its trace's (AutoGraph traces run ~10-100)
_TRACE_HEADER = compile_re(r"^\s*[\w.]*(?:Error|Exception): in (?:converted|user) code:\s*$")


def _cause_before(causes: List[Finding], where: Evidence, same_line: bool = False) -> Optional[Finding]:
    """The first of `causes` (most important first) seen in the same input before `where`."""
    return next(
        (
            c
            for c in causes
            if c.evidence[0].input == where.input and (c.first_line <= where.line if same_line else c.first_line < where.line)
        ),
        None,
    )


def _python_error(f: Finding) -> bool:
    """Is this unrecognized finding a Python exception or a traceback cut before its exception line?"""
    return f.title.startswith((UNKNOWN_EXCEPTION_TITLE, CUT_TRACEBACK_TITLE))


# A block's candidates come without their keywords (scan.Prefilter.candidates) when at most this share of the
# last block's needed them: each is then looked up on its own (~3 us), where a scan that names them costs a
# Python step per keyword in every candidate line.
LATER_SHARE = 0.25


# --- convenience --------------------------------------------------------------------------------


def analyze_paths(paths: Iterable[str], kb: KnowledgeBase, pictures: bool = False) -> Report:
    """Analyse files (or '-' for stdin) into one report, each file on its own (its own facts: two logs
    are two machines); raises reader.InputError on bad input. `pictures`: read what the HTML report's
    pictures need too (see Analysis)."""
    reports = []
    for path in paths:
        analysis = Analysis(kb, pictures)
        if is_notebook(path):  # a notebook's cells are inputs of one analysis: one machine
            analyze_notebook(analysis, path)
            reports.append(analysis.report())
            continue
        source = open_source(path)
        try:
            analyze_source(analysis, source)
        finally:
            if source.stream is not None and path != "-":
                source.stream.close()
        reports.append(analysis.report())
    return combine_reports(reports)


def analyze_source(analysis: Analysis, source: Source) -> InputInfo:
    info = analysis.start_input(source.name)
    for block in read_blocks(source):
        analysis.feed_block(info, block)
    if source.empty:
        analysis.notes.append(f"{source.name}: empty input (0 lines): nothing to diagnose")
    if source.gzip_stopped:
        analysis.notes.append(
            f"{source.name}: the gzip file is cut short or damaged ({source.gzip_stopped}); "
            f"analysed the {info.lines} line(s) before that point, as zcat would show them"
        )
    return info


def analyze_notebook(analysis: Analysis, path: str) -> None:
    """Each code cell's outputs as its own input `path#cellN` (see pipeline.notebook)."""
    for name, text in cell_outputs(path):
        info = analysis.start_input(name)
        for block in LineSplitter(name).split([text.encode("utf-8", "replace")]):
            analysis.feed_block(info, block)


def _exchange(block: Block, raw: bytes, start: int, prompt: bytes) -> Tuple[int, Optional[bytes]]:
    """(where the prompt line `raw` begins in the block, searching from `start`; its exchange with the next
    line). `prompt`: repl_prompt's text of it; where that is not `raw` (a prompt behind a quote, a code span,
    HTML entities), the answer line is cleaned as well: it came through the same hands."""
    data, nl = block.data, block.newline
    at = data.find(raw, start)
    while at > 0 and data[at - len(nl) : at] != nl:  # the prompt line itself, not the same text inside a line
        at = data.find(raw, at + 1)
    if at < 0:
        return start, None
    begin = at + len(raw) + len(nl)
    if begin >= len(data):
        return at + 1, None
    end = data.find(nl, begin)
    answer = data[begin : end if end >= 0 else len(data)]
    if prompt is not raw:
        answer = clean(answer).encode("utf-8")
    return at + 1, repl_exchange(prompt, answer)


def analyze_text(text: str, kb: KnowledgeBase, name: str = "<text>", pictures: bool = False) -> Report:
    """Analyse a string (the server's and the Python API's entry point)."""
    return analyze_chunks([text.encode("utf-8", "replace")], kb, name, pictures=pictures)


def analyze_chunks(
    chunks: Iterable[bytes],
    kb: KnowledgeBase,
    name: str = "<bytes>",
    splitter: Optional[LineSplitter] = None,
    pictures: bool = False,
) -> Report:
    """Analyse bytes that arrive in pieces cut anywhere (mid-line, mid-character), as a pipe
    delivers them. `splitter`: pass one to inspect it afterwards (its line-end choice)."""
    analysis = Analysis(kb, pictures)
    info = analysis.start_input(name)
    for block in (splitter or LineSplitter(name)).split(chunks):
        analysis.feed_block(info, block)
    return analysis.report()
