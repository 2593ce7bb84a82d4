"""A run folder's tables as the run wrote them: CSV files, or Parquet files (``--tables parquet``).

Every reader of a table (the page's panels, the Python loader) goes through :func:`read_rows`,
which finds ``<stem>.csv`` or ``<stem>.parquet`` and gives the same rows either way: CSV cells
that the writer neutralised as formulas (a leading apostrophe) come back as written, numbers
come back as text from CSV and as numbers from Parquet (readers convert them).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ..errors import TopicmfError

__all__ = ["FORMULA_PREFIXES", "table_file", "read_rows", "uncell", "need_pyarrow"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # cells a spreadsheet would run; CSV writes them with "'"


def need_pyarrow():
    """pyarrow, or a one-line error saying how to get it."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise TopicmfError("Parquet tables need pyarrow: pip install 'topicmf[parquet]'") from None
    return pyarrow


def table_file(directory, stem: str) -> Path | None:
    """The folder's ``stem`` table, Parquet or CSV (None when it has neither)."""
    for ext in (".parquet", ".csv"):
        path = Path(directory) / f"{stem}{ext}"
        if path.is_file():
            return path
    return None


def uncell(text):
    """A CSV cell as the writer was given it (formula-looking cells carry a leading apostrophe: it is taken off)."""
    if not isinstance(text, str):
        return text
    return text[1:] if text[:1] == "'" and text[1:].startswith(FORMULA_PREFIXES) else text


def read_rows(directory, stem: str) -> Iterator[dict] | None:
    """The rows of the folder's ``stem`` table as dicts (None when there is no such table); a table written in
    parts by a cluster's workers (``stem/part-*``, :mod:`topicmf.runfolder.parts`) is read part after part."""
    path = table_file(directory, stem)
    if path is None:
        parts = sorted((Path(directory) / stem).glob("part-*.*")) if (Path(directory) / stem).is_dir() else []
        if not parts:
            return None
        return (row for part in parts for row in (_parquet_rows(part) if part.suffix == ".parquet"
                                                   else _csv_rows(part)))
    return _parquet_rows(path) if path.suffix == ".parquet" else _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield {name: uncell(value) for name, value in row.items()}


def _parquet_rows(path: Path) -> Iterator[dict]:
    pq = need_pyarrow().parquet
    for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536):
        yield from batch.to_pylist()
