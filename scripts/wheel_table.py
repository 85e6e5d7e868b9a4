"""Write rules/compat/wheel_platforms.yaml: which platforms and Pythons each TensorFlow release has pip wheels for,
and each release of the add-ons with compiled code (ADDONS).

    python scripts/wheel_table.py [--index DIR]

Reads the file names of each package's wheels from PyPI's simple index (PEP 691 JSON,
https://pypi.org/simple/<package>/), or from DIR/<package>.json saved earlier (a package without one is
left out), and keeps the final releases (no rc, dev, alpha or beta; yanked files left out). A wheel's name says its Python
(`cp310`) and its platform (`manylinux_2_17_aarch64`, `macosx_12_0_arm64`, `win_amd64`): the table
lists, per release, each platform's Pythons as ranges. Why it exists: the tested-build tables give
one Python range per release, but pip also needs a wheel for the machine: Intel Macs get none after
2.16, Apple silicon none before 2.13 (tensorflow-macos instead), Linux on ARM none before 2.10.
An add-on (tensorflow-text, -io, ...) publishes its own wheels, often for fewer platforms (tensorflow-text has
none for native Windows after 2.10). Run it when a release comes out; the file it writes is committed.
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
from typing import Dict, List, Optional, Set, Tuple

INDEX = "https://pypi.org/simple/{}/"
OUT = Path(__file__).resolve().parent.parent / "rules" / "compat" / "wheel_platforms.yaml"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's analyzer, not another installed

from analyzer.kb.compat import python_text  # noqa: E402  (the one way a set of Pythons is written)

# TensorFlow's add-ons with compiled code, whose wheels pip must find for the machine (pure-Python ones fit every machine)
ADDONS = (
    "tensorflow-text", "tensorflow-io", "tensorflow-io-gcs-filesystem", "tensorflow-addons", "tensorflow-decision-forests",
    "tensorflow-data-validation", "tfx-bsl", "tensorflow-quantum", "tensorflow-recommenders-addons", "tensorflow-metal",
    "tensorflow-directml",
)  # fmt: skip


def wheel_pattern(package: str) -> re.Pattern[str]:
    """A final release's CPython wheel of `package` (its file names spell the name with underscores)."""
    name = re.escape(package.replace("-", "_"))
    return re.compile(
        rf"^{name}-(?P<ver>\d+\.\d+\.\d+(?:\.post\d+)?)-(?:\d\w*-)?cp(?P<py>\d)(?P<pyminor>\d+)-[^-]+-(?P<plat>[\w.]+)\.whl$"
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


def table(files: List[dict], package: str = "tensorflow") -> Dict[Tuple[int, int], Dict[str, Set[Tuple[int, int]]]]:
    rows: Dict[Tuple[int, int], Dict[str, Set[Tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
    wheel = wheel_pattern(package)
    for f in files:
        m = wheel.match(f["filename"])
        if not m or f.get("yanked"):
            continue
        major, minor = (int(x) for x in m.group("ver").split(".")[:2])
        rows[(major, minor)][platform_of(m.group("plat"))].add((int(m.group("py")), int(m.group("pyminor"))))
    return rows


def index_files(package: str, folder: Optional[str]) -> Optional[List[dict]]:
    """The files of `package` in PyPI's simple index (from `folder`/<package>.json when given; None if it has none)."""
    if folder:
        path = Path(folder) / f"{package}.json"
        return json.loads(path.read_text(encoding="utf-8"))["files"] if path.is_file() else None
    req = urllib.request.Request(INDEX.format(package), headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["files"]


def rows_text(rows: Dict[Tuple[int, int], Dict[str, Set[Tuple[int, int]]]], indent: str) -> List[str]:
    lines = []
    for key in sorted(rows):
        cells = ", ".join(f"{plat}: '{python_text(pys)}'" for plat, pys in sorted(rows[key].items()))
        lines.append(f"{indent}'{key[0]}.{key[1]}': {{{cells}}}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="a folder holding <package>.json (PyPI's simple index, JSON form) saved earlier")
    ap.add_argument("--out", default=str(OUT), help="where to write the table (default: %(default)s)")
    args = ap.parse_args()
    files = index_files("tensorflow", args.index)
    if files is None:
        print(f"no tensorflow.json in {args.index}", file=sys.stderr)
        return 2
    rows = table(files)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        "# Which platforms and Pythons each TensorFlow release has `tensorflow` wheels for on PyPI (final releases;",
        "# rc, dev and yanked files left out), and each release of the add-ons with compiled code (`addons`). Written by",
        f"# scripts/wheel_table.py from PyPI's simple index on {when};",
        "# do not edit by hand, run the script again. Keys: linux / macos / windows, then the CPU (x86_64, arm64:",
        "# manylinux aarch64, macOS arm64). Values: the Pythons of that platform's wheels, as ranges.",
        "# Read by analyzer/kb/compat.py (Compat.wheel_pythons, Compat.addon_wheels): a fix pinning a release with no",
        "# wheel for the log's Python on the log's platform is not shown, and pip's refusal of an add-on says which",
        "# releases have one. Other builds of TensorFlow (tensorflow-macos, tensorflow-cpu-aws, tensorflow-intel) are not here.",
        f"source: '{INDEX.format('tensorflow')}'",
        "tensorflow:",
        *rows_text(rows, "  "),
        "addons:",
    ]
    done = 0
    for package in ADDONS:
        addon = index_files(package, args.index)
        addon_rows = table(addon, package) if addon is not None else {}
        if addon_rows:
            lines += [f"  {package}:", f"    source: '{INDEX.format(package)}'", *rows_text(addon_rows, "    ")]
            done += 1
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(rows)} releases of tensorflow, {done} add-ons")
    return 0


if __name__ == "__main__":
    sys.exit(main())
