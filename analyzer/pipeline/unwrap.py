"""Lines that a fixed-width console or a thread's text broke, joined again for the rules to see; lines
that hold a whole output as one escaped string, split again.

A log copied from a console window of fixed width arrives with every long line cut each W
characters: `...NotFoundError: .../_ops.so: undefined s` then `ymbol: _ZN10tensorflow...`, and no
rule can match either piece. When a small input has that shape (several lines exactly as long as
its longest one, each followed by a line that goes on with it), each run of pieces is also seen
as the one line it was, numbered as its first piece. So is a run of lines re-flowed at word boundaries,
each piece but the last ending in the space the break replaced, and an exception's message that its raiser
wrote over several lines (the lines after the exception line that go on with its sentence). The pieces stay
as they were: this only adds.

A captured output printed as a Python string (pytest's `E   AssertionError: b'Traceback ...\\n  File
...\\nImportError: ...'`, a subprocess's `stderr` shown with `repr`) arrives as one line with literal
`\\n`s and `\\'`s; each of its lines is also seen on its own (escaped_lines), numbered as that line.
So does a traceback whose line breaks a paste lost (`File "a.py", line 3, in f    g()  File "b.py", ...
raise E("x")E: x`): its frames and its exception, split at each `File "...", line N` and where the
exception line follows the last source line (also one frame with its exception run on). And a program's
line that a TensorFlow log line interrupted (interrupted_lines): its text before the log line, finished
by the next line, is seen as the line it was.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

from analyzer.core.cache import compile_re
from analyzer.pipeline.parse import classify, clean, log_header_start, strip_launcher_prefix
from analyzer.pipeline.reader import Block

MAX_BYTES = 256 << 10  # pasted excerpts are small; a long training log is not hard-wrapped
MIN_WIDTH = 60  # narrower "widths" are ordinary short lines
MIN_RUNS = 2  # the shape must recur: one long line followed by another is no evidence of wrapping (but see below)

# A line that starts a record of its own rather than going on with the one before it (an indented
# line is a traceback's source line or a block's next item, never the rest of a cut-off word).
_RECORD_START = compile_re(
    rb"^(?:\s*$| {2}|\t|\s*File \"|\s*Traceback \(|During handling|The above exception|\d{4}-\d\d-\d\d[ T]|[IWEF]\d{4} |"
    rb"\[|\(|\$ |>>> |[A-Z][\w.]*(?:Error|Exception|Warning|Exit)\b|(?:INFO|WARN(?:ING)?|ERROR|DEBUG|CRITICAL|FATAL|NOTE|HINT|FAIL(?:ED)?|PASS(?:ED)?):|Epoch \d"
    rb"|[A-Za-z][\w.-]* \d[\w.+!]* (?:requires|has requirement) )"  # an item of pip's conflict list ("tensorflow 2.5.0 requires numpy~=1.19.2, ...")
)


# A traceback's frame line that a re-flow broke before its file's path (too long for the width: "  File " then
# '"/long/path/x.py", line 3, in f'), after it, or before its line number; a quote's "> " or the pieces' indent may
# stand before either piece. (A break after the line number leaves a frame that parses: "..., line 3, in " / "f".)
_FRAME_HEAD = compile_re(rb'(?m)^[ \t>]*File(?: "[^"\r\n]+",(?: line)?)?[ \t\r]*$')


def frames_rejoined(block: Block) -> Block:
    """`block` with each frame line a re-flow broke in two (_FRAME_HEAD, then the rest of the frame) as one line,
    and an empty line where its second piece was (every other line keeps its number): the traceback tracker reads
    frames, not the joins wrapped_runs offers after the block, and neither piece holds a keyword to be read alone."""
    if block.first_line != 1 or len(block.data) > MAX_BYTES or not _FRAME_HEAD.search(block.data):
        return block
    nl = block.newline
    lines = block.data.split(nl)
    changed = False
    for j in range(len(lines) - 1):
        if _FRAME_HEAD.match(lines[j]) and lines[j + 1].strip():
            joined = lines[j].rstrip(b" \t\r") + b" " + lines[j + 1].lstrip(b" \t>")
            if classify(clean(joined))[3] == "frame":  # (the parser's own test of a frame line)
                lines[j], lines[j + 1], changed = joined, b"", True
    return Block(nl.join(lines), block.first_line, nl, block.lines) if changed else block


def wrapped_runs(block: Block) -> List[Tuple[int, List[bytes]]]:
    """(line number of the first piece, the pieces) for each run of hard-wrapped lines in `block`:
    cut at a fixed width, or re-flowed at spaces; [] when the block shows neither."""
    if block.first_line != 1 or len(block.data) > MAX_BYTES:
        return []
    raw = [line.rstrip(b"\r") for line in block.data.split(block.newline)]
    lines = _bodies(raw)
    # a prefix added to each piece (a Markdown quote of a cut paste) leaves the pieces' bodies of one width; one a
    # launcher or `docker logs -t` wrote before a line the console then cut is in its first piece only: the whole
    # lines are of one width
    cut = _cut_runs(lines, block.first_line) or _cut_runs(lines, block.first_line, widths=raw)
    inside = {line_no + k for line_no, pieces in cut for k in range(len(pieces))}
    flowed = [run for run in _flowed_runs(lines, block.first_line) if run[0] not in inside]
    # a message's line breaks can look like one fixed-width cut too ("...requires TensorFlow" / "version >= 2.5"):
    # both readings are offered, and each is fed only where its join says more than the pieces
    starts = {line_no for line_no, _ in flowed}
    runs = cut + flowed + [run for run in _message_runs(lines, block.first_line) if run[0] not in starts]
    for more in (_indented_runs, _reindented_runs):  # each where no earlier reading starts a run
        starts |= {line_no for line_no, _ in runs}
        runs += [run for run in more(lines, block.first_line) if run[0] not in starts]
    return runs


def _cut_runs(lines: List[bytes], first_line: int, widths: Optional[List[bytes]] = None) -> List[Tuple[int, List[bytes]]]:
    """Runs of lines cut each W characters (W the longest line's length, in characters: a console's
    columns, where a Keras progress bar's `━` takes one and three bytes); `widths`: the lines to measure, where
    they are not the bodies (`lines`, which the runs are made of)."""
    lengths = [_columns(line) for line in widths or lines]
    width = max(lengths, default=0)
    if width < MIN_WIDTH:
        return []
    runs = _runs(lines, first_line, lambda j: lengths[j] == width and not _RECORD_START.match(lines[j + 1]))
    if len(runs) >= MIN_RUNS:
        return runs
    # one long line is evidence where it was cut twice or more (two lines in a row exactly as long as the
    # longest) or where its one cut falls inside a sentence: inside a word ("...with Cuda c" / "ompute
    # capability 3.0", "cuda_" / "dnn.cc", "cuDevicePrimary" / "CtxRetain"), at a space before a lowercase word ("...some GPU" / " libraries."),
    # or before what goes on with the sentence ("...CuDNN library" / ": 8.1.1 but", "...shape [50" / "]",
    # "...(from tensorflow[" / "and-cuda])"), or inside an upper-case word ("...cuInit: UNK" / "NOWN ERROR")
    return [r for r in runs if len(r[1]) > 2 or _cut_inside(r[1][0], r[1][1])]


def _columns(line: bytes) -> int:
    """The line's width on a console: its characters, not its bytes."""
    return len(line) if line.isascii() else len(line.decode("utf-8", "replace"))


def _cut_inside(piece: bytes, rest: bytes) -> bool:
    """Does a line cut into `piece` and `rest` break a word or sentence (see _cut_runs)?"""
    return bool(
        _CUT_BEFORE.search(piece)
        and _CUT_AFTER.match(rest)
        or _UPPER_END.search(piece)
        and _UPPER_START.match(rest)
        or _CAMEL_END.search(piece)
        and _CAMEL_START.match(rest)
    )


MIN_FLOWED = 40  # a re-flowed piece is a paragraph's line, not a short line that happens to end in a space


def _flowed_runs(lines: List[bytes], first_line: int) -> List[Tuple[int, List[bytes]]]:
    """Runs of lines that a thread's text or a mail client re-flowed at word boundaries: each piece but the
    last ends in the space the break replaced (`...convolution algorithm. ` / `This is probably because
    cuDNN failed to initialize, so ... log ` / `message was printed above.`), so the pieces joined are the
    sentence again."""

    def goes_on(j: int) -> bool:
        return (
            len(lines[j]) >= MIN_FLOWED
            and lines[j].endswith(b" ")
            and bool(lines[j + 1].strip())
            and not _RECORD_START.match(lines[j + 1])
        )

    return _runs(lines, first_line, goes_on)


MAX_MESSAGE_LINES = 6  # an exception's message printed over a few lines, not a paragraph of output after it
# (TF 1.x's session errors: "ResourceExhaustedError (see above for traceback): OOM when ...")
_EXCEPTION_START = compile_re(rb"^[A-Za-z_][\w.]*(?:Error|Exception|Warning)(?: \(see above for traceback\))?: \S")
_GOES_ON_LOWER = compile_re(rb"^[a-z]")
_GOES_ON_SHAPE = compile_re(rb"^\[\d")  # a shape the break moved to the next line ("...with shape" / "[6272,30000] and ...")


def _message_runs(lines: List[bytes], first_line: int) -> List[Tuple[int, List[bytes]]]:
    """Runs of an exception's message that its raiser wrote over several lines (TensorFlow Probability's
    `ImportError: This version of TensorFlow Probability requires TensorFlow` / `version >= 2.5; Detected an
    installation of version 2.4.1. Please` / `upgrade TensorFlow to proceed`), or that a paste broke, an
    exception's or a TF log line's whose message stops mid-sentence (`F ...cpu_feature_guard.cc:35] The
    TensorFlow library was compiled` / `to use AVX2 instructions, but ...`): the first line, then the lines
    that go on with its sentence (they start in lowercase, or with the shape a break moved after "with
    shape"). Each piece but the last gets the space the line break stood for, so the pieces joined are the
    message on one line."""
    starts = [_message_start(line) for line in lines]
    in_message = [False] * len(lines)
    for j, line in enumerate(lines):
        in_message[j] = starts[j] or (
            j > 0
            and in_message[j - 1]
            and (
                bool(_GOES_ON_LOWER.match(line))
                and not _RECORD_START.match(line)
                or bool(_ENDS_MID_SENTENCE.search(lines[j - 1]) and _GOES_ON_SHAPE.match(line))
            )
        )

    def goes_on(j: int) -> bool:
        return in_message[j] and in_message[j + 1] and not starts[j + 1]

    runs = _runs(lines, first_line, goes_on)
    return [(at, [p + b" " for p in pieces[:-1]] + pieces[-1:]) for at, pieces in runs if len(pieces) <= MAX_MESSAGE_LINES]


_ENDS_MID_SENTENCE = compile_re(rb"[a-z],?$")  # a word, no full stop, colon or bracket after it


def _message_start(line: bytes) -> bool:
    """Does a message that may go on over the next lines start here: an exception line, or a TF log line whose
    message stops mid-sentence?"""
    if _EXCEPTION_START.match(line):
        return True
    return bool(_ENDS_MID_SENTENCE.search(line)) and log_header_start(line.decode("utf-8", "replace")) >= 0


# words, not code: "    compiled with: 7.4.2", "    5100) but source was" (a parenthesis the break fell inside)
_INDENTED_PROSE = compile_re(rb"^[ \t]+(?:[a-z][a-z-]*|\d[\d.]*\))[,:;.]? [A-Za-z][\w-]*[,:;.]?(?: |$)")
_FRAME_LINE = compile_re(rb"^\s*File \"")


def _indented_runs(lines: List[bytes], first_line: int) -> List[Tuple[int, List[bytes]]]:
    """Runs of a paragraph pasted with its lines re-indented (a message copied out of a terminal's wrapped
    output into a comment: `Loaded runtime CuDNN library: 7.3.1 but source was` / `    compiled with: 7.4.2.  CuDNN
    library major and` / `    minor version needs to match ...`): each piece but the last ends inside a sentence
    (a lowercase word), the next starts indented with words, not code. The pieces joined, each indent dropped
    and the line break a space, are the sentence again. A traceback's frame line and its source line are never
    such a pair (the frame line is excluded, and source lines are code)."""

    def goes_on(j: int) -> bool:
        return (
            len(lines[j].strip()) >= MIN_FLOWED
            and bool(_ENDS_MID_SENTENCE.search(lines[j].rstrip()))
            and not _FRAME_LINE.match(lines[j])
            and bool(_INDENTED_PROSE.match(lines[j + 1]))
        )

    return _joined_as_prose(_runs(lines, first_line, goes_on))


_CONTINUED = compile_re(rb"^(?: {2,8}|\t)(?=\S)")  # a piece a paste indented: its text after a few spaces or a tab
# a traceback's lines that pair with an indented next line by nature: a whole frame line (its source line follows), the
# next frame, IPython's numbered code lines
_WHOLE_FRAME = compile_re(rb"(?:, line \d+, in |:\d+, in |\.py in )\S+$")
_NOT_CONTINUED = compile_re(rb"^\s*(?:File |-*> ?\d+ |\d+ )")


def _reindented_runs(lines: List[bytes], first_line: int) -> List[Tuple[int, List[bytes]]]:
    """Runs of lines a terminal wrapped at word boundaries and a paste then indented (`E0000 ... cuda_dnn.cc:522]` /
    `    Loaded runtime CuDNN library: 9.1.0 but source was compiled` / `    with: 9.3.0.  CuDNN library needs ...`):
    each piece but the last is as long as the width allowed, where the next piece's first word would not have
    fitted, and the next piece is indented. The width is not known: it is the one that most such pairs of lines
    agree on (a line and its indented next line agree on every width from the line's length to that length plus
    the next word's). The pieces joined, each indent dropped and the line break a space, are the line again."""
    spans = []  # (the widths a line and its indented next line agree on, from, to)
    for j in range(len(lines) - 1):
        nxt = lines[j + 1]
        if (
            _CONTINUED.match(nxt)
            and lines[j].strip()
            and not lines[j].endswith(b" ")
            and not _NOT_CONTINUED.match(nxt)
            and not _WHOLE_FRAME.search(lines[j])
        ):
            length = _columns(lines[j])
            word = nxt.split(None, 1)[0]
            spans.append((j, length, length + len(word) + 2))
    if len(spans) < MIN_RUNS:
        return []
    width, agree = _most_agreed(spans)
    if width < MIN_WIDTH or agree < MIN_RUNS:
        return []
    wrapped = {j for j, low, high in spans if low <= width <= high}
    return _joined_as_prose(_runs(lines, first_line, lambda j: j in wrapped))


def _joined_as_prose(runs: List[Tuple[int, List[bytes]]]) -> List[Tuple[int, List[bytes]]]:
    """Indented pieces as they join: each indent dropped, each line break a space."""
    return [(at, [pieces[0] + b" "] + [p.strip() + b" " for p in pieces[1:-1]] + [pieces[-1].strip()]) for at, pieces in runs]


def _most_agreed(spans: List[Tuple[int, int, int]]) -> Tuple[int, int]:
    """(the width most spans hold, how many hold it): a sweep over the spans' ends."""
    events = sorted([(low, 1) for _, low, _ in spans] + [(high + 1, -1) for _, _, high in spans])
    best, best_at, depth = 0, 0, 0
    for at, step in events:
        depth += step
        if depth > best:
            best, best_at = depth, at
    return best_at, best


def _runs(lines: List[bytes], first_line: int, goes_on: Callable[[int], Any]) -> List[Tuple[int, List[bytes]]]:
    """(line number of the first piece, the pieces) for each run of two or more lines, each but the last
    followed by one that `goes_on(its index)` says continues it."""
    runs: List[Tuple[int, List[bytes]]] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and goes_on(j):
            j += 1
        if j > i:
            runs.append((first_line + i, lines[i : j + 1]))
        i = j + 1
    return runs


_CUT_BEFORE = compile_re(rb"[\w \[(/\\.,=-]$")  # inside a word, a path, a bracket, a list or a requirement
_UPPER_END, _UPPER_START = compile_re(rb"[A-Z_]$"), compile_re(rb"[A-Z_]")  # "...cuInit: UNK" / "NOWN ERROR (303)"
_CUT_AFTER = compile_re(rb"[a-z0-9_:;,.)\]}]| [a-z]")  # a word's rest, or what goes on with a sentence
# inside a camelCase name (CUDA's and TF's API: "...failed call to cuDevicePrimary" / "CtxRetain: CUDA_ERROR_...")
_CAMEL_END, _CAMEL_START = compile_re(rb"\b[a-z]+[A-Za-z0-9]*[A-Z][a-z0-9]+$"), compile_re(rb"[A-Z][a-z0-9]+[A-Z:(]")


def _bodies(lines: List[bytes]) -> List[bytes]:
    """The lines without what every one of them starts with (a paste indented as a block), without a
    launcher's prefix (`> `, `svc-1  | `, ...: parse.strip_launcher_prefix), without a terminal UI's box
    around them (_inside_box) and without a neighbouring terminal pane (_left_pane), so that a cut line's next
    piece starts where the cut was."""
    if any(_BORDER_BYTES in line for line in lines):  # (most pastes have no border: no need to decode them for it)
        lines = _left_pane(_inside_box(lines))
    indents = [len(line) - len(line.lstrip(b" \t")) for line in lines if line.strip()]
    common = min(indents, default=0)
    if common and len({line[:common] for line in lines if line.strip()}) == 1:
        lines = [line[common:] for line in lines]
    out = []
    for line in lines:
        text = line.decode("utf-8", "replace")
        body = strip_launcher_prefix(text)
        out.append(line if body is text else body.encode("utf-8"))
    return out


_PANE_BORDER = "\u2502"  # the vertical line tmux draws between panes, and terminal UIs around their boxes
_BORDER_BYTES = _PANE_BORDER.encode("utf-8")


def _inside_box(lines: List[bytes]) -> List[bytes]:
    """A log copied from inside a terminal UI's box (k9s's log view, a framed panel): its lines between a left
    border `│ ` and a right one ` │`, the text cut at the box's width (`...inference.so: undefi │` / `│ ned symbol:
    ...`). The text inside the borders, so that the cut lines' pieces meet; lines without a border stay as they are."""
    left, right = _PANE_BORDER + " ", " " + _PANE_BORDER
    texts = [line.decode("utf-8", "replace").rstrip() for line in lines]
    if sum(t.startswith(left) for t in texts) < MIN_RUNS or sum(t.endswith(right) for t in texts) < MIN_RUNS:
        return lines
    out = []
    for text in texts:
        text = text[len(left) :] if text.startswith(left) else text
        out.append((text[: -len(right)] if text.endswith(right) else text).encode("utf-8"))
    return out


def _left_pane(lines: List[bytes]) -> List[bytes]:
    """A split terminal window (tmux) copied whole: every line ends at the pane's border, one column
    for all, with padding before it and the next pane's text after it. The left pane is the log, its lines cut
    at the border's column: what is left of the border, without the padding."""
    texts = [line.decode("utf-8", "replace") for line in lines]
    columns = {text.find(_PANE_BORDER) for text in texts if text.strip()}
    if len(columns) != 1 or min(columns) < MIN_WIDTH:
        return lines
    column = min(columns)
    return [text[:column].rstrip().encode("utf-8") for text in texts]


def interrupted_lines(block: Block) -> List[Tuple[int, List[bytes]]]:
    """(line number, [the program's text, the line that finishes it]) for each line of a small input where a
    TensorFlow log line interrupted a program's unfinished line (stdout and stderr on one console): `Setting up
    TensorFlow plugin "fused_bias_act.cu": Preprocessing... 2022-06-22 16:32:28.879151: W tensorflow/...` then
    `Failed!`. The text before the log line, with the next line where that one goes on with it (it starts no record
    of its own), is the line the program wrote. The log line itself is read where it is, as always."""
    if block.first_line != 1 or len(block.data) > MAX_BYTES:
        return []
    lines = [line.rstrip(b"\r") for line in block.data.split(block.newline)]
    found: List[Tuple[int, List[bytes]]] = []
    for j in range(len(lines) - 1):
        if not lines[j + 1].strip() or _RECORD_START.match(lines[j + 1]) or b"] " not in lines[j]:
            continue
        text = lines[j].decode("utf-8", "replace")
        program = text[: max(log_header_start(text), 0)].rstrip()
        if program.strip():  # the log line starts after the program's own text
            found.append((block.first_line + j, [program.encode("utf-8") + b" ", lines[j + 1].strip()]))
    return found


MIN_ESCAPED_BREAKS = 2  # one literal "\\n" is a string in code (`print("done\\n")`), not a captured output
_ESCAPES = compile_re(rb"\\([\\'\"t])")
# a frame's file as a traceback prints it: a Windows path in it ("C:\\Users\\natha\\...") holds "\\n" that is no escape
_FRAME_FILE = compile_re(rb'File "[^"]*"')


MIN_FLAT_FRAMES = 2  # frames run together on one line: a traceback that lost its line breaks
_FRAME_START = compile_re(rb'(?<=\S)\s*(?=File "[^"]+", line \d+)')
# the exception line run onto a frame's source line (`raise E("x")E: x`): after a closing mark, or after a space where
# the breaks became spaces (a hosted app's error page: `raise ValueError( ValueError: x`; never `except KeyError: `);
# and a chained traceback's own lines run on after it ("...found.During handling of the above exception, another
# exception occurred:Traceback (most recent call last):")
_GLUED_EXCEPTION = compile_re(
    rb"(?:(?<=[)\]}'\"])|(?<=\S)(?<!except)\s+)(?=(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt): )"
    rb"|(?<=\S)\s*(?=During handling of the above exception|The above exception was the direct cause|Traceback \(most recent call last\):)"
    rb"|(?<=exception occurred:)\s*(?=\S)|(?<=the following exception:)\s*(?=\S)"
)


def exception_start(piece: bytes) -> bool:
    """Does a piece of a split line start with an exception's type (`ValueError: ...`)?"""
    return _EXCEPTION_START.match(piece) is not None


def escaped_lines(block: Block) -> List[Tuple[int, List[bytes]]]:
    """(line number, the lines it holds) for each line of a small input that holds a whole output as
    one escaped string: split at its literal `\\n`s, its `\\'`, `\\"`, `\\\\` and `\\t` unescaped; or a
    traceback that lost its line breaks: split before each frame and before the exception."""
    if block.first_line != 1 or len(block.data) > MAX_BYTES:
        return []
    escaped = (  # (a frame's path is cut out only where the block holds escapes at all: most hold none)
        block.data.count(b"\\n") >= MIN_ESCAPED_BREAKS and _FRAME_FILE.sub(b"", block.data).count(b"\\n") >= MIN_ESCAPED_BREAKS
    )
    html = b"File &quot;" in block.data  # a web page's HTML of a traceback (clean() decodes its pieces' entities too)
    if not escaped and not html and b'File "' not in block.data:
        return []
    found: List[Tuple[int, List[bytes]]] = []
    for offset, line in enumerate(block.data.split(block.newline)):
        if escaped and _FRAME_FILE.sub(b"", line).count(b"\\n") >= MIN_ESCAPED_BREAKS:
            pieces = [_ESCAPES.sub(_unescape, piece).rstrip(b"\r") for piece in line.split(b"\\n")]
        else:
            if html and b"File &quot;" in line:
                line = _html_decoded(line)
            frames = line.count(b'File "')
            if frames >= MIN_FLAT_FRAMES:
                pieces = _FRAME_START.split(line)
                if len(pieces) < MIN_FLAT_FRAMES:
                    continue
            elif frames and b": " in line:  # one frame with its exception run on (`File "a.py", line 7, in f  x = np.cast,
                pieces = [line]  # AttributeError: ...`); a frame alone holds no ": " (a drive's colon has none after it)
            else:
                continue
            pieces = [part for piece in pieces for part in _GLUED_EXCEPTION.split(piece)]
            if frames < MIN_FLAT_FRAMES and not any(exception_start(piece) for piece in pieces[1:]):
                continue
        found.append((block.first_line + offset, [p for p in pieces if p.strip()]))
    return found


def _html_decoded(line: bytes) -> bytes:
    """A line with HTML's entities decoded (as clean() decodes them), so that its frames split as a bare traceback's."""
    import html  # here, not at start-up (see clean)

    return html.unescape(line.decode("utf-8", "replace")).encode("utf-8")


def _unescape(m: Any) -> bytes:
    return b"\t" if m.group(1) == b"t" else m.group(1)
