"""When writing fails or something unexpected happens: one line on stderr, never a traceback, the earlier run intact.

A full disk or a denied folder, a full temporary folder, an error nobody expected (and `--debug` showing it), a
run past `--memory-limit` in any stage, two runs finishing into one folder.  Hostile inputs: tests/test_hostile.py.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, invoke, one_line_error, six_documents, snapshot


@pytest.mark.parametrize("code, why", [(errno.ENOSPC, "no space left on the device"),
                                       (errno.EACCES, "permission denied")])
def test_a_full_disk_or_a_denied_folder_is_one_line_and_the_earlier_run_stays(tmp_path, monkeypatch, code, why):
    corpus = six_documents(tmp_path / "corpus")
    out = tmp_path / "run"
    assert invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", out, "-q"]).exit_code == 0
    before = snapshot(out)

    def full(file, *args, **kwargs):
        raise OSError(code, os.strerror(code), os.fspath(file) if isinstance(file, (str, Path)) else None)

    monkeypatch.setattr(np, "savez", full)
    result = invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", out, "-q", "--force"])
    line = one_line_error(result)
    assert line == f"Error: Cannot write the run to {out}: {why}; nothing was written and the run already there " \
                   "is intact"
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "run"]  # no staged folder left


def test_an_unexpected_error_is_one_line_with_a_hint_and_debug_shows_the_traceback(tmp_path, monkeypatch):
    import topicmf.workflow.topic_run as topic_run

    def broken(*args, **kwargs):
        raise RuntimeError("something\nnobody expected")

    monkeypatch.setattr(topic_run, "vectorize", broken)
    corpus = six_documents(tmp_path / "corpus")
    result = invoke(["run", corpus, "-k", 2, "--out", tmp_path / "run", "-q"])
    assert one_line_error(result) == ("Error: Unexpected RuntimeError: something nobody expected — a bug in topicmf: "
                                       "rerun as topicmf --debug … for the traceback, and please report it")
    result = invoke(["run", corpus, "-k", 2, "--out", tmp_path / "run", "-q"], debug=True)
    assert isinstance(result.exception, RuntimeError)

    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(topic_run, "vectorize", no_memory)
    line = one_line_error(invoke(["run", corpus, "-k", 2, "--out", tmp_path / "run", "-q"]))
    assert line.startswith("Error: Out of memory") and "--memory-limit" in line
    assert not (tmp_path / "run").exists()


def test_an_unexpected_error_in_a_process_prints_no_traceback(tmp_path):
    """The same through `python -m topicmf`: a corrupt stopword file that is a folder, say, or any bug."""
    corpus = six_documents(tmp_path / "corpus")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = ("import sys, topicmf.workflow.topic_run as t\n"
            "def broken(*a, **k): raise KeyError('boom')\n"
            "t.vectorize = broken\n"
            "from topicmf.cli import main\n"
            "main(sys.argv[1:], prog_name='topicmf')\n")
    done = subprocess.run([sys.executable, "-c", code, "run", str(corpus), "-k", "2", "-q", "--out",
                           str(tmp_path / "run")], capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: Unexpected KeyError: 'boom'")


def test_a_run_that_another_replaced_meanwhile_says_so(tmp_path):
    from topicmf.errors import TopicmfWarning
    from topicmf.runfolder.staging import staged_directory

    out = tmp_path / "run"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with staged_directory(out, force=True) as first:
            (first / "manifest.json").write_text("{}")
            with staged_directory(out, force=True) as second:  # another process, finishing first
                (second / "manifest.json").write_text('{"second": 1}')
        assert (out / "manifest.json").read_text() == "{}"
    said = [str(w.message) for w in caught if issubclass(w.category, TopicmfWarning)]
    assert said == [f"{out}: replaced a run that another process wrote there while this one was working "
                    "(the last to finish wins)"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="samples memory from /proc")
def test_memory_limit_guards_every_stage_not_only_reading_and_fitting():
    import time

    from topicmf.errors import MemoryLimitError
    from topicmf.resources import limit, tree_rss

    with pytest.raises(MemoryLimitError, match=r"The run went past --memory-limit .*: it used .* fewer terms"):
        with limit(tree_rss() + (100 << 20)):
            held = [np.ones(300 << 17)]  # 300 MB in a stage nothing else watches
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.05)
            held.clear()
    with limit(tree_rss() + (500 << 20)):  # within the budget: nothing happens
        time.sleep(0.6)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="samples memory from /proc")
def test_an_over_budget_error_quiets_the_guard_so_its_clean_up_is_not_interrupted():
    # CI once printed "Exception ignored … Traceback": reading's own check stopped the run, and the guard's
    # second error arrived while the workers were being stopped
    import time

    from topicmf.errors import MemoryLimitError
    from topicmf.resources import check_fits, limit, tree_rss

    with pytest.raises(MemoryLimitError, match="needs about"):
        with limit(tree_rss() // 2):  # past the budget from the start: the guard would stop it within half a second
            try:
                check_fits(0, "The step", "Hold less.")
            finally:
                time.sleep(1.5)  # a slow clean-up, as stopping worker processes can be


def test_an_error_stopping_the_reading_workers_is_raised_not_printed_as_ignored(monkeypatch):
    # left to the generator's finalizer, it was printed as "Exception ignored in: <generator object ordered_map>"
    # with its traceback, and lost
    from topicmf.corpus import DocRef
    from topicmf.text import parallel
    from topicmf.text.counting import count_terms
    from topicmf.text.tokenize import Tokenizer

    stopped = []
    plain = parallel._Worker.stop

    def stop(worker):
        plain(worker)
        stopped.append(worker)
        raise RuntimeError("while stopping")

    class Interrupted(Exception):
        pass

    def interrupted(done, total):
        raise Interrupted

    monkeypatch.setattr(parallel._Worker, "stop", stop)
    docs = [DocRef(str(i), None, None, f"alpha beta gamma delta {i}") for i in range(400)]
    with pytest.raises(RuntimeError, match="while stopping") as raised:
        count_terms(docs, Tokenizer(), n_jobs=2, progress=interrupted, keep_stream=False)
    chain, error = [], raised.value
    while error is not None:
        chain.append(type(error))
        error = error.__context__
    assert Interrupted in chain and len(stopped) >= 1  # what stopped the reading is kept as the context


def test_a_full_temporary_folder_is_the_system_s_condition_not_a_bug(tmp_path, monkeypatch):
    import topicmf.text.stream as stream

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/topicmf-tokens-x")

    monkeypatch.setattr(stream.tempfile, "TemporaryFile", full)
    result = invoke(["run", six_documents(tmp_path / "corpus"), "-k", 2, "--min-df", 1, "--out", tmp_path / "run", "-q"])
    assert one_line_error(result) == ("Error: No space left on device (/tmp/topicmf-tokens-x): the run stopped and "
                                       "wrote nothing")
    assert not (tmp_path / "run").exists()
