"""Step 6: a Report rendered for people (text, rich, markdown) or machines (json).

Renderers only read the model: every decision (order, severity, wording) was
made by the engine and the rules, so all formats say the same thing. The formats for
people keep it short: a fix that says what an earlier one said is shown once, at most
MAX_FIXES fixes per root cause unless `all_fixes`, and `brief` is the root cause, its key
evidence line and its first fix. The machine formats keep every fix.

Kept as one module (~550 lines): the three human formats share the fix plan, the symptom tree and
the environment lines, so that text, rich and Markdown cannot drift apart.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Dict, FrozenSet, List, Optional, Set, TextIO, Tuple

from analyzer.core.cache import compile_re
from analyzer.core.model import Evidence, Finding, Report
from analyzer.pipeline.memory import mib_text
from analyzer.pipeline.notebook import cell_place
from analyzer.pipeline.parse import parse_line

FORMATS = ("rich", "text", "json", "markdown", "sarif", "github", "jsonl")  # html: analyzer.report.html
_EVIDENCE_WIDTH = 220
_BRIEF_WIDTH = 160
MAX_FIXES = 3  # fixes shown per root cause in the formats for people, unless all_fixes
_FACT_LABELS = [
    ("tf_version", "TensorFlow"),
    ("python_version", "Python"),
    ("platform", "platform"),
    ("cpu_arch", "CPU"),
    ("gpu_stack", "GPU stack"),
    ("cuda_runtime", "CUDA"),
    ("cuda_wanted", "wants CUDA (not loaded)"),
    ("cuda_compiled", "built with CUDA"),
    ("cudnn_runtime", "cuDNN"),
    ("cudnn_compiled", "built with cuDNN"),
    ("driver_version", "driver"),
    ("driver_cuda_version", "driver CUDA"),
    ("gpu_name", "GPU"),
    ("compute_capability", "compute capability"),
    ("gpu_memory_mb", "GPU memory"),
    ("gpu_free_mb", "free at start"),
]


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def _short(text: str, width: int = _EVIDENCE_WIDTH) -> str:
    """`text` in at most `width` characters, cut in the middle: the start of a message says what
    happened and its end often names the file or value, so both stay."""
    text = text.strip()
    if len(text) <= width:
        return text
    head = max(1, (width - 3) * 3 // 4)
    tail = max(0, width - 3 - head)
    start, end = text[:head], text[len(text) - tail :] if tail else ""
    if " " in start[-12:-1]:  # cut between words when one ends nearby
        start = start[: start.rindex(" ", len(start) - 12)]
    if " " in end[1:12]:
        end = end[end.index(" ", 1) :]
    return start.rstrip() + " … " + end.lstrip()


_SOURCE = compile_re(r"([\w.-]+\.(?:cc|h|cpp|c|py)):(\d+)\]")


def evidence_message(text: str, line_no: int = 0) -> str:
    """A log line as people read it: its message after a short prefix, `E cuda_dnn.cc:374 message`
    for TF/absl lines (date, time, thread id and directories dropped), `W message` for Python
    logging; any other line unchanged."""
    rec = parse_line(line_no, text)
    if rec.kind != "log" or not rec.message:
        return text.strip()
    m = _SOURCE.search(text)
    prefix = f"{rec.level} {m.group(1)}:{m.group(2)}" if m and rec.source else (rec.level or "")
    return f"{prefix} {rec.message.strip()}".strip()


def place(e: Evidence) -> str:
    """Where a person finds the line: `run.log:12`, or `nb.ipynb, cell 3, line 12` in a notebook."""
    path, cell = cell_place(e.input)
    return f"{path}, cell {cell}, line {e.line}" if cell else f"{e.input}:{e.line}"


def _where(f: Finding) -> str:
    if not f.evidence:
        return ""
    more = f" (x{f.count})" if f.count > 1 else ""
    return f"{place(f.evidence[0])}{more}"


def _fact_text(key: str, value: object) -> str:
    if key in ("gpu_memory_mb", "gpu_free_mb"):
        return mib_text(value)
    return str(value)


def _environment(report: Report) -> List[str]:
    """The machine each log shows: one line for a single log, one per log for several (each log is
    its own machine, and its findings were explained with its own facts)."""
    if len(report.inputs) <= 1:
        return _environment_of(report.facts, "", report.fact_provenance)
    return [line for i in report.inputs for line in _environment_of(i.facts, f" ({i.name})", i.fact_provenance)]


def _environment_of(facts, where: str, provenance=None) -> List[str]:
    """`provenance`: a fact the log names only as wanted (a release pip was asked for) says so."""
    wanted = {k for k, v in (provenance or {}).items() if v == "wanted"}
    parts = [
        f"{label} {_fact_text(k, facts[k])}" + (" (asked for, not installed)" if k in wanted and k == "tf_version" else "")
        for k, label in _FACT_LABELS
        if facts.get(k)
    ]
    out = []
    if parts:
        out.append(f"Environment{where}: " + " · ".join(parts))
    missing = facts.get("missing_libraries")
    if missing:
        out.append(f"Missing libraries{where}: " + ", ".join(missing))
    return out


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _harmless_list(harmless: List[Finding]) -> str:
    """'NUMA node notice (x9), GPU found': the harmless findings with their counts."""
    return ", ".join(f"{f.title} (x{f.count})" if f.count > 1 else f.title for f in harmless)


def _symptoms(report: Report, f: Finding) -> List[Finding]:
    """The findings `f` explains, directly or through another symptom."""
    by_id = {g.key: g for g in report.findings}
    out, stack, seen = [], list(f.explains), set()
    while stack:
        g = by_id.get(stack.pop())
        if g is None or g.key in seen:
            continue
        seen.add(g.key)
        out.append(g)
        stack.extend(g.explains)
    return out


def _has_symptoms(report: Report, f: Finding) -> bool:
    """Does `f` explain anything that is not harmless (what the symptom list shows)?"""
    return any(g.severity != "info" for g in _symptoms(report, f))


def _summary_line(report: Report) -> str:
    """'1 root cause (explains 4 symptom lines), 0 warnings, 6 harmless — run.log (584 lines)'."""
    parts = []
    roots = [f for f in report.findings if f.root_cause and f.match != "unrecognized"]
    for severity, word in (("error", "root cause"), ("warning", "warning")):
        mine = [f for f in roots if f.severity == severity]
        explained = sum(1 for f in mine for g in _symptoms(report, f) if g.severity != "info")
        parts.append(_plural(len(mine), word) + (f" (explains {_plural(explained, 'symptom line')})" if explained else ""))
    s = report.summary
    parts.append(f"{s['harmless']} harmless")
    loose = sum(1 for f in report.findings if f.match == "unrecognized" and f.root_cause)  # not under a cause
    if loose:
        parts.append(f"{loose} unrecognized")
    return ", ".join(parts) + " — " + ", ".join(f"{i.name} ({i.lines} line{'' if i.lines == 1 else 's'})" for i in report.inputs)


# --- Markdown: every value is text, never markup ---------------------------------------------------
# A report carries text from the log (evidence, exception names, library names, versions in fixes),
# and a chat client renders the answer: a log line must not become a live image, link or HTML tag.
# Code spans (rule fixes quote commands in them) are kept, their contents are literal in Markdown;
# everything else has the characters that start markup backslash-escaped.

_MD_PROSE_SPECIAL = compile_re(r"[\\*\[\]<>#|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_BACKTICKS = compile_re(r"`+")


def _md_prose(text: str) -> str:
    return _MD_PROSE_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def md(text: object) -> str:
    """`text` as Markdown that shows exactly that text: code spans kept (as CommonMark pairs them:
    a run of n backticks closes at the next run of exactly n), all else escaped."""
    s, out, i = str(text), [], 0
    runs = list(_BACKTICKS.finditer(s))
    k = 0
    while k < len(runs):
        run = runs[k]
        close = next((j for j in range(k + 1, len(runs)) if len(runs[j].group(0)) == len(run.group(0))), None)
        if close is None:  # an unpaired run is literal backticks
            out.append(_md_prose(s[i : run.start()]) + "\\`" * len(run.group(0)))
            i, k = run.end(), k + 1
            continue
        out.append(_md_prose(s[i : run.start()]) + s[run.start() : runs[close].end()])
        i, k = runs[close].end(), close + 1
    out.append(_md_prose(s[i:]))
    return "".join(out)


def md_code(text: object) -> str:
    """`text` as one inline code span, whatever backticks it contains."""
    s = " ".join(str(text).split())
    longest = max((len(r) for r in _BACKTICKS.findall(s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or longest else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_block(text: str) -> str:
    """`text` as a fenced code block no line of it can close."""
    longest = max((len(r) for r in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


# --- fixes: each said once, MAX_FIXES per root cause ---------------------------------------------

_CODE = compile_re(r"`([^`]+)`")
_DRIVER_MIN = compile_re(r">=\s*(\d+(?:\.\d+)+)")


def _fix_keys(fix: str) -> FrozenSet[Tuple[str, object]]:
    """What a fix says, for spotting another fix that says the same: its text without case,
    punctuation and spacing; the commands it gives (code spans with a space or '='); the driver
    minimums it names. Two fixes that share a key say the same thing."""
    keys: Set[Tuple[str, object]] = {("text", " ".join(re.findall(r"[a-z0-9]+", fix.lower())))}
    commands = frozenset(" ".join(c.split()) for c in _CODE.findall(fix) if " " in c.strip() or "=" in c)
    if commands:
        keys.add(("commands", commands))
    if "driver" in fix.lower():
        minimums = frozenset(_DRIVER_MIN.findall(fix))
        if minimums:
            keys.add(("driver", minimums))
    return frozenset(keys)


def _fix_plan(report: Report, all_fixes: bool = False) -> Dict[int, Tuple[List[str], int]]:
    """For each root cause (by id()): the fixes to show and how many more there are. A fix that
    says what one shown before it (for this or an earlier root cause) said is left out."""
    plan: Dict[int, Tuple[List[str], int]] = {}
    shown_keys: set = set()
    for f in report.findings:
        if not f.root_cause:
            continue
        unique, keys_of = [], []
        mine: set = set()
        for fix in f.fixes:
            keys = _fix_keys(fix)
            if keys & (shown_keys | mine):
                continue
            mine |= keys
            unique.append(fix)
            keys_of.append(keys)
        shown = unique if all_fixes else unique[:MAX_FIXES]
        for keys in keys_of[: len(shown)]:
            shown_keys |= keys
        plan[id(f)] = (shown, len(unique) - len(shown))
    return plan


def _more_fixes(n: int) -> str:
    return f"{_plural(n, 'more fix', 'more fixes')} with --all-fixes"


def _why(f: Finding, verbose: bool) -> str:
    """The explanation for a text answer: the short form (what this log states), or all of it."""
    if verbose or not f.why or f.why == f.explanation.strip():
        return f.explanation
    return f.why + " (more: --verbose)"


def _confirmation_line(f: Finding) -> Optional[str]:
    c = f.confirmation
    if not c:
        return None
    return f"Confirmation ({c.get('probe')}): {c.get('status')} — {c.get('detail', '')}"


def _blocks(report: Report):
    """The report as (kind, finding, depth) items shared by the text and rich renderers."""
    by_id = {f.key: f for f in report.findings}
    for f in report.findings:
        if not f.root_cause:
            continue
        yield "root", f, 0
        # harmless lines it explains are listed once, under "Harmless", not as symptoms too
        stack = [(by_id[s], 1) for s in reversed(f.explains) if s in by_id and by_id[s].severity != "info"]
        while stack:
            g, depth = stack.pop()
            yield "symptom", g, depth
            stack.extend((by_id[s], depth + 1) for s in reversed(g.explains) if s in by_id and by_id[s].severity != "info")


def _brief(report: Report, all_fixes: bool) -> Tuple[Optional[Finding], List[str], List[Finding]]:
    """--brief: (the root cause, the fixes to show for it, the other root causes)."""
    root = report.root
    if root is None:
        return None, [], []
    fixes, _ = _fix_plan(report, all_fixes)[id(root)] if root.root_cause else (root.fixes, 0)
    others = [f for f in report.findings if f.root_cause and f is not root]
    return root, (fixes if all_fixes else fixes[:1]), others


def _key_line(f: Finding, width: int) -> Tuple[str, str]:
    """('input:line', text) of the finding's first evidence line; a log line without its prefix."""
    e = f.evidence[0]
    rec = parse_line(e.line, e.text)
    return place(e), _short(rec.message if rec.kind == "log" and rec.message else e.text, width)


def _brief_head(root: Finding) -> str:
    return f"Root cause{' [warning]' if root.severity == 'warning' else ''}: {root.title} ({root.rule_id})"


def _brief_others(others: List[Finding]) -> str:
    titles = "; ".join(f.title for f in others[:2]) + ("; ..." if len(others) > 2 else "")
    return f"Also: {_plural(len(others), 'more root cause')} ({titles}); the full report has them."


def render_brief(report: Report, all_fixes: bool = False) -> str:
    """A few lines for chat and terminals: the root cause, its key evidence line (with its line
    number) and its first fix (every fix with `all_fixes`)."""
    root, fixes, others = _brief(report, all_fixes)
    if root is None:
        return "No problem found" + (": only harmless lines.\n" if report.findings else ".\n")
    out = [_brief_head(root)]
    if root.evidence:
        out.append("  {}: {}".format(*_key_line(root, _BRIEF_WIDTH)))
    for i, fix in enumerate(fixes, 1):
        out.append(("  Fix: " if len(fixes) == 1 else f"  Fix {i}: ") + " ".join(fix.split()))
    if others:
        out.append("  " + _brief_others(others))
    return "\n".join(out) + "\n"


def render_text(report: Report, verbose: bool = False, all_fixes: bool = False, brief: bool = False) -> str:
    """Plain text: root causes with evidence, explanation and fixes; harmless lines summarised."""
    if brief:
        return render_brief(report, all_fixes)
    out: List[str] = []
    plan = _fix_plan(report, all_fixes)
    roots = [f for f in report.findings if f.root_cause]
    if not roots:
        out.append("No problem found." if not report.findings else "No problem found: only harmless lines.")
    inline: Set[str] = set()  # symptoms already written on their cause's line
    for kind, f, depth in _blocks(report):
        pad = "    " * depth
        if kind == "root":
            out.append("")
            label = "ROOT CAUSE" if f is report.root else "ALSO"
            tag = f"{f.rule_id}, confidence {f.confidence:.0%}" + (f", fuzzy {f.score:.0f}" if f.score else "")
            out.append(f"{label} [{f.severity}] {f.title}  ({tag})")
            for e in f.evidence[: 3 if not verbose else None]:
                more = f" (x{e.count})" if e.count > 1 else ""
                out.append(f"  {place(e)}{more}: {_short(evidence_message(e.text, e.line))}")
            if f.explanation:
                out.append("  Why: " + _why(f, verbose).replace("\n", "\n       "))
            fixes, hidden = plan[id(f)]
            for i, fix in enumerate(fixes, 1):
                out.append(f"  Fix {i}: " + fix.replace("\n", "\n         "))
            if f.fixes and not fixes:
                out.append("  Fix: as above.")
            if hidden:
                out.append(f"  ({_more_fixes(hidden)})")
            if f.closest:
                out.append("  Closest known signatures: " + ", ".join(f"{c['rule_id']} ({c['score']:.0f})" for c in f.closest))
            if c := _confirmation_line(f):
                out.append("  " + c)
            symptoms = [g for g in _symptoms(report, f) if g.severity != "info"]
            if len(symptoms) == 1:  # one line, not a header and a list of one
                g = symptoms[0]
                out.append(f"  Symptom of this: [{g.severity}] {g.title}  ({g.rule_id}) at {_where(g)}")
                inline.add(g.key)
            elif symptoms:
                out.append("  Symptoms of this:")
        elif f.key not in inline:
            out.append(f"  {pad}- [{f.severity}] {f.title}  ({f.rule_id}) at {_where(f)}")
    # the footer, one block: what was harmless, the machine, the counts
    out.append("")
    harmless = [f for f in report.findings if f.severity == "info" and not f.root_cause]
    if harmless:
        out.append(f"Harmless ({len(harmless)}): " + _harmless_list(harmless))
    out.extend(_environment(report))
    for w in report.warnings:
        out.append(f"tflog warning: {w}")
    out.append("Summary: " + _summary_line(report))
    return "\n".join(out).lstrip("\n") + "\n"


def _markdown_brief(report: Report, all_fixes: bool) -> str:
    root, fixes, others = _brief(report, all_fixes)
    if root is None:
        return "**No problem found** in this log" + (" — only harmless lines.\n" if report.findings else ".\n")
    label = "Root cause [warning]" if root.severity == "warning" else "Root cause"
    out = [f"**{label}:** {md(root.title)} ({md_code(root.rule_id)})"]
    if root.evidence:
        where, text = _key_line(root, _BRIEF_WIDTH)
        out.append(f"{md(where)}: {md_code(text)}")
    out.extend(
        ("**Fix:** " if len(fixes) == 1 else f"**Fix {i}:** ") + md(" ".join(fix.split())) for i, fix in enumerate(fixes, 1)
    )
    if others:
        out.append(md(_brief_others(others)))
    return "  \n".join(out) + "\n"


def _md_symptom(symptom: Optional[Finding], key: str) -> str:
    """A symptom as a reader needs it: what it is and where (its key alone says neither for an unknown line)."""
    if symptom is None:
        return md_code(key)
    where = f" ({md(place(symptom.evidence[0]))})" if symptom.evidence else ""
    return f"{md(symptom.title)}{where}"


def render_markdown(report: Report, all_fixes: bool = False, brief: bool = False) -> str:
    """A chat-ready answer: the root cause, why, how to fix, then the rest briefly."""
    if brief:
        return _markdown_brief(report, all_fixes)
    out: List[str] = []
    plan = _fix_plan(report, all_fixes)
    by_key = {f.key: f for f in report.findings}
    root = report.root
    if root is None:
        out.append(
            "**No problem found** in this log" + (" — only TensorFlow's harmless startup messages." if report.findings else ".")
        )
    for f in report.findings:
        if not f.root_cause:
            continue
        head = "### Root cause" if f is root else "### Also found"
        out.append(f"{head}: {md(f.title)}")
        out.append(f"{md_code(f.rule_id)} · {md(f.category)} · {f.severity} · confidence {f.confidence:.0%}")
        if f.evidence:
            e = f.evidence[0]
            out.append(
                f"\nEvidence ({md(place(e))}{f', seen {f.count} times' if f.count > 1 else ''}):\n{md_block(_short(e.text, 500))}"
            )
        if f.explanation:
            out.append(md(f.explanation))
        fixes, more = plan[id(f)]
        if fixes:
            out.append("\n**How to fix**")
            out.extend(f"{i}. {md(fix)}" for i, fix in enumerate(fixes, 1))
            if more:
                out.append(f"\n_{_more_fixes(more)}_")
        elif f.fixes:
            out.append("\n**How to fix:** as above.")
        if f.explains:
            out.append("\nSymptoms explained by this: " + ", ".join(_md_symptom(by_key.get(s), s) for s in f.explains))
        if c := _confirmation_line(f):
            out.append(f"\n{md(c)}")
        out.append("")
    harmless = [f for f in report.findings if f.severity == "info" and not f.root_cause]
    if harmless:
        out.append("**Harmless:** " + "; ".join(md(f.title) for f in harmless))
    env = _environment(report)
    if env:
        out.append("\n" + "  \n".join(md(line) for line in env))
    return "\n".join(out).strip() + "\n"


def render_rich(
    report: Report, file: Optional[TextIO] = None, all_fixes: bool = False, brief: bool = False, verbose: bool = False
) -> None:
    """Colour terminal output (only used when stdout is a TTY or asked for). So that a root cause
    fits on one screen, its explanation shows its first paragraph unless `verbose`."""
    import textwrap  # here: the other formats do not wrap, and it compiles patterns on import

    from rich.console import Console
    from rich.markup import escape

    console = Console(file=file or sys.stdout, highlight=False, soft_wrap=False)
    colour = {"error": "bold red", "warning": "yellow", "info": "dim"}
    if brief:
        root, fixes, others = _brief(report, all_fixes)
        if root is None:
            console.print("[bold green]No problem found.[/]" + (" Only harmless lines." if report.findings else ""))
            return
        console.print(f"[{colour[root.severity]}]{escape(_brief_head(root))}[/]")
        if root.evidence:
            where, text = _key_line(root, max(40, min(_BRIEF_WIDTH, console.width - 20)))
            console.print(f"  [cyan]{escape(where)}[/] {escape(text)}")
        for i, fix in enumerate(fixes, 1):
            console.print(f"  [green]{'Fix' if len(fixes) == 1 else f'Fix {i}'}:[/] " + escape(" ".join(fix.split())))
        if others:
            console.print("  [dim]" + escape(_brief_others(others)) + "[/]")
        return
    plan = _fix_plan(report, all_fixes)
    roots = [f for f in report.findings if f.root_cause]
    width = max(40, console.width)

    def hang(label: str, plain_label: str, body: str, indent: int = 2, style: str = "") -> None:
        """`label body`, wrapped to the terminal with continuation lines under the body's start."""
        pad = indent + len(plain_label) + (1 if plain_label else 0)
        lines: List[str] = []
        for para in body.split("\n"):
            lines.extend(textwrap.wrap(para, max(20, width - pad), break_on_hyphens=False) or [""])
        for i, ln in enumerate(lines):
            head = " " * indent + (label + " " if plain_label else "") if i == 0 else " " * pad
            console.print(head + (f"[{style}]{escape(ln)}[/]" if style else escape(ln)), soft_wrap=True)

    if not roots:
        console.print("[bold green]No problem found.[/]" + (" Only harmless lines." if report.findings else ""))
    for kind, f, depth in _blocks(report):
        if kind == "root":
            label = "ROOT CAUSE" if f is report.root else "ALSO"
            console.print()
            tag = f"({f.rule_id}, {f.confidence:.0%}{f', fuzzy {f.score:.0f}' if f.score else ''})"
            hang(f"[{colour[f.severity]}]{label}[/]", label, f"{f.title} {tag}", indent=0, style="bold")
            for e in f.evidence[: None if verbose else 3]:
                where = place(e) + (f" (x{e.count})" if e.count > 1 else "")
                message = evidence_message(e.text, e.line)
                room = width - 3 - len(where)
                if len(message) <= room:
                    console.print(f"  [cyan]{escape(where)}[/] {escape(message)}", soft_wrap=True)
                else:  # the message gets two lines of its own, cut in the middle beyond that
                    console.print(f"  [cyan]{escape(where)}[/]", soft_wrap=True)
                    hang("", "", _short(message, 2 * (width - 4) - 16), indent=4)
            if f.explanation:
                hang("[bold]Why:[/]", "Why:", f.explanation if verbose else (f.why or f.explanation))
                if not verbose and f.why and f.why != f.explanation.strip():
                    console.print("       [dim](the whole explanation: --verbose)[/]")
            fixes, hidden = plan[id(f)]
            for i, fix in enumerate(fixes, 1):
                hang(f"[green]Fix {i}:[/]", f"Fix {i}:", fix)
            if f.fixes and not fixes:
                console.print("  [green]Fix:[/] as above.")
            if hidden:
                console.print(f"  [dim]({escape(_more_fixes(hidden))})[/]")
            if f.closest:
                hang(
                    "[dim]Closest known:[/]", "Closest known:", ", ".join(f"{c['rule_id']} ({c['score']:.0f})" for c in f.closest)
                )
            if c := _confirmation_line(f):
                hang("", "", c, style="magenta")
            if _has_symptoms(report, f):
                console.print("  [dim]Symptoms of this:[/]")
        else:
            hang(
                f"[dim]-[/] [{colour[f.severity]}]{f.severity}[/]",
                f"- {f.severity}",
                f"{f.title} ({f.rule_id}) at {_where(f)}",
                indent=2 + 4 * depth,
            )
    harmless = [f for f in report.findings if f.severity == "info" and not f.root_cause]
    if harmless:
        console.print()
        hang(
            f"[dim]Harmless ({len(harmless)}):[/]",
            f"Harmless ({len(harmless)}):",
            _harmless_list(harmless),
            indent=0,
            style="dim",
        )
    for line in _environment(report):
        label, _, rest = line.partition(": ")
        hang(f"[dim]{escape(label)}:[/]", label + ":", rest, indent=0, style="dim")
    for w in report.warnings:
        hang("[yellow]tflog warning:[/]", "tflog warning:", w, indent=0)
    hang("[bold]Summary:[/]", "Summary:", _summary_line(report), indent=0)


def render(report: Report, fmt: str, out: TextIO, all_fixes: bool = False, brief: bool = False, verbose: bool = False) -> None:
    """Write `report` in format `fmt`; `all_fixes` and `brief` apply to the formats for people,
    `verbose` to rich and text."""
    if fmt in ("sarif", "github", "jsonl"):
        from . import machine_formats

        out.write(
            {
                "sarif": machine_formats.render_sarif,
                "github": machine_formats.render_github,
                "jsonl": machine_formats.render_jsonl,
            }[fmt](report)
        )
    elif fmt == "json":
        out.write(render_json(report) + "\n")
    elif fmt == "markdown":
        out.write(render_markdown(report, all_fixes=all_fixes, brief=brief))
    elif fmt == "rich":
        render_rich(report, out, all_fixes=all_fixes, brief=brief, verbose=verbose)
    else:
        out.write(render_text(report, verbose=verbose, all_fixes=all_fixes, brief=brief))
