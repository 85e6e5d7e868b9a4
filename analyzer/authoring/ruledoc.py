"""A rule's documentation, generated from the rule itself (`tflog rules show ID`)."""

from __future__ import annotations

from analyzer.kb.rules import KnowledgeBase, Rule


def rule_markdown(rule: Rule, kb: KnowledgeBase) -> str:
    out = [
        f"# {rule.id}: {rule.title}",
        "",
        f"- category: {rule.category} ({kb.categories.get(rule.category, '')})",
        f"- severity: {rule.severity}" + ("  (harmless)" if rule.severity == "info" else ""),
        f"- priority: {rule.priority}",
        f"- defined in: {rule.file}",
    ]
    if rule.aliases:
        out.append(f"- also known as: {', '.join(rule.aliases)}")
    if rule.eras:
        out.append(f"- log formats (eras): {', '.join(rule.eras)}")
    if rule.probe:
        out.append(f"- confirmation probe: {rule.probe} (tflog analyze --confirm)")
    paragraphs = rule.explanation.split("\n") if rule.explanation else ["(no explanation)"]
    conditions = rule.explanation_when or [None] * len(paragraphs)
    out += ["", "## What it means", ""] + [p + (f"  (when `{w}`)" if w else "") for p, w in zip(paragraphs, conditions)]
    if rule.severity_when:
        out += ["", "## When the severity changes", ""]
        out += [
            f"- if `{i['if']}`: {i['severity']}" + (f" — {i.get('note')}" if i.get("note") else "") for i in rule.severity_when
        ]
    if rule.when:
        out += ["", f"Only reported when: `{rule.when}`"]
    if rule.fixes:
        out += ["", "## How to fix", ""]
        out += [f"{n}. {f.text}" + (f"  (when `{f.when}`)" if f.when else "") for n, f in enumerate(rule.fixes, 1)]
    if rule.explains:
        out += ["", "## Symptoms it explains", ""] + [f"- {e}" for e in rule.explains]
    if rule.explains_after:
        out += ["", "## Symptoms it explains when they come after it", ""] + [f"- {e}" for e in rule.explains_after]
    out += ["", "## Matches", ""] + [f"    {p.pattern}" for p in rule.patterns]
    if rule.examples_match:
        out += ["", "Examples:", ""] + [f"    {e.line}" for e in rule.examples_match]
    if rule.examples_no_match:
        out += ["", "Near-misses it does not match:", ""] + [f"    {e}" for e in rule.examples_no_match]
    if rule.references:
        out += ["", "## References", ""] + [f"- {r}" for r in rule.references]
    return "\n".join(out)
