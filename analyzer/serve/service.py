"""The analysis service that both front ends serve (HTTP in `http`, MCP in `mcp`): no web framework in it.

It holds the knowledge base and answers with JSON-ready dicts; analysis checks its deadline between
chunks, so a slow request stops instead of running on.
"""

import time
from typing import Any, Callable, Dict, Iterable, List, Optional

from analyzer.pipeline.reader import InputError

DEFAULT_TIMEOUT = 10.0
INPUT_NAME = "log"  # the input name findings' evidence carries
CHUNK = 256 * 1024  # the deadline is checked between chunks of this size
MCP_EXTRA = "the MCP server needs: pip install 'tflog-doctor[server]' (Python 3.10 or newer)"


def check_limits(max_body: int, timeout: float) -> None:
    """Refuse limits that make no sense, as a usage error."""
    if max_body <= 0:
        raise InputError("--max-body must be a positive number of bytes")
    if timeout <= 0:
        raise InputError("--timeout must be a positive number of seconds")


class AnalysisTimeout(Exception):
    """The analysis passed its deadline and was stopped."""


class Busy(Exception):
    """Every worker is busy and the queue is full."""


class UnredactedRefused(Exception):
    """A request asked for an unredacted answer from a server started without --allow-unredacted."""

    message = "this server masks personal data in every answer; it was not started with --allow-unredacted"


class Service:
    """The knowledge base plus the operations the server offers; all answers are JSON-ready dicts."""

    def __init__(
        self, rule_dirs: Iterable = (), redact: bool = True, timeout: float = DEFAULT_TIMEOUT, allow_unredacted: bool = False
    ):
        from analyzer.kb.load import load_knowledge_base

        self.rule_dirs = tuple(str(d) for d in rule_dirs)
        self.kb = load_knowledge_base(self.rule_dirs)
        # A server answers third parties' logs: masked unless a request asks otherwise and the
        # operator allowed that (--allow-unredacted).
        self.redact = redact
        self.allow_unredacted = allow_unredacted
        self.timeout = timeout
        self.max_log = 16 * 1024 * 1024  # MCP: the largest log accepted (HTTP limits the body instead)

    def redaction(self, requested: Optional[bool]) -> bool:
        """Whether to mask this answer: the request's wish, else the server's default.
        Raises UnredactedRefused for redact=false on a server that does not allow it."""
        if requested is None:
            return self.redact
        if not requested and not self.allow_unredacted:
            raise UnredactedRefused(UnredactedRefused.message)
        return requested

    def report(
        self,
        text: str,
        redact: Optional[bool] = None,
        deadline: Optional[float] = None,
        cancelled: Optional[Callable[[], bool]] = None,
        pictures: bool = False,
    ):
        """Analyse `text`, stopping with AnalysisTimeout once `deadline` (monotonic) has passed
        or `cancelled()` says the client went away; `pictures` for the page (see pipeline.engine.Analysis)."""
        from analyzer.pipeline.engine import Analysis
        from analyzer.pipeline.reader import LineSplitter

        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        analysis = Analysis(self.kb, pictures)
        info = analysis.start_input(INPUT_NAME)
        splitter = LineSplitter(INPUT_NAME)
        data = text.encode("utf-8", "replace")
        for start in range(0, len(data), CHUNK):
            for block in splitter.feed(data[start : start + CHUNK]):
                if time.monotonic() > deadline or (cancelled is not None and cancelled()):
                    raise AnalysisTimeout()
                analysis.feed_block(info, block)
        for block in splitter.finish():
            analysis.feed_block(info, block)
        report = analysis.report()
        if self.redaction(redact):
            from analyzer.report.redact import redact_report

            report = redact_report(report)
        return report

    def analyze(
        self,
        text: str,
        fmt: str = "json",
        redact: Optional[bool] = None,
        deadline: Optional[float] = None,
        cancelled: Optional[Callable[[], bool]] = None,
    ) -> Dict[str, Any]:
        """The HTTP answer: the JSON report (as the CLI prints it), {"markdown": ...}, or {"html": ...}
        (the page at `/`: the form with the report, as `--format html` draws it)."""
        from analyzer.report.render import render_markdown

        report = self.report(text, redact, deadline, cancelled, pictures=fmt == "html")
        if fmt == "html":
            from analyzer.report.html import render_page

            return {"html": render_page(report, text, redact=self.redaction(redact), redacting=self.redact)}
        return {"markdown": render_markdown(report)} if fmt == "markdown" else report.to_dict()

    def rules(self, category: Optional[str] = None) -> List[Dict[str, str]]:
        """Rule summaries sorted as `tflog rules list` sorts them; `category` may be a glob."""
        import fnmatch

        return [
            {"id": r.id, "category": r.category, "severity": r.severity, "title": r.title}
            for r in sorted(self.kb.rules, key=lambda r: (r.category, r.id))
            if not category or fnmatch.fnmatchcase(r.category, category)
        ]

    def rule(self, rule_id: str) -> Optional[Dict[str, Any]]:
        """One rule's details and its generated documentation, or None."""
        from pathlib import Path

        from analyzer.authoring.ruledoc import rule_markdown

        r = self.kb.get(rule_id)
        if r is None:
            return None
        # The rule file's location on this server is none of the client's business.
        markdown = rule_markdown(r, self.kb).replace(r.file, Path(r.file).name)
        return {
            "id": r.id,
            "category": r.category,
            "severity": r.severity,
            "title": r.title,
            "priority": r.priority,
            "aliases": list(r.aliases),
            "explanation": r.explanation,
            "fixes": [f.text for f in r.fixes],
            "references": list(r.references),
            "explains": list(r.explains),
            "probe": r.probe,
            "markdown": markdown,
        }

    def unknown_rule_message(self, rule_id: str) -> str:
        import difflib

        close = difflib.get_close_matches(rule_id, list(self.kb.by_id), n=3)
        return f"no rule {rule_id!r}" + (f" (did you mean {', '.join(close)}?)" if close else "")
