"""The report in a real browser: Debian's Chromium driven by Playwright, with the network blocked.

Skips with the reason where Chromium or Playwright is missing (`.ci/run` installs both).
Screenshots of the main views go to a temporary folder (printed with -s).
"""

from __future__ import annotations

import re

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DEMO, planted_texts, write_tree
from topicmf.cli import main

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots in {folder}")
    return folder


class Page:
    """A page opened from file:// with every network request blocked and counted."""

    def __init__(self, browser, path: Path, width=1280, height=900):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.blocked: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.add_init_script("window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));")
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='1']", timeout=30_000)

    def _route(self, route):
        if route.request.url == getattr(self, "url", None):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    @property
    def other_requests(self):
        return [u for u in self.requests if u != self.url]

    def words(self):
        return self.page.eval_on_selector_all("#word-chart .word-row", "gs => gs.map(g => g.dataset.word)")

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "demo"
    cli("run", DEMO, "-k", 5, "--out", out, "-q")
    return out / "index.html"


def test_loads_with_no_errors_and_no_requests(browser, demo, shots):
    p = Page(browser, demo)
    assert p.errors == [] and p.other_requests == [] and p.blocked == []
    assert p.page.locator("#topic-table tbody tr").count() == 5
    assert len(p.words()) == 20
    # the background's words, drawn from the data as text: word and share
    items = p.page.locator("#background-words .bgword").all_inner_texts()
    assert 1 <= len(items) <= 25 and all(re.fullmatch(r"\S+ \d+%", t) for t in items)
    p.page.screenshot(path=str(shots / "overview.png"), full_page=True)
    p.close()


def test_selecting_a_topic_updates_the_word_chart(browser, demo, shots):
    p = Page(browser, demo)
    before = p.words()
    p.page.click("#topic-table button[data-topic='2']")
    assert "Topic 2" in p.page.inner_text("#topic-title")
    after = p.words()
    assert after != before
    p.page.click("#topic-map g[data-topic='3']")  # the intertopic map selects too
    assert "Topic 3" in p.page.inner_text("#topic-title")
    p.page.locator("#detail").screenshot(path=str(shots / "topic-detail.png"))
    assert p.errors == []
    p.close()


def test_moving_lambda_reranks_the_words(browser, demo):
    p = Page(browser, demo)
    p.page.fill("#lambda", "1")
    by_frequency = p.words()
    p.page.fill("#lambda", "0")
    by_lift = p.words()
    assert by_frequency != by_lift and set(by_frequency) != set(by_lift) or by_frequency[:5] != by_lift[:5]
    assert p.page.inner_text("#lambda-value") == "0.00"
    p.close()


def test_search_filters_the_document_table(browser, demo):
    p = Page(browser, demo)
    assert "35 of 35" in p.page.inner_text("#doc-count")
    p.page.fill("#doc-search", "telescope")
    count = p.page.inner_text("#doc-count")
    assert not count.startswith("35 ") and not count.startswith("0 ")
    ids = p.page.eval_on_selector_all("#doc-rows button.doc-link", "bs => bs.map(b => b.textContent)")
    assert ids and all(i.startswith("astronomy/") for i in ids)
    p.page.fill("#doc-search", "zzzz-no-such-text")
    assert p.page.inner_text("#doc-count").startswith("0 of 35")
    p.close()


def test_selecting_a_document_lists_its_neighbours_and_they_are_selectable(browser, demo, shots):
    p = Page(browser, demo)
    p.page.click("#doc-rows button[data-doc='0']")
    assert p.page.inner_text("#doc-title") == "astronomy/01.txt"
    assert p.page.locator("#neighbours li").count() == 10
    assert "telescope" in p.page.inner_text("#doc-excerpt").lower() or p.page.inner_text("#doc-excerpt")
    first = p.page.locator("#neighbours button").first
    target = first.inner_text()
    first.click()
    assert p.page.inner_text("#doc-title") == target
    p.page.locator("#documents").screenshot(path=str(shots / "documents.png"))
    p.close()


def test_keyboard_reaches_topics_and_documents(browser, demo):
    p = Page(browser, demo)
    p.page.focus("#topic-table button[data-topic='1']")
    p.page.keyboard.press("Enter")
    assert "Topic 1" in p.page.inner_text("#topic-title")
    p.page.focus("#doc-rows button[data-doc='3']")
    p.page.keyboard.press(" ")
    assert p.page.inner_text("#doc-title") == "astronomy/04.txt"
    p.close()


def test_narrow_screen_has_no_horizontal_page_scroll(browser, demo, shots):
    p = Page(browser, demo, width=390, height=844)
    overflow = p.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # wide tables scroll inside their own box
    assert overflow <= 1
    p.page.screenshot(path=str(shots / "narrow.png"), full_page=True)
    p.close()


def test_lsa_report_and_diagnostics(browser, tmp_path, shots):
    out = tmp_path / "lsa"
    cli("run", DEMO, "--model", "lsa", "-k", 4, "--out", out, "-q")
    p = Page(browser, out / "index.html")
    assert p.errors == [] and p.other_requests == []
    assert p.page.locator("#word-chart-neg .word-row").count() == 20
    p.page.locator("#diagnostics").screenshot(path=str(shots / "lsa-diagnostics.png"))
    p.close()


def test_a_hostile_corpus_runs_no_script(browser, tmp_path, shots):
    payload = '<script>alert(1)</script> "><img src=x onerror=alert(1)> </script>'
    corpus = write_tree(tmp_path / "hostile", {
        '<script>alert(1)<\\script>/"><img src=x onerror=alert(1)>.txt': f"{payload} planet orbit telescope",
        "ok/</script><!--.txt": f"{payload} planet orbit star",
        "ok/b.txt": "bread oven bake flour",
        "ok/c.txt": "bread oven planet",
    })
    out = tmp_path / "out"
    cli("run", corpus, "-k", 2, "--out", out, "--min-df", 1, "--max-df", 1.0, "-q")
    p = Page(browser, out / "index.html")
    p.page.fill("#doc-search", "script")
    p.page.click("#doc-rows button[data-doc='0']")
    for b in p.page.locator("#neighbours button").all():
        b.click()
    assert p.page.evaluate("window.__alerts") == []
    assert p.page.locator("img").count() == 0
    assert p.page.locator("script").count() == 2  # the data block and the page's own script
    assert "<script>alert(1)</script>" in p.page.inner_text("#doc-excerpt") or "<img" in p.page.inner_text(
        "#doc-excerpt")
    assert p.errors == [] and p.other_requests == []
    p.page.screenshot(path=str(shots / "hostile.png"), full_page=True)
    p.close()


def test_a_count_matrix_report_has_no_text_but_works(browser, tmp_path):
    from conftest import COUNT_TABLE

    out = tmp_path / "counts"
    cli("run", COUNT_TABLE, "-k", 2, "--min-df", 1, "--max-df", 1.0, "--out", out, "-q")
    p = Page(browser, out / "index.html")
    p.page.click("#doc-rows button[data-doc='0']")
    assert "no text" in p.page.inner_text("#doc-excerpt")
    assert p.page.locator("#neighbours li").count() > 0
    assert p.errors == [] and p.other_requests == []
    p.close()


def test_a_large_corpus_page_shows_a_stated_sample_and_its_neighbours_beyond_it(browser, tmp_path, monkeypatch, shots):
    import topicmf.text.stream as stream

    monkeypatch.setattr(stream, "SAMPLE_DOCS", 12)  # the page of a large corpus, on the 35-document demo
    out = tmp_path / "sampled"
    cli("run", DEMO, "-k", 5, "--out", out, "-q")
    p = Page(browser, out / "index.html")
    assert p.errors == [] and p.other_requests == []
    assert p.page.inner_text("#doc-count").startswith("12 of 12 documents shown (a sample of the 35)")
    assert "This page shows 12 of the 35 documents" in p.page.inner_text("#documents")
    outside = 0
    for i in range(12):  # every shown document lists 10 neighbours; those beyond the page are plain text
        p.page.click(f"#doc-rows button[data-doc='{i}']")
        assert p.page.locator("#neighbours li").count() == 10
        beyond = p.page.locator("#neighbours li .outside")
        outside += beyond.count()
        assert p.page.locator("#neighbours button").count() + beyond.count() == 10
        for text in p.page.locator("#neighbours li").all_inner_texts():
            assert ("(not on this page)" in text) == (not text.split(" — ")[0] in
                                                      p.page.eval_on_selector_all("#doc-rows button.doc-link",
                                                                                  "bs => bs.map(b => b.textContent)"))
    assert outside > 0
    first = p.page.locator("#neighbours button").first
    if first.count():
        target = first.inner_text()
        first.click()
        assert p.page.inner_text("#doc-title") == target
    p.page.locator("#documents").screenshot(path=str(shots / "sampled-documents.png"))
    assert p.errors == []
    p.close()


OVERFLOW_CHECK = """() => {
  // every table and chart fits its container, or sits in a box that scrolls sideways
  const bad = [];
  for (const el of document.querySelectorAll("table, svg")) {
    if (el.closest("svg") !== el) continue;  // nested svg parts are checked with their chart
    const parent = el.parentElement, width = el.getBoundingClientRect().width;
    if (width <= parent.clientWidth + 1) continue;
    let box = parent, scrolls = false;
    while (box && box !== document.body) {
      const o = getComputedStyle(box).overflowX;
      if ((o === "auto" || o === "scroll") && box.getBoundingClientRect().width <= document.documentElement.clientWidth + 1) {
        scrolls = true; break;
      }
      box = box.parentElement;
    }
    if (!scrolls) bad.push((el.id || el.tagName) + " " + Math.round(width) + " > " + parent.clientWidth);
  }
  return bad;
}"""


@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
def test_tables_and_charts_fit_or_scroll_and_the_heatmap_has_a_scale(browser, tmp_path_factory, shots, width, height):
    out = tmp_path_factory.mktemp("wide") / "demo12"
    if not (out / "index.html").exists():
        cli("run", DEMO, "-k", 12, "--out", out, "-q", "--force")
    p = Page(browser, out / "index.html", width=width, height=height)
    assert p.page.evaluate(OVERFLOW_CHECK) == []
    assert p.page.locator("#heatmap rect.legend").count() == 20
    assert "cosine" in p.page.eval_on_selector("#heatmap", "svg => svg.textContent")
    assert p.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    p.page.locator("#diagnostics").screenshot(path=str(shots / f"diagnostics-{width}.png"))
    p.page.locator("#maps").screenshot(path=str(shots / f"maps-{width}.png"))
    assert p.errors == []
    p.close()


def test_thirty_topics_get_thirty_colours(browser, tmp_path):
    out = tmp_path / "demo30"
    cli("run", DEMO, "-k", 30, "--out", out, "-q", "--min-df", 1)
    p = Page(browser, out / "index.html")
    fills = p.page.eval_on_selector_all("#topic-map circle", "cs => cs.map(c => c.getAttribute('fill'))")
    assert len(fills) == 30 and len(set(fills)) == 30
    assert {"#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255",
            "#aa4499"} <= set(fills)  # the first nine topics have Paul Tol's muted palette itself
    assert "lighter or darker" in p.page.inner_text("#maps")
    assert p.errors == []
    p.close()


def test_words_by_frex_and_lift_and_the_representative_documents(browser, demo):
    p = Page(browser, demo)
    by_relevance = p.words()
    p.page.select_option("#word-rank", "frex")
    by_frex = p.words()
    assert len(by_frex) == 20 and by_frex != by_relevance
    assert p.page.locator("#lambda").is_disabled()  # λ belongs to relevance
    p.page.select_option("#word-rank", "lift")
    by_lift = p.words()
    assert len(by_lift) == 20 and by_lift[:3] != by_relevance[:3]  # lift puts the topic's rarest words first
    p.page.select_option("#word-rank", "relevance")
    assert p.words() == by_relevance and not p.page.locator("#lambda").is_disabled()
    best = p.page.locator("#topic-docs li")
    assert 1 <= best.count() <= 10
    p.page.click("#topic-docs button[data-doc] >> nth=0")
    first = p.page.locator("#topic-docs button[data-doc]").first.inner_text()
    assert p.page.inner_text("#doc-title") == first  # the document opens in the detail
    assert "exclusivity" in p.page.inner_text("#metrics").lower()
    assert p.errors == [] and p.other_requests == []
    p.close()


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    """A labelled table of texts with dates: the page gets its over-time and per-label panels."""
    import json

    import numpy as np

    root = tmp_path_factory.mktemp("dated")
    rng = np.random.default_rng(0)
    themes = [["rocket", "orbit", "launch"], ["bread", "oven", "flour"], ["match", "goal", "team"]]
    lines = []
    for i in range(60):
        theme = i % 3 if i < 30 else (i % 2) * 2  # the second theme disappears after the first year
        lines.append(json.dumps({"id": f"d{i}", "date": f"{2020 + i // 30}-{1 + i % 12:02d}-01",
                                 "label": ["space", "kitchen", "sport"][theme],
                                 "text": " ".join(rng.choice(themes[theme], 12))}))
    path = write_tree(root, {"t.jsonl": "\n".join(lines) + "\n"}) / "t.jsonl"
    out = root / "run"
    cli("run", path, "-k", 3, "--time-column", "date", "--time-bins", "quarter", "--out", out, "-q")
    return out / "index.html"


def test_the_over_time_and_per_label_panels_follow_the_selected_topic(browser, dated, shots):
    p = Page(browser, dated)
    assert p.errors == [] and p.other_requests == []
    rows = p.page.locator("#time-words tbody tr")
    assert rows.count() == 8  # eight quarters of 2020–2021
    assert p.page.locator("#time-chart polyline").count() == 3
    before = p.page.inner_text("#time-words")
    p.page.click("#topic-table button[data-topic='1']")
    assert p.page.inner_text("#time-words") != before
    assert p.page.get_attribute("#time-chart polyline.selected-line", "data-topic") == "1"
    assert p.page.locator("#label-words tbody tr").count() == 3
    assert "Topic 1" in p.page.inner_text("#label-title")
    p.page.locator("#groups").screenshot(path=str(shots / "groups.png"))
    assert p.errors == []
    p.close()


def test_the_topic_tree_is_drawn_and_selects_topics(browser, demo):
    p = Page(browser, demo)
    assert p.page.locator("#tree path.tree-link").count() == 4  # k − 1 junctions for 5 topics
    p.page.click("#tree g[data-topic='3']")
    assert "Topic 3" in p.page.inner_text("#topic-title")
    assert p.errors == []
    p.close()


def test_a_short_text_run_states_its_model_and_fits_a_phone(browser, tmp_path, shots):
    texts, _ = planted_texts(2_400)
    table = tmp_path / "titles.csv"
    table.write_text("text\n" + "\n".join(texts) + "\n", encoding="utf-8")
    out = tmp_path / "short"
    cli("run", table, "-k", 4, "--out", out, "-q")
    for width, height in ((1280, 900), (390, 844)):
        p = Page(browser, out / "index.html", width=width, height=height)
        assert p.errors == [] and p.other_requests == []
        assert "SeaNMF" in p.page.locator("#short-texts").inner_text()
        assert p.page.locator("#topic-table tbody tr").count() == 4
        assert p.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
        p.page.screenshot(path=str(shots / f"short-{width}.png"), full_page=True)
        p.close()
