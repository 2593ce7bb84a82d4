"""A look at a table before its reading pass: records spread over the whole file, found by seeking."""

from __future__ import annotations

import csv
import io
import os

from .tables import SHARE_BYTES, Share, csv_shares, line_shares, read_header, read_share, record_values, table_dialect

__all__ = ["spread_rows"]


def spread_rows(path: str, encoding: str, columns: tuple, n_rows: int) -> list[tuple]:
    """Up to ``n_rows`` records spread evenly over the whole file, ``(id value, label, text, time)`` each.

    The file is not read through: each record is the first one starting
    after a byte offset (``i / n_rows`` of the way), so a file sorted by id
    or by date is sampled from end to end at the cost of ``n_rows`` seeks.
    In a CSV, whose quoted fields may span lines, the record is the first
    whole one with as many fields as the header in a window parsed after
    the offset; a JSON Lines line that is not a JSON object is passed over.  Small files, and
    files where the seeks found nothing, give their first records.
    """
    kind = "csv" if path.lower().endswith(".csv") else "tsv" if path.lower().endswith(".tsv") else "jsonl"
    header = None if kind == "jsonl" else tuple(read_header(path, encoding)[0])
    rows: list[tuple] = []
    with open(path, "rb") as fh:
        if header is not None:
            fh.readline()
        begin = fh.tell()
        total = os.fstat(fh.fileno()).st_size
        if total - begin > SHARE_BYTES:
            seen = set()
            for i in range(n_rows):
                fh.seek(begin + (total - begin) * i // n_rows)
                if i:
                    fh.readline()  # the rest of the line the offset fell in
                start = fh.tell()
                line = fh.readline()
                if not line or start in seen:
                    continue
                seen.add(start)
                if kind == "csv":  # the first whole record after the offset with as many fields as the header
                    rows.extend(_csv_record_at(fh, line, encoding, header, columns, path))
                    continue
                try:
                    rows.extend(read_share(Share(path, encoding, start, start + len(line), columns, header, kind))[0])
                except (UnicodeDecodeError, csv.Error):
                    continue
    if not rows:
        first = line_shares if kind != "csv" else csv_shares
        for share in first(path, encoding, columns, size=SHARE_BYTES):
            rows = read_share(share)[0][:n_rows]
            break
    return rows


def _csv_record_at(fh, line: bytes, encoding: str, header: tuple, columns: tuple, path: str) -> list[tuple]:
    """One record parsed from a window of the CSV starting with ``line`` (a line start, perhaps inside a quoted
    field): the first with as many fields as the header that ends inside the window."""
    window = (line + fh.read(_WINDOW)).decode(encoding.replace("-sig", ""), "replace")
    try:
        records = list(csv.reader(io.StringIO(window, newline=""), **table_dialect(path)))[:-1]  # the last may be cut
    except csv.Error:
        return []
    index = {name: header.index(name) for name in columns if name is not None}
    for fields in records:
        if len(fields) == len(header):
            return [record_values({name: fields[i] for name, i in index.items()}, *(tuple(columns) + (None,) * 4)[:4])]
    return []


_WINDOW = 1 << 16  # bytes parsed after an offset to find a whole CSV record
