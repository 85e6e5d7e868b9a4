"""The on-disk cache: what is costly to build once per process, kept between processes.

Loading the rules (YAML parsing plus validation of ~200 rules), compiling the
Hyperscan prefilter and compiling `regex` patterns (its parser is pure Python,
~0.3 ms a pattern) take ~350 ms, far more than analysing a small log. The results
are cached as files in the user's cache folder (`$TFLOG_CACHE_DIR`, else
`$XDG_CACHE_HOME/tflog`, else `~/.cache/tflog`; `TFLOG_NO_CACHE=1` turns it off):

- the validated rules as plain data (marshal; analyzer/kb/load.py), named by a hash
  of everything they were built from: every rule file's path and bytes, tflog's
  version, the Python version and the source of the modules that build rules;
- other tables (`cached_data`; marshal), named by a hash of their files;
- Hyperscan's serialised database, named by a hash of its patterns and version;
- compiled `regex` patterns (`compile_regex`), as the data the regex module's
  own pickle support saves and rebuilds a pattern from (marshal, no pickle);
- compiled `re` patterns (`compile_re`), as the data re.compile hands to `_sre.compile`;
- fuzzy scores of messages seen before (`fuzzy_store`), so that a run whose
  unexplained lines were all seen before need not import rapidfuzz;
- line classes (pipeline/classes.py `built`), keyed by the rules and the code that builds them:
  a verbose log's thousands of classes are built once, not on every run.

Every file carries a 256-bit BLAKE2 digest of its body and the key it was written for, and is
only used when both match. Files are written to a temporary name and renamed
(atomic), so concurrent runs and half-written files are harmless. Any error
while reading or writing the cache falls back to the normal, uncached load.
"""

from __future__ import annotations

import atexit
import copyreg
import marshal
import os
import sys
from typing import Any, Callable, Iterable, List, Optional, Tuple, Union

from .version import __version__

try:  # BLAKE2 without `hashlib`, whose import loads OpenSSL: ~4 ms of a ~100 ms start-up
    from _blake2 import blake2b as _blake2b

    def digest(data: bytes = b""):
        """A 256-bit hash object (update/hexdigest), for cache keys and file checks."""
        return _blake2b(data, digest_size=32)
except ImportError:  # a Python built without its own BLAKE2
    from hashlib import sha256 as digest  # type: ignore[assignment]

KEEP_FILES = 8  # per kind: older cache files (from earlier rule versions) are deleted


# --- the cache folder and its files ------------------------------------------------------------


def cache_dir() -> Optional[str]:
    """Where cache files live, or None when caching is turned off.

    Also None for a folder that another user owns or may write to: what we read back from it
    (compiled patterns above all) must be what we wrote. (Strings and os.path throughout: a plain
    analysis does not import pathlib.)
    """
    if os.environ.get("TFLOG_NO_CACHE"):
        return None
    d = os.environ.get("TFLOG_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "tflog")
    try:
        st = os.stat(d)
    except FileNotFoundError:
        return d  # created (mode 0700) by the first write
    except OSError:
        return None
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        return None
    return d


def read_blob(kind: str, key: str) -> Optional[bytes]:
    """The body stored for `key`, or None (missing, unreadable, corrupt or written for another key)."""
    d = cache_dir()
    if d is None:
        return None
    try:
        with open(_file(d, kind, key), "rb") as f:
            data = f.read()
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

        os.makedirs(d, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", dir=d)
        with os.fdopen(fd, "wb") as f:
            f.write(_header(key, body) + body)
        os.replace(tmp, _file(d, kind, key))
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


def _file(d: str, kind: str, key: str) -> str:
    return os.path.join(d, f"{kind}-{key[:32]}.bin")


def _header(key: str, body: bytes) -> bytes:
    """64 hex chars of the key's digest, then 64 of the body's: 128 bytes."""
    return (digest(key.encode()).hexdigest() + digest(body).hexdigest()).encode()


def _prune(d: str, kind: str) -> None:
    names = [n for n in os.listdir(d) if n.startswith(f"{kind}-") and n.endswith(".bin")]
    files = sorted((os.path.join(d, n) for n in names), key=os.path.getmtime, reverse=True)
    for old in files[KEEP_FILES:]:
        try:
            os.unlink(old)
        except OSError:
            pass


def cached_data(kind: str, files: Iterable[str], build: Callable[[], Any]) -> Tuple[Any, Optional[str]]:
    """`build()`, which must return plain data derived only from `files`, cached on disk by the
    files' paths and bytes (and tflog's version), and the key it is cached under (None when the
    cache is off). For tables that take long to parse. Stored with marshal (built-in types only;
    data that does not come back equal, a YAML date say, is not cached)."""
    key = None
    if cache_dir() is not None:
        try:
            h = digest(f"{kind} tflog {__version__} python {sys.version} marshal\n".encode())
            for f in files:
                h.update(f"\0{f}\0".encode())
                with open(f, "rb") as fh:
                    h.update(fh.read())
            key = h.hexdigest()
        except Exception:  # an unreadable file: build() reports it
            key = None
    if key is not None:
        body = read_blob(kind, key)
        if body is not None:
            try:
                return marshal.loads(body), key
            except Exception:
                pass
    data = build()
    if key is not None:
        try:
            body = marshal.dumps(data)
            if marshal.loads(body) == data:
                write_blob(kind, key, body)
        except Exception:
            pass
    return data, key


# --- stores: small dicts kept in cache files -----------------------------------------------------


class Store:
    """A dict of plain (marshal-able) data kept in a cache file: read on first use, and the entries
    this process added are merged into the file at exit. For results that are slow to compute and
    come back run after run (compiled patterns, fuzzy scores of common messages)."""

    def __init__(self, kind: str, key: Callable[[], str], max_entries: int = 5000, encode: Optional[Callable[[Any], Any]] = None):
        self.kind = kind
        self._key = key  # called once, when the file is first needed
        self.max_entries = max_entries
        self._encode = encode  # put() values to plain data, at exit (None for a value to drop); None: they are plain
        self._data: Optional[dict] = None
        self._new: dict = {}

    def get(self, k):
        return self._loaded().get(k)

    def get_many(self, keys: Iterable[Any]) -> List[Any]:
        """get() of each key, in one C-level map (a verbose log's block asks for ~600 keys, most absent)."""
        return list(map(self._loaded().get, keys))

    def _loaded(self) -> dict:
        """The entries, read from the cache file on first use."""
        if self._data is None:
            self._data = self._read() if cache_dir() is not None else {}
        return self._data

    def put(self, k, value) -> None:
        """Add an entry, written at exit. Whether there is a cache is asked at the first put only
        (an `os.stat`: ~10% of a first verbose run, which puts ~5,000 classes); write_blob asks again."""
        if len(self._new) >= self.max_entries:
            return
        if not self._new:
            if cache_dir() is None:
                return
            atexit.register(self._write)
        self._new[k] = value

    def _read(self) -> dict:
        try:
            body = read_blob(self.kind, self._key())
            data = marshal.loads(body) if body is not None else {}
            return data if isinstance(data, dict) else {}
        except Exception:
            return {}

    def _write(self) -> None:
        """At exit: merge into what is on disk now (another process may have added entries)."""
        try:
            merged = self._read()
            if len(merged) + len(self._new) > self.max_entries:
                merged = {}
            if self._encode is not None:
                new = {k: self._encode(v) for k, v in self._new.items()}
                merged.update((k, v) for k, v in new.items() if v is not None)
            else:
                merged.update(self._new)
            write_blob(self.kind, self._key(), marshal.dumps(merged))
        except Exception:
            pass


# --- compiled regex patterns ---------------------------------------------------------------------

# regex's flags that tflog passes, as plain ints: naming them needs no import of `regex` (its parser,
# regex/_regex_core.py, is ~10 ms of a ~90 ms start-up, and a pattern from the cache never uses it).
# tests/test_startup.py checks them against regex's own.
REGEX_V0 = 0x2000
REGEX_I = 0x2


class _Regex:
    """The `regex` module, imported on first use of any name but its flags (above): `regex.error`
    in an except clause is read only when an exception is being handled, `regex.escape` only where
    a rule needs it. Modules that name regex at run time use this (`from ...cache import regex`)."""

    V0 = REGEX_V0
    I = REGEX_I

    def __getattr__(self, name: str) -> Any:
        return getattr(_full_regex(), name)


def _full_regex() -> Any:
    """`import regex`; where its extension was loaded on its own first (_regex_compile), the package
    gets its `_regex` attribute too, as a plain import of it would have given it."""
    import regex

    if "_regex" not in vars(regex) and "regex._regex" in sys.modules:
        regex._regex = sys.modules["regex._regex"]
    return regex


regex_module: Any = _Regex()


def _regex_files() -> Tuple[str, str]:
    """(the regex package's folder, its compiled extension `_regex`), without importing regex."""
    module = sys.modules.get("regex")
    origin: Optional[str] = getattr(module, "__file__", None)
    if origin is not None:
        folder = os.path.dirname(origin)
    else:
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec("regex")
        if spec is None or spec.origin is None:
            raise LookupError("regex is not installed")
        folder = os.path.dirname(spec.origin)
    from importlib.machinery import EXTENSION_SUFFIXES

    for suffix in EXTENSION_SUFFIXES:
        ext = os.path.join(folder, "_regex" + suffix)
        if os.path.exists(ext):
            return folder, ext
    raise LookupError("regex's extension module is not found")


def _patterns_key() -> str:
    """The key of the compiled-pattern store: the files that compile patterns (regex's parser) and
    run them (its extension), by path, size and time: an upgrade of regex changes them."""
    folder, ext = _regex_files()
    parts = [f"python {sys.version} tflog {__version__}"]
    for path in (ext, os.path.join(folder, "_regex_core.py"), os.path.join(folder, "_main.py")):
        st = os.stat(path)
        parts.append(f"{path} {st.st_size} {st.st_mtime_ns}")
    return digest(" ".join(parts).encode()).hexdigest()


_patterns = Store("patterns", _patterns_key)  # (source, flags) -> the pattern's saved state
_regex_ext: Any = None


def _regex_compile() -> Callable[..., Any]:
    """`regex._regex.compile`, which builds a pattern from its saved state. When `regex` is not
    imported yet, its extension module is loaded on its own (as `regex._regex`, where importing
    `regex` later finds it) and regex's pickle support for patterns is registered as regex/_main.py
    does: a start-up whose patterns all come from the cache never runs regex's Python modules. (When
    regex is imported later other than through _full_regex, its package lacks the `_regex`
    attribute: regex's own modules import it by name, which finds it in sys.modules.)"""
    global _regex_ext
    if _regex_ext is None:
        ext = sys.modules.get("regex._regex")
        if ext is None:
            from importlib.machinery import ExtensionFileLoader, ModuleSpec

            _, path = _regex_files()
            loader = ExtensionFileLoader("regex._regex", path)
            spec = ModuleSpec("regex._regex", loader, origin=path)
            ext = loader.create_module(spec)
            loader.exec_module(ext)
            ext = sys.modules.setdefault("regex._regex", ext)
        _regex_ext = ext
    return _regex_ext.compile


def _pickle_pattern(pattern: Any) -> Tuple[Callable[..., Any], Any]:
    return _regex_ext.compile, pattern._pickled_data  # as regex/_main.py's _pickle


def compile_regex(source: str, flags: int = 0):
    """`regex.compile(source, flags)`, from the disk cache when this pattern was compiled before.

    The regex module pickles a pattern as `_regex.compile(*state)` (see copyreg in regex/_main.py):
    the state is plain data (the compiled program as a list of ints, group names, ...). We save that
    state with marshal and rebuild the pattern the same way, ~50x faster than parsing it again, and
    without importing `regex` itself (_regex_compile).
    """
    key = (source, int(flags))  # int(): marshal cannot store regex.RegexFlag
    state = _patterns.get(key)
    if state is not None:
        try:
            pattern = _regex_compile()(*state)
            if "regex._main" not in sys.modules and type(pattern) not in copyreg.dispatch_table:
                copyreg.pickle(type(pattern), _pickle_pattern)
            return pattern
        except Exception:
            pass
    regex = _full_regex()
    _regex = regex._regex

    pattern = regex.compile(source, flags)  # raises regex.error for the caller, as before
    try:
        reduced = copyreg.dispatch_table[type(pattern)](pattern)
        if isinstance(reduced, tuple) and len(reduced) == 2:  # (rebuild, args); other shapes: nothing to save
            rebuild, state = reduced
            if rebuild is _regex.compile:
                _patterns.put(key, tuple(state))
    except Exception:
        pass
    return pattern


# --- compiled `re` patterns ----------------------------------------------------------------------


def _re_key() -> str:
    import _sre

    return digest(f"re {_sre.MAGIC} {_sre.CODESIZE} python {sys.version} tflog {__version__}".encode()).hexdigest()


_re_patterns = Store("re", _re_key)  # (source, flags) -> the arguments of _sre.compile


def compile_re(source: Union[str, bytes], flags: int = 0):
    """`re.compile(source, flags)`, from the disk cache when this pattern was compiled before.

    The stdlib parses and compiles a pattern in Python (~50-150 us each; the ~40 patterns built
    when tflog's modules are imported took ~5 ms of a start-up). Its last step hands plain data to
    `_sre.compile` (see `compile` in re/_compiler.py): the pattern, its flags, the program as a list
    of ints, the group count and names. That data is saved with marshal and handed to `_sre.compile`
    again. It is only saved when the rebuilt pattern equals re.compile's (a Pattern compares its
    flags, source and program), and the key holds the interpreter's version and _sre's MAGIC.
    """
    import re

    key = (source, int(flags))
    state = _re_patterns.get(key)
    if state is not None:
        try:
            import _sre

            return _sre.compile(*state)
        except Exception:
            pass
    pattern = re.compile(source, flags)
    state = _re_state(source, int(flags))
    if state is not None and _rebuilt_equals(state, pattern):
        _re_patterns.put(key, state)
    return pattern


_globs: dict = {}


def glob_match(name: str, pattern: str) -> bool:
    """fnmatch.fnmatchcase(name, pattern), its pattern from the compiled-pattern cache (fnmatch
    compiles each glob with re.compile in every process: ~0.1 ms a glob)."""
    match = _globs.get(pattern)
    if match is None:
        import fnmatch

        if len(_globs) >= 4096:
            _globs.clear()
        match = _globs[pattern] = compile_re(fnmatch.translate(pattern)).match
    return match(name) is not None


def _re_state(source: Union[str, bytes], flags: int) -> Optional[tuple]:
    """What re.compile hands to _sre.compile for `source`, or None where this Python differs."""
    try:
        try:
            import re._compiler as _compiler  # Python >= 3.11
            import re._parser as _parser
        except ImportError:  # pragma: no cover - Python 3.9/3.10
            import sre_compile as _compiler
            import sre_parse as _parser
        p = _parser.parse(source, flags)
        code = _compiler._code(p, flags)
        groupindex = dict(p.state.groupdict)
        indexgroup = [None] * p.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        code = [int(op) for op in code]  # plain ints: the opcodes are an int subclass, which marshal refuses
        return (source, int(flags | p.state.flags), code, p.state.groups - 1, groupindex, tuple(indexgroup))
    except Exception:
        return None


def _rebuilt_equals(state: tuple, pattern) -> bool:
    try:
        import _sre

        rebuilt = _sre.compile(*state)
        return rebuilt == pattern and rebuilt.groupindex == pattern.groupindex and rebuilt.groups == pattern.groups
    except Exception:
        return False


def installed(package: str) -> str:
    """Which `package` is installed, without importing it: its file's path, size and time, for the keys
    of stores whose results depend on it. Raises LookupError when it is not found on sys.path (a
    Store treats a failing key as no file). importlib.machinery, not importlib.util: ~0.5 ms less."""
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec(package)
    if spec is None or spec.origin is None:
        raise LookupError(f"{package} is not installed")
    st = os.stat(spec.origin)
    return f"{spec.origin} {st.st_size} {st.st_mtime_ns}"


# --- fuzzy results -------------------------------------------------------------------------------

_fuzzy_stores: dict = {}


def fuzzy_store(kb) -> Optional[Store]:
    """Fuzzy results for the knowledge base `kb` (masked message -> [(rule id, score)]), kept between
    runs: scoring needs rapidfuzz, whose import alone costs ~10-20 ms of a small log's start-up,
    and the same unexplained warnings appear in log after log. None when `kb` was not loaded
    through this cache (its rules have no key)."""
    key = getattr(kb, "cache_key", None)
    if key is None:
        return None
    store = _fuzzy_stores.get(key)
    if store is None:

        def store_key() -> str:
            return digest(f"{key} rapidfuzz {installed('rapidfuzz')}".encode()).hexdigest()

        store = _fuzzy_stores[key] = Store("fuzzy", store_key, max_entries=20000)
    return store
