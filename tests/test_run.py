"""`topicmf run` and the commands that explore a run: files, their agreement, reload, bad input."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import COUNT_TABLE, DEMO, shared_corpus, snapshot, write_tree
from topicmf.cli import main
from topicmf.model import load_model
from topicmf.neighbours.scores import TOPIC_WEIGHT
from topicmf.report import RUN_FILES
from topicmf.neighbours.graph import unit_rows

FILES = {"index.html", "topics.csv", "topic_docs.csv", "hierarchy.csv", "doc_topics.csv", "word_topics.csv", "similar.csv", "model.npz", "words.npz",
         "manifest.json"}


def test_the_library_lists_the_same_run_files():
    assert set(RUN_FILES) == FILES


def test_run_help_names_every_file_a_run_writes():
    from click.testing import CliRunner

    from topicmf.cli import main

    text = " ".join(CliRunner().invoke(main, ["run", "--help"]).output.split())
    assert [name for name in sorted(FILES) if name not in text] == []


def cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def one_line_error(result, pattern):
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    assert re.search(pattern, lines[-1]), lines[-1]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    result = cli("run", DEMO, "-k", 5, "--out", out, "--seed", 1)
    assert result.exit_code == 0, result.output
    return out, result


def test_run_writes_every_file_and_a_summary(demo_run):
    out, result = demo_run
    assert {p.name for p in out.iterdir()} == FILES | {"topics_per_label.csv"}  # the demo corpus is labelled
    assert "5 topics of 35 documents" in result.stdout
    assert re.search(r"coherence\s+NPMI -?\d\.\d{3}\s+C_V \d\.\d{3}\s+UMass -?\d+\.\d{3}\s+diversity", result.stdout)
    assert re.search(r"labels\s+NMI [01]\.\d{3}", result.stdout)
    assert f"{out}/index.html" in result.stdout
    assert len(re.findall(r"^\s+\d  \w+, ", result.stdout, flags=re.M)) == 5
    assert re.search(r"^  background \(70% of every document's words\): \w+", result.stdout, flags=re.M)


def test_doc_topics_are_profiles_that_sum_to_one(demo_run):
    out, _ = demo_run
    rows = read_csv(out / "doc_topics.csv")
    assert len(rows) == 35 and list(rows[0])[:3] == ["doc_id", "label", "dominant_topic"]
    P = np.array([[float(r[f"topic_{t}"]) for t in range(5)] for r in rows])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=5e-7)  # five shares of 7 significant digits
    assert [int(r["dominant_topic"]) for r in rows] == list(np.argmax(P, axis=1))
    assert rows[0]["doc_id"] == "astronomy/01.txt" and rows[0]["label"] == "astronomy"


def test_topics_csv_ranks_the_words_of_word_topics_by_relevance(demo_run):
    out, _ = demo_run
    words = read_csv(out / "word_topics.csv")
    H = np.array([[float(r[f"topic_{t}"]) for t in range(5)] for r in words]).T
    vocab = [r["word"] for r in words]
    b = load_model(out).factorization.background  # p(w) of the relevance: the background's word profile
    phi = H / H.sum(axis=1, keepdims=True)
    relevance = 0.6 * np.log(phi) + 0.4 * np.log(phi / b)
    topics = read_csv(out / "topics.csv")
    for t in range(5):
        listed = [(r["word"], float(r["weight"])) for r in topics if r["topic"] == str(t)]
        order = np.argsort(-relevance[t], kind="stable")[:20]
        assert listed == [(vocab[j], H[t, j]) for j in order]
        assert [int(r["rank"]) for r in topics if r["topic"] == str(t)] == list(range(1, 21))
    assert {r["pole"] for r in topics} == {"positive", "background"}
    background = [r for r in topics if r["topic"] == "background"]
    assert 1 <= len(background) <= 20 and all(r["pole"] == "background" and float(r["weight"]) > 0.5 for r in background)


def test_similar_csv_lists_the_exact_neighbours_by_topics_and_words(demo_run):
    out, _ = demo_run
    docs = read_csv(out / "doc_topics.csv")
    ids = [r["doc_id"] for r in docs]
    P = unit_rows(np.array([[float(r[f"topic_{t}"]) for t in range(5)] for r in docs]))
    words = load_model(out).word_vectors().toarray().astype(np.float64)  # √0.85 · unit sublinear tf-idf
    S = TOPIC_WEIGHT * P @ P.T + words @ words.T
    rows = read_csv(out / "similar.csv")
    assert len(rows) == 35 * 10
    for r in rows:
        i, j = ids.index(r["doc_id"]), ids.index(r["neighbour_id"])
        assert i != j and float(r["score"]) == pytest.approx(S[i, j], abs=1e-6)
    first = [r for r in rows if r["doc_id"] == ids[0]]
    scores = [float(r["score"]) for r in first]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(np.sort(np.delete(S[0], 0))[-1], abs=1e-6)


def test_manifest_records_how_to_reproduce_the_run(demo_run):
    out, _ = demo_run
    m = json.loads((out / "manifest.json").read_text())
    assert m["model"]["name"] == "pnmf" and m["model"]["n_topics"] == 5 and m["model"]["seed"] == 1
    assert set(m["versions"]) >= {"topicmf", "numpy", "scipy", "scikit-learn", "python"}
    assert re.fullmatch(r"[0-9a-f]{64}", m["corpus"]["fingerprint"])
    assert m["corpus"]["documents"] == 35 and m["text_options"]["min_df"] == 2
    assert set(m["timings"]) >= {"reading", "fitting", "evaluating", "neighbours", "total"}
    assert m["model"]["objective"] > 0 and m["model"]["n_iter"] >= 1
    coh = m["metrics"]["coherence"]
    assert len(coh["npmi"]) == len(coh["c_v"]) == len(coh["umass"]) == 5
    assert 0 < m["metrics"]["diversity"] <= 1 and m["metrics"]["labels"]["nmi"] > 0.5
    assert m["files"]["model.npz"]["sha256"]
    assert m["command"] == f"topicmf run {DEMO} -k 5 --seed 1 --out {out}"  # the options given, defaults left out


def test_same_seed_same_run(demo_run, tmp_path):
    out, _ = demo_run
    again = tmp_path / "again"
    assert cli("run", DEMO, "-k", 5, "--out", again, "--seed", 1, "-q").exit_code == 0
    for name in ("topics.csv", "doc_topics.csv", "similar.csv"):
        assert (again / name).read_text() == (out / name).read_text()
    a, b = json.loads((out / "manifest.json").read_text()), json.loads((again / "manifest.json").read_text())
    assert a["corpus"]["fingerprint"] == b["corpus"]["fingerprint"] and a["metrics"] == b["metrics"]


def test_topics_similar_and_query_commands(demo_run):
    out, _ = demo_run
    result = cli("topics", out, "-n", 4)
    assert result.exit_code == 0 and len(result.stdout.strip().splitlines()) == 6
    result = cli("similar", out, "astronomy/01.txt", "-n", 3)
    assert result.exit_code == 0 and len(result.stdout.strip().splitlines()) == 4
    expected = load_model(out).similar("astronomy/01.txt", 3)
    assert [line.split()[3] for line in result.stdout.strip().splitlines()[1:]] == [d for d, _ in expected]
    with open(out / "similar.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert [r[2] for r in rows if r[0] == "astronomy/01.txt"][:3] == [d for d, _ in expected]  # the run's own neighbours
    model = load_model(out)
    wider = model.similar("astronomy/01.txt", 15)  # wider than the stored graph: searched exactly, same score
    stored = model.similar("astronomy/01.txt", 10)
    assert [d for d, _ in wider[:10]] == [d for d, _ in stored] and len(wider) == 15
    np.testing.assert_allclose([s for _, s in wider[:10]], [s for _, s in stored], atol=1e-6)
    result = cli("query", out, "The telescope watched a planet orbiting a distant star", "-n", 2)
    assert result.exit_code == 0 and "topic mixture" in result.stdout and "astronomy/" in result.stdout
    result = cli("query", out, "-", input="telescope planet stars")
    assert result.exit_code == 0 and "astronomy/" in result.stdout


def test_query_with_a_documents_text_returns_it_first(tmp_path):
    out = tmp_path / "lsa"
    assert cli("run", DEMO, "--model", "lsa", "-k", 6, "--out", out, "-q").exit_code == 0
    for name in ("gardening/03.txt", "football/05.txt"):
        result = cli("query", out, (DEMO / name).read_text(), "-n", 3)
        assert result.exit_code == 0
        first = result.stdout.split("nearest documents:")[1].strip().splitlines()[1].split()
        assert first[3] == name and float(first[1]) == pytest.approx(1.0, abs=1e-6)
    topics = read_csv(out / "topics.csv")
    assert {r["pole"] for r in topics} == {"positive", "negative"}
    docs = read_csv(out / "doc_topics.csv")
    assert any(float(r["topic_1"]) < 0 for r in docs)  # LSA coordinates as they are


def test_exploring_errors_are_one_line(demo_run, tmp_path):
    out, _ = demo_run
    one_line_error(cli("similar", out, "nope.txt"), r"No document 'nope.txt'")
    one_line_error(cli("query", out, "zzzz qqqq"), r"None of the words")
    one_line_error(cli("topics", tmp_path), r"not a topicmf run")


def test_a_tampered_model_is_refused(demo_run, tmp_path):
    out, _ = demo_run
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in out.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    data = bytearray((copy / "model.npz").read_bytes())
    data[200] ^= 1
    (copy / "model.npz").write_bytes(bytes(data))
    one_line_error(cli("topics", copy), r"model.npz does not match its manifest")
    (copy / "model.npz").write_bytes(bytes(data[:100]))
    one_line_error(cli("similar", copy, "astronomy/01.txt"), r"does not match its manifest")


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["-k", 0], r"number of topics must be at least 1"),
        (["-k", "many"], r"neither a number of topics nor 'auto'"),
        (["-k", 500], r"number of topics must be between 1 and"),
        (["--min-df", 1000], r"Try a lower --min-df"),
        (["--model", "pnmf", "--weighting", "tfidf"], r"Poisson NMF models counts"),
        (["--model", "nmf", "--sigma", "sqrt"], r"--sigma applies to --model lsa only"),
        (["--model", "lsa", "--solver", "cd"], r"Unknown solver 'cd' for lsa"),
    ],
)
def test_bad_run_input_writes_nothing(tmp_path, args, pattern):
    before = snapshot(tmp_path)
    result = cli("run", DEMO, "--out", tmp_path / "out", *args)
    one_line_error(result, pattern)
    assert snapshot(tmp_path) == before


def test_output_inside_the_corpus_is_refused(labelled_corpus):
    before = snapshot(labelled_corpus)
    one_line_error(cli("run", labelled_corpus, "-k", 2, "--out", labelled_corpus / "results", "--min-df", 1),
                   r"lies inside the corpus")
    assert snapshot(labelled_corpus) == before


def test_existing_output_is_replaced_only_with_force(tmp_path, labelled_corpus):
    out = tmp_path / "out"
    assert cli("run", labelled_corpus, "-k", 2, "--out", out, "--min-df", 1, "-q").exit_code == 0
    before = snapshot(out)
    one_line_error(cli("run", labelled_corpus, "-k", 3, "--out", out, "--min-df", 1), r"already exists; pass --force")
    assert snapshot(out) == before
    assert cli("run", labelled_corpus, "-k", 3, "--out", out, "--min-df", 1, "--force", "-q").exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["model"]["n_topics"] == 3
    other = write_tree(tmp_path / "mine", {"notes.txt": "precious"})
    one_line_error(cli("run", labelled_corpus, "-k", 2, "--out", other, "--min-df", 1, "--force"),
                   r"not a topicmf output folder")
    assert (other / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "mine", "out"]  # no temporary leftovers


def test_a_failure_while_writing_leaves_the_previous_run_intact(tmp_path, labelled_corpus, monkeypatch):
    import topicmf.report as report

    out = tmp_path / "out"
    assert cli("run", labelled_corpus, "-k", 2, "--out", out, "--min-df", 1, "-q").exit_code == 0
    before = snapshot(out)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(report, "write_similar", broken)
    result = cli("run", labelled_corpus, "-k", 3, "--out", out, "--min-df", 1, "--force", "-q")
    assert result.exit_code != 0
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out"]


def test_run_on_a_count_table_has_no_window_coherence(tmp_path):
    out = tmp_path / "counts"
    result = cli("run", COUNT_TABLE, "-k", 2, "--out", out, "--min-df", 1, "--max-df", 1.0)
    assert result.exit_code == 0, result.output
    m = json.loads((out / "manifest.json").read_text())
    assert m["metrics"]["coherence"]["npmi"] is None and len(m["metrics"]["coherence"]["umass"]) == 2
    assert "NPMI n/a" in result.stdout
    assert load_model(out).tokenizer is None


def test_document_text_and_names_are_escaped_in_the_page(tmp_path):
    payload = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'
    corpus = write_tree(tmp_path / "hostile", {
        "<b>bold</b>/<script>x.txt": f"{payload} planet planet orbit",
        "ok/a.txt": "planet orbit telescope <img src=x onerror=alert(1)>",
        "ok/b.txt": "bread oven bake",
    })
    out = tmp_path / "out"
    result = cli("run", corpus, "-k", 2, "--out", out, "--min-df", 1, "--max-df", 1.0)
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text()
    assert page.count("<script") == 2  # the page's data block and its own script; see test_report.py
    assert "<img" not in page and "<b>bold" not in page
    assert "<td>&lt;b&gt;bold&lt;</td>" in page  # the label (first folder "<b>bold<"), escaped


def test_sweep_and_k_auto(tmp_path):
    out = tmp_path / "sweep"
    result = cli("sweep", DEMO, "--k", "3:6", "--out", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"sweep.csv", "sweep.json", "sweep.html"}
    rows = read_csv(out / "sweep.csv")
    assert [int(r["k"]) for r in rows] == [3, 4, 5, 6]
    assert sum(r["suggested"] == "True" for r in rows) == 1
    suggested = json.loads((out / "sweep.json").read_text())["suggested"]
    assert f"suggested k = {suggested}" in result.stdout
    assert "Rule:" in (out / "sweep.html").read_text()
    run_out = tmp_path / "auto"
    result = cli("run", DEMO, "-k", "auto", "--k-range", "3:6", "--out", run_out, "-q")
    assert result.exit_code == 0, result.output
    m = json.loads((run_out / "manifest.json").read_text())
    assert m["model"]["n_topics"] == suggested and m["sweep"]["suggested"] == suggested
    assert (run_out / "sweep.html").is_file()
    one_line_error(cli("sweep", DEMO, "--k", "0:3", "--out", tmp_path / "bad"), r"positive integers")
    assert not (tmp_path / "bad").exists()


def test_progress_is_on_stderr_and_quiet_silences_it(tmp_path):
    result = cli("run", DEMO, "-k", 3, "--out", tmp_path / "q", "-q")
    assert result.exit_code == 0 and result.stderr == ""


def test_bbc_poisson_nmf_with_five_topics_matches_the_sections(tmp_path):
    bbc = shared_corpus("bbc")
    out = tmp_path / "bbc"
    result = cli("run", bbc, "-k", 5, "--model", "pnmf", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    labels = json.loads((out / "manifest.json").read_text())["metrics"]["labels"]
    assert labels["nmi"] >= 0.6 and labels["documents"] == 2225
