"""PDF text extraction: pages per second of topicmf's reader (pypdfium2) against pypdf, the most used Python PDF library.

Both read the same files in turn (topicmf, pypdf, topicmf, …; medians of 5), one process, default
threads: PDFs written here (40 pages of running text each, with line-end hyphens) and any PDF
manuals found under /usr/share/doc (Debian's own documentation; none is copied).

    python benchmarks/bench_readers.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from documents import pdf_bytes  # noqa: E402

from topicmf.corpus.formats import read_pdf  # noqa: E402

WORDS = ("orbit rocket engine fuel launch crew station module dock thrust payload satellite telescope "
         "mission pressure valve turbine nozzle ignition trajectory").split()


def written_pdf(folder: Path, n: int) -> Path:
    pages = []
    for p in range(40):
        lines = []
        for line in range(48):
            words = [WORDS[(p * 7 + line * 3 + w) % len(WORDS)] for w in range(11)]
            lines.append(" ".join(words) + (" disconti-" if line % 9 == 4 else ""))
        pages.append(lines)
    path = folder / f"written{n}.pdf"
    path.write_bytes(pdf_bytes(pages))
    return path


def pypdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def page_count(path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        files = [written_pdf(Path(tmp), n) for n in range(3)]
        files += sorted(Path("/usr/share/doc").rglob("*.pdf"))[:10]
        pages = sum(page_count(f) for f in files)
        read_pdf(str(files[0]))
        pypdf_text(files[0])  # imports and first-use costs outside the timings
        times = {"topicmf (pypdfium2)": [], "pypdf": []}
        for _ in range(5):
            for name, read in (("topicmf (pypdfium2)", lambda f: read_pdf(str(f))), ("pypdf", pypdf_text)):
                started = time.perf_counter()
                for f in files:
                    read(f)
                times[name].append(time.perf_counter() - started)
    print(f"{len(files)} PDFs, {pages} pages ({len(files) - 3} from /usr/share/doc)\n")
    print("| reader | seconds (median of 5) | pages per second |\n|---|---|---|")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"| {name} | {median:.3f} | {pages / median:,.0f} |")
    ratio = statistics.median(times["pypdf"]) / statistics.median(times["topicmf (pypdfium2)"])
    print(f"\ntopicmf reads {ratio:.1f}× the pages per second of pypdf")


if __name__ == "__main__":
    main()
