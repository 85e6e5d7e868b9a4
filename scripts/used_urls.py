#!/usr/bin/env python3
"""Every public thread this project has used, one URL per line: what a first-sight batch's collectors must skip.

    python scripts/used_urls.py [--corpus ../shared/dev_corpus] > used_urls.txt

The `source:` of every labels file under tests/fixtures/real_logs (and of the dev corpus, when given), and every URL
the rules, docs, analyzer, tests, scripts and benchmarks cite: a rule's examples may have been written from a
thread, so a log of that thread is not blind (COLLECTING.md). URLs are written without #fragment or ?query and
without a trailing slash or sentence punctuation, as the collectors compare them.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Iterable, Set

import yaml

ROOT = Path(__file__).resolve().parent.parent
CITING = ("rules", "docs", "analyzer", "tests", "scripts", "benchmarks", "README.md")
_URL = re.compile(r"https?://[^\s'\"<>()\]`]+")


def normalised(url: str) -> str:
    """`url` as the used list holds it: no #fragment or ?query, no trailing slash or punctuation."""
    return re.sub(r"[#?].*", "", url).rstrip(".,;:").rstrip("/")


def label_sources(folders: Iterable[Path]) -> Set[str]:
    """The `source:` of every case in the labels files under `folders`."""
    out: Set[str] = set()
    for folder in folders:
        for path in folder.rglob("labels*.yaml"):
            for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                if isinstance(case, dict) and case.get("source"):
                    out.add(normalised(str(case["source"])))
    return out


def cited(paths: Iterable[Path]) -> Set[str]:
    """Every URL in the text files under `paths` (compiled and binary files skipped)."""
    out: Set[str] = set()
    for top in paths:
        for path in [top] if top.is_file() else top.rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".gz", ".so"):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            out.update(normalised(m) for m in _URL.findall(text))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="the dev corpus folder, whose labels' sources count as used too")
    a = ap.parse_args()
    folders = [ROOT / "tests" / "fixtures" / "real_logs"] + ([a.corpus] if a.corpus else [])
    urls = label_sources(folders) | cited(ROOT / p for p in CITING)
    print("\n".join(sorted(u for u in urls if u)))


if __name__ == "__main__":
    main()
