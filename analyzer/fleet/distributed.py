"""The same triage as a Ray Data pipeline, for when one machine is not enough.

paths/URIs -> `ray.data.from_items` -> `map_batches` with a class whose constructor loads the
knowledge base once per worker, reading each log through pyarrow's filesystems (local paths,
s3://, gs://, hdfs://...) and returning the same rows as `triage.row_of` -> collected on the
driver. Ray is optional (`pip install 'tflog-doctor[ray]'`) and imported only here.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from analyzer.pipeline.reader import InputError

from .triage import Row

RAY_EXTRA = "triage --ray needs Ray: pip install 'tflog-doctor[ray]'"
BATCH = 128  # logs per map_batches call: big enough to amortise Ray's per-batch cost, small enough to spread


def _ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError(RAY_EXTRA) from None
    return ray


class _Triage:
    """A Ray actor-pool worker: the knowledge base is loaded once, in the constructor."""

    def __init__(self, rule_dirs: Sequence[str], known: Sequence[str]):
        from analyzer.kb.load import load_knowledge_base

        from .triage import kb_version

        self.kb = load_knowledge_base(tuple(rule_dirs))
        self.version = kb_version(self.kb)
        self.known = frozenset(known)

    def __call__(self, batch: Dict[str, Any]) -> Dict[str, List[str]]:
        from .triage import content_hash, read_log, row_of, unreadable_row

        out = []
        for where, path in zip(batch["where"], batch["path"]):
            path = str(path)
            try:
                data, mtime = read_log(str(where))
            except (OSError, InputError) as e:
                out.append(json.dumps(unreadable_row(path, f"{path}: {getattr(e, 'strerror', None) or e}", self.version)))
                continue
            digest = content_hash(data)
            if digest in self.known:
                row: Row = {"path": path, "sha256": digest, "size": len(data), "mtime": round(mtime, 3), "skipped": True}
            else:
                row = row_of(path, data, mtime, self.kb, self.version, digest)
            out.append(json.dumps(row))
        return {"row": out}  # JSON text: one column whatever a row holds, no Arrow schema to agree on


def iter_ray(
    paths: Sequence[str],
    *,
    address: Optional[str] = None,
    rule_dirs: Sequence[str] = (),
    known: Iterable[str] = (),
    workers: Optional[int] = None,
    num_cpus: Optional[int] = None,
) -> Iterator[Row]:
    """Rows of `paths` computed on Ray (a local instance, or the cluster at `address`), as they come.

    `workers`: how many KB-holding actors (default: the cluster's CPUs); `num_cpus` caps a local
    instance. Workers read paths made absolute (so that they find relative ones); rows keep the
    path as given, as a run on this machine does."""
    ray = _ray()
    if not ray.is_initialized():
        kwargs: Dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if address:
            kwargs["address"] = address
        elif num_cpus:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # its per-run INFO lines are not for tflog's users
    cpus = int(ray.cluster_resources().get("CPU", 1))
    n = max(1, workers or cpus)
    items = [{"where": p if "://" in p else os.path.abspath(p), "path": p} for p in paths]
    if not items:
        return
    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items) // BATCH, n * 8)))
    ds = ds.map_batches(
        _Triage,
        fn_constructor_kwargs={"rule_dirs": [os.path.abspath(d) for d in rule_dirs], "known": sorted(known)},
        batch_size=BATCH,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=n),
        num_cpus=1,
    )
    for rec in ds.iter_rows():
        yield json.loads(rec["row"])


def triage_ray(paths: Sequence[str], **kwargs: Any) -> List[Row]:
    """Rows of `paths` computed on Ray, by path (the arguments of `iter_ray`)."""
    return sorted(iter_ray(paths, **kwargs), key=lambda r: r["path"])


def shutdown() -> None:
    """Stop the Ray instance this process started (the tests and the benchmark call it)."""
    ray = _ray()
    if ray.is_initialized():
        ray.shutdown()
