"""The speed-ups change nothing: reports are identical with and without each cache and fast path.

- the on-disk cache (rules, Hyperscan database, compiled patterns; analyzer/core/cache.py): off, empty
  (being filled), filled, and corrupted;
- the in-process caches shared across analyses (per-line results, fuzzy results, masks);
- the prefilter's keywords reused by the later steps (Hyperscan) against each step looking itself;
- `tflog analyze` run by cli.main's fast path against the same invocation through Typer;
- line classes (lines equal up to their digits decided once, analyzer/pipeline/classes.py) against
  the plain line-by-line path, on every sample log, on the benchmark shapes (typical, verbose,
  multi-worker, generate_log.py's) and on generated logs (a hypothesis property test);
- pipeline.bulk's decisions without the prefilter: lines with `0x` ids taken by their hex-blind class
  (also where ids spell keywords), keys marked NOT_CANDIDATE, interactive prompts in bulk blocks.

Nothing here is timed (benchmarks/bench.py measures).
"""

from __future__ import annotations

import json
import marshal
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.kb.rules import load_rules
from analyzer.pipeline import engine
from analyzer.pipeline.engine import Analysis
from analyzer.pipeline.reader import Block, LineSplitter
from analyzer.pipeline.scan import Prefilter

from conftest import ROOT, SAMPLES, tflog

try:
    import hyperscan  # noqa: F401

    HAVE_HS = True
except ImportError:
    HAVE_HS = False

# Lines that clean() changes (ANSI codes inside keywords, NULs, \r rewrites), non-ASCII letters that
# lower() folds to ASCII (Kelvin sign, dotted I), CRLF line ends: where the prefilter's keywords
# (found in raw bytes) and the cleaned line's keywords differ.
TRICKY = (
    "2021-03-01 12:00:00.123456: E tensorflow/stream_executor/cuda/cuda_dnn.cc:336] Could not create "
    "cu\x1b[31mdnn\x1b[0m handle: CUDNN_STATUS_INTERNAL_ERROR\r\n"
    "W tensorflow/x.cc:1] Could not load dynamic library 'libcud\x00art.so.11.0'; dlerror: not found\r\n"
    "10/10 [====] - loss: 0.1\r2021-03-01 12:00:01.000001: E tensorflow/y.cc:2] CUDA_ERROR_OUT_OF_MEMORY: out of memory\r\n"
    "\u212aernel module 470.82.01 \u0130n use; Driver Version: 470.82.01    CUDA Version: 11.4\r\n"
    "Python 3.8 on Darwin with /Users/me/x.dylib; tf 2.4.1 and TensorFlow version: 2.4.1\r\n"
    "tensorflow.python.framework.errors_impl.InternalError: Failed to call ThenRnnForward with model config\r\n"
    "ERROR:tensorflow:Something nobody has a rule for happened 3 times\r\n"
)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """Every sample log, a generated training log and the tricky lines."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate_log import generate

    folder = tmp_path_factory.mktemp("logs")
    gen = folder / "generated.log"
    generate(str(gen), 1, seed=3)
    tricky = folder / "tricky.log"
    tricky.write_bytes(TRICKY.encode("utf-8") * 2)
    return sorted(SAMPLES.glob("*.log")) + [gen, tricky]


def analyse(kb, path: Path, prefilter=None, classes: bool = True) -> dict:
    analysis = Analysis(kb)
    analysis.line_classes = classes
    if prefilter is not None:
        analysis.prefilter = prefilter
    info = analysis.start_input(path.name)
    splitter = LineSplitter(path.name)
    data = path.read_bytes()
    for i in range(0, len(data), 1 << 16):
        for block in splitter.feed(data[i : i + (1 << 16)]):
            analysis.feed_block(info, block)
    for block in splitter.finish():
        analysis.feed_block(info, block)
    return analysis.report().to_dict()


# --- in-process caches ----------------------------------------------------------------------------


def test_shared_caches_change_nothing(logs, monkeypatch):
    """A fresh knowledge base with the per-line cache and line classes off, against one whose caches are warm."""
    cold_kb = load_rules()
    monkeypatch.setattr(engine, "LINE_CACHE_MAX_LEN", -1)  # remember no line
    uncached = {p: analyse(cold_kb, p, classes=False) for p in logs}
    monkeypatch.undo()
    warm_kb = load_rules()
    for p in logs:
        analyse(warm_kb, p)  # fills the per-line, fuzzy and mask caches
    for p in logs:
        assert analyse(warm_kb, p) == uncached[p], p
    assert warm_kb.line_cache, "the per-line cache was not used"


def _retimed(text: str, seed: int) -> str:
    """The same log written at another time by another thread, with some levels changed (E<->W)."""
    rng = random.Random(seed)
    text = re.sub(
        r"\d\d:\d\d:\d\d\.\d{6}",
        lambda m: f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(10**6):06d}",
        text,
    )
    text = re.sub(r"(?m)^([IWEF])(\d{4} [\d:.]+\s+)(\d+)", lambda m: m.group(1) + m.group(2) + str(rng.randrange(99999)), text)
    return re.sub(
        r"(?m)(: |^)([EW])(?= \S+:\d+\] )",
        lambda m: m.group(1) + ("W" if m.group(2) == "E" else "E") if rng.random() < 0.5 else m.group(0),
        text,
    )


def test_lines_seen_before_at_another_time(logs, tmp_path, monkeypatch):
    """The per-line cache ignores dates, times and thread ids, never levels: a warm knowledge base
    reports a re-timed log exactly as an uncached one does (evidence shows the new timestamps)."""
    warm_kb = load_rules()
    for p in logs:
        analyse(warm_kb, p)
    retimed = []
    for p in logs:
        q = tmp_path / p.name
        q.write_text(_retimed(p.read_text(encoding="utf-8", errors="replace"), len(retimed)), encoding="utf-8")
        retimed.append(q)
    monkeypatch.setattr(engine, "LINE_CACHE_MAX_LEN", -1)
    uncached = {q: analyse(load_rules(), q, classes=False) for q in retimed}
    monkeypatch.undo()
    hits_before = len(warm_kb.line_cache)
    for q in retimed:
        assert analyse(warm_kb, q) == uncached[q], q.name
    assert len(warm_kb.line_cache) < hits_before * 1.5, "re-timed lines were not found in the cache"


# --- line classes ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shape_logs(tmp_path_factory):
    """The benchmark shapes (benchmarks/shapes.py), small: typical, verbose, multi-worker, today's."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from shapes import SHAPES, generate

    folder = tmp_path_factory.mktemp("shapes")
    out = []
    for i, shape in enumerate(SHAPES):
        path = folder / f"{shape}.log"
        generate(str(path), shape, 0.4 if shape != "today" else 0.2, seed=7 + i)
        out.append(path)
    return out


@pytest.mark.parametrize("scanner", ["hyperscan", "re"])
def test_line_classes_change_nothing(logs, shape_logs, scanner):
    """Every log, with line classes (a fresh knowledge base, then a warm one) and without."""
    if scanner == "hyperscan" and not HAVE_HS:
        pytest.skip("hyperscan not installed")
    kb = load_rules()
    words = engine._prefilter_for(kb).words
    prefilter = Prefilter(words, engine=scanner)
    warm = load_rules()
    for p in logs + shape_logs:
        plain = analyse(load_rules(), p, prefilter, classes=False)
        assert analyse(load_rules(), p, prefilter) == plain, p.name
        assert analyse(warm, p, prefilter) == plain, p.name
    assert warm.line_classes, "no line was classified"
    assert any(c is not None and c.quiet for c in warm.line_classes.values())
    from analyzer.pipeline import classes as line_classes

    steps = [m for c in warm.line_classes.values() if c is not None for _, m, _ in c.on_message + c.on_text]
    assert line_classes.SURE in steps
    assert all(m is line_classes.SURE or m is line_classes.UNSURE for m in steps)  # no Match (it holds the key's text)


STORE_SCRIPT = """
import json, sys
from analyzer import load_knowledge_base
from analyzer.pipeline import classes
from analyzer.pipeline.engine import analyze_paths
classes.STORE_AFTER = int(sys.argv[1])
kb = load_knowledge_base()
print(json.dumps({p: analyze_paths([p], kb).to_dict() for p in sys.argv[2:]}))
"""


def test_class_store_changes_nothing(logs, shape_logs, tmp_path):
    """Line classes kept on disk between runs (classes.built, the store used from the first build on):
    being filled, then read back in a fresh process, and with the cache off, give the plain path's report."""
    paths = [str(p) for p in logs + shape_logs]

    def run(after: int, **env) -> dict:
        e = {k: v for k, v in os.environ.items() if k not in ("TFLOG_NO_CACHE", "TFLOG_CACHE_DIR")}
        e.update(env)
        p = subprocess.run(
            [sys.executable, "-c", STORE_SCRIPT, str(after), *paths], capture_output=True, env=e, cwd=ROOT, timeout=600
        )
        assert p.returncode == 0, p.stderr.decode()[-3000:]
        return json.loads(p.stdout)

    cache = str(tmp_path / "cache")
    plain = run(0, TFLOG_LINE_CLASSES="0", TFLOG_NO_CACHE="1")
    assert run(0, TFLOG_CACHE_DIR=cache) == plain  # fills the store
    assert any(f.name.startswith("classes-") for f in (tmp_path / "cache").iterdir())
    assert run(0, TFLOG_CACHE_DIR=cache) == plain  # reads it
    assert run(10**9, TFLOG_CACHE_DIR=cache) == plain  # not used


def test_stored_classes_come_back_equal(logs, shape_logs):
    """Every class the logs make, through classes._encoded and _decoded: the same fields."""
    from analyzer.pipeline import classes as line_classes

    kb = load_rules()
    for p in logs + shape_logs:
        analyse(kb, p)
    built = [c for c in kb.line_classes.values() if c is not line_classes.NOT_CANDIDATE]
    assert len(built) > 100 and line_classes.SLOW in built
    for cls in built:
        data = line_classes._encoded(kb, cls)
        assert data is not None
        back = line_classes._decoded(kb, marshal.loads(marshal.dumps(data)))
        if cls is line_classes.SLOW:
            assert back is line_classes.SLOW
            continue
        for name in line_classes.LineClass.__slots__:
            if name == "plain_hex":  # pipeline.bulk's, set after the build, not stored
                continue
            if name == "facts":
                for f in ("proposals", "stats", "stats_header", "stats_word", "_platform"):
                    assert getattr(back.facts, f) == getattr(cls.facts, f), f
            else:
                assert getattr(back, name) == getattr(cls, name), name


def test_class_store_key_holds_the_code_that_builds_a_class(logs, shape_logs, monkeypatch):
    """The store's key holds the source of every tflog module whose code runs in classes.build() or in
    bulk.candidate() (whose verdict is stored with the class): a change to any of them (61c4d14 moved
    what facts skip in prose into FactPattern.search) must not bring back classes an older one built."""
    from analyzer.pipeline import bulk
    from analyzer.pipeline import classes as line_classes

    package = (ROOT / "analyzer").resolve()
    ran = set()

    def tracer(frame, event, arg):
        if event == "call":
            ran.add(frame.f_code.co_filename)

    def traced(fn):
        def run(*a, **k):
            old = sys.getprofile()
            sys.setprofile(tracer)
            try:
                return fn(*a, **k)
            finally:
                sys.setprofile(old)

        return run

    monkeypatch.setattr(line_classes, "build", traced(line_classes.build))
    monkeypatch.setattr(bulk, "candidate", traced(bulk.candidate))
    kb = load_rules()
    for p in logs + shape_logs:
        analyse(kb, p)
    ours = {Path(f).resolve() for f in ran if Path(f).resolve().is_relative_to(package)}
    here = Path(line_classes.__file__).resolve().parent
    keyed = {(here / name).resolve() for name in line_classes._CODE}
    assert ours and all(f.exists() for f in keyed)
    assert ours <= keyed, sorted(str(f.relative_to(package)) for f in ours - keyed)
    assert {"facts.py", "classes.py", "supersets.py", "cache.py", "bulk.py", "scan.py"} <= {f.name for f in ours}


def test_class_store_key_follows_the_packages(tmp_path, monkeypatch):
    """regex, rapidfuzz (the fuzzy scores a class keeps) and hyperscan (or its absence) are in the key."""
    from analyzer.core import cache
    from analyzer.kb.rules import KnowledgeBase
    from analyzer.pipeline import classes as line_classes

    kb = KnowledgeBase([], {})
    kb.cache_key = "k"
    versions = {"regex": "r1", "rapidfuzz": "f1", "hyperscan": "h1"}

    def installed(package):
        if versions.get(package) is None:
            raise LookupError(package)
        return versions[package]

    def key():
        monkeypatch.setattr(line_classes, "_stores", {})
        return line_classes._store(kb)._key()

    monkeypatch.setattr(cache, "installed", installed)
    seen = [key()]
    for package, other in (("regex", "r2"), ("rapidfuzz", "f2"), ("hyperscan", "h2"), ("hyperscan", None)):
        versions[package] = other
        seen.append(key())
    assert len(set(seen)) == len(seen)
    monkeypatch.setenv("TFLOG_SCANNER", "re")
    assert key() not in seen


@pytest.mark.parametrize("share", [0.0, 2.0])
def test_bulk_path_changes_nothing(logs, shape_logs, monkeypatch, share):
    """pipeline.bulk on every block (share 0) and on none (share 2), against the plain path."""
    from analyzer.pipeline import bulk

    monkeypatch.setattr(bulk, "BULK_SHARE", share)
    warm = load_rules()
    for p in logs + shape_logs:
        plain = analyse(load_rules(), p, classes=False)
        assert analyse(load_rules(), p) == plain, p.name
        assert analyse(warm, p) == plain, p.name


# Where the line-level Hyperscan database (scan.Prefilter.candidates(keywords=False)) must give the
# keyword database's lines: shape matches that take their line end (a version alone on a line before
# blank ones: the keyword database's scan yields such a line twice), keywords at a line's end and
# start, lines of nothing but a shape match, empty lines, CRLF.
LINE_DB_EDGES = (
    b"2.3.0\n\n\n  2.15.0  \n  \ncuda\n\nv2.4.1 cuda 11.0.2\n\n\n"
    b"E0000 00:00:1.0 1 x.cc:1] boom\nerror\n\nno keyword here\nfoo cudnn\r\nIn [3]: x\n>>> y\n"
    b"Version: 2.3.0\n0.1.2  3.4.5\n\n"
)


@pytest.mark.skipif(not HAVE_HS, reason="hyperscan not installed")
def test_line_database_gives_the_keyword_databases_lines(logs, shape_logs, tmp_path, monkeypatch):
    """Prefilter._lines_once (one report per line, keywords looked up on demand) against _lines_hs
    (a report per keyword): the same lines, numbers and keywords, and the same line counts."""
    from analyzer.pipeline import scan

    monkeypatch.delenv("TFLOG_NO_CACHE", raising=False)
    monkeypatch.setenv("TFLOG_CACHE_DIR", str(tmp_path / "cache"))  # the line-level database is made where a cache keeps it
    pf = engine._prefilter_for(load_rules())
    db = scan._hyperscan_db(pf.words, lines=True)
    assert db is not None
    edges = tmp_path / "edges.log"
    edges.write_bytes(LINE_DB_EDGES * 3)
    for p in logs + shape_logs + [edges]:
        data = p.read_bytes()
        splitter = LineSplitter(p.name)
        blocks = [b for i in range(0, len(data), 1 << 16) for b in splitter.feed(data[i : i + (1 << 16)])]
        for block in blocks + list(splitter.finish()):
            if block.newline != b"\n":
                continue
            want = list(pf._lines_hs(Block(block.data, block.first_line, block.newline), pf._hs))
            one = Block(block.data, block.first_line, block.newline)
            got = [(n, raw, pf.keywords_in(raw) if f is scan.LATER else f) for n, raw, f in pf._lines_once(one, db)]
            assert got == want, p.name
            assert one.lines == block.data.count(b"\n"), p.name
    twice = [n for n, _, _ in pf._lines_hs(Block(LINE_DB_EDGES, 1), pf._hs)]
    assert len(twice) > len(set(twice)), "no line yielded twice: the edge case is gone"


@pytest.mark.skipif(not HAVE_HS, reason="hyperscan not installed")
@pytest.mark.parametrize("least", [0, 1 << 40])
def test_line_database_changes_nothing(logs, shape_logs, monkeypatch, least, tmp_path):
    """Reports with the line-level database on every block (least 0) and on none, against the plain
    path with the keyword database only."""
    from analyzer.pipeline import scan

    monkeypatch.delenv("TFLOG_NO_CACHE", raising=False)
    monkeypatch.setenv("TFLOG_CACHE_DIR", str(tmp_path / "cache"))
    edges = tmp_path / "edges.log"
    edges.write_bytes(LINE_DB_EDGES * 3)
    monkeypatch.setattr(scan, "LINE_DB_MIN", 1 << 40)
    plains = {p: analyse(load_rules(), p, classes=False) for p in logs + shape_logs + [edges]}
    monkeypatch.setattr(scan, "LINE_DB_MIN", least)
    monkeypatch.setattr(engine, "LATER_SHARE", 1.0)  # every block's candidates without their keywords
    warm = load_rules()
    for p, plain in plains.items():
        assert analyse(load_rules(), p, classes=False) == plain, p.name
        assert analyse(load_rules(), p) == plain, p.name
        assert analyse(warm, p) == plain, p.name
    assert bool(engine._prefilter_for(warm)._hs_lines) == (least == 0)


def test_no_line_database_without_a_cache(monkeypatch):
    """Without a disk cache the line-level database is not made (~0.4 s to compile on every run)."""
    from analyzer.pipeline import scan

    monkeypatch.setenv("TFLOG_NO_CACHE", "1")
    assert scan._hyperscan_db(["cuda"], lines=True) is None


@pytest.mark.parametrize("size", [40, 400])
def test_a_full_class_table_changes_nothing(shape_logs, monkeypatch, size):
    """A class table that fills up (classes.make_room drops the NOT_CANDIDATE marks, or empties it)
    gives the plain path's reports, on every shape, with the bulk path on."""
    from analyzer.pipeline import bulk
    from analyzer.pipeline import classes as line_classes

    monkeypatch.setattr(line_classes, "MAX_CLASSES", size)
    monkeypatch.setattr(bulk, "BULK_SHARE", 0.0)
    kb = load_rules()
    made = []
    real = line_classes.make_room
    monkeypatch.setattr(line_classes, "make_room", lambda classes: made.append(len(classes)) or real(classes))
    for p in shape_logs:
        assert analyse(kb, p) == analyse(load_rules(), p, classes=False), p.name
    assert made


def test_make_room_drops_marks_first():
    from analyzer.pipeline import classes as line_classes

    cls = line_classes.LineClass()
    table = {b"a": cls, b"b": line_classes.NOT_CANDIDATE, b"c": line_classes.NOT_CANDIDATE}
    line_classes.make_room(table)
    assert table == {b"a": cls}
    line_classes.make_room(table)
    assert table == {}


def _blocks(analysis: Analysis, parts) -> dict:
    """Feed each text of `parts` as one reader block (so that a class can settle in one block and
    be taken by pipeline.bulk in the next); the report."""
    info = analysis.start_input("parts.log")
    line = 1
    for part in parts:
        data = ("\n".join(part) + "\n").encode()
        analysis.feed_block(info, Block(data, line, b"\n", len(part)))
        line += len(part)
    return analysis.report().to_dict()


def test_bulk_path_keeps_the_order_that_matters(monkeypatch):
    """What pipeline.bulk replays in file order: a quiet line ends a node's stack of frames, a
    line that is not a candidate does not, and a `[[{{node}}]]` line names the hit just before it."""
    from analyzer.pipeline import bulk

    quiet = "2024-05-10 00:00:0{}.1: I tensorflow/core/x.cc:1] Executor::Process {{ op_type: MatMul step_id: {} node: d_{} }}"
    trt = (
        "2024-05-10 00:00:0{}.1: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT"
    )
    onednn = (
        "2024-05-10 00:00:00.8: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on. You may see slightly "
        "different numerical results due to floating-point round-off errors from different computation orders."
    )
    stack = "Detected at node 'model/dense/MatMul' defined at (most recent call last):"
    frame = '  File "/home/u/train.py", line 12, in <module>'
    first = [quiet.format(i, i, i) for i in range(5)] + [trt.format(i) for i in range(3)] + [onednn, "got code 137 here"]
    second = [
        quiet.format(1, 2, 3),
        stack,
        quiet.format(2, 3, 4),
        frame,
        "ValueError: boom",
        stack,
        "got code 138 here",
        frame,
        "ValueError: bang",
        onednn,
        trt.format(5),
        "  [[{{node model/dense/MatMul}}]]",
    ] + [quiet.format(i, i, i) for i in range(5)]
    plain = Analysis(load_rules())
    plain.line_classes = False
    want = _blocks(plain, [first, second])
    monkeypatch.setattr(bulk, "BULK_SHARE", 0.0)
    fast = Analysis(load_rules())
    assert _blocks(fast, [first, second]) == want
    assert fast._settled


def test_bulk_path_after_a_hit_is_withdrawn(monkeypatch):
    """A hit that joined pieces withdraw (Analysis._forget_pieces) takes the classes settled on it
    along: pipeline.bulk, which keeps each class's status from block to block (bulk_status), looks at
    that class's later lines again, as the plain path does."""
    from analyzer.pipeline import bulk
    from analyzer.pipeline import classes as line_classes

    oom = (
        "2024-05-10 00:00:0{}.1: W tensorflow/core/common_runtime/bfc_allocator.cc:296] Allocator (GPU_0_bfc) ran out "
        "of memory trying to allocate {}.00GiB with freed_by_count=0. The caller indicates that this is not a failure, "
        "but this may mean that there could be performance gains if more memory were available."
    )
    quiet = "2024-05-10 00:00:0{}.1: I tensorflow/core/x.cc:1] Executor::Process {{ op_type: MatMul step_id: {} node: d_{} }}"
    part = [line for i in range(1, 6) for line in (oom.format(i, i), quiet.format(i, i, i))]
    data = ("\n".join(part) + "\n").encode()

    def run(analysis: Analysis) -> dict:
        info = analysis.start_input("parts.log")
        for n in range(3):
            analysis.feed_block(info, Block(data, 1 + n * len(part), b"\n", len(part)))
            if n == 1:  # the first two blocks' lines were pieces of joined lines after all
                if analysis.line_classes:
                    assert bulk.COUNTED in analysis.bulk_status.values()  # (the OOM lines' class, settled)
                analysis._forget_pieces("parts.log", [(1, 2 * len(part))], set(), set())
        return analysis.report().to_dict()

    plain = Analysis(load_rules())
    plain.line_classes = False
    want = run(plain)
    assert [f["count"] for f in want["findings"] if "ran out of memory" in json.dumps(f)] == [5]  # the third block's
    monkeypatch.setattr(bulk, "BULK_SHARE", 0.0)
    monkeypatch.setattr(line_classes, "_plain_left", 0)  # (a process's first lines skip building their class)
    assert run(Analysis(load_rules())) == want


def test_bulk_path_with_listed_values(monkeypatch):
    """pipeline.bulk's LISTS lines (a settled class whose lines each list a value: the libraries TF
    opened), decided once per class and value per block: values listed before, new ones among them,
    several classes (other sources, so other offsets) in a block, the same value in several places."""
    from analyzer.pipeline import bulk

    lib = "2024-05-10 00:00:0{}.1: I tensorflow/{}.cc:{}] Successfully opened dynamic library lib{}.so.{}"
    rng = random.Random(4)

    def part(n, versions):
        return [
            lib.format(
                rng.randrange(10),
                rng.choice(["x", "core/yy", "stream_executor/zzz"]),
                rng.randrange(100),
                rng.choice(["cudart", "cublas", "cudnn"]),
                rng.choice(versions),
            )
            for _ in range(n)
        ]

    parts = [part(40, ["11", "12", "8", "9", "10", "13"][: k + 1]) for k in range(6)]  # a new value in each block
    plain = Analysis(load_rules())
    plain.line_classes = False
    want = _blocks(plain, parts)
    monkeypatch.setattr(bulk, "BULK_SHARE", 0.0)
    fast = Analysis(load_rules())
    taken = []
    lists_known = bulk._lists_known
    monkeypatch.setattr(bulk, "_lists_known", lambda *a: taken.append(a[3].count(bulk.LISTS)) or lists_known(*a))
    assert _blocks(fast, parts) == want
    assert sum(taken) > 50


def test_bulk_path_with_hex_ids_and_lines_no_keyword_picks(monkeypatch):
    """pipeline.bulk's lines with `0x` ids (taken by their hex-blind class when their keywords are
    its keywords: an id may spell one) and keys marked NOT_CANDIDATE (a line with the same key
    may hold a keyword with digits, "code 137", and then is one), over several blocks."""
    from analyzer.pipeline import bulk
    from analyzer.pipeline import classes as line_classes

    rng = random.Random(11)
    bar = "{}/2000 [=====>....] - ETA: {}s - loss: 0.{}"
    parts = []
    for n in range(6):
        part = [_redigit(rng.choice(HEX_LINES), rng, True) for _ in range(40)]
        part += [bar.format(rng.randrange(2000), rng.randrange(99), rng.randrange(9999)) for _ in range(20)]
        part += ["got code 138 here", "I0000 00:00:1715340000.001344   14399 x.cc:1] handle 0x1DUDNN_STATUS_INTERNAL_ERROR"]
        part += (
            ["got code 137 here", "I0000 00:00:1715340000.001344   14399 x.cc:1] handle 0x1CUDNN_STATUS_INTERNAL_ERROR"]
            if n >= 3
            else []
        )
        rng.shuffle(part)
        parts.append(part)
    plain = Analysis(load_rules())
    plain.line_classes = False
    want = _blocks(plain, parts)
    monkeypatch.setattr(bulk, "BULK_SHARE", 0.0)
    kb = load_rules()
    for _ in range(2):  # fresh, then warm
        assert _blocks(Analysis(kb), parts) == want
    assert line_classes.NOT_CANDIDATE in kb.line_classes.values()
    assert kb.line_classes.get(b"got code 000 here") is not line_classes.NOT_CANDIDATE


# An interactive session: a rule may match a question with its answer (the next line).
REPL_LINES = [
    ">>> import tensorflow as tf",
    ">>> tf.test.is_built_with_cuda()",
    "False",
    ">>> tf.config.list_physical_devices('GPU')",
    "[]",
    "In [3]: print(tf.__version__)",
    "2.15.0",
    ">>> tf.test.is_gpu_available()",
    "False",
]


def test_prefilter_shapes_treat_digits_alike():
    """pipeline.bulk (`candidate`, NOT_CANDIDATE) reads a line's prefilter verdict from its digit-blind
    key: its shape patterns must treat every digit alike, and its generic words hold none."""
    from analyzer.pipeline.scan import GENERIC, SHAPE_PATTERNS
    from analyzer.pipeline.supersets import generalize

    for p in SHAPE_PATTERNS:
        assert generalize(p.decode()) == p.decode(), p
    assert not any(ch.isdigit() for w in GENERIC for ch in w)


def test_fact_patterns_keep_a_digit_agnostic_superset():
    """A fact pattern without one (a lookaround where widened digits could narrow it) is tried on every
    line of a class, so a class of lines it may match never settles: a verbose log's TF lines would all
    take the slow path. What a pattern must skip in prose is checked in FactPattern.search instead."""
    from analyzer.pipeline.facts import PATTERNS
    from analyzer.pipeline.supersets import generalize

    without = [p.source for p in PATTERNS if generalize(p.source) is None]
    assert len(without) <= 1 and all(s.startswith("^\\s*\\[\\d+\\] : (?P<gpu_name>") for s in without), without


def test_keywords_that_touch_hex_ids():
    """pipeline.bulk takes a line by its hex-blind class without the prefilter only when no keyword
    may hold a hex digit of its ids, and the class's key holds exactly its keywords."""
    from analyzer.pipeline import bulk
    from analyzer.pipeline import classes as line_classes

    pf = engine._prefilter_for(load_rules())
    assert bulk._touches_hex(b"buffer 0x7failed to map", pf)  # "failed" starts in the id
    assert bulk._touches_hex(b"status 0XC000001D", pf)  # a keyword that holds an id
    assert not bulk._touches_hex(b"buffer 0x7f failed to map", pf)
    assert not bulk._touches_hex(b"stream 0x55d0c2a1b2c0 ready", pf)
    cls = line_classes.LineClass()
    cls.found = frozenset({"cuda"})
    assert bulk._plain_hex(cls, b"I0000 x.cc:1] cuda stream 0x000000 ready", pf)
    for key, found in [(b"I0000 x.cc:1] cuda got code 000 at 0x000", {"cuda"}), (b"I0000 x.cc:1] cuda 0x000 ready", {"gpu"})]:
        cls = line_classes.LineClass()
        cls.found = frozenset(found)
        assert not bulk._plain_hex(cls, key, pf)


def test_untouched_hex_ids_keep_the_keywords_of_the_key():
    """Where no keyword touches an id's hex digits (bulk._touches_hex) and the key holds no keyword
    with digits, a line holds exactly the keywords of its hex-blind key: random lines of keywords
    glued to ids."""
    from analyzer.pipeline import bulk
    from analyzer.pipeline import classes as line_classes

    pf = engine._prefilter_for(load_rules())
    words = [w for w in pf.words if w.isascii() and "\n" not in w]
    rng = random.Random(3)

    def found(line: bytes):
        return [f for _, _, f in pf.candidates(Block(line + b"\n", 1, b"\n", 1))]

    untouched = 0
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 4)):
            hex_id = "0" + rng.choice("xX") + "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(1, 6)))
            word = rng.choice(words)
            word = word.upper() if rng.random() < 0.3 else word
            parts += [hex_id, word[rng.randrange(len(word)) :] if rng.random() < 0.5 else word, rng.choice(["", " ", "_", "x"])]
        line = "".join(parts).encode()
        key = line_classes.hex_key_of(line)[1]
        if bulk._touches_hex(line, pf) or bulk._touches_hex(key, pf) or bulk._has_digit_keyword(key, pf):
            continue
        untouched += 1
        assert found(line) == found(key), line
    assert untouched > 500


def _glued_line(rng, words, hex_digits, glue) -> bytes:
    """One to four 0x-ids (hex_digits: how many digits, as a range) each glued to a keyword, whole or its tail,
    in either case."""
    parts = []
    for _ in range(rng.randint(1, 4)):
        hex_id = "0" + rng.choice("xX") + "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(*hex_digits)))
        word = rng.choice(words)
        word = word.upper() if rng.random() < 0.3 else word
        parts += [rng.choice(glue), hex_id, word[rng.randrange(len(word)) :] if rng.random() < 0.5 else word]
    return "".join(parts).encode()


def test_touching_lines_finds_every_line_a_keyword_touches():
    """bulk._touching_lines (one regex pass over a block's 0x-id lines) names at least every line
    that bulk._touches_hex names, and hex_zeroed gives each line's hex-blind key, also for lines
    joined: random lines of keywords glued to ids."""
    from analyzer.pipeline import bulk
    from analyzer.pipeline import classes as line_classes

    pf = engine._prefilter_for(load_rules())
    words = [w for w in pf.words if w.isascii() and "\n" not in w]
    rng = random.Random(5)
    lines = [_glued_line(rng, words, (1, 6), ["", " ", "0"]) for _ in range(3000)]
    touching = bulk._touching_lines(b"\n".join(lines), b"\n", pf)
    touched = {i for i, line in enumerate(lines) if bulk._touches_hex(line, pf)}
    assert touched and touched <= touching
    assert len(touching) < len(lines)
    keys = line_classes.hex_zeroed(b"\r\n".join(lines)).split(b"\r\n")
    assert keys == [line_classes.hex_key_of(line)[1] for line in lines]
    assert line_classes.hex_key_of(b"at 0x7fAB, 0X12 and 3") == ("hex", b"at 0x0000, 0X00 and 0")


def test_touching_lines_are_the_same_with_hyperscan(monkeypatch, tmp_path):
    """_touching_lines through Hyperscan (every match's end) names exactly the lines the regex's
    finditer names, on random lines of keywords glued to ids in either case."""
    if not HAVE_HS:
        pytest.skip("hyperscan not installed")
    from analyzer.pipeline import bulk

    monkeypatch.setenv("TFLOG_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TFLOG_NO_CACHE", raising=False)
    pf = engine._prefilter_for(load_rules())
    pf._touch_regex = None  # (built again, now with the cache)
    bulk._touching_lines(b"0x1 a", b"\n", pf)
    pattern, hs = pf._touch_regex
    assert hs is not None
    words = [w for w in pf.words if "\n" not in w]
    rng = random.Random(8)
    for _ in range(20):
        lines = [_glued_line(rng, words, (0, 8), ["", " ", "0", "x"]) for _ in range(200)]
        joined = b"\n".join(lines)
        with_hs = bulk._touching_lines(joined, b"\n", pf)
        pf._touch_regex = (pattern, None)
        assert bulk._touching_lines(joined, b"\n", pf) == with_hs
        pf._touch_regex = (pattern, hs)


def test_digit_keyword_keys_are_those_of_each_key(monkeypatch, tmp_path):
    """bulk._digit_keyword_keys (one caseless Hyperscan pass over keys joined) names exactly the keys
    for which _has_digit_keyword (a regex search of each key, lower-cased) is true: random digit-blind
    keys of keywords with digits (as 0s, whole or cut, in either case) among other keywords and text."""
    from analyzer.pipeline import bulk

    monkeypatch.setenv("TFLOG_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TFLOG_NO_CACHE", raising=False)
    pf = engine._prefilter_for(load_rules())
    pf._digit_db = None  # (built again, now with the cache)
    digit_words = [w.translate(bulk._ZERO) for w in pf.words if any(ch.isdigit() for ch in w)]
    words = [w for w in pf.words if "\n" not in w and "\r" not in w]
    rng = random.Random(11)
    keys = []
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 4)):
            word = rng.choice(digit_words if rng.random() < 0.3 else words)
            word = word[rng.randrange(len(word)) :] if rng.random() < 0.3 else word
            word = word.upper() if rng.random() < 0.3 else word
            parts += [word, rng.choice(["", " ", "0", "_", "x "])]
        keys.append("".join(parts).encode())
    want = {n for n, key in enumerate(keys) if bulk._has_digit_keyword(key, pf)}
    assert 0 < len(want) < len(keys)
    assert bulk._digit_keyword_keys(keys, pf) == want
    if HAVE_HS:
        assert pf._digit_db[0] is not None
    pf._digit_db = (None,)  # the regex, key by key
    assert bulk._digit_keyword_keys(keys, pf) == want
    assert bulk._digit_keyword_keys([], pf) == set()


@pytest.mark.parametrize("quote", ["", "> ", "trainer-1  | "])
def test_bulk_path_with_interactive_prompts(monkeypatch, quote):
    """An interactive session between quiet TF lines, in the bulk path from the second block on:
    each prompt's question and answer are read as in the ordinary path, also behind a thread's quote
    or a launcher's prefix (parse.repl_prompt)."""
    from analyzer.pipeline import bulk

    quiet = "2024-05-10 00:00:0{}.1: I tensorflow/core/x.cc:1] Executor::Process {{ op_type: MatMul step_id: {} node: d_{} }}"
    repl = [quote + line for line in REPL_LINES]
    parts = [[quiet.format(i, i, j) for i in range(4)] + repl[j % 3 * 3 : j % 3 * 3 + 3] for j in range(6)]
    parts += [repl + [quiet.format(1, 2, 3)]]
    plain = Analysis(load_rules())
    plain.line_classes = False
    want = _blocks(plain, parts)
    monkeypatch.setattr(bulk, "BULK_SHARE", 0.0)
    fast = Analysis(load_rules())
    assert _blocks(fast, parts) == want
    assert "cuda" in json.dumps(want).lower()


def test_line_classes_are_forgotten_with_a_disabled_rule(logs):
    kb = load_rules()
    for p in logs:
        analyse(kb, p)
    assert kb.line_classes
    kb._forget()
    assert not kb.line_classes


@pytest.mark.parametrize(
    "source, wide",
    [
        (r"Loaded cuDNN version (?P<v>\d+)", r"Loaded cuDNN version (?P<v>\d+)"),  # digit-agnostic: itself
        (r"libcudnn\.so\.8", r"libcudnn\.so\.\d"),
        (r"XLA service (?:0x)?[0-9a-fA-F]+ init", r"XLA service (?:\dx)?[0-9a-fA-F]+ init"),  # [0-9..] holds every digit
        (r"code [1-3]\d{2}\b", r"code [1-3\d]\d{2}\b"),
        (r"(?P<tf1_symbol>x)\s{2,4}2", r"(?P<tf1_symbol>x)\s{2,4}\d"),
        (r"(?!-1073741795)\d+", None),  # a lookaround with digits: no safe superset
        (r"[^0-4]x", None),
        (r"(a)\1", None),
        (r"\x30", None),
    ],
)
def test_generalize(source, wide):
    from analyzer.pipeline.supersets import generalize

    assert generalize(source) == wide


@pytest.mark.parametrize(
    "source, wide",
    [
        (r"at 0x[0-9a-f]+ \d", r"[0-9a-fA-F]t [0-9a-fA-F]x[0-9a-f0-9a-fA-F]+ [0-9a-fA-F]"),
        (r"(?i)(?P<gpu>x)[^g]y", r"(?i)(?P<gpu>x)[^g]y"),  # inline flags and group names kept; [^g] admits every hex digit
        (r"[^a]x", None),  # a negated class that tells hex digits apart
        (r"a(?!b)", None),
        (r"\D", None),
        (r"(?>a+)b", None),
        (r"a++", None),
    ],
)
def test_hex_superset(source, wide):
    from analyzer.pipeline.supersets import hex_superset

    assert hex_superset(source) == wide


def test_hex_ids_change_nothing():
    """Info lines that differ in their hex ids share a class (pipeline.classes, hex_ids): the report
    is the plain path's, also where an id spells the start of a keyword or a rule captures it."""
    rng = random.Random(5)
    lines = [_redigit(rng.choice(HEX_LINES), rng, True) for _ in range(3000)]
    text = ("\n".join(lines) + "\n").encode()
    reports = []
    kb = load_rules()
    for classes in (False, True, True):  # the plain path, then classes fresh and warm
        analysis = Analysis(kb if classes else load_rules())
        analysis.line_classes = classes
        info = analysis.start_input("hex.log")
        for block in LineSplitter("hex.log").split([text]):
            analysis.feed_block(info, block)
        reports.append(analysis.report().to_dict())
    assert reports[0] == reports[1] == reports[2]
    hex_classes = [c for k, c in kb.line_classes.items() if isinstance(k, tuple) and c is not None]
    assert any(c.quiet for c in hex_classes) and any(not c.quiet for c in hex_classes)


def test_checked_hex_classes_change_nothing():
    """A hex-blind class whose rule is tried on each line (TF's `XLA service 0x... initialized`) counts
    its further lines without _feed_class (Analysis._settle_checked) only where each would change
    nothing: the report is the plain path's with ids of every shape (`7x...` is no id), other
    platforms, a version section waiting for its value, and facts set between them."""
    rng = random.Random(9)
    xla = "2024-05-10 00:00:{:02d}.{:06d}: I external/local_xla/xla/service/service.cc:168] XLA service {}{} initialized for platform {} (this does not guarantee that XLA will be used). Devices:"
    others = [
        "### TensorFlow version",
        "2.15.0",
        "2024-05-10 00:00:01.000001: I tensorflow/core/x.cc:1] CUDA version 12.2 found",
        "Python platform: Linux-5.15.0-x86_64",
        "2024-05-10 00:00:01.000001: E tensorflow/core/x.cc:1] something odd happened here at last",
    ]
    lines = []
    for _ in range(3000):
        if rng.random() < 0.1:
            lines.append(rng.choice(others))
            continue
        prefix = rng.choice(["0x"] * 8 + ["7x", "0X"])  # (`7x` and digits only: a line of the class, not an id)
        alphabet = "0123456789abcdef" if rng.random() < 0.7 else "0123456789"
        hex_id = "".join(rng.choice(alphabet) for _ in range(12))
        lines.append(
            xla.format(rng.randrange(60), rng.randrange(10**6), prefix, hex_id, rng.choice(["CUDA"] * 8 + ["Host", "ROCM"]))
        )
    text = ("\n".join(lines) + "\n").encode()
    reports, checked = [], []
    kb = load_rules()
    for classes in (False, True, True):  # the plain path, then classes fresh and warm
        analysis = Analysis(kb if classes else load_rules())
        analysis.line_classes = classes
        info = analysis.start_input("xla.log")
        for block in LineSplitter("xla.log").split([text[i : i + 50_000] for i in range(0, len(text), 50_000)]):
            analysis.feed_block(info, block)
        reports.append(analysis.report().to_dict())
        checked.append(len(analysis._checked))
    assert reports[0] == reports[1] == reports[2]
    assert checked[1] and checked[2]


# Messages whose ids sit where mask()'s timestamp or `<HEX>` could read them differently by their
# digits: after `.` `,` or a word character, before `-` or one, upper-case `0X`, at either end.
MASK_EDGES = [
    "XLA service 0x{} initialized for platform CUDA (this does not guarantee that XLA will be used). Devices:",
    "ptr 0x{}-05-10 00:00:00 done",
    "at 2024-05-10 00:00:00.0x{} now",
    "at 2024-05-10 00:00:00,0x{} now",
    "then 0x{} 2024-05-10 00:00:00.5 and 0x{}.",
    "id=0x{}; (0x{}) [0x{}] 0x{}:",
    "0x{} at the start and at the end 0x{}",
    "a0x{} b and 0x{}g and 0x{}_x and deadbeef0x{}",
    "upper 0X{} and 0x{}",
    "chunk at 0x{} stream 0x{} bytes 12345678 of 0x{}, next",
    "'0x{}' \"0x{}\" /a/0x{}/b and 0x{}0000000000ff",
]


def test_masked_by_ids_is_each_lines_masked_message():
    """A hex-blind class's masked message for lines whose ids mask whole (classes.masked_by_ids) is
    each such line's own, whatever the digits and hex digits of its ids (and a line with another
    digit where an id's `0` is, `7x12`, which shares the class, gets None: masked per line)."""
    from analyzer.core.normalize import mask
    from analyzer.pipeline import classes
    from analyzer.pipeline.parse import clean

    kb = load_rules()
    pf = engine._prefilter_for(kb)
    rng = random.Random(9)
    prefixes = ["2024-05-10 00:00:00.1: I tensorflow/core/x.cc:1] ", "I0000 00:00:1715340000.001344   14399 x.cc:1] "]
    used = declined = 0
    for template in MASK_EDGES + [line.split("] ", 1)[1] for line in HEX_LINES]:
        for prefix in prefixes:
            built = {}
            for _ in range(60):
                ids = ["".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(1, 12))) for _ in range(6)]
                line = _redigit(prefix + template.format(*ids[: template.count("{}")]), rng, True)
                raw = line.encode()
                found = pf.keywords_in(raw)
                key = (classes.hex_key_of(raw), frozenset(found or ()))
                if key not in built:
                    built[key] = classes.build(kb, key[0][1], found, hex_ids=True)
                cls = built[key]
                if cls is classes.SLOW or cls.id_masked is None:
                    continue
                message = clean(raw)[cls.start : cls.end]
                masked = classes.masked_by_ids(cls, message)
                if masked is None:
                    declined += 1
                    continue
                used += 1
                assert masked == mask(message), line
    assert used > 300 and declined > 30


def test_settled_classes_change_nothing():
    """Lines of a settled class (engine._settle) are only counted: also where a regex match of the
    same rule reset the score of its fuzzy matches, a version header waits for its value, or a
    line lists a new library."""
    fuzzy = "2024-05-10 00:00:0{}.1: W tensorflow/x.cc:1] failed to create cublas handle CUBLAS_STATUS_NOT_INITIALIZED"
    exact = "2024-05-10 00:00:05.1: E tensorflow/x.cc:1] failed to create cublas handle: CUBLAS_STATUS_NOT_INITIALIZED"
    cudnn = "2024-05-10 00:00:0{}.1: I tensorflow/x.cc:1] Loaded cuDNN version 890{}"
    lines = [fuzzy.format(i) for i in range(3)] + [exact] + [fuzzy.format(i) for i in range(2)]
    lines += [cudnn.format(i, i) for i in range(3)] + ["### TensorFlow version", cudnn.format(5, 6), "2.15.0", cudnn.format(7, 7)]
    lib = "2024-05-10 00:00:0{}.1: I tensorflow/x.cc:1] Successfully opened dynamic library libcudart.so.1{}"
    lines += [lib.format(i, j) for i in range(3) for j in (2, 2, 1, 2, 0)]  # a list fact: each new value is listed
    text = ("\n".join(lines * 3) + "\n").encode()
    reports = []
    for classes in (False, True):
        analysis = Analysis(load_rules())
        analysis.line_classes = classes
        info = analysis.start_input("settled.log")
        for block in LineSplitter("settled.log").split([text]):
            analysis.feed_block(info, block)
        reports.append(analysis.report().to_dict())
        if classes:
            assert analysis._settled, "no class settled"
    assert reports[0] == reports[1]


def _redigit(line: str, rng: random.Random, same_length: bool) -> str:
    """`line` with some of its digits changed (and, unless `same_length`, some numbers longer or
    shorter), and the hex digits of its `0x...` ids too."""

    def one(m):
        digits = "".join(rng.choice("0123456789") if rng.random() < 0.5 else d for d in m.group())
        if not same_length and rng.random() < 0.3:
            digits = digits + str(rng.randrange(10)) if rng.random() < 0.5 else digits[:-1] or "7"
        return digits

    def hex_id(m):
        return m.group()[:2] + "".join(rng.choice("0123456789abcdefABCDEF") if rng.random() < 0.5 else c for c in m.group()[2:])

    return re.sub(r"\d+", one, re.sub(r"0[xX][0-9a-fA-F]+", hex_id, line))


# TF info lines with hex ids: ids that rules capture, ids whose hex digits spell a keyword's start
# ("0x7fa" + "iled" holds "failed"), ids before the message, a warning with an id.
HEX_LINES = [
    "I0000 00:00:1715340000.001344   14399 cuda_dnn.cc:465] cudaMalloc of 846885509 bytes for chunk at 0x7f3a2c000000 stream 0x55d0c2a1b2c0",
    "2024-05-10 00:00:00.1: I tensorflow/core/x.cc:1] module compiled against API version 0xc but this version of numpy is 0xb",
    "2024-05-10 00:00:00.1: I tensorflow/core/x.cc:1] Could not interpret optimizer identifier: <keras.optimizers.Adam object at 0x7f419cfc5010>",
    "2024-05-10 00:00:00.1: I tensorflow/core/x.cc:1] buffer 0x7failed to map; mapped 0xbad at 0xdeadbeef",
    "2024-05-10 00:00:00.1: I tensorflow/core/x.cc:1] XLA service 0x55d0c2a1b2c0 initialized for platform CUDA (this does not guarantee that XLA will be used). Devices:",
    "2024-05-10 00:00:00.1: W tensorflow/core/x.cc:1] Allocator 0xabc ran out of memory trying to allocate 1.53GiB",
    "0x7f3a2c000000: I tensorflow/core/x.cc:1] stream 0xABCDEF ready",
    "2024-05-10 00:00:00.1: I tensorflow/core/x.cc:1] handle 0x1CUDNN_STATUS_INTERNAL_ERROR",  # 0x1D: no keyword
    "I0000 00:00:1715340000.001344   14399 gpu_device.cc:1] Created device 0xfa with cuda 0xcafe (0x12 ### TensorFlow version 0xfe)",
]


def _line_pool():
    lines = []
    for p in sorted(SAMPLES.glob("*.log")):
        lines += p.read_text(encoding="utf-8", errors="replace").splitlines()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import shapes

    for shape in ("typical", "verbose", "multiworker"):
        gen = shapes.GENERATORS[shape](random.Random(3))
        lines += [next(gen) for _ in range(400)]
    lines += HEX_LINES + REPL_LINES
    return [line for line in lines if line.strip()]


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    POOL = _line_pool()
    PREFIXES = ["", "[1,0]<stderr>:", "[1,7]<stdout>:", "2024-05-10 11:33:14.068255: ", "E0000 00:00:1715340000.1 1 x.cc:1] "]

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(0, len(POOL) - 1), st.sampled_from(PREFIXES), st.booleans()), min_size=1, max_size=60),
        st.integers(0, 2**32),
    )
    def test_line_classes_on_generated_logs(picks, seed):
        """Logs made of real lines, re-numbered (other steps, ids, sizes, ranks) and re-prefixed, in any
        order: the report with line classes is the report without them."""
        rng = random.Random(seed)
        text = "\n".join(prefix + _redigit(POOL[i], rng, same) for i, prefix, same in picks) + "\n"
        plain, fast, bulk = Analysis(_PLAIN_KB), Analysis(_FAST_KB), Analysis(_FAST_KB)
        plain.line_classes = False
        bulk.fast_share = 1.0  # pipeline.bulk from the first block on
        reports = []
        for analysis in (plain, fast, bulk):
            info = analysis.start_input("gen.log")
            for block in LineSplitter("gen.log").split([text.encode("utf-8")]):
                analysis.feed_block(info, block)
            reports.append(analysis.report().to_dict())
        assert reports[0] == reports[1] == reports[2]

    _PLAIN_KB, _FAST_KB = load_rules(), load_rules()  # shared across examples: classes seen before are reused
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass


def test_disabling_a_rule_empties_the_caches_that_name_it(logs):
    kb = load_rules()
    for p in logs:
        analyse(kb, p)
    assert kb.line_cache
    kb._forget()
    assert not kb.line_cache and kb._fuzzy_masked.cache_info().currsize == 0


@pytest.mark.skipif(not HAVE_HS, reason="hyperscan not installed")
def test_prefilter_keywords_reused_or_not(logs):
    """Hyperscan hands its keywords on to facts and rule selection; the `re` scanner does not."""
    kb = load_rules()
    words = engine._prefilter_for(kb).words
    hs, py = Prefilter(words, engine="hyperscan"), Prefilter(words, engine="re")
    for p in logs:
        assert analyse(load_rules(), p, hs) == analyse(load_rules(), p, py), p


# --- the on-disk cache ------------------------------------------------------------------------------

API_SCRIPT = """
import json, sys
from pathlib import Path
from analyzer import load_knowledge_base
from analyzer.pipeline.engine import analyze_paths
kb = load_knowledge_base()
print(json.dumps({p: analyze_paths([p], kb).to_dict() for p in sys.argv[1:]}))
"""


def api_reports(paths, **env) -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("TFLOG_NO_CACHE", "TFLOG_CACHE_DIR")}
    e.update(env)
    p = subprocess.run([sys.executable, "-c", API_SCRIPT, *map(str, paths)], capture_output=True, env=e, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr.decode()[-3000:]
    return json.loads(p.stdout)


def test_disk_cache_off_empty_filled_and_corrupt(logs, tmp_path):
    cache = tmp_path / "cache"
    off = api_reports(logs, TFLOG_NO_CACHE="1")
    assert api_reports(logs, TFLOG_CACHE_DIR=str(cache)) == off  # empty: builds and writes
    kinds = {f.name.split("-")[0] for f in cache.iterdir()}
    assert {"rules", "patterns"} <= kinds and ("hyperscan" in kinds) == HAVE_HS, kinds
    assert api_reports(logs, TFLOG_CACHE_DIR=str(cache)) == off  # filled: reads
    for f in cache.iterdir():  # corrupt every file: flip one byte in the body
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0xFF
        f.write_bytes(bytes(data))
    assert api_reports(logs, TFLOG_CACHE_DIR=str(cache)) == off
    for f in cache.iterdir():  # or cut it short
        f.write_bytes(f.read_bytes()[:100])
    assert api_reports(logs, TFLOG_CACHE_DIR=str(cache)) == off


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_folder_others_may_write_is_not_used(logs, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert api_reports(logs[:2], TFLOG_CACHE_DIR=str(shared)) == api_reports(logs[:2], TFLOG_NO_CACHE="1")
    assert not list(shared.iterdir())


def test_cached_rules_pass_their_examples(tmp_path):
    """`tflog rules test` runs every rule's examples on the patterns and rules read from the cache."""
    env = {**os.environ, "TFLOG_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("TFLOG_NO_CACHE", None)
    first = tflog("rules", "test", env=env)
    second = tflog("rules", "test", env=env)
    assert first.returncode == 0 and second.returncode == 0, second.stdout.decode()[-3000:]
    assert first.stdout == second.stdout


def test_cache_key_follows_the_rule_files(tmp_path):
    """A user rule folder edited between runs is read afresh, never from a stale cache."""
    env = {**os.environ, "TFLOG_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("TFLOG_NO_CACHE", None)
    rules = tmp_path / "rules"
    rules.mkdir()
    log = tmp_path / "x.log"
    log.write_text("E tensorflow/x.cc:1] frobnicator exploded\n")

    def rule(title):
        (rules / "mine.yaml").write_text(f"""- id: my-frobnicator
  category: unknown
  severity: error
  title: {title}
  match: ['frobnicator exploded']
""")

    titles = []
    for title in ("First title", "Second title"):
        rule(title)
        p = tflog("analyze", "-f", "json", "--rules", rules, log, env=env)
        titles.append(json.loads(p.stdout)["findings"][0]["title"])
    assert titles == ["First title", "Second title"]


# --- the CLI fast path ------------------------------------------------------------------------------


def both_paths(*args, input=None):
    fast = tflog(*args, input=input, env={**os.environ, "TFLOG_FAST_CLI": "1"})
    slow = tflog(*args, input=input, env={**os.environ, "TFLOG_FAST_CLI": "0"})
    return fast, slow


def test_fast_cli_path_matches_typer_on_every_log(logs):
    for p in logs:
        fast, slow = both_paths("analyze", "--format", "json", p)
        assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr), p


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "{log}"],
        ["analyze", "-f", "markdown", "--fail-on", "never", "{log}"],
        ["analyze", "--format=sarif", "--no-color", "{log}", "{log}"],
        ["analyze", "--fail-on=warning", "-f", "jsonl", "{log}"],
        ["analyze", "-f", "json", "--rules", "{rules}", "{log}"],
        ["analyze", "-f", "json", "-"],
        ["analyze", "-", "-", "-f", "json"],
        ["analyze", "-f", "xml", "{log}"],
        ["analyze", "-f", "json", "-f", "text", "{log}"],
        ["analyze", "{log}", "--fail-on", "sometimes"],
        ["analyze", "no-such-file.log"],
        ["analyze", "--rules", "{missing}", "{log}"],
        ["analyze", "--help"],
        ["analyze"],
        ["analyze", "--", "{log}"],
        ["analyze", "--no-color=yes", "{log}"],
        ["analyze", "-fjson", "{log}"],
    ],
)
def test_fast_cli_path_matches_typer_on_options_and_mistakes(args, tmp_path):
    log = SAMPLES / "cudnn_missing.log"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.yaml").write_text("[]\n")
    argv = [a.format(log=log, rules=rules, missing=tmp_path / "nope") for a in args]
    fast, slow = both_paths(*argv, input=log.read_bytes())
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr), argv


# --- rewritten patterns -----------------------------------------------------------------------------

# parse._TSL as it was before it was made faster: the rewrite must find the same matches.
ORIGINAL_TSL = (
    r"(?:(?<date>\d{4}-\d\d-\d\d)?[ T]?\d\d:\d\d:\d\d\.\d{3,9}: ?|(?:^|(?<=[\s:>]))(?=[IWEF] \S+?:\d+\] ))"
    r"(?<level>[IWEF]) (?:\[?\s*\d+ tid\]? )?(?<source>[^\s\]]*?[\w.-]+\.(?:cc|h|cpp|c|py)):(?<lineno>\d+)\] ?(?<msg>.*)$"
)


def tsl_equal(text):
    import regex

    from analyzer.pipeline import parse

    a, b = parse._TSL.search(text), regex.compile(ORIGINAL_TSL).search(text)
    return (a and (a.span(), a.groupdict())) == (b and (b.span(), b.groupdict()))


def test_faster_tsl_pattern_matches_like_the_original(logs):
    for p in logs:
        for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
            assert tsl_equal(line), line


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    # TSL-shaped lines: prefix, level, thread id, a source path of awkward pieces, line number, message.
    TSL_LINES = st.tuples(
        st.sampled_from(["", "2021-03-01 12:00:00.123456: ", "12:00:00.123:", "> ", "x ", ":", "[stderr] "]),
        st.sampled_from(["E ", "I ", "W ", "F ", "X ", "E", "", "E  "]),
        st.sampled_from(["", "[ 12 tid] ", "12 tid ", "[1 tid]"]),
        st.lists(
            st.sampled_from(
                [
                    "a",
                    "tensorflow/",
                    "C:\\",
                    ".",
                    "..",
                    "-",
                    "_",
                    ".cc",
                    ".h",
                    ".py",
                    ".c",
                    ".cpp",
                    "cc",
                    ":1",
                    "]",
                    " ",
                    "\t",
                    "é",
                ]
            ),
            max_size=8,
        ).map("".join),
        st.sampled_from([":12] ", ":3] msg", ":1:2] x", "] ", ":12]", "", ":x] ", ":12]]"]),
        st.text(max_size=6),
    ).map("".join)

    @settings(max_examples=3000, deadline=None)
    @given(TSL_LINES)
    def test_faster_tsl_pattern_matches_like_the_original_on_generated_lines(line):
        assert tsl_equal(line)
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass


# --- --jobs: byte ranges in worker processes --------------------------------------------------------


@pytest.fixture(scope="module")
def big_logs(tmp_path_factory, shape_logs):
    """Logs of a few reader blocks each: the shapes, and one with what the split must get right (a
    line longer than reader.MAX_LINE, interactive prompts, CRLF, a last line without a line end)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from shapes import SHAPES, generate

    folder = tmp_path_factory.mktemp("big")
    out = []
    for i, shape in enumerate(SHAPES):
        path = folder / f"{shape}.log"
        generate(str(path), shape, 2.6, seed=11 + i)
        out.append(path)
    samples = b"".join(p.read_bytes() for p in sorted(SAMPLES.glob("*.log")))
    tricky = folder / "tricky.log"
    with open(tricky, "wb") as f:
        while f.tell() < 2_700_000:
            f.write(samples)
            f.write(b">>> tf.test.is_built_with_cuda()\nFalse\n" + TRICKY.encode() + b"x" * 70_000 + b" error\n")
        f.write(b"In [3]: tf.config.list_physical_devices('GPU')")  # no line end
    return out + [tricky]


def test_jobs_give_the_report_of_one_process(big_logs, monkeypatch):
    """--jobs 1 and 2 (ranges of one reader block, so that every file is cut in several) against
    one process on the plain path."""
    from analyzer.pipeline import parallel

    monkeypatch.setattr(parallel, "RANGE_BLOCKS", 1)
    for p in big_logs:
        monkeypatch.setenv("TFLOG_LINE_CLASSES", "0")
        plain = engine.analyze_paths([str(p)], load_rules()).to_dict()
        monkeypatch.delenv("TFLOG_LINE_CLASSES")
        assert len(parallel._ranges(str(p))) >= 3, p.name
        for jobs in (1, 2):
            assert parallel.analyze_paths([str(p)], load_rules(), jobs).to_dict() == plain, (p.name, jobs)
    both = [str(big_logs[0]), str(SAMPLES / "cudnn_missing.log"), str(big_logs[-1])]  # several files, one report
    monkeypatch.setenv("TFLOG_LINE_CLASSES", "0")
    plain = engine.analyze_paths(both, load_rules()).to_dict()
    monkeypatch.delenv("TFLOG_LINE_CLASSES")
    assert parallel.analyze_paths(both, load_rules(), 2).to_dict() == plain


def test_jobs_on_the_command_line(big_logs):
    log = big_logs[0]
    outs = [tflog("analyze", "-f", "json", "--jobs", jobs, log) for jobs in ("1", "2", "auto")]
    assert outs[0].returncode in (0, 1) and outs[0].stdout
    assert all((o.returncode, o.stdout) == (outs[0].returncode, outs[0].stdout) for o in outs), "--jobs changed the report"
    bad = tflog("analyze", "--jobs", "0", log)
    assert bad.returncode == 2 and b"--jobs" in bad.stderr


def _pattern_sources(kb):
    """Every pattern a class build may skip with may_match: rule, fact and platform patterns, as
    written and as their digit- and hex-agnostic supersets."""
    from analyzer.pipeline.facts import _PLATFORM, PATTERNS
    from analyzer.pipeline.supersets import generalize, hex_superset

    sources = [s for r in kb.rules for s in r.sources] + [p.source for p in PATTERNS] + [p.source for p, _ in _PLATFORM]
    out = []
    for s in sources:
        out += [w for w in (s, generalize(s), hex_superset(s)) if w is not None]
    return sorted(set(out))


def test_may_match_never_skips_a_pattern_that_matches(logs, shape_logs):
    """supersets.may_match says False only where the pattern finds nothing: every rule, fact and
    platform pattern (and superset) on every ASCII line of the sample, generated and shape logs, on
    the lines with their digits as 0, and on mutated lines (cut, upper-cased, words swapped)."""
    import regex

    from analyzer.pipeline.supersets import _literals, may_match

    kb = load_rules()
    rng = random.Random(15)
    lines = set()
    for path in list(logs) + list(shape_logs):
        text = Path(path).read_text("utf-8", "replace").splitlines()
        lines.update(rng.sample(text, min(len(text), 400)))
    lines = {ln for ln in lines if ln.isascii()}
    pool = sorted(lines)
    for ln in pool[:300]:
        words = ln.split()
        lines.add(re.sub(r"\d", "0", ln))
        lines.add(ln.upper())
        lines.add(ln[: len(ln) // 2])
        if len(words) > 2:
            rng.shuffle(words)
            lines.add(" ".join(words))
    checked = skipped = 0
    for source in _pattern_sources(kb):
        try:
            p = regex.compile(source, regex.V0)
        except regex.error:
            continue
        if _literals(source) is None:
            continue
        for ln in lines:
            if not may_match(p, ln.lower(), True):
                skipped += 1
                assert p.search(ln) is None, (source, ln)
            checked += 1
    assert skipped > checked // 2  # it does skip


def test_may_match_refuses_what_the_stdlib_parser_reads_otherwise():
    import regex

    from analyzer.pipeline.supersets import _literals, may_match

    for source in [r"(?:cudnn){e<=1}", r"(?|(cudnn)|(cublas))", r"(?V1)cudnn", r"(?if)strasse", r"\L<names>"]:
        assert _literals(source) is None, source
    p = regex.compile(r"(?i)\bwindows\b")
    assert not may_match(p, "linux box", True) and may_match(p, "linux box", False)  # not ASCII: not known
    assert may_match(p, "on windows 11", True)


def test_fact_keywords_from_the_prefilter_are_the_searched_ones():
    """classes._fact_plan_for's keyword tests of widened fact patterns, decided from the prefilter's
    keywords (then a search for those with digits), agree with the search of all of the pattern's
    keywords with digits as 0, on keys of lines that hold them."""
    from analyzer.pipeline import classes
    from analyzer.pipeline.facts import PATTERNS

    kb = load_rules()
    prefilter = Prefilter(list(kb.keywords) + list(engine.FACT_KEYWORDS))
    words = [k for p in PATTERNS for k in p.keywords]
    rng = random.Random(5)
    for _ in range(400):
        line = " ".join(rng.sample(words, 3) + ["at", "step", str(rng.randint(0, 999))])
        block = Block(data=line.encode(), first_line=1, newline=b"\n")
        ((_, raw, found),) = list(prefilter.candidates(block))
        low = raw.translate(classes.DIGITS).decode().lower()
        decided = {e[0]: e for e in classes._fact_plan_for(found, False)}
        for i, _keywords, zeroed, wide in classes._fact_plan():
            if zeroed is not None and wide is not None:
                searched = zeroed.search(low) is not None
                entry = decided.get(i)
                assert (entry is not None and (entry[2] is None or entry[2].search(low) is not None)) == searched, (i, line)


def test_mask_skips_only_substitutions_that_change_nothing(logs, shape_logs):
    """normalize.mask skips a substitution whose required strings are absent: the same templates as
    every substitution in turn, on every line of the logs and on random strings of the bytes that matter."""
    from analyzer.core.normalize import _MASKS, mask

    def every_step(text: str) -> str:
        for pattern, repl, _ in _MASKS:
            text = pattern.sub(repl, text)
        return text.strip()

    rng = random.Random(5)
    alphabet = "ab0x9F-:/\\[]'\" \t.,T12345c:D\u00e9\u2009"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    for p in logs + shape_logs:
        texts += p.read_text("utf-8", "replace").splitlines()[:3000]
    for t in texts:
        assert mask(t) == every_step(t), t


def test_a_caller_with_other_threads_is_not_forked(big_logs, monkeypatch):
    """Forking while another thread holds a lock can hang a child: a threaded caller gets one process, same report."""
    import multiprocessing
    import threading

    from analyzer.pipeline import parallel

    def no_fork(*a, **k):
        raise AssertionError("forked a process that runs other threads")

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        monkeypatch.setattr(multiprocessing, "get_context", no_fork)
        monkeypatch.setattr(parallel, "RANGE_BLOCKS", 1)
        path = str(big_logs[0])
        assert parallel.analyze_paths([path], load_rules(), 2).to_dict() == engine.analyze_paths([path], load_rules()).to_dict()
    finally:
        stop.set()
        worker.join()
