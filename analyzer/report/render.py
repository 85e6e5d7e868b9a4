"""Step 6: a Report rendered for people (text, rich, markdown) or machines (json).

Renderers only read the model: every decision (order, severity, wording) was
made by the engine and the rules, so all formats say the same thing.
"""

from __future__ import annotations

import json
import sys
from typing import List, Optional, TextIO

from analyzer.core.model import Finding, Report

FORMATS = ("rich", "text", "json", "markdown", "sarif", "github", "jsonl")
_EVIDENCE_WIDTH = 220
_FACT_LABELS = [
    ("tf_version", "TensorFlow"),
    ("python_version", "Python"),
    ("platform", "platform"),
    ("cuda_runtime", "CUDA"),
    ("cuda_compiled", "built with CUDA"),
    ("cudnn_runtime", "cuDNN"),
    ("cudnn_compiled", "built with cuDNN"),
    ("driver_version", "driver"),
    ("driver_cuda_version", "driver CUDA"),
    ("gpu_name", "GPU"),
    ("compute_capability", "compute capability"),
    ("gpu_memory_mb", "GPU MB"),
]


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def _short(text: str, width: int = _EVIDENCE_WIDTH) -> str:
    text = text.strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def _where(f: Finding) -> str:
    if not f.evidence:
        return ""
    e = f.evidence[0]
    more = f" (x{f.count})" if f.count > 1 else ""
    return f"{e.input}:{e.line}{more}"


def _environment(report: Report) -> List[str]:
    parts = [f"{label} {report.facts[k]}" for k, label in _FACT_LABELS if report.facts.get(k)]
    out = []
    if parts:
        out.append("Environment: " + " · ".join(parts))
    missing = report.facts.get("missing_libraries")
    if missing:
        out.append("Missing libraries: " + ", ".join(missing))
    return out


def _summary_line(report: Report) -> str:
    s = report.summary
    return (
        f"{s['errors']} error(s), {s['warnings']} warning(s), {s['harmless']} harmless, "
        f"{s['unrecognized']} unrecognized — " + ", ".join(f"{i.name} ({i.lines} lines)" for i in report.inputs)
    )


def _confirmation_line(f: Finding) -> Optional[str]:
    c = f.confirmation
    if not c:
        return None
    return f"Confirmation ({c.get('probe')}): {c.get('status')} — {c.get('detail', '')}"


def _blocks(report: Report):
    """The report as (kind, finding, depth) items shared by the text and rich renderers."""
    by_id = {f.rule_id: f for f in report.findings if f.match != "unrecognized"}
    for f in report.findings:
        if not f.root_cause:
            continue
        yield "root", f, 0
        stack = [(by_id[s], 1) for s in reversed(f.explains) if s in by_id]
        while stack:
            g, depth = stack.pop()
            yield "symptom", g, depth
            stack.extend((by_id[s], depth + 1) for s in reversed(g.explains) if s in by_id)


def render_text(report: Report, verbose: bool = False) -> str:
    """Plain text: root causes with evidence, explanation and fixes; harmless lines summarised."""
    out: List[str] = []
    roots = [f for f in report.findings if f.root_cause]
    if not roots:
        out.append("No problem found." if not report.findings else "No problem found: only harmless lines.")
    for kind, f, depth in _blocks(report):
        pad = "    " * depth
        if kind == "root":
            out.append("")
            label = "ROOT CAUSE" if f is report.root else "ALSO"
            tag = f"{f.rule_id}, confidence {f.confidence:.0%}" + (f", fuzzy {f.score:.0f}" if f.score else "")
            out.append(f"{label} [{f.severity}] {f.title}  ({tag})")
            for e in f.evidence[: 3 if not verbose else None]:
                more = f" (x{e.count})" if e.count > 1 else ""
                out.append(f"  {e.input}:{e.line}{more}: {_short(e.text)}")
            if f.explanation:
                out.append("  Why: " + f.explanation.replace("\n", "\n       "))
            for i, fix in enumerate(f.fixes, 1):
                out.append(f"  Fix {i}: " + fix.replace("\n", "\n         "))
            if f.closest:
                out.append("  Closest known signatures: " + ", ".join(f"{c['rule_id']} ({c['score']:.0f})" for c in f.closest))
            if c := _confirmation_line(f):
                out.append("  " + c)
            if f.explains:
                out.append("  Symptoms of this:")
        else:
            out.append(f"  {pad}- [{f.severity}] {f.title}  ({f.rule_id}) at {_where(f)}")
    harmless = [f for f in report.findings if f.severity == "info" and not f.root_cause]
    if harmless:
        out.append("")
        out.append(
            f"Harmless ({len(harmless)}): " + ", ".join(f"{f.title} (x{f.count})" if f.count > 1 else f.title for f in harmless)
        )
    env = _environment(report)
    if env:
        out.append("")
        out.extend(env)
    for w in report.warnings:
        out.append(f"tflog warning: {w}")
    out.append("")
    out.append("Summary: " + _summary_line(report))
    return "\n".join(out).lstrip("\n") + "\n"


def render_markdown(report: Report) -> str:
    """A chat-ready answer: the root cause, why, how to fix, then the rest briefly."""
    out: List[str] = []
    root = report.root
    if root is None:
        out.append(
            "**No problem found** in this log" + (" — only TensorFlow's harmless startup messages." if report.findings else ".")
        )
    for f in report.findings:
        if not f.root_cause:
            continue
        head = "### Root cause" if f is root else "### Also found"
        out.append(f"{head}: {f.title}")
        out.append(f"`{f.rule_id}` · {f.category} · {f.severity} · confidence {f.confidence:.0%}")
        if f.evidence:
            e = f.evidence[0]
            out.append(
                f"\nEvidence ({e.input} line {e.line}{f', seen {f.count} times' if f.count > 1 else ''}):\n```\n{_short(e.text, 500)}\n```"
            )
        if f.explanation:
            out.append(f.explanation)
        if f.fixes:
            out.append("\n**How to fix**")
            out.extend(f"{i}. {fix}" for i, fix in enumerate(f.fixes, 1))
        if f.explains:
            out.append("\nSymptoms explained by this: " + ", ".join(f"`{s}`" for s in f.explains))
        if c := _confirmation_line(f):
            out.append(f"\n{c}")
        out.append("")
    harmless = [f for f in report.findings if f.severity == "info" and not f.root_cause]
    if harmless:
        out.append("**Harmless:** " + "; ".join(f.title for f in harmless))
    env = _environment(report)
    if env:
        out.append("\n" + "  \n".join(env))
    return "\n".join(out).strip() + "\n"


def render_rich(report: Report, file: Optional[TextIO] = None) -> None:
    """Colour terminal output (only used when stdout is a TTY or asked for)."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=file or sys.stdout, highlight=False, soft_wrap=False)
    colour = {"error": "bold red", "warning": "yellow", "info": "dim"}
    roots = [f for f in report.findings if f.root_cause]
    if not roots:
        console.print("[bold green]No problem found.[/]" + (" Only harmless lines." if report.findings else ""))
    for kind, f, depth in _blocks(report):
        if kind == "root":
            label = "ROOT CAUSE" if f is report.root else "ALSO"
            console.print()
            console.print(
                f"[{colour[f.severity]}]{label}[/] [bold]{escape(f.title)}[/] "
                f"[dim]({escape(f.rule_id)}, {f.confidence:.0%}{f', fuzzy {f.score:.0f}' if f.score else ''})[/]"
            )
            for e in f.evidence[:3]:
                more = f" (x{e.count})" if e.count > 1 else ""
                console.print(
                    f"  [cyan]{escape(e.input)}:{e.line}{more}[/] {escape(_short(e.text, max(40, console.width - 20)))}"
                )
            if f.explanation:
                console.print("  [bold]Why:[/] " + escape(f.explanation))
            for i, fix in enumerate(f.fixes, 1):
                console.print(f"  [green]Fix {i}:[/] " + escape(fix))
            if f.closest:
                console.print(
                    "  [dim]Closest known: " + escape(", ".join(f"{c['rule_id']} ({c['score']:.0f})" for c in f.closest)) + "[/]"
                )
            if c := _confirmation_line(f):
                console.print("  [magenta]" + escape(c) + "[/]")
            if f.explains:
                console.print("  [dim]Symptoms of this:[/]")
        else:
            console.print(
                f"  {'    ' * depth}[dim]-[/] [{colour[f.severity]}]{f.severity}[/] {escape(f.title)} "
                f"[dim]({escape(f.rule_id)}) at {escape(_where(f))}[/]"
            )
    harmless = [f for f in report.findings if f.severity == "info" and not f.root_cause]
    if harmless:
        console.print()
        console.print(f"[dim]Harmless ({len(harmless)}): " + escape(", ".join(f.title for f in harmless)) + "[/]")
    for line in _environment(report):
        console.print("[dim]" + escape(line) + "[/]")
    for w in report.warnings:
        console.print("[yellow]tflog warning:[/] " + escape(w))
    console.print("[bold]Summary:[/] " + escape(_summary_line(report)))


def render(report: Report, fmt: str, out: TextIO) -> None:
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
        out.write(render_markdown(report))
    elif fmt == "rich":
        render_rich(report, out)
    else:
        out.write(render_text(report))
