"""A log as people paste it: re-flowed by a thread's text, cut by a fixed-width console, HTML-escaped.

Shared by the tests that check tflog reads these forms (test_generalization.py) and by
scripts/paste_forms.py, which counts how many answers change under each form over every real log.
"""

from __future__ import annotations


def hard_wrapped(text: str, width: int = 80) -> str:
    """`text` as a fixed-width console window copies it: every line cut each `width` characters."""
    return "".join(
        "".join(line[i : i + width] + "\n" for i in range(0, max(len(line), 1), width)) for line in text.splitlines()
    )


def reflowed(text: str, width: int = 72) -> str:
    """`text` as a thread's text or a mail client re-flows it: long lines broken at word boundaries, each piece
    but the last keeping the space the break replaced."""
    out = []
    for line in text.splitlines():
        while len(line) > width and " " in line[:width]:
            cut = line.rindex(" ", 0, width) + 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return "".join(piece + "\n" for piece in out)


def reindented(text: str, width: int = 60, indent: str = "    ") -> str:
    """`text` as someone pastes a terminal's wrapped message into a comment: long lines broken at word boundaries,
    the space at each break dropped and every piece after the first indented."""
    out = []
    for line in text.splitlines():
        first = True
        while len(line) > width and " " in line[1:width]:
            cut = line.rindex(" ", 1, width)
            out.append(("" if first else indent) + line[:cut])
            line, first = line[cut + 1 :], False
        out.append(("" if first else indent) + line)
    return "".join(piece + "\n" for piece in out)


def html_escaped(text: str) -> str:
    """`text` as a web page's HTML holds it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;")
