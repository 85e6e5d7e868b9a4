"""Rule conditions: a small, safe expression language over facts and findings.

Expressions are a subset of Python (parsed with `ast`, never `eval`ed; kept as plain data):
names are facts (unknown -> None), versions compare as versions
(`cudnn_runtime < cudnn_compiled`, `tf_version >= '2.11'`), and
`has('cudnn.*')` asks whether another finding's rule id or category matches.
"""

from __future__ import annotations

import operator
from functools import cache, total_ordering
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

from analyzer.core.cache import Store, glob_match
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
    "Eq": operator.eq,
    "NotEq": operator.ne,
    "Lt": operator.lt,
    "LtE": operator.le,
    "Gt": operator.gt,
    "GtE": operator.ge,
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
    """Parse `source` once; return a function (facts, has) -> bool. Raises ConditionError.

    The parsed expression is kept as plain data (`_tree`), also between runs (the disk cache): a
    start-up whose conditions were all parsed before does not import `ast` (~2-5 ms)."""
    tree = _parsed.get(source)
    if tree is None:
        tree = _tree(source)
        _parsed.put(source, tree)

    def run(facts: Dict[str, object], has: Callable[[str], bool]) -> bool:
        try:
            return bool(_eval(tree, facts, has))
        except TypeError:
            return False  # comparing a missing fact: the condition does not hold

    return run


def _parsed_key() -> str:
    """The key of the parsed conditions kept between runs: this module's source (the form of `_tree`)."""
    from analyzer.core.cache import digest

    with open(__file__, "rb") as f:
        return digest(b"conditions " + f.read()).hexdigest()


_parsed = Store("conditions", _parsed_key)


def _tree(source: str) -> Tuple[Any, ...]:
    """The checked expression as nested tuples: ("and"|"or", [operands]), ("not", operand),
    ("compare", left, [(operator name, right)]), ("name", id), ("const", value), ("list", [items]),
    ("call", function name, [arguments])."""
    import ast  # here: only when this condition was never parsed (see compile_condition)

    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ConditionError(f"cannot parse condition {source!r}: {e.msg}") from None
    _check(ast, tree.body, source)
    return _plain(ast, tree.body)


def _check(ast: Any, node: Any, source: str) -> None:
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
        *(getattr(ast, name) for name in _CMP),
    )
    for sub in ast.walk(node):
        if not isinstance(sub, allowed):
            raise ConditionError(f"condition {source!r} uses {type(sub).__name__}, which rules may not use")
        if isinstance(sub, ast.Call) and not (isinstance(sub.func, ast.Name) and sub.func.id in _FUNCS):
            raise ConditionError(f"condition {source!r} calls an unknown function (known: {', '.join(_FUNCS)})")


def _plain(ast: Any, node: Any) -> Tuple[Any, ...]:
    """A checked node (see _check) as the tuples _eval reads."""
    if isinstance(node, ast.BoolOp):
        return ("and" if isinstance(node.op, ast.And) else "or", [_plain(ast, v) for v in node.values])
    if isinstance(node, ast.UnaryOp):
        return ("not", _plain(ast, node.operand))
    if isinstance(node, ast.Compare):
        ops = [(type(op).__name__, _plain(ast, comp)) for op, comp in zip(node.ops, node.comparators)]
        return ("compare", _plain(ast, node.left), ops)
    if isinstance(node, ast.Name):
        return ("name", node.id)
    if isinstance(node, ast.Constant):
        return ("const", node.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return ("list", [_plain(ast, e) for e in node.elts])
    if isinstance(node, ast.Call):
        return ("call", node.func.id, [_plain(ast, a) for a in node.args])
    raise ConditionError(f"unsupported expression {ast.dump(node)}")


def _eval(node: Tuple[Any, ...], facts: Dict[str, object], has: Callable[[str], bool]):
    kind = node[0]
    if kind == "and" or kind == "or":
        vals = (_eval(v, facts, has) for v in node[1])
        return all(vals) if kind == "and" else any(vals)
    if kind == "not":
        return not _eval(node[1], facts, has)
    if kind == "compare":
        left = _eval(node[1], facts, has)
        for op, comp in node[2]:
            right = _eval(comp, facts, has)
            if op in ("In", "NotIn"):
                ok = (
                    left is not None
                    and right is not None
                    and (str(left) in [str(x) for x in right] if isinstance(right, list) else str(left) in str(right))
                )
                ok = ok if op == "In" else not ok
            elif op in ("Is", "IsNot"):
                ok = (left is right) if op == "Is" else (left is not right)
            else:
                if (left is None or right is None) and op not in ("Eq", "NotEq"):
                    return False
                ok = _CMP[op](_wrap(left) if isinstance(left, str) else left, _wrap(right) if isinstance(right, str) else right)
            if not ok:
                return False
            left = right
        return True
    if kind == "name":
        if node[1] in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node[1]]
        v = facts.get(node[1])
        return None if v in ("", []) else v
    if kind == "const":
        return node[1]
    if kind == "list":
        return [_eval(e, facts, has) for e in node[1]]
    if kind == "call":
        args = [_eval(a, facts, has) for a in node[2]]
        name = node[1]
        if name == "has":
            return has(str(args[0]))
        if name == "major":
            return _major(args[0])
        if name == "minor":
            return _minor(args[0])
        if name == "lower":
            return str(args[0]).lower() if args[0] is not None else None
    raise ConditionError(f"unsupported expression {node!r}")


def glob_matcher(names: Iterable[str]) -> Callable[[str], bool]:
    """has(pattern) over a set of names (rule ids and categories)."""
    names = list(names)
    return lambda pattern: any(glob_match(n, pattern) for n in names)
