"""Write rules/compat/wheel_platforms.yaml: which platforms and Pythons each TensorFlow release has pip wheels for.

    python scripts/wheel_table.py [--index DIR]

Reads the file names of `tensorflow`'s wheels from PyPI's simple index (PEP 691 JSON,
https://pypi.org/simple/tensorflow/), or from DIR/tensorflow.json saved earlier, and keeps the final
releases (no rc, dev, alpha or beta; yanked files left out). A wheel's name says its Python
(`cp310`) and its platform (`manylinux_2_17_aarch64`, `macosx_12_0_arm64`, `win_amd64`): the table
lists, per release, each platform's Pythons as ranges. Why it exists: the tested-build tables give
one Python range per release, but pip also needs a wheel for the machine: Intel Macs get none after
2.16, Apple silicon none before 2.13 (tensorflow-macos instead), Linux on ARM none before 2.10.
Run it when a release comes out; the file it writes is committed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Set, Tuple

INDEX = "https://pypi.org/simple/tensorflow/"
OUT = Path(__file__).resolve().parent.parent / "rules" / "compat" / "wheel_platforms.yaml"
_WHEEL = re.compile(
    r"^tensorflow-(?P<ver>\d+\.\d+\.\d+(?:\.post\d+)?)-(?:\d\w*-)?cp(?P<py>\d)(?P<pyminor>\d+)-[^-]+-(?P<plat>[\w.]+)\.whl$"
)


def platform_of(tag: str) -> str:
    """'manylinux_2_17_aarch64' -> 'linux-arm64', 'macosx_10_15_x86_64' -> 'macos-x86_64', 'win_amd64' -> 'windows-x86_64'."""
    os_name = "macos" if tag.startswith("macosx") else "windows" if tag.startswith("win") else "linux"
    # macOS "intel" wheels (TF 1.15-2.3, Python 3.5) hold i386 and x86_64 code
    arch = (
        "arm64"
        if tag.endswith(("aarch64", "arm64"))
        else "x86_64"
        if tag.endswith(("x86_64", "amd64", "intel"))
        else tag.split("_")[-1]
    )
    return f"{os_name}-{arch}"


def ranges(pythons: Set[Tuple[int, int]]) -> str:
    """{(3, 9), (3, 10), (3, 12)} -> '3.9-3.10, 3.12' (consecutive minors of one major joined)."""
    out: List[List[Tuple[int, int]]] = []
    for py in sorted(pythons):
        if out and out[-1][-1][0] == py[0] and out[-1][-1][1] + 1 == py[1]:
            out[-1].append(py)
        else:
            out.append([py])
    return ", ".join(f"{r[0][0]}.{r[0][1]}" + (f"-{r[-1][0]}.{r[-1][1]}" if len(r) > 1 else "") for r in out)


def table(files: List[dict]) -> Dict[Tuple[int, int], Dict[str, Set[Tuple[int, int]]]]:
    rows: Dict[Tuple[int, int], Dict[str, Set[Tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
    for f in files:
        m = _WHEEL.match(f["filename"])
        if not m or f.get("yanked"):
            continue
        major, minor = (int(x) for x in m.group("ver").split(".")[:2])
        rows[(major, minor)][platform_of(m.group("plat"))].add((int(m.group("py")), int(m.group("pyminor"))))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="a folder holding tensorflow.json (PyPI's simple index, JSON form) saved earlier")
    ap.add_argument("--out", default=str(OUT), help="where to write the table (default: %(default)s)")
    args = ap.parse_args()
    if args.index:
        data = json.loads((Path(args.index) / "tensorflow.json").read_text(encoding="utf-8"))
    else:
        req = urllib.request.Request(INDEX, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            data = json.load(r)
    rows = table(data["files"])
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        "# Which platforms and Pythons each TensorFlow release has `tensorflow` wheels for on PyPI (final releases;",
        f"# rc, dev and yanked files left out). Written by scripts/wheel_table.py from {INDEX} on {when};",
        "# do not edit by hand, run the script again. Keys: linux / macos / windows, then the CPU (x86_64, arm64:",
        "# manylinux aarch64, macOS arm64). Values: the Pythons of that platform's wheels, as ranges.",
        "# Read by analyzer/kb/compat.py (Compat.wheel_pythons): a fix pinning a release with no wheel for the",
        "# log's Python on the log's platform is not shown. Other packages (tensorflow-macos, tensorflow-cpu-aws,",
        "# tensorflow-intel) are not in this table.",
        f"source: '{INDEX}'",
        "tensorflow:",
    ]
    for key in sorted(rows):
        cells = ", ".join(f"{plat}: '{ranges(pys)}'" for plat, pys in sorted(rows[key].items()))
        lines.append(f"  '{key[0]}.{key[1]}': {{{cells}}}")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(rows)} releases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
