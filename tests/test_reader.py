"""Reading hostile and unusual input: every case is analysed correctly or refused in one line (exit 2)."""
from __future__ import annotations

import codecs
import gzip
import json
import os
import random

import pytest

from analyzer.pipeline.engine import Analysis, analyze_paths
from analyzer.pipeline.reader import MAX_LINE, InputError, LineSplitter

from conftest import SAMPLES, tflog

OOM = ("2021-03-01 12:00:00.123456: W tensorflow/core/common_runtime/bfc_allocator.cc:456] "
       "Allocator (GPU_0_bfc) ran out of memory trying to allocate 1.00GiB (rounded to 1073741824).  Current allocation summary follows.")
ERR = "2021-03-01 12:00:00.123456: E tensorflow/core/some/new_thing.cc:77] Something nobody has seen before went wrong"
FATAL = "2021-03-01 12:00:01.000001: F tensorflow/core/other/thing.cc:12] Check failed: widget_count >= 0 (-1 vs. 0)"


def lines_of(report):
    return [(e.line, e.text) for f in report.findings for e in f.evidence]


def test_missing_file_is_one_line_exit_2(tmp_path):
    p = tflog("analyze", tmp_path / "nope.log")
    assert p.returncode == 2
    assert p.stderr.decode().strip() == f"tflog: error: {tmp_path / 'nope.log'}: no such file"
    assert b"Traceback" not in p.stderr


def test_directory_is_refused(tmp_path):
    p = tflog("analyze", tmp_path)
    assert p.returncode == 2 and b"is a directory" in p.stderr and p.stderr.count(b"\n") == 1


@pytest.mark.parametrize("how", ["file", "stdin", "gzip"])
def test_empty_input_is_a_log_with_nothing_wrong(tmp_path, how):
    """A job that printed nothing must not fail a hook or a pipe: a report of zero lines, a note, exit 0."""
    f = tmp_path / ("empty.log.gz" if how == "gzip" else "empty.log")
    f.write_bytes(gzip.compress(b"") if how == "gzip" else b"")
    p = tflog("analyze", "--format", "json", "-" if how == "stdin" else f, input=b"" if how == "stdin" else None)
    assert p.returncode == 0 and not p.stderr, p.stderr
    report = json.loads(p.stdout)
    assert report["inputs"][0]["lines"] == 0 and report["findings"] == []
    assert any("empty input" in w for w in report["warnings"])
    text = tflog("analyze", f if how != "stdin" else "-", input=b"").stdout.decode()
    assert "No problem found" in text and "empty input" in text


def test_truncated_gzip_is_analysed_as_far_as_it_decompresses(tmp_path):
    """Like zcat: the part that decompresses is analysed, the report says where it stopped."""
    log = (SAMPLES / "cudnn_version_mismatch.log").read_bytes()
    rnd = random.Random(0)
    noise = "\n".join("".join(rnd.choices("abcdefghij klmnopqrstuvwxyz", k=80)) for _ in range(5000)).encode()
    packed = gzip.compress(log + noise + b"\n")  # the noise compresses badly: the cut falls inside it
    cut = tmp_path / "run.log.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    p = tflog("analyze", "--format", "json", cut)
    assert p.returncode == 1 and not p.stderr, p.stderr  # exit per findings
    report = json.loads(p.stdout)
    assert report["findings"][0]["rule_id"] == "cudnn-version-mismatch"
    [note] = [w for w in report["warnings"] if "gzip" in w]
    lines = report["inputs"][0]["lines"]
    assert "cut short" in note and f"{lines} line(s)" in note and lines >= log.count(b"\n")


def test_gzip_with_several_members_and_padding(tmp_path):
    f = tmp_path / "cat.log.gz"
    f.write_bytes(gzip.compress(b"first\n") + gzip.compress(ERR.encode() + b"\n") + b"\0" * 64)
    report = json.loads(tflog("analyze", "--format", "json", f).stdout)
    assert report["inputs"][0]["lines"] == 2 and report["findings"] and not report["warnings"]


@pytest.mark.parametrize("magic,what", [(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, b"PNG"),
                                        (b"\x7fELF\x02\x01\x01" + bytes(300), b"ELF")])
def test_binary_files_are_refused(tmp_path, magic, what):
    f = tmp_path / "x.log"
    f.write_bytes(magic)
    p = tflog("analyze", f)
    assert p.returncode == 2 and b"binary file" in p.stderr and what in p.stderr


def test_unreadable_file_is_refused(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    f = tmp_path / "secret.log"
    f.write_text(ERR)
    f.chmod(0)
    p = tflog("analyze", f)
    assert p.returncode == 2 and b"permission denied" in p.stderr


def test_invalid_utf8_is_replaced_not_fatal(tmp_path, kb):
    f = tmp_path / "bad.log"
    f.write_bytes(b"\xfa\xfb garbage \xc3\x28 \xed\xa0\x80\n" + ERR.encode() + b"\n")
    report = analyze_paths([str(f)], kb)
    assert (2, ERR) in lines_of(report)


@pytest.mark.parametrize("bom", [True, False])
def test_utf16_as_written_by_powershell(tmp_path, kb, bom):
    f = tmp_path / "ps.log"
    body = ("hello\r\n" + ERR + "\r\n").encode("utf-16-le")
    f.write_bytes((codecs.BOM_UTF16_LE if bom else b"") + body)
    report = analyze_paths([str(f)], kb)
    assert (2, ERR) in lines_of(report)


def test_crlf_and_lone_cr_line_ends(tmp_path, kb):
    f = tmp_path / "crlf.log"
    f.write_bytes(b"a\r\nb\r\n" + ERR.encode() + b"\r\n")
    assert (3, ERR) in lines_of(analyze_paths([str(f)], kb))
    g = tmp_path / "cr.log"
    g.write_bytes(b"a\rb\r" + ERR.encode() + b"\rafter\r")
    assert (3, ERR) in lines_of(analyze_paths([str(g)], kb))


def test_ansi_colour_codes_are_stripped(tmp_path, kb):
    f = tmp_path / "ansi.log"
    f.write_bytes(b"\x1b[1m\x1b[31m" + ERR.encode() + b"\x1b[0m\n")
    assert (1, ERR) in lines_of(analyze_paths([str(f)], kb))


def test_only_ansi_escapes_is_a_clean_report(tmp_path, kb):
    f = tmp_path / "esc.log"
    f.write_bytes(b"\x1b[2J\x1b[H\x1b[0m\n" * 50)
    assert analyze_paths([str(f)], kb).findings == []


def test_progress_bar_rewrites_keep_last_state(tmp_path, kb):
    f = tmp_path / "bar.log"
    bar = b"".join(b"\r%d/100 [====>....] - ETA: 1s - loss: 0.5" % i for i in range(100))
    f.write_bytes(b"Epoch 1/2\n" + bar + b"\r" + ERR.encode() + b"\nnext\n")
    assert (2, ERR) in lines_of(analyze_paths([str(f)], kb))


def test_nul_bytes_inside_text(tmp_path, kb):
    f = tmp_path / "nul.log"
    f.write_bytes(b"start\n\x00\x00\x00\n" + ERR.encode() + b"\n")
    assert (3, ERR) in lines_of(analyze_paths([str(f)], kb))


def test_gzip_input(tmp_path, kb):
    f = tmp_path / "run.log.gz"
    f.write_bytes(gzip.compress(b"x\n" * 10 + ERR.encode() + b"\n"))
    report = analyze_paths([str(f)], kb)
    assert (11, ERR) in lines_of(report)


def test_truncated_gzip_of_noise_says_where_it_stopped(tmp_path):
    f = tmp_path / "cut.log.gz"
    f.write_bytes(gzip.compress(os.urandom(200_000))[:5000])
    p = tflog("analyze", f)
    assert p.returncode in (0, 1) and b"Traceback" not in p.stderr
    assert b"gzip file is cut short" in p.stdout


def test_gzip_damaged_from_the_start_is_refused(tmp_path):
    f = tmp_path / "bad.log.gz"
    f.write_bytes(b"\x1f\x8b" + b"not deflate at all" * 10)
    p = tflog("analyze", f)
    assert p.returncode == 2 and b"damaged gzip" in p.stderr and p.stderr.count(b"\n") == 1


def test_stdin(kb):
    p = tflog("analyze", "--format", "text", "-", input=(ERR + "\n" + FATAL + "\n").encode())
    assert p.returncode == 1, p.stderr
    assert b"<stdin>:1" in p.stdout


def test_huge_single_line_is_capped_and_matched_on_its_head(tmp_path, kb):
    f = tmp_path / "huge.log"
    with open(f, "wb") as out:
        out.write(b"first\n" + ERR.encode() + b" " )
        chunk = b"x" * (1 << 20)
        for _ in range(100):  # a 100 MB single line
            out.write(chunk)
        out.write(b"\n" + FATAL.encode() + b"\n")
    report = analyze_paths([str(f)], kb)
    found = dict(lines_of(report))
    assert found[2].startswith(ERR) and len(found[2]) <= MAX_LINE + 1
    assert found[3] == FATAL  # the line after the giant one keeps its true number
    assert report.inputs[0].lines == 3


def test_line_numbers_survive_block_boundaries(kb):
    analysis = Analysis(kb)
    info = analysis.start_input("t")
    splitter = LineSplitter("t")
    text = ("noise line\n" * 997) + ERR + "\n" + "tail\n" * 5
    data = text.encode()
    for i in range(0, len(data), 777):  # arbitrary chunking, as from a pipe
        for block in splitter.feed(data[i:i + 777]):
            analysis.feed_block(info, block)
    for block in splitter.finish():
        analysis.feed_block(info, block)
    assert (998, ERR) in lines_of(analysis.report())


def test_final_line_without_newline(tmp_path, kb):
    f = tmp_path / "t.log"
    f.write_bytes(b"a\n" + ERR.encode())
    assert (2, ERR) in lines_of(analyze_paths([str(f)], kb))


def test_repeated_lines_are_counted_not_repeated(tmp_path, kb):
    f = tmp_path / "rep.log"
    f.write_bytes((ERR + "\n").encode() * 100_000)
    report = analyze_paths([str(f)], kb)
    [finding] = [x for x in report.findings if x.severity != "info"]
    assert finding.count == 100_000 and len(finding.evidence) == 1 and finding.evidence[0].count == 100_000


def test_input_error_is_raised_for_api_users(tmp_path, kb):
    with pytest.raises(InputError):
        analyze_paths([str(tmp_path / "missing.log")], kb)


@pytest.mark.parametrize("before", [1, 1000, 200_000])
def test_an_over_long_line_anywhere_in_a_chunk_keeps_only_its_head(before):
    """Whatever sits before it in the same chunk (a few short lines or many)."""
    data = b"ok\n" * before + b"x" * (MAX_LINE + 5000) + b"\n" + b"after\n"
    blocks = list(LineSplitter("t").split([data]))
    lines = b"".join(b.data for b in blocks).split(b"\n")
    assert max(len(l) for l in lines) == MAX_LINE
    assert lines[before] == b"x" * MAX_LINE and lines[before + 1] == b"after"


@pytest.mark.parametrize("seed", range(6))
def test_a_file_on_disk_gives_the_blocks_of_fixed_size_chunks(tmp_path, seed):
    """read_blocks reads a plain file to line ends (no copy per block): the blocks must be those
    LineSplitter makes of chunks cut at every multiple of the block size, as pipeline.parallel assumes
    (lines short and long, CRLF, lone CRs, a missing last line end, block sizes below the TAIL window)."""
    from analyzer.pipeline.reader import open_source, read_blocks

    rnd = random.Random(seed)
    parts = [b"x" * rnd.choice([0, 1, 50, 4095, 4096, 5000, MAX_LINE + 9, 2 * MAX_LINE]) + rnd.choice([b"\n", b"\r\n", b"\r", b""])
             for _ in range(rnd.randint(1, 300))]
    data = b"".join(parts)
    f = tmp_path / "t.log"
    f.write_bytes(data)
    for size in (5000, 8192, 65536, 200_000):
        source = open_source(str(f))
        got = [(b.data, b.first_line, b.newline) for b in read_blocks(source, size)]
        source.stream.close()
        want = [(b.data, b.first_line, b.newline) for b in LineSplitter(str(f)).split(data[i:i + size] for i in range(0, len(data), size))]
        assert got == want, size


def test_a_last_line_without_a_line_end_is_in_the_same_block_as_the_lines_before_it(tmp_path):
    """A paste seldom ends with a line end; its last line belongs with the lines before it, where what reads a
    small input's block as a whole sees it: an OOM message a break split after "with shape" is read whole, shape
    and device included, with or without the final line end."""
    blocks = list(LineSplitter("x").split([b"first\nsecond\nlast"]))
    assert [(b.first_line, b.data) for b in blocks] == [(1, b"first\nsecond\nlast\n")]
    text = ("ResourceExhaustedError (see above for traceback): OOM when allocating tensor with shape\n"
            "[6272,30000] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator")
    for i, body in enumerate((text, text + "\n")):
        log = tmp_path / f"oom{i}.log"
        log.write_text(body, encoding="utf-8")
        root = json.loads(tflog("analyze", "--format", "json", log).stdout)["findings"][0]
        assert (root["rule_id"], root["facts"].get("oom_shape"), root["facts"].get("oom_device")) == (
            "oom-gpu-allocating-tensor", "[6272,30000]", "GPU:0")
