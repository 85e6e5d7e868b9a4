"""Python packages that do not go with the TensorFlow next to them, from a pasted package list.

`pip list`, `pip freeze`, `conda list` and `pip show` output in a log gives the `packages` fact
("name==version" items). Checked against rules/compat/packages.yaml (each record sourced): what TF's
own wheel requires (keras, numpy, protobuf, ml-dtypes, h5py), the TF releases an add-on was built
for (tensorflow-addons/-io/-text/-probability/-decision-forests, tf-keras), and combinations known to
break. A conflict is a finding even when the log has no traceback (rule deps-package-list-conflict).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from analyzer.core.normalize import TF_PACKAGES, package_name

from .compat import _mm as _minor_of
from .compat import compat

if TYPE_CHECKING:  # `packaging` is imported where a package list is checked: ~5 ms of a small log's start-up
    from packaging.version import Version


def parse_packages(items: Iterable[str]) -> Dict[str, str]:
    """{"tensorflow-probability": "0.23.0", ...} from "name==version" items in the log's order; names as pip spells
    them. A later item of a package wins: the environment as the log leaves it (pip's second "Successfully installed"
    replaced what its first one put there, as the TensorFlow it is compared with is the later one)."""
    out: Dict[str, str] = {}
    for item in items:
        name, _, version = str(item).partition("==")
        if name and version:
            out[package_name(name)] = version
    return out


def _version(v: str) -> Optional[Version]:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(v)
    except InvalidVersion:
        m = re.match(r"\d+(?:\.\d+)*", v)
        return Version(m.group(0)) if m else None


def _mm(v: Optional[Version]) -> Optional[Tuple[int, int]]:
    return (v.major, v.minor) if v is not None else None


def _in(spec: str, installed: Version) -> Optional[bool]:
    """Does `installed` satisfy a table's version spec? None when the spec is not one tflog reads."""
    from packaging.version import Version

    spec = str(spec).strip()
    if spec == "*":
        return True
    if re.fullmatch(r"[<>=!~].*", spec):
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            return SpecifierSet(spec).contains(installed, prereleases=True)
        except InvalidSpecifier:
            return None
    m = re.fullmatch(r"(\d+(?:\.\d+)*)-(\d+(?:\.\d+)*)", spec)  # an inclusive range, by as many parts as given
    if m:
        lo, hi = Version(m.group(1)), Version(m.group(2))
        parts = len(hi.release)
        return lo.release[: len(lo.release)] <= installed.release[: len(lo.release)] and installed.release[:parts] <= hi.release
    if re.fullmatch(r"\d+(?:\.\d+)*", spec):
        want = Version(spec).release
        return installed.release[: len(want)] == want
    return None


def package_conflicts(packages: Dict[str, str], tf_version: Optional[str]) -> List[str]:
    """Sentences naming each pair that does not go together, each with its source."""
    return list(_checked(tuple(sorted(packages.items())), tf_version)[0])


def cpu_package_beside_gpu(packages: Dict[str, str]) -> Dict[str, str]:
    """cpu_package_beside_gpu ('tensorflow 1.15.4 and tensorflow-gpu 1.15.4') and gpu_package_pin when a package list
    holds both and `tensorflow` is a release from before the one whose `tensorflow` package has the GPU support
    (tested_builds fact gpu_in_tensorflow_package): the two install the same `tensorflow` folder, so the one installed
    last is what Python imports, and the CPU-only one may have replaced the GPU build (another package that requires
    `tensorflow` pulls it in). {} otherwise."""
    if "tensorflow-gpu" not in packages or "tensorflow" not in packages:  # (most lists: no version parsing at all)
        return {}
    fact = compat().build_facts.get("gpu_in_tensorflow_package")
    cpu, first = _minor_of(packages["tensorflow"]), _minor_of(str(fact.get("tf"))) if fact else None
    if cpu is None or first is None or cpu >= first:
        return {}
    gpu = packages["tensorflow-gpu"]
    return {
        "cpu_package_beside_gpu": f"tensorflow {packages['tensorflow']} and tensorflow-gpu {gpu}",
        "gpu_package_pin": f"tensorflow-gpu=={gpu}",
    }


# The distributions that each install the `tensorflow` folder (https://github.com/tensorflow/tensorboard/issues/1907 for
# tensorboard's pair): TensorFlow's builds, and its nightly, whose version is not a release's
TF_DISTRIBUTIONS = TF_PACKAGES | {"tf-nightly"}


def tf_builds_mixed(packages: Dict[str, str]) -> Dict[str, str]:
    """tf_builds_mixed ('tensorflow 2.12.0 and intel-tensorflow 2.11.0') when a package list holds TensorFlow
    distributions of different releases: both wrote the `tensorflow` folder, which now holds a mix of their files. {}
    otherwise (one distribution, or several of one release: `tensorflow` and the `tensorflow-intel` it requires on
    Windows)."""
    present = [(name, version) for name, version in packages.items() if name in TF_DISTRIBUTIONS]
    if len(present) < 2 or len({_version(v) for _, v in present}) < 2:
        return {}
    return {"tf_builds_mixed": " and ".join(f"{name} {version}" for name, version in present)}


def requirement_pins(packages: Dict[str, str], tf_version: Optional[str]) -> List[str]:
    """The requirements of the TensorFlow here that the installed packages break, as pip takes them
    ('keras>=2.6.0,<2.7'): what to install beside it. TensorFlow's own pins are not always enough to get them: TF 2.6.1
    declared keras~=2.6, which let pip pull keras 2.7 (the table holds the range that works)."""
    return list(_checked(tuple(sorted(packages.items())), tf_version)[1])


@lru_cache(maxsize=1024)
def _checked(items: Tuple[Tuple[str, str], ...], tf_version: Optional[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(conflict sentences, requirement pins), remembered: the same package list recurs in log after log (one
    machine's CI, a pre-commit hook). Also between runs, in the disk cache (`_store`): reading versions needs
    `packaging`, whose import and patterns cost ~5 ms of a small log's start-up."""
    store = _store()
    saved = store.get((items, tf_version)) if store is not None else None
    if isinstance(saved, tuple) and len(saved) == 2:
        return saved
    packages = dict(items)
    tf = _version(tf_version or packages.get("tensorflow", "") or packages.get("tensorflow-gpu", "") or "")
    out = (
        (_check(packages, tf), tuple(f"{name}{req}" for name, req, _have, _source in _unmet_requirements(packages, tf)))
        if tf
        else ((), ())
    )
    if store is not None:
        store.put((items, tf_version), out)
    return out


_stores: Dict[str, Any] = {}


def _store():
    """The disk store of `_checked` results for the tables loaded now (None when the cache is off).
    Its key: the tables' cache key, this file's source and which `packaging` is installed."""
    from analyzer.core.cache import Store, digest, installed

    tables_key = compat().cache_key
    if tables_key is None:
        return None
    store = _stores.get(tables_key)
    if store is None:

        def store_key() -> str:
            with open(__file__, "rb") as f:
                source = f.read()
            return digest(f"{tables_key} packaging {installed('packaging')}\n".encode() + source).hexdigest()

        store = _stores[tables_key] = Store("packages", store_key, max_entries=2000)
    return store


def _unmet_requirements(packages: Dict[str, str], tf: Version) -> List[Tuple[str, str, Version, str]]:
    """(package, requirement, installed version, source) for each requirement of TensorFlow `tf` (rules/compat/packages.yaml
    requirements) that the installed package does not meet."""
    out = []
    for rec in (compat().tables.get("packages") or {}).get("requirements") or []:
        name = package_name(str(rec.get("package", "")))
        have = _version(packages.get(name, ""))
        req = str(rec.get("requires") or "")
        if have is None or not req or "<" in req and "minor" in req or _in(str(rec.get("tf", "")), tf) is not True:
            continue
        if _in(req, have) is False:
            out.append((name, req, have, str(rec.get("source"))))
    return out


def _check(packages: Dict[str, str], tf: Version) -> Tuple[str, ...]:
    from packaging.version import Version

    tables = compat().tables.get("packages") or {}
    tf_text = f"{tf.major}.{tf.minor}"
    out = [
        f"TensorFlow {tf_text} requires {name}{req}, but the log shows {name} {have} ({source})"
        for name, req, have, source in _unmet_requirements(packages, tf)
    ]
    for rec in tables.get("companions") or []:
        name = package_name(str(rec.get("package", "")))
        have = _version(packages.get(name, ""))
        if have is None:
            continue
        version = str(rec.get("version", ""))
        if version == "2.N.x":  # built for the TF release of the same major.minor
            if _mm(have) != (tf.major, tf.minor):
                out.append(
                    f"{name} {have} is built for TensorFlow {have.major}.{have.minor}, not {tf_text} ({rec.get('source')})"
                )
            continue
        if _in(version, have) is not True:
            continue
        if rec.get("tf") and _in(str(rec["tf"]), tf) is False:
            out.append(f"{name} {have} is built for TensorFlow {rec['tf']}, not {tf_text} ({rec.get('source')})")
        elif rec.get("tf_min") and tf < Version(str(rec["tf_min"])):
            out.append(
                f"{name} {have} needs TensorFlow >= {rec['tf_min']}, but the log shows TensorFlow {tf_text} ({rec.get('source')})"
            )
    for rec in tables.get("known_bad") or []:
        want = {package_name(k): str(v) for k, v in (rec.get("packages") or {}).items()}
        if len(want) < 2 or "tensorflow" not in want:
            continue
        results = []
        for name, spec in want.items():
            have = tf if name == "tensorflow" else _version(packages.get(name, ""))
            results.append(None if have is None else _in(spec, have))
        if all(r is True for r in results):  # (with the table's fix: TF's own pins did not prevent this pair)
            fix = f"; fix: {rec['fix']}" if rec.get("fix") else ""
            text = f"{rec.get('what')}{fix} ({rec.get('source')})"
            if text not in out:
                out.append(text)
    return tuple(out)
