"""Step 3: environment facts (TF/CUDA/cuDNN/driver versions, GPU, platform) with their source line.

Each `FactPattern` reads one kind of line people paste or TF prints: TF's own
startup lines, nvidia-smi tables, `nvcc --version`, issue-template answers.
A fact keeps the value from the most trusted pattern that saw it (lower `rank`
wins; equal rank: first seen). Lists (missing/loaded libraries) accumulate.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, cast

from analyzer.core import normalize as nz
from analyzer.core.cache import compile_re, compile_regex
from analyzer.core.model import Evidence
from analyzer.core.records import dataclass, field

if TYPE_CHECKING:
    import regex
else:  # `regex` is imported where a name other than its flags is used (see cache.regex_module)
    from analyzer.core.cache import regex_module as regex

LIST_FACTS = ("missing_libraries", "loaded_libraries", "packages", "tf_requirements")
# Where a fact's value comes from, for people reading it: the log states it as in use (installed), as
# wanted (the version of a library that could not be loaded, what a build was compiled for), or tflog
# inferred it from the compat tables (see analyzer.kb.compat.derived_facts).
WANTED_FACTS = ("cuda_wanted", "cuda_compiled", "cudnn_compiled", "missing_libraries", "missing_dependency")


def provenance(key: str, derived: bool = False, wanted: bool = False) -> str:
    """'stated' | 'wanted' | 'inferred' for a report fact (`wanted`: the log states this value only as
    one asked for, e.g. the release in pip's "No matching distribution found for tensorflow==2.13.0")."""
    if derived:
        return "inferred"
    return "wanted" if wanted or key in WANTED_FACTS else "stated"


REPORT_FACTS = (
    "tf_version",
    "python_version",
    "platform",
    "gpu_stack",  # 'rocm': TensorFlow's ROCm build (AMD GPUs), where CUDA advice does not apply
    "tf_at_most",  # the newest TF release whose log lines have the source paths this log's have (its TF is no newer)
    "embedded_python",  # a portable app's own Python folder (ComfyUI's python_embeded): pip must be run through it
    "wsl_kernel",  # the WSL 2 kernel's release (uname's "5.4.72-microsoft-standard-WSL2"): GPUs reach WSL from 4.19.121
    "cpu_avx",  # 'yes'/'no': the CPU's flags as /proc/cpuinfo lists them name AVX (official TF builds need it since 1.6)
    "cpu_avx2",  # ... and AVX2 (some builds need it: ROCm's, conda's, TF Serving's optimised ones)
    "cpu_arch",  # x86_64 / arm64 (/ x86: 32-bit Windows Python): which of a release's wheels pip may install (rules/compat/wheel_platforms.yaml)
    "cuda_runtime",
    "cuda_wanted",
    "cuda_compiled",
    "cudnn_runtime",
    "cudnn_compiled",
    "driver_version",
    "driver_cuda_version",
    "gpu_name",
    "compute_capability",
    "gpu_memory_mb",
    "gpu_free_mb",  # the GPU memory free when TensorFlow found the device (TF 1.x prints it): little means another process held it
    "gpu_expected",  # the log's sign that a GPU is expected here (a GPU check in the script, the GPU package...)
    "gpu_unexpected",  # ... or that this machine or job is meant to run without one (lspci, tensorflow-cpu, ...)
    "tf_gpu_listed",  # TensorFlow listed a GPU device (list_local_devices, list_physical_devices, device creation)
    "epoch_length_unknown",  # Keras' progress bar counts steps of an epoch it does not know the length of ("919/Unknown")
    "pip_kept_tf",  # pip found the TensorFlow installed here satisfies what it was asked for ("Requirement already satisfied")
    "tf_uninstalled",  # the TensorFlow release pip removed ("Found existing installation: tensorflow 2.14.0")
    "tf_required",  # the TensorFlow versions a package asks for in pip's conflict list ("<2.16,>=2.10") ...
    "tf_required_by",  # ... and that package with its release ("mediapipe-model-maker 0.2.1.4")
    "tf_dependency",  # TensorFlow's own requirement on another package in that list ("numpy<1.24,>=1.22")
    "resolver",  # 'poetry' where Poetry's resolver reports the failure (its advice is pyproject.toml's, not pip's)
    "pip_version",  # pip's own version, where the log shows it (`pip --version`, pip upgrading itself)
    "python_bits",  # '64' / '32': the interpreter's word size, from CPython's build tag
    "tf_requirements",  # every TensorFlow requirement in that list, "package:specifier" ("keras-cv:>=2.13.0")
    "conflict_other",  # a requirement on another package than TensorFlow (or its compiled add-ons) in that list
    "missing_libraries",
    "missing_dependency",  # the library a library TF asked for needs and the loader could not find (its dlerror names it) ...
    "needed_by",  # ... and that library TF asked for, which is there ("libnvinfer.so.7" needing "libnvrtc.so.11.1")
    "loaded_libraries",
    "packages",
)


def _gib_to_mb(v: str) -> str:
    m = _MEMORY.regex.match(v)
    if m is None:  # a unit but no leading number (a rule's own group may capture such text)
        return _plain(v)
    num, unit = m.groups()
    return str(round(float(num) * (1024 if unit == "G" else 1)))


def _plain(v: str) -> str:
    return v.strip().rstrip(".,;")


def _cpu_arch(v: str) -> str:
    """The CPU as wheel tags group it: 'aarch64', 'ARM64', Apple's 'M2', Homebrew's Apple-silicon prefix -> 'arm64';
    'AMD64', conda's 'linux-64' -> 'x86_64'; CPython's '32 bit (Intel)' -> 'x86'; 32-bit ARM (Debian's
    arm-linux-gnueabihf, wheels tagged armv6l/armv7l: Raspberry Pi OS 32-bit), for which TensorFlow publishes no
    wheel -> 'arm32'."""
    v = v.strip().lower()
    if v in ("arm", "armv6l", "armv7l"):
        return "arm32"
    if v in ("arm64", "aarch64") or "homebrew" in v or re.fullmatch(r"m\d", v):
        return "arm64"
    if v in ("x86_64", "amd64", "64"):
        return "x86_64"
    return "x86" if v == "intel" else v


# What a TF log line shows of its era -> the last release that printed it (shared reference message_catalog.md): wordings
# later releases changed, and the package folder TF 1.15-2.1 installed as. A source path (tf_at_most's other matches)
# gives "2.10" for tensorflow/stream_executor/, "2.14" for tensorflow/compiler/xla/stream_executor/.
_ERA_MARKERS = (
    ("needs to match or have higher minor", "2.3"),  # the cuDNN mismatch, variant B (~1.10-2.3; 2.4 reworded it)
    ("tensorflow_core", "2.1"),  # the package TF 1.15, 2.0 and 2.1 were installed as
    ("successfully opened CUDA library", "1.13"),  # dso_loader.cc (<= 1.13), and its failure "Couldn't open CUDA library"
    ("Couldn't open CUDA library", "1.13"),
    ("[[Node:", "1.12"),  # TF <= 1.12 graph mode's node line (TF 1.13 wrote [[{{node ...}}]])
    ("{{node ", "1.12"),  # TF ~1.12's node line that still lists the op and its attributes: [[{{node X}} = Op[...]]]
    ("node ", "1.12"),  # and its form with the Python line that made it: [[node X (defined at f.py:208)  = Op[...]]]
    ("(see above", "1.12"),  # its "ResourceExhaustedError (see above for traceback): ..."
    ("could not create cudnn handle", "1.10"),  # lower-case "could" (<= 1.10)
    ("(compatibility version", "1.9"),  # the cuDNN mismatch, variant A: 4-digit versions (~1.5-1.9)
    ("OOM when allocating tensor with shape", "1.4"),  # the shape alone, no "and type ... on ... by allocator" (<= 1.4)
    ("Creating TensorFlow device", "1.4"),  # TF 1.0-1.4 (1.5 wrote "Created TensorFlow device")
)


def _tf_at_most(v: str) -> str:
    """What a TF log line shows of its era (a marker of _ERA_MARKERS, or its source folder) -> the last TF release
    that printed it (message_catalog.md: stream_executor moved under compiler/xla in 2.11, and out of TensorFlow's
    tree into local_xla in 2.15)."""
    for marker, release in _ERA_MARKERS:
        if v.startswith(marker):
            return release
    return "2.10" if v.replace("\\", "/").startswith("tensorflow/stream_executor/") else "2.14"


NORMALISERS: Dict[str, Callable[[str], str]] = {
    "tf_at_most": _tf_at_most,
    "cpu_arch": _cpu_arch,
    "cpu_avx": lambda v: "yes" if re.search(r"(?<![\w.])avx(?![\w.])", v) else "no",
    "cpu_avx2": lambda v: "yes" if re.search(r"(?<![\w.])avx2(?![\w.])", v) else "no",
    "gpu_stack": lambda v: "rocm",  # the one stack the patterns name (a CUDA build is the default)
    "epoch_length_unknown": lambda v: "yes",
    "cudnn_runtime": nz.cudnn_version,
    "cudnn_compiled": nz.cudnn_version,
    "cuda_runtime": nz.cuda_version,
    "cuda_compiled": nz.cuda_version,
    "driver_version": nz.driver_version,
    "gpu_memory_mb": lambda v: _gib_to_mb(v) if _MEMORY_UNIT.regex.search(v) else _plain(v),
    "gpu_free_mb": lambda v: _gib_to_mb(v) if _MEMORY_UNIT.regex.search(v) else _plain(v),
    # TF 0.x wrote an OOM tensor's shape as its proto's DebugString: "dim { size: 5000 } dim { size: 28 }"
    "oom_shape": lambda v: "[" + ",".join(re.findall(r"\d+", v)) + "]" if v.startswith("dim") else _plain(v),
    "gpu_name": lambda v: re.sub(
        r"\s+\.\.\.$", "...", v.strip().strip(",").strip()
    ),  # nvidia-smi's cut: "RTX 4050 ..." -> "RTX 4050..."
}


def normalise(key: str, value: str) -> str:
    return NORMALISERS.get(key, _plain)(value)


# pip naming the release it was asked for ("requirement tensorflow==2.13.0", "No matching distribution
# found for tensorflow==2.13.0"): any other statement of the version wins; it is kept only when none
# exists (the Python-support advice needs a release to talk about). uv's derivation joins the releases
# it tried with "and" ("... and tensorflow==0.12.0 is unusable because ...", "X==1.0 and
# tensorflow==2.16.1 depend on ..."): a pinned requirement after "and " is one asked for too. A context
# test at the match's start, not a lookbehind in the pattern: line classes need patterns they can
# widen (pipeline/supersets.py).
_WANTED_AT = compile_regex(
    r"(?i)(?<=requirement |found for |▶ because |and because |depends on )"
    r"|(?<=\band )(?=(?:tensorflow|tf)[\w-]*(?:\[[\w,-]+\])?==)"
    # a pip command ("pip install tensorflow==1.5"), what pip collects or fetches before it installs anything
    # ("Collecting tensorflow==2.12.0", a wheel's file name), and the candidates its resolver weighs
    # ("tensorflow-gpu 1.15.4 depends on numpy<1.19.0"): asked for, not installed (pip's "Successfully installed"
    # outranks them all)
    r"|(?<=install |Collecting )(?<!uninstall )"  # (what pip uninstalls is installed)
    r"|(?=(?:tensorflow|tf)[\w-]*-\d[\w.]*-(?:cp|py)\d+\S*\.whl)"
    r"|(?=(?:tensorflow|tf)[\w-]* \d[\w.]* depends on )"
)
WANTED_RANK = 35
INSTALLED_RANK = 19  # pip's "Successfully installed" report: of two at this rank the later wins (FactCollector.set)


@dataclass
class FactPattern:
    source: str
    rank: int = 50  # lower = more trusted
    keywords: Tuple[str, ...] = ()  # lowercase; the pattern only runs on lines with one of them
    _compiled: Optional[regex.Pattern] = field(default=None, repr=False)
    in_prose: str = ""  # matches prose too: skip a value given as a bound ("b"), after advice words ("a"), in a list
    # ("l"), or of another package named after TensorFlow ("p": mesh-tensorflow, sagemaker-tensorflow)
    names_tf: bool = field(init=False, repr=False)  # reads tf_version: pip's wanted context applies (rank_at)

    def __post_init__(self) -> None:
        self.names_tf = "(?P<tf_version>" in self.source

    @property
    def regex(self) -> regex.Pattern:
        """Compiled on first use: a small log needs few of these, and compiling all takes ~15 ms."""
        if self._compiled is None:
            self._compiled = compile_regex(self.source)
        return self._compiled

    def search(self, text: str) -> Optional[Any]:
        """The first match that states this machine's value. For an `in_prose` pattern, a version that a
        message gives as a bound or as advice ("TensorFlow 1.2.1 or earlier requires cuDNN 5.1", "Download
        and install CUDA 8.0") is skipped. Checked here, not with lookarounds in the pattern, so that the
        pattern keeps its digit-agnostic superset (pipeline.supersets) and line classes can still settle."""
        if not self.in_prose:
            return self.regex.search(text)
        for m in self.regex.finditer(text):
            if "b" in self.in_prose and _BOUND_AFTER.match(text, m.end()):
                continue
            if "a" in self.in_prose and _ADVICE_BEFORE.search(text, max(0, m.start() - 16), m.start()):
                continue
            if "l" in self.in_prose and text[max(0, m.start() - 2) : m.start()] == "('":
                continue
            if "p" in self.in_prose and _NAMED_AFTER_IT.search(text, max(0, m.start() - 8), m.start()):
                continue
            return m
        return None

    def may_match(self, low: str) -> bool:
        if not self.keywords:
            return True
        for k in self.keywords:  # (a loop, not any() over a generator: ~2x faster, and this runs per line)
            if k in low:
                return True
        return False

    def rank_at(self, text: str, start: int) -> int:
        """The rank of a match starting at `start`: a TF release pip was asked for ranks WANTED_RANK."""
        if self.names_tf and _WANTED_AT.match(text, start):
            return max(self.rank, WANTED_RANK)
        return self.rank


def _p(pattern: str, rank: int, *keywords: str) -> FactPattern:
    return FactPattern(pattern, rank, keywords)


def _prose(pattern: str, rank: int, *keywords: str, skip: str = "ab") -> FactPattern:
    """A pattern loose enough to match prose; `skip`: which of its matches FactPattern.search skips (advice
    words before a version are no sign for TensorFlow's own: "pip install tensorflow==2.17.0" asks for it)."""
    return FactPattern(pattern, rank, keywords, in_prose=skip)


# Versions in prose that states a requirement or gives advice are not this machine's (FactPattern.search):
# "Download and install CUDA 8.0", XLA's "You may not need to update to CUDA 11.1" (asm_compiler.cc), "The minimum
# supported Python version is 3.9".
_ADVICE_BEFORE = compile_regex(
    r"(?i)(?:\binstall|\brequires|\bdownloading|\b(?:update|upgrade|downgrade) to"
    r"|\b(?:minimum|recommended|required|target|default|latest|supported))\s+$"
)
# (and a wildcard minor, "python 3.6.* , which can be installed": a solver's candidate, not this machine's; conda's
# "tensorflow-gpu 1.3.0*" names the release asked for, which the dev corpus reads as the version)
_BOUND_AFTER = compile_regex(
    r"(?i)[\d.]*(?:\s+or\s+(?:earlier|later|newer|older|above|below|higher|lower)\b|\+|\.\*|(?:\s+or\s+[\d.]+\+?)?\s+(?:is|are)\s+required\b)"
)


_V = r"(\d+\.\d+(?:\.\d+)?(?:[-_.]?(?:rc|dev|a|b)\d*)?)"
# A TF release as printed, suffix kept: 2.16.0rc0, 2.16.0-dev20240101 (nightly), 2.15.0.post1, 2.20.0-dev0+selfbuilt.
# How an NVIDIA GPU's name begins in device lists (nvidia-smi's table and -L, DeepFaceLab's chooser), and the
# prefilter words that find such lines
_GPU_BRAND = r"(?:NVIDIA |GeForce |Tesla |Quadro |TITAN |RTX |A\d|H\d|L\d)"
_GPU_BRAND_KEYWORDS = ("nvidia", "geforce", "tesla", "quadro")
_TF = r"\d+\.\d+(?:\.\d+)?(?:[-_.]?(?:(?:rc|dev|post|alpha|beta)\d*|[ab]\d+))*(?:\+[\w.]+)?"  # pre-releases: 2.0.0b1, 2.16.0rc0
# The flavours of one TF release, each naming TensorFlow's version: tensorflow-intel (Windows), -cpu, -cpu-aws (Linux
# aarch64, which pip picks through `tensorflow`'s own requirements), -macos, -aarch64, -rocm, -gpu (<= 2.0 and 2.1-2.11's alias)
_TF_FLAVOUR = r"(?:[-_](?:gpu|cpu(?:[-_]aws)?|intel|macos|aarch64|rocm))?"
# the end of another package's name just before "tensorflow" ("mesh-", "sagemaker_"), where NVIDIA's and Intel's
# builds of TensorFlow itself ("nvidia-tensorflow", "intel-tensorflow") are not another package
_NAMED_AFTER_IT = compile_re(r"(?i)(?<!nvidia)(?<!intel)(?<=[\w.])[-_]$")
_MEMORY: FactPattern = _p(r"([\d.]+)\s*([GM])i?B", 0)
_MEMORY_UNIT: FactPattern = _p(r"[GM]i?B", 0)

PATTERNS: List[FactPattern] = [
    # --- TensorFlow version ---------------------------------------------------------------
    _p(
        r"(?i)\b(?:tensor ?flow|tf)(?:[-_]gpu)? version\b[^:\n]{0,30}:\s*(?:[^\d\n]{0,30}?)(?P<tf_version>" + _TF + ")",
        10,
        "tensorflow version",
        "tensor flow version",
        "tf version",
    ),
    # tensorflow-addons' (and other add-ons') version check: "The versions of TensorFlow you are currently using is 2.1.0"
    _p(r"TensorFlow you are currently using is (?P<tf_version>" + _TF + ")", 10, "currently using is"),
    _prose(
        # pip's "requirement tensorflow==2.13.0" is the release asked for: LineFacts ranks it as WANTED_RANK (the
        # flavours of one release, _TF_FLAVOUR, name TensorFlow's version too)
        r"(?i)\b(?:tensorflow|tf)(?:[-_]nightly|"
        + _TF_FLAVOUR
        + r")(?:\[[\w,-]+\])?(?:==|-|\s*:\s*|\s+)v?(?P<tf_version>\d+\.\d+\.\d+(?:[-_.]?(?:(?:rc|dev|post|alpha|beta)\d*|[ab]\d+))*(?:\+[\w.]+)?)\b",
        20,
        "tensorflow",
        "tf ",
        "tf-nightly",
        "tf_nightly",
        skip="bp",
    ),
    # (not a comparison in code: "assert tf.__version__ >= '2.4.0'")
    _p(r"(?i)\b(?:tf|tensorflow)\.__version__(?!\s*(?:[<>!=]=|[<>]))\W+(?P<tf_version>" + _TF + ")", 15, "__version__"),
    # Poetry's installer ("  • Installing tensorflow (2.13.0)", "  - Updating tensorflow (2.12.0 -> 2.13.0)"): the release
    # it is putting in place, as wanted as a pip requirement
    _p(
        r"^\s*\S\s+(?:Installing|Updating|Downgrading) (?:tensorflow" + _TF_FLAVOUR + r"|tf[-_]nightly) "
        r"\((?:\S+ -> )?(?P<tf_version>" + _TF + r")\)",
        WANTED_RANK,
        "installing tensorflow",
        "updating tensorflow",
        "downgrading tensorflow",
        "installing tf",
        "updating tf",
        "downgrading tf",
    ),
    # ... and its solver's derivation ("Because tensorflow (2.20.0) depends on protobuf (>=5.28.0)", "And because
    # tensorflow (2.20.0) depends on ..."; poetry/mixology): a release it weighs, as wanted as pip's candidates
    _p(
        r"(?i)(?:^\s*|\bbecause )(?:tensorflow" + _TF_FLAVOUR + r"|tf[-_]nightly) \((?P<tf_version>" + _TF + r")\) depends on ",
        WANTED_RANK,
        "depends on",
    ),
    # pip's report of what it installed ("Successfully installed ... tensorflow-2.18.0 ..."): a later report replaces
    # an earlier one, as the environment changed (tensorflow-text pulling TensorFlow back to 2.10.1: INSTALLED_RANK)
    _p(
        r"(?i)^\s*Successfully installed\b.*?\btensorflow" + _TF_FLAVOUR + r"-(?P<tf_version>" + _TF + r")\b",
        INSTALLED_RANK,
        "successfully installed",
    ),
    # ... and every package of that report ("keras-2.7.0 ... tensorflow-2.6.1"): what is installed now, as a package
    # list states it (_propose keeps those whose versions must fit TF: PACKAGE_NAMES)
    _p(r"(?i)^\s*Successfully installed (?P<_installed>\S.*)$", INSTALLED_RANK, "successfully installed"),
    # ... and the wheel pip fetched to install ("  Downloading protobuf-4.21.9-cp37-abi3-manylinux2014_x86_64.whl (408 kB)",
    # "Using cached numpy-1.26.4-cp311-...whl"): the release it picked, for a log that ends before its report (a wheel's
    # file name writes a package's dashes as underscores, so the first dash ends the name; TensorFlow's own wheels
    # are left to the lines that name the release installed)
    _p(
        r"(?i)^\s*(?:Downloading|Using cached) (?:\S*/)?(?P<_fetched>[A-Za-z][\w.]*-\d[\w.+!]*)-\S*\.whl\b",
        INSTALLED_RANK,
        "downloading",
        "using cached",
    ),
    # an install tree named after the release: Spack/CMSSW "py3-tensorflow/2.6.4-<hash>/lib/...", EasyBuild
    # "software/TensorFlow/2.11.0-foss-2022a/lib/..."
    _p(r"(?i)[\\/](?:py3-)?tensorflow[\\/](?P<tf_version>\d+\.\d+\.\d+)-[\w.-]+[\\/]lib", 35, "tensorflow/"),
    # pip's requirement with a two-part release ("tensorflow==1.2"): the three-part form is read above
    _p(
        r"(?i)\b(?:tensorflow|tf)(?:[-_]gpu)?==(?P<tf_version>\d+\.\d+)(?:[^.\d]|$)",
        20,
        "tensorflow==",
        "tensorflow-gpu==",
        "tensorflow_gpu==",
    ),
    _prose(r"(?i)\b(?:tensorflow|tf)(?:[-_]gpu)?\s+(?P<tf_version>" + _TF + r")\b", 30, skip="bp"),
    # --- Python ---------------------------------------------------------------------------
    # "Python 3.10", "python: 3.10", Ultralytics' banner "Python-3.10.12"
    # (prose: "requires Python 3.8", absl-py's "Python version 2.7 or 3.4+ is required" state no interpreter)
    _prose(
        r"(?i)\bpython(?: version)?(?: is)?\s*[:=-]?\s*(?P<python_version>3\.\d+(?:\.\d+)?|2\.7(?:\.\d+)?)\b",
        10,
        "python",
    ),
    # a Nix store path names the interpreter's release: "/nix/store/<hash>-python3-3.12.3/bin/python3.12"
    _p(r"/nix/store/\w+-python3-(?P<python_version>3\.\d+\.\d+)/", 40, "-python3-"),
    # which resolver failed: Poetry's PubGrub report ends "..., version solving failed." (poetry/mixology)
    _p(r"\b(?P<resolver>version solving failed)\b", 20, "version solving failed"),
    # pip's own version (`pip --version`: "pip 24.0 from /path/site-packages/pip (python 3.10)"; pip upgrading itself),
    # and the interpreter's word size (CPython's build tag: "[MSC v.1937 64 bit (AMD64)]"): an old pip or a 32-bit
    # Python is why pip finds no wheel, unless the log shows otherwise
    _p(r"^\s*pip (?P<pip_version>\d+\.\d+(?:\.\d+)?) from \S", 20, "pip "),
    _p(r"\bSuccessfully installed\b.*\bpip-(?P<pip_version>\d+\.\d+(?:\.\d+)?)\b", 15, "successfully installed"),
    # ... and its own nag: "You are using pip version 18.1, however version 20.0.2 is available."
    # (weaker: it names the pip before any upgrade the log goes on to make)
    _p(r"\bYou are using pip version (?P<pip_version>\d+\.\d+(?:\.\d+)?)\b", 25, "you are using pip version"),
    _p(r"\[MSC v\.\d+ (?P<python_bits>64|32) bit \(", 20, "[msc v."),
    # pyenv's folder of one interpreter ("/root/.pyenv/versions/3.9.4/lib/python3.9/site-packages/...": 3.9.4)
    _p(r"[\\/]\.?pyenv(?:-win)?[\\/]versions[\\/](?P<python_version>[23]\.\d+\.\d+)[\\/]", 40, "pyenv"),
    # ".../python3.8/site-packages", and embedded interpreters: "_internal\\python-3.6.8\\lib\\site-packages" (DeepFaceLab)
    _p(
        r"(?i)(?:[\\/]|\b)python[\\/-]?(?P<python_version>[23]\.\d+(?:\.\d+)?)[\\/](?:lib[\\/])?(?:site|dist)-packages",
        40,
        "-packages",
    ),
    # `print(sys.version)`: "3.11.3 (tags/v3.11.3:f3909b8, Apr  4 2023, ...) [MSC v.1934 64 bit (AMD64)]",
    # "3.12.8 | packaged by conda-forge | (main, Dec  5 2024, ...) [GCC 13.3.0]"; R's reticulate::py_config() prints
    # it after "version:"
    _p(
        r"^\s*(?:version:\s+)?(?P<python_version>[23]\.\d+\.\d+)\s+(?:\|[^|\n]*\|\s+)?\([^()\n]*\)\s*\[(?:GCC|MSC|Clang)\b",
        8,
        "[gcc",
        "[msc",
        "[clang",
    ),
    # uv's report of the interpreter it creates the project's environment with: "Using CPython 3.9.20"
    # (weaker than a traceback's site-packages path: that is the Python that ran)
    _p(r"^\s*Using CPython (?P<python_version>\d\.\d+\.\d+)\b", 41, "using cpython"),
    # macOS's user site: "~/Library/Python/3.6/lib/python/site-packages" (pip install --user)
    _p(r"/Library/Python/(?P<python_version>3\.\d+)/lib/python/site-packages", 40, "/library/python/"),
    # an egg or wheel built for one Python: "object_detection-0.1-py3.10.egg"
    _p(r"-py(?P<python_version>3\.\d+)\.egg\b", 40, ".egg"),
    # a wheel pip fetched or took for this interpreter (it skips and refuses other Pythons' tags): its CPython tag,
    # "Processing ./tensorflow_text-2.16.0rc0-cp311-cp311-macosx_11_0_arm64.whl" (not abi3: that is a minimum)
    _p(
        r"^\s*(?:Downloading|Using cached|Processing)\s+\S*?-cp(?P<python_version>3)(?P<_py_minor>\d{1,2})-cp3\d{1,2}m?-\S*\.whl\b",
        42,
        ".whl",
    ),
    # Windows' own install folders: "...\Programs\Python\Python38\lib", a 32-bit one "Python37-32" (paths are
    # often lower-cased as pasted: "python\python38\lib")
    _p(r"(?i)[\\/]Python(?P<python_version>3)(?P<_py_minor>\d{1,2})(?:-32|-64|-arm64)?[\\/]", 45, "python3"),
    # TF's own Windows build machine in its C++ log lines (TF <= 1.x wheels): "C:\\tf_jenkins\\home\\workspace\\rel-win\\M\\
    # windows-gpu\\PY\\36\\tensorflow\\core\\...": the wheel was built for that Python, the only one it installs on
    _p(r"rel-win[\\/]M[\\/]windows(?:-gpu)?[\\/]PY[\\/](?P<python_version>3)(?P<_py_minor>\d{1,2})[\\/]", 40, "rel-win"),
    # CPython's Windows build machine, in the frames of its own modules: "D:\\obj\\windows-release\\37amd64_Release\\..."
    _p(r"windows-release[\\/](?P<python_version>3)(?P<_py_minor>\d{1,2})(?:amd64|win32|arm64)_Release", 40, "windows-release"),
    # --- CUDA -----------------------------------------------------------------------------
    _p(r"Cuda compilation tools, release (?P<cuda_runtime>\d+\.\d+)", 20, "cuda compilation tools"),
    _p(r"(?i)\bcuda(?:_version)?['\"]?\s*[:=]\s*['\"]?(?P<cuda_compiled>\d+\.\d+)['\"]", 15, "cuda_version"),
    _p(r"(?i)built (?:with|against) CUDA[: ]+(?P<cuda_compiled>\d+\.\d+)", 15, "built with cuda", "built against cuda"),
    # not a package's build suffix ("libcudnn8 8.0.4.30-1+cuda11.0": that cuDNN was built for CUDA 11.0)
    # (not nvidia-smi's column-aligned "CUDA Version      : 12.0" of `nvidia-smi -q`: the driver's CUDA, read below)
    _prose(
        r"(?i)(?<![+\w-])CUDA(?:/cuDNN)?(?: version)?(?!\s{2,}:)\s*[:=]?\s*(?P<cuda_runtime>\d+\.\d+(?:\.\d+)?)\b(?!\s*\|)",
        60,
        "cuda",
    ),
    # --- cuDNN ----------------------------------------------------------------------------
    _p(
        r"Loaded runtime CuDNN library: (?P<cudnn_runtime>[\d.]+?)\.?(?: \(compatibility version \d+\))? but source was compiled with:? (?P<cudnn_compiled>\d[\d.]*?)\.?(?: \(|\s|$)",
        5,
        "loaded runtime cudnn",
    ),
    # the same line cut before its second half, as excerpts often are
    _p(r"Loaded runtime CuDNN library: (?P<cudnn_runtime>\d+(?:\.\d+)+)", 6, "loaded runtime cudnn"),
    _p(r"Loaded cuDNN version (?P<cudnn_runtime>\d+)", 10, "loaded cudnn version"),
    _p(r"(?i)\bcudnn_version['\"]?\s*[:=]\s*['\"](?P<cudnn_compiled>\d+(?:\.\d+)*)['\"]", 15, "cudnn_version"),
    _prose(r"(?i)\bcuDNN(?: version)?\s*[:=]?\s*v?(?P<cudnn_runtime>\d+\.\d+(?:\.\d+)?)\b", 60, "cudnn"),
    # --- driver ---------------------------------------------------------------------------
    _p(r"Driver Version:\s*(?P<driver_version>\d+\.\d+(?:\.\d+)?)", 10, "driver version:"),
    # `nvidia-smi -q`'s report ("Driver Version                            : 527.56")
    _p(r"^\s*Driver Version\s+:\s*(?P<driver_version>\d+\.\d+(?:\.\d+)?)\s*$", 10, "driver version"),
    _p(r"CUDA Version:\s*(?P<driver_cuda_version>\d+\.\d+)", 10, "cuda version:"),
    _p(r"^\s*CUDA Version\s{2,}:\s*(?P<driver_cuda_version>\d+\.\d+)\s*$", 10, "cuda version"),
    _p(r"Kernel Module(?: for \w+)?\s+(?P<driver_version>\d+\.\d+(?:\.\d+)?)", 12, "kernel module"),
    _p(r"kernel reported version is: (?P<driver_version>\d+\.\d+(?:\.\d+)?)", 14, "kernel reported version"),
    _p(r"libcuda reported version is: (?P<driver_version>\d+\.\d+(?:\.\d+)?)", 16, "libcuda reported version"),
    # the driver's own library, named with its version ("found DLL info with resolved path: /usr/lib64/libcuda.so.565.77")
    _p(r"\blibcuda\.so\.(?P<driver_version>\d{3}\.\d+(?:\.\d+)?)\b", 17, "libcuda.so."),
    _p(r"(?i)possibly insufficient driver version: (?P<driver_version>\d+\.\d+(?:\.\d+)?)", 18, "insufficient driver version"),
    # --- GPU ------------------------------------------------------------------------------
    _p(
        r"(?:^|pciBusID: \S+ |device: \d+, |properties: )name: (?P<gpu_name>.+?)(?: major: (?P<_cc_major>\d+) minor: (?P<_cc_minor>\d+)| computeCapability: (?P<compute_capability>\d+\.\d+)|, pci bus id|, compute capability: (?P<_cc>\d+\.\d+)|\s*$)",
        10,
        "name: ",
    ),
    _p(
        # (ROCm builds name the AMD GPU's ISA instead: "AMD Instinct MI100, AMDGPU ISA version: gfx908:sramecc+:xnack-")
        r"StreamExecutor device \(\d+\): (?P<gpu_name>[^,]+), (?:Compute Capability (?P<compute_capability>\d+\.\d+)|AMDGPU ISA version: gfx)",
        10,
        "streamexecutor device",
    ),
    # the GPU's, not a program's minimum ("No CUDA device found with minimum required compute capability 3.5",
    # "does not have CUDA compute capability 3.0 or greater")
    _p(
        r"(?i)(?<!required )(?<!minimum )(?<!least )compute capability:? (?P<compute_capability>\d+\.\d+)(?!\+| or (?:greater|higher))",
        20,
        "compute capability",
    ),
    # TF 1.x's device properties when the GPU's name ended the line before: "major: 5 minor: 2 memoryClockRate (GHz) 1.2025"
    _p(r"^major: (?P<_cc_major>\d+) minor: (?P<_cc_minor>\d+) memoryClockRate", 20, "memoryclockrate"),
    # XLA's convolution autotuner reporting the machine it ran on (conv_algorithm_picker.cc, E level)
    _p(r"conv_algorithm_picker\.cc:\d+\] Device: (?P<gpu_name>.+?)\s*$", 12, "conv_algorithm_picker"),
    _p(
        r"conv_algorithm_picker\.cc:\d+\] Platform: Compute Capability (?P<compute_capability>\d+\.\d+)",
        12,
        "conv_algorithm_picker",
    ),
    _p(r"conv_algorithm_picker\.cc:\d+\] Driver: \d+ \((?P<driver_version>\d+\.\d+(?:\.\d+)?)\)", 12, "conv_algorithm_picker"),
    # `nvidia-smi -L` ("GPU 0: Tesla T4 (UUID: GPU-...)") and environment summaries ("GPU: Tesla T4")
    _p(
        r"^GPU(?: \d+)?: (?P<gpu_name>" + _GPU_BRAND + r"[^(]*?)\s*(?:\(UUID: [^)]*\))?\s*$",
        14,
        *_GPU_BRAND_KEYWORDS,
    ),
    # DeepFaceLab's device chooser: "  [0] : NVIDIA GeForce GTX 1650"
    _p(r"^\s*\[\d+\] : (?P<gpu_name>" + _GPU_BRAND + r"[^|\[\]]+?)\s*$", 14, *_GPU_BRAND_KEYWORDS),
    # gpustat's table: "[0] Tesla K80        | 59'C,   0 % | 10949 / 11439 MB | ubuntu(10909M)"
    _p(r"^\[\d+\] (?P<gpu_name>" + _GPU_BRAND + r"[^|]+?) +\| +\d+'C,", 14, *_GPU_BRAND_KEYWORDS),
    # DeepFaceLab's summary box: "== |== [0 : GeForce GTX 1070]"
    _p(r"\|== \[\d+ : (?P<gpu_name>" + _GPU_BRAND + r"[^\]]+?)\s*\]", 14, *_GPU_BRAND_KEYWORDS),
    # tensorflow-directml's device: "DirectML: creating device on adapter 0 (Intel(R) Iris(R) Xe Graphics)"
    _p(r"DirectML: creating device on adapter \d+ \((?P<gpu_name>.+)\)\s*$", 10, "directml: creating device"),
    # tensorflow-metal (Apple silicon): "Metal device set to: Apple M1"
    _p(r"^Metal device set to: (?P<gpu_name>.+)$", 10, "metal device set to"),
    # the CUDA samples' device pick (helper_cuda.h): 'GPU Device 0: "GeForce GTX 1650" with compute capability 7.5'
    # (newer samples print the architecture, "Turing", where the brand check finds no product)
    _p(
        r'GPU Device \d+: "(?P<gpu_name>' + _GPU_BRAND + r'[^"]+)" with compute capability (?P<compute_capability>\d+\.\d+)',
        14,
        '" with compute capability',
    ),
    # `nvidia-smi -q`'s report ("    Product Name                          : NVIDIA GeForce RTX 3070 Laptop GPU")
    _p(r"^\s*Product Name\s+:\s*(?P<gpu_name>" + _GPU_BRAND + r".+?)\s*$", 12, *_GPU_BRAND_KEYWORDS),
    # the GPU's own architecture, named by XLA's LLVM backend or ptxas when they compile for it:
    # "PTX version 8.5 does not support target 'sm_120'", "ptxas fatal : Value 'sm_120' is not defined for option 'gpu-name'"
    _p(r"(?:support target|Value) 'sm_(?P<_cc_major>\d{1,2}?)(?P<_cc_minor>\d)a?'", 25, "'sm_"),
    _p(r"computeCapability: (?P<compute_capability>\d+\.\d+)", 20, "computecapability"),
    # nvidia-smi's table cuts a long name with "..." ("GeForce GTX 105...  Off"): the mark stays, so that a
    # cut name is not shown as a model of its own ("GTX 105")
    _p(
        r"^\|\s+\d+\s+(?P<gpu_name>" + _GPU_BRAND + r"[^|]*?(?:\.\.\.)?)\s+(?:On|Off|WDDM|TCC)\s*\|",
        12,
        *_GPU_BRAND_KEYWORDS,
    ),
    # Keras' progress bar for an epoch whose number of steps it does not know (a dataset or generator of unknown length:
    # Keras 2 "  919/Unknown - 1s 2ms/step", Keras 3 "919/Unknown 1s 2ms/step"): it learns the length by running out
    _p(r"^\s*\d+/(?P<epoch_length_unknown>Unknown)\b", 30, "/unknown"),
    # TensorFlow listed a GPU device: device_lib.list_local_devices() ('name: "/device:GPU:0"'),
    # tf.config.list_physical_devices() ("PhysicalDevice(name='/physical_device:GPU:0'"), or created one
    _p(
        r"(?P<tf_gpu_listed>name: \"/device:GPU:\d+\"|PhysicalDevice\(name='/physical_device:GPU:\d+'|"
        r"Created (?:TensorFlow )?device \S*/device:GPU:\d+)",
        30,
        'name: "/device:gpu:',
        "physicaldevice(name='/physical_device:gpu:",
        "created tensorflow device",
        "created device",
    ),
    # pip's view of the TensorFlow already installed: kept as it is, or removed to make room for another release
    _p(
        r"^\s*Requirement already satisfied: (?P<pip_kept_tf>tensorflow" + _TF_FLAVOUR + r"|tf[-_]nightly)"
        r"(?:[<>=!~]\S*)? in ",
        30,
        "requirement already satisfied: t",
    ),
    # ... and pip names the release it kept last, after the requirer ("... in c:\...\site-packages (from tfx==0.15.0)
    # (2.0.0)"): the TensorFlow installed here
    _p(
        r"^\s*Requirement already satisfied: (?:tensorflow" + _TF_FLAVOUR + r"|tf[-_]nightly)(?:[<>=!~]\S*)? in \S.*?"
        r"(?: \(from [^()]*\))? \((?P<tf_version>" + _TF + r")\)\s*$",
        INSTALLED_RANK,
        "requirement already satisfied: t",
    ),
    _p(
        r"^\s*Found existing installation: (?:tensorflow" + _TF_FLAVOUR + r"|tf[-_]nightly) (?P<tf_uninstalled>" + _TF + r")\s*$",
        30,
        "found existing installation: t",
    ),
    # The log shows a GPU is expected here, though TF may not have found one: the script checks for it,
    # the GPU package, environment or NVIDIA CUDA container is in use, or TF's GPU executor enumerated a
    # device (its NUMA lines).
    # With it, TF's "ignore if you have no GPU" lines about a missing CUDA runtime are the problem asked about.
    _p(
        r"(?i)(?P<gpu_expected>list_physical_devices\(\s*(?:device_type\s*=\s*)?['\"]GPU|is_gpu_available|gpu_device_name\(|"
        r"tfjs-node-gpu|tensorflow[-_]gpu\b|[\\/]envs[\\/][\w.-]*gpu[\w.-]*[\\/]|cuda_gpu_executor\.cc|CUDA_VISIBLE_DEVICES=\d|"
        r"NVIDIA Deep Learning Container License|(?:VGA compatible|3D|Display) controller: NVIDIA)",  # NVIDIA's container banner; lspci
        30,
        "list_physical_devices",
        "is_gpu_available",
        "gpu_device_name(",
        "tfjs-node-gpu",
        "tensorflow-gpu",
        "tensorflow_gpu",
        "gpu\\",
        "gpu/",
        "cuda_gpu_executor.cc",
        "cuda_visible_devices=",
        "nvidia deep learning container license",
        "controller: nvidia",
    ),
    # ... and the sign that this machine or job is meant to run without one: lspci lists a display controller
    # that is not NVIDIA's, the CPU-only package, or the script hides every GPU
    _p(
        r"(?i)(?P<gpu_unexpected>(?:VGA compatible|3D|Display) controller: (?:Intel|Advanced Micro Devices|AMD|ATI|Matrox|"
        r"VMware|Red Hat|Cirrus Logic|ASPEED|Microsoft)\b|tensorflow[-_]cpu\b|CUDA_VISIBLE_DEVICES=(?:-1|''|\"\")(?:\s|$))",
        30,
        "vga compatible controller",
        "3d controller",
        "display controller",
        "tensorflow-cpu",
        "tensorflow_cpu",
        "cuda_visible_devices=",
    ),
    _p(r"(?:deviceMemorySize|totalMemory): (?P<gpu_memory_mb>[\d.]+[GM]iB)", 10, "devicememorysize", "totalmemory"),
    # TF 1.x's device properties: "totalMemory: 11.92GiB freeMemory: 496.40MiB" (1.5+), or a line each (<= 1.4)
    _p(r"^Total memory: (?P<gpu_memory_mb>[\d.]+[GM]iB)\s*$", 10, "total memory:"),
    _p(r"(?:freeMemory: |^Free memory: )(?P<gpu_free_mb>[\d.]+[GM]iB)", 10, "freememory", "free memory:"),
    _p(r"\|\s+\d+MiB /\s*(?P<gpu_memory_mb>\d+)MiB\s+\|", 12, "mib /"),
    _p(r"with (?P<gpu_memory_mb>\d+) MB memory", 30, "mb memory"),
    # --- libraries ------------------------------------------------------------------------
    _p(
        # (Intel's TF extension writes "Could not load dynamic library: libze_loader.so.1: cannot open ...")
        r"(?:Could not load dynamic library|Could not dlopen library|Couldn't open CUDA library):? (?:'(?P<missing>[\w.+-]+?)'|(?P<missing>[\w.+-]+?)(?:;|:(?= )|\.? |$))",
        10,
        "could not load dynamic library",
        "could not dlopen library",
        "couldn't open cuda library",
    ),
    _p(
        # Python's ImportError/OSError, the dynamic linker starting a program ("tensorflow_model_server: error while
        # loading shared libraries: ..."), cuDNN's own loader ("Could not load library X. Error: ..."), TF 1.x's
        # coordinator passing a thread's error on ("Error reported to Coordinator: libnccl.so.2: ..."), TF's loader's
        # dlerror, which names the library that did not load: mostly the one asked for, sometimes one it needs
        # ("Could not load dynamic library 'libnvinfer.so.7'; dlerror: libnvrtc.so.11.1: cannot open shared object file");
        # TF's NotFoundError from load_library (a plugin's or an op library's dependency), Java's UnsatisfiedLinkError, and the loader's "<library>: <its missing dependency>: cannot open ..." form;
        # or the loader's message alone on its line (an ImportError's message quoted without its type, as a title has it);
        # .NET's NativeLibrary on Linux ("Unable to load shared library 'tensorflow' ... consider setting the LD_DEBUG
        # environment variable: libtensorflow: cannot open ...") names the probed file without its .so
        # (a name may hold a version before .so, libusb-1.0.so.0; a posted loader line may stop at the name)
        r"(?:(?:ImportError|OSError|NotFoundError|UnsatisfiedLinkError|error while loading shared libraries|\. Error|Error reported to Coordinator|; dlerror|LD_DEBUG environment variable): |^)"
        r"(?:.*?[\\/])?(?:[\w+-]+\.so(?:\.\d+)*: )?(?P<missing>lib[\w+-]+(?:\.\d+)*(?:\.so[\w.]*)?)(?::? cannot open shared object file|(?<=loading shared libraries: \S+)\s*$)",
        10,
        "cannot open shared object file",
        "error while loading shared libraries",
    ),
    # macOS' dynamic loader: "dlopen(...): Library not loaded: @rpath/libtensorflow_framework.1.dylib" (an @rpath, a path)
    _p(r"Library not loaded: (?:\S*/)?(?P<missing>lib[\w+-]+(?:\.\d+)*\.(?:dylib|so)[\w.]*)", 10, "library not loaded: "),
    # --- pip's "The conflict is caused by:" list: the TensorFlow a package asks for ("mediapipe-model-maker 0.2.1.4
    # depends on tensorflow<2.16 and >=2.10"; pip lists a package's newest release first, which the first line keeps)
    _p(
        # (an environment marker may follow: '; extra == "tf"', '; platform_machine == "arm64"')
        r"^\s*(?P<tf_required_by>[A-Za-z0-9][\w.-]*(?:\[[\w,-]+\])? \d[\w.]*) depends on tensorflow(?P<tf_required>[<>=!~][^\s;]*(?:\s+and\s+[<>=!~][^\s;]*)*)?\s*(?:;.*)?$",
        20,
        "depends on tensorflow",
    ),
    # ... and TensorFlow's own requirement on another package there ("tensorflow 2.12.0 depends on numpy<1.24 and >=1.22")
    _p(
        r"^\s*tensorflow(?:[-_](?:intel|cpu|gpu|macos|aarch64))?(?:\[[\w,-]+\])? \d[\w.]* depends on "
        r"(?P<tf_dependency>[A-Za-z][\w.-]*[<>=!~][^\s,;]*(?:(?:,\s*|\s+and\s+)[<>=!~][^\s,;]*)*)",
        20,
        "depends on",
    ),
    # ... and whether that list names any other requirement than TensorFlow's (and its compiled add-ons', which share
    # its platforms): a list of TensorFlow requirements alone means no release in them has a wheel here
    _p(
        # (a TensorFlow requirement's name is dropped in _propose: a lookahead here would lose the pattern its superset)
        # (the user's own requirement counts whatever it names: a TensorFlow pin of one's own can be what conflicts; a
        # package's requirement with no version does not: nothing but a missing wheel makes it fail)
        # (an installed release the list names, "tensorflow 2.14.0 (Installed)": its wheel is here, so the requirements
        # around it disagree; pose-pipeline beside tensorflow[and-cuda], first_sight_45)
        r"^\s*(?:[A-Za-z0-9][\w.-]*(?:\[[\w,-]+\])? \d[\w.]* depends on (?P<conflict_other>[A-Za-z][\w.-]*)(?:(?P<_conflict_spec>[<>=!~][^\s;]*)|(?P<_listed_installed> \d[\w.]* \(Installed\)))?|The user requested (?P<_user_requested>[A-Za-z][\w.-]*))",
        20,
        "depends on",
        "the user requested",
    ),
    _p(
        # the loader naming another library than the one asked for: that one is there, a library it needs is not
        # (the same library named twice is not one: _propose drops the pair, comparing the names without their digits,
        # as a line class does; a backreference would tell libcudnn.so.8 from .so.9 and break the classes' digit-blindness)
        r"Could not load dynamic library '(?P<needed_by>[\w.+-]+)'; dlerror: (?P<missing_dependency>lib[\w+-]+\.so[\w.]*): cannot open shared object file",
        10,
        "could not load dynamic library",
    ),
    _prose(
        # not a name in parentheses, as advice lists them ("TensorFlow 1.3 or later requires cuDNN 6. ('cudnn64_6.dll')")
        r"(?P<missing>(?:cudart|cublas|cublasLt|cufft|curand|cusolver|cusparse|cudnn|nvcuda|nvrtc|cupti|cudnn_\w+)(?:64)?(?:_\d+)?\.dll)(?:'| not found| is not found)",
        15,
        ".dll",
        skip="l",
    ),
    # --- ROCm: TensorFlow's AMD GPU build (its DNN library is MIOpen, its runtime HIP, its install /opt/rocm)
    _p(
        # (machine evidence only: prose naming ROCm, as TF's configure "No ROCm support will be enabled", is none)
        # (ROCm's stream executor, rocm_driver.cc, and HIP's codes: hipErrorOutOfMemory, older ROCm's "hipError_t(1002)")
        r"(?P<gpu_stack>libMIOpen|miopen_dnn\.cc|/opt/rocm\b|tensorflow[-_]rocm\b|hipError[A-Z]\w+|hipError_t\(\d+\)|"
        r"stream_executor[\\/]rocm[\\/]|with AMDGPU (?:version|ISA)\b|rocBLAS error:)",
        30,
        "miopen",
        "rocm",
        "hiperror",
        "with amdgpu ",
        "rocblas error:",
    ),
    # --- the TensorFlow era of the log's own lines (its source paths, its wordings): a TF no newer than that
    # (among paths the newer bound wins: a log of two runs, TF <= 2.10 lines then TF 2.11-2.14 ones, is no older than
    # the second; an old wording outranks the path on its own line, see below)
    _p(r"(?:^|\s)(?P<tf_at_most>tensorflow/compiler/xla/stream_executor/)[\w/]+\.cc:\d+\]", 59, "stream_executor/"),
    _p(r"(?:^|\s|[\\/])(?P<tf_at_most>tensorflow[\\/]stream_executor[\\/])[\w\\/]+\.cc:\d+\]", 60, "stream_executor"),
    # TF 1.15-2.1's package folder (site-packages/tensorflow_core/python/...)
    _p(r"(?P<tf_at_most>tensorflow_core)[\\/](?:python|core|lite|contrib|compiler|include|_api)[\\/]", 62, "tensorflow_core"),
    # message_catalog.md: TF <= 1.12 graph mode ends an op's error with "[[Node: Conv2D = Conv2D[T=DT_FLOAT, ...]" and
    # names the error "ResourceExhaustedError (see above for traceback): OOM when allocating ..."
    _p(r"(?P<tf_at_most>\[\[Node:) \S+ = \w", 64, "[[node: "),
    # (1.12-ish: "[[{{node dense/MatMul}} = MatMul[...]]]"; TF 1.13 on ends the node line at its name or "(defined at ...)")
    _p(r"\[\[(?P<tf_at_most>\{\{node [^}]+\}\}|node \S+ \(defined at [^)]*\)) += \w+\[", 64, "{{node ", "(defined at "),
    _p(r"\w+Error (?P<tf_at_most>\(see above for traceback\)): ", 64, "(see above for traceback)"),
    # message_catalog.md 5.2: TF 1.0-1.4 announced a GPU with "Creating TensorFlow device (/gpu:0) -> (device: 0, ..."
    _p(
        r"(?P<tf_at_most>Creating TensorFlow device) \((?:/gpu:|/device:GPU:)\d+\) -> \(device: ",
        58,
        "creating tensorflow device",
    ),
    # message_catalog.md's wordings of TF 1.x (and of the cuDNN mismatch up to 2.3) that later releases changed (_ERA_MARKERS):
    # more precise than the source path on the same line, so they outrank the path markers; among themselves (and the
    # device line above) a newer bound wins
    _p(
        r"CuDNN library major and minor version (?P<tf_at_most>needs to match or have higher minor) version",
        53,
        "needs to match or have higher minor",
    ),
    _p(
        r"(?P<tf_at_most>successfully opened CUDA library|Couldn't open CUDA library) \S+",
        54,
        "opened cuda library",
        "couldn't open cuda library",
    ),
    _p(r"(?P<tf_at_most>could not create cudnn handle): ", 55, "could not create cudnn handle"),
    _p(r"Loaded runtime CuDNN library: \d+ (?P<tf_at_most>\(compatibility version) \d+\)", 56, "(compatibility version"),
    _p(
        r"Resource exhausted: (?P<tf_at_most>OOM when allocating tensor with shape)\[[\d,\s]*\]\s*$",
        57,
        "oom when allocating tensor with shape",
    ),
    # --- WSL 2's kernel, as uname prints it ("Linux PC 5.4.72-microsoft-standard-WSL2 #1 SMP ...", older kernels
    # "4.19.104-microsoft-standard"; WSL 1 prints "4.4.0-19041-Microsoft", no kernel of its own)
    _p(r"(?<![\w.])(?P<wsl_kernel>\d+\.\d+\.\d+)(?:\.\d+)*-microsoft-standard\b", 20, "-microsoft-standard"),
    # --- a portable app's own Python (ComfyUI's Windows portable build: "C:\ComfyUI\python_embeded\Lib\site-packages\...")
    _p(r"(?P<embedded_python>[A-Za-z]:\\(?:[^\\\t\"'<>|:*?]+\\)*?python_embed+ed)\\", 20, "python_embed"),
    # --- CPU (which wheels fit) -------------------------------------------------------------
    # /proc/cpuinfo's flags line ("flags : fpu vme ... sse4_2 ... avx avx2 ..."): whether it names AVX and AVX2
    _p(r"^flags\s*: (?=(?P<cpu_avx>.*))(?P<cpu_avx2>.*)$", 20, "flags"),
    # conda's platform ("platform : osx-arm64" in `conda info`, the channels it searched: ".../conda-forge/linux-64")
    _p(r"(?:\bplatform\s*:\s*|conda\S*/)(?:osx|linux|win)-(?P<cpu_arch>64|arm64|aarch64)\b", 20, "osx-", "linux-", "win-"),
    # a wheel pip fetched for this machine (not one it skipped or refused: those name other machines' tags)
    _p(
        # (the last tag before .whl: "manylinux_2_17_aarch64.manylinux2014_aarch64.whl" joins two with a dot)
        r"^\s*(?:pip3? install|Downloading|Using cached|Processing)\s+\S*?[-_.](?:macosx_\d+_\d+|manylinux\w*|musllinux_\d+_\d+|linux|win)_(?P<cpu_arch>x86_64|aarch64|arm64|amd64|armv[67]l)\.whl",
        20,
        ".whl",
    ),
    # uname -a: "Darwin Kernel Version 23.1.0: ... RELEASE_ARM64_T6000 arm64", "... 5.15.0 ... aarch64 GNU/Linux": the
    # machine field, not the kernel's build name (under Rosetta an Apple-silicon kernel reports x86_64 processes), and
    # below what pip, conda and Python say
    _p(r"Darwin Kernel Version .*?RELEASE_\w+\s+(?P<cpu_arch>arm64|x86_64)\b", 25, "release_arm64", "release_x86_64"),
    _p(r"\s(?P<cpu_arch>aarch64|x86_64)\s+(?:\S+\s+){0,2}GNU/Linux\b", 20, "gnu/linux"),
    # Debian's multiarch library folders, Homebrew's Apple-silicon prefix, CPython's Windows build tag,
    # tensorflow-metal's device line ("Metal device set to: Apple M1 Pro")
    _p(r"/(?P<cpu_arch>aarch64|x86_64)-linux-gnu/", 25, "-linux-gnu/"),
    _p(r"/(?P<cpu_arch>arm)-linux-gnueabihf/", 25, "-linux-gnueabihf/"),
    _p(r"(?P<cpu_arch>/opt/homebrew)/", 30, "/opt/homebrew/"),
    _p(r"\[MSC v\.\d+ (?:64|32) bit \((?P<cpu_arch>AMD64|ARM64|Intel)\)\]", 20, "[msc v."),
    _p(r"Metal device set to: Apple (?P<cpu_arch>M\d)\b", 20, "metal device set to"),
    _p(
        r"(?:Successfully opened (?:dynamic|CUDA) library|successfully opened CUDA library) (?P<loaded>[\w.+-]+)",
        10,
        "successfully opened",
    ),
    # `ls -l /usr/local/cuda/lib64/libcud*` (TF 1.x's issue template asked for it): a regular file, not a symlink
    _p(
        r"^-[-rwxs]{9}\S*\s+\d+\s.*?(?P<loaded>lib(?:cudart|cudnn)\.so\.\d+\.\d+(?:\.\d+)*)\s*$",
        25,
        "libcudart.so.",
        "libcudnn.so.",
    ),
]

# Packages from `pip list`, `pip freeze` and `conda list` lines: the ones whose versions must fit TF
# (analyzer.kb.packages checks them). pip list: "numpy   1.26.4"; conda: "numpy  1.26.4  py311h...  conda-forge".
PACKAGE_NAMES = (
    r"tensorflow(?:[-_](?:gpu|cpu|intel|macos|metal|rocm|aarch64|addons|io|io[-_]gcs[-_]filesystem|text|probability|hub|"
    r"decision[-_]forests|recommenders|datasets|estimator|model[-_]optimization))?|intel[-_]tensorflow|tf[-_]keras|tf[-_]nightly|"
    r"keras(?:[-_]nightly)?|numpy|protobuf|ml[-_]dtypes|h5py"
)
PATTERNS.extend(
    [
        _p(
            r"(?i)^\s*(?P<pkg_name>"
            + PACKAGE_NAMES
            + r")\s+(?P<pkg_version>\d+(?:\.\d+)+(?:\.?[A-Za-z_+!][\w.+!]*)?)(?:\s+\S+){0,3}\s*$",
            25,
            "tensorflow",
            "keras",
            "numpy",
            "protobuf",
            "ml-dtypes",
            "ml_dtypes",
            "h5py",
            "tf-keras",
            "tf_keras",
        ),
        # keywords with the name: "==" alone is in every progress bar ("[=====]"). A version's suffix (rc0, .post1,
        # +cu118) starts with a letter or a sign, so its digits and dots are read one way only: "3.000...0" followed
        # by a non-match is not split every way (and the pattern stays plain syntax that line classes can reason about)
        _p(
            r"(?i)^\s*(?P<pkg_name>" + PACKAGE_NAMES + r")==(?P<pkg_version>\d+(?:\.\d+)+(?:\.?[A-Za-z_+!][\w.+!]*)?)\s*$",
            25,
            "tensorflow",
            "keras==",
            "numpy==",
            "protobuf==",
            "ml-dtypes==",
            "ml_dtypes==",
            "h5py==",
            "tf-keras==",
            "tf_keras==",
            "tf-nightly==",
        ),
    ]
)
_PACKAGE_NAME = compile_re(PACKAGE_NAMES, re.IGNORECASE)

# Platform evidence: first strong hint wins (Windows paths and DLLs, Linux .so paths, macOS).
# The keywords are text each pattern cannot match without (lowercase); unlike PATTERNS', they
# are not prefilter keywords, and they are only trusted on ASCII lines (see `feed`).
# PEP 508 environment markers that name a platform this machine is not: one that excludes it (`; sys_platform !=
# "darwin"` in a requirement pip or kohya's checker acts on), and any marker where the line says it does not apply
# (pip's "Ignoring x: markers '...' don't match your environment", uv's "... for split (sys_platform == 'darwin')").
# Elsewhere an `==` marker is on a requirement pip acts on, and names this machine's platform.
_MARKER = r"\b(?:sys_platform|platform_system|platform_machine|os_name)\s*(?:{ops})\s*(?:'[^']*'|\"[^\"]*\")"
_ENV_MARKER = compile_re(_MARKER.format(ops=r"!=|not\s+in"))
_ANY_ENV_MARKER = compile_re(_MARKER.format(ops=r"[=!]=|(?:not\s+)?in"))
WEAK = "~"  # a platform name ending so comes from a weak hint: feed sets it at PLATFORM_WEAK_RANK, not 10
PLATFORM_WEAK_RANK = 12
_PLATFORM = [
    (
        # ... and CPython's own build tag ("[MSC v.1916 64 bit (AMD64)]"), nvidia-smi's Windows driver model column
        # (its table's "  WDDM  |" only: WSL2's `nvidia-smi -a` prints "Current : WDDM" too)
        _p(
            # (a drive with a forward slash, "F:/Ava/...", as Python and Keras print paths: the drives real logs show, C-H,
            # so that "https://" is none)
            r"(?i)[A-Za-z]:\\|(?:^|[\s(=,']|"
            '"'
            # (and conda's subdir of this machine: ".../conda-forge/win-64", "feature:/win-64::__cuda==8.0=0"; its digits as
            # classes, so that a line's digit-blind class decides the pattern as it does the line: pipeline/supersets.py)
            r")[C-H]:/\w|\.dll\b|\bwin(?:dows|10|11|32)\b|%PATH%|\\site-packages\\|\[MSC v\.\d+|\sWDDM\s+\||/win-(?:\d\d|arm\d\d)\b"
            # (.NET's COM error code, "Exception from HRESULT: 0x8007007E"; a PowerShell prompt behind a conda env, "(py310) PS >")
            r"|Exception from HRESULT: 0x|^\([\w.-]+\) PS [>A-Za-z]",
            10,
            ":\\",
            "c:/",
            "d:/",
            "e:/",
            "f:/",
            "g:/",
            "h:/",
            ".dll",
            "win",
            "%path%",
            "\\site-packages\\",
            "[msc v.",
            "wddm",
            "/win-",
            "exception from hresult",
            ") ps ",
        ),
        "windows",
    ),
    (
        # WSL's view of the Windows drives ("/mnt/c/Users/bob/..."): a Linux path, whose /Users/ is no macOS hint
        _p(r"(?:^|[\s(=,']|" '"' r")/mnt/[a-z]/\w", 10, "/mnt/"),
        "linux",
    ),
    (
        _p(
            # (and a macOS wheel pip installs here: "pip install .../tensorflow-2.15.0-cp311-cp311-macosx_14_0_arm64.whl")
            # ... macOS' dynamic loader's own words ("dlopen(.../libtensorflow_io.so, 0x0006): symbol not found in flat
            # namespace"; older macOS wrote its flags in decimal, "dlopen(..., 1):"; "Referenced from:", "Expected in:"),
            # and pip listing releases of tensorflow-macos, which has macOS wheels only ("... requirement
            # tensorflow-macos==2.15.0 (from versions: 2.9.0, ...)")
            # (a home folder whose name a paste starred out, "/Users/******/"; Apple's linker, "ld: library not found for -lx")
            r"\.dylib\b|\bmacOS\b|\b[Dd]arwin\b|/Users/[\w*.-]+/|/Library/Java/|\bld: library not found for -l|/Volumes/\w[^/\s]*/|/opt/homebrew/|/Library/(?:Python|Frameworks)/|Python\.framework/"
            r"|^\s*(?:pip3? install|Downloading|Processing|Using cached)\s+\S*[-_.]macosx_\d+_\d+_\w+\.whl"
            r"|symbol not found in flat namespace|\bdlopen\([^()]*, (?:0x\w+|\d+)\):|^\s*(?:Referenced from|Expected in): "
            r"|requirement tensorflow[-_]macos\S* \(from versions: \d|site-packages/[^/\s]*-macosx-\d+\.\d+-\w+\.egg/|/osx-(?:\d\d|arm\d\d)\b",
            10,
            ".dylib",
            "flat namespace",
            "dlopen(",
            "referenced from: ",
            "expected in: ",
            "requirement tensorflow",
            "-macosx-",
            "macosx_",
            "/volumes/",
            "macos",
            "darwin",
            "/users/",
            "/opt/homebrew/",
            "/library/java/",
            "ld: library not found for",
            "/library/python/",
            "/library/frameworks/",
            "python.framework/",
            "/osx-",
        ),
        "macos",
    ),
    (
        _p(
            # ... and the Linux driver's banner ("NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05"): its
            # architecture as \w+, no literal digit, so that line classes can still decide the pattern (supersets.py)
            # (/site-packages/ only in a path from the root: a macOS user's conda or pyenv prefix is written ~/...,
            # and one under /Users/ is macOS' hint above; Debian's /dist-packages/ is Linux's)
            # (a versioned shared library, "libcudart.so.11.0", is Linux's: macOS writes libfoo.11.dylib)
            # (and apt, Debian's and Ubuntu's package manager: "Reading package lists... Done")
            r"(?i)\.so\.\d|/usr/|/home/|\blinux\b|\bUbuntu\b|/dist-packages/|/proc/|NVIDIA UNIX \w+ Kernel Module"
            r"|^Reading package lists\.\.\.|/linux-(?:\d\d|aarch\d\d|ppc\d\dle)\b",
            10,
            "reading package lists",
            "/linux-",
            "kernel module",
            ".so.",
            "/usr/",
            "/home/",
            "linux",
            "ubuntu",
            "/dist-packages/",
            "/proc/",
        ),
        "linux",
    ),
    (
        # Weak hints (WEAK): a Python extension module is a bare .so on macOS too, and a prefix from the root with
        # site-packages in it is any Unix's; a later strong hint of another platform overrides them
        _p(r"(?i)\.so\b|(?:^|[\s\"'(=])/[^\s\"':]*/site-packages/", 12, ".so", "-packages/"),
        "linux" + WEAK,
    ),
]

KEYWORDS: Tuple[str, ...] = tuple(
    sorted(
        {k for p in PATTERNS for k in p.keywords}
        | {k for p, _ in _PLATFORM for k in p.keywords}
        | {
            "stats:",
            "limit:",
            "inuse:",
            "maxinuse:",
            ".dll",
            ".so",
            ".dylib",
            "/usr/",
            "/home/",
            "/opt/homebrew/",
            "win",
            "ubuntu",
            "linux",
            "macos",
            "darwin",
            "%path%",
            "-packages",
            "python",
            "[msc v.",
            "wddm",
            "kernel module",
        }
    )
)

# PATTERNS by keyword, so that a line whose keywords the prefilter already knows runs only its few.
_ALWAYS = tuple(i for i, p in enumerate(PATTERNS) if not p.keywords)
_BY_KEYWORD: Dict[str, Tuple[int, ...]] = {}
for _i, _pat in enumerate(PATTERNS):
    for _k in _pat.keywords:
        _BY_KEYWORD[_k] = _BY_KEYWORD.get(_k, ()) + (_i,)

_STATS_KEY = _p(
    r"^\s*(?P<key>Limit|InUse|MaxInUse|NumAllocs|MaxAllocSize|Reserved|PeakReserved|LargestFreeBlock):\s+(?P<val>\d+)\s*$", 10
)
_STATS_FACT = {
    "Limit": "bfc_limit_bytes",
    "InUse": "bfc_in_use_bytes",
    "MaxInUse": "bfc_max_in_use_bytes",
    "LargestFreeBlock": "bfc_largest_free_block_bytes",
}


class LineFacts:
    """What one line says about the environment, before any state is consulted.

    It depends on the line's text alone, so the engine keeps it for lines it has seen before
    (repeated lines, a log analysed twice); `FactCollector.feed` applies it in order.
    """

    __slots__ = ("proposals", "stats", "stats_header", "stats_word", "_platform")

    def __init__(self, text: str, message: str, low: Optional[str] = None, found: Optional[Iterable[str]] = None):
        """`low` is `text.lower()` when the caller has it; `found`, the prefilter keywords known to
        be in `low`, when it knows them exactly (an ASCII line): then only their patterns run."""
        if low is None:
            low = text.lower()
        if found is None:
            patterns: Iterable[FactPattern] = [p for p in PATTERNS if p.may_match(low)]
        else:
            idx = set(_ALWAYS)
            for k in found:
                idx.update(_BY_KEYWORD.get(k, ()))
            patterns = [PATTERNS[i] for i in sorted(idx)]
        proposals: List[Tuple[str, str, int]] = []
        for p in patterns:
            m = p.search(text)
            if m:
                proposals += proposed(m, p.rank_at(text, m.start()))
        self.proposals = tuple(proposals)  # (fact, value, rank) for FactCollector.set, in order
        self.stats_header = "Stats:" in message  # a BFC allocator dump starts
        self.stats_word = "stats:" in low
        m = _STATS_KEY.regex.match(message)  # one of the dump's "Key: value" lines
        self.stats: Optional[Tuple[str, str]] = (m.group("key"), m.group("val")) if m else None
        self._platform: object = LineFacts  # not looked for yet (the collector stops once it knows)

    def copy(self) -> LineFacts:
        """A shallow copy (copy.copy's, without its generic path through __reduce_ex__: ~8x faster;
        pipeline.classes makes one per line of a class whose lines have values of their own)."""
        new = LineFacts.__new__(LineFacts)
        new.proposals, new.stats, new.stats_header = self.proposals, self.stats, self.stats_header
        new.stats_word, new._platform = self.stats_word, self._platform
        return new

    def platform(self, text: str) -> Optional[str]:
        """The platform this line hints at (first strong hint wins), or None. A requirement's environment marker
        that excludes a platform (`; sys_platform != "darwin"`) is no hint for it: it is left out."""
        if self._platform is LineFacts:
            if "platform" in text or "os_name" in text:
                other = "t match your environment" in text or "for split (" in text
                text = (_ANY_ENV_MARKER if other else _ENV_MARKER).sub("", text)
            low = text.lower()
            ascii_line = low.isascii()  # lower() folds a few non-ASCII letters to ASCII; (?i) regexes do too
            self._platform = next(
                (
                    name
                    for pattern, name in _PLATFORM
                    if (not ascii_line or pattern.may_match(low)) and pattern.regex.search(text)
                ),
                None,
            )
        return self._platform  # type: ignore[return-value]


class FactCollector:
    """Collects facts from records as they stream by."""

    MAX_LIST = 50

    def __init__(self, input_name: str):
        self.input_name = input_name
        self.values: Dict[str, object] = {}
        self.evidence: Dict[str, Evidence] = {}
        self._rank: Dict[str, int] = {}
        self._stats_line = -10  # line of the last BFC "Stats:" key, to read the block that follows
        self._section: Optional[Tuple[str, int]] = None  # (fact, line) of a header whose value follows

    def only_wanted(self, key: str) -> bool:
        """Is the value kept for `key` one the log only names as wanted (see WANTED_RANK)?"""
        return self._rank.get(key) == WANTED_RANK

    def set(self, key: str, value: str, rank: int, line: int, text: str) -> None:
        if not value:
            return
        if key in LIST_FACTS:
            items = cast(List[str], self.values.setdefault(key, []))  # a list fact's value is always a list
            if value not in items and len(items) < self.MAX_LIST:
                items.append(value)
                self.evidence.setdefault(key, Evidence(self.input_name, line, text[:300]))
            return
        kept = self._rank.get(key)
        if kept is not None and (kept < rank or kept == rank != INSTALLED_RANK) and not _refines(str(self.values[key]), value):
            return
        self.values[key] = value
        self._rank[key] = rank
        self.evidence[key] = Evidence(self.input_name, line, text[:300])

    # A version on a line of its own, read as the fact a header a few lines above names: TF's issue
    # template ("### TensorFlow version" then "2.17.0"), the bug-report form ("TensorFlow version (use
    # command below):"), or a script's `print(tf.__version__)` followed by its output.
    _SECTION = compile_regex(
        r"^\s*(?:#{2,4}\s*(?P<tf>TensorFlow version)\b|#{2,4}\s*(?P<py>Python version)\b|"
        r"[-*]?\s*\**(?P<tf2>TensorFlow version)(?: \(use command below\))?\**:?\s*$|"
        r".*print\(\s*(?:tf|tensorflow)\.__version__\s*(?:,[^()]*)?\)\s*['\"]?\s*$|"
        r"\s*>>>\s*(?:tf|tensorflow)\.__version__\s*$|"  # the REPL echoes the value on the next line
        r"Name: (?P<pkg>[A-Za-z0-9][\w.-]*)\s*$)",  # `pip show tensorflow`, then "Version: 2.3.0"
        regex.I,
    )
    # the value alone, as printed, echoed by the REPL ('2.6.0') or pasted in Markdown bold (**'2.6.0'**)
    # (`print(tf.__version__, keras.__version__)` prints "2.7.0 2.8.0": the first value is TF's)
    _BARE_VERSION = compile_regex(
        r"^\s*(?:Version:\s*)?(?:\*\*)?['\"]?v?(?P<v>" + _TF + r")['\"]?(?:\*\*)?(?:\s+\d+\.\d+\.\d+){0,3}\s*$"
    )
    SECTION_REACH = 3  # lines between the header and its value
    # TF's issue template: `python -c "import tensorflow as tf; print(tf.version.GIT_VERSION, tf.version.VERSION)"`
    # prints "v2.13.0-rc0-2-g1e17a41ea93 2.13.0-rc0" (TF 1.x: "b'v1.12.0-0-ga6d8ffae09' 1.12.0"; source builds: "unknown 1.14.0")
    _GIT_VERSION = compile_regex(r"^\s*(?:b?'?v\d+\.\d+\S*-g[0-9a-f]{6,}'?|unknown)\s+['\"]?(?P<v>" + _TF + r")['\"]?\s*$")
    _VERSIONISH = compile_regex(r"\s*(?:b?')?(?:v\d|unknown )")  # a GIT_VERSION line: worth a look by _section_value

    def _section_value(self, line: int, text: str) -> None:
        m = self._SECTION.match(text)
        if m:
            pkg = m.group("pkg")
            self._section = ("python_version" if m.group("py") else f"package:{pkg}" if pkg else "tf_version", line)
            return
        g = self._GIT_VERSION.match(text)
        if g:
            self.set("tf_version", normalise("tf_version", g.group("v")), 9, line, text)
            return
        if self._section is None or line - self._section[1] > self.SECTION_REACH:
            return
        v = self._BARE_VERSION.match(text)
        if v:
            key = self._section[0]
            if key.startswith("package:"):  # `pip show`'s "Name: tensorflow-gpu" / "Version: 1.15.4": an installed package
                name = nz.package_name(key[8:])
                self.set("packages", f"{name}=={v.group('v')}", INSTALLED_RANK, line, text)
                if name in nz.TF_PACKAGES:
                    self.set("tf_version", normalise("tf_version", v.group("v")), 12, line, text)
            else:
                self.set(key, normalise(key, v.group("v")), 12, line, text)
            self._section = None

    def changes_nothing(self, text: str, facts: LineFacts) -> bool:
        """Would feed() with this line and its LineFacts change nothing? No proposals and no allocator
        figure, nothing for a version section to read, and its platform, if it names one, known at
        the rank feed would give it or better (each test as in feed)."""
        if facts.proposals or facts.stats_header or facts.stats is not None:
            return False
        if (
            self._section is not None
            or "version" in text
            or "Name: " in text
            or (len(text) <= 80 and self._VERSIONISH.match(text))
        ):
            return False
        return ("platform" in self._rank and self._rank["platform"] <= 10) or not facts.platform(text)

    def feed(
        self,
        line: int,
        text: str,
        message: str,
        low: Optional[str] = None,
        found: Optional[Iterable[str]] = None,
        facts: Optional[LineFacts] = None,
    ) -> None:
        """Read the facts of one line (`facts`: its LineFacts, when the caller has them)."""
        if facts is None:
            facts = LineFacts(text, message, low, found)
        if (
            self._section is not None
            or "version" in text
            or "Name: " in text
            or (len(text) <= 80 and self._VERSIONISH.match(text))
        ):
            self._section_value(line, text)
        if facts.stats_header:
            self._stats_line = line
        elif facts.stats and (facts.stats_word or line - self._stats_line <= 2):
            self._stats_line = line
            key, value = facts.stats
            if key in _STATS_FACT:
                self.set(_STATS_FACT[key], value, 10, line, text)
        if "platform" not in self._rank or self._rank["platform"] > 10:
            platform = facts.platform(text)
            if platform:
                weak = platform.endswith(WEAK)
                self.set("platform", platform.rstrip(WEAK), PLATFORM_WEAK_RANK if weak else 10, line, text)
        for key, value, rank in facts.proposals:
            self.set(key, value, rank, line, text)


_DIGITS = re.compile(r"\d")
# TensorFlow and its platform builds (an add-on has wheels of its own: rules/compat/wheel_platforms.yaml's addons)
_TF_OWN = compile_re(r"(?i)tensorflow(?:[-_](?:macos|cpu|gpu|intel|aarch64))?(?:[<>=!~].*)?")


def _refines(old: str, new: str) -> bool:
    """'3.10.13' refines '3.10' (the same version, stated more precisely); '3.1' does not refine '3.10'."""
    return new.startswith(old + ".") and new[len(old) + 1 :][:1].isdigit()


def proposed(m: Any, rank: int) -> Tuple[Tuple[str, str, int], ...]:
    """_propose's facts for a fact pattern's match with this rank. The same values come back line
    after line (a verbose log's library, GPU and version lines), so they are kept: _propose is a
    function of the values and the rank alone."""
    return _proposed(tuple((k, v) for k, v in m.groupdict().items() if v), rank)


@lru_cache(maxsize=4096)
def _proposed(values: Tuple[Tuple[str, str], ...], rank: int) -> Tuple[Tuple[str, str, int], ...]:
    out: List[Tuple[str, str, int]] = []
    _propose(out, dict(values), rank)
    return tuple(out)


def _propose(out: List[Tuple[str, str, int]], g: Dict[str, str], rank: int) -> None:
    """The facts one pattern match states, normalised, as (fact, value, rank) in the order they apply."""
    if "_cc_major" in g:
        g["compute_capability"] = f"{g.pop('_cc_major')}.{g.pop('_cc_minor')}"
    if "_py_minor" in g:
        g["python_version"] = f"{g.pop('python_version')}.{g.pop('_py_minor')}"
    for key in ("missing", "loaded"):
        if key in g:
            lib = g.pop(key)
            out.append((f"{key}_libraries", lib, rank))
            name, ver = nz.library_version(lib)
            if ver and (name == "cudart" or (name in ("cublas", "cufft", "curand", "cusolver", "cusparse") and "." in ver)):
                # a library that loaded shows the CUDA in use; one that could not be loaded only the CUDA wanted
                fact = "cuda_runtime" if key == "loaded" else "cuda_wanted"
                if fact == "cuda_wanted" and name == "cudart":
                    cuda = nz.cuda_named_by(ver)  # (libcudart.so.11.0 asks for any CUDA 11)
                else:
                    cuda = ".".join(nz.cuda_version(ver).split(".")[:2])  # libcudart.so.8.0.27 is CUDA 8.0
                out.append((fact, cuda, rank + 5 if name != "cudart" else rank))
            elif name == "cudnn" and ver and key == "loaded":
                out.append(("cudnn_runtime", ver, 70))
    items = g.pop("_installed", "").split()  # pip's "name-version" items (a name may hold dashes, a version not)
    fetched = g.pop("_fetched", "")
    if fetched and nz.package_name(fetched.rpartition("-")[0]) not in nz.TF_PACKAGES:
        items.append(fetched)
    for item in items:
        name, _, version = item.rpartition("-")
        if version[:1].isdigit() and _PACKAGE_NAME.fullmatch(name):
            out.append(("packages", f"{nz.package_name(name)}=={version}", rank))
    if "pkg_name" in g:
        name = nz.package_name(g.pop("pkg_name"))
        version = g.pop("pkg_version")
        out.append(("packages", f"{name}=={version}", rank))
        if name in nz.TF_PACKAGES:
            out.append(("tf_version", normalise("tf_version", version), rank))
    if "needed_by" in g and _DIGITS.sub("", g["needed_by"]) == _DIGITS.sub("", g["missing_dependency"]):
        del g["needed_by"], g["missing_dependency"]  # the library asked for is the one missing: no dependency
    if "_user_requested" in g:
        g["conflict_other"] = g.pop("_user_requested")
    elif "_listed_installed" in g:  # an installed release in the list: whatever it is, this machine has its wheel
        g["conflict_other"] = f"{g['conflict_other']} {g.pop('_listed_installed').strip()}"
    elif "conflict_other" in g and ("_conflict_spec" not in g or _TF_OWN.fullmatch(g["conflict_other"])):
        # TensorFlow's own requirement, or one with no version (it can fail only for want of a wheel, not by a version)
        del g["conflict_other"]
    if "resolver" in g:
        g["resolver"] = "poetry"
    if "tf_dependency" in g and g["tf_dependency"].lower().startswith("tensorflow"):
        del g[
            "tf_dependency"
        ]  # (the extra's own release of TensorFlow: "tensorflow[and-cuda] 2.14.0 depends on tensorflow==2.14.0")
    elif "tf_dependency" in g:  # (the same "and" as below)
        g["tf_dependency"] = re.sub(r"\s*,\s*|\s+and\s+", ",", g["tf_dependency"].strip())
    if "tf_required" in g:  # pip's "<2.16 and >=2.10": a specifier set as pip itself reads one
        g["tf_required"] = re.sub(r"\s+and\s+", ",", g["tf_required"].strip())
    if "tf_required_by" in g:  # every package's TensorFlow requirement in the list, "name:spec" (its releases are alternatives)
        out.append(
            ("tf_requirements", f"{g['tf_required_by'].split()[0].split('[')[0].lower()}:{g.get('tf_required') or ''}", rank)
        )
    for key, value in g.items():
        if not key.startswith("_"):
            out.append((key, normalise(key, value), rank))


def gpu_shown(facts: Mapping[str, object]) -> bool:
    """Does the log show this machine has, or is meant to use, an NVIDIA GPU? (The rules' test for
    whether TF's "could not load a CUDA library" lines matter here: the `gpu_shown` fact.)"""
    loaded = facts.get("loaded_libraries") or []
    return any(
        facts.get(k)
        for k in ("gpu_name", "compute_capability", "gpu_memory_mb", "gpu_expected", "driver_version", "driver_cuda_version")
    ) or any(lib in loaded for lib in ("libcuda.so.1", "nvcuda.dll"))  # type: ignore[operator]


def merge_facts(base: Dict[str, object], extra: Mapping[str, object]) -> Dict[str, object]:
    """Facts of `base` overridden by `extra` (used for a finding's own facts over the report's)."""
    out = dict(base)
    out.update({k: v for k, v in extra.items() if v not in (None, "", [])})
    return out


def refined(facts: Mapping[str, object], known: Mapping[str, object]) -> Dict[str, object]:
    """`facts`, each version among them replaced by `known`'s more precise statement of the same version (a
    rule read "CPython 3.11" in uv's hint; the log's "Using Python 3.11.13 environment" says which 3.11)."""
    out = dict(facts)
    for k, v in facts.items():
        more = known.get(k)
        if (
            k.endswith("_version")
            and isinstance(v, str)
            and isinstance(more, str)
            and v[-1:].isdigit()
            and more.startswith(v + ".")
        ):
            out[k] = more
    return out


def normalise_finding_facts(groups: Dict[str, Optional[str]]) -> Dict[str, str]:
    """Named groups of a rule match, normalised like report facts where the name is one."""
    out: Dict[str, str] = {}
    for k, v in groups.items():
        if v is None:
            continue
        out[k] = normalise(k, v)
        if k == "library":  # rules name the library that could not be loaded: the CUDA it belongs to is wanted
            name, ver = nz.library_version(v)
            if name == "cudart" and ver:
                out.setdefault("cuda_wanted", nz.cuda_named_by(ver))
    return out
