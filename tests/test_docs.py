"""The documentation: the README holds true, the site builds strictly and opens cleanly in Chromium.

The site (MkDocs with the Material theme, `mkdocs.yml`) is built once per session into a temporary
folder with ``mkdocs build --strict``: a broken link or anchor, a page missing from the nav, an API
reference mkdocstrings cannot resolve or a failing notebook fails it. Its packages are the ``docs``
extra, which the test extras include; the tests that need them skip where they are absent.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import DEMO, ROOT
from topicmf.cli import main

README = ROOT / "README.md"
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def commands() -> dict[str, click.Command]:
    ctx = click.Context(main, info_name="topicmf")
    return {"topicmf": main, **{name: main.get_command(ctx, name) for name in main.list_commands(ctx)}}


def option_names(command: click.Command) -> set[str]:
    return {name for p in command.params if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}


def tool(name: str):
    """A module of docs/tools: the site's hooks, the screenshot script."""
    spec = importlib.util.spec_from_file_location(f"docs_tools_{name}", DOCS / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def doc_pages() -> list[Path]:
    """README and the hand-written pages (the benchmarks and the changelog record history: not checked)."""
    pages = [README, *sorted(DOCS.rglob("*.md"))]
    return [p for p in pages if p.name not in ("benchmarks.md", "changelog.md", "parameters.md")]


# -- the README ----------------------------------------------------------------------------------

def test_the_readme_is_short_and_every_link_and_picture_is_there():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    for target in LINK.findall(text):
        if not re.match(r"[a-z]+:", target):
            assert (ROOT / target.split("#")[0]).exists(), target
    picture = ROOT / "docs" / "images" / "report.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_quick_start_prints_what_the_readme_shows(tmp_path, monkeypatch):
    shown = re.search(r"prints:\n\n```text\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1).splitlines()
    (tmp_path / "corpora").symlink_to(ROOT / "corpora")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "corpora/demo", "-k", "5"])
    assert result.exit_code == 0, result.output
    printed = result.stdout.strip("\n").splitlines()
    assert len(printed) == len(shown)
    for line, expected in zip(printed, shown):
        if expected.startswith("written "):  # the folder and the seconds differ
            assert re.sub(r"/\S*/reports/demo/|in [\d.]+ s", "", line) == re.sub(r"/\S*/reports/demo/|in [\d.]+ s", "",
                                                                                  expected)
        else:
            assert line == expected
    getting_started = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    assert "\n".join(shown) in getting_started, "docs/getting-started.md shows another output than the README"


def test_the_readme_python_examples_run(tmp_path):
    """Each Python block of the README runs as it is, from a folder holding the repository's corpora."""
    pytest.importorskip("pandas", reason="the examples' tables need pandas (topicmf[notebook])")
    (tmp_path / "corpora").symlink_to(ROOT / "corpora")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2
    for block in blocks:
        assert len([line for line in block.splitlines() if line.strip()]) <= 10
        done = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "reports" / "demo-python" / "manifest.json").is_file()
    assert (tmp_path / "reports" / "films" / "manifest.json").is_file()
    assert "astronomy/" in subprocess.run([sys.executable, "-c", blocks[0]], cwd=tmp_path, capture_output=True,
                                          text=True, timeout=300).stdout


# -- what the pages say against the code ----------------------------------------------------------

def test_every_option_the_docs_name_exists():
    """A `--option` in the prose exists on some command; in a `topicmf CMD …` example line, on CMD."""
    every = set().union(*(option_names(c) for c in commands().values()))
    cmds = commands()
    for page in doc_pages():
        text = page.read_text(encoding="utf-8")
        for name in re.findall(r"`(--[a-z][a-z0-9-]*)", text):
            assert name in every, f"{page.relative_to(ROOT)} names {name}, which no command has"
        for line in re.findall(r"^\s*(?:\$ )?topicmf ([a-z]+)\b([^\n#]*)", text, re.M):
            name, rest = line
            if name in cmds:
                for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest):
                    known = option_names(cmds[name]) | option_names(main) | {"--help"}
                    assert option in known, f"{page.relative_to(ROOT)}: topicmf {name} has no {option}"


def test_every_figure_the_pages_state_is_a_recorded_measurement():
    """A decimal figure in the README, the guide, the methods or the benchmarks' summary (outside code) is one
    reports/benchmarks.md records: the figures have one home, and a page cannot drift from it."""
    recorded = (ROOT / "reports" / "benchmarks.md").read_text(encoding="utf-8")
    pages = [README, DOCS / "index.md", DOCS / "getting-started.md", DOCS / "methods.md", DOCS / "benchmarks.md",
             DOCS / "reference" / "run-folder.md", *sorted((DOCS / "guide").glob("*.md"))]
    for page in pages:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"^(?: {4}|\t).*$", "", re.sub(r"`[^`\n]*`", "", text), flags=re.M)  # code is not a claim
        unrecorded = sorted({n for n in re.findall(r"(?<![\w.,])\d+\.\d+(?![\w.])", text) if n not in recorded})
        assert not unrecorded, f"{page.relative_to(ROOT)} states {unrecorded}, which reports/benchmarks.md does not"


STATED_DEFAULTS = [  # how the pages state an option's default
    re.compile(r"`(--[a-z][\w-]*) ([^`<]+)` \((?:the )?default"),  # `--clean auto` (the default)
    re.compile(r"`(--[a-z][\w-]*)`[^.;`]{0,40}?\(?default:? `?([^`),;<\s]+)"),  # `--max-df` (default 0.95)
    re.compile(r"`(--[a-z][\w-]*)` \((\d+) ?([KMG])B by default"),  # `--max-document-size` (64 MB by default
]


def _same_default(stated: str, param: click.Option) -> bool:
    from topicmf.resources import parse_size

    default = param.default
    if isinstance(param.show_default, str):  # a text in place of the value: "(64M)"
        return parse_size(stated) == parse_size(param.show_default.strip("()"))
    if default is None:  # decided at run time (min_df by the corpus's size): the option's help states it
        return re.search(rf"default:? {re.escape(stated)}\b", param.help or "") is not None
    try:
        return float(stated) == float(default)
    except (TypeError, ValueError):
        return stated == str(default)


def test_the_defaults_the_pages_state_are_the_commands_defaults():
    """'`--min-df` … (default 3', '`--clean auto` (the default)': each stated default is the click option's."""
    found = 0
    for page in doc_pages():
        text = " ".join(page.read_text(encoding="utf-8").split())
        for pattern in STATED_DEFAULTS:
            for match in pattern.finditer(text):
                name, stated = match.group(1), "".join(match.groups()[1:]).rstrip(":")
                if text[match.end():match.end() + 1] == "<":  # a placeholder: reports/<corpus name>
                    continue
                params = [p for c in commands().values() for p in c.params
                          if isinstance(p, click.Option) and name in p.opts + p.secondary_opts]
                assert params, f"{page.relative_to(ROOT)}: no command has {name}"
                declared = sorted({str(p.show_default if isinstance(p.show_default, str) else p.default)
                                   for p in params})
                assert any(_same_default(stated, p) for p in params), (
                    f"{page.relative_to(ROOT)} says {name} defaults to {stated!r}; click says {declared}")
                found += 1
    assert found >= 8  # the patterns still find what the pages say


def test_every_command_is_in_the_user_guide():
    guide = "".join(p.read_text(encoding="utf-8") for p in (DOCS / "guide").glob("*.md"))
    for name in commands():
        if name != "topicmf":
            assert f"topicmf {name}" in guide, f"the user guide never shows `topicmf {name}`"


def test_the_command_reference_is_made_from_the_click_definitions():
    """Every command, option and shown default is in the generated page, as click declares it."""
    page = tool("hooks").cli_reference()
    sections = dict(re.findall(r"^## `topicmf ?([a-z]*)`\n(.*?)(?=^## |\Z)", page, re.S | re.M))
    for name, command in commands().items():
        section = sections[name if name != "topicmf" else ""]
        ctx = click.Context(command, info_name=name)
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            line = next((x for x in section.splitlines() if x.startswith(f"- `{param.opts[0]}`")), None)
            assert line is not None, f"{name} {param.opts[0]} is missing from the reference"
            default = param.get_default(ctx, call=False)
            if param.show_default and default is not None and not param.is_flag:
                if isinstance(param.show_default, str):  # a text shown in place of the value ("(64M)")
                    shown = param.show_default
                elif isinstance(default, (list, tuple)):
                    shown = ", ".join(map(str, default))
                else:
                    shown = str(default.value if hasattr(default, "value") else default)
                assert f"default: `{shown}`" in line, (name, param.opts[0], line)


def test_the_manifest_reference_names_every_key_a_run_writes(tmp_path):
    reference = (DOCS / "reference" / "run-folder.md").read_text(encoding="utf-8")
    runner = CliRunner()
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("space: planet telescope orbit\n", encoding="utf-8")
    runs = [["run", DEMO, "-k", "4", "--seed-topics", seeds, "--heldout", "0.2", "--out", tmp_path / "a"],
            ["run", DEMO, "-k", "auto", "--k-range", "3:4", "--out", tmp_path / "b"],
            ["recommend", ROOT / "corpora" / "ratings_lecture.csv", "--out", tmp_path / "c"]]
    for args in runs:
        result = runner.invoke(main, [*map(str, args), "--quiet"])
        assert result.exit_code == 0, result.output
        manifest = json.loads((Path(args[-1]) / "manifest.json").read_text(encoding="utf-8"))
        for key, value in manifest.items():
            assert f"`{key}`" in reference, f"manifest key {key!r} is not in docs/reference/run-folder.md"
            if isinstance(value, dict) and key not in ("versions", "files"):
                for inner in value:
                    assert f"`{inner}`" in reference, f"manifest key {key}.{inner} is not documented"
    for name in os.listdir(tmp_path / "a"):
        assert f"`{name}`" in reference, f"the run folder's {name} is not documented"


# -- the site ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed (the docs extra)")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed (the docs extra)")
    pytest.importorskip("nbclient", reason="nbclient is not installed (the docs extra)")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]  # MkDocs' own (the
    assert not warnings, warnings  # notebooks' kernel says "[IPKernelApp] WARNING" about its local TCP ports)
    return out


def test_the_site_builds_in_strict_mode_with_every_page(site):
    for page in ["index.html", "getting-started/index.html", "reference/cli/index.html", "reference/api/index.html",
                 "reference/run-folder/index.html", "methods/index.html", "benchmarks/index.html",
                 "notebooks/topics/index.html", "notebooks/ratings/index.html", "guide/dask/index.html"]:
        assert (site / page).is_file(), page
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "n_topics" in api and "fit_transform" in api and "recommend_new" in api
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "--neighbour-effort" in cli and "--include-known" in cli
    notebook = (site / "notebooks" / "topics" / "index.html").read_text(encoding="utf-8")
    assert 'class="dataframe' in notebook and "<iframe" in notebook  # run when built: tables and the report
    benchmarks = (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    assert "Issue 28: short texts" in benchmarks


def test_every_benchmark_section_states_its_date_machine_and_command():
    text = (ROOT / "reports" / "benchmarks.md").read_text(encoding="utf-8")
    for section in re.split(r"\n(?=## )", text)[1:]:
        head, _, body = section.partition("\n")
        measured = re.search(r"^\*Measured (20\d\d-\d\d-\d\d)(?: to 20\d\d-\d\d-\d\d)? on (.+?) with (.+)\.\*$", body,
                             re.M)
        assert measured, f"{head}: no 'Measured DATE on MACHINE with COMMAND' line"
        for script in re.findall(r"benchmarks/(\w+\.py)", measured.group(3)):
            assert (ROOT / "benchmarks" / script).is_file(), script


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_the_site_opens_in_chromium_without_errors_or_requests_elsewhere(site, served):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    offline = tool("screenshot").offline
    pages = sorted(p.parent.relative_to(site).as_posix() for p in site.rglob("index.html"))
    assert len(pages) >= 20
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900})
            problems = offline(context, (served, "data:", "about:", "blob:"))
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            for path in pages:
                path = "" if path == "." else path + "/"
                page.goto(served + path)
                page.wait_for_load_state("networkidle")
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"{path} is {wide} px wide at {width} px"
                assert not problems, (path, width, problems)
            if width == 1280:  # the search runs offline, in its worker, from the built index
                assert _search(page, "perplexity", sync_api.TimeoutError), "the site's search found nothing"
            context.close()
        browser.close()


def _search(page, query: str, timeout_error, patience: float = 60) -> bool:
    """Type ``query`` in the search box; True once results show. A query typed while the worker was still loading
    the index can be dropped (seen in a clean clone's run: "Type to start searching" after 10 s), so each few
    seconds without results one more keystroke asks again."""
    page.click("input.md-search__input")
    page.keyboard.type(query)
    deadline = time.monotonic() + patience
    while True:
        try:
            page.wait_for_selector(".md-search-result__item", timeout=3_000)
            return True
        except timeout_error:
            if time.monotonic() > deadline:
                return False
            page.keyboard.type(" ")
            page.keyboard.press("Backspace")


def test_the_screenshot_script_remakes_the_readme_picture(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    out = tmp_path / "report.png"
    done = subprocess.run([sys.executable, str(DOCS / "tools" / "screenshot.py"), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    committed = DOCS / "images" / "report.png"

    def size(path):
        head = path.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        return struct.unpack(">II", head[16:24])

    assert size(out) == size(committed) == (1280, 900)
    assert out.stat().st_size > 50_000  # a page, not a blank screen
