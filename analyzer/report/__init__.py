"""Renderers of a finished report: terminal, text, Markdown, JSON and the machine formats; redaction."""
