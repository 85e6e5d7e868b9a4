"""Both prefilter engines (Hyperscan and the pure-Python trie regex) hand out the same lines,
and findings are identical whichever one runs."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

from analyzer import load_knowledge_base
from analyzer.pipeline.engine import _prefilter_for
from analyzer.pipeline.reader import LineSplitter
from analyzer.pipeline.scan import Prefilter, trie_pattern

from conftest import ROOT, SAMPLES, tflog

HAVE_HS = importlib.util.find_spec("hyperscan") is not None


def test_trie_pattern_matches_exactly_the_words():
    import re

    words = ["cuda", "cudnn", "cud", "error", "e"]
    pat = re.compile(trie_pattern(words))
    for w in words:
        assert pat.fullmatch(w.encode())
    assert not pat.fullmatch(b"cu") and not pat.fullmatch(b"cudax")


def test_trie_pattern_on_random_word_lists_matches_every_word_and_nothing_else():
    """Long runs without a branch (written in a row), words that are prefixes of others, empty lists."""
    import itertools
    import random
    import re

    rng = random.Random(3)
    every = [b"".join(p) for n in range(6) for p in itertools.product([b"a", b"b", b"."], repeat=n)]
    for _ in range(300):
        words = {"".join(rng.choice("ab.") for _ in range(rng.randrange(1, 6))) for _ in range(rng.randrange(0, 6))}
        source = trie_pattern(words)
        pat = re.compile(source) if source else None
        matched = {s.decode() for s in every if pat is not None and pat.fullmatch(s)}
        assert matched == words, (sorted(words), source)


def candidates(pf: Prefilter, data: bytes):
    sp = LineSplitter("t")
    return [c[:2] for b in list(sp.feed(data)) + list(sp.finish()) for c in pf.candidates(b)]


@pytest.mark.skipif(not HAVE_HS, reason="hyperscan not installed")
def test_engines_agree_on_every_sample_log_and_generated_log(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate_log import generate

    gen = tmp_path / "gen.log"
    generate(str(gen), 2, seed=7)
    words = _prefilter_for(load_knowledge_base()).words
    hs, py = Prefilter(words, engine="hyperscan"), Prefilter(words, engine="re")
    for f in sorted(SAMPLES.glob("*.log")) + [gen]:
        data = f.read_bytes()
        assert candidates(hs, data) == candidates(py, data), f


@pytest.mark.skipif(not HAVE_HS, reason="hyperscan not installed")
def test_findings_identical_with_and_without_fast_path():
    for f in sorted(SAMPLES.glob("*.log")):
        a = tflog("analyze", "-f", "json", f, env={**os.environ, "TFLOG_SCANNER": "hyperscan"})
        b = tflog("analyze", "-f", "json", f, env={**os.environ, "TFLOG_SCANNER": "re"})
        assert json.loads(a.stdout)["findings"] == json.loads(b.stdout)["findings"], f
