"""Version-compatibility knowledge as data, and the facts it derives from what a log states.

The tables live in `rules/compat/*.yaml` (in the wheel: `analyzer/rules/compat/`), next to the
rules, and every record there names its source:

    tested_builds.yaml       TF release -> CUDA, cuDNN, Python, compiler (Linux / native Windows)
    cuda_drivers.yaml        CUDA toolkit -> minimum driver; minor-version compatibility (CUDA 11+)
    compute_capability.yaml  CCs per CUDA toolkit; SASS/PTX architectures in TF's pip wheels
    library_names.yaml       SONAME / DLL names per CUDA and cuDNN version

`derived_facts(facts)` turns the facts of a report (tf_version, driver_version, missing_libraries,
compute_capability, python_version, platform) into new facts that rule templates and conditions
can name (see DERIVED_FACTS). It only derives what the tables support: no row, no fact.
`analyzer.confirm.probes.compat` (doctor, --confirm) reads the same tables through `tables()`.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from analyzer.core.cache import compile_re
from analyzer.core.normalize import version_tuple

if TYPE_CHECKING:
    from pathlib import Path

TABLE_FILES = ("tested_builds", "cuda_drivers", "compute_capability", "library_names", "packages", "wheel_platforms")

# Facts derived_facts() (and overview_facts(), for rule text only) can add (kbcheck accepts them in templates
# and conditions).
DERIVED_FACTS = {
    "tf_built_cuda": "CUDA the official TF wheel of tf_version was built against (tested builds)",
    "tf_built_cudnn": "cuDNN the official TF wheel of tf_version was built against",
    "tf_python": "Python versions of the pip wheels of tf_version (on this platform and CPU, where known; rules/compat/wheel_platforms.yaml), else of its tested build",
    "tf_min_driver": "minimum NVIDIA driver for tf_built_cuda on min_driver_os (NVIDIA Table 3, GA release)",
    "tf_family_min_driver": "minimum driver for tf_built_cuda's major family under minor-version compatibility (CUDA 11+)",
    "cuda_runtime_min_driver": "minimum NVIDIA driver for cuda_runtime (the CUDA runtime the log names) on min_driver_os",
    "min_driver_os": "'Linux' or 'Windows': the column the minimum drivers were read from",
    "tf_cuda_archs": "GPU code in the TF pip wheels of tf_version (sm_XY = SASS, compute_XY = PTX)",
    "driver_max_cuda": "newest CUDA toolkit whose minimum driver driver_version meets (NVIDIA Table 3)",
    "wanted_cuda": "CUDA version(s) the missing CUDA libraries' file names belong to (e.g. 10.1, 11.x)",
    "wanted_cudnn": "cuDNN major version a missing cuDNN library's file name asks for",
    "missing_dependency_cuda": "the CUDA that missing_dependency's file name belongs to (a library TensorRT or cuDNN needs)",
    "missing_cuda_matches_tf": "'yes'/'no': wanted_cuda includes tf_built_cuda",
    "cc_supported": "'yes' (SASS) / 'ptx-jit' (PTX only) / 'no': the TF wheel of tf_version on compute_capability (without tf_version: of every release built with cuda_runtime, when they agree)",
    "cc_after_cuda": "'yes' when compute_capability is newer than every architecture the loaded CUDA runtime (cuda_runtime, else cuda_loaded) compiles for",
    "cuda_loaded": "the CUDA release(s) the CUDA libraries the log loads belong to by their file names (libcublas.so.10: 10.1-10.2), where it names no runtime version",
    "cc_tf_versions": "TF releases whose pip wheels carry machine code (SASS) for compute_capability",
    "cc_first_cuda": "the CUDA toolkit that first compiles for compute_capability (compute_capability.yaml `adds`)",
    "cc_cuda_tf": "the first TF release whose tested build (the log's platform's rows) uses a CUDA >= cc_first_cuda",
    "python_supported": "'yes'/'no': tf_version has a wheel for python_version (on this platform, where known)",
    "python_tf_versions": "TF releases with a wheel for python_version (on this platform, where known)",
    "tf_wheel_for_machine": "'yes'/'no': tf_version has a tensorflow wheel for this platform and CPU (cpu_arch), and Python where known",
    "machine_tf_versions": "TF releases with a tensorflow wheel for this platform and CPU (and Python, where known)",
    "tf_pin": "what to pin tensorflow to for tf_version: the release itself (2.15.1, 2.16.0rc0), or 'X.Y.*' for a "
    "nightly or self-built one (2.16.0-dev20240101, 2.20.0-dev0+selfbuilt), which no package index has",
    "cudnn_tf_versions": "TF releases whose tested GPU build used cudnn_compiled's major.minor (when tf_version is not known)",
    "cudnn_tf_newest": "the newest TF release whose tested build used cudnn_compiled's major.minor or an older one (the newest of cudnn_tf_versions where a build used it)",
    "tf_python_newest": "the newest Python in tf_python (the one to create an environment with for tf_version)",
    "latest_tf": "the newest TF release in the tested builds (given with python_version)",
    "latest_tf_python": "the Python versions latest_tf supports",
    "python_vs_latest_tf": "'older' / 'newer' / 'supported': python_version against latest_tf_python",
    "newest_python": "the newest Python any tested build lists, and newest_python_tf the TF releases that list it",
    "newest_python_tf": "the TF releases whose tested builds list newest_python",
    "python_table": "each TF release's Python versions, newest release first, equal neighbours joined ('2.16-2.19: 3.9-3.12')",
    "no_avx_tf": "the last TF release whose official binaries run on a CPU without AVX (the one before tested-builds fact avx_required)",
    "no_avx_python": "the newest Python no_avx_tf has wheels for",
    "windows_gpu_tf": "the last TF release with GPU support on native Windows (tested-builds fact native_windows_gpu_last)",
    "windows_cpu_only_tf": "the first TF release whose native-Windows wheel is CPU only (the minor after windows_gpu_tf)",
    "windows_gpu_cuda": "the CUDA of windows_gpu_tf's tested Windows GPU build",
    "windows_gpu_cudnn": "the cuDNN of windows_gpu_tf's tested Windows GPU build",
    "windows_gpu_python": "the Python versions of windows_gpu_tf's tested Windows GPU build",
    "tf1_last": "the last TF 1.x release (the newest 1.x row of the tested builds): where tf.contrib and TF 1 code still run",
    "tf1_last_cuda": "the CUDA of tf1_last's tested Linux GPU build (its GPU package is tensorflow-gpu)",
    "tf1_last_cudnn": "the cuDNN of tf1_last's tested Linux GPU build",
    "tf1_last_python": "the newest Python tf1_last has wheels for (the one to create its environment with)",
    "macos_x86_last_tf": "the last TF release with Intel macOS (x86_64) wheels (tested-builds fact macos_x86_last)",
    "text_windows_last_tf": "the last tensorflow-text release with native-Windows wheels (tested-builds fact tensorflow_text_windows_last)",
    "keras3_tf": "the oldest TF release Keras 3 runs with (tested-builds fact keras3_first)",
    "gpu_package_tf": "the first TF release whose `tensorflow` package has the GPU support (tested-builds fact gpu_in_tensorflow_package)",
    "tf_cuda_eras": "the CUDA of TF's tested Linux GPU builds by runs of releases, newest first ('TF 2.15-2.21: CUDA 12; TF 2.4-2.14: CUDA 11; ...')",
    "tf_cuda_eras_windows": "the same for the tested native-Windows GPU builds (they end with windows_gpu_tf)",
    "addons_last_release": "the last tensorflow-addons release (the newest row of the companion table; the project is end of life)",
    "addons_last_tf": "the TF releases addons_last_release supports",
    "addons_last_tf_newest": "the newest TF release addons_last_release supports",
    "addons_last_python": "the newest Python the newest of addons_last_tf has wheels for",
    "keras2_requirement": "pip requirement of the Keras 2 that goes with tf_version: TF's own keras pin (TF 2.6-2.15), "
    "tf-keras of the same minor (TF >= 2.15, where code written for Keras 2 needs it)",
    "keras_requirement": "pip requirement of the keras package that tf_version's wheel declares (TF >= 2.6; rules/compat/packages.yaml)",
    "protobuf_requirement": "pip requirement of the protobuf that tf_version's wheel declares (rules/compat/packages.yaml)",
    "numpy_requirement": "pip requirement of the NumPy that tf_version's wheel declares (rules/compat/packages.yaml)",
    "newest_offered": "the newest TensorFlow release in pip's '(from versions: ...)' list (a finding's available_versions)",
    "offered_limit": "'platform' where that list stops below the release asked for because of the platform, not the "
    "Python: the next TF minor supports every Python the newest offered release supports",
    "requested_release": "the TensorFlow release a pip requirement pins (==X), and requested_python its Python versions",
    "requested_python": "the Python versions of requested_release's tested build (of requested_releases' together, for a range)",
    "requested_releases": "the TF releases a pip requirement's range allows ('<2.2,>=2.1': 2.1; '<=1.15.2,>=1.13.1': 1.13-1.15), for a range closed below the newest release",
    "requested_python_newest": "the newest of requested_python, for a range (the Python to create an environment with)",
    "tf_required_releases": "requested_releases for tf_required, the range a package asks for in pip's conflict list; "
    "tf_required_python, tf_required_python_newest, tf_required_machines and tf_required_fits_python likewise",
    "tf_required_python": "the Python versions of tf_required_releases together",
    "tf_required_overlap": "'yes'/'no': the TensorFlow ranges the packages in pip's conflict list ask for (tf_requirements) share a release",
    "tf_required_python_newest": "the newest of tf_required_python",
    "tf_required_machines": "the platforms and CPUs tf_required_releases have tensorflow wheels for",
    "tf_required_fits_python": "'yes'/'no': one of the releases tf_required allows has wheels for the log's Python",
    "addon_release_wheels": "for an add-on with compiled code (wheel table's addons) pip found no wheel of: the platforms "
    "and Pythons of the release asked for ('linux-x86_64 (Python 3.8-3.10), macos-x86_64 (Python 3.8-3.10)')",
    "addon_release": "the release of that add-on asked for ('2.13.0' of '==2.13.0')",
    "addon_machines": "the platforms any release of that add-on has wheels for",
    "addon_here": "what the log shows of this machine: its Python and platform ('Python 3.7.7 on windows-x86_64')",
    "addon_releases_here": "the add-on's releases with a wheel for addon_here ('2.4-2.10'), or 'none'",
    "addon_pythons_here": "the Pythons the add-on has wheels for on this platform (and CPU), over all its releases",
    "requested_machines": "the platforms and CPUs requested_releases have tensorflow wheels for ('linux-x86_64, macos-x86_64')",
    "requested_fits_python": "'yes'/'no': requested_release (one of requested_releases) has wheels for the log's Python (then pip's refusal is not the Python)",
    "platform_build": "'yes' when the package pip names is one of TensorFlow's own platform builds (PLATFORM_BUILDS)",
    "ml_dtypes_requirement": "pip requirement of the ml-dtypes that tf_version's wheel declares (rules/compat/packages.yaml)",
    "tfp_for_tf": "the tensorflow-probability release made for tf_version's minor: the companion row whose tf_min is that minor",
    "tfa_for_tf": "the tensorflow-addons release whose compiled ops are built against tf_version's minor ('0.22.0' for 2.14; none after 2.15)",
    "tfio_for_tf": "the tensorflow-io release made for tf_version's minor: the newest of its companion row ('0.34.0' for 2.13)",
    "io_last_release": "the last tensorflow-io release (the newest row of the companion table; none came after it)",
    "io_last_tf": "the TF minor io_last_release was made for",
    "tfio_for_tf_no_wheel": "tfio_for_tf where that release has no wheel for the log's machine (platform, CPU, Python)",
    "tfio_wheels": "the machines and Pythons tfio_for_tf_no_wheel has wheels for",
    "io_last_wheel_here": "'no' when io_last_release has no wheel for the log's machine",
    "arch_cc": "the compute capability of the GPU architecture a build asked nvcc for (a finding's gpu_arch: compute_86 -> 8.6)",
    "arch_first_cuda": "the CUDA toolkit that first compiles for arch_cc (compute_capability.yaml `adds`)",
    "keras_moved_what": "a Keras name or module the code asked for (a finding's keras_module, keras_name) that packages.yaml "
    "keras_moved says some Keras releases lack ('keras.preprocessing.sequence.pad_sequences')",
    "keras_moved_in": "the Keras releases without keras_moved_what ('2.9-2.15', '2.9-2.15 and 3')",
    "keras_moved_use": "what to import instead of keras_moved_what, from the same row",
}


# The facts release_overview gives every report's rule text (none depends on the log): a line naming only these survives.
RELEASE_FACTS = (
    "no_avx_tf", "no_avx_python", "windows_gpu_tf", "windows_cpu_only_tf", "windows_gpu_cuda", "windows_gpu_cudnn",
    "windows_gpu_python", "tf1_last", "tf1_last_cuda", "tf1_last_cudnn", "tf1_last_python", "macos_x86_last_tf", "text_windows_last_tf", "keras3_tf", "gpu_package_tf", "addons_last_release", "addons_last_tf",
    "addons_last_tf_newest", "addons_last_python", "tf_cuda_eras", "tf_cuda_eras_windows", "io_last_release", "io_last_tf",
)  # fmt: skip


class CompatError(ValueError):
    """A compatibility table that cannot be read or is malformed."""


Ver = Tuple[int, ...]


def _v(value: Any) -> Optional[Ver]:
    return version_tuple(value) if value not in (None, "") else None


def _mm(value: Any) -> Optional[Tuple[int, int]]:
    """'2.3.0' -> (2, 3); '11' -> (11, 0); None when no number."""
    return _mm_cached(value if isinstance(value, (str, int, float, type(None))) else str(value))


@lru_cache(maxsize=4096)
def _mm_cached(value: Any) -> Optional[Tuple[int, int]]:
    t = _v(value)
    if not t:
        return None
    return (t[0], t[1] if len(t) > 1 else 0)


def _req_mm(value: Any) -> Tuple[int, int]:
    """`_mm` of a table value that must be a version; a table without one there is malformed."""
    key = _mm(value)
    if key is None:
        raise CompatError(f"malformed compatibility table: {value!r} is not a version")
    return key


def _cmp_key(t: Ver, n: int = 4) -> Ver:
    return tuple(t[:n]) + (0,) * max(0, n - len(t))


def _ge(a: Ver, b: Ver) -> bool:
    return _cmp_key(a) >= _cmp_key(b)


def _fmt(t: Sequence[int]) -> str:
    return ".".join(str(x) for x in t)


def _expand_tf(spec: str) -> List[Tuple[int, int]]:
    """'2.3' -> [(2, 3)]; '1.5-1.11' -> [(1, 5), ..., (1, 11)] (one major only)."""
    parts = [p.strip() for p in str(spec).split("-")]
    lo, hi = _mm(parts[0]), _mm(parts[-1])
    if lo is None or hi is None or lo[0] != hi[0] or hi < lo:
        raise CompatError(f"bad TensorFlow version range {spec!r}")
    return [(lo[0], m) for m in range(lo[1], hi[1] + 1)]


@lru_cache(maxsize=256)
def _python_ranges(text: str) -> List[Tuple[Tuple[int, int], Tuple[int, int]]]:
    """'2.7, 3.3-3.7' -> [((2, 7), (2, 7)), ((3, 3), (3, 7))]."""
    out = []
    for part in str(text).split(","):
        ends = [e.strip() for e in part.split("-") if e.strip()]
        lo, hi = _mm(ends[0]) if ends else None, _mm(ends[-1]) if ends else None
        if lo is None or hi is None:
            raise CompatError(f"bad Python range {text!r}")
        out.append((lo, hi))
    return out


def _in_patch_range(spec: str, version: Ver) -> bool:
    """Is release `version` in a table's range ('2.15.0', '2.15.1-2.16'), each bound compared at its own
    precision (2.16 covers every 2.16.x)? False for a range without a patch bound: _expand_tf reads those."""
    ends = [_v(e.strip()) for e in spec.split("-")]
    lo, hi = ends[0], ends[-1]
    if lo is None or hi is None or (len(lo) < 3 and len(hi) < 3):
        return False
    return version[: len(lo)] >= lo and version[: len(hi)] <= hi


def _range_set(ranges: Iterable[Tuple[Tuple[int, int], Tuple[int, int]]]) -> set:
    """[((3, 8), (3, 10))] -> {(3, 8), (3, 9), (3, 10)}."""
    return {(lo[0], m) for lo, hi in ranges for m in range(lo[1], hi[1] + 1)}


def _python_set(text: str) -> set:
    """'2.7, 3.9-3.12' -> {(2, 7), (3, 9), (3, 10), (3, 11), (3, 12)}."""
    return _range_set(_python_ranges(text))


def python_text(pythons: Iterable[Tuple[int, int]]) -> str:
    """{(2, 7), (3, 5), (3, 6), (3, 7)} -> '2.7, 3.5-3.7' (minors of one major in a row joined): the one way a set of
    Pythons is written, in the tables (scripts/wheel_table.py) and in the facts advice reads."""
    runs: List[List[Tuple[int, int]]] = []
    for v in sorted(pythons):
        if runs and v[0] == runs[-1][-1][0] and v[1] == runs[-1][-1][1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(_fmt(r[0]) if len(r) == 1 else f"{_fmt(r[0])}-{_fmt(r[-1])}" for r in runs)


def _machine_ranges(
    cells: Mapping[str, Sequence[Tuple[Tuple[int, int], Tuple[int, int]]]], platform: Optional[str], arch: Optional[str]
) -> List[Tuple[Tuple[int, int], Tuple[int, int]]]:
    """The Python ranges of a wheel-table row ({"linux-x86_64": ranges, ...}) for this platform and CPU (either unknown:
    every cell that fits what is known): the one filter for TensorFlow's wheels and its add-ons'."""
    return [
        r
        for plat, rs in cells.items()
        if (not platform or plat.split("-")[0] == platform) and (not arch or plat.split("-")[1] == arch)
        for r in rs
    ]


def _runs(keys: Sequence[Tuple[int, int]], chosen: Iterable[Tuple[int, int]]) -> str:
    """Consecutive runs of `chosen` within the ordered `keys`: '2.2-2.13, 2.15-2.17'."""
    chosen = set(chosen)
    runs: List[List[Tuple[int, int]]] = []
    prev_in = False
    for k in keys:
        if k in chosen:
            if prev_in:
                runs[-1].append(k)
            else:
                runs.append([k])
        prev_in = k in chosen
    return ", ".join(_fmt(r[0]) if len(r) == 1 else f"{_fmt(r[0])}-{_fmt(r[-1])}" for r in runs)


# ------------------------------------------------------------------------------------------------
# loading


def compat_dir() -> Path:
    """rules/compat next to the built-in rules (analyzer/rules/compat in an installed wheel)."""
    from .rules import builtin_rules_dir

    return builtin_rules_dir() / "compat"


def load_tables(directory: Optional[Path] = None) -> Dict[str, Dict[str, Any]]:
    """The raw YAML of every table file, by name. Raises CompatError."""
    from pathlib import Path

    import yaml  # only on a cache miss: importing it costs ~15 ms of every start-up

    d = Path(directory) if directory is not None else compat_dir()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: Dict[str, Dict[str, Any]] = {}
    for name in TABLE_FILES:
        path = d / f"{name}.yaml"
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except OSError as e:
            raise CompatError(f"{path}: cannot read ({e.strerror or e})") from None
        except yaml.YAMLError as e:
            raise CompatError(f"{path}: invalid YAML: {str(e).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise CompatError(f"{path}: expected a mapping of tables")
        out[name] = data
    return out


def iter_records(tables: Dict[str, Dict[str, Any]]) -> Iterable[Tuple[str, str, Dict[str, Any]]]:
    """(file, table, record) for every record of every list table (for checks and tests)."""
    for fname, data in tables.items():
        for tname, rows in data.items():
            if isinstance(rows, list):
                for rec in rows:
                    yield fname, tname, rec


class Compat:
    """Indexed view of the tables."""

    def __init__(self, tables: Dict[str, Dict[str, Any]]):
        self.tables = tables
        self.cache_key: Optional[str] = None  # set by compat() when the tables came through the disk cache
        self._release_overview: Optional[Dict[str, str]] = None
        try:
            self._index_builds(tables["tested_builds"])
            self._index_drivers(tables["cuda_drivers"])
            self._index_cc(tables["compute_capability"])
            self._index_libraries(tables["library_names"])
            self._index_platform_wheels(tables.get("wheel_platforms") or {})
        except (KeyError, TypeError, AttributeError, IndexError) as e:
            raise CompatError(f"malformed compatibility table: {type(e).__name__}: {e}") from None

    # --- tested builds -------------------------------------------------------------------------

    def _index_builds(self, tb: Dict[str, Any]) -> None:
        self.builds: Dict[Tuple[str, Tuple[int, int]], Dict[str, Any]] = {}
        for rec in tb["builds"]:
            for key in _expand_tf(rec["tf"]):
                self.builds[(rec["platform"], key)] = rec
        self.tf_keys = sorted({k for _, k in self.builds})
        self.build_facts = {f["id"]: f for f in tb.get("facts") or []}
        # The Python range of every release whose Linux row states one, in release order: Python support
        # belongs to the release (the Windows GPU table stops at 2.10), so the Linux rows speak for it.
        self.python_rows: Dict[Tuple[int, int], str] = {
            k: str(self.builds[("linux", k)]["python"]) for k in self.tf_keys if self.builds.get(("linux", k), {}).get("python")
        }

    def build(self, tf_version: Any, platform: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The tested GPU build of a TF release: the native-Windows row on Windows (none after
        2.10), none on macOS, else the Linux row."""
        key = _mm(tf_version)
        if key is None or platform == "macos":
            return None
        return self.builds.get(("windows" if platform == "windows" else "linux", key))

    def python_ranges_for(self, tf_version: Any, platform: Optional[str] = None) -> Optional[str]:
        """The Python range of a TF release: its platform's row, else the Linux row (Python
        support belongs to the release; the Windows GPU table stops at 2.10)."""
        key = _mm(tf_version)
        if key is None:
            return None
        for plat in ("windows", "linux") if platform == "windows" else ("linux",):
            rec = self.builds.get((plat, key))
            if rec and rec.get("python"):
                return str(rec["python"])
        return None

    def _index_platform_wheels(self, wh: Dict[str, Any]) -> None:
        self.platform_wheels: Dict[Tuple[int, int], Dict[str, List[Tuple[Tuple[int, int], Tuple[int, int]]]]] = {}
        for release, cells in (wh.get("tensorflow") or {}).items():
            key = _mm(str(release))
            if key is not None:
                self.platform_wheels[key] = {str(plat): _python_ranges(str(pys)) for plat, pys in cells.items()}
        self.addon_wheels: Dict[str, Dict[Tuple[int, int], Dict[str, List[Tuple[Tuple[int, int], Tuple[int, int]]]]]] = {}
        for package, rows in (wh.get("addons") or {}).items():
            self.addon_wheels[str(package)] = {
                k: {str(plat): _python_ranges(str(pys)) for plat, pys in cells.items()}
                for release, cells in rows.items()
                if isinstance(cells, dict) and (k := _mm(str(release))) is not None
            }

    def wheel_pythons(
        self, tf_key: Tuple[int, int], platform: Optional[str] = None, arch: Optional[str] = None
    ) -> Optional[List[Tuple[Tuple[int, int], Tuple[int, int]]]]:
        """The Python ranges of the `tensorflow` wheels of release `tf_key` for this platform and CPU (either
        unknown: every one that fits what is known); [] when it has none there; None when the wheel table
        does not list the release (rules/compat/wheel_platforms.yaml)."""
        cells = self.platform_wheels.get(tf_key)
        return None if cells is None else _machine_ranges(cells, platform, arch)

    def wheel_python_text(self, tf_version: Any, platform: Optional[str] = None, arch: Optional[str] = None) -> Optional[str]:
        """The Pythons of a release's wheels (on this platform and CPU, where known) as range text ('2.7, 3.3-3.6'),
        ranges of several platforms merged; None when the wheel table does not list the release."""
        key = _mm(tf_version)
        return python_text(_range_set(self.wheel_pythons(key, platform, arch) or [] if key else [])) or None

    def has_wheel(
        self,
        tf_key: Tuple[int, int],
        py: Optional[Tuple[int, int]] = None,
        platform: Optional[str] = None,
        arch: Optional[str] = None,
    ) -> Optional[bool]:
        """Has release `tf_key` a `tensorflow` wheel for Python `py` (any, when None) on this platform and CPU (where
        known)? None when the wheel table does not list the release."""
        wheels = self.wheel_pythons(tf_key, platform, arch)
        if wheels is None:
            return None
        return any(lo <= py <= hi for lo, hi in wheels) if py else bool(wheels)

    def addon_has_wheel(
        self,
        package: str,
        release: Any,
        py: Optional[Tuple[int, int]] = None,
        platform: Optional[str] = None,
        arch: Optional[str] = None,
    ) -> Optional[bool]:
        """Has `release` of an add-on (ADDONS of scripts/wheel_table.py) a wheel for Python `py` on this platform and
        CPU (each: any, when unknown)? None when the wheel table does not list the release."""
        key = _mm(release)
        cells = self.addon_wheels.get(package, {}).get(key) if key else None
        if cells is None:
            return None
        return any(not py or lo <= py <= hi for lo, hi in _machine_ranges(cells, platform, arch))

    def addon_wheel_text(self, package: str, release: Any) -> str:
        """The machines and Pythons of an add-on release's wheels: 'linux-x86_64 (Python 3.7-3.11), macos-x86_64 (...)'."""
        key = _mm(release)
        cells = self.addon_wheels.get(package, {}).get(key) if key else None
        return ", ".join(f"{plat} (Python {python_text(_range_set(rs))})" for plat, rs in sorted((cells or {}).items()))

    def supports_python(
        self, tf_key: Tuple[int, int], py: Tuple[int, int], platform: Optional[str] = None, arch: Optional[str] = None
    ) -> bool:
        """Does TF release `tf_key` have a wheel for Python `py` (on this platform and CPU, where known)? The
        wheel table's answer; for a release it does not list, the tested build's range, else newest_python's
        bound; True when the tables do not say (do not rule it out)."""
        wheel = self.has_wheel(tf_key, py, platform, arch)
        if wheel is not None:
            return wheel
        ranges = self.python_ranges_for(_fmt(tf_key), platform)
        if ranges:
            return any(lo <= py <= hi for lo, hi in _python_ranges(ranges))
        newest = self.newest_python(tf_key)
        return py <= newest if newest else True

    def newest_python(self, tf_key: Tuple[int, int]) -> Optional[Tuple[int, int]]:
        """The newest Python TF release `tf_key` has wheels for: its row's; for an older release the tables
        give no range, at most the next listed release's newest (support only grows); None when neither."""
        text = self.python_rows.get(tf_key) or next((t for k, t in self.python_rows.items() if k > tf_key), None)
        return max(hi for _, hi in _python_ranges(text)) if text else None

    def tf_versions_for_python(self, python_version: Any, platform: Optional[str] = None) -> str:
        py = _mm(python_version)
        if py is None:
            return ""
        return _runs(list(self.python_rows), [k for k in self.python_rows if self.supports_python(k, py, platform)])

    def python_overview(self) -> Dict[str, str]:
        """The Python facts that need no TF release (DERIVED_FACTS: latest_tf ... python_table), from the Linux rows."""
        ranges = self.python_rows
        keys = list(ranges)
        if not keys:
            return {}
        newest = max(hi for k in keys for _, hi in _python_ranges(ranges[k]))
        groups: List[List[Tuple[int, int]]] = []
        for k in reversed(keys):
            if groups and ranges[groups[-1][-1]] == ranges[k] and k[0] == groups[-1][-1][0] and k[1] == groups[-1][-1][1] - 1:
                groups[-1].append(k)
            else:
                groups.append([k])
        table = "; ".join((_fmt(g[0]) if len(g) == 1 else f"{_fmt(g[-1])}-{_fmt(g[0])}") + f": {ranges[g[0]]}" for g in groups)
        return {
            "latest_tf": _fmt(keys[-1]),
            "latest_tf_python": ranges[keys[-1]],
            "newest_python": _fmt(newest),
            "newest_python_tf": _runs(keys, [k for k in keys if self.supports_python(k, newest)]),
            "python_table": table,
        }

    def cuda_eras(self, platform: str) -> str:
        """The CUDA of the tested GPU builds of one platform by runs of consecutive releases, newest first:
        'TF 2.15-2.21: CUDA 12; TF 2.4-2.14: CUDA 11; TF 2.1-2.3: CUDA 10.1; ...'. CUDA 11 and later keep one
        library name per major (libcudart.so.11.0, .so.12), so those releases group by major; older CUDA names
        each minor."""
        runs: List[Tuple[str, List[Tuple[int, int]]]] = []
        for key in self.tf_keys:
            rec = self.builds.get((platform, key))
            cuda = _mm(str(rec["cuda"])) if rec and rec.get("cuda") else None
            if cuda is None:
                continue
            label = str(cuda[0]) if cuda[0] >= 11 else _fmt(cuda)
            if runs and runs[-1][0] == label:
                runs[-1][1].append(key)
            else:
                runs.append((label, [key]))
        parts = [
            f"TF {_fmt(keys[0])}" + (f"-{_fmt(keys[-1])}" if len(keys) > 1 else "") + f": CUDA {label}" for label, keys in runs
        ]
        return "; ".join(reversed(parts))

    def release_overview(self) -> Dict[str, str]:
        """release_facts, worked out once (every report asks)."""
        if self._release_overview is None:
            self._release_overview = self.release_facts()
        return self._release_overview

    def release_facts(self) -> Dict[str, str]:
        """The facts about TF's releases that need no fact of the machine (DERIVED_FACTS no_avx_tf ...
        windows_gpu_python), from the tested builds: the last release before the one whose official
        binaries need AVX (fact avx_required) and the newest Python it has wheels for; the last native-Windows
        GPU release (fact native_windows_gpu_last), the first CPU-only one, and that GPU build's CUDA, cuDNN
        and Python; the last TF 1.x release, its Linux GPU build's CUDA and cuDNN and its newest Python; the last release with Intel macOS wheels (fact macos_x86_last), the last tensorflow-text with
        Windows wheels (fact tensorflow_text_windows_last) and the oldest Keras 3 runs with (fact keras3_first); the last tensorflow-addons release (the project ended), its TF releases and the newest
        Python they reach."""
        out: Dict[str, str] = {}
        fact = self.build_facts.get("avx_required")
        first = _mm(fact.get("tf")) if fact else None
        older = [k for k in self.tf_keys if first and k < first]
        newest = self.newest_python(older[-1]) if older else None
        if older and newest:
            out.update(no_avx_tf=_fmt(older[-1]), no_avx_python=_fmt(newest))
        fact = self.build_facts.get("native_windows_gpu_last")
        last = _mm(fact.get("tf")) if fact else None
        row = self.builds.get(("windows", last)) if last else None
        if last and row:
            out.update(
                windows_gpu_tf=_fmt(last),
                windows_cpu_only_tf=_fmt((last[0], last[1] + 1)),
                windows_gpu_cuda=str(row["cuda"]),
                windows_gpu_cudnn=str(row["cudnn"]),
                windows_gpu_python=str(row.get("python") or ""),
            )
        tf1 = [k for k in self.tf_keys if k[0] == 1 and self.builds.get(("linux", k))]
        newest = self.newest_python(tf1[-1]) if tf1 else None
        if tf1 and newest:
            row = self.builds[("linux", tf1[-1])]
            out.update(
                tf1_last=_fmt(tf1[-1]),
                tf1_last_cuda=str(row["cuda"]),
                tf1_last_cudnn=str(row["cudnn"]),
                tf1_last_python=_fmt(newest),
            )
        for fact_id, name in (
            ("macos_x86_last", "macos_x86_last_tf"),
            ("tensorflow_text_windows_last", "text_windows_last_tf"),
            ("keras3_first", "keras3_tf"),
            ("gpu_in_tensorflow_package", "gpu_package_tf"),
        ):
            fact = self.build_facts.get(fact_id)
            release = _mm(fact.get("tf")) if fact else None
            if release:
                out[name] = _fmt(release)
        for platform, name in (("linux", "tf_cuda_eras"), ("windows", "tf_cuda_eras_windows")):
            eras = self.cuda_eras(platform)
            if eras:
                out[name] = eras
        addons = self.companions("tensorflow-addons")
        if addons:
            last_row = max(addons, key=lambda rec: _v(str(rec["version"])) or ())
            supported = sorted(_expand_tf(str(last_row["tf"])))
            newest = self.newest_python(supported[-1]) if supported else None
            if newest:
                out.update(
                    addons_last_release=str(last_row["version"]),
                    addons_last_tf=str(last_row["tf"]),
                    addons_last_tf_newest=_fmt(supported[-1]),
                    addons_last_python=_fmt(newest),
                )
        io = [rec for rec in self.companions("tensorflow-io") if _mm(str(rec.get("tf") or "")) is not None]
        if io:
            last_row = max(io, key=lambda rec: _v(str(rec["version"]).split("-")[-1]) or ())
            out.update(io_last_release=str(last_row["version"]).split("-")[-1], io_last_tf=str(last_row["tf"]))
        return out

    def since(self, name: str) -> Optional[str]:
        """The first TensorFlow release that has `name` (an API or variable a fix may name), from packages.yaml `since`."""
        for rec in (self.tables.get("packages") or {}).get("since") or []:
            if rec.get("name") == name:
                return str(rec.get("tf"))
        return None

    def keras_moved(self, module: str, name: str = "") -> Dict[str, str]:
        """What packages.yaml `keras_moved` says of `module` lacking `name` (or of `module` itself, name empty): the
        missing thing, the Keras releases without it and what to import instead, as facts keras_moved_what /
        keras_moved_in / keras_moved_use; empty when no row names it. A name may be a submodule (`from keras.utils
        import np_utils`), and a module under a module that is gone is gone with it."""
        rows = (self.tables.get("packages") or {}).get("keras_moved") or []
        wanted = [(module, name)] if name else []
        full = f"{module}.{name}" if name else module
        parts = full.split(".")
        wanted += [(".".join(parts[:i]), "") for i in range(len(parts), 1, -1)]  # the module itself, then its parents
        for want_module, want_name in wanted:
            for rec in rows:
                names = rec.get("names") or []
                if rec.get("module") != want_module or (want_name not in names if want_name else names):
                    continue
                releases = " and ".join(part.strip() for part in str(rec["keras"]).split(","))
                # ({name} is a name inside the moved module; where the code imported the module itself as a name,
                # `from keras.layers import merge`, there is none to put there)
                inner = name if name and want_module != full else "<name>"
                use = str(rec["use"]).replace("{name}", inner)
                what = f"{want_module}.{want_name}" if want_name else want_module
                return {"keras_moved_what": what, "keras_moved_in": releases, "keras_moved_use": use}
        return {}

    def companions(self, package: str) -> List[Dict[str, Any]]:
        """The companion table's rows of `package` (rules/compat/packages.yaml companions)."""
        return [rec for rec in (self.tables.get("packages") or {}).get("companions") or [] if rec.get("package") == package]

    def offered_limit(self, offered: str, requested: str) -> Dict[str, str]:
        """pip's "(from versions: ...)" for tensorflow and the release asked for: the newest release offered
        (newest_offered) and, where the list stops below the request because of the platform, offered_limit
        'platform': the request names a later minor, no release of a later minor is offered (not even a
        pre-release), and the next minor supports every Python the newest offered one supports, so no Python
        stops pip there (Intel macOS ends with 2.16.2, whose Pythons 2.17 supports too)."""
        listed = [x.strip() for x in offered.split(",")]
        versions = [v for v in listed if _PUBLISHED.fullmatch(v) and not re.search(r"[a-z]", v)]
        if not versions:
            return {}
        newest = max(versions, key=lambda v: _v(v) or ())
        key, asked = _mm(newest), _mm(requested)
        out = {"newest_offered": newest}
        later = [k for k in self.python_rows if key and k > key]
        any_later = any((_mm(v) or (0, 0)) > key for v in listed if key and _PUBLISHED.fullmatch(v))
        if key and asked and asked > key and later and not any_later and key in self.python_rows:
            if _python_set(self.python_rows[key]) <= _python_set(self.python_rows[later[0]]):
                out["offered_limit"] = "platform"
        return out

    def releases_in(self, specifier: str) -> List[Tuple[int, int]]:
        """The TF releases (major, minor) a pip version specifier allows ('<2.2,>=2.1': [(2, 1)]): those with a
        patch release in it (patches 0-9 tried; TensorFlow's stop below that); [] for one pip cannot read."""
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(specifier.strip().rstrip(","))
        except InvalidSpecifier:
            return []
        return [k for k in self.tf_keys if any(f"{k[0]}.{k[1]}.{p}" in spec for p in range(10))]

    def keras2_requirement(self, tf_version: Any) -> Optional[str]:
        """The pip requirement that gives Keras 2 code its Keras on this TF: tf-keras of the same
        minor where the companion table has it (TF >= 2.15), else the keras pin TF's own wheel
        declares (TF 2.6-2.14); None where neither table has a concrete row."""
        key = _mm(tf_version)
        if key is None:
            return None
        packages = self.tables.get("packages") or {}
        for rec in packages.get("companions") or []:
            if rec.get("package") == "tf-keras" and key in _expand_tf(rec["tf"]):
                return f"tf-keras~={key[0]}.{key[1]}.0"
        keras = self.package_requirement("keras", tf_version)
        return keras if keras and keras.startswith("keras>=2") else None

    def release_made_for(self, package: str, tf_version: Any) -> Optional[str]:
        """The release of an add-on made for tf_version's minor: the companion row whose compiled ops are built against
        that minor (tf_abi: tensorflow-addons, whose releases each accept several), whose minimum TensorFlow (tf_min,
        TensorFlow Probability) or whose one TensorFlow minor (tf, tensorflow-io) is that minor; the newest release of
        the row ('0.33.0-0.34.0' -> '0.34.0'); None when no row is."""
        key = _mm(tf_version)
        for rec in self.companions(package) if key else []:
            made_for = str(rec.get("tf_abi") or rec.get("tf_min") or rec.get("tf") or "")
            if _mm(made_for) == key and "-" not in made_for:
                return str(rec["version"]).split("-")[-1]
        return None

    def package_requirement(self, package: str, tf_version: Any) -> Optional[str]:
        """The pip requirement for `package` that the wheel of tf_version declares, as the companion
        table records it (`protobuf>=3.20.3,<6.0.0dev,...`; a templated row filled in for the minor);
        None where the table has no row, or where its row says the wheel declares none (`requires: ''`)."""
        key, version = _mm(tf_version), _v(tf_version)
        if key is None or version is None:
            return None
        rows = [rec for rec in (self.tables.get("packages") or {}).get("requirements") or [] if rec.get("package") == package]
        # a row of patch releases ('2.15.0', '2.15.1-2.16') holds for a release that states its patch; else the minor's first row
        fitting = [rec for rec in rows if len(version) > 2 and _in_patch_range(str(rec["tf"]), version)]
        for rec in fitting or [rec for rec in rows if key in _expand_tf(rec["tf"])]:
            if not rec.get("requires"):
                return None  # (TF 2.4 declares no keras, TF 2.21 no tensorboard)
            requires = str(rec.get("requires") or "").replace("<minor+1>", str(key[1] + 1)).replace("<minor>", str(key[1]))
            if not any(op in requires for op in ("<", "~=", "==")):  # no upper bound: known_bad's caps it (NumPy 2 on TF <= 2.17)
                requires += "".join(f",<{floor}" for floor in self._known_bad_floors(package, key))
            return f"{package}{requires}"
        return None

    def _known_bad_floors(self, package: str, key: Tuple[int, int]) -> List[str]:
        """The releases of `package` from which packages.yaml known_bad says this TF release fails ('2' of
        {tensorflow: '<=2.17', numpy: '>=2'}): a requirement with no upper bound of its own is capped below them."""
        out = []
        for rec in (self.tables.get("packages") or {}).get("known_bad") or []:
            pkgs = rec.get("packages") or {}
            tf_spec, bad = str(pkgs.get("tensorflow") or ""), str(pkgs.get(package) or "")
            m = re.fullmatch(r">=\s*(\d+(?:\.\d+)*)", bad)
            if not m or not tf_spec:
                continue
            if _release_in(key, tf_spec):
                out.append(m.group(1))
        return sorted(out, key=lambda v: _v(v) or ())[:1]

    # --- drivers -------------------------------------------------------------------------------

    def _index_drivers(self, cd: Dict[str, Any]) -> None:
        self.toolkits = list(cd["toolkits"])
        self.ga: Dict[Tuple[int, int], Dict[str, Any]] = {}
        for rec in self.toolkits:
            if rec.get("ga"):
                self.ga[_req_mm(rec["cuda"])] = rec
        self.mvc: Dict[int, Dict[str, Any]] = {int(r["family"]): r for r in cd["minor_version_compatibility"]}

    def min_driver(self, cuda: Any, os_name: str = "linux") -> Optional[str]:
        """Minimum driver for a CUDA major.minor (its GA release), or None."""
        key = _mm(cuda)
        rec = self.ga.get(key) if key else None
        value = rec.get(os_name) if rec else None
        return str(value) if value else None

    def family_min_driver(self, cuda: Any, os_name: str = "linux") -> Optional[str]:
        """Minor-version-compatibility minimum for the CUDA's major family (CUDA 11+), or None."""
        key = _mm(cuda)
        rec = self.mvc.get(key[0]) if key else None
        value = rec.get(os_name) if rec else None
        return str(value) if value else None

    def driver_max_cuda(self, driver: Any, os_name: str = "linux") -> Optional[str]:
        """Newest CUDA major.minor whose GA minimum driver `driver` meets (Table 3), or None."""
        d = _v(driver)
        if not d:
            return None
        best = None
        for key in sorted(self.ga):
            need = _v(self.ga[key].get(os_name))
            if need and _ge(d, need):
                best = key
        return _fmt(best) if best else None

    # --- compute capability --------------------------------------------------------------------

    def _index_cc(self, cc: Dict[str, Any]) -> None:
        self.cc_toolkits = sorted(cc["cuda_toolkits"], key=lambda r: _req_mm(r["cuda"]))
        self.wheels: Dict[Tuple[int, int], Dict[str, Any]] = {}
        for rec in cc["tf_wheels"]:
            for key in _expand_tf(rec["tf"]):
                self.wheels[key] = rec
        self.wheel_keys = sorted(self.wheels)

    def toolkit_cc_range(self, cuda: Any) -> Optional[Tuple[Tuple[int, int], Tuple[int, int]]]:
        """(oldest, newest) compute capability nvcc of this CUDA version compiles for, or None."""
        key = _mm(cuda)
        if key is None or not self.cc_toolkits or key < _req_mm(self.cc_toolkits[0]["cuda"]):
            return None
        oldest, newest = None, None
        for rec in self.cc_toolkits:
            if _req_mm(rec["cuda"]) > key:
                break
            if rec.get("oldest"):
                oldest = _mm(rec["oldest"])
            for a in rec.get("adds") or []:
                newest = max(newest or (0, 0), _req_mm(a))
        return (oldest, newest) if oldest and newest else None

    def cc_first_cuda(self, cc: Any) -> Optional[str]:
        """The CUDA toolkit that first compiles for compute capability `cc` (its `adds` row), or None where the table
        does not say when it came (the CCs older than its first row)."""
        key = _mm(cc)
        for rec in self.cc_toolkits:
            if key in [_req_mm(a) for a in rec.get("adds") or []]:
                return str(rec["cuda"])
        return None

    def tf_archs(self, tf_version: Any) -> Optional[str]:
        key = _mm(tf_version)
        rec = self.wheels.get(key) if key else None
        if not rec or not rec.get("sass"):
            return None
        names = [f"sm_{major}{minor}" for major, minor in map(_req_mm, rec["sass"])]
        names += [f"compute_{major}{minor}" for major, minor in map(_req_mm, rec.get("ptx") or [])]
        return ", ".join(names)

    def cc_support(self, cc: Any, tf_version: Any) -> Optional[str]:
        """'yes' / 'ptx-jit' / 'no' for a GPU of compute capability `cc` and the TF wheel, or None."""
        c, key = _mm(cc), _mm(tf_version)
        if c is None or key is None:
            return None
        build = self.builds.get(("linux", key))
        rng = self.toolkit_cc_range(build["cuda"]) if build else None
        if rng and c < rng[0]:
            return "no"  # older than anything the build's CUDA toolkit can compile for
        rec = self.wheels.get(key)
        if rec is None:
            return None
        if rec.get("sass"):
            if any(_req_mm(s)[0] == c[0] and _req_mm(s)[1] <= c[1] for s in rec["sass"]):
                return "yes"
            if any(_req_mm(p) <= c for p in rec.get("ptx") or []):
                return "ptx-jit"
            return "no"
        if rec.get("docs_min_cc") and c < _req_mm(rec["docs_min_cc"]):
            return "no"
        return None

    def cc_support_for_cuda(self, cc: Any, cuda: Any, platform: Optional[str] = None) -> Optional[str]:
        """cc_support for a log that names no TF release but the CUDA runtime it loaded: the answer of every TF release
        whose tested build (on the log's platform's rows) used that CUDA, when they all give the same one; else None.
        From CUDA 11 on a runtime's file names only its major version (libcudart.so.11.0 is every 11.x): so the major."""
        want = _mm(cuda)
        if want is None:
            return None
        same = (lambda v: v[0] == want[0]) if want[0] >= 11 else (lambda v: v == want)
        answers = {self.cc_support(cc, _fmt(key)) for key, built in self._built_cuda(platform) if same(built)}
        return answers.pop() if len(answers) == 1 else None

    def first_tf_with_cuda(self, cuda: Any, platform: Optional[str] = None) -> Optional[str]:
        """The first TF release whose tested build (on the log's platform's rows, Linux's unless Windows) uses a CUDA
        of at least `cuda`, or None."""
        want = _mm(cuda)
        return next((_fmt(key) for key, built in self._built_cuda(platform) if want is not None and built >= want), None)

    def _built_cuda(self, platform: Optional[str]) -> List[Tuple[Tuple[int, int], Tuple[int, int]]]:
        """(TF release, the CUDA major.minor of its tested GPU build) in release order, on the log's platform's rows
        (Linux's unless Windows)."""
        plat = "windows" if platform == "windows" else "linux"
        pairs = ((key, _mm(self.builds.get((plat, key), {}).get("cuda"))) for key in self.tf_keys)
        return [(key, built) for key, built in pairs if built is not None]

    def cc_after_cuda(self, cc: Any, cuda: Any) -> bool:
        """Is compute capability `cc` newer than every architecture CUDA `cuda` compiles for (CUDA 11 on: any release of
        its major, as the runtime's file names say no more)?"""
        key, have = _mm(cuda), _mm(cc)
        known = self.toolkit_cc_range(f"{key[0]}.99" if key[0] >= 11 else cuda) if key else None
        return have is not None and known is not None and have > known[1]

    def tf_versions_built_with_cudnn(self, cudnn: Any, platform: Optional[str] = None) -> Tuple[Optional[str], Optional[str]]:
        """(the TF releases whose tested GPU build used this cuDNN major.minor, the newest release whose build used it or
        an older one: the newest a build compiled against it can be), on the log's platform's rows (Linux's when it is
        not Windows); None for what no row gives (cuDNN 7.5, which no tested build used, still bounds the release)."""
        want = _mm(cudnn)
        if want is None:
            return None, None
        plat = "windows" if platform == "windows" else "linux"
        keys = [k for k in self.tf_keys if (plat, k) in self.builds]
        used = {k: _mm(self.builds[(plat, k)].get("cudnn")) for k in keys}
        ok = [k for k, c in used.items() if c == want]
        up_to = [k for k, c in used.items() if c is not None and c <= want]
        return (_runs(keys, ok) if ok else None), (_fmt(max(up_to)) if up_to else None)

    def tf_versions_for_cc(self, cc: Any) -> str:
        """TF releases whose wheels carry machine code (SASS) for this compute capability."""
        ok = [k for k in self.wheel_keys if self.cc_support(cc, _fmt(k)) == "yes"]
        return _runs(sorted(set(self.tf_keys) | set(self.wheel_keys)), ok)

    # --- library names -------------------------------------------------------------------------

    def _index_libraries(self, ln: Dict[str, Any]) -> None:
        self.lib_rows = list(ln["cuda"])
        self.lib_index: Dict[str, List[int]] = {}
        for i, rec in enumerate(self.lib_rows):
            for os_name in ("linux", "windows"):
                for name in (rec.get(os_name) or {}).values():
                    self.lib_index.setdefault(str(name).lower(), []).append(i)
        self.cudnn_rows = list(ln["cudnn"])
        self.cudnn_index = {str(r[o]).lower(): str(r["cudnn"]) for r in self.cudnn_rows for o in ("linux", "windows") if r.get(o)}
        self.nvrtc_rows = list(ln.get("nvrtc") or [])
        self.tf_required = list(ln["tf_required"])

    def lib_row_for_cuda(self, cuda: Any) -> Optional[Dict[str, Any]]:
        key = _mm(cuda)
        if key is None:
            return None
        for rec in self.lib_rows:
            lo, hi = _req_mm(rec["from"]), _mm(rec["to"]) if rec.get("to") else None
            if key >= lo and (key <= hi if hi else key[0] == lo[0]):
                return rec
        return None

    def _rows_label(self, rows: Sequence[int]) -> Optional[str]:
        rows = sorted(set(rows))
        if not rows:
            return None
        if len(rows) == 1:
            return str(self.lib_rows[rows[0]]["cuda"])
        majors = {_req_mm(self.lib_rows[i]["from"])[0] for i in rows}
        # across two majors only a run of neighbouring rows is named (libcusolver.so.10: CUDA 10.1-11.0); more is too
        # vague (libcurand.so.10: CUDA 10.1-13.x)
        if len(majors) > 2 or (len(majors) == 2 and rows != list(range(rows[0], rows[-1] + 1))):
            return None
        major = min(majors)
        if (
            len(majors) == 1
            and major >= 11
            and rows == [i for i, r in enumerate(self.lib_rows) if _req_mm(r["from"])[0] == major]
        ):
            return f"{major}.x"
        first, last = self.lib_rows[rows[0]], self.lib_rows[rows[-1]]
        return f"{first['from']}-{last.get('to') or last['from']}"

    def wanted_cuda(self, libraries: Iterable[str]) -> Tuple[Optional[str], List[int]]:
        """The CUDA version the missing CUDA library names belong to: the libcudart name decides
        when there is one, else every named library must fit the same CUDA rows."""
        names = [str(n).strip().strip("'\"").lower() for n in libraries or []]
        known = [n for n in names if n in self.lib_index]
        cudart = [n for n in known if "cudart" in n]
        pick = cudart or known
        if not pick:
            return None, []
        rows = set(self.lib_index[pick[0]])
        for n in pick[1:]:
            rows &= set(self.lib_index[n])
        rows_l = sorted(rows)
        return self._rows_label(rows_l), rows_l

    def library_cuda(self, name: str) -> Optional[str]:
        """The CUDA a CUDA library's file name belongs to (libnvrtc.so.11.1: 11.1; libcublas.so.11: 11.x), if any."""
        key = str(name).strip().lower()
        for rec in self.nvrtc_rows:
            if key in (str(rec.get("linux") or "").lower(), str(rec.get("windows") or "").lower()):
                return str(rec["cuda"])
        return self.wanted_cuda([key])[0]

    def wanted_cudnn(self, libraries: Iterable[str]) -> Optional[str]:
        for n in libraries or []:
            v = self.cudnn_index.get(str(n).strip().strip("'\"").lower())
            if v:
                return v
        return None


@lru_cache(maxsize=1)
def compat() -> Compat:
    """The built-in tables, loaded and indexed once per process."""
    from analyzer.core.cache import cached_data  # the parsed tables, kept between runs (keyed by the files' bytes)

    from .rules import builtin_rules_path  # a string: no pathlib on a plain analysis's path

    folder = os.path.join(builtin_rules_path(), "compat")
    files = [os.path.join(folder, f"{name}.yaml") for name in TABLE_FILES]
    tables, key = cached_data("compat", files, load_tables)
    c = Compat(tables)
    c.cache_key = key  # keys what is remembered about these tables between runs (kb/packages.py)
    return c


def tables() -> Dict[str, Dict[str, Any]]:
    return compat().tables


# ------------------------------------------------------------------------------------------------
# derived facts


def overview_facts(python_version: Any) -> Dict[str, str]:
    """The facts about TensorFlow's releases as a whole (release_overview's), and, for a log that states its
    Python, its Python support as a whole (DERIVED_FACTS latest_tf ... python_vs_latest_tf): for the rules'
    text and conditions only, not the report's facts (a table is no fact about the machine)."""
    try:
        return dict(_overview(str(python_version) if python_version and _mm(python_version) else ""))
    except (CompatError, OSError):
        return {}


@lru_cache(maxsize=64)
def _overview(python_version: str) -> Tuple[Tuple[str, str], ...]:
    if not python_version:
        return tuple(compat().release_overview().items())
    out = {**compat().release_overview(), **compat().python_overview()}
    latest = _python_ranges(out["latest_tf_python"]) if "latest_tf_python" in out else []
    pv = _mm(python_version)
    if latest and pv:
        lowest, highest = min(lo for lo, _ in latest), max(hi for _, hi in latest)
        out["python_vs_latest_tf"] = "older" if pv < lowest else "newer" if pv > highest else "supported"
    return tuple(out.items())


_PUBLISHED = compile_re(r"\d+\.\d+(?:\.\d+)*(?:(?:rc|a|b)\d+|\.post\d+)?")  # a release on PyPI, not a nightly or local build


# TensorFlow's own builds for one platform, which `tensorflow` requires there with its own release number (its wheel
# metadata's platform markers): Linux aarch64 and native Windows
PLATFORM_BUILDS = ("tensorflow-cpu-aws", "tensorflow-intel")


def _addon_facts(
    package: str, requested: str, python_version: Optional[str], platform: Optional[str], arch: Optional[str]
) -> Dict[str, str]:
    """What the wheel table says of an add-on pip found no wheel of (DERIVED_FACTS addon_*): the machines and Pythons
    of the release asked for ("==2.13.0"), and which releases have a wheel for what the log shows of this machine."""
    rows, out = compat().addon_wheels[package], {}
    py = _mm(python_version)

    def fits(cells: Dict[str, Any], with_python: bool = True) -> List[Tuple[Tuple[int, int], Tuple[int, int]]]:
        return [r for r in _machine_ranges(cells, platform, arch) if not with_python or py is None or r[0] <= py <= r[1]]

    # (a pin to one release: "==X.Y[.Z]", or "~=X.Y.Z", which allows X.Y's patches only; "~=X.Y" allows X.Y to X.*)
    asked = re.match(r"\s*(?:==\s*(\d+\.\d+)|~=\s*(\d+\.\d+)\.\d+)", requested or "")
    cells = rows.get(_mm(asked.group(1) or asked.group(2)) or (0, 0)) if asked else None
    if cells:
        out["addon_release"] = re.sub(r"^\s*(?:==|~=)\s*", "", requested).strip()
        out["addon_release_wheels"] = compat().addon_wheel_text(package, out["addon_release"])
    out["addon_machines"] = ", ".join(sorted({plat for c in rows.values() for plat in c}))
    if platform or py:
        machine = f"{platform}-{arch}" if platform and arch else platform or ""
        out["addon_here"] = " on ".join(x for x in (f"Python {python_version}" if py else "", machine) if x)
        here = [k for k in sorted(rows) if fits(rows[k])]
        out["addon_releases_here"] = _runs(sorted(rows), here) if here else "none"
        pythons = set().union(*(_range_set(fits(c, with_python=False)) for c in rows.values())) if platform else set()
        if pythons:
            out["addon_pythons_here"] = python_text(pythons)
    return out


_CLAUSE = re.compile(r"\s*(<=|>=|<|>|==)?\s*(\d+\.\d+)\s*$")


def _release_in(key: Tuple[int, int], spec: str) -> bool:
    """Does TF release `key` (major, minor) fall in a known_bad row's `tensorflow` spec ('<=2.17', '2.6', '>=2.1,<2.4')?
    Compared by major.minor, without pip's specifier parser, which a plain analysis does not import."""
    for part in spec.split(","):
        m = _CLAUSE.match(part)
        other = _mm(m.group(2)) if m else None
        if m is None or other is None:
            return False
        holds = {"<=": key <= other, ">=": key >= other, "<": key < other, ">": key > other, "==": key == other}
        if not holds[m.group(1) or "=="]:
            return False
    return True


def finding_derived_facts(
    facts: Mapping[str, Any], python_version: Optional[str] = None, platform: Optional[str] = None, arch: Optional[str] = None
) -> Dict[str, str]:
    """Facts derived from what one finding read (DERIVED_FACTS newest_offered ... requested_fits_python, arch_cc,
    arch_first_cuda, keras_moved_*): the CUDA that first compiles for an architecture nvcc refused; pip's list of
    the TensorFlow releases it could install here, and the Python range of the release asked for, against
    the log's Python (for `tensorflow` itself: tensorflow-gpu and -cpu stopped earlier and on fewer platforms). The
    platform builds `tensorflow` itself asks for (tensorflow-cpu-aws, tensorflow-intel: PLATFORM_BUILDS) share its
    release numbers, so their list gives newest_offered too (and platform_build says which they are)."""
    asked_arch = re.fullmatch(r"(?:compute|sm)_(\d+?)(\d)a?", str(facts.get("gpu_arch") or ""))
    if asked_arch:  # an architecture a build asked nvcc for: the toolkit that first knows it
        cc = f"{asked_arch.group(1)}.{asked_arch.group(2)}"
        try:
            first = compat().cc_first_cuda(cc)
        except (CompatError, OSError):
            first = None
        return {"arch_cc": cc, "arch_first_cuda": first} if first else {}
    if facts.get("keras_module"):  # a Keras name or module the code asked for and did not find
        try:
            return compat().keras_moved(str(facts["keras_module"]), str(facts.get("keras_name") or ""))
        except (CompatError, OSError):
            return {}
    package = str(facts.get("package") or "").replace("_", "-").lower()
    try:
        if package in compat().addon_wheels:
            return _addon_facts(package, str(facts.get("requested_version") or ""), python_version, platform, arch)
    except (CompatError, OSError):
        return {}
    if package != "tensorflow" and package not in PLATFORM_BUILDS and package != "tensorflow-gpu":
        return {}
    offered = facts.get("available_versions")
    requested = re.sub(r"\s+and\s+", ",", str(facts.get("requested_version") or ""))  # pip's "<2.16 and >=2.10"
    asked = re.match(r"\s*(?:==|~=|>=)\s*(\d+\.\d+(?:\.\d+)?)", requested)
    try:
        out = compat().offered_limit(offered, asked.group(1) if asked else "") if isinstance(offered, str) and offered else {}
        if package != "tensorflow":  # (tensorflow-gpu: the package ended, whatever the platform; its newest and the request)
            built = {"platform_build": "yes"} if package in PLATFORM_BUILDS else {}
            if package == "tensorflow-gpu" and asked:
                built["requested_release"] = asked.group(1)
            return {**built, **{k: v for k, v in out.items() if k == "newest_offered"}}
        # (a pin to one release: "==X", or "~=X.Y.Z", which allows X.Y's patches only; "~=X.Y" allows X.Y to X.*)
        one = requested.lstrip()[:2] == "==" or (
            requested.lstrip()[:2] == "~=" and bool(re.match(r"\s*~=\s*\d+\.\d+\.\d+", requested))
        )
        pinned = asked.group(1) if asked and one else None
        python = (compat().wheel_python_text(pinned) or compat().python_ranges_for(pinned)) if pinned else None
        py = _mm(python_version)
        if asked and python:
            out.update(requested_release=asked.group(1), requested_python=python)
            release = _mm(asked.group(1))
            if release and py:
                out["requested_fits_python"] = "yes" if compat().supports_python(release, py) else "no"
        elif requested and not pinned:  # a range ("<2.2,>=2.1")
            out.update({f"requested_{k}": v for k, v in _range_facts(requested, python_version).items()})
    except (CompatError, OSError):
        return {}
    return out


def _range_facts(specifier: str, python_version: Optional[str]) -> Dict[str, str]:
    """What a range of TensorFlow versions ("<2.2,>=2.1") allows: its releases, their Pythons together, the newest of
    those and the machines their wheels are for, when the range is closed below the newest release (one open above
    stops no Python); and whether any of them has a wheel for `python_version` ('fits_python': yes/no)."""
    c = compat()
    out: Dict[str, str] = {}
    releases = c.releases_in(specifier)
    pythons = set().union(*(_python_set(t) for t in map(_release_pythons, releases) if t))
    if releases and pythons and max(releases) < max(c.tf_keys):
        out.update(releases=_runs(c.tf_keys, releases), python=python_text(pythons), python_newest=_fmt(max(pythons)))
        machines = sorted({plat for k in releases for plat, pys in (c.platform_wheels.get(k) or {}).items() if pys})
        if machines:
            out["machines"] = ", ".join(machines)
    py = _mm(python_version)
    if releases and py:
        out["fits_python"] = "yes" if any(c.supports_python(k, py) for k in releases) else "no"
    return out


def _requirements_overlap(requirements: Sequence[str]) -> Optional[str]:
    """'yes'/'no': do the TensorFlow requirements of the packages in pip's conflict list ("keras-cv:>=2.13.0") allow a
    common release? One package's lines are alternatives (each release of it pip tried), so they are joined; the
    packages' are intersected. None with fewer than two packages."""
    allowed: Dict[str, set] = {}
    for item in requirements:
        name, _, spec = item.partition(":")
        allowed.setdefault(name, set()).update(compat().releases_in(spec) if spec else compat().tf_keys)
    if len(allowed) < 2:
        return None
    return "yes" if set.intersection(*allowed.values()) else "no"


def _release_pythons(key: Tuple[int, int]) -> Optional[str]:
    """A release's Pythons: its wheels' (what pip installs), else its tested build's (the wheel table starts later)."""
    return compat().wheel_python_text(_fmt(key)) or compat().python_ranges_for(_fmt(key))


def derived_facts(facts: Dict[str, Any]) -> Dict[str, str]:
    """New facts (DERIVED_FACTS) from the facts a log states; only what the tables support."""

    def text(name: str) -> Optional[str]:
        v = facts.get(name)
        return v if isinstance(v, str) and v else None

    missing = facts.get("missing_libraries")
    missing = tuple(str(m) for m in missing) if isinstance(missing, list) else ()
    loaded = facts.get("loaded_libraries")
    loaded = tuple(str(m) for m in loaded) if isinstance(loaded, list) and not text("cuda_runtime") else ()
    try:
        return dict(
            _derive(
                text("tf_version"),
                text("platform"),
                text("driver_version"),
                missing,
                text("compute_capability"),
                text("python_version"),
                text("cuda_runtime"),
                text("cudnn_compiled"),
                text("cpu_arch"),
                text("missing_dependency"),
                text("tf_required"),
                tuple(str(r) for r in facts.get("tf_requirements") or ()),
                loaded,
            )
        )
    except (CompatError, OSError):
        return {}


@lru_cache(maxsize=512)  # the live `watch` mode asks again at every report with mostly the same facts
def _derive(
    tf: Optional[str],
    platform: Optional[str],
    driver: Optional[str],
    missing: Tuple[str, ...],
    cc: Optional[str],
    py: Optional[str],
    cuda_runtime: Optional[str] = None,
    cudnn_compiled: Optional[str] = None,
    arch: Optional[str] = None,
    dependency: Optional[str] = None,
    tf_required: Optional[str] = None,
    tf_requirements: Tuple[str, ...] = (),
    loaded: Tuple[str, ...] = (),
) -> Tuple[Tuple[str, str], ...]:
    c = compat()
    out: Dict[str, str] = {}
    # the CUDA of the libraries loaded, by their names (not "11.x"): the newest it can be judges a GPU
    cuda_loaded = next((v for v in map(c.library_cuda, loaded) if v and "x" not in v), None) if not cuda_runtime else None
    if cuda_loaded:
        out["cuda_loaded"] = cuda_loaded
    os_name = "windows" if platform == "windows" else "linux"
    tf = tf if tf and _mm(tf) else None

    build = c.build(tf, platform) if tf else None
    if tf and _mm(tf) in c.tf_keys:  # a release the tables know (a pin to an unknown one would be invented)
        out["tf_pin"] = tf if _PUBLISHED.fullmatch(tf) else ".".join(map(str, _mm(tf) or ())) + ".*"
    if cudnn_compiled and not tf:
        versions, newest = c.tf_versions_built_with_cudnn(cudnn_compiled, platform)
        if versions:
            out["cudnn_tf_versions"] = versions
        if newest:
            out["cudnn_tf_newest"] = newest
    if build:
        out["tf_built_cuda"] = str(build["cuda"])
        out["tf_built_cudnn"] = str(build["cudnn"])
        md = c.min_driver(build["cuda"], os_name)
        if md:
            out["tf_min_driver"] = md
            out["min_driver_os"] = os_name.capitalize()
        fam = c.family_min_driver(build["cuda"], os_name)
        if fam and (_mm(build["cuda"]) or (0, 0))[0] >= 11:
            out["tf_family_min_driver"] = fam
            out.setdefault("min_driver_os", os_name.capitalize())
    # what pip installs: the Pythons of its wheels (for this platform and CPU, where known), else the tested build's;
    # none where the wheel table lists the release with no wheel for this machine
    key = _mm(tf) if tf else None
    listed = c.wheel_pythons(key, platform, arch) if key else None
    python = (
        c.wheel_python_text(tf, platform, arch)
        if listed
        else (str(build["python"]) if listed is None and build and build.get("python") else None)
    )
    if python:
        out["tf_python"] = python
        out["tf_python_newest"] = _fmt(max(hi for _, hi in _python_ranges(python)))
    keras2 = c.keras2_requirement(tf) if tf else None
    if keras2:
        out["keras2_requirement"] = keras2
    keras = c.package_requirement("keras", tf) if tf else None
    if keras:
        out["keras_requirement"] = keras
    protobuf = c.package_requirement("protobuf", tf) if tf else None
    if protobuf:
        out["protobuf_requirement"] = protobuf
    numpy = c.package_requirement("numpy", tf) if tf else None
    if numpy:
        out["numpy_requirement"] = numpy
    ml_dtypes = c.package_requirement("ml-dtypes", tf) if tf else None
    if ml_dtypes:
        out["ml_dtypes_requirement"] = ml_dtypes
    tfp = c.release_made_for("tensorflow-probability", tf) if tf else None
    if tfp:
        out["tfp_for_tf"] = tfp
    tfa = c.release_made_for("tensorflow-addons", tf) if tf else None
    if tfa:
        out["tfa_for_tf"] = tfa
    tfio = c.release_made_for("tensorflow-io", tf) if tf else None
    pv = _mm(py) if py else None
    if tfio:  # ... where its wheels fit this machine (tensorflow-io has none for native Windows after 0.31)
        fits = c.addon_has_wheel("tensorflow-io", tfio, pv, platform, arch)
        out["tfio_for_tf" if fits is not False else "tfio_for_tf_no_wheel"] = tfio
        if fits is False:
            out["tfio_wheels"] = c.addon_wheel_text("tensorflow-io", tfio)
    last_io = c.release_overview().get("io_last_release")
    if last_io and c.addon_has_wheel("tensorflow-io", last_io, pv, platform, arch) is False:
        out["io_last_wheel_here"] = "no"
    if platform and arch:  # the machine as well as the Python (rules/compat/wheel_platforms.yaml)
        machine = [k for k in c.platform_wheels if c.has_wheel(k, pv, platform, arch)]
        if machine:
            out["machine_tf_versions"] = _runs(sorted(c.platform_wheels), machine)
        key = _mm(tf) if tf else None
        if key and key in c.platform_wheels:
            out["tf_wheel_for_machine"] = "yes" if key in machine else "no"
    if tf and platform != "macos":
        archs = c.tf_archs(tf)
        if archs:
            out["tf_cuda_archs"] = archs

    if cuda_runtime:
        md = c.min_driver(cuda_runtime, os_name)
        if md:
            out["cuda_runtime_min_driver"] = md
            out.setdefault("min_driver_os", os_name.capitalize())
    if driver:
        mx = c.driver_max_cuda(driver, os_name)
        if mx:
            out["driver_max_cuda"] = mx

    if missing:
        label, rows = c.wanted_cuda(missing)
        if label:
            out["wanted_cuda"] = label
            row = c.lib_row_for_cuda(build["cuda"]) if build else None
            if row is not None:
                out["missing_cuda_matches_tf"] = "yes" if c.lib_rows.index(row) in rows else "no"
        cudnn = c.wanted_cudnn(missing)
        if cudnn:
            out["wanted_cudnn"] = cudnn
    overlap = _requirements_overlap(tf_requirements)
    if overlap:
        out["tf_required_overlap"] = overlap
    if tf_required:  # the TensorFlow a package asks for in pip's conflict list
        out.update({f"tf_required_{k}": v for k, v in _range_facts(tf_required, py).items()})
    dependency_cuda = c.library_cuda(dependency) if dependency else None
    if dependency_cuda:
        out["missing_dependency_cuda"] = dependency_cuda

    if cc and _mm(cc):
        if platform != "macos":
            sup = c.cc_support(cc, tf) if tf else c.cc_support_for_cuda(cc, cuda_runtime, platform) if cuda_runtime else None
            if sup:
                out["cc_supported"] = sup
        cuda = cuda_runtime or (cuda_loaded.rsplit("-", 1)[-1] if cuda_loaded else None)
        if cuda and c.cc_after_cuda(cc, cuda):  # a GPU newer than every architecture the loaded CUDA knows
            out["cc_after_cuda"] = "yes"
        versions = c.tf_versions_for_cc(cc)
        if versions:
            out["cc_tf_versions"] = versions
        first_cuda = c.cc_first_cuda(cc)
        if first_cuda:
            out["cc_first_cuda"] = first_cuda
            first_tf = c.first_tf_with_cuda(first_cuda, platform)
            if first_tf:
                out["cc_cuda_tf"] = first_tf

    if py and len(_v(py) or ()) >= 2:
        versions = c.tf_versions_for_python(py, platform)
        if versions:
            out["python_tf_versions"] = versions
        pv, key = _mm(py), _mm(tf) if tf else None  # pv: not None, py has major.minor
        if key and pv and (c.wheel_pythons(key, platform) is not None or c.python_ranges_for(tf, platform)):
            out["python_supported"] = "yes" if c.supports_python(key, pv, platform) else "no"
    return tuple(out.items())
