"""The knowledge base for a run: loaded once per process, validated rules cached on disk.

Loading ~200 rules (YAML parsing and validation) costs more than analysing a small log, so the
validated rules are kept as plain data in the on-disk cache (`analyzer.core.cache`), named by a hash
of everything they were built from: every rule file's path and bytes, tflog's version, the Python
version and the source of the modules that build rules. The data is stored with `marshal` (it loads
~2.5x faster than JSON: ~2 ms of a start-up for ~600 KB of rules), never pickle: marshal rebuilds
built-in data types only, never instances of other classes; data that does not come back equal is
not cached.
"""

from __future__ import annotations

import marshal
import os
import sys
from functools import lru_cache
from typing import List, Optional

from analyzer.core.cache import cache_dir, digest, read_blob, write_blob
from analyzer.core.version import __version__


def load_knowledge_base(rule_dirs=(), include_builtin: bool = True):
    """The compiled knowledge base (built-in rules plus `rule_dirs`), cached per argument set."""
    return knowledge_base(tuple(str(d) for d in rule_dirs), include_builtin)


@lru_cache(maxsize=8)
def knowledge_base(rule_dirs: tuple, include_builtin: bool = True):
    from .rules import load_rules

    key = _rules_key(rule_dirs, include_builtin)
    if key is not None:
        kb = _read_rules(key)
        if kb is not None:
            kb.cache_key = key
            return kb
    kb = load_rules(rule_dirs, include_builtin)
    if key is not None:
        _write_rules(key, kb)
        kb.cache_key = key
    return kb


# --- the rules ---------------------------------------------------------------------------------


def _rules_key(rule_dirs: tuple, include_builtin: bool) -> Optional[str]:
    """A hash of everything the loaded rules depend on; None when caching is off or impossible."""
    if cache_dir() is None:
        return None
    try:
        from analyzer.core import normalize

        from . import rules as knowledge
        from .rules import builtin_rules_path, rule_file_paths

        h = digest(f"tflog {__version__} python {sys.version} builtin {include_builtin} marshal\n".encode())
        for module in (knowledge, normalize):
            if module.__file__ is None:  # not loaded from a file (frozen): nothing to hash, so no cache
                return None
            h.update(_read(module.__file__))
        builtin = builtin_rules_path()
        files: List[str] = [os.path.join(builtin, "categories.yaml")]
        for d in ([builtin] if include_builtin else []) + list(rule_dirs):
            files.append(d)  # the folder itself, as given: its name is part of every rule's `file`
            files.extend(rule_file_paths(d))
        for f in files:
            h.update(f"\0{f}\0".encode())
            if os.path.isfile(f):
                h.update(_read(f))
        return h.hexdigest()
    except Exception:  # a missing folder, an unreadable file: the normal loader reports it
        return None


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _read_rules(key: str):
    body = read_blob("rules", key)
    if body is None:
        return None
    try:
        from .rules import rules_from_data

        return rules_from_data(marshal.loads(body))
    except Exception:
        return None


def _write_rules(key: str, kb) -> None:
    try:
        from .rules import cold_split, rules_from_data, rules_to_data

        data = rules_to_data(kb)
        # Only plain data is cached: marshal refuses anything else (a YAML date in a note, say), and
        # what it gives back must equal what was written. (Each rule's cold fields are stored as
        # their own marshal bytes, read when first used: rules.COLD_FIELDS.)
        body = marshal.dumps(cold_split(data))
        if rules_to_data(rules_from_data(marshal.loads(body))) != data:
            return
    except Exception:
        return
    write_blob("rules", key, body)
