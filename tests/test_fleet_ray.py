"""The Ray Data pipeline gives the same per-log rows and aggregate as worker processes on this
machine, on the same generated fleet (a local Ray instance with 2 CPUs). Skipped without Ray;
CI installs the `ray` extra, so there it runs."""

from __future__ import annotations

import json

import pytest
from fleetgen import make_fleet

from analyzer import analyze_many

pytest.importorskip("ray.data", reason="Ray is optional: pip install 'tflog-doctor[ray]'")

from conftest import tflog


@pytest.fixture(scope="module")
def local_ray():
    import ray

    from analyzer.fleet import distributed

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    distributed.shutdown()


def test_ray_pipeline_matches_worker_processes(tmp_path, local_ray):
    fleet = make_fleet(tmp_path / "fleet", 400)
    paths = [m.path for m in fleet.logs]
    local = analyze_many(paths, jobs=2)
    on_ray = analyze_many(paths, ray="")
    assert on_ray.rows == local.rows  # identical per-log rows
    assert on_ray.aggregate.to_dict() == local.aggregate.to_dict()
    assert on_ray.analysed == 400


def test_ray_with_the_index_skips_known_logs(tmp_path, local_ray):
    fleet = make_fleet(tmp_path / "fleet", 150, seed=7)
    paths = [m.path for m in fleet.logs]
    db = str(tmp_path / "triage.sqlite")
    first = analyze_many(paths, ray="", db=db)
    again = analyze_many(paths, ray="", db=db)
    assert first.analysed > 0 and again.analysed == 0 and again.reused == 150
    assert again.rows == first.rows


def test_cli_ray_on_a_local_instance(tmp_path):
    fleet = make_fleet(tmp_path / "fleet", 60, seed=3)
    p = tflog("triage", tmp_path / "fleet", "-r", "--ray", "--format", "json", timeout=300)
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    ray_out = json.loads(p.stdout)
    assert ray_out == analyze_many([m.path for m in fleet.logs], jobs=1).aggregate.to_dict()
