"""Property-based tests: any input yields a report, never an exception, and evidence line numbers
always point at the evidence text in the original input."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import load_knowledge_base
from analyzer.pipeline.engine import analyze_chunks
from analyzer.pipeline.facts import FactCollector
from analyzer.pipeline.parse import TracebackTracker, clean, parse_line
from analyzer.pipeline.reader import LineSplitter

KB = load_knowledge_base()

# Realistic fragments mixed with junk, so that the rules and parsers actually fire.
FRAGMENTS = [
    "2021-03-01 12:00:00.123456: E tensorflow/stream_executor/cuda/cuda_dnn.cc:336] Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR",
    "E0000 00:00:1741914572.807962   15788 cuda_dnn.cc:8310] Unable to register cuDNN factory",
    "Traceback (most recent call last):", '  File "train.py", line 3, in <module>',
    "tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating tensor with shape[1,2] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc",
    "During handling of the above exception, another exception occurred:", "\t [[{{node a/b}}]]",
    "Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file",
    "Stats: ", "Limit:  123", "InUse: 45", "\x1b[31m", "\r", "\x00", "loss: nan", "F tensorflow/core/x.cc:1] Check failed: a",
]
text_lines = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=80)), max_size=40)


def run(data: bytes, chunk: int):
    splitter = LineSplitter("t")
    report = analyze_chunks((data[i:i + chunk] for i in range(0, len(data), chunk)), KB, "t", splitter)
    return report, splitter


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=text_lines, sep=st.sampled_from(["\n", "\r\n"]), chunk=st.integers(1, 300), junk=st.binary(max_size=50))
def test_any_text_gives_a_report_with_true_line_numbers(lines, sep, chunk, junk):
    data = sep.join(lines).encode("utf-8", "surrogatepass") + junk
    report, splitter = run(data, chunk)
    report.to_dict()
    original = data.split(splitter.newline)
    for f in report.findings:
        for e in f.evidence:
            assert 1 <= e.line <= len(original)
            assert clean(original[e.line - 1]).startswith(e.text[:200]) or e.text == ""


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(1, 64))
def test_any_bytes_never_raise(data, chunk):
    run(data, chunk)[0].to_dict()


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_parsers_and_fact_extractor_never_raise(text):
    rec = parse_line(1, text)
    TracebackTracker().feed(rec)
    FactCollector("t").feed(1, text, rec.message)
