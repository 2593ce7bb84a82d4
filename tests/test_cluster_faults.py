"""A Dask worker lost in the middle of a run (killed, or over its memory limit): a one-line error naming it, never a
hang, never a partial run folder, never a damaged earlier run."""

from __future__ import annotations


import pytest

from conftest import DEMO, kill_a_worker_when
from topicmf.errors import TopicmfError

distributed = pytest.importorskip("distributed")

from topicmf.distributed import cluster  # noqa: E402
from topicmf.distributed.cluster import WorkerLost  # noqa: E402
from topicmf.workflow import run  # noqa: E402


@pytest.mark.parametrize("stage_label", ["reading", "fitting", "neighbours", "writing the documents"])
def test_a_worker_killed_mid_run_stops_it_cleanly(tmp_path, stage_label):
    earlier = run(DEMO, out=tmp_path / "run", k=4, seed=0)
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir() if p.is_file()}
    killed = []
    with pytest.raises(WorkerLost) as lost:
        run(DEMO, out=tmp_path / "run", k=4, seed=0, force=True, dask="local:2",
            stage=kill_a_worker_when(stage_label, killed))
    message = str(lost.value)
    assert killed and killed[0] in message and "\n" not in message and "writes nothing" in message
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir() if p.is_file()} == before  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staged folder left behind
    assert earlier.manifest["corpus"]["documents"] == 35


def test_a_worker_over_its_memory_limit_stops_the_run_cleanly(tmp_path, monkeypatch):
    """A worker the nanny terminates at its memory limit is a lost worker too."""
    original = distributed.LocalCluster

    def small(*args, **kwargs):
        return original(*args, **{**kwargs, "memory_limit": "180MB"})

    monkeypatch.setattr(distributed, "LocalCluster", small)
    monkeypatch.setattr(cluster, "PAUSE_LIMIT", 4.0)  # a worker paused that long is over its limit for good here
    with pytest.raises(TopicmfError, match=r"Dask worker tcp://\S+ .*memory limit"):
        run(DEMO, out=tmp_path / "run", k=4, seed=0, dask="local:1")
    assert not (tmp_path / "run").exists() and list(tmp_path.iterdir()) == []
