"""Step 2: a text line becomes a `Record` (level, source, message, kind).

Knows the prefixes TensorFlow and Python put in front of messages:
- TSL/TF C++:  `2021-03-01 12:00:00.123456: E tensorflow/.../cuda_dnn.cc:336] msg`
  (also bare `E tensorflow/...cc:336] msg` from TF 0.x/1.x, Windows `C:\\...\\x.cc:12]`)
- absl C++ / absl-python: `E0000 00:00:1700000000.123456   12345 cuda_dnn.cc:535] msg`
- Python logging: `ERROR:tensorflow:msg`, `WARNING:absl:msg`, `[2024-05-10 11:33:19,738] [INFO] ...`,
  `2019-10-08 22:53:01,123 - root - ERROR - msg` (the time first, the level after a few fields)
and Python traceback structure (header, frames, Jupyter arrows, chain markers,
the final `Type: message` line). `TracebackTracker` follows that structure across lines.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from analyzer.core.cache import compile_re, compile_regex
from analyzer.core.records import dataclass, field

# Anything before the TF prefix is tolerated (shell timestamps, "> " quoting, "[stderr]").
# `source` can end at one place only (before the `:lineno]` that the first "]" closes), so its
# greedy run finds the same end as a lazy one, with far less backtracking.
_TSL = compile_regex(
    r"(?:(?<date>\d{4}-\d\d-\d\d)?[ T]?\d\d:\d\d:\d\d\.\d{3,9}: ?|(?:^|(?<=[\s:>]))(?=[IWEF] \S+?:\d+\] ))"
    r"(?<level>[IWEF]) (?:\[?\s*\d+ tid\]? )?(?<source>[^\s\]]*[\w.-]\.(?:cc|h|cpp|c|py)):(?<lineno>\d+)\] ?(?<msg>.*)$",
)
_ABSL = compile_regex(
    r"(?<level>[IWEF])(?<mmdd>\d{4}) (?<time>\d\d:\d\d:\d+\.\d{3,9})\s+(?<tid>\d+) "
    r"(?<source>[^\s:\]]+):(?<lineno>\d+)\] ?(?<msg>.*)$"
)
# protobuf's C++ runtime logs with a level of its own: "[libprotobuf FATAL google/protobuf/message_lite.cc:353] CHECK failed: ..."
_PROTOBUF = compile_regex(r"\[libprotobuf (?<level>INFO|WARNING|ERROR|FATAL) (?<source>[^\s\]]+):\d+\] ?(?<msg>.*)$")
_PYLOG = compile_regex(
    r"^(?:\[[^\]]*\]\s*)?(?:\[?(?<level>DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\]?)[:\s]+"
    r"(?:(?<logger>[\w.]+):)?(?<msg>.*)$"
)
# Python logging with the time first and the level after some fields of the program's format: logging's
# "%(asctime)s - %(name)s - %(levelname)s - %(message)s", faceswap's "10/08/2019 22:53:01 MainProcess MainThread
# cli execute_script ERROR    msg", loguru's "2024-01-01 12:00:00.123 | ERROR    | mod:fn:5 - msg". Fields are
# whole runs of non-space (no two ways to cut a line into them), at most four before the level (faceswap's four);
# the level stands as a column (a separator or two spaces after it), not as a word of prose ("... ERROR rate 0.1")
# nor as Ray's "ERROR services.py:1353 -- Failed to start the dashboard", which its own dashboard survives.
_PYLOG_TIMED = compile_regex(
    r"^(?:\d{4}-\d\d-\d\d|\d\d?/\d\d?/\d{2,4})[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:\s+\S+){0,4}?\s+"
    r"\[?(?<level>DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\]?(?:\s*[-|:]\s*|\s{2,})(?<msg>\S.*)$"
)
# An exception's type is named for what it is; pkg_resources' are not errors by name ("DistributionNotFound",
# "ContextualVersionConflict"), so those two endings count as well.
# (a private class too: TF's eager core raises _SymbolicException, _NotOkStatusException, _FallbackException)
_EXCEPTION_TYPE = r"(?:[A-Za-z_][\w]*\.)*(?:[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Failure|Warning|error|NotFound|Conflict)|_[A-Z]\w*Exception)"
EXCEPTION_LINE = compile_regex(r"^(?<type>" + _EXCEPTION_TYPE + r")(?: \(see above for traceback\))?(?::\s?(?<msg>.*))?$")
_TB_HEADER = compile_re(r"Traceback \(most recent call last\)")
_FRAME = compile_re(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.*))?')
_JUPYTER_FRAME = compile_re(r"^(?P<file>\S+\.py) in (?P<func>[\w<>.]+)(?:\(.*\))?\s*$|^<ipython-input-[\w-]+> in ")
_JUPYTER_ARROW = compile_re(r"^-{1,5}> ?\d+")
CHAIN_MARKERS = (
    "During handling of the above exception, another exception occurred",
    "The above exception was the direct cause of the following exception",
)
_FATAL_SIGNAL = compile_re(
    r"Segmentation fault|Aborted \(core dumped\)|^Aborted$|Illegal [Ii]nstruction|^Killed$|Killed\s+python|"
    r"terminate called after throwing|libc\+\+abi(?:\.dylib)?: terminating|Fatal Python error|core dumped|"  # libstdc++'s, libc++'s (macOS)
    r"interrupted by signal \d+: SIG[A-Z]+|"  # an IDE's "Process finished with exit code 139 (interrupted by signal 11: SIGSEGV)"
    r"Windows fatal exception: |appears to have died|^LLVM ERROR: |"  # faulthandler, Jupyter's dead kernel, LLVM's abort
    r"Kernel crashed while executing code|session crashed for an unknown reason|"  # VS Code's notebooks, Colab
    r"exit code -\d+ \(0x[Cc]0{3}\w{4}\)"  # Windows: a process ended by an NTSTATUS error (0xC0000005 access violation, ...)
)
# The parts of a log prefix that change on every line (date, time, absl thread id), for line_key.
_VOLATILE_PREFIX = compile_re(
    r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d{3,9}(?=: ?[IWEF] )"  # TSL: the level follows
    r"|^(?P<level>[IWEF])\d{4} \d\d:\d\d:\d+\.\d{3,9}\s+\d+(?= \S+:\d+\] )"  # absl: keep the level
)
_LEVELS = {"DEBUG": "I", "INFO": "I", "WARNING": "W", "WARN": "W", "ERROR": "E", "CRITICAL": "F", "FATAL": "F"}
# What a launcher or log collector puts before every line of a program's output, and a Markdown reply's
# quote: a Ray worker's `(pid=8524) `, docker compose's `trainer-1  | `, mpirun's `[1,0]<stderr>:` (SageMaker's
# `[1,mpirank:0,algo-1]<stderr>:`), an RFC 3339 time (CI runners, `docker logs -t`, `kubectl logs --timestamps`), kubectl's
# `[pod/x/y] `, BuildKit's `#13 54.49 ` (`docker build`), `> `, a viewer's time before a traceback's lines, pytest's `E   `
# and its summary's `FAILED x.py::t - `.
# TF's C++ lines are read whatever precedes them (_TSL), but a traceback's structure and patterns anchored
# at the line start are not, so clean() removes these. Every digit is matched by a digit class, so a
# digit-blind class key (pipeline.classes) loses exactly as much as each of its lines.
_LINE_PREFIX = compile_re(
    r"(?:>(?: |$)"  # a Markdown quote ("> ", or ">" alone), never a REPL's ">>> "
    r"|\[\d+,(?:mpirank:)?\d+(?:,[\w.-]+)?\]<std(?:out|err)>:"  # mpirun --tag-output, horovodrun, SageMaker's mpirun
    r"|\((?:[\w.-]+ )?pid=\d+(?:, ip=[\d.]+)?\) |\(raylet(?:, ip=[\d.]+)?\) "  # a Ray worker, the raylet
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)? "  # RFC 3339
    r"|[\w.-]+?[-_]\d+ +\| "  # docker compose: service-1 (v2) or service_1 (v1), padded
    r"|[\w-]*algo-\d+-\w+ +\| "  # SageMaker local mode's compose service (`vmvgprkqsv-algo-1-owkbo | `)
    r"|\[pod/[^\]\s]+\] "  # kubectl logs --prefix
    r"|#\d+ \d+\.\d+ "  # `docker build --progress=plain` (BuildKit): the step's number and its seconds ("#13 54.49 ")
    # a log viewer's time to the second before a traceback's lines (Docker Desktop: "2024-03-10 15:13:34   File ..."):
    # before an indented line (a frame, its source) or a traceback's other parts; a time before other text may be a
    # program's own, and TF's lines carry fractions of a second
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (?=\s|Traceback \(|During handling|The above exception|" + _EXCEPTION_TYPE + r"\b)"
    r"|E   (?=\s*\S)"  # pytest's marker before the exception a test raised ("E   " + the code's indent + "AttributeError: ...")
    # pytest's short test summary: "FAILED tests/test_x.py::test_rnn - AttributeError: ...", "ERROR tests/x.py - ..."
    r"|(?:FAILED|ERROR) [\w./\\-]+\.py(?:::\S+)? - (?=" + _EXCEPTION_TYPE + r"\b)"
    r")+"
)
_ANSI = compile_re(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[\]P^_][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


@dataclass
class Record:
    """One cleaned input line with what the parser recognised in it."""

    line: int
    text: str  # the cleaned line (no ANSI codes, no line end)
    message: str  # `text` without its log prefix
    level: Optional[str] = None  # I W E F when the line carries a level
    source: Optional[str] = None  # e.g. tensorflow/stream_executor/cuda/cuda_dnn.cc
    kind: str = "text"  # text | log | exception | frame | tb_header | chain | signal | node
    exc_type: Optional[str] = None

    @property
    def is_error(self) -> bool:
        """Does this line report a failure (worth an `unrecognized` finding if nothing explains it)?"""
        return self.kind in ("exception", "signal") or self.level in ("E", "F")


def clean(raw: bytes) -> str:
    """Decode one raw line: UTF-8 with replacement, ANSI codes and NULs removed, `\\r` rewrites resolved,
    a launcher's line prefix removed (_LINE_PREFIX), a whole line's Markdown code or emphasis marks
    removed, typographic quotes made plain (rules quote messages with ASCII quotes), an exception line
    quoted whole unquoted, HTML entities decoded."""
    text = raw.decode("utf-8", "replace")
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = text.rstrip("\r\n")
    if "\r" in text:  # a progress bar rewritten in place: keep its last non-empty state
        parts = [p for p in text.split("\r") if p.strip()]
        text = parts[-1] if parts else ""
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = strip_launcher_prefix(text)
    marked = None
    if text[:1] in "`*" and text[-1:] == text[:1]:  # a line an issue's author set in Markdown code or emphasis
        marked = _markdown_unwrapped(text)
    elif text[:1] == "`" and text[-2:-1] == "`" and text[-1:] in ".,;:":  # ... and ended the sentence after it
        marked = _markdown_unwrapped(text[:-1])
    if marked is not None:
        text = strip_launcher_prefix(marked)  # (a prefix inside the marks: pytest's "FAILED x.py::t - ")
    if (text[:1] == "`" or text[-1:] == "`") and text.count(
        "`"
    ) % 2:  # a code span or fence opened on one line, closed on another
        text = _LONE_FENCE.sub("", text)
    if not text.isascii():  # a log pasted through a word processor or a blog: its quotes made typographic
        text = text.translate(_TYPOGRAPHIC_QUOTES)
    if text[:1] == '"' and text[-1:] == '"' and ": " in text:  # an exception line an issue's author quoted: `"ValueError: x"`
        inner = text[1:-1]
        if not _QUOTED_ITEMS.search(inner) and EXCEPTION_LINE.match(inner):
            text = inner
    if "&" in text and _HTML_ENTITY.search(text):  # a log pasted from a web page's HTML: `File &quot;x.py&quot;`
        import html  # here, not at start-up: few logs hold entities (html.entities costs ~1 ms to import)

        text = html.unescape(text)
    return text


def log_header_start(text: str) -> int:
    """Where a TensorFlow C++ log line (TSL's or absl's format) starts in `text`, or -1 where it holds none."""
    if "] " not in text and not text.endswith("]"):
        return -1
    m = _TSL.search(text) or _ABSL.search(text)
    return m.start() if m else -1


def strip_launcher_prefix(text: str) -> str:
    """`text` without what a launcher or log collector put before it (_LINE_PREFIX), if anything."""
    if (
        text[:1] in _PREFIX_STARTS
        or text[10:11] == "T"
        or " | " in text[:48]
        or text[19:20] == " " == text[10:11]
        or text[:4] == "E   "
        or text[:7] == "FAILED "
        or text[:6] == "ERROR "
    ):  # cheap tests first
        m = _LINE_PREFIX.match(text)
        if m is not None:
            text = text[m.end() :]  # (and a Colab viewer's row behind it: a thread quotes one)
        m = _COLAB_RUNTIME_ROW.match(text) if " | " in text[:48] else None
        if m is not None:  # (the viewer's copy doubles some spaces of the message, where its table wrapped it)
            return _SPACES.sub(" ", text[m.end() :])
    return text


# A row copied from Colab's runtime log viewer (Runtime > View runtime logs), a table of time | level | message:
# "May 14, 2021, 4:54:43 PM | WARNING | 2021-05-14  14:54:43.021067: W  tensorflow/...] Could not  load dynamic library"
_COLAB_RUNTIME_ROW = compile_re(
    r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d[ \u202f][AP]M \| (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) \| "
)
_SPACES = compile_re(r"  +")


_MARKDOWN_EMPHASIS = compile_re(r"^(\*{1,2})(?=[^\s*])(.*?\S)\1$")  # not a rule (***)


def _markdown_unwrapped(text: str) -> Optional[str]:
    """`text` without the Markdown marks around all of it (None where it has none): emphasis (`**x**`), or a
    code span, which may hold spaces at its ends (a traceback's `  File ...` frame line, a `pip list` row padded to
    its column, each set in backticks), opened and closed by the same run of one to three backticks (never a fence:
    ``` alone)."""
    if text[:1] == "*":
        m = _MARKDOWN_EMPHASIS.match(text)
        return m.group(2) if m is not None else None
    n = len(text) - len(text.lstrip("`"))
    if n <= 3 and len(text) > 2 * n and text.endswith("`" * n) and text[-n - 1] != "`" and text[n:-n].strip():
        return text[n:-n]
    return None


# "```Will try a different candidate ..." / "...depends on tensorflow-text~=2.13.0```", "`ValueError: ..." whose
# closing mark is on the next line: the odd marks at the line's start or end (never a span inside it)
_LONE_FENCE = compile_re(r"^(?:```(?![\w+.-]+\s*$)|`)(?=[^\s`])|(?<=[^\s`])(?:```|`)$")  # not a fence's language tag
_HTML_ENTITY = compile_re(r"&(?:quot|amp|lt|gt|apos|#39|#x27|#34);")
_QUOTED_ITEMS = compile_re(r'"\s*,\s*"')  # a list or CSV row of quoted items: `"ValueError: a", "TypeError: b"`
_PREFIX_STARTS = frozenset(">[(#")  # _LINE_PREFIX's first characters, but a time's (its "T") and docker compose's
_TYPOGRAPHIC_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"'}
)


_NODE = compile_re(r"\[\[(?:\{\{node (?P<a>[^}]+)\}\}|node (?P<b>\S+)|Node: (?P<c>[^ =]+))")


def node_name(text: str) -> Optional[str]:
    """The graph node of a `[[{{node x}}]]`, `[[node x (defined at ...)]]` or `[[Node: x = ...]]` line."""
    m = _NODE.search(text)
    return (m.group("a") or m.group("b") or m.group("c")) if m else None


def line_key(text: str) -> str:
    """`text` without the date, time and thread id of its log prefix, when it has one.

    Everything the engine derives from a line (its parse, facts, matching rule) ignores those
    fields, and the same TF messages recur in every log with only them changed, so results are
    remembered under this key. The leading NUL keeps keys apart from ordinary lines.
    """
    m = _VOLATILE_PREFIX.match(text)
    if m is None:
        return text
    return "\x00" + (m.group("level") or "") + text[m.end() :]


# What a tool prints before an exception line: pdb/ipdb (`*** NameError: ...`), the JVM for an exception no code caught
# (`Exception in thread "main" java.lang.UnsatisfiedLinkError: ...`), sbt for one its `run` task let through
# (`[error] (run-main-0) java.lang.UnsatisfiedLinkError: ...`); and the import statement that failed, glued before its
# error where a thread's title or a flattened paste joined them (`from x.y import z ImportError: cannot import name 'z'`)
# An import statement: `from keras.engine import training`, `import cv2 as cv` (IMPORT_STATEMENT below: alone on a line)
_IMPORT = r"(?:from\s+(?P<module>[\w.]+)\s+import\s+(?P<names>[\w, ()]+?)|import\s+(?P<imported>[\w.]+))\s*(?:as\s+\w+\s*)?"
_EXCEPTION_PREFIX_STARTS = ("*** ", "Exception in thread ", "[error] (", "from ", "import ")
_EXCEPTION_PREFIX = compile_re(
    r'\*\*\* |Exception in thread "[^"]*" |\[error\] \([\w-]+\) '
    rf"|{_IMPORT}(?<=\s)(?=(?:ImportError|ModuleNotFoundError|AttributeError): )"
)

# An interactive session: `>>> expr` (Python), `In [3]: expr` (IPython) or `(Pdb) expr` / `ipdb> expr` (the debugger),
# then the answer line.
REPL_PROMPTS = (b">>> ", b"In [", b"(Pdb) ", b"ipdb> ")
_REPL_PROMPT = compile_re(rb"^(?:>>>|In \[\d+\]:|\(Pdb\)|ipdb>) (.+?)\s*$")
_PROMPT_TEXTS = tuple(p.decode() for p in REPL_PROMPTS)
_HIDDEN_PROMPT = compile_re(rb">>> |&gt;&gt;&gt; |In \[|\(Pdb\) |ipdb(?:>|&gt;) ")  # (where clean() may bare one)


def repl_prompt(raw: bytes) -> Optional[bytes]:
    """The prompt line of an interactive session (`>>> expr`) that `raw` is, or None: `raw` itself, or its
    cleaned text where the prompt is behind what clean() removes (a thread's `> ` quote, a Markdown code span,
    HTML entities, a launcher's prefix), as issues quote a session. Its answer is on the next line."""
    if raw.startswith(REPL_PROMPTS):
        return raw
    if _HIDDEN_PROMPT.search(raw) is None:
        return None
    text = clean(raw)
    return text.encode("utf-8") if text.startswith(_PROMPT_TEXTS) else None


_PRINTED = compile_re(r"^print\((.*)\)$")
REPL_MAX_ANSWER = 200


def repl_exchange(prompt: bytes, answer: bytes) -> Optional[bytes]:
    """b"expr -> answer" for a prompt line and the line after it, e.g. `>>> tf.test.is_built_with_cuda()`
    then `False` give b"tf.test.is_built_with_cuda() -> False"; None when they are no exchange.
    Rules can then match a question with its answer, which no single line of the transcript
    holds. `print(x)` counts as `x`."""
    m = _REPL_PROMPT.match(prompt)
    answer = _unemphasised(answer.strip())
    if not m or not answer or len(answer) > REPL_MAX_ANSWER or answer.startswith((b">>>", b"...", b"In [", b"Traceback")):
        return None
    expr = _PRINTED.sub(r"\1", _unemphasised(m.group(1)).decode("utf-8", "replace"))
    return expr.encode("utf-8") + b" -> " + answer


def _unemphasised(text: bytes) -> bytes:
    """`*x*` -> `x`: a transcript quoted in an e-mail reply arrives in GitHub with its bold marks."""
    if len(text) > 2 and text[:1] == text[-1:] == b"*":
        return text[1:-1].strip()
    return text


def parse_line(line_no: int, text: str) -> Record:
    """Classify one cleaned line."""
    return Record(line_no, text, *classify(text))


Fields = Tuple[str, Optional[str], Optional[str], str, Optional[str]]


def classify(text: str) -> Fields:
    """(message, level, source, kind, exc_type) of a cleaned line: a Record without its line number.
    A pure function of the text, so the engine can keep it for lines it has seen before."""
    stripped = text.strip()
    if "] " in text or text.endswith("]"):
        # An absl line is matched where it starts first: the unanchored TSL search below would try
        # (and fail at) every position of it, which costs more than the rest of this function.
        m = _ABSL.match(text) if text[:1] in ("I", "W", "E", "F") else None
        if m:
            return m.group("msg"), m.group("level"), m.group("source"), "log", None
        m = _TSL.search(text)
        if m:
            return m.group("msg"), m.group("level"), m.group("source").replace("\\", "/"), "log", None
        m = _ABSL.search(text)
        if m:
            return m.group("msg"), m.group("level"), m.group("source"), "log", None
        m = _PROTOBUF.search(text) if "[libprotobuf " in text else None
        if m:
            return m.group("msg"), _LEVELS[m.group("level")], m.group("source"), "log", None
    if stripped.startswith("[[") and node_name(stripped):
        return stripped, None, None, "node", None
    if _TB_HEADER.search(text):
        return stripped, None, None, "tb_header", None
    if (
        _FRAME.match(text)
        or _JUPYTER_ARROW.match(stripped)
        or stripped.startswith("<ipython-input-")
        or (stripped.startswith(("File ", "Cell In", "Input In")) and (_IPY8_FRAME.match(text) or _CELL_FRAME.match(text)))
        or (".py in " in stripped and _JUPYTER_FRAME.match(stripped))
        or (stripped.startswith("[") and "](" in stripped and _COLAB_FRAME.match(stripped))
    ):
        return stripped, None, None, "frame", None
    if stripped.startswith(CHAIN_MARKERS):
        return stripped, None, None, "chain", None
    body = stripped.lstrip("> ").strip() if stripped.startswith(">") else stripped
    prefix = _EXCEPTION_PREFIX.match(body) if body.startswith(_EXCEPTION_PREFIX_STARTS) else None
    m = EXCEPTION_LINE.match(body[prefix.end() :]) if prefix else None
    if prefix and m:
        body = body[prefix.end() :]
    else:
        m = EXCEPTION_LINE.match(body)
    if m and not body.endswith("Traceback (most recent call last)"):
        return body, "E", None, "exception", m.group("type").rsplit(".", 1)[-1]
    m = _PYLOG.match(body)
    if m and m.group("msg"):
        return m.group("msg").strip(), _LEVELS[m.group("level")], m.group("logger"), "log", None
    m = _PYLOG_TIMED.match(body) if body[:1].isdigit() else None
    if m:
        return m.group("msg").strip(), _LEVELS[m.group("level")], None, "log", None
    if _FATAL_SIGNAL.search(body):
        return body, "F", None, "signal", None
    if "_STATUS_" in body or "CUDA_ERROR_" in body or "cudaError" in body:
        if _FAILED_STATUS.search(body):  # a CUDA, cuDNN or cuBLAS failure pasted without its log prefix: TF logs it at E
            return body, "E", None, "log", None
    if body.startswith("(0) ") and _FIRST_ROOT_ERROR.match(body):  # what "N root error(s) found." announced
        return body, "E", None, "text", None
    if body.startswith(_KERAS_CAUSE) and len(body) > len(_KERAS_CAUSE):  # the error inside Keras 3's deserialization error
        return body[len(_KERAS_CAUSE) :], "E", None, "text", None
    if body.startswith("error: ") and len(body) > 8:  # pip's and setuptools' own errors: "error: externally-managed-environment"
        return body[7:], "E", None, "log", None
    if body.startswith(PIP_BARE_ERRORS):  # pip before 10 printed its resolver's errors without "ERROR: "
        return body, "E", None, "log", None
    if not body.startswith(_BARE_STARTS) and ("failure: " in body or "failed: " in body):
        w = _WRAPPED_BARE.search(body)  # a program's own report of one ("TensorFlow.js: export failure: module 'x' ...")
        body_bare = body[w.end() :] if w is not None else ""
    else:
        body_bare = body
    m = _BARE_MESSAGE.match(body_bare) if body_bare.startswith(_BARE_STARTS) else None
    if m:  # an exception's message pasted without its type (an issue's title line, a logger's str(e))
        exc_type = _BARE_TYPES[m.lastgroup]
        return f"{exc_type}: {body_bare}", "E", None, "exception", exc_type
    return body, None, None, "text", None


# The first of the errors TF's "2 root error(s) found." announces, one line each: "(0) Invalid argument: ..." (TF 1.13-2.x),
# "(0) INVALID_ARGUMENT: ..." (absl status names, TF >= 2.7); the later ones are often only its consequences ("(1)
# Cancelled: ...").
_FIRST_ROOT_ERROR = compile_re(
    r"\(0\) (?:[A-Z]+(?:_[A-Z]+)*|Cancelled|Unknown|Invalid argument|Deadline exceeded|Not found|Already exists|"
    r"Permission denied|Resource exhausted|Failed precondition|Aborted|Out of range|Unimplemented|Internal|Unavailable|"
    r"Data loss|Unauthenticated): \S"
)

# The failure statuses of the CUDA driver and runtime, cuDNN and cuBLAS ("could not retrieve CUDA device count:
# CUDA_ERROR_NOT_INITIALIZED", "CUDNN_STATUS_INTERNAL_ERROR"): a line that names one reports a failure, with its log
# prefix or without it (an issue's title, an excerpt).
_FAILED_STATUS = compile_re(
    r"\b(?:CUDA_ERROR_[A-Z_]+|CUDNN_STATUS_(?!SUCCESS\b)[A-Z_]+|CUBLAS_STATUS_(?!SUCCESS\b)[A-Z_]+|cudaError(?!Success\b)[A-Z]\w+)\b"
)

# Keras 3's "<class ...> could not be deserialized properly. ... config={...}. / Exception encountered: <the error>"
# (keras/src/saving/serialization_lib.py) ends with the error that stopped it on a line of its own: that line is the error.
_KERAS_CAUSE = "Exception encountered: "

# pip's two "nothing to install" errors, as pip < 10 printed them (no "ERROR: " before them: pip/_internal/index.py)
PIP_BARE_ERRORS = ("Could not find a version that satisfies the requirement ", "No matching distribution found for ")

# The messages of Python's import and attribute errors, which name their type by their shape alone.
_BARE_MESSAGE = compile_re(
    r"^(?:(?P<attr>module '[\w.]+' has no attribute '\w+')|(?P<imp>cannot import name '\w+'(?: from '[\w.]+'(?: \([^()]*\))?)?)"
    r"|(?P<mod>No module named '[\w.]+'(?:; '[\w.]+' is not a package)?))\.?$"
)
_BARE_TYPES = {"attr": "AttributeError", "imp": "ImportError", "mod": "ModuleNotFoundError"}
_BARE_STARTS = ("module '", "cannot import name '", "No module named '")
_WRAPPED_BARE = compile_re(r"\b(?:failure|failed): (?=module '|cannot import name '|No module named ')")


@dataclass
class Frame:
    """One frame of a traceback: where it is (the file as printed) and the line that shows it."""

    file: str  # with forward slashes
    line: int  # the frame's line number in its source file (0 when not shown)
    func: str
    log_line: int  # where the frame is in the log
    text: str  # the log line that shows it
    source: str = ""  # the import statement CPython shows under it (IMPORT_STATEMENT; other code is not kept)

    @property
    def module_path(self) -> str:
        """The file as an importable path where one can be told: `tensorflow/python/framework/ops.py`
        for anything under site-/dist-packages, `object_detection/builders/x.py` for a checkout of
        TF's models repository; otherwise the path as printed."""
        f = self.file
        for marker in ("/site-packages/", "/dist-packages/"):
            at = f.rfind(marker)
            if at >= 0:
                return f[at + len(marker) :]
        at = f.find("/research/object_detection/")
        if at >= 0:
            return f[at + len("/research/") :]
        return f.lstrip("~/")

    @property
    def third_party(self) -> bool:
        """In an installed package or the standard library, not in the user's own code."""
        f = self.file
        return "-packages/" in f or "/lib/python" in f or f.startswith("<frozen") or "/Lib/" in f or "/lib/" in f


@dataclass
class Traceback:
    """A Python traceback as far as the log shows it."""

    header_line: int
    frames: List[Frame] = field(default_factory=list)  # innermost last
    exception: Optional[Record] = None  # None: the log stops (or moves on) before the final line
    chained: bool = False  # raised while handling an earlier exception ("During handling of ...")
    announced_type: Optional[str] = None  # IPython's header names the exception: "TypeError   Traceback (most ..."
    source: str = ""  # the code line IPython's arrow last points at ("---> 36     _descriptor.FieldDescriptor(")
    source_at: Optional[Record] = None  # ... and the log line that shows it
    raised: str = ""  # when `source` is `raise <announced_type>(`: its message's string literals, joined (raise_literals)
    _raised_to: int = 0  # the log line of the last code line read into `raised`

    @property
    def user_frame(self) -> Optional[str]:
        """Innermost frame outside site-packages/the stdlib: where the user's code called in."""
        for f in reversed(self.frames):
            if not f.third_party:
                return f"{f.file}:{f.line} in {f.func}"
        return None

    @property
    def exception_type(self) -> Optional[str]:
        """The final line's exception type, or, for a traceback cut before it, the one IPython's header announced."""
        return self.exception.exc_type if self.exception is not None else self.announced_type

    @property
    def exception_message(self) -> str:
        """The final line's message (after `Type: `), or '' when there is none."""
        if self.exception is None:
            return ""
        m = EXCEPTION_LINE.match(self.exception.message)
        return (m.group("msg") or "") if m else self.exception.message


class TracebackTracker:
    """Follows traceback structure across records (which may have gaps between them).

    `feed` returns a traceback when its final exception line arrives; a traceback that another
    one (or the end of the input, see `flush`) interrupts before that line is returned too, with
    `exception` None, so that a log cut off mid-traceback still says which modules were failing.
    """

    MAX_FRAMES = 50

    def __init__(self) -> None:
        self.current: Optional[Traceback] = None
        self._chain_pending = False
        self.cut: Optional[Traceback] = None  # a traceback interrupted by the record just fed
        self._in_node_stack = False

    def feed(self, rec: Record) -> Optional[Traceback]:
        """Update state with a record; returns the traceback this record completes, if any."""
        self.cut = None
        if rec.kind == "tb_header":
            self.cut = self.flush()
            self.current = Traceback(rec.line, chained=self._chain_pending)
            m = _ANNOUNCED.match(rec.message)
            if m:
                self.current.announced_type = m.group(1).rsplit(".", 1)[-1]
            self._chain_pending = False
            return None
        if rec.kind == "chain":
            self.cut = self.flush()
            self._chain_pending = True
            return None
        if _NODE_STACK in rec.text:  # TF's "Detected at node 'x' defined at (most recent call last):"
            self.cut = self.flush()
            self._in_node_stack = True  # the frames that follow say where a graph node was defined
            return None
        if rec.kind != "frame":
            self._in_node_stack = False
        if rec.kind == "frame" and self._in_node_stack:
            return None
        if rec.kind == "frame":
            frame = parse_frame(rec)
            arrow = _ARROW.match(rec.text) if frame is None else None
            if frame is not None or arrow is not None:
                if self.current is None:  # a frame without its header (the log was cut above it)
                    self.current = Traceback(rec.line, chained=self._chain_pending)
                if frame is not None:
                    self.current.frames.append(frame)
                    del self.current.frames[: -self.MAX_FRAMES]
                    self.current.source, self.current.source_at = "", None
                    self.current.raised, self.current._raised_to = "", 0
                elif arrow is not None:  # the innermost code shown, even where the paste lost its frame's file line
                    self.current.source, self.current.source_at = arrow.group(1).strip(), rec
                    self.current.raised, self.current._raised_to = raise_literals(self.current, rec.line)
            return None
        if rec.kind == "text" and self.current is not None and 0 < self.current._raised_to == rec.line - 1:
            self.current.raised, self.current._raised_to = raise_literals(self.current, rec.line, rec.text)
            return None
        if rec.kind == "text" and self.current is not None and self.current.frames:
            last = self.current.frames[-1]
            if rec.line == last.log_line + 1 and not last.source and _FRAME.match(last.text) and IMPORT_STATEMENT.match(rec.text):
                last.source = rec.text.strip()  # CPython's code line under its frame
            return None
        if rec.kind == "exception":
            tb = self.current or Traceback(rec.line, chained=self._chain_pending)
            self._chain_pending = False
            tb.exception = rec
            self.current = None
            return tb
        return None

    def other_line(self) -> None:
        """What `feed` does with a log or text line that is not about tracebacks (pipeline.classes)."""
        self.cut = None
        self._in_node_stack = False

    def flush(self) -> Optional[Traceback]:
        """The traceback in progress, if it has frames or an arrow line, as a cut-off one; the tracker forgets it."""
        tb, self.current = self.current, None
        return tb if tb is not None and (tb.frames or tb.source) else None


_NODE_STACK = "defined at (most recent call last)"
# An import statement (a frame's code line, or the one IPython's arrow points at: "from keras.engine import training",
# "import cv2"): what a traceback cut after it was importing (engine._announced_import_hit, _cut_import_hit).
# Its lines always take the ordinary path (classes.build), so the tracker sees each one.
IMPORT_STATEMENT = compile_re(rf"^\s*{_IMPORT}(?:#.*)?$")
_ARROW = compile_re(r"^\s*-+>\s*\d+\s(.*\S)")  # IPython's current line of a frame
# `raise ValueError(` with what follows on its line; a code line IPython shows under the arrow ("    148   'text '")
_RAISE_CALL = compile_re(r"^raise\s+(?:[\w.]+\.)?(?P<type>\w+)\((?P<rest>.*)$")
CONTEXT_LITERAL = compile_re(r"^\s+\d+\s+(?P<code>[rRbBuUfF]{0,2}[\"'].*)$")
_LITERAL = compile_re(r"\s*[rRbBuUfF]{0,2}(?:\"(?P<d>(?:[^\"\\]|\\.)*)\"|'(?P<s>(?:[^'\\]|\\.)*)')")


def raise_literals(tb: Traceback, line: int, context: str = "") -> Tuple[str, int]:
    """(`tb.raised` and the line it was read to) after IPython's arrow at `raise <announced type>(`,
    or after a code line IPython shows under it (`context`): a message written as string literals
    (implicit concatenation, f-strings' fields left as written) is the exception line a paste
    cut after the arrow lost. The line is 0 once the message is complete; ("", 0) where the code
    is not such a message (or the raise is not of the error the header announced)."""
    if not context:
        m = _RAISE_CALL.match(tb.source)
        if m is None or m["type"] != tb.announced_type:
            return "", 0
        code, raised = m["rest"], ""
    else:
        m = CONTEXT_LITERAL.match(context)
        if m is None:
            return tb.raised, 0  # (`)`, or an expression going on: the message as far as the literals show it)
        code, raised = m["code"], tb.raised
    at = 0
    while True:
        lit = _LITERAL.match(code, at)
        if lit is None:
            break
        raised += lit["d"] if lit["d"] is not None else lit["s"]
        at = lit.end()
    rest = code[at:].strip()
    if not rest or rest.startswith("#"):
        return raised, line  # the message may go on in the next code line
    if rest.startswith((")", ",")):
        return raised, 0  # the call (or its message) ends here
    return "", 0  # an expression (`'Unknown ' + name`, `msg.format(..)`): not the message as printed


# IPython's header: the exception's type, then "Traceback (most recent call last)" on the same line
_ANNOUNCED = compile_re(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt))\s+Traceback \(most recent call last\)")
# Frame lines: `File "x.py", line 3, in f` (CPython), `File ~/x.py:3, in f(a)` and
# `File <ipython-input-2-..>:3` (IPython >= 8), `/path/x.py in f(a)` (older IPython/Jupyter).
_IPY8_FRAME = compile_re(r"^\s*File (?P<file>[^\s\"][^,]*?):(?P<line>\d+)(?:, in (?P<func>.*))?\s*$")
# Colab renders frame paths as Markdown links: `[/usr/.../x.py](https://localhost:8080/#) in f(a)`.
_COLAB_FRAME = compile_re(r"^\[(?P<file>[^\]]+?)\]\([^)]*\) in (?P<func>[\w<>.: ]+?)(?:\(.*\))?\s*$")
_CELL_FRAME = compile_re(r"^\s*(?:Cell In ?\[\d*\]|Input In \[\d*\]), line (?P<line>\d+)(?:, in (?P<func>.*))?")


def parse_frame(rec: Record) -> Optional[Frame]:
    text = rec.text
    m = _FRAME.match(text) or _IPY8_FRAME.match(text)
    if m:
        return Frame(m.group("file").replace("\\", "/"), int(m.group("line")), _func(m.group("func")), rec.line, text)
    m = _COLAB_FRAME.match(text.strip())
    if m:
        file = m.group("file").replace("\\", "/")
        return Frame("<cell>" if file.startswith("<ipython-input") else file, 0, _func(m.group("func")), rec.line, text)
    m = _CELL_FRAME.match(text)
    if m:
        return Frame("<cell>", int(m.group("line")), _func(m.group("func")), rec.line, text)
    m = _JUPYTER_FRAME.match(text.strip())
    if m and m.group("file"):
        return Frame(m.group("file").replace("\\", "/"), 0, _func(m.group("func")), rec.line, text)
    return None


def _func(func: Optional[str]) -> str:
    """`Model.fit(self, x, y)` -> `Model.fit`: the name without the arguments IPython prints."""
    return (func or "?").split("(", 1)[0].strip() or "?"
