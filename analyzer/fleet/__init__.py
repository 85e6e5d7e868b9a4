"""Triage many logs at once: per-log rows, an index that remembers, the aggregate, Ray.

`triage` (one log -> one row, worker processes), `aggregate` (rows -> what is failing across
them), `index` (SQLite: analysed once per knowledge base), `run` (the three together) and
`distributed` (the same rows from a Ray Data pipeline). It uses the pipeline and the report
model only; the CLI (`tflog triage`) and `analyzer.analyze_many` sit on top.
"""
