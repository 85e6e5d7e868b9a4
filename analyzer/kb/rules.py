"""The knowledge base: YAML rules loaded, validated and compiled once.

A rule file is a YAML list of rules (format: docs/rules.md). Loading checks
every field and raises `RuleError` naming file, rule id and field, so a typo in
a user's rule folder reads as one clear line. `KnowledgeBase.match()` is the
exact stage, `KnowledgeBase.fuzzy()` the fuzzy stage.

Kept whole (~580 lines) on purpose: the on-disk cache of loaded rules is keyed by this file's
bytes (`load._rules_key`), so the code that turns YAML into loaded rules (validation, derived
keywords, the plain data the cache stores) stays in the file that key hashes.
"""

from __future__ import annotations

import os
import re
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple, Union

from analyzer.core.cache import compile_re, compile_regex, glob_match
from analyzer.core.normalize import mask
from analyzer.core.records import dataclass, field

from .conditions import ConditionError, compile_condition

if TYPE_CHECKING:
    from pathlib import Path

    import regex
else:  # `regex` is imported where a name other than its flags is used (see cache.regex_module)
    from analyzer.core.cache import regex_module as regex

try:  # the stdlib regex parser, to find the literal text a pattern requires
    import re._parser as _sre_parse  # Python >= 3.11
except ImportError:  # pragma: no cover - Python 3.9/3.10
    import sre_parse as _sre_parse

SEVERITIES = ("error", "warning", "info")
# Log-format eras a rule may claim (`eras:`): the TF versions whose lines carry the rule's message
# in a distinct format. Each claimed era needs a `match` example in that era's format; how an
# example's era is read from its prefix, path or DLL name: analyzer/kbcheck.py, `example_era`.
ERAS = {
    "tf1": "TF <= 1.13: tensorflow/stream_executor/... (dso_loader.cc directly under it), pre-1.14 wording",
    "stream_executor": "TF 1.14-2.10: tensorflow/stream_executor/... (dso_loader under platform/default/)",
    "compiler_xla": "TF 2.11-2.14: tensorflow/compiler/xla/stream_executor/..., tensorflow/tsl/...",
    "local_xla": "TF 2.15+: external/local_xla/xla/..., external/local_tsl/tsl/... (dated TSL prefix)",
    "absl": "TF ~2.17+: absl prefix 'E0000 00:00:<epoch>.<usec> <tid> file.cc:N]', basename only",
    "windows": "native Windows (TF <= 2.10): backslash source paths or .dll library names",
}
MATCH_TIMEOUT = 0.25  # seconds one rule's regex may spend on one line before it is disabled
# Built-in patterns are checked against backtracking by the test suite (tests/test_redos.py), so on
# ordinary lines they run without the timeout: `regex` reads the process CPU clock (a system call)
# for every timed search, which was a quarter of a small log's analysis. User rules, and every rule
# on a line longer than this, keep it.
VETTED_MAX_LEN = 4096
MIN_KEYWORD = 4
FUZZY_CACHE = 4096  # fuzzy results kept per knowledge base (keyed by masked message)
CACHE_MAX_LEN = 1000  # longer texts are never cached, so that caches stay small whatever the input

_mask_lru = lru_cache(maxsize=8192)(mask)


def mask_cached(text: str) -> str:
    """mask(text), remembered for recent texts: it runs eight regex substitutions, and the same
    messages recur within and across logs."""
    return _mask_lru(text) if len(text) <= CACHE_MAX_LEN else mask(text)


_KNOWN_FIELDS = {
    "id",
    "aliases",
    "category",
    "severity",
    "title",
    "priority",
    "match",
    "keywords",
    "fuzzy",
    "when",
    "severity_when",
    "explains",
    "explains_after",
    "explanation",
    "fixes",
    "references",
    "probe",
    "confidence",
    "examples",
    "eras",
    "traceback",
    "family",
}
TRACEBACK_FIELDS = ("exception", "message", "frames", "raised_in", "importing", "source", "cut")
PROBES = ("library", "cudnn_version", "cuda_version", "driver", "cudnn_handle", "gpu_alloc", "tf_op")
_ID = compile_re(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")


class RuleError(Exception):
    """A rule file or rule that cannot be used; the message names file, rule and field."""


@dataclass
class Fix:
    text: str
    when: Optional[str] = None


@dataclass
class Example:
    line: str
    facts: Dict[str, str] = field(default_factory=dict)


@dataclass
class Rule:
    id: str
    category: str
    severity: str
    title: str
    file: str
    sources: List[str]  # the `match` regexes as written
    keywords: List[str]
    aliases: List[str] = field(default_factory=list)
    priority: int = 50
    fuzzy: List[str] = field(default_factory=list)  # masked signatures
    fuzzy_raw: List[str] = field(default_factory=list)
    fuzzy_threshold: float = 88.0
    when: Optional[str] = None
    severity_when: List[Dict[str, str]] = field(default_factory=list)
    explains: List[str] = field(default_factory=list)
    # symptoms it explains only where they come after it (a killed step, then the file it never wrote)
    explains_after: List[str] = field(default_factory=list)
    explanation: str = ""  # paragraphs, one per line
    # each paragraph's condition (None: always shown); empty when none has one (see _explanation)
    explanation_when: List[Optional[str]] = field(default_factory=list)
    fixes: List[Fix] = field(default_factory=list)
    references: List[str] = field(default_factory=list)
    probe: Optional[str] = None
    confidence: float = 0.9
    examples_match: List[Example] = field(default_factory=list)
    examples_no_match: List[str] = field(default_factory=list)
    eras: List[str] = field(default_factory=list)  # log-format eras claimed (ERAS)
    # a whole Python traceback: {exception: [type globs], message: regex, frames: [path globs],
    # raised_in: [path globs], importing: [path globs], source: regex}; see `traceback_matches`
    traceback: Dict[str, Any] = field(default_factory=dict)
    family: bool = False  # a family guess: tried only for errors that no specific rule explains
    disabled: Optional[str] = None  # why, when a rule was switched off at run time
    vetted: bool = False  # a built-in rule (see VETTED_MAX_LEN)
    _compiled: Optional[List[regex.Pattern]] = field(default=None, repr=False)

    @property
    def patterns(self) -> List[regex.Pattern]:
        """Compiled on first use: most rules never see a line with their keywords, so start-up skips them."""
        if self._compiled is None:
            self._compiled = [compile_regex(src, regex.V0) for src in self.sources]
        return self._compiled

    if not TYPE_CHECKING:  # (type checkers see the fields above, not a catch-all)

        def __getattr__(self, name: str) -> Any:
            """A cold field (COLD_FIELDS) of a rule restored from the cache, decoded on first use."""
            cold = self.__dict__.get("_cold")
            if cold is None or name not in COLD_FIELDS:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            values = _cold_values(cold)
            self.__dict__.update(values)
            del self.__dict__["_cold"]
            return values[name]

    def search(self, message: str):
        """First match of this rule in `message`, or None. Raises TimeoutError on runaway regexes."""
        timeout = None if self.vetted and len(message) <= VETTED_MAX_LEN else MATCH_TIMEOUT
        for p in self.patterns:
            m = p.search(message, timeout=timeout)
            if m:
                return m
        return None


# --- locating and loading -------------------------------------------------------------------


def builtin_rules_path() -> str:
    """rules/ inside an installed wheel (analyzer/rules) or at the top of a source checkout.

    Strings and os.path, here and in `rule_file_paths`: a plain analysis (which only hashes the rule
    files, see load._rules_key) does not import pathlib, ~3 ms of a start-up.
    """
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # analyzer/
    candidates = (os.path.join(package, "rules"), os.path.join(os.path.dirname(package), "rules"))
    for candidate in candidates:
        if os.path.isfile(os.path.join(candidate, "categories.yaml")):
            return candidate
    raise RuleError(f"cannot find the built-in knowledge base (looked in {candidates[0]} and {candidates[1]})")


def builtin_rules_dir() -> Path:
    """`builtin_rules_path()` as a Path."""
    from pathlib import Path

    return Path(builtin_rules_path())


def load_categories(rules_dir: Path) -> Dict[str, str]:
    data = _load_yaml(rules_dir / "categories.yaml")
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise RuleError(f"{rules_dir / 'categories.yaml'}: expected a mapping 'categories: {{name: description}}'")
    return {str(k): str(v) for k, v in data["categories"].items()}


def _load_yaml(path: Path) -> Any:
    import yaml  # here, not at the top: a cached knowledge base (see _cache) needs no YAML

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster, equally safe
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RuleError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise RuleError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as e:
        where = ""
        mark = getattr(e, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise RuleError(f"{path}: invalid YAML{where}: {problem}") from None


def rule_files(directory: Path) -> List[Path]:
    """Rule files of a folder (recursively), excluding categories.yaml and compat tables."""
    from pathlib import Path

    return [Path(f) for f in rule_file_paths(directory)]


def rule_file_paths(directory: Union[str, os.PathLike]) -> List[str]:
    """`rule_files` as strings (os.path.join of the folder as given and the names below it)."""
    if not os.path.isdir(directory):
        raise RuleError(f"{directory}: rules folder not found")
    files = []
    for root, dirs, names in os.walk(os.fspath(directory)):
        dirs[:] = sorted(d for d in dirs if d != "compat" and not d.startswith("."))
        for n in sorted(names):
            if n.endswith((".yaml", ".yml")) and n != "categories.yaml":
                files.append(os.path.join(root, n))
    return files


def load_rules(extra_dirs: Iterable[os.PathLike] = (), include_builtin: bool = True) -> KnowledgeBase:
    """Load built-in rules plus user folders; a user rule with a built-in id replaces it."""
    from pathlib import Path

    builtin = builtin_rules_dir()
    categories = load_categories(builtin)
    dirs = ([builtin] if include_builtin else []) + [Path(d) for d in extra_dirs]
    by_id: Dict[str, Rule] = {}
    for d in dirs:
        seen_here: Dict[str, str] = {}
        for path in rule_files(d):
            # Built-in rules are compiled lazily (the test suite compiles and runs them all);
            # a user's rules are compiled now, so a bad regex is reported before analysis starts.
            for rule in parse_rule_file(path, categories, eager=d != builtin):
                rule.vetted = d == builtin
                if rule.id in seen_here:
                    raise RuleError(f"{path}: rule {rule.id}: duplicate id (also in {seen_here[rule.id]})")
                seen_here[rule.id] = str(path)
                by_id[rule.id] = rule
    return KnowledgeBase(list(by_id.values()), categories)


def parse_rule_file(path: Path, categories: Dict[str, str], eager: bool = True) -> List[Rule]:
    data = _load_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list):
        raise RuleError(f"{path}: expected a YAML list of rules, got {type(data).__name__}")
    return [parse_rule(path, i, item, categories, eager) for i, item in enumerate(data)]


def parse_rule(path: Path, index: int, raw: Any, categories: Dict[str, str], eager: bool = True) -> Rule:
    """Validate one rule mapping; every problem raises RuleError naming file, rule and field."""
    if not isinstance(raw, dict):
        raise RuleError(f"{path}: rule #{index + 1}: expected a mapping, got {type(raw).__name__}")
    rid = raw.get("id")
    where = f"{path}: rule {rid if rid else '#' + str(index + 1)}"

    def bad(fieldname: str, problem: str) -> RuleError:
        return RuleError(f"{where}: field '{fieldname}': {problem}")

    unknown = sorted(set(raw) - _KNOWN_FIELDS)
    if unknown:
        raise bad(unknown[0], f"unknown field (known fields: {', '.join(sorted(_KNOWN_FIELDS))})")
    for req in ("id", "category", "severity", "title"):
        if raw.get(req) in (None, "", []):
            raise bad(req, "required")
    if raw.get("match") in (None, "", []) and not raw.get("traceback"):
        raise bad("match", "required (or 'traceback')")
    if not isinstance(rid, str) or not _ID.match(rid):
        raise bad("id", f"{rid!r} is not a kebab-case id (lowercase letters, digits, '-')")
    if raw["category"] not in categories:
        raise bad("category", f"{raw['category']!r} is not a category in categories.yaml")
    if raw["severity"] not in SEVERITIES:
        raise bad("severity", f"{raw['severity']!r} is not one of {', '.join(SEVERITIES)}")

    def str_list(name: str) -> List[str]:
        v = raw.get(name) or []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise bad(name, "expected a list of strings")
        return v

    patterns = []
    for src in str_list("match"):
        try:
            if eager:
                patterns.append(compile_regex(src, regex.V0))
            else:
                _sre_parse.parse(src)  # cheap syntax check; the `regex` compile happens on first use
        except (regex.error, re.error) as e:
            raise bad("match", f"regex {src!r} does not compile: {e}") from None
    keywords = [k.lower() for k in str_list("keywords")]
    for src in str_list("match") if not keywords else ():  # explicit keywords cover every pattern
        lits = required_literals(src)
        if lits is None:
            raise bad(
                "match", f"cannot derive a prefilter keyword of {MIN_KEYWORD}+ literal characters from {src!r}; add 'keywords:'"
            )
        keywords.extend(lits)
    keywords = sorted(set(keywords))

    fz = raw.get("fuzzy") or {}
    if not isinstance(fz, dict):
        raise bad("fuzzy", "expected a mapping with 'signatures' and optional 'threshold'")
    sigs = fz.get("signatures") or []
    if isinstance(sigs, str):
        sigs = [sigs]
    if not isinstance(sigs, list) or not all(isinstance(s, str) for s in sigs):
        raise bad("fuzzy", "'signatures' must be a list of strings")
    threshold = fz.get("threshold", 88)
    if not isinstance(threshold, (int, float)) or not 50 <= threshold <= 100:
        raise bad("fuzzy", "'threshold' must be a number from 50 to 100")

    for cname in ("when",):
        if raw.get(cname) is not None:
            _check_condition(bad, cname, raw[cname])
    sev_when = raw.get("severity_when") or []
    if not isinstance(sev_when, list):
        raise bad("severity_when", "expected a list of {if, severity, note}")
    for item in sev_when:
        if not isinstance(item, dict) or "if" not in item or item.get("severity") not in SEVERITIES:
            raise bad("severity_when", "each item needs 'if' and a 'severity' (error|warning|info)")
        _check_condition(bad, "severity_when", item["if"])

    fixes = []
    for item in raw.get("fixes") or []:
        if isinstance(item, str):
            fixes.append(Fix(item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            if item.get("when") is not None:
                _check_condition(bad, "fixes", item["when"])
            fixes.append(Fix(item["text"], item.get("when")))
        else:
            raise bad("fixes", "each fix is a string or {text, when}")

    probe = raw.get("probe")
    if probe is not None and probe not in PROBES:
        raise bad("probe", f"{probe!r} is not a probe ({', '.join(PROBES)})")
    priority = raw.get("priority", 50)
    if not isinstance(priority, int) or not 0 <= priority <= 100:
        raise bad("priority", "must be an integer from 0 to 100")
    confidence = raw.get("confidence", 0.9)
    if not isinstance(confidence, (int, float)) or not 0 < confidence <= 1:
        raise bad("confidence", "must be a number in (0, 1]")
    explanation, explanation_when = _explanation(bad, raw.get("explanation") or "")

    examples = raw.get("examples") or {}
    if not isinstance(examples, dict) or set(examples) - {"match", "no_match"}:
        raise bad("examples", "expected a mapping with 'match' and 'no_match' lists")
    ex_match = []
    for item in examples.get("match") or []:
        if isinstance(item, str):
            ex_match.append(Example(item))
        elif isinstance(item, dict) and isinstance(item.get("line"), str):
            ex_match.append(Example(item["line"], {str(k): str(v) for k, v in (item.get("facts") or {}).items()}))
        else:
            raise bad("examples", "each 'match' example is a line or {line, facts}")
    ex_no = examples.get("no_match") or []
    if not isinstance(ex_no, list) or not all(isinstance(x, str) for x in ex_no):
        raise bad("examples", "'no_match' must be a list of lines")
    tb = _traceback_spec(bad, raw.get("traceback"))
    family = raw.get("family", False)
    if not isinstance(family, bool):
        raise bad("family", "expected true or false")
    eras = str_list("eras")
    for era in eras:
        if era not in ERAS:
            raise bad("eras", f"{era!r} is not an era ({', '.join(ERAS)})")
    if len(set(eras)) != len(eras):
        raise bad("eras", "an era is listed twice")

    return Rule(
        id=rid,
        category=raw["category"],
        severity=raw["severity"],
        title=str(raw["title"]).strip(),
        file=str(path),
        sources=str_list("match"),
        _compiled=patterns if eager else None,
        keywords=keywords,
        aliases=str_list("aliases"),
        priority=priority,
        fuzzy=[mask(s) for s in sigs],
        fuzzy_raw=list(sigs),
        fuzzy_threshold=float(threshold),
        when=raw.get("when"),
        severity_when=sev_when,
        explains=str_list("explains"),
        explains_after=str_list("explains_after"),
        explanation=explanation,
        explanation_when=explanation_when,
        fixes=fixes,
        references=str_list("references"),
        probe=probe,
        confidence=float(confidence),
        examples_match=ex_match,
        examples_no_match=list(ex_no),
        eras=eras,
        traceback=tb,
        family=family,
    )


def _explanation(bad, raw: Any) -> Tuple[str, List[Optional[str]]]:
    """A rule's explanation: a string, or a list of paragraphs, each a string or {text, when}, so that
    a sentence true only for some logs (the loaded cuDNN older than the build's, a ROCm machine) is
    shown only where its `when` holds. Returns (the paragraphs, one per line; their conditions, or []
    when none has one)."""
    if isinstance(raw, str):
        return raw.strip(), []
    if not isinstance(raw, list):
        raise bad("explanation", "expected a string or a list of paragraphs")
    texts: List[str] = []
    conditions: List[Optional[str]] = []
    for item in raw:
        text, when = (
            (item, None)
            if isinstance(item, str)
            else (item.get("text"), item.get("when"))
            if isinstance(item, dict)
            else (None, None)
        )
        if not isinstance(text, str) or not text.strip() or "\n" in text.strip():
            raise bad("explanation", "each paragraph is one line of text or {text, when}")
        if when is not None:
            _check_condition(bad, "explanation", when)
        texts.append(text.strip())
        conditions.append(when)
    return "\n".join(texts), conditions if any(c is not None for c in conditions) else []


def _traceback_spec(bad, raw: Any) -> Dict[str, Any]:
    """The `traceback:` field, validated: lists of globs for exception/frames/raised_in/importing, a regex for message
    and for source."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw or set(raw) - set(TRACEBACK_FIELDS):
        raise bad("traceback", f"expected a mapping with some of {', '.join(TRACEBACK_FIELDS)}")
    spec: Dict[str, Any] = {}
    for name in ("exception", "frames", "raised_in", "importing"):
        v = raw.get(name)
        if v is None:
            continue
        v = [v] if isinstance(v, str) else v
        if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
            raise bad("traceback", f"'{name}' must be a string or a list of strings")
        spec[name] = list(v)
    for name in ("message", "source"):
        if raw.get(name) is None:
            continue
        if not isinstance(raw[name], str):
            raise bad("traceback", f"'{name}' must be a regex string")
        try:
            compile_regex(raw[name], regex.V0)
        except regex.error as e:
            raise bad("traceback", f"'{name}' regex does not compile: {e}") from None
        spec[name] = raw[name]
    if "cut" in raw:
        if raw["cut"] is not True:
            raise bad("traceback", "'cut' must be true (or left out)")
        spec["cut"] = True
    return spec


INSTALLED = "<installed>"  # a frames/raised_in/importing glob: any file under site-packages or dist-packages


@lru_cache(maxsize=512)
def _path_glob(pattern: str) -> regex.Pattern:
    """A `frames`/`raised_in` glob as a regex on a module path. A bare name (`object_detection`)
    means that directory anywhere in the path; otherwise fnmatch-style, `*` crossing slashes. Either
    begins at a path component (`keras/*` is not bert4keras/'s). Built once per glob: traceback rules ask
    it for every frame of every traceback."""
    import fnmatch

    if not any(c in pattern for c in "*?[/."):
        return compile_regex(r"(?:^|/)" + regex.escape(pattern) + r"(?:/|\.py$)")
    return compile_regex(r"(?:^|/)" + fnmatch.translate(pattern))


def _in(frame: Any, globs: List[str]) -> bool:
    """Is the frame in the code one of `globs` names (INSTALLED: in an installed package, which the module
    path, relative to site-packages, no longer tells)?"""
    return any(("-packages/" in frame.file) if g == INSTALLED else bool(_path_glob(g).search(frame.module_path)) for g in globs)


def traceback_matches(rule: Rule, tb) -> Optional[Any]:
    """The frame that tells the story when `tb` (a parse.Traceback) fits the rule's `traceback:`
    field, True when it fits and no frame is involved, None when it does not fit. A traceback cut
    off before its exception line fits when its frames do (its message is not known; its type only when
    IPython's header announced it)."""

    spec = rule.traceback
    if not spec:
        return None
    if spec.get("cut") and tb.exception is not None:
        return None  # only a traceback cut before its exception line (a whole one is the line rules' to read)
    if tb.exception is not None:
        if "exception" in spec:
            etype = tb.exception_type or ""
            if not any(glob_match(etype, g) for g in spec["exception"]):
                return None
        if "message" in spec and not compile_regex(spec["message"], regex.V0).search(tb.exception_message):
            return None
    elif "message" in spec or not ({"frames", "raised_in", "importing", "source"} & set(spec)):
        return None  # a cut-off traceback: its message is not known, and frames alone are not enough here
    elif "exception" in spec and tb.exception_type and not any(glob_match(tb.exception_type, g) for g in spec["exception"]):
        return None  # cut off, but IPython's header announced an exception type this rule is not about
    if "source" in spec and not (tb.source and compile_regex(spec["source"], regex.V0).search(tb.source)):
        return None
    story = None
    if "importing" in spec:
        # the failure happened while importing the named code: from its first frame inward, every frame
        # runs module-level code (`<module>`; IPython >= 8 prints no function for those)
        first = next((i for i, f in enumerate(tb.frames) if _in(f, spec["importing"])), None)
        if first is None or not all(f.func in ("<module>", "?") for f in tb.frames[first:]):
            return None
        story = tb.frames[-1]
    if "raised_in" in spec:
        if not tb.frames:
            return None
        inner = tb.frames[-1]
        if not _in(inner, spec["raised_in"]):
            return None
        story = inner
    if "frames" in spec:
        hits = [f for f in tb.frames if _in(f, spec["frames"])]
        if not hits:
            return None
        story = story or hits[-1]  # the innermost frame in the named code
    return story if story is not None else True


def _check_condition(bad, name: str, source: Any) -> None:
    if not isinstance(source, str):
        raise bad(name, "a condition must be a string expression")
    try:
        compile_condition(source)
    except ConditionError as e:
        raise bad(name, str(e)) from None


# --- prefilter keywords -----------------------------------------------------------------------


def required_literals(pattern: str, min_len: int = MIN_KEYWORD) -> Optional[List[str]]:
    """Literal strings of which every match must contain at least one (lowercased), or None (also
    when one is shorter than `min_len`).

    Used to build the prefilter: a line containing none of a rule's keywords cannot match it; and by
    pipeline.classes to skip searches of patterns on lines that lack all of them.
    """
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:
        return None
    best = _best_literals(list(parsed))
    if best is None or min(len(s) for s in best) < min_len:
        return None
    return sorted({s.lower() for s in best})


def _best_literals(items) -> Optional[List[str]]:
    C = _sre_parse
    candidates: List[List[str]] = []
    run: List[str] = []

    def flush():
        if run:
            candidates.append(["".join(run)])
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is C.SUBPATTERN:
            sub = _best_literals(list(av[-1]))
            if sub:
                candidates.append(sub)
        elif op is C.BRANCH:
            alts = [_best_literals(list(b)) for b in av[1]]
            known = [a for a in alts if a]
            if len(known) == len(alts):  # every branch requires a literal
                candidates.append([s for a in known for s in a])
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
            sub = _best_literals(list(av[2]))
            if sub:
                candidates.append(sub)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda c: min(len(s) for s in c))


# --- plain-data form (the on-disk cache, see kb/load.py) ---------------------------------------

_NOT_CACHED = ("_compiled", "disabled")  # run-time state, rebuilt on use
# What only the report of a rule's finding (or `tflog rules`) reads: kept in the cache as each rule's
# own marshal bytes (`cold_split`), decoded when first read (Rule.__getattr__). A start-up then
# neither decodes half of the cached text nor makes the ~1,500 Fix and Example objects. Only fields
# without a class attribute (a default_factory, not a default) can be cold: a class attribute would
# answer before __getattr__ is asked (tests/test_knowledge.py checks it).
COLD_FIELDS = ("fixes", "references", "examples_match", "examples_no_match")


def rules_to_data(kb: KnowledgeBase) -> Dict[str, Any]:
    """The validated rules as plain data (compiled regexes left out): dicts, lists, strings, numbers."""
    from dataclasses import asdict, fields

    names = [f.name for f in fields(Rule) if f.name not in _NOT_CACHED]
    rules = []
    for r in kb.rules:
        d = {n: getattr(r, n) for n in names}
        d["fixes"] = [asdict(f) for f in r.fixes]
        d["examples_match"] = [asdict(e) for e in r.examples_match]
        rules.append(d)
    return {"categories": kb.categories, "rules": rules}


def rules_from_data(data: Dict[str, Any]) -> KnowledgeBase:
    """The inverse of `rules_to_data`.

    The objects are filled in directly (`_restored`), not through the dataclasses' __init__: this runs on
    every start-up with a warm cache, ~1,600 objects, and the data was validated when it was written.
    """
    rules = []
    for d in data["rules"]:
        d = dict(d)
        if "_cold" not in d:
            d.update(_cold_values(d))
        d["_compiled"] = d["disabled"] = None  # _NOT_CACHED
        rules.append(_restored(Rule, d))
    return KnowledgeBase(rules, data["categories"])


def cold_split(data: Dict[str, Any]) -> Dict[str, Any]:
    """`rules_to_data`'s data with each rule's COLD_FIELDS as one marshal bytes value (`_cold`), which
    rules_from_data keeps as it is until a cold field is read."""
    import marshal

    rules = []
    for d in data["rules"]:
        d = dict(d)
        d["_cold"] = marshal.dumps({name: d.pop(name) for name in COLD_FIELDS})
        rules.append(d)
    return {**data, "rules": rules}


def _cold_values(cold: Any) -> Dict[str, Any]:
    """The cold fields as the Rule holds them, from their plain data (or its marshal bytes)."""
    if isinstance(cold, bytes):
        import marshal

        cold = marshal.loads(cold)
    values = {name: cold[name] for name in COLD_FIELDS}
    values["fixes"] = [_restored(Fix, f) for f in values["fixes"]]
    values["examples_match"] = [_restored(Example, e) for e in values["examples_match"]]
    return values


def _restored(cls, values: Dict[str, Any]):
    """An instance of the dataclass `cls` with every field set from `values` (no __init__, no defaults)."""
    obj = cls.__new__(cls)
    obj.__dict__.update(values)
    return obj


# --- the compiled knowledge base --------------------------------------------------------------


class KnowledgeBase:
    """All rules, compiled; answers 'which rule matches this message' (exact, then fuzzy)."""

    def __init__(self, rules: List[Rule], categories: Dict[str, str]):
        self.rules = rules
        self.categories = categories
        self.by_id: Dict[str, Rule] = {r.id: r for r in rules}
        for r in rules:
            for a in r.aliases:
                self.by_id.setdefault(a, r)
        self.keywords = sorted({k for r in rules for k in r.keywords})
        # keyword -> indices of the rules it admits (a line is only tried against those rules).
        # Family guesses (`family: true`) have their own index: they are tried only for errors
        # that no specific rule explains (see `match_family`).
        self.rules_by_keyword: Dict[str, List[int]] = {}
        self._family_by_keyword: Dict[str, List[int]] = {}
        for i, r in enumerate(rules):
            for k in r.keywords:
                (self._family_by_keyword if r.family else self.rules_by_keyword).setdefault(k, []).append(i)
        self._keyword_items = list(self.rules_by_keyword.items())
        self._family_items = list(self._family_by_keyword.items())
        # Rules on whole tracebacks, in file order: specific ones first, then family guesses.
        self.traceback_rules: List[Rule] = [r for r in rules if r.traceback and not r.family] + [
            r for r in rules if r.traceback and r.family
        ]
        self._sig_owner: List[Rule] = [r for r in rules for _ in r.fuzzy if not r.family]
        self._sigs: List[str] = [s for r in rules if not r.family for s in r.fuzzy]
        self.warnings: List[str] = []
        # Shared by every analysis that uses this knowledge base (the server's included); both
        # are emptied when a rule is disabled, since they remember what rules matched.
        self._fuzzy_masked = lru_cache(maxsize=FUZZY_CACHE)(self._fuzzy_uncached)
        self.line_cache: Dict[str, Any] = {}  # the engine's per-line results (engine.LINE_CACHE)
        self.line_classes: Dict[Any, Any] = {}  # lines equal up to their digits (pipeline.classes)
        self._class_keywords: Any = None  # pipeline.classes' keyword index for these rules
        self._class_rule_index: Any = None  # pipeline.classes' {id(rule): index}, for its disk store
        self._prefilter: Any = None  # the engine's scanner for these keywords (engine._prefilter_for)
        self.cache_key: Optional[str] = None  # set by _cache when loaded through it: keys its stores
        self._rule_disabled = False

    def get(self, rule_id: str) -> Optional[Rule]:
        return self.by_id.get(rule_id)

    @cached_property
    def position(self) -> Dict[str, int]:
        """Each rule's place in file order (the first rule that matches a line wins it)."""
        return {r.id: i for i, r in enumerate(self.rules)}

    def rules_after(self, rule: Rule, line_lower: str) -> List[Rule]:
        """The specific rules after `rule` with a keyword in the line: those that read the line where `rule`
        steps aside (its `when` does not hold for the log)."""
        at = self.position[rule.id]
        return [r for r in self.candidate_rules(line_lower) if self.position[r.id] > at]

    def candidate_rules(self, line_lower: str, found: Optional[Iterable[str]] = None) -> List[Rule]:
        """Rules (in file order) with a keyword in the line; `found` = keywords the scanner already saw."""
        if found is None:
            found = [k for k, _ in self._keyword_items if k in line_lower]
        idx = sorted({i for k in found for i in self.rules_by_keyword.get(k, ())})
        return [self.rules[i] for i in idx]

    def match_family(self, message: str, text: str) -> Tuple[Optional[Rule], Any]:
        """Family stage: the first family guess whose regex matches an error line nothing else explained."""
        low = text.lower()
        idx = sorted({i for k, ids in self._family_items if k in low for i in ids})
        return self.match_line(message, text, [self.rules[i] for i in idx if self.rules[i].sources])

    def match_line(self, message: str, text: str, candidates: List[Rule]) -> Tuple[Optional[Rule], Any]:
        """The first candidate that matches a line's message (the text after its log prefix), else the whole
        line (a rule may be written against either)."""
        rule, m = self.match(message, candidates)
        if rule is None and message is not text:
            rule, m = self.match(text, candidates)
        return rule, m

    def match(self, message: str, candidates: Optional[List[Rule]] = None) -> Tuple[Optional[Rule], Any]:
        """Exact stage: the first rule (by file order) whose regex matches `message`."""
        if candidates is None:
            candidates = self.candidate_rules(message.lower())
        for r in candidates:
            if r.disabled:
                continue
            try:
                m = r.search(message)
            except TimeoutError:
                r.disabled = f"rule {r.id} ({r.file}) was disabled: its regex took over {MATCH_TIMEOUT}s on one line"
                self.warnings.append(r.disabled)
                self._forget()
                continue
            except regex.error as e:
                r.disabled = f"rule {r.id} ({r.file}) was disabled: its regex does not compile ({e})"
                self.warnings.append(r.disabled)
                self._forget()
                continue
            if m:
                return r, m
        return None, None

    def fuzzy(self, message: str, limit: int = 3) -> List[Tuple[Rule, float]]:
        """Fuzzy stage: rules whose signatures resemble `message`, best first, with scores 0-100."""
        if not self._sigs:
            return []
        query = mask_cached(message)
        if len(query) < 12:
            return []
        if len(query) > CACHE_MAX_LEN:
            return list(self._fuzzy_uncached(query, limit))
        return list(self._fuzzy_masked(query, limit))

    def _forget(self) -> None:
        """Drop cached results: a rule was disabled, and they may name it."""
        self._rule_disabled = True
        self._fuzzy_masked.cache_clear()
        self.line_cache.clear()
        self.line_classes.clear()

    def _fuzzy_uncached(self, query: str, limit: int) -> Tuple[Tuple[Rule, float], ...]:
        from analyzer.core.cache import fuzzy_store

        # Results saved by an earlier run (see _cache.fuzzy_store); not once a rule was disabled.
        store = fuzzy_store(self) if not self._rule_disabled and len(query) <= CACHE_MAX_LEN else None
        saved = store.get((query, limit)) if store is not None else None
        if saved is not None:
            try:
                return tuple((self.by_id[rule_id], score) for rule_id, score in saved)
            except KeyError:
                pass
        from rapidfuzz import process

        results = process.extract(query, self._sigs, scorer=_fuzzy_score, limit=limit * 3, score_cutoff=50)
        best: Dict[str, Tuple[Rule, float]] = {}
        for _, score, idx in results:
            rule = self._sig_owner[idx]
            if rule.disabled:
                continue
            if rule.id not in best or best[rule.id][1] < score:
                best[rule.id] = (rule, score)
        out = tuple(sorted(best.values(), key=lambda x: -x[1])[:limit])
        if store is not None:
            store.put((query, limit), tuple((rule.id, float(score)) for rule, score in out))
        return out


def _fuzzy_score(query: str, sig: str, **kwargs) -> float:
    """ratio on whole texts; partial_ratio when one is a fragment (wrapped or truncated lines)."""
    from rapidfuzz import fuzz

    score = fuzz.ratio(query, sig)
    short, long_ = sorted((query, sig), key=len)
    if len(short) >= 30 and len(short) >= 0.4 * len(long_):
        score = max(score, 0.95 * fuzz.partial_ratio(short, long_))
    return score
