"""One compiled knowledge base per process and rule-folder set (loading YAML is the slow part)."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=8)
def knowledge_base(rule_dirs: tuple, include_builtin: bool = True):
    from .knowledge import load_rules

    return load_rules(rule_dirs, include_builtin)
