"""The report page without a browser: escaping, self-containment, its data, and `topicmf report`."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DEMO, shared_corpus, write_tree
from topicmf.cli import main
from topicmf.model import load_model
from topicmf.report.data import CANDIDATES, mds, page_data, script_json

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "</script>", "<!--", "\u2028", "&amp;"]


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "demo"
    assert cli("run", DEMO, "-k", 5, "--out", out, "-q").exit_code == 0
    return out


def test_script_json_is_inert_inside_a_script_element():
    text = script_json({"s": HOSTILE, "n": [1.5, None]})
    for bad in ("<", ">", "&", "\u2028"):
        assert bad not in text
    assert json.loads(text) == {"s": HOSTILE, "n": [1.5, None]}


def test_the_page_is_self_contained_and_its_script_is_the_only_one_allowed(demo_run):
    page = (demo_run / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", page)  # nothing fetched from anywhere
    assert "@import" not in page and "url(" not in page
    csp = re.search(r'script-src \'(sha256-[^\']+)\'', page).group(1)
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode("ascii")
    assert csp == f"sha256-{digest}"  # an injected inline script would be refused by the browser
    data = re.search(r'<script type="application/json" id="topicmf-data">(.*?)</script>', page, flags=re.S).group(1)
    parsed = json.loads(data)
    assert parsed["k"] == 5 and len(parsed["docs"]["id"]) == 35


def test_page_data_agrees_with_the_model(demo_run):
    model = load_model(demo_run)
    graph = model.neighbour_graph(10)
    np.testing.assert_array_equal(graph.index, model.graph.index)  # the saved graph is the graph
    data = page_data(model, model.manifest, graph)
    assert [t["label"] for t in data["topics"]] == [model.label(t) for t in range(5)]
    np.testing.assert_allclose([t["prevalence"] for t in data["topics"]], model.prevalence(), atol=1e-5)
    assert data["docs"]["dominant"] == model.dominant_topics().tolist()  # a small corpus: every document shown
    assert data["docs"]["near"] == graph.index.tolist() and data["outside"]["id"] == []
    H = model.H / model.H.sum(axis=1, keepdims=True)
    p_w = model.term_counts / model.term_counts.sum()
    for t, words in enumerate(data["words"]):
        index = [model.vocabulary.index(w) for w in words["w"]]
        np.testing.assert_allclose(words["p"], H[t, index], atol=1e-6)
        for lam in (0.0, 0.37, 0.6, 1.0):  # the candidates hold the true top words for any λ
            with np.errstate(divide="ignore"):
                relevance = lam * np.log(H[t]) + (1 - lam) * np.log(H[t] / p_w)
            best = set(np.argsort(-relevance, kind="stable")[:10].tolist())
            assert best <= set(index), (t, lam)
        assert len(words["w"]) >= CANDIDATES


def test_mds_recovers_planar_distances():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 2))
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    Y = mds(D)
    np.testing.assert_allclose(np.linalg.norm(Y[:, None] - Y[None], axis=2), D, atol=1e-9)


def test_report_command_rerenders_the_same_page_without_the_corpus(demo_run, tmp_path):
    copy = tmp_path / "moved"
    copy.mkdir()
    for f in demo_run.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    original = (copy / "index.html").read_bytes()
    (copy / "index.html").unlink()
    result = cli("report", copy)
    assert result.exit_code == 0, result.output
    assert (copy / "index.html").read_bytes() == original


def test_report_command_errors(tmp_path, demo_run):
    result = cli("report", tmp_path)
    assert result.exit_code == 1 and "not a topicmf run" in result.stderr
    copy = tmp_path / "bad"
    copy.mkdir()
    for f in demo_run.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    (copy / "model.npz").write_bytes(b"PK\x03\x04 truncated")
    before = (copy / "index.html").read_bytes()
    result = cli("report", copy)
    assert result.exit_code == 1 and "does not match its manifest" in result.stderr
    assert (copy / "index.html").read_bytes() == before


def test_lsa_page_shows_both_poles_and_the_spectrum(tmp_path):
    out = tmp_path / "lsa"
    assert cli("run", DEMO, "--model", "lsa", "-k", 4, "--out", out, "-q").exit_code == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="word-chart-neg"' in page and "singular values" in page and 'id="lambda"' not in page
    data = json.loads(re.search(r'id="topicmf-data">(.*?)</script>', page, flags=re.S).group(1))
    assert data["words"] is None and len(data["poles"]) == 4 and data["poles"][0]["neg"]


def test_hostile_text_is_escaped_in_the_markup(tmp_path):
    corpus = write_tree(tmp_path / "hostile", {
        '<script>alert(1)<\\script>/"><img src=x onerror=alert(1)>.txt': f"{HOSTILE[0]} planet orbit telescope",
        "ok/</script><!--.txt": f"{HOSTILE[1]} {HOSTILE[2]} {HOSTILE[3]} planet orbit",
        "ok/b.txt": "bread oven bake flour",
        "ok/c.txt": "bread oven planet",
    })
    out = tmp_path / "out"
    result = cli("run", corpus, "-k", 2, "--out", out, "--min-df", 1, "--max-df", 1.0, "-q")
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<img" not in page and "<!--" not in page
    data = re.search(r'id="topicmf-data">(.*?)</script>', page, flags=re.S).group(1)
    assert "onerror" not in page.replace(data, "")  # the payload is only in the (inert, escaped) data
    assert json.loads(data)["docs"]["excerpt"][0].startswith("<script>alert(1)</script>")


def test_twenty_newsgroups_page_stays_under_ten_megabytes(tmp_path):
    corpus = shared_corpus("20news")
    out = tmp_path / "20news"
    result = cli("run", corpus, "-k", 20, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert (out / "index.html").stat().st_size < 10_000_000
    assert "A uniform sample of 3,000 of the 18,846 documents" in page
    assert re.search(r"Excerpts are the first \d+ characters", page)


def test_axis_labels_are_readable_numbers_that_differ():
    from topicmf.report.html import compact, line_chart, tick_labels

    assert compact(5457536.0) == "5.46M" and compact(12345) == "12.3k" and compact(0.0123) == "0.0123"
    assert compact(-1.5) == "−1.5" and compact(0) == "0" and compact(2.5e9) == "2.5G"
    # an objective curve that moves in its fourth digit still gets three different labels
    labels = tick_labels([5457536.0, 5458036.0, 5458536.0])
    assert len(set(labels)) == 3 and all(label.endswith("M") and "e+" not in label for label in labels)
    chart = line_chart([1, 2, 3], [5.4585e6, 5.4580e6, 5.4575e6])
    assert [t["label"] for t in chart["yticks"]] == ["5.4575M", "5.458M", "5.4585M"]
