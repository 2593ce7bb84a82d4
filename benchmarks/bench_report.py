"""The report page of a 20 Newsgroups run (k = 20): its size and how fast headless Chromium makes it interactive.

Runs ``topicmf run CORPUS -k 20`` once into a temporary folder, then opens ``index.html`` from
file:// in Debian's Chromium (Playwright, network blocked) ``--repeats`` times, each in a
fresh browser context, and reports the median time from navigation to the page's
``data-ready`` mark (set when every view is drawn), and the time to select a topic, move λ,
search the documents and select a document.

    python benchmarks/bench_report.py [--corpus ../shared/corpora/20news] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "20news"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench_report_")) / "run"
    subprocess.run([sys.executable, "-m", "topicmf", "run", str(args.corpus), "-k", "20", "--out", str(out), "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    page_path = out / "index.html"
    url = page_path.resolve().as_uri()
    ready, actions = [], {"select topic": [], "move λ": [], "search": [], "select document": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for _ in range(args.repeats):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            ready.append(time.perf_counter() - started)
            for name, action in (
                ("select topic", lambda: page.click("#topic-table button[data-topic='7']")),
                ("move λ", lambda: page.fill("#lambda", "0.2")),
                ("search", lambda: page.fill("#doc-search", "hockey")),
                ("select document", lambda: page.click("#doc-rows button.doc-link >> nth=0")),
            ):
                t = time.perf_counter()
                action()
                actions[name].append(time.perf_counter() - t)
            context.close()
        browser.close()
    size = page_path.stat().st_size
    print(f"page: {size / 1e6:.2f} MB ({size:,} bytes) for {args.corpus.name}, k = 20")
    print(f"interactive (navigation to data-ready), {args.repeats} loads: median {statistics.median(ready):.2f} s "
          f"(min {min(ready):.2f}, max {max(ready):.2f})")
    for name, times in actions.items():
        print(f"  {name}: median {1000 * statistics.median(times):.0f} ms")


if __name__ == "__main__":
    main()
