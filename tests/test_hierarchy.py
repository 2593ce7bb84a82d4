"""The topic tree (issue 12, part): hierarchy.csv, `topicmf hierarchy DIR` and the page's dendrogram."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DEMO, snapshot
from topicmf.cli import main
from topicmf.model import load_model
from topicmf.model.hierarchy import jensen_shannon, topic_distances, topic_tree


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tree") / "demo"
    assert CliRunner().invoke(main, ["run", str(DEMO), "-k", 6, "--out", str(out), "-q"]).exit_code == 0
    return out


def test_the_tree_joins_every_topic_once_at_rising_distances(demo_run):
    rows = list(csv.DictReader(open(demo_run / "hierarchy.csv", encoding="utf-8")))
    k = 6
    assert len(rows) == k - 1 and [int(r["node"]) for r in rows] == list(range(k, 2 * k - 1))
    members = {t: {t} for t in range(k)}
    used = set()
    for r in rows:
        left, right = int(r["left"]), int(r["right"])
        assert left not in used and right not in used  # each topic or node is joined once
        used |= {left, right}
        members[int(r["node"])] = members[left] | members[right]
        assert {int(t) for t in r["topics"].split()} == members[int(r["node"])]
    assert members[2 * k - 2] == set(range(k))
    distances = [float(r["distance"]) for r in rows]
    assert distances == sorted(distances)  # average linkage never goes down
    # the first join is the closest pair of topics
    model = load_model(demo_run)
    D = topic_distances(model)
    a, b = int(rows[0]["left"]), int(rows[0]["right"])
    assert D[a, b] == pytest.approx(np.min(D[np.triu_indices(k, 1)]))


def test_jensen_shannon_is_a_bounded_metric():
    rng = np.random.default_rng(0)
    P = rng.random((5, 30))
    P /= P.sum(axis=1, keepdims=True)
    D = jensen_shannon(P)
    assert np.allclose(D, D.T) and np.allclose(np.diag(D), 0) and (D >= 0).all() and (D <= 1).all()
    for i in range(5):
        for j in range(5):
            assert all(D[i, j] <= D[i, m] + D[m, j] + 1e-12 for m in range(5))  # triangle inequality
    assert jensen_shannon(np.eye(2))[0, 1] == pytest.approx(1.0)  # disjoint supports: the maximum


def test_the_hierarchy_command_rewrites_the_file_and_the_page(demo_run, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in demo_run.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    (copy / "hierarchy.csv").unlink()
    before = (copy / "index.html").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["hierarchy", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "hierarchy.csv").read_bytes() == (demo_run / "hierarchy.csv").read_bytes()
    assert "Topic tree" not in before or "Topic tree" in (copy / "index.html").read_text(encoding="utf-8")
    assert result.output.count("+ ") == 5 and "written" in result.output
    assert not [p for p in copy.iterdir() if p.name.startswith(".")]  # no temporary file left
    model = load_model(copy)
    nodes, order = topic_tree(model)
    assert sorted(order) == list(range(6)) and len(nodes) == 5


def test_hierarchy_of_a_missing_run_is_one_line(tmp_path):
    before = snapshot(tmp_path)
    result = CliRunner().invoke(main, ["hierarchy", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "Traceback" not in result.output and snapshot(tmp_path) == before
