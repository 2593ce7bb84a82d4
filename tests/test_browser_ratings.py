"""The `topicmf recommend` page in a real browser (Chromium via Playwright, network blocked).

Skips with the reason where Chromium or Playwright is missing, as tests/test_browser.py does.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import ROOT, write_tree
from test_browser import Page, browser, shots  # noqa: F401  (the fixtures: one Chromium for the module)
from topicmf.cli import main

HOSTILE = [
    '<img src=x onerror="alert(1)">',
    "</script><script>alert(2)</script>",
    '=HYPERLINK("http://evil.example")',
    "O'Brien & \"Sons\" \u2028 line",
    "<b>bold</b>",
]


def cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory):
    """A run whose user and item names are markup, script and formulas."""
    root = tmp_path_factory.mktemp("hostile")
    lines = ["user,item,rating"]
    users = HOSTILE + ["ann", "bob", "cy"]
    items = HOSTILE + ["tea", "jam", "bun", "egg"]
    for u, user in enumerate(users):
        for i, item in enumerate(items):
            if (u * 3 + i) % 4 != 0:
                lines.append(f"{_quote(user)},{_quote(item)},{1 + (u + 2 * i) % 5}")
    path = write_tree(root, {"in/r.csv": "\n".join(lines) + "\n"}) / "in" / "r.csv"
    cli("recommend", path, "--out", root / "run", "-k", 3, "-q")
    return root / "run" / "index.html"


@pytest.fixture(scope="module")
def lecture_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("lecture") / "run"
    cli("recommend", ROOT / "corpora" / "ratings_lecture.csv", "--out", out, "-q")
    return out / "index.html"


def _rows(p, selector):
    return p.page.eval_on_selector_all(selector + " tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))")


def test_the_lecture_page_shows_a_users_items_beside_their_recommendations(browser, lecture_page, shots):  # noqa: F811
    p = Page(browser, lecture_page)
    assert p.errors == [] and p.other_requests == [] and p.blocked == []
    assert p.page.locator("#histogram rect").count() == 5  # values 1 … 5
    assert p.page.locator("#metric-table tbody tr").count() == 2
    p.page.fill("#user-search", "Вов")
    assert p.page.locator("#user-matches button").all_inner_texts() == ["Вова"]
    p.page.click("#user-matches button")
    assert p.page.inner_text("#user-title") == "User Вова"
    assert [r[0] for r in _rows(p, "#known-table")] == ["1+1", "Ванильное небо"]
    assert [r[1] for r in _rows(p, "#rec-table")] == ["Улица Вязов", "Пила"]
    p.page.click("#rec-table button[data-item]")  # a recommended item opens its neighbours
    assert p.page.inner_text("#item-title") == "Улица Вязов"
    assert len(_rows(p, "#similar-table")) == 3
    p.page.click("#item-map .item-dot >> nth=0")
    assert p.page.locator("#item-map .item-dot.selected").count() == 1
    p.page.screenshot(path=str(shots / "ratings-desktop.png"), full_page=True)
    assert p.errors == []
    p.close()


def test_hostile_names_stay_text(browser, hostile_page):  # noqa: F811
    p = Page(browser, hostile_page)
    assert p.errors == [] and p.other_requests == [] and p.blocked == []
    assert p.page.evaluate("window.__alerts") == []
    assert p.page.locator("img").count() == 0 and p.page.locator("b:text('bold')").count() == 0
    assert p.page.locator("script").count() == 2  # the data and the page's own script
    users = p.page.locator("#user-matches button").all_inner_texts()
    assert set(HOSTILE) <= set(users)
    p.page.fill("#user-search", "onerror")
    p.page.click("#user-matches button")
    assert p.page.inner_text("#user-title") == "User " + HOSTILE[0]
    names = {r[1] for r in _rows(p, "#rec-table")} | {r[0] for r in _rows(p, "#known-table")}
    assert names and names <= set(HOSTILE) | {"tea", "jam", "bun", "egg"}
    p.page.fill("#item-search", "script")
    p.page.click("#item-matches button")
    assert p.page.inner_text("#item-title") == HOSTILE[1]
    assert p.page.evaluate("window.__alerts") == [] and p.errors == []
    p.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_page_fits_desktop_and_phone_widths(browser, lecture_page, shots, width):  # noqa: F811
    p = Page(browser, lecture_page, width=width)
    overflow = p.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px of horizontal scrolling at {width}px"
    assert p.page.locator("#user-search").is_visible() and p.page.locator("#item-map").is_visible()
    p.page.screenshot(path=str(shots / f"ratings-{width}.png"), full_page=True)
    assert p.errors == []
    p.close()


def test_names_are_shown_and_searchable(browser, tmp_path):  # noqa: F811
    """With --items and --users, the page names items and users by title, searches by title, keeps titles text."""
    names = write_tree(tmp_path, {"films.csv": "item,title\nПила,Saw (2004)\nУлица Вязов,<b>Elm Street</b>\n",
                                  "people.csv": "user,name\nВова,Vladimir\n"})
    result = cli("recommend", ROOT / "corpora" / "ratings_lecture.csv", "--out", tmp_path / "run", "-q",
                 "--items", names / "films.csv", "--users", names / "people.csv")
    assert "2 of the 4 items have no title" in result.output and "5 of the 6 users have no title" in result.output
    p = Page(browser, tmp_path / "run" / "index.html")
    p.page.fill("#item-search", "saw")
    assert p.page.eval_on_selector_all("#item-matches button", "bs => bs.map(b => b.textContent)") == ["Saw (2004) · Пила"]
    p.page.fill("#item-search", "elm")
    p.page.click("#item-matches button")
    assert p.page.text_content("#item-title") == "<b>Elm Street</b> · Улица Вязов"  # text, not markup
    p.page.fill("#user-search", "vladi")
    p.page.click("#user-matches button")
    assert p.page.text_content("#user-title") == "User Vladimir · Вова"
    assert not p.errors and not p.other_requests
    p.close()
