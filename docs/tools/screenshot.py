"""Make the picture of the report that the README and the docs show: ``python docs/tools/screenshot.py``.

Runs ``topicmf run corpora/demo -k 5`` in a temporary folder, opens its index.html in Debian's
Chromium (through Playwright, every network request refused) at 1280 × 900 and writes the first
screen to docs/images/report.png (or ``--out``). Needs the test extras and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 900


def demo_run(folder: Path) -> Path:
    """The quick start's run, in a copy of the demo corpus under FOLDER (so the page's command line is
    the quick start's, ``topicmf run corpora/demo -k 5``); returns its index.html."""
    shutil.copytree(ROOT / "corpora" / "demo", folder / "corpora" / "demo")
    subprocess.run([sys.executable, "-m", "topicmf", "run", "corpora/demo", "-k", "5", "--quiet"], cwd=folder,
                   check=True, stdout=subprocess.DEVNULL)
    return folder / "reports" / "demo" / "index.html"


def offline(context, allowed: tuple[str, ...]) -> list[str]:
    """Refuse every request of a Playwright browser CONTEXT whose URL does not start with one of ALLOWED;
    returns the list each refused request is added to (the page's problems)."""
    refused: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(allowed):
            request_route.continue_()
        else:
            refused.append(f"request: {url}")
            request_route.abort()
    context.route("**/*", route)
    return refused


def screenshot(page_path: Path, out: Path, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    """Write the first screen of PAGE_PATH to OUT as PNG; returns the console errors and refused requests."""
    from playwright.sync_api import sync_playwright

    url = page_path.resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        problems = offline(context, (url,))
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        page.screenshot(path=str(tmp), type="png")
        tmp.replace(out)
        browser.close()
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "report.png")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        problems = screenshot(demo_run(Path(folder)), args.out)
    for line in problems:
        print(line, file=sys.stderr)
    print(f"written {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
