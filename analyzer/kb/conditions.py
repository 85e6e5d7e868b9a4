"""Rule conditions: a small, safe expression language over facts and findings.

Expressions are a subset of Python (parsed with `ast`, never `eval`ed):
names are facts (unknown -> None), versions compare as versions
(`cudnn_runtime < cudnn_compiled`, `tf_version >= '2.11'`), and
`has('cudnn.*')` asks whether another finding's rule id or category matches.
"""

from __future__ import annotations

import ast
import fnmatch
import operator
from functools import cache, total_ordering
from typing import Callable, Dict, Iterable, Optional, Tuple

from analyzer.core.normalize import version_tuple


class ConditionError(ValueError):
    """A condition that does not parse or uses something the language does not have."""


@total_ordering
class Version:
    """A fact value that compares as a version when compared with another version-like value."""

    def __init__(self, raw: str):
        self.raw = raw
        self.parts = version_tuple(raw) or ()

    def _other(self, other) -> Tuple[int, ...]:
        if isinstance(other, Version):
            return other.parts
        return version_tuple(other) or ()

    def __eq__(self, other) -> bool:
        if other is None:
            return False
        a, b = self.parts, self._other(other)
        n = max(len(a), len(b))
        return a + (0,) * (n - len(a)) == b + (0,) * (n - len(b))

    def __lt__(self, other) -> bool:
        a, b = self.parts, self._other(other)
        n = max(len(a), len(b))
        return a + (0,) * (n - len(a)) < b + (0,) * (n - len(b))

    def __hash__(self) -> int:
        return hash(self.parts)

    def __str__(self) -> str:
        return self.raw

    def __bool__(self) -> bool:
        return bool(self.raw)


_CMP = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_FUNCS = ("has", "major", "minor", "lower")


def _wrap(v):
    if isinstance(v, str) and version_tuple(v) is not None and v[:1].isdigit():
        return Version(v)
    return v


def _major(v) -> Optional[int]:
    t = version_tuple(v)
    return t[0] if t else None


def _minor(v) -> Optional[int]:
    t = version_tuple(v)
    return t[1] if t and len(t) > 1 else None


@cache
def compile_condition(source: str) -> Callable[[Dict[str, object], Callable[[str], bool]], bool]:
    """Parse `source` once; return a function (facts, has) -> bool. Raises ConditionError."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ConditionError(f"cannot parse condition {source!r}: {e.msg}") from None
    _check(tree.body, source)

    def run(facts: Dict[str, object], has: Callable[[str], bool]) -> bool:
        try:
            return bool(_eval(tree.body, facts, has))
        except TypeError:
            return False  # comparing a missing fact: the condition does not hold

    return run


def _check(node: ast.AST, source: str) -> None:
    allowed = (
        ast.BoolOp,
        ast.And,
        ast.Or,
        ast.UnaryOp,
        ast.Not,
        ast.Compare,
        ast.Name,
        ast.Load,
        ast.Constant,
        ast.List,
        ast.Tuple,
        ast.Call,
        ast.In,
        ast.NotIn,
        ast.Is,
        ast.IsNot,
        *_CMP,
    )
    for sub in ast.walk(node):
        if not isinstance(sub, allowed):
            raise ConditionError(f"condition {source!r} uses {type(sub).__name__}, which rules may not use")
        if isinstance(sub, ast.Call) and not (isinstance(sub.func, ast.Name) and sub.func.id in _FUNCS):
            raise ConditionError(f"condition {source!r} calls an unknown function (known: {', '.join(_FUNCS)})")


def _eval(node: ast.AST, facts: Dict[str, object], has: Callable[[str], bool]):
    if isinstance(node, ast.BoolOp):
        vals = (_eval(v, facts, has) for v in node.values)
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, facts, has)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, facts, has)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, facts, has)
            if isinstance(op, (ast.In, ast.NotIn)):
                ok = (
                    left is not None
                    and right is not None
                    and (str(left) in [str(x) for x in right] if isinstance(right, list) else str(left) in str(right))
                )
                ok = ok if isinstance(op, ast.In) else not ok
            elif isinstance(op, (ast.Is, ast.IsNot)):
                ok = (left is right) if isinstance(op, ast.Is) else (left is not right)
            else:
                if (left is None or right is None) and not isinstance(op, (ast.Eq, ast.NotEq)):
                    return False
                ok = _CMP[type(op)](
                    _wrap(left) if isinstance(left, str) else left, _wrap(right) if isinstance(right, str) else right
                )
            if not ok:
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        v = facts.get(node.id)
        return None if v in ("", []) else v
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, facts, has) for e in node.elts]
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):  # _check allows only calls of known names
            raise ConditionError(f"unsupported call {ast.dump(node)}")
        args = [_eval(a, facts, has) for a in node.args]
        name = node.func.id
        if name == "has":
            return has(str(args[0]))
        if name == "major":
            return _major(args[0])
        if name == "minor":
            return _minor(args[0])
        if name == "lower":
            return str(args[0]).lower() if args[0] is not None else None
    raise ConditionError(f"unsupported expression {ast.dump(node)}")


def glob_matcher(names: Iterable[str]) -> Callable[[str], bool]:
    """has(pattern) over a set of names (rule ids and categories)."""
    names = list(names)
    return lambda pattern: any(fnmatch.fnmatchcase(n, pattern) for n in names)
