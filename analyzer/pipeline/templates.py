"""Rule texts to report texts: a rule's `explanation` and `fixes` are templates whose `{fact}`
placeholders are filled from the finding's facts; a line naming a fact the log did not state is left out.
"""

from __future__ import annotations

import _string  # string.Formatter.parse itself, without importing `string` (its Template compiles a regex)
from functools import lru_cache
from typing import Dict, Optional, Tuple


@lru_cache(maxsize=2048)
def _template_lines(template: str) -> Tuple[Tuple[str, Optional[Tuple[str, ...]]], ...]:
    """The template's lines, each with the fact names it uses (None: not a format string).
    Parsed once per template: rules' texts are rendered for every report."""
    out = []
    for line in template.splitlines():
        try:
            names: Optional[Tuple[str, ...]] = tuple(f for _, f, _, _ in _string.formatter_parser(line) if f)
        except ValueError:
            names = None
        out.append((line, names))
    return tuple(out)


def render_template(template: str, facts: Dict[str, object], short: bool = False) -> str:
    """Fill {fact} placeholders; a line that names an unknown fact is left out.

    `short`: only the first line (the rule's statement) and the lines that state this log's facts
    (its versions, sizes, library names): the general prose is for --verbose and the JSON."""
    out = []
    for i, (line, names) in enumerate(_template_lines(template)):
        if short and i > 0 and not names:
            continue
        if names is None:
            out.append(line)
            continue
        values = {}
        for n in names:
            v = facts.get(n)
            if v in (None, "", []):
                break
            values[n] = ", ".join(map(str, v)) if isinstance(v, list) else v
        else:
            try:
                out.append(line.format(**values))
            except (KeyError, IndexError, ValueError, AttributeError):
                out.append(line)
    return "\n".join(out).strip()
