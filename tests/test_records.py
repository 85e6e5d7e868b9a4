"""analyzer.core.records: tflog's data classes without `dataclasses` at start-up (issue 15) behave as
`dataclasses.dataclass` makes them: constructor, defaults, repr, equality, hashing, frozen instances,
and the `dataclasses` functions (fields, asdict, replace) on them."""
from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Dict, List, Optional

import pytest

from analyzer.cli.analyze import Option
from analyzer.core import model, records
from analyzer.kb.rules import Example, Fix, Rule
from analyzer.pipeline.engine import Hit
from analyzer.pipeline.facts import FactPattern
from analyzer.pipeline.parse import Frame, Record, Traceback
from analyzer.pipeline.reader import Block, Source

CLASSES = [model.Evidence, model.Finding, model.LossPoint, model.MemoryBin, model.InputInfo, model.Report, Fix, Example,
           Rule, Record, Frame, Traceback, Hit, Block, Source, FactPattern, Option]


def twin(cls):
    """The same class made by dataclasses.dataclass."""
    fields = dataclasses.fields(cls)  # made by the real dataclasses from records' specs (see records._LazyFields)
    ns = {"__annotations__": {f.name: f.type for f in fields}, "__module__": cls.__module__, "__qualname__": cls.__qualname__}
    for f in fields:
        kw = {"init": f.init, "repr": f.repr, "compare": f.compare}
        if f.default is not dataclasses.MISSING:
            kw["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            kw["default_factory"] = f.default_factory
        ns[f.name] = dataclasses.field(**kw)
    for name in ("__post_init__",):
        if name in cls.__dict__:
            ns[name] = cls.__dict__[name]
    return dataclasses.dataclass(frozen=cls._record_spec[1])(type(cls.__name__, (), ns))


def sample_args(cls):
    """Values for the fields without defaults (strings, numbers: what the fields hold)."""
    out = {}
    for i, f in enumerate(dataclasses.fields(cls)):
        if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            out[f.name] = f"v{i}" if "str" in str(f.type) or "Optional" in str(f.type) else i
    return out


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_record_class_is_what_dataclasses_makes(cls):
    assert "_record_spec" in cls.__dict__  # made by records, not dataclasses
    other = twin(cls)
    args = sample_args(cls)
    a, b = cls(**args), other(**args)
    assert repr(a) == repr(b)
    assert {f.name: getattr(a, f.name, "unset") for f in dataclasses.fields(cls)} == {
        f.name: getattr(b, f.name, "unset") for f in dataclasses.fields(other)}
    assert a == cls(**args) and a != b  # equal to its own class only, as dataclasses' __eq__
    assert [f.name for f in dataclasses.fields(a)] == [f.name for f in dataclasses.fields(b)]
    assert cls.__match_args__ == other.__match_args__
    assert (cls.__hash__ is None) == (other.__hash__ is None)
    if cls._record_spec[1]:
        assert hash(a) == hash(b)
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.x = 1  # type: ignore[misc]
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert dataclasses.replace(a) == a and copy.deepcopy(a) == a
    if cls not in (Source, Block):
        assert pickle.loads(pickle.dumps(a)) == a
    inits = [f.name for f in dataclasses.fields(cls) if f.init]
    with pytest.raises(TypeError):
        cls(*range(len(inits) + 1))  # too many arguments


@records.dataclass
class _Sample:
    a: int
    b: str = "x"
    c: List[int] = records.field(default_factory=list)
    d: Optional[int] = records.field(default=None, repr=False)
    e: Dict[str, int] = records.field(default_factory=dict, compare=False)
    f: bool = records.field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.f = self.a > 1


def test_defaults_factories_and_post_init():
    s = _Sample(2)
    assert (s.a, s.b, s.c, s.d, s.e, s.f) == (2, "x", [], None, {}, True)
    assert s.c is not _Sample(2).c
    assert repr(s) == "_Sample(a=2, b='x', c=[], e={})"
    assert s == _Sample(2, e={"z": 1}) and s != _Sample(2, d=1)
    assert _Sample(1, "y", [1]).c == [1] and _Sample(a=1, b="y").b == "y"
    assert _Sample.b == "x" and "c" not in _Sample.__dict__
    with pytest.raises(TypeError):
        _Sample(1, f=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        hash(s)
    with pytest.raises(ValueError):
        records.dataclass(type("Bad", (), {"__annotations__": {"x": "list"}, "x": []}))
    with pytest.raises(TypeError):
        records.dataclass(type("Bad", (), {"__annotations__": {"x": "int", "y": "int"}, "x": 1}))
