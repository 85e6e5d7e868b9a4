"""A paste that stops in the middle of its last line, read as the start of the message it was.

Excerpts copied from a terminal, an issue or a search result often end mid-line ("W0000 ...
gpu_device.cc:2341] Cannot dlopen some GPU li"); no pattern matches half a message. The knowledge
base holds each rule's example lines, so when the last line of a small input is the beginning of
an example's message (and goes no further than the example does), it is read as that rule's line,
with the lower confidence of a fuzzy match.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from analyzer.core.cache import compile_re

from .parse import classify, clean

MAX_BYTES = 256 << 10  # pasted excerpts are small; a training log's last line is whole
MIN_CHARS = 24  # a shorter fragment starts too many messages
MIN_WORDS = 4
SCORE = 80  # as a fuzzy match of this score: the line is only the beginning of the message
_SPACES = compile_re(r"\s+")


def last_line(data: bytes) -> bytes:
    """The last non-empty line of a block of complete lines (without its line end)."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    return data[data.rfind(b"\n", 0, end) + 1 : end]


def completion(kb: Any, raw: bytes) -> Optional[Any]:
    """The first rule (in knowledge-base order) an example message of which begins with this line's
    message and goes on after it; None when the line is too short to say or no example fits."""
    message = _norm(classify(clean(raw))[0])
    if len(message) < MIN_CHARS or message.count(" ") < MIN_WORDS - 1:
        return None
    for rule, example in _example_messages(kb):
        if len(example) > len(message) and example.startswith(message):
            if message[-1].isdigit() and example[len(message)].isdigit():
                continue  # a line that ends in a number is whole: values differ from the example's
            return rule
    return None


def _norm(message: str) -> str:
    return _SPACES.sub(" ", message.strip().lower())


def _example_messages(kb: Any) -> List[Tuple[Any, str]]:
    """Each specific rule's one-line example messages, normalised; built once per knowledge base."""
    built = getattr(kb, "_truncated_examples", None)
    if built is None or built[0] is not kb.rules:
        examples = [
            (rule, _norm(classify(clean(ex.line.encode("utf-8")))[0]))
            for rule in kb.rules
            if not rule.family and rule.severity != "info"
            for ex in rule.examples_match
            if "\n" not in ex.line.strip()
        ]
        built = kb._truncated_examples = (kb.rules, examples)
    return built[1]
