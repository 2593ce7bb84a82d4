"""Runs that end early — Ctrl-C, a killed worker, not enough memory — leave nothing behind and say why."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    """30,000 documents of 150 words: a few seconds of reading and fitting."""
    rng = np.random.default_rng(0)
    words = np.array([f"w{a}{b}" for a in "bcdfghjklm" for b in "aeiouyzxqr" for _ in range(1)] +
                     [f"term{i}" for i in range(1500)])
    path = tmp_path_factory.mktemp("big") / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(30_000):
            topic = rng.integers(0, 10)
            ids = (rng.zipf(1.3, 150) + topic * 150) % len(words)
            f.write(json.dumps({"id": f"d{i}", "text": " ".join(words[ids])}) + "\n")
    return path


def _start(args, tmpdir: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "topicmf", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _nothing_left(out: Path, tmpdir: Path) -> None:
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]  # no staged folder
    assert not list(tmpdir.iterdir())  # no temporary file


@pytest.mark.parametrize("after", [1.5, 4.0])
def test_ctrl_c_leaves_no_partial_run_and_no_temporary_files(big_corpus, tmp_path, after):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "runs" / "r"
    out.parent.mkdir()
    proc = _start(["run", big_corpus, "-k", 10, "--out", out, "-q"], tmpdir)
    time.sleep(after)
    if proc.poll() is not None:
        pytest.skip("the run ended before the interrupt (a very fast machine)")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0 and (out / "manifest.json").is_file():  # it finished between poll() and the signal
        pytest.skip("the run ended as the interrupt was sent")
    assert proc.returncode != 0
    assert "Traceback" not in err
    _nothing_left(out, tmpdir)


def test_a_token_stream_interrupted_while_it_is_made_closes_quietly():
    """Ctrl-C can land inside __init__, before the file exists; __del__ then runs on a half-made object."""
    from topicmf.text.stream import StreamWriter, TokenStream

    for cls in (StreamWriter, TokenStream):
        half = cls.__new__(cls)
        half.__del__()  # raised AttributeError before: printed as a traceback after "Aborted!"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_a_killed_worker_stops_the_run_with_a_message_and_leaves_nothing(big_corpus, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "runs" / "r"
    out.parent.mkdir()
    proc = _start(["run", big_corpus, "-k", 10, "--out", out, "-q", "--jobs", 2], tmpdir)
    deadline = time.monotonic() + 30
    workers = []
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        workers = _children(proc.pid)
    if not workers:
        proc.kill()
        pytest.skip("no worker process appeared")
    time.sleep(0.3)
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "worker process reading the corpus stopped unexpectedly" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3
    _nothing_left(out, tmpdir)


def test_a_run_that_would_not_fit_in_memory_stops_early_and_says_what_helps(big_corpus, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "runs" / "r"
    out.parent.mkdir()
    proc = _start(["run", big_corpus, "--out", out, "--memory-limit", "60M"], tmpdir)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    # whichever sees it first: reading's own check, or the guard of every stage (past the limit from the start)
    assert ("Reading the corpus stopped after" in err or "The run went past --memory-limit 60.0 MB" in err)
    assert "--max-terms" in err and "--dask" in err and "Traceback" not in err
    _nothing_left(out, tmpdir)


def test_the_fit_is_refused_before_it_starts_when_its_estimate_exceeds_the_limit(tmp_path):
    from topicmf.errors import MemoryLimitError
    from topicmf.model import fit_topic_model
    from topicmf.resources import limit, tree_rss
    from topicmf.text import TextOptions, vectorize

    with vectorize(ROOT / "corpora" / "demo", TextOptions()) as dtm:
        with limit(tree_rss() + 1000):
            with pytest.raises(MemoryLimitError, match=r"Fitting 5 topics to 35 documents .* Use fewer topics"):
                fit_topic_model(dtm, 5)
        with limit(tree_rss() + 2**30):
            assert fit_topic_model(dtm, 5).n_topics == 5


@pytest.mark.parametrize("text, size", [("8G", 8 * 2**30), ("512M", 512 * 2**20), ("1.5GB", int(1.5 * 2**30)),
                                        ("1000", 1000)])
def test_memory_sizes_are_read_as_people_write_them(text, size):
    from topicmf.resources import parse_size

    assert parse_size(text) == size
    with pytest.raises(ValueError, match="is not a size"):
        parse_size("lots")


def test_tree_memory_counts_shared_pages_once_or_per_process():
    from topicmf.resources import tree_rss

    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc here")
    proportional, summed = tree_rss(), tree_rss(proportional=False)
    assert 0 < proportional <= summed * 1.05  # PSS never exceeds RSS (5% for pages touched between the reads)
