"""The example notebooks, executed top to bottom by nbclient with a real IPython kernel, and their inline reports
opened in Chromium (network blocked) as a notebook shows them: an iframe whose srcdoc holds the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extras (nbformat)")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the test extras (nbclient)")
pytest.importorskip("ipykernel", reason="the notebook tests need the test extras (ipykernel)")
pytest.importorskip("pandas", reason="the notebooks need pandas (topicmf[notebook])")

EXAMPLES = ROOT / "examples"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def executed():
    """Both notebooks run, once: {name: notebook with its outputs}."""
    books = {}
    for name in ("topics.ipynb", "ratings.ipynb"):
        book = nbformat.read(EXAMPLES / name, as_version=4)
        nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(EXAMPLES)}}).execute()
        books[name] = book
    return books


def outputs(book):
    return [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs]


def html_outputs(book) -> list[str]:
    return [o["data"]["text/html"] for o in outputs(book) if "data" in o and "text/html" in o["data"]]


def test_the_notebooks_run_without_errors(executed):
    for name, book in executed.items():
        errors = [o for o in outputs(book) if o.output_type == "error"]
        assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
        problems = [o["text"] for o in outputs(book) if o.output_type == "stream" and o["name"] == "stderr"]
        assert not problems, f"{name} wrote to stderr: {problems[0][:300]}"


def test_the_topics_notebook_shows_topics_and_tables(executed):
    shown = html_outputs(executed["topics.ipynb"])
    assert any("topicmf-summary" in h and "5 topics" in h for h in shown)  # the estimator's own summary
    assert any("<iframe" in h and "srcdoc=" in h for h in shown)  # show()
    text = "\n".join(o["data"].get("text/plain", "") for o in outputs(executed["topics.ipynb"]) if "data" in o)
    assert "array(['football', 'cooking']" in text  # the Pipeline's predictions on new texts


def test_the_ratings_notebook_names_the_films(executed):
    shown = "\n".join(html_outputs(executed["ratings.ipynb"]))
    assert "The Intouchables (2011)" in shown and "A Nightmare on Elm Street (1984)" in shown
    assert "<iframe" in shown


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
@pytest.mark.parametrize("name, ready", [("topics.ipynb", "#word-chart .word-row"), ("ratings.ipynb", "#rec-table tr")])
def test_the_inline_report_works_in_chromium_offline(executed, tmp_path, name, ready):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    frame_html = next(h for h in html_outputs(executed[name]) if h.startswith("<iframe"))
    host = tmp_path / "output.html"  # the output cell as a notebook page holds it
    host.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>out</title></head><body>"
                    f"<div class='output_html'>{frame_html}</div></body></html>", encoding="utf-8")
    url = host.resolve().as_uri()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            for width, height in ((1280, 900), (390, 844)):
                context = browser.new_context(viewport={"width": width, "height": height})
                requests, errors = [], []
                context.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
                page = context.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(url)
                frame = page.frame_locator("iframe")
                frame.locator("body[data-ready='1']").wait_for(timeout=30_000)
                assert frame.locator(ready).count() > 0
                box = page.locator("iframe").bounding_box()
                assert box["width"] > 300 and box["height"] > 400
                assert not errors, errors
                assert [u for u in requests if u != url and not u.startswith("about:")] == []
                context.close()
        finally:
            browser.close()
