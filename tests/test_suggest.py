"""`tflog rules suggest` drafts a rule that loads and matches the line it was drafted from."""
from __future__ import annotations

from analyzer.authoring.check import run_examples
from analyzer.kb.rules import load_rules

from conftest import tflog

LINE = "2021-03-01 12:00:00.123456: F tensorflow/core/kernels/frob.cc:77] Frobnicator 12 failed on /data/x/y.bin with shape [3,4] and name 'abc'"
VARIANT = "2022-05-02 01:02:03.000001: F tensorflow/core/kernels/frob.cc:80] Frobnicator 7 failed on /other/z.bin with shape [1,2,3] and name 'q'"


def test_suggested_rule_round_trips(tmp_path):
    log = tmp_path / "u.log"
    log.write_text("hello\n" + LINE + "\n")
    p = tflog("rules", "suggest", log)
    assert p.returncode == 0, p.stderr
    rules_dir = tmp_path / "drafts"
    rules_dir.mkdir()
    (rules_dir / "draft.yaml").write_bytes(p.stdout)
    kb = load_rules([rules_dir], include_builtin=False)
    [rule] = kb.rules
    assert rule.id.startswith("draft-frobnicator")
    assert not run_examples(kb)
    from analyzer.pipeline.engine import analyze_text

    assert analyze_text(VARIANT + "\n", kb).root.rule_id == rule.id  # the template generalises


def test_nothing_to_suggest(tmp_path):
    log = tmp_path / "ok.log"
    log.write_text("all fine\n")
    p = tflog("rules", "suggest", log)
    assert p.returncode == 0 and b"nothing to suggest" in p.stderr
