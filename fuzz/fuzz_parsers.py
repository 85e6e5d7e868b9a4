"""Coverage-guided fuzzing of the reader, line parser, traceback tracker, fact extractor and
engine with atheris. Any exception is a bug: the tool must turn every input into a report.

    pip install atheris
    python fuzz/fuzz_parsers.py -max_total_time=60 -max_len=4096 fuzz/corpus sample_logs

libFuzzer writes the inputs it finds into the FIRST folder (fuzz/corpus, ignored by git); the
sample logs only seed it.
"""
import sys

import atheris

with atheris.instrument_imports():
    from analyzer import load_knowledge_base
    from analyzer.pipeline.engine import analyze_chunks
    from analyzer.pipeline.facts import FactCollector
    from analyzer.pipeline.parse import TracebackTracker, clean, parse_line

KB = load_knowledge_base()


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    chunk = fdp.ConsumeIntInRange(1, 512)
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    analyze_chunks((body[i:i + chunk] for i in range(0, len(body), chunk)), KB, "fuzz").to_dict()
    text = clean(body[:2000])
    rec = parse_line(1, text)
    TracebackTracker().feed(rec)
    FactCollector("fuzz").feed(1, text, rec.message)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
