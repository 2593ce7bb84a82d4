"""The command line through click's CliRunner: help, output, exit codes, errors, nothing written."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import COUNT_TABLE, DEMO, ROOT, snapshot, write_tree
from topicmf.cli import main
from topicmf.console import Progress

SHARED_OPTIONS = [
    "--min-df", "--max-df", "--max-terms", "--language", "--stem / --no-stem", "--ngrams", "--stopwords",
    "--extra-stopwords", "--clean", "--text-column", "--id-column", "--label-column", "--jobs", "--quiet",
]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def assert_one_line_error(result, pattern):
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: ")
    assert "Traceback" not in result.output
    import re

    assert re.search(pattern, lines[-1]), lines[-1]


def test_help_lists_commands_and_shared_options():
    result = run("--help")
    assert result.exit_code == 0
    assert "vocab" in result.output
    result = run("vocab", "--help")
    assert result.exit_code == 0
    for option in SHARED_OPTIONS:
        assert option in result.output, option
    assert "Examples:" in result.output


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "topicmf", "--help"], capture_output=True, text=True, check=True)
    assert "Usage: topicmf" in out.stdout
    version = subprocess.run([sys.executable, "-m", "topicmf", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and "topicmf, version" in version.stdout


def test_vocab_table_on_the_demo_corpus():
    result = run("vocab", DEMO, "--top", 5, "--jobs", 1)
    assert result.exit_code == 0, result.output
    assert "documents   35" in result.stdout
    assert "language    english" in result.stdout
    assert "astronomy 7" in result.stdout
    assert len([line for line in result.stdout.splitlines() if line[:4].strip().isdigit()]) == 5


def test_vocab_json_has_the_documented_fields():
    result = run("vocab", DEMO, "--json", "--jobs", 1)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    for field in ("docs", "terms", "nnz", "labels", "empty_docs", "skipped_files", "top_terms", "languages"):
        assert field in stats
    assert stats["languages"]["also"] == [] and stats["languages"]["minority"] == {}
    assert stats["docs"] == 35
    assert stats["labels"] == {"astronomy": 7, "computing": 7, "cooking": 7, "football": 7, "gardening": 7}
    assert stats["empty_docs"] == 0 and stats["skipped_files"] == []
    assert len(stats["top_terms"]) == min(50, stats["terms"])
    counts = [t["count"] for t in stats["top_terms"]]
    assert counts == sorted(counts, reverse=True)
    assert {"term", "count", "docs"} == set(stats["top_terms"][0])


def test_vocab_json_on_the_count_table():
    stats = json.loads(run("vocab", COUNT_TABLE, "--json", "--min-df", 1).stdout)
    assert (stats["docs"], stats["terms"], stats["nnz"]) == (10, 6, 37)
    assert stats["labels"] is None
    assert stats["top_terms"][0] == {"term": "database", "count": 129, "docs": 9}


def test_stemmed_top_terms_are_real_words(tmp_path):
    write_tree(tmp_path, {"a.txt": "running runners running", "b.txt": "running runs", "c.txt": "runs quickly"})
    stats = json.loads(run("vocab", tmp_path, "--json", "--stem", "--language", "english", "--min-df", 1, "--max-df", 1.0).stdout)
    assert [t["term"] for t in stats["top_terms"]][:1] == ["running"]


def test_stopword_options(tmp_path):
    write_tree(tmp_path, {"a.txt": "apple pear plum the", "b.txt": "apple pear fig the"})
    (tmp_path.parent / "stop.txt").write_text("# mine\npear, plum\n", encoding="utf-8")
    base = ["vocab", tmp_path, "--json", "--min-df", 1, "--max-df", 1.0]
    terms = lambda *extra: {t["term"] for t in json.loads(run(*base, *extra).stdout)["top_terms"]}  # noqa: E731
    assert terms() == {"apple", "pear", "plum", "fig"}
    assert terms("--stopwords", tmp_path.parent / "stop.txt") == {"apple", "fig", "the"}
    assert terms("--stopwords", "none") == {"apple", "pear", "plum", "fig", "the"}
    assert terms("--extra-stopwords", "apple,fig", "--extra-stopwords", "plum") == {"pear"}


def test_warnings_go_to_stderr_and_json_stays_clean(tmp_path):
    write_tree(tmp_path, {"a/x.txt": "words here", "a/y.txt": "words there", "b/bin.txt": b"\x00\x01"})
    result = run("vocab", tmp_path, "--json", "--min-df", 1, "--max-df", 1.0)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["skipped_files"] == [{"path": "b/bin.txt", "reason": "binary file (contains NUL bytes)"}]
    assert "Warning: Skipped b/bin.txt: binary file" in result.stderr


@pytest.mark.parametrize(
    "files, args, pattern",
    [
        ({}, [], r"No documents found under .* \(looked for \.txt, \.md, \.html, \.htm, \.pdf, \.docx"),
        ({"a.txt": b"\x00bin"}, [], r"No readable documents in .*: 1 skipped"),
        ({"a.txt": "alpha", "b.txt": "beta", "c.txt": "gamma"}, [], r"After pruning, no terms remain"),
        ({"a.txt": "alpha", "b.txt": "alpha"}, ["--min-df", 5], r"Try a lower --min-df"),
        ({"docs.csv": ""}, ["@docs.csv"], r"is empty: expected a header row"),
        ({"docs.csv": "body\nwords\n"}, ["@docs.csv"], r"has no column 'text'"),
        ({"a.txt": "words"}, ["--stem", "--language", "none"], r"Stemming needs a language"),
        ({"a.txt": "words"}, ["--stopwords", "@missing.txt"], r"Cannot read the stopword file"),
    ],
)
def test_bad_input_gives_one_line_error_and_writes_nothing(tmp_path, files, args, pattern):
    root = write_tree(tmp_path / "corpus", files) if files else (tmp_path / "corpus")
    root.mkdir(exist_ok=True)
    target = root
    resolved = []
    for a in args:
        if isinstance(a, str) and a.startswith("@"):
            if a[1:].endswith(".csv"):
                target = root / a[1:]
                continue
            a = str(root / a[1:])
        resolved.append(a)
    before = snapshot(tmp_path)
    result = run("vocab", target, *resolved)
    assert_one_line_error(result, pattern)
    assert snapshot(tmp_path) == before


def test_missing_path_and_bad_option_values(tmp_path):
    assert_one_line_error(run("vocab", tmp_path / "nope"), r"No such file or folder")
    result = run("vocab", DEMO, "--min-df", "lots")
    assert result.exit_code == 2 and "is neither a document count nor a fraction" in result.stderr
    result = run("vocab", DEMO, "--max-df", "1.5")
    assert result.exit_code == 2 and "fraction between 0 and 1" in result.stderr


@pytest.mark.parametrize("extra", [[], ["--stem", "--ngrams", 2, "--jobs", 2]])
def test_reading_never_writes_into_the_corpus(labelled_corpus, extra):
    before = snapshot(labelled_corpus)
    result = run("vocab", labelled_corpus, "--min-df", 1, *extra)
    assert result.exit_code == 0, result.output
    assert snapshot(labelled_corpus) == before


def test_quiet_silences_progress_but_not_results():
    result = run("vocab", DEMO, "--quiet", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["docs"] == 35


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_and_is_silent_when_quiet():
    stream = _Terminal()
    with Progress("reading", delay=0.0, stream=stream) as progress:
        progress(50, 100)
    assert "reading [############" in stream.getvalue() and "50/100" in stream.getvalue()
    quiet = _Terminal()
    with Progress("reading", delay=0.0, stream=quiet, quiet=True) as progress:
        progress(50, 100)
    assert quiet.getvalue() == ""
    log = io.StringIO()  # not a terminal: one summary line for a stage longer than the delay
    with Progress("reading", delay=0.0, stream=log) as progress:
        progress(7, None)
    assert log.getvalue().startswith("reading 7") and log.getvalue().count("\n") == 1


def test_progress_gives_rate_and_time_left_and_writes_to_a_log_while_a_stage_runs(monkeypatch):
    import topicmf.console as console

    clock = [100.0]
    monkeypatch.setattr(console.time, "perf_counter", lambda: clock[0])
    log = io.StringIO()
    with Progress("neighbours", delay=0.0, stream=log, every=30.0) as progress:
        for step in range(1, 7):  # 20 s a step: a line every 30 s, one at the end
            clock[0] += 20.0
            progress(step * 1_000_000, 6_000_000)
    lines = log.getvalue().splitlines()
    assert len(lines) == 4  # at 40, 80 and 120 s, then the end
    assert lines[0] == "neighbours [########                ]  33% 2,000,000/6,000,000 40.0s, 50,000/s, 1:20 left"
    assert lines[-1].startswith("neighbours [########################] 100% 6,000,000/6,000,000 2:00, 50,000/s")
    assert "left" not in lines[-1]
    quiet = io.StringIO()
    with Progress("neighbours", delay=0.0, stream=quiet, quiet=True) as progress:
        clock[0] += 100.0
        progress(1, 2)
    assert quiet.getvalue() == ""


def test_unusual_files_warn_but_do_not_fail(tmp_path):
    import os

    write_tree(tmp_path, {"a/x.txt": "grand café words", "a/y.txt": "café words more", "b/z.txt": b"caf\xe9 words"})
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    result = run("vocab", tmp_path, "--json", "--min-df", 2, "--max-df", 1.0)
    assert result.exit_code == 0, result.output
    assert "Warning: b/z.txt is not UTF-8; read it as cp1252" in result.stderr
    stats = json.loads(result.stdout)
    assert stats["docs"] == 3 and stats["encodings"] == [{"path": "b/z.txt", "encoding": "cp1252"}]
    assert {t["term"] for t in stats["top_terms"]} == {"café", "words"}


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_the_options_are_built_from_the_registries(command):
    """Models, solvers, weightings and every model parameter offered on the command line come from topicmf.spec:
    the same choices, ranges and names."""
    import click

    from topicmf.spec import MODELS, SIGMA_SPLITS, SIMILARITIES, WEIGHTINGS
    from topicmf.spec.runs import DEFAULT_K_RANGE

    options = {p.name: p for p in main.commands[command].params}
    assert tuple(options["model"].type.choices) == tuple(MODELS)
    assert set(options["solver"].type.choices) == {s for spec in MODELS.values() for s in spec.solvers}
    assert tuple(options["weighting"].type.choices) == WEIGHTINGS and tuple(options["sigma"].type.choices) == SIGMA_SPLITS
    assert options["k_range" if command == "run" else "ks"].default == DEFAULT_K_RANGE
    if command == "run":
        assert tuple(options["similarity"].type.choices) == SIMILARITIES
    for spec in MODELS.values():
        for param in spec.params:
            if not param.cli or param.name == "solver":
                continue
            option = options[param.name]
            assert param.option in option.opts
            if isinstance(option.type, (click.IntRange, click.FloatRange)):
                assert (option.type.min, option.type.max) == (param.low, param.high)
            assert param.help.rstrip(".")[1:] in option.help  # the table's words, whatever the prefix


def test_help_does_not_load_the_numerical_stages():
    code = "import sys; from topicmf.cli import main; print('numba' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_fitting_progress_counts_iterations_without_a_total_it_would_not_reach():
    """A fit that converges at iteration 10 of at most 200 must not end on "5% 10/200"."""
    from topicmf.workflow.topic_run import _fit_progress

    stream = _Terminal()
    ctx, callback = _fit_progress(lambda label: Progress(label, delay=0.0, stream=stream), "fitting")
    with ctx:
        for it in range(1, 11):
            callback(it, 200)
    out = stream.getvalue()
    assert "fitting, iteration 10" in out and "/200" not in out and "%" not in out


def test_k_is_spelled_the_same_way_in_run_and_sweep(tmp_path):
    """-k and --k both work for both commands (run also takes --topics)."""
    for args in (["run", DEMO, "--k", "3"], ["run", DEMO, "-k", "3"], ["run", DEMO, "--topics", "3"]):
        result = CliRunner().invoke(main, [str(a) for a in args] + ["--out", str(tmp_path / "r"), "--force", "-q"])
        assert result.exit_code == 0, (args, result.output)
    for flag in ("-k", "--k"):
        out = tmp_path / f"sweep{flag}"
        result = CliRunner().invoke(main, ["sweep", str(DEMO), flag, "3,4", "--out", str(out), "-q"])
        assert result.exit_code == 0, (flag, result.output)
        assert "sweep.html" in {p.name for p in out.iterdir()}


def test_the_license_the_citation_and_the_version_agree():
    import tomllib

    import topicmf

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"]["text"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert "cff-version: 1.2.0" in citation and "license: MIT" in citation
    assert f'version: "{project["version"]}"' in citation and project["version"] == topicmf.__version__
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"topicmf, version {topicmf.__version__}"


def test_vocab_help_names_every_document_format_a_folder_may_hold():
    from topicmf.corpus.files import DOCUMENT_EXTENSIONS

    text = CliRunner().invoke(main, ["vocab", "--help"]).output
    assert [ext for ext in DOCUMENT_EXTENSIONS if ext not in text] == []


def test_the_changelog_names_the_version_and_points_at_sections_that_exist():
    import re

    import topicmf

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {topicmf.__version__}" in changelog
    headings = [line[3:] for line in (ROOT / "reports" / "benchmarks.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("## ")]
    for cited in re.findall(r'"([^"]+)"', " ".join(changelog.split())):
        assert any(h.startswith(cited) or cited in h for h in headings), cited
