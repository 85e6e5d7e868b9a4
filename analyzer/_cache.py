"""The knowledge base, built once per process and cached on disk between processes.

Loading the rules (YAML parsing plus validation of ~200 rules), compiling the
Hyperscan prefilter and compiling `regex` patterns (its parser is pure Python,
~0.3 ms a pattern) take ~350 ms, far more than analysing a small log. The results
are cached as files in the user's cache folder (`$TFLOG_CACHE_DIR`, else
`$XDG_CACHE_HOME/tflog`, else `~/.cache/tflog`; `TFLOG_NO_CACHE=1` turns it off):

- the validated rules as JSON (plain data only), named by a hash of everything
  they were built from: every rule file's path and bytes, tflog's version, the
  Python version and the source of the modules that build rules;
- other tables (`cached_json`), named by a hash of their files;
- Hyperscan's serialised database, named by a hash of its patterns and version;
- compiled `regex` patterns (`compile_regex`), as the data the regex module's
  own pickle support saves and rebuilds a pattern from (marshal, no pickle).

Every file carries a SHA-256 of its body and the key it was written for, and is
only used when both match. Files are written to a temporary name and renamed
(atomic), so concurrent runs and half-written files are harmless. Any error
while reading or writing the cache falls back to the normal, uncached load.
"""
from __future__ import annotations

import atexit
import copyreg
import hashlib
import json
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, List, Optional

from . import __version__

KEEP_FILES = 8  # per kind: older cache files (from earlier rule versions) are deleted


@lru_cache(maxsize=8)
def knowledge_base(rule_dirs: tuple, include_builtin: bool = True):
    from .knowledge import load_rules

    key = _rules_key(rule_dirs, include_builtin)
    if key is not None:
        kb = _read_rules(key)
        if kb is not None:
            return kb
    kb = load_rules(rule_dirs, include_builtin)
    if key is not None:
        _write_rules(key, kb)
    return kb


# --- the cache folder and its files ------------------------------------------------------------

def cache_dir() -> Optional[Path]:
    """Where cache files live, or None when caching is turned off."""
    if os.environ.get("TFLOG_NO_CACHE"):
        return None
    d = os.environ.get("TFLOG_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "tflog")
    return Path(d)


def read_blob(kind: str, key: str) -> Optional[bytes]:
    """The body stored for `key`, or None (missing, unreadable, corrupt or written for another key)."""
    d = cache_dir()
    if d is None:
        return None
    try:
        data = (d / f"{kind}-{key[:32]}.bin").read_bytes()
        head, body = data[:128], data[128:]
        if head != _header(key, body):
            return None
        return body
    except Exception:
        return None


def write_blob(kind: str, key: str, body: bytes) -> None:
    """Store `body` for `key` atomically; failures are ignored (the cache is only a speed-up)."""
    d = cache_dir()
    if d is None:
        return
    tmp = None
    try:
        import tempfile

        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", dir=d)
        with os.fdopen(fd, "wb") as f:
            f.write(_header(key, body) + body)
        os.replace(tmp, d / f"{kind}-{key[:32]}.bin")
        tmp = None
        _prune(d, kind)
    except Exception:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _header(key: str, body: bytes) -> bytes:
    """64 hex chars of the key, then 64 of the body's SHA-256: 128 bytes."""
    return (hashlib.sha256(key.encode()).hexdigest() + hashlib.sha256(body).hexdigest()).encode()


def _prune(d: Path, kind: str) -> None:
    files = sorted(d.glob(f"{kind}-*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_FILES:]:
        try:
            old.unlink()
        except OSError:
            pass


def cached_json(kind: str, files: Iterable[Path], build: Callable[[], Any]) -> Any:
    """`build()`, which must return plain JSON data derived only from `files`, cached on disk by
    the files' paths and bytes (and tflog's version). For tables that take long to parse."""
    key = None
    if cache_dir() is not None:
        try:
            h = hashlib.sha256(f"{kind} tflog {__version__} python {sys.version}\n".encode())
            for f in files:
                h.update(f"\0{f}\0".encode())
                h.update(Path(f).read_bytes())
            key = h.hexdigest()
        except Exception:  # an unreadable file: build() reports it
            key = None
    if key is not None:
        body = read_blob(kind, key)
        if body is not None:
            try:
                return _json_loads(body)
            except Exception:
                pass
    data = build()
    if key is not None:
        body = _json_dumps(data)
        if body is not None:
            write_blob(kind, key, body)
    return data


def _json_dumps(data: Any) -> Optional[bytes]:
    """`data` as JSON bytes, or None when JSON would not give it back unchanged (a YAML date, say)."""
    try:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return body if _json_loads(body) == data else None
    except Exception:
        return None


def _json_loads(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


# --- compiled regex patterns -------------------------------------------------------------------

_patterns: Optional[dict] = None   # (source, flags) -> the pattern's saved state, from the disk cache
_new_patterns: dict = {}           # compiled in this process, written at exit
MAX_PATTERNS = 5000


def compile_regex(source: str, flags: int = 0):
    """`regex.compile(source, flags)`, from the disk cache when this pattern was compiled before.

    The regex module pickles a pattern as `_regex.compile(*state)` (see copyreg in regex/_main.py):
    the state is plain data (the compiled program as a list of ints, group names, ...). We save that
    state with marshal and rebuild the pattern the same way, ~50x faster than parsing it again.
    """
    global _patterns
    import regex
    from regex import _regex

    if _patterns is None:
        _patterns = _read_patterns()
    key = (source, int(flags))  # int(): marshal cannot store regex.RegexFlag
    state = _patterns.get(key)
    if state is not None:
        try:
            return _regex.compile(*state)
        except Exception:
            pass
    pattern = regex.compile(source, flags)  # raises regex.error for the caller, as before
    if cache_dir() is not None and len(_new_patterns) < MAX_PATTERNS:
        try:
            rebuild, state = copyreg.dispatch_table[type(pattern)](pattern)
            if rebuild is _regex.compile:
                if not _new_patterns:
                    atexit.register(_write_patterns)
                _new_patterns[key] = tuple(state)
        except Exception:
            pass
    return pattern


def _patterns_key() -> str:
    import regex

    return hashlib.sha256(f"regex {regex.__version__} python {sys.version} tflog {__version__}".encode()).hexdigest()


def _read_patterns() -> dict:
    body = read_blob("patterns", _patterns_key())
    if body is None:
        return {}
    try:
        data = marshal.loads(body)
        return data if isinstance(data, dict) else {}
    except Exception:
        return {}


def _write_patterns() -> None:
    """At exit: add the patterns this process compiled to those on disk (re-read: another process may have added some)."""
    merged = _read_patterns()
    if len(merged) + len(_new_patterns) > MAX_PATTERNS:
        merged = {}
    merged.update(_new_patterns)
    try:
        write_blob("patterns", _patterns_key(), marshal.dumps(merged))
    except Exception:
        pass


# --- the rules ---------------------------------------------------------------------------------

def _rules_key(rule_dirs: tuple, include_builtin: bool) -> Optional[str]:
    """A hash of everything the loaded rules depend on; None when caching is off or impossible."""
    if cache_dir() is None:
        return None
    try:
        from . import knowledge, normalize
        from .knowledge import builtin_rules_dir, rule_files

        h = hashlib.sha256(f"tflog {__version__} python {sys.version} builtin {include_builtin}\n".encode())
        for module in (knowledge, normalize):
            h.update(Path(module.__file__).read_bytes())
        builtin = builtin_rules_dir()
        files: List[Path] = [builtin / "categories.yaml"]
        for d in ([builtin] if include_builtin else []) + [Path(x) for x in rule_dirs]:
            files.append(Path(d))  # the folder itself: its name is part of every rule's `file`
            files.extend(rule_files(Path(d)))
        for f in files:
            h.update(f"\0{f}\0".encode())
            if f.is_file():
                h.update(f.read_bytes())
        return h.hexdigest()
    except Exception:  # a missing folder, an unreadable file: the normal loader reports it
        return None


def _read_rules(key: str):
    body = read_blob("rules", key)
    if body is None:
        return None
    try:
        from .knowledge import rules_from_data

        return rules_from_data(_json_loads(body))
    except Exception:
        return None


def _write_rules(key: str, kb) -> None:
    try:
        from .knowledge import rules_from_data, rules_to_data

        data = rules_to_data(kb)
        body = _json_dumps(data)
        # Only plain data survives JSON unchanged; anything else (a YAML date in a note, say) is not cached.
        if body is None or rules_to_data(rules_from_data(_json_loads(body))) != data:
            return
    except Exception:
        return
    write_blob("rules", key, body)
