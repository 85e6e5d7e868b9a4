"""Jupyter and Colab notebooks (.ipynb) as logs.

A notebook keeps what its cells printed: stream outputs (stdout, and stderr where TensorFlow's C++
log goes), error outputs with their ANSI-coloured tracebacks, and results. Each code cell that has
outputs becomes one input named ``notebook.ipynb#cell3`` (cells counted from 1 in notebook order,
markdown cells included, as a reader scrolling the notebook counts them), so a finding's evidence
says "cell 3, line 12" while the JSON report keeps its shape: an input name and a line number.
"""

from __future__ import annotations

import json
from typing import Iterator, List, Tuple

from analyzer.core.cache import compile_re

from .reader import InputError, open_source

CELL_MARK = "#cell"
_CELL_NAME = compile_re(r"^(?P<path>.+)#cell(?P<cell>\d+)$")


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def cell_place(input_name: str) -> Tuple[str, int]:
    """('nb.ipynb', 3) for the input name 'nb.ipynb#cell3'; (name, 0) for any other input."""
    m = _CELL_NAME.match(input_name)
    return (m.group("path"), int(m.group("cell"))) if m else (input_name, 0)


def _text(value) -> str:
    """Notebook text fields are a string or a list of strings (lines with their newlines)."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _output_text(out: dict) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        return _text(out.get("text"))
    if kind in ("error", "pyerr"):
        lines = out.get("traceback")
        if isinstance(lines, list) and lines:
            return "\n".join(str(x) for x in lines)
        return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
    if kind in ("execute_result", "display_data", "pyout"):
        data = out.get("data", out)
        return _text(data.get("text/plain", data.get("text", ""))) if isinstance(data, dict) else ""
    return ""


def _cells(nb: dict) -> List[dict]:
    if isinstance(nb.get("cells"), list):  # nbformat 4
        return nb["cells"]
    sheets = nb.get("worksheets")  # nbformat 3
    if isinstance(sheets, list) and sheets and isinstance(sheets[0], dict):
        return sheets[0].get("cells") or []
    raise InputError("not a Jupyter notebook (no cells)")


def cell_outputs(path: str) -> Iterator[Tuple[str, str]]:
    """(input name, the cell's outputs as text) for each code cell with outputs, in cell order."""
    source = open_source(path)  # missing, unreadable or a directory: the same messages as for a log
    try:
        nb = json.loads(source.stream.read().decode("utf-8", "replace"))
    except ValueError as e:
        raise InputError(f"{path}: not a Jupyter notebook (invalid JSON: {e})") from None
    finally:
        source.stream.close()
    if not isinstance(nb, dict):
        raise InputError(f"{path}: not a Jupyter notebook (no cells)")
    try:
        cells = _cells(nb)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        parts = [_output_text(o) for o in cell.get("outputs") or [] if isinstance(o, dict)]
        text = "".join(p if p.endswith("\n") else p + "\n" for p in parts if p)
        if text:
            yield f"{path}{CELL_MARK}{number}", text
