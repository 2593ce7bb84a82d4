"""Seeded topics (issue 12, part): `--seed-topics FILE` and `--seed-strength`."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from conftest import DEMO, write_tree
from topicmf.errors import TopicmfError
from topicmf.model.seeds import read_seed_topics

SEEDS = "# two themes of the demo corpus\nSport: team match goal coach\nKitchen: oven flour garlic pasta\n"


def run(tmp_path, seeds=SEEDS, *args, ok=True):
    path = write_tree(tmp_path / "in", {"seeds.txt": seeds}) / "seeds.txt"
    out = tmp_path / "out"
    result = CliRunner().invoke(main_cli(), ["run", str(DEMO), "-k", "5", "--seed-topics", str(path), "--out",
                                             str(out), "-q", *map(str, args)])
    if ok:
        assert result.exit_code == 0, result.output
    return out, result


def main_cli():
    from topicmf.cli import main

    return main


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seeded_topics_keep_their_words_and_carry_their_names(tmp_path, seed):
    out, result = run(tmp_path, SEEDS, "--seed", seed)
    manifest = json.loads((out / "manifest.json").read_text())
    report = {s["name"]: s for s in manifest["metrics"]["seeds"]}
    assert report["Sport"]["topic"] == 0 and report["Kitchen"]["topic"] == 1
    assert report["Sport"]["kept"] >= 0.75 and report["Kitchen"]["kept"] >= 0.75
    assert manifest["model"]["topic_names"][:2] == ["Sport", "Kitchen"]
    rows = list(csv.DictReader(open(out / "topics.csv", encoding="utf-8")))
    assert {r["name"] for r in rows if r["topic"] == "0"} == {"Sport"}
    assert "[Sport]" in result.output and "[Kitchen]" in result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="topicmf-data">')[1].split("</script>")[0])
    assert [t["label"] for t in data["topics"][:2]] == ["Sport", "Kitchen"]  # the page names them
    listed = CliRunner().invoke(main_cli(), ["topics", str(out)])
    assert "[Sport]" in listed.output
    # the documents stay the corpus's own: the pseudo-documents of the seeds are not in any output
    docs = list(csv.DictReader(open(out / "doc_topics.csv", encoding="utf-8")))
    assert len(docs) == 35 and not any(d["doc_id"].startswith("(seed") for d in docs)


def test_strength_zero_starts_from_the_seeds_only(tmp_path):
    out, _ = run(tmp_path, SEEDS, "--seed-strength", 0)
    report = {s["name"]: s for s in json.loads((out / "manifest.json").read_text())["metrics"]["seeds"]}
    assert set(report) == {"Sport", "Kitchen"}


def test_missing_seed_words_are_named_and_a_seed_without_any_is_an_error(tmp_path):
    _, result = run(tmp_path, "Sport: team match zzzzqx\n")
    assert "seed 'Sport': zzzzqx not in the vocabulary" in result.output
    _, result = run(tmp_path / "second", "Nothing: zzzzqx yyyyqx\n", ok=False)
    assert result.exit_code == 1 and "seed 'Nothing' has no word in the vocabulary" in result.output


@pytest.mark.parametrize("text, message", [
    ("no colon here\n", "seeds.txt:1: expected 'name: word word"),
    ("A: x\nA: y\n", "seeds.txt:2: the seed 'A' is named twice"),
    ("# only a comment\n", "holds no seed topic"),
])
def test_bad_seed_files_name_the_line(tmp_path, text, message):
    path = write_tree(tmp_path, {"seeds.txt": text}) / "seeds.txt"
    with pytest.raises(TopicmfError, match=message.replace("(", r"\(")):
        read_seed_topics(path)


def test_seeds_need_a_fixed_k_and_an_nmf_model(tmp_path):
    path = write_tree(tmp_path, {"seeds.txt": SEEDS}) / "seeds.txt"
    for args in (["-k", "auto"], ["-m", "lsa"]):
        result = CliRunner().invoke(main_cli(), ["run", str(DEMO), *args, "--seed-topics", str(path), "--out",
                                                 str(tmp_path / "o"), "-q"])
        assert result.exit_code == 1 and "--seed-topics needs a model whose topics are word distributions (NMF), a fixed -k" in result.output


def test_the_names_are_in_the_per_topic_files_too(tmp_path):
    out, _ = run(tmp_path, SEEDS)
    for name in ("topic_docs.csv", "topics_per_label.csv"):
        rows = list(csv.DictReader(open(out / name, encoding="utf-8")))
        assert {r["name"] for r in rows if r["topic"] == "0"} == {"Sport"}
        assert {r["name"] for r in rows if r["topic"] == "4"} == {""}
