"""`dataclass` and `field` for tflog's data classes, without the cost of `dataclasses` at start-up.

The standard `dataclasses` module imports `inspect` (with ast, dis, tokenize: ~8 ms) and builds each
method with its own `exec` (~0.4 ms a class); a plain `tflog analyze` creates 17 data classes, so the
two were ~14 ms of a ~90 ms start-up (issue 15). This module covers what those classes use:
annotated fields with defaults, `field(default=, default_factory=, init=, repr=, compare=)`,
`__post_init__`, `frozen=True`; it writes `__init__`, `__repr__`, `__eq__` (and for frozen classes
`__hash__`, `__setattr__`, `__delattr__`) as `dataclasses` does, in one `exec` per class (its code
compiled once and kept between runs). Unlike dataclasses' `__repr__`, these do not guard against a
record that holds itself (none of tflog's does).

The classes stay dataclasses for the `dataclasses` functions (`fields`, `asdict`, `replace`,
`is_dataclass`): their `__dataclass_fields__` is made on first use by applying the real
`dataclasses.dataclass` to a copy of the class's fields (tests/test_records.py compares the two).
Type checkers see `dataclasses` itself (below).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .cache import Store

_MISSING: Any = object()


class _Field:
    __slots__ = ("default", "default_factory", "init", "repr", "compare")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, compare: bool) -> None:
        self.default, self.default_factory = default, default_factory
        self.init, self.repr, self.compare = init, repr, compare


def _field(
    *, default: Any = _MISSING, default_factory: Any = _MISSING, init: bool = True, repr: bool = True, compare: bool = True
) -> Any:
    """As dataclasses.field (these arguments only)."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, init, repr, compare)


def _dataclass(cls: Any = None, /, *, frozen: bool = False) -> Any:
    """As dataclasses.dataclass (eq=True, init=True, repr=True; `frozen` only)."""

    def wrap(c: type) -> type:
        return _process(c, frozen)

    return wrap if cls is None else wrap(cls)


if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
    from dataclasses import field as field
else:
    dataclass, field = _dataclass, _field


def _process(cls: type, frozen: bool) -> type:
    if any(
        "__dataclass_fields__" in getattr(b, "__dict__", {}) or "_record_spec" in getattr(b, "__dict__", {})
        for b in cls.__mro__[1:]
    ):
        raise TypeError(f"{cls.__name__}: records.dataclass does not handle inheritance")
    specs: List[Tuple[str, Any, Any, Any]] = []  # (name, annotation, default, field spec)
    for name, ann in cls.__dict__.get("__annotations__", {}).items():
        if isinstance(ann, str) and ann.replace("typing.", "").startswith(("ClassVar", "InitVar")):
            raise TypeError(f"{cls.__name__}.{name}: records.dataclass does not handle {ann}")
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, _Field) else _field(default=value)
        if isinstance(spec.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(spec.default)} for field {name} is not allowed: use default_factory")
        if spec.default is _MISSING:
            if name in cls.__dict__:
                delattr(cls, name)  # a default_factory, or init=False without a default: no class attribute
        else:
            setattr(cls, name, spec.default)
        specs.append((name, ann, spec.default, spec))
    seen_default = False
    for name, _, default, spec in specs:
        if not spec.init:
            continue
        if default is _MISSING and spec.default_factory is _MISSING:
            if seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
        else:
            seen_default = True

    globs: Dict[str, Any] = {"_MISSING": _MISSING, "_object_setattr": object.__setattr__, "_frozen_error": _frozen_error}
    setter = "_object_setattr(self, {0!r}, {1})" if frozen else "self.{0} = {1}"
    params, body = [], []
    for name, _, default, spec in specs:
        factory = spec.default_factory
        if factory is not _MISSING:
            globs[f"_factory_{name}"] = factory
        if default is not _MISSING:
            globs[f"_default_{name}"] = default
        if spec.init:
            if factory is not _MISSING:
                params.append(f"{name}=_MISSING")
                body.append(setter.format(name, f"_factory_{name}() if {name} is _MISSING else {name}"))
            else:
                params.append(name if default is _MISSING else f"{name}=_default_{name}")
                body.append(setter.format(name, name))
        elif factory is not _MISSING:
            body.append(setter.format(name, f"_factory_{name}()"))
        elif default is not _MISSING:
            body.append(setter.format(name, f"_default_{name}"))
    if "__post_init__" in cls.__dict__:
        body.append("self.__post_init__()")
    shown = [name for name, _, _, spec in specs if spec.repr]
    compared = [name for name, _, _, spec in specs if spec.compare]
    fields_of = "({})".format("".join(f"self.{n}," for n in compared))
    other_of = "({})".format("".join(f"other.{n}," for n in compared))
    src = [
        f"def __init__(self, {', '.join(params)}):" if params else "def __init__(self):",
        *(f"    {line}" for line in body or ["pass"]),
        "def __repr__(self):",
        "    return self.__class__.__qualname__ + f'(" + ", ".join(f"{n}={{self.{n}!r}}" for n in shown) + ")'",
        "def __eq__(self, other):",
        "    if other.__class__ is self.__class__:",
        f"        return {fields_of} == {other_of}",
        "    return NotImplemented",
    ]
    if frozen:
        src += [
            "def __hash__(self):",
            f"    return hash({fields_of})",
            "def __setattr__(self, name, value):",
            "    if type(self) is __class__ or name in __field_names__:",
            "        raise _frozen_error(name)",
            "    super(__class__, self).__setattr__(name, value)",
            "def __delattr__(self, name):",
            "    if type(self) is __class__ or name in __field_names__:",
            "        raise _frozen_error(name)",
            "    super(__class__, self).__delattr__(name)",
        ]
        globs["__class__"] = cls
        globs["__field_names__"] = tuple(name for name, _, _, _ in specs)
    ns: Dict[str, Any] = {}
    exec(_compiled("\n".join(src)), globs, ns)  # the code written above, from the class's field names
    for name, fn in ns.items():
        if name in ("__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__") and name in cls.__dict__:
            continue  # the class's own method stays, as dataclasses does (eq and repr are never overwritten)
        fn.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, fn)
    if not frozen and "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # type: ignore[assignment]  # eq without frozen: unhashable, as dataclasses makes it
    cls.__match_args__ = tuple(name for name, _, _, spec in specs if spec.init)  # type: ignore[attr-defined,misc]
    cls._record_spec = (tuple(specs), frozen)  # type: ignore[attr-defined]
    cls.__dataclass_fields__ = _LazyFields()  # type: ignore[attr-defined]
    return cls


def _code_key() -> str:
    from .cache import digest

    return digest(f"records python {sys.version}".encode()).hexdigest()  # code objects: this Python's only


_codes = Store("records", _code_key, max_entries=500)  # source -> its code object (marshal)


def _compiled(source: str) -> Any:
    """compile(source), from the disk cache when compiled before: compiling is most of a class's cost
    here (~0.25 ms of ~0.3), and the same classes are made at every start."""
    code = _codes.get(source)
    if code is None:
        code = compile(source, "<analyzer.core.records>", "exec")
        _codes.put(source, code)
    return code


def _frozen_error(name: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(f"cannot assign to field {name!r}")


class _LazyFields:
    """`__dataclass_fields__` on first use: the fields the real dataclasses.dataclass makes of a copy of
    the class's annotations and field specs (so `fields`, `asdict`, `replace`, `is_dataclass` work)."""

    def __get__(self, obj: Optional[object], cls: type) -> Dict[str, Any]:
        import dataclasses

        specs, frozen = cls._record_spec  # type: ignore[attr-defined]
        ns: Dict[str, Any] = {"__annotations__": {name: ann for name, ann, _, _ in specs}, "__module__": cls.__module__}
        for name, _, default, spec in specs:
            kw: Dict[str, Any] = {"init": spec.init, "repr": spec.repr, "compare": spec.compare}
            if default is not _MISSING:
                kw["default"] = default
            if spec.default_factory is not _MISSING:
                kw["default_factory"] = spec.default_factory
            ns[name] = dataclasses.field(**kw)
        shadow: Any = dataclasses.dataclass(frozen=frozen)(type(cls.__name__, (), ns))
        fields = shadow.__dataclass_fields__
        type.__setattr__(cls, "__dataclass_fields__", fields)
        type.__setattr__(cls, "__dataclass_params__", shadow.__dataclass_params__)
        return fields
