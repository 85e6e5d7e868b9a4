"""A Report as one self-contained HTML page: the root-cause card, symptoms, harmless lines, the
environment with where each value came from, and pictures (a timeline of the log, the GPU
allocator's memory for an out-of-memory, the loss curve for a run that diverged).

Self-contained means no network: CSS and SVG are inline and the only script is inline (copy
buttons, files dropped on the form); the page works without it. Every value that comes from the
log (evidence, titles filled with facts, file names) goes through `esc`, never into markup raw.
`render_page` is the same report inside the paste form that `tflog serve` shows at `/`.

Kept as one module (~570 lines): the page is one artefact (its CSS, SVG pictures and template
together), built from render.py's pieces.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Dict, List, Optional, Tuple

from analyzer.core.model import Finding, Report
from analyzer.pipeline.memory import human_bytes, parse_bytes

from .render import _FACT_LABELS, _fact_text, _fix_plan, _harmless_list, _summary_line, evidence_message

COLOURS = {"error": "#b3261e", "warning": "#8a5a00", "info": "#5f6368"}  # >= 4.5:1 on white
TIMELINE_ROWS = (("error", "errors"), ("warning", "warnings"), ("info", "harmless"))


def esc(value: object) -> str:
    """HTML-escaped text of any value (quotes too: it is safe inside attributes)."""
    return escape(str(value), quote=True)


_CODE = re.compile(r"`([^`]+)`")


def _prose(text: str) -> str:
    """Escaped text with `code` spans as <code> and paragraphs kept."""
    paras = [_CODE.sub(r"<code>\1</code>", esc(p)) for p in text.split("\n") if p.strip()]
    return "".join(f"<p>{p}</p>" for p in paras)


# --- pictures -------------------------------------------------------------------------------------


def _offsets(report: Report) -> Tuple[Dict[str, int], int]:
    """Where each input starts on a timeline that puts the inputs one after another, and its length."""
    offsets, total = {}, 0
    for i in report.inputs:
        offsets[i.name] = total
        total += max(i.lines, 1)
    return offsets, max(total, 1)


def timeline_svg(report: Report) -> str:
    """Errors, warnings and harmless notices as marks along the log's lines; the root cause's
    evidence is outlined and labelled, the training progress (loss values) a grey band."""
    offsets, total = _offsets(report)
    width, left, right, row_h = 800, 80, 16, 26
    rows = {sev: i for i, (sev, _) in enumerate(TIMELINE_ROWS)}
    has_loss = bool(report.loss)
    height = 30 + row_h * (len(rows) + (1 if has_loss else 0)) + 28

    def x(input_name: str, line: int) -> float:
        return left + (width - left - right) * (offsets.get(input_name, 0) + line - 0.5) / total

    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" aria-labelledby="tl-title" '
        f'preserveAspectRatio="xMinYMin meet"><title id="tl-title">Timeline of {total} log lines: '
        f"where errors, warnings and harmless notices appear</title>"
    ]
    labels = list(TIMELINE_ROWS) + ([("loss", "training")] if has_loss else [])
    for i, (_, name) in enumerate(labels):
        y = 30 + row_h * i
        parts.append(f'<text x="4" y="{y + 14}" class="axis">{esc(name)}</text>')
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y + 10}" y2="{y + 10}" class="rule"/>')
    if has_loss:
        y = 30 + row_h * len(rows)
        xs = [x(p.input, p.line) for p in report.loss]
        parts.append(
            f'<rect x="{min(xs):.1f}" y="{y + 4}" width="{max(max(xs) - min(xs), 2):.1f}" height="12" class="band">'
            f"<title>loss values from line {report.loss[0].line} to line {report.loss[-1].line}</title></rect>"
        )
    root = report.root
    marks: List[str] = []
    for f in report.findings:
        sev = f.severity if f.severity in rows else "error"
        y = 30 + row_h * rows[sev]
        for e in f.evidence:
            cx = x(e.input, e.line)
            is_root = f is root
            tip = f"line {e.line}{f' (x{e.count})' if e.count > 1 else ''}: {f.title}"
            cls = "mark root" if is_root else "mark"
            marks.append(
                f'<rect class="{cls}" x="{cx - (3 if is_root else 2):.1f}" y="{y + (0 if is_root else 3)}" '
                f'width="{6 if is_root else 4}" height="{20 if is_root else 14}" fill="{COLOURS[sev]}" '
                f'data-line="{e.line}"><title>{esc(tip)}</title></rect>'
            )
            if is_root and e is f.evidence[0]:
                anchor = "end" if cx > width * 0.7 else "start"
                dx = -6 if anchor == "end" else 6
                marks.append(
                    f'<text x="{cx + dx:.1f}" y="{22}" class="rootlabel" text-anchor="{anchor}">root cause, line {e.line}</text>'
                )
    parts.extend(marks)
    base = 30 + row_h * len(labels) + 8
    parts.append(f'<text x="{left}" y="{base + 12}" class="axis">line 1</text>')
    parts.append(f'<text x="{width - right}" y="{base + 12}" class="axis" text-anchor="end">line {total}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _oom_numbers(report: Report) -> Optional[Dict[str, int]]:
    """limit, in_use, free, requested (bytes) of a GPU out-of-memory, when the log says them."""
    f = next((g for g in report.findings if g.root_cause and g.facts.get("oom_requested_bytes")), None)
    if f is None:
        f = next((g for g in report.findings if g.facts.get("oom_requested_bytes") and g.severity == "error"), None)
    if f is None:
        return None
    facts = {**report.facts, **f.facts}
    out = {}
    for key, fact in (
        ("limit", "bfc_limit_bytes"),
        ("in_use", "bfc_in_use_bytes"),
        ("free", "oom_free_bytes"),
        ("requested", "oom_requested_bytes"),
    ):
        n = parse_bytes(facts.get(fact)) if facts.get(fact) is not None else None
        if n is not None:
            out[key] = n
    if "limit" in out and "in_use" in out and "free" not in out:
        out["free"] = max(0, out["limit"] - out["in_use"])
    return out if "requested" in out and "limit" in out else None


def memory_svg(report: Report) -> str:
    """The allocator's limit as a bar: what was in use, what was free, and the request that failed."""
    n = _oom_numbers(report)
    if n is None:
        return ""
    width, left, right = 800, 10, 10
    limit = max(n["limit"], 1)
    span = max(limit, n.get("in_use", 0) + n["requested"]) if "in_use" in n else max(limit, n["requested"])
    scale = (width - left - right) / span
    used = n.get("in_use", 0)
    fits = n["requested"] <= n.get("free", limit - used)
    parts = [
        f'<svg class="memory" viewBox="0 0 {width} 150" role="img" aria-labelledby="mem-title">'
        f'<title id="mem-title">GPU memory: limit {human_bytes(limit)}, in use {human_bytes(used)}, '
        f"requested {human_bytes(n['requested'])}</title>",
        f'<rect x="{left}" y="30" width="{limit * scale:.1f}" height="34" class="limit" data-bytes="{limit}"/>',
        f'<rect x="{left}" y="30" width="{used * scale:.1f}" height="34" class="inuse" data-bytes="{used}"/>',
        f'<rect x="{left + used * scale:.1f}" y="72" width="{max(n["requested"] * scale, 2):.1f}" height="22" '
        f'class="{"request" if fits else "request over"}" data-bytes="{n["requested"]}"/>',
        f'<text x="{left}" y="20" class="memlabel" data-fact="bfc_limit_bytes">limit {human_bytes(limit)}</text>',
        f'<text x="{left + 6}" y="52" class="memlabel onbar" data-fact="bfc_in_use_bytes">in use {human_bytes(used)}</text>',
    ]
    if "free" in n:
        parts.append(
            f'<text x="{width - right}" y="20" text-anchor="end" class="memlabel" data-fact="oom_free_bytes">'
            f"free {human_bytes(n['free'])}</text>"
        )
    anchor = "end" if used * scale > (width - left - right) / 2 else "start"
    ax = left + used * scale + (-4 if anchor == "end" else 4)
    verdict = "does not fit in the free memory" if not fits else "fits in the free memory"
    parts.append(
        f'<text x="{ax:.1f}" y="116" text-anchor="{anchor}" class="memlabel" data-fact="oom_requested_bytes">'
        f"requested {human_bytes(n['requested'])}: {verdict}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def bins_svg(report: Report) -> str:
    """The allocator's bins from its dump: bytes allocated for each chunk size and how much is in use."""
    bins = [b for b in report.bfc_bins if b.allocated > 0]
    if not bins:
        return ""
    width, label_w, bar_w, row = 800, 120, 400, 22
    top = max(b.allocated for b in bins)
    scale = bar_w / top
    height = row * len(bins) + 8
    parts = [
        f'<svg class="bins" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bins-title">'
        f'<title id="bins-title">The allocator\'s chunk bins: bytes allocated and in use per chunk size</title>'
    ]
    for i, b in enumerate(bins):
        y = 4 + row * i
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" class="axis">bin {human_bytes(b.size)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{max(b.allocated * scale, 1):.1f}" height="14" class="limit" '
            f'data-bytes="{b.allocated}"/><rect x="{label_w}" y="{y + 3}" width="{max(b.in_use * scale, 1):.1f}" '
            f'height="14" class="inuse" data-bytes="{b.in_use}"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 14}" class="axis">{human_bytes(b.in_use)} of '
            f"{human_bytes(b.allocated)}, {b.chunks_in_use}/{b.chunks} chunks</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def loss_svg(report: Report) -> str:
    """The loss values in log order, the first NaN/Inf marked with its line."""
    points = report.loss
    if len(points) < 2:
        return ""
    finite = [p for p in points if math.isfinite(p.value)]
    bad = next((p for p in points if not math.isfinite(p.value)), None)
    width, height, left, right, top, bottom = 800, 240, 60, 20, 20, 40
    lo = min((p.value for p in finite), default=0.0)
    hi = max((p.value for p in finite), default=1.0)
    if hi == lo:
        hi, lo = hi + 1, lo - 1 if lo else 0
    first, last = points[0].step, points[-1].step

    def x(step: int) -> float:
        return left + (width - left - right) * ((step - first) / max(last - first, 1))

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg class="loss" viewBox="0 0 {width} {height}" role="img" aria-labelledby="loss-title">'
        f'<title id="loss-title">Training loss, {len(points)} values from the log'
        + (f"; first {esc(bad.value)} at line {bad.line}" if bad else "")
        + "</title>",
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" class="rule"/>',
        f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" class="rule"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis">{hi:.4g}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" class="axis">{lo:.4g}</text>',
        f'<text x="{left}" y="{height - 8}" class="axis">line {points[0].line}</text>',
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end" class="axis">line {points[-1].line}</text>',
    ]
    run: List[str] = []
    for p in points:
        if math.isfinite(p.value):
            run.append(f"{x(p.step):.1f},{y(p.value):.1f}")
        elif run:
            break
    if run:
        parts.append(f'<polyline points="{" ".join(run)}" class="curve"/>')
    if bad is not None:
        bx = x(bad.step)
        anchor = "end" if bx > width * 0.6 else "start"
        parts.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{top}" y2="{height - bottom}" class="nan" data-line="{bad.line}"/>')
        parts.append(
            f'<text x="{bx + (-6 if anchor == "end" else 6):.1f}" y="{top + 14}" text-anchor="{anchor}" class="nanlabel">'
            f"first {esc(bad.value)} at line {bad.line}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# --- the report ------------------------------------------------------------------------------------

_WANTED = re.compile(r"^tf_(?!version$)|min_driver|_compiled$|_tf_versions$|_supported$")


def provenance(report: Report, key: str) -> str:
    """stated (the log says it, at a line) / wanted (what this TensorFlow needs) / inferred."""
    e = report.fact_evidence.get(key)
    if e is not None:
        return f"stated, {e.input}:{e.line}"
    if _WANTED.search(key):
        return "wanted (tflog's compatibility tables)"
    return "inferred (tflog's compatibility tables)"


def _evidence(f: Finding, limit: Optional[int] = 3) -> str:
    items = []
    for e in f.evidence[:limit]:
        more = f' <span class="count">x{e.count}</span>' if e.count > 1 else ""
        items.append(
            f'<li class="evidence" data-line="{e.line}"><span class="where">{esc(e.input)}:<b class="line">{e.line}</b></span>'
            f'{more} <code title="{esc(e.text.strip())}">{esc(evidence_message(e.text, e.line))}</code></li>'
        )
    return f'<ul class="evidence-list">{"".join(items)}</ul>' if items else ""


def _symptom_items(report: Report, f: Finding, seen: set) -> str:
    by_id = {g.rule_id: g for g in report.findings if g.match != "unrecognized"}
    items = []
    for rid in f.explains:
        g = by_id.get(rid)
        if g is None or g.rule_id in seen:
            continue
        seen.add(g.rule_id)
        where = f"{esc(g.evidence[0].input)}:{g.evidence[0].line}" if g.evidence else ""
        count = f" (x{g.count})" if g.count > 1 else ""
        items.append(
            f'<li><span class="sev sev-{esc(g.severity)}">{esc(g.severity)}</span> {esc(g.title)} '
            f'<span class="muted">({esc(g.rule_id)}) at {where}{count}</span>{_symptom_items(report, g, seen)}</li>'
        )
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _card(report: Report, f: Finding, fixes: List[str], hidden: int, n: int) -> str:
    is_root = f is report.root
    head = "Root cause" if is_root else "Also found"
    out = [
        f'<section class="card sev-{esc(f.severity)}{" rootcause" if is_root else ""}" aria-labelledby="card-{n}">',
        f'<p class="kicker">{head} · <span class="sev sev-{esc(f.severity)}">{esc(f.severity)}</span></p>',
        f'<h2 id="card-{n}" class="title">{esc(f.title)}</h2>',
        f'<p class="muted">{esc(f.rule_id)} · {esc(f.category)} · confidence {f.confidence:.0%}'
        + (f" · fuzzy {f.score:.0f}" if f.score else "")
        + "</p>",
    ]
    if f.evidence:
        out.append("<h3>Key evidence</h3>" + _evidence(f))
    if f.explanation:
        out.append(f'<h3>Why</h3><div class="why">{_prose(f.explanation)}</div>')
    if fixes:
        items = "".join(
            f'<li><div class="fix" id="fix-{n}-{i}">{_prose(fix)}</div>'
            f'<button type="button" class="copy" data-copy="fix-{n}-{i}" hidden>Copy</button></li>'
            for i, fix in enumerate(fixes, 1)
        )
        out.append(f'<h3>How to fix</h3><ol class="fixes">{items}</ol>')
        if hidden:
            out.append(f'<p class="muted">{hidden} more with --all-fixes.</p>')
    elif f.fixes:
        out.append('<p class="muted">Fixes: as above.</p>')
    if f.closest:
        closest = ", ".join(f"{c['rule_id']} ({c['score']:.0f})" for c in f.closest)
        out.append(f'<p class="muted">Closest known signatures: {esc(closest)}</p>')
    c = f.confirmation
    if c:
        out.append(
            f'<p class="confirm confirm-{esc(c.get("status", ""))}"><b>Confirmation</b> ({esc(c.get("probe", ""))}): '
            f"<b>{esc(c.get('status', ''))}</b> — {esc(c.get('detail', ''))}</p>"
        )
    symptoms = _symptom_items(report, f, set())
    if symptoms:
        out.append(f'<h3>Symptoms of this</h3><div class="symptoms">{symptoms}</div>')
    out.append("</section>")
    return "".join(out)


def _environment(report: Report) -> str:
    labels = dict(_FACT_LABELS)
    rows = []
    keys = [k for k, _ in _FACT_LABELS if report.facts.get(k)] + sorted(
        k for k in report.facts if k not in labels and report.facts.get(k) and not k.startswith("bfc_")
    )
    for k in keys:
        value = report.facts[k]
        text = ", ".join(map(str, value)) if isinstance(value, list) else _fact_text(k, value)
        rows.append(
            f"<tr><th scope=row>{esc(labels.get(k, k.replace('_', ' ')))}</th><td>{esc(text)}</td>"
            f'<td class="muted">{esc(provenance(report, k))}</td></tr>'
        )
    if not rows:
        return ""
    return (
        '<section aria-labelledby="env-h"><h2 id="env-h">Environment</h2><div class="scroll"><table class="env">'
        "<thead><tr><th scope=col>fact</th><th scope=col>value</th><th scope=col>source</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _figure(fig_id: str, heading: str, svg: str, note: str = "") -> str:
    if not svg:
        return ""
    return (
        f'<figure id="{fig_id}" class="picture"><figcaption><h2>{heading}</h2>'
        + (f'<p class="muted">{note}</p>' if note else "")
        + f'</figcaption><div class="svgwrap">{svg}</div></figure>'
    )


def report_fragment(report: Report, all_fixes: bool = False) -> str:
    """The report as an <article>, for the page and for the standalone file."""
    plan = _fix_plan(report, all_fixes)
    roots = [f for f in report.findings if f.root_cause]
    out = ['<article class="report" aria-label="tflog report">']
    out.append(f'<p class="summary">{esc(_summary_line(report))}</p>')
    if not roots:
        out.append(
            '<section class="card ok"><h2 class="title">No problem found</h2>'
            + ("<p>Only harmless lines.</p>" if report.findings else "")
            + "</section>"
        )
    for n, f in enumerate(roots, 1):
        fixes, hidden = plan[id(f)]
        out.append(_card(report, f, fixes, hidden, n))
    out.append(
        _figure(
            "timeline",
            "Timeline",
            timeline_svg(report) if report.findings or report.loss else "",
            "Each mark is a line tflog has something to say about; the root cause is outlined.",
        )
    )
    memory = memory_svg(report)
    out.append(_figure("memory", "GPU memory when the allocation failed", memory, "From the allocator's own numbers in the log."))
    if memory:
        out.append(
            _figure(
                "bins",
                "Where the memory was: the allocator's chunk bins",
                bins_svg(report),
                "From the allocator's last dump in the log: in use (dark) of what each bin holds.",
            )
        )
    out.append(_figure("losscurve", "Training loss", loss_svg(report), "Read from the progress lines of the log."))
    harmless = [f for f in report.findings if f.severity == "info" and not f.root_cause]
    if harmless:
        lines = sum(max(f.count, 1) for f in harmless)
        items = "".join(
            f"<li>{esc(f.title)}{f' (x{f.count})' if f.count > 1 else ''} "
            f'<span class="muted">{esc(f.rule_id)}'
            + (f", first at {esc(f.evidence[0].input)}:{f.evidence[0].line}" if f.evidence else "")
            + "</span></li>"
            for f in harmless
        )
        out.append(
            f'<details class="harmless"><summary>Harmless: {len(harmless)} kinds, {lines} lines '
            f'<span class="muted">({esc(_harmless_list(harmless))})</span></summary><ul>{items}</ul></details>'
        )
    out.append(_environment(report))
    for w in report.warnings:
        out.append(f'<p class="warn">tflog warning: {esc(w)}</p>')
    out.append("</article>")
    return "".join(out)


CSS = """
:root{--fg:#1b1b1b;--bg:#fff;--muted:#555;--line:#d0d4d9;--card:#f7f8fa;--accent:#0b57d0;--err:#b3261e;--warn:#8a5a00}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.top,main{max-width:60rem;margin:0 auto;padding:0 1rem}
header.top{padding-top:1rem}
h1{font-size:1.4rem;margin:.2rem 0}
h2{font-size:1.15rem;margin:.2rem 0 .4rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
.muted{color:var(--muted)}
.report li,.report p,.report summary,header.top p{overflow-wrap:anywhere}
.summary{font-weight:600}
.card{border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:6px;background:var(--card);padding:.8rem 1rem;margin:1rem 0}
.card.sev-error{border-left-color:var(--err)}
.card.sev-warning{border-left-color:var(--warn)}
.card.ok{border-left-color:#1e7d32}
.kicker{margin:0;text-transform:uppercase;font-size:.8rem;letter-spacing:.04em;color:var(--muted)}
.sev{font-weight:700}
.sev-error .sev,.sev.sev-error{color:var(--err)}
.sev.sev-warning{color:var(--warn)}
.sev.sev-info{color:var(--muted)}
code{font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef0f3;border-radius:3px;padding:0 .2em;overflow-wrap:anywhere}
.evidence-list{list-style:none;padding:0;margin:0}
.evidence{margin:.2rem 0}
.evidence .where{color:var(--accent);font-weight:600;margin-right:.4rem;overflow-wrap:anywhere}
.count{color:var(--muted)}
.fixes li{margin:.3rem 0}
.fixes li .fix p{margin:.1rem 0}
.why p{margin:.3rem 0}
button,textarea,input{font:inherit}
button{cursor:pointer;border:1px solid var(--accent);background:#fff;color:var(--accent);border-radius:4px;padding:.15rem .6rem}
button.primary{background:var(--accent);color:#fff;padding:.45rem 1.1rem}
:focus-visible{outline:3px solid #f29900;outline-offset:2px}
.picture{margin:1.2rem 0}
.svgwrap{overflow-x:auto}
svg{width:100%;height:auto;min-width:320px;display:block}
svg.timeline,svg.loss,svg.bins{min-width:560px}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
svg .axis{fill:var(--muted)}
svg .rule{stroke:var(--line)}
svg .band{fill:#c8ccd2}
svg .mark.root{stroke:#000;stroke-width:2}
svg .rootlabel{font-weight:700;fill:var(--err)}
svg .limit{fill:#e3e6ea;stroke:#6b7280}
svg .inuse{fill:#5b6b80}
svg .onbar{fill:#fff;font-weight:600}
svg .request{fill:#1e7d32}
svg .request.over{fill:var(--err)}
svg .memlabel{font-size:14px}
svg .curve{fill:none;stroke:var(--accent);stroke-width:2}
svg .nan{stroke:var(--err);stroke-width:2;stroke-dasharray:4 3}
svg .nanlabel{fill:var(--err);font-weight:700}
details.harmless{margin:1rem 0}
summary{cursor:pointer}
.scroll{overflow-x:auto}
table.env{border-collapse:collapse;width:100%}
table.env th,table.env td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.warn{color:var(--warn)}
.confirm{padding:.4rem .6rem;background:#fff;border:1px solid var(--line);border-radius:4px}
form.paste label{font-weight:600;display:block;margin:.6rem 0 .2rem}
form.paste textarea{width:100%;min-height:12rem;font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;padding:.5rem;border:1px solid #6b7280;border-radius:4px}
form.paste .row{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.6rem 0}
.error{color:var(--err);font-weight:600}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
footer{max-width:60rem;margin:2rem auto 1rem;padding:0 1rem;color:var(--muted);font-size:.9rem}
@media (max-width:480px){body{font-size:15px}.card{padding:.6rem .7rem}}
"""

SCRIPT = """
document.querySelectorAll('button.copy').forEach(function(b){
  b.hidden=false;
  b.addEventListener('click',function(){
    var t=document.getElementById(b.getAttribute('data-copy')).innerText;
    var done=function(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy'},1500)};
    if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t).then(done,function(){})}
    else{var a=document.createElement('textarea');a.value=t;document.body.appendChild(a);a.select();
      try{document.execCommand('copy');done()}catch(e){}document.body.removeChild(a)}
  });
});
var area=document.getElementById('log');
if(area){
  var pick=document.getElementById('files');
  if(pick){pick.hidden=false;pick.previousElementSibling.hidden=false}
  var load=function(files){
    var texts=[],left=files.length;
    Array.prototype.forEach.call(files,function(f,i){
      var r=new FileReader();r.onload=function(){texts[i]=r.result;if(--left===0){area.value=texts.join('\\n')}};r.readAsText(f);
    });
  };
  if(pick){pick.addEventListener('change',function(){load(pick.files)})}
  area.addEventListener('dragover',function(e){e.preventDefault()});
  area.addEventListener('drop',function(e){e.preventDefault();load(e.dataTransfer.files)});
}
"""


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def render_html(report: Report, all_fixes: bool = False) -> str:
    """`tflog analyze --format html`: the whole page, one file, nothing fetched from anywhere."""
    names = ", ".join(i.name for i in report.inputs) or "log"
    root = report.root
    title = f"tflog: {root.title}" if root else "tflog: no problem found"
    body = (
        f'<header class="top"><h1>tflog report</h1><p class="muted">{esc(names)}</p></header>'
        f"<main>{report_fragment(report, all_fixes)}</main>"
        f"<footer>Made by tflog {esc(report.tool_version)}. Self-contained: this file loads nothing from the network.</footer>"
    )
    return _document(title, body)


def render_page(
    report: Optional[Report] = None, log: str = "", error: str = "", redact: bool = False, redacting: bool = False
) -> str:
    """The page `tflog serve` shows at `/`: a form to paste a log into (a plain POST, so it works
    without JavaScript), and under it the report of what was sent, the same as --format html."""
    checked = " checked" if redact or redacting else ""
    disabled = " disabled" if redacting else ""
    form = (
        '<form class="paste" method="post" action="/" enctype="application/x-www-form-urlencoded">'
        '<label for="log">Paste a TensorFlow / CUDA log or traceback</label>'
        f'<textarea id="log" name="log" spellcheck="false" required>{esc(log)}</textarea>'
        '<label for="files" hidden>or choose log files</label><input type="file" id="files" multiple hidden>'
        '<div class="row"><button class="primary" type="submit">Diagnose</button>'
        f'<label><input type="checkbox" name="redact" value="1"{checked}{disabled}> mask user names, hosts and tokens</label>'
        + (
            '<button type="submit" name="format" value="json" formnovalidate>Download the JSON report</button>'
            if report is not None
            else ""
        )
        + "</div></form>"
    )
    parts = [
        '<header class="top"><h1>tflog</h1><p class="muted">Paste a log: tflog names the root cause, '
        "shows its evidence line and how to fix it. Nothing leaves this server.</p></header><main>",
        form,
    ]
    if error:
        parts.append(f'<p class="error" role="alert">{esc(error)}</p>')
    if report is not None:
        parts.append(report_fragment(report))
    parts.append("</main><footer>tflog · the same analysis as POST /v1/analyze · API docs at /docs</footer>")
    title = f"tflog: {report.root.title}" if report is not None and report.root else "tflog: paste a log"
    return _document(title, "".join(parts))
