"""Log bytes to a report: reader -> scan (prefilter) -> parse -> facts -> engine (match rules, rank)."""
