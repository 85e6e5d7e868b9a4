"""Does a fix fit the machine in the log? Versions a fix proposes, checked against the compat tables.

A fix is text written for many machines. Before it is shown, the TensorFlow releases it proposes
(`pip install "tensorflow<2.11"`, `"tensorflow[and-cuda]==2.16.1"`, "TF >= 2.15", "TensorFlow 1.15")
and the platform it assumes (`tensorflow[and-cuda]` is Linux/WSL2 only; `.so`/`LD_LIBRARY_PATH`
are Linux, `.dll`/`%PATH%` Windows) are compared with the facts of the log it explains: the Python
version (TF releases exist for a range of Pythons: rules/compat/tested_builds.yaml), the platform,
and combinations known to break (rules/compat/packages.yaml `known_bad`). A fix that cannot work
there is not shown (`misfit` says why), so a Python 3.8 user is not told to install a TF that has
no wheel for 3.8, nor a Windows user to set LD_LIBRARY_PATH.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from analyzer.core.cache import compile_re

from .compat import _mm, compat

MinorVersion = Tuple[int, int]

# "tensorflow[and-cuda]==2.16.1", "tensorflow<2.11", "tensorflow-gpu==1.15", "tensorflow~=2.15.0"
_PIN = compile_re(r"\btensorflow(?:-gpu)?(?P<extra>\[and-cuda\])?\s*(?P<op>==|~=|>=|<=|<|>)\s*(?P<ver>\d+\.\d+(?:\.\d+)?)")
_AND_CUDA = compile_re(r"\btensorflow\[and-cuda\]")
_TF_KERAS_INSTALL = compile_re(r"\bpip3? install\b[^`\n&;|]*?\btf[-_]keras\b")  # Keras 2 as its own package (one command)
# prose: "TF >= 2.15", "TensorFlow 1.15", "TF <= 2.10", a range "TF 2.4-2.14"
_PROSE = compile_re(
    r"\b(?:TF|TensorFlow)\s*(?P<op>>=|<=|==|<|>)?\s*(?P<ver>[12]\.\d+)(?!\.\d|\d)(?:\s*[-\u2013]\s*(?P<hi>[12]\.\d+)(?!\.\d|\d))?"
)
_LINUX_ONLY = compile_re(r"LD_LIBRARY_PATH|\blib\w+\.so\b|\bldconfig\b|/usr/local/cuda|\bapt(?:-get)? install\b")
_WINDOWS_ONLY = compile_re(r"\.dll\b|%PATH%|\bwhere \w+\.dll|C:\\\\")
# a fix that names two platforms ("`LD_LIBRARY_PATH` on Linux, `DYLD_LIBRARY_PATH` on macOS") gives each its own form
_BOTH_NAMED = compile_re(r"\(Linux\)|\(Windows\)|\b(Linux|Windows|macOS)\b.*\b(?!\1\b)(?:Linux|Windows|macOS)\b", re.S)
# a fix that makes an environment with a Python of its own ("conda create -n tf python=3.6", "py -3.7 -m venv",
# "python3.7 -m venv"): its TensorFlow is checked against that Python, not the log's
_NEW_PYTHON = compile_re(
    r"\b(?:(?:conda|mamba) create\b[^`\n]*?\bpython=(?P<conda>\d+\.\d+)|py -(?P<launcher>\d+\.\d+) -m venv\b|python(?P<venv>\d+\.\d+) -m venv\b)"
)
_MOVE_TO_WSL = compile_re(r"(?i)\b(?:use|inside|in) WSL2\b")  # a Windows user told to move to WSL2, where [and-cuda] installs
# installs of NVIDIA's libraries: the [and-cuda] extra, nvidia-*-cu1x wheels, conda's cudatoolkit
# (in an install command: a fix that only names them, "for a conda cudatoolkit package", installs nothing)
_CUDA_INSTALL = compile_re(
    r"\b(?:pip3?|conda|mamba) install\b[^`\n]*?(?:\btensorflow\[and-cuda\]|\bnvidia-[\w-]+-cu1\d\b|\bcudatoolkit\b)"
)
# the same told in words: "Install cuDNN 8.1 ...", "Install the cuDNN your TensorFlow release was built with ..."
_CUDA_INSTALL_PROSE = compile_re(r"^(?:Install|Download) (?:the )?(?:NVIDIA'?s? )?(?:cuDNN|CUDA)\b")
_PROSE_PLATFORM = compile_re(r"\b(?:On|on|For|for) (?:native )?(?P<plat>Windows|Linux|macOS)\b")


@lru_cache(maxsize=1)
def _tf_keys() -> List[MinorVersion]:
    return sorted({k for (_, k) in compat().builds})


@lru_cache(maxsize=4096)
def proposed_tf(fix: str, prose: bool = True) -> Optional[List[MinorVersion]]:
    """The TF releases (major, minor) a fix proposes installing or using, or None when it names none. Each
    release a fix names is an alternative ("use WSL2 with `tensorflow[and-cuda]`, or `tensorflow<2.11`";
    "TF 2.15-2.21 CUDA 12; TF 2.4-2.14 CUDA 11.x"): the fix fits where any of them does. `prose`: also the
    releases prose names ("TF >= 2.15"), which may say when the fix applies rather than what to install."""
    keys = _tf_keys()
    and_cuda = {k for k in keys if k >= (2, 14)}  # the [and-cuda] extra exists from TF 2.14 (tested_builds facts)
    proposals: List[set] = []
    for m in _PIN.finditer(fix):
        v = _mm(m.group("ver"))
        if v is not None:
            sel = {k for k in keys if _cmp(k, m.group("op") or "==", v)}
            proposals.append(sel & and_cuda if m.group("extra") else sel)
    if any(not _PIN.match(fix, m.start()) for m in _AND_CUDA.finditer(fix)):  # the extra without a version
        proposals.append(and_cuda)
    if _TF_KERAS_INSTALL.search(fix):  # tf-keras is released with TensorFlow from its first row on (packages.yaml)
        proposals.append({k for k in keys if k >= _first_tf_keras()})
    for m in _PROSE.finditer(fix) if prose else ():
        v, hi = _mm(m.group("ver")), _mm(m.group("hi") or "")
        if v is not None:
            proposals.append(
                {k for k in keys if v <= k <= hi} if hi is not None else {k for k in keys if _cmp(k, m.group("op") or "==", v)}
            )
    return sorted(set().union(*proposals)) if proposals else None


@lru_cache(maxsize=1)
def _first_tf_keras() -> MinorVersion:
    """The first TensorFlow minor a tf-keras release was made for (rules/compat/packages.yaml companions)."""
    firsts = [_mm(str(rec.get("tf", "")).split("-")[0]) for rec in compat().companions("tf-keras")]
    return min((f for f in firsts if f is not None), default=(2, 15))


def _cmp(k: MinorVersion, op: str, v: MinorVersion) -> bool:
    return {"==": k == v, "~=": k == v, ">=": k >= v, "<=": k <= v, "<": k < v, ">": k > v}[op]


def misfit(fix: str, facts: Dict[str, object]) -> Optional[str]:
    """Why `fix` cannot work on the machine these facts describe, or None when nothing rules it out."""
    return _misfit(
        fix,
        str(facts.get("platform") or ""),
        str(facts.get("python_version") or ""),
        str(facts.get("compute_capability") or ""),
        str(facts.get("cpu_arch") or ""),
        str(facts.get("gpu_stack") or ""),
    )


@lru_cache(maxsize=8192)
def _misfit(
    fix: str, platform: str, python_version: str, compute_capability: str = "", arch: str = "", gpu_stack: str = ""
) -> Optional[str]:
    """misfit() on the only facts it reads, remembered: rules' fixes repeat in every report."""
    if gpu_stack == "rocm" and (_CUDA_INSTALL.search(fix) or _CUDA_INSTALL_PROSE.search(fix)):
        return "installs NVIDIA's CUDA libraries; this is TensorFlow's ROCm build for AMD GPUs"
    to_wsl = platform == "windows" and bool(_MOVE_TO_WSL.search(fix))  # WSL2 is another machine: its own Python and wheels
    if platform == "windows":
        if _AND_CUDA.search(fix) and not to_wsl:
            return "tensorflow[and-cuda] has Linux/WSL2 wheels only"
        if _LINUX_ONLY.search(fix) and not _WINDOWS_ONLY.search(fix) and not _BOTH_NAMED.search(fix):
            return "Linux library names or paths on a Windows machine"
    if platform == "macos" and _AND_CUDA.search(fix):
        return "tensorflow[and-cuda] has Linux/WSL2 wheels only (NVIDIA's CUDA wheels): a Mac's GPU is Apple's or AMD's"
    if (
        platform in ("linux", "macos")
        and _WINDOWS_ONLY.search(fix)
        and not _LINUX_ONLY.search(fix)
        and not _BOTH_NAMED.search(fix)
    ):
        return "Windows names on a non-Windows machine"
    m = _PROSE_PLATFORM.search(fix)
    if m and platform and m.group("plat").lower() != platform and not _BOTH_NAMED.search(fix):
        return f"written for {m.group('plat')}, the log is from {platform}"
    versions = proposed_tf(fix)
    if versions is not None and not to_wsl:
        if not versions:
            return "proposes no TensorFlow release that exists"
        own = _NEW_PYTHON.search(fix)
        py = _mm(next(v for v in own.groups() if v)) if own else _mm(python_version)
        if py is not None:
            fits = [k for k in versions if _python_ok(k, py, platform)]
            if not fits:
                return f"no TensorFlow release it proposes supports Python {py[0]}.{py[1]}"
        installs = proposed_tf(fix, prose=False) if platform and arch else None  # what a pip command would fetch
        if installs and not any(_wheel_for(k, py, platform, arch) for k in installs):
            return f"no TensorFlow release it installs has a wheel for {platform} {arch}" + (
                f" and Python {py[0]}.{py[1]}" if py else ""
            )
        bad = _known_bad(fix)
        if bad:
            return bad
        if _mm(compute_capability) is not None and _AND_CUDA.search(fix):
            return _no_code_for_gpu(fix, versions, py, platform, compute_capability)
    return None


def _no_code_for_gpu(fix: str, versions: List[MinorVersion], py: Optional[MinorVersion], platform: str, cc: str) -> Optional[str]:
    """A GPU install (`tensorflow[and-cuda]`, TF >= 2.14, whose wheels' GPU code the tables list) that has no code
    for this compute capability (rules/compat/compute_capability.yaml): every release it names, or, without a
    version, the one pip installs (the newest for this Python), e.g. a Maxwell GPU (5.x) and TF >= 2.18, a
    Kepler 3.5 and TF >= 2.15. Other fixes may be about anything but the GPU, and stay."""
    chosen = versions
    if not _PIN.search(fix):
        fitting = [k for k in versions if py is None or _python_ok(k, py, platform)]
        chosen = fitting[-1:]
    if chosen and all(compat().cc_support(cc, f"{k[0]}.{k[1]}") == "no" for k in chosen):
        newest = f"{chosen[-1][0]}.{chosen[-1][1]}"
        return f"TensorFlow {newest} has no GPU code for compute capability {cc}"
    return None


def _python_ok(tf: MinorVersion, py: MinorVersion, platform: str) -> bool:
    return compat().supports_python(tf, py, platform or None)


def _wheel_for(tf: MinorVersion, py: Optional[MinorVersion], platform: str, arch: str) -> bool:
    """Has `tensorflow` release `tf` a wheel for this machine (and Python, where known)? True where the
    wheel table does not list the release (rules/compat/wheel_platforms.yaml)."""
    return compat().has_wheel(tf, py, platform, arch) is not False


def _known_bad(fix: str) -> Optional[str]:
    """A fix that pins a combination rules/compat/packages.yaml lists as broken."""
    for rec in compat().tables.get("packages", {}).get("known_bad") or []:
        pkgs = rec.get("packages") or {}
        tf = pkgs.get("tensorflow") if len(pkgs) == 1 else None  # a bad release by itself, not a bad pair
        if not tf or not re.fullmatch(r"\d+\.\d+\.\d+", str(tf)):
            continue
        extra = r"\[and-cuda\]" if "[and-cuda]" in str(rec.get("what")) else r"(?:\[and-cuda\])?"
        if re.search(r"\btensorflow" + extra + "==" + re.escape(str(tf)) + r"\b", fix):
            return f"pins a known-bad combination: {rec.get('what')} ({rec.get('source')})"
    return None


# `export NAME=value` in a fix (a POSIX shell's): on Windows, cmd's `set` and PowerShell's `$env:` instead. Values
# that read other variables ($LD_LIBRARY_PATH, $PYTHONPATH) are left alone: those fixes are POSIX ones (misfit drops
# the Linux-only ones on Windows).
_EXPORT = compile_re(r"`export (?P<name>[A-Za-z_]\w*)=(?P<value>[^`$\s]+)(?:\s+#\s*(?P<note>[^`]*))?`")
_EXPORT_LINE = compile_re(
    r"^export (?P<name>[A-Za-z_]\w*)=(?P<value>[^`$\s]+)(?:\s+#\s*(?P<note>.*))?$"
)  # a fix that is the command
# tf-keras installed bare: pip takes the newest, whose `tensorflow>=2.N,<2.N+1` pin replaces this TensorFlow
# (packages.yaml companions): the one of this TensorFlow's minor instead
_TF_KERAS_BARE = compile_re(r"`pip install (?:\"?tf[-_]keras\"?|\"tf[-_]keras~=<your TF major\.minor>\")`")
# a pip command at the start of a code span or of the fix: `pip install ...`, `python -m pip uninstall ...`
_PIP = compile_re(r"(?:(?<=`)|^)(?:python3? -m )?pip3? (?=install |uninstall |show |list\b|check\b)")


def for_machine(fix: str, facts: Dict[str, object]) -> str:
    """A fix as this machine's shell and Python take it: `export TF_FORCE_GPU_ALLOW_GROWTH=true` shown to a Windows
    user is `set ...` (cmd) or `$env:...` (PowerShell); `pip install ...` where a portable app runs its own Python
    (ComfyUI's python_embeded) goes through that Python, not whichever pip is on the PATH; tf-keras is pinned to
    this TensorFlow's minor (the newest would bring its own TensorFlow); TF 2's memory-growth call is TF 1's
    session option on a TF 1.x machine (tf_version, or tf_at_most: the log's own format), as TF_FORCE_GPU_ALLOW_GROWTH is
    on TF 1.11 and older, and `tf.sysconfig.get_build_info()` the tested-build table before TF 2.3; on Windows `grep` and
    `cp` become cmd's `findstr` and `copy`, and `free -h` Task Manager."""
    platform, embedded = str(facts.get("platform") or ""), str(facts.get("embedded_python") or "")
    if "GROWTH" in fix or "growth" in fix:
        fix = _growth_for(fix, facts)
    if "get_build_info" in fix and _older_than(facts, "tf.sysconfig.get_build_info"):
        fix = _BUILD_INFO_COMMAND.sub(_BUILD_TABLE_COMMAND, fix)
        fix = _BUILD_INFO.sub(lambda m: _BUILD_TABLE + (" names it" if m.group(1) else ""), fix)
    if "tf" in fix and _TF_KERAS_BARE.search(fix):
        keras2 = str(facts.get("keras2_requirement") or "")
        pinned = keras2 if keras2.startswith("tf-keras") else "tf-keras==<your TF major.minor>.*"
        fix = _TF_KERAS_BARE.sub(f'`pip install "{pinned}"`', fix)
    if platform == "windows" and "export " in fix:
        fix = _EXPORT_LINE.sub(_windows_set, _EXPORT.sub(_windows_set, fix))
    if (
        platform == "windows" and ("| grep" in fix or "`cp " in fix) and "findstr" not in fix
    ):  # (unless it gives both)  # cmd has findstr and copy, not grep and cp
        fix = _CP.sub(lambda m: f"`copy {m.group(1).replace('/', chr(92))} ", _PIP_GREP.sub(_findstr, fix))
    if platform == "windows" and "`free -h`" in fix:  # Linux's memory report; Windows has its own
        fix = fix.replace("`free -h`", "Task Manager's Performance tab, or `systeminfo`")
    if embedded and "pip" in fix:
        fix = _PIP.sub(lambda m: f'"{embedded}\\python.exe" -m pip ', fix)
    if "tensorflow" in fix and "Python" not in fix and not facts.get("python_version"):
        fix = _with_pin_pythons(fix, platform, str(facts.get("cpu_arch") or ""))
    return fix


# a pip command that pins TensorFlow at or below a release ("tensorflow<2.16", "tensorflow==2.15.*")
_UPPER_PIN = compile_re(
    r'\bpip3? install\b[^`\n]*?"tensorflow(?:-gpu|-cpu)?(?:\[and-cuda\])?(?P<op><=|<|==)(?P<ver>\d+\.\d+)[\d.*]*"'
)


def _with_pin_pythons(fix: str, platform: str, arch: str) -> str:
    """A fix that pins TensorFlow at or below a release, shown for a log that names no Python, says which Pythons
    the newest release it allows has wheels for (on this platform and CPU, where known): TF 2.15 has none for
    Python 3.12, and pip's refusal would be the next error. (Where the Python is known, misfit drops a fix that
    cannot install.)"""
    m = _UPPER_PIN.search(fix)
    release = _mm(m.group("ver")) if m else None
    if release is not None and m and m.group("op") == "<":  # the newest release below the bound
        release = max((k for k in _tf_keys() if k < release), default=None)
    if release is None:
        return fix
    name = f"{release[0]}.{release[1]}"
    pythons = compat().wheel_python_text(name, platform or None, arch or None) or compat().python_ranges_for(
        name, platform or None
    )
    if not pythons:
        return fix
    fix = fix.rstrip()
    return f"{fix}{'' if fix.endswith(('.', '!', '?')) else '.'} TensorFlow {name} has wheels for Python {pythons} only."


# TF 2's memory-growth call and the TF_FORCE_GPU_ALLOW_GROWTH variable, in a fix; on a TensorFlow older than the first
# release with them (packages.yaml `since`), TF 1's session option instead
_MEMORY_GROWTH = compile_re(r"`tf\.config\.experimental\.set_memory_growth\(\w+, True\)`")  # (a call in its own code span)
# the call as the other option in a command's note ("export TF_FORCE_GPU_ALLOW_GROWTH=true  # or tf.config...(gpu, True)
# right after import"), with the when of that call
_MEMORY_GROWTH_NOTE = compile_re(r"(?<=# or )tf\.config\.experimental\.set_memory_growth\(\w+, True\)[^`/]*$")
_GROWTH_VARIABLE = compile_re(r"`(?:export )?TF_FORCE_GPU_ALLOW_GROWTH=true`|\bTF_FORCE_GPU_ALLOW_GROWTH=true\b")
_GROWTH_ALTERNATIVE = compile_re(
    r"\s*\(or `(?:export )?TF_FORCE_GPU_ALLOW_GROWTH=true`\)|,? (?:or|/) `(?:export )?TF_FORCE_GPU_ALLOW_GROWTH=true`"
)
_GROWTH_COMMAND = compile_re(r"^export TF_FORCE_GPU_ALLOW_GROWTH=true\b.*$")  # a fix that is the command (and its # note)
_TF1_GROWTH = "`config.gpu_options.allow_growth = True` in the `tf.ConfigProto()` given to the TF 1.x session"
# tf.sysconfig.get_build_info() (TF 2.3 on, packages.yaml `since`): before it, the tested-build table names a build's CUDA
_BUILD_INFO_COMMAND = compile_re(r"`python -c \"import tensorflow as tf; print\(tf\.sysconfig\.get_build_info\(\)[^`]*`")
_BUILD_INFO = compile_re(r"`tf\.sysconfig\.get_build_info\(\)`( prints it| names it)?")
_BUILD_TABLE = "the tested-build table at https://www.tensorflow.org/install/source#gpu"
_BUILD_TABLE_COMMAND = '`python -c "import tensorflow as tf; print(tf.__version__)"` and ' + _BUILD_TABLE


def _growth_for(fix: str, facts: Dict[str, object]) -> str:
    """A memory-growth fix in the form the log's TensorFlow reads: TF 1.x has no `set_memory_growth`, TF 1.11 and
    older no TF_FORCE_GPU_ALLOW_GROWTH; each becomes the session option, given once where the fix offered both as
    one option. A fix that gives TF 1's form already (`allow_growth`) keeps its own words."""
    if "allow_growth" in fix:
        return fix
    if "set_memory_growth" in fix and _older_than(facts, "tf.config.experimental.set_memory_growth"):
        fix = _MEMORY_GROWTH.sub(_TF1_GROWTH, fix)
        fix = _MEMORY_GROWTH_NOTE.sub("config.gpu_options.allow_growth = True in the TF 1.x session's ConfigProto", fix)
    if "TF_FORCE_GPU_ALLOW_GROWTH" in fix and _older_than(facts, "TF_FORCE_GPU_ALLOW_GROWTH"):
        fix = fix.replace(f" (or {_TF1_GROWTH} for each GPU before anything runs)", "")  # the two were one option
        if _TF1_GROWTH in fix:
            fix = _GROWTH_ALTERNATIVE.sub("", fix)
        fix = _GROWTH_VARIABLE.sub(_TF1_GROWTH, _GROWTH_COMMAND.sub(_TF1_GROWTH, fix))
    return fix


def _older_than(facts: Dict[str, object], name: str) -> bool:
    """Is the log's TensorFlow (its version, or the newest its log format allows) older than the first release that
    has `name` (rules/compat/packages.yaml `since`)?"""
    first = _mm(compat().since(name) or "")
    if first is None:
        return False
    for key in ("tf_version", "tf_at_most"):
        v = _mm(str(facts.get(key) or ""))
        if v is not None:
            return v < first
    return False


_PIP_GREP = compile_re(r"pip list \| grep (?:-[a-zA-Z]+ )*(?P<q>\"?)(?P<words>[^`\"]+)(?P=q)")
_CP = compile_re(r"`cp (\S+) ")


def _findstr(m: re.Match[str]) -> str:
    """`pip list | grep -i -E "^(keras|tensorflow)"` as cmd's `pip list | findstr /i "keras tensorflow"` (its words are alternatives)."""
    words = m.group("words").strip("^()").replace("(", "").replace(")", "").split("|")
    return f'pip list | findstr /i "{" ".join(w.strip() for w in words if w.strip())}"'


def _windows_set(m: re.Match[str]) -> str:
    name, value = m.group("name"), m.group("value").strip("'\"")
    note = f" ({m.group('note').strip()})" if m.group("note") else ""
    return f'`set {name}={value}` in cmd, `$env:{name}="{value}"` in PowerShell{note}'
