"""Reading rating files: long tables (CSV, TSV, MovieLens, JSON Lines) and wide tables.

A **long** table has a row per known cell: a user column, an item column and (for explicit
data) a rating column, named by the caller or found among the common names; MovieLens files
with or without a header (recbole's ``user_id:token`` headers too) are long tables.  Without a
rating column every row is one interaction (value 1).  A **wide** table has the items as its
header and a row per user, whose first cell names the user: a blank cell is unknown, a ``0``
a known zero.  Every error names the file and the line; nothing is ever written.
"""

from __future__ import annotations

import csv
import gc
import itertools
import json
import math
import warnings
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..corpus.tables import sniff_encoding
from ..errors import CorpusError, TopicmfWarning
from .plain import last_cells, plain_cells

__all__ = ["Ratings", "read_ratings", "Cells", "assemble_cells", "parse_number", "no_column", "find_column", "delimiter_of", "split_fields", "looks_like_data", "long_columns", "json_columns", "json_record", "number_problem", "USER_NAMES", "ITEM_NAMES", "RATING_NAMES", "TIME_NAMES"]

#: Column names recognised without an option (compared lowercased, a recbole ``:type`` suffix dropped).
USER_NAMES = ("user", "user_id", "userid", "uid", "user id", "customer", "customer_id")
ITEM_NAMES = ("item", "item_id", "itemid", "movie_id", "movieid", "movie", "product", "product_id", "iid")
RATING_NAMES = ("rating", "score", "count", "value", "stars", "rate")
TIME_NAMES = ("timestamp", "time", "date", "datetime")

_TAB_SUFFIXES = (".tsv", ".tab", ".data", ".inter")


@dataclass(frozen=True, eq=False)
class Ratings:
    """A users × items matrix whose stored entries are the known cells, with their ids.

    ``times`` (when the table has a time column) holds each stored cell's time, in the
    order of ``R.data``; ``info`` says how the file was read (format, columns, lines,
    duplicates).
    """

    R: sp.csr_matrix
    user_ids: tuple
    item_ids: tuple
    times: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple:
        return self.R.shape

    @property
    def implicit_looking(self) -> bool:
        """True when every known value is 0 or 1 (purchases, clicks), as implicit feedback is."""
        return bool(np.all((self.R.data == 0) | (self.R.data == 1)))


def _key(name: str) -> str:
    return name.strip().lower().split(":")[0].strip()


def find_column(header: list[str], wanted: str | None, names: tuple, what: str, path) -> int | None:
    keys = [_key(h) for h in header]
    if wanted is not None:
        if wanted in header:
            return header.index(wanted)
        if _key(wanted) in keys:
            return keys.index(_key(wanted))
        raise CorpusError(f"{path}: no column {wanted!r} for the {what} (columns: {', '.join(header)})")
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def no_column(column: str | None) -> bool:
    """``none`` as a rating column: the table has none, every row is one interaction."""
    return column is not None and column.strip().lower() == "none"


def number_problem(text, what: str) -> str | None:
    """Why ``text`` is not a finite number (naming it as ``what``), or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return f"the {what} {text!r} is not a number"
    return None if math.isfinite(value) else f"the {what} {text!r} is not a finite number"


def parse_number(text, path, line: int, what: str) -> float:
    problem = number_problem(text, what)
    if problem:
        raise CorpusError(f"{path}:{line}: {problem}")
    return float(text)


def delimiter_of(path: Path, first_line: str) -> str:
    if path.suffix.lower() == ".dat" and "::" in first_line:
        return "::"
    if path.suffix.lower() in _TAB_SUFFIXES or ("\t" in first_line and "," not in first_line):
        return "\t"
    return ","


def split_fields(line: str, delimiter: str) -> list[str]:
    if delimiter == ",":
        return next(csv.reader([line]))
    return line.split(delimiter)


def looks_like_data(fields: list[str]) -> bool:
    """A first line of MovieLens data (user, item, rating…), not a header."""
    if len(fields) < 3:
        return False
    try:
        float(fields[2])
    except ValueError:
        return False
    return True


def _text_rows(path: Path, encoding: str):
    """(delimiter, rows): the delimiter chosen by the first line that is not blank, and the (line number, fields)
    of every such line, read as it is asked for."""
    fh = open(path, encoding=encoding, newline="")
    try:
        first = next(((n, line.rstrip("\r\n")) for n, line in enumerate(fh, 1) if line.strip()), None)
        if first is None:
            raise CorpusError(f"{path} is empty: expected rows of user, item and rating")
    except BaseException:
        fh.close()
        raise
    delimiter = delimiter_of(path, first[1])
    return delimiter, _delimited_rows(fh, first, delimiter)


def _delimited_rows(fh, first: tuple, delimiter: str):
    with fh:
        yield first[0], split_fields(first[1], delimiter)
        if delimiter == ",":  # quoted fields may span lines: let csv read the rest
            fh.seek(0)
            reader = csv.reader(fh)
            for fields in reader:
                if reader.line_num > first[0] and fields and (fields[0].strip() or any(f.strip() for f in fields)):
                    yield reader.line_num, fields
        else:
            for n, line in enumerate(fh, first[0] + 1):
                line = line.rstrip("\r\n")
                if line.strip():
                    yield n, line.split(delimiter)


def json_record(line: str) -> tuple:
    """(record, None) for a line holding a JSON object, else (None, why not)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not a JSON object ({exc.msg})"
    if not isinstance(record, dict):
        return None, "expected a JSON object per line"
    return record, None


def _json_rows(path: Path, encoding: str):
    with open(path, encoding=encoding) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            record, problem = json_record(line)
            if problem:
                raise CorpusError(f"{path}:{n}: {problem}")
            yield n, record


def read_ratings(path, *, user_column: str | None = None, item_column: str | None = None,
                 rating_column: str | None = None, time_column: str | None = None, progress=None) -> Ratings:
    """Read a rating file into :class:`Ratings` (see the module's docstring for the formats).

    Duplicate (user, item) pairs are reported in a warning and the last one is kept.
    ``progress(rows_read)``, if given, is called every 65,536 rows of a long text table.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such file")
    encoding = sniff_encoding(str(path)) or "utf-8-sig"
    with _no_cycle_collection():
        if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
            cells, info = _long_from_json(path, encoding, user_column, item_column, rating_column, time_column)
            return assemble_cells(path, cells, info)
        delimiter, rows = _text_rows(path, encoding)
        # closed however reading ends: a bad value raised inside the rows would otherwise keep the file open until
        # the cycle collector (off here) finds the traceback's frames
        with closing(rows):
            cells, info = _from_text(path, encoding, delimiter, rows, user_column, item_column, rating_column,
                                     time_column, progress)
            return assemble_cells(path, cells, info)


@contextmanager
def _no_cycle_collection():
    """Reading row by row makes millions of small lists and strings and no reference cycle: Python's cycle
    collector, run every few hundred allocations over a heap that keeps growing, took most of the time
    (measured on 5·10⁶ rows split in Python: 57 s with it, 19 s without)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _from_text(path, encoding, delimiter, rows, user_column, item_column, rating_column, time_column,
               progress=None):
    line, header = next(rows)
    header = [h.strip() for h in header]
    found = long_columns(header, path, user_column, item_column, rating_column, time_column)
    if found is None:
        return _wide_rows(path, header, rows)
    names, index, kind = found
    headed = kind != "long (no header)"
    fast = plain_cells(str(path), encoding, line - 1 + headed, index, delimiter, progress)
    if fast is not None:
        rows.close()
        fast.what = itertools.repeat(names[index[2]] if index[2] is not None else "")
        return fast, _long_info(names, *index, kind)
    if not headed:  # the first line is data
        rows = itertools.chain([(line, header)], rows)
    return _long_rows(path, names, rows, *index, kind, progress)


def _long_info(header, u, i, r, t, kind) -> dict:
    return {"format": kind, "columns": {"user": header[u], "item": header[i],
                                        "rating": header[r] if r is not None else None,
                                        "time": header[t] if t is not None else None}}


def long_columns(header: list, path, user_column=None, item_column=None, rating_column=None, time_column=None):
    """(column names, (user, item, rating, time) indexes, format) of a long table with this first line — a MovieLens
    file without a header when the line looks like data and no column is named —, or None for a wide table."""
    if looks_like_data(header) and not any((user_column, item_column, rating_column, time_column)):
        # a MovieLens file without a header: user, item, rating[, timestamp]
        names = ["user", "item", "rating", "timestamp"][: len(header)] + [f"column {i + 1}" for i in range(4, len(header))]
        return names, (0, 1, 2, 3 if len(header) > 3 else None), "long (no header)"
    u = find_column(header, user_column, USER_NAMES, "users", path)
    i = find_column(header, item_column, ITEM_NAMES, "items", path)
    if u is not None and i is not None:
        r = None if no_column(rating_column) else find_column(header, rating_column, RATING_NAMES, "ratings", path)
        t = find_column(header, time_column, TIME_NAMES, "times", path)
        return header, (u, i, r, t), "long"
    if item_column is not None or (rating_column is not None and not no_column(rating_column)):
        missing = "users" if u is None else "items"
        raise CorpusError(f"{path}: no {missing} column found (columns: {', '.join(header)}); "
                          f"name it with --{missing[:-1]}-column")
    return None


def json_columns(record: dict, path, line: int, user_column=None, item_column=None, rating_column=None,
                 time_column=None) -> list:
    """The fields of the user, item, rating and time (None where absent) of JSON Lines whose first record this is."""
    keys = [str(k) for k in record]
    u = find_column(keys, user_column, USER_NAMES, "users", path)
    i = find_column(keys, item_column, ITEM_NAMES, "items", path)
    if u is None or i is None:
        raise CorpusError(f"{path}:{line}: no {'users' if u is None else 'items'} field found "
                          f"(fields: {', '.join(keys)}); name it with --{'user' if u is None else 'item'}-column")
    r = None if no_column(rating_column) else find_column(keys, rating_column, RATING_NAMES, "ratings", path)
    t = find_column(keys, time_column, TIME_NAMES, "times", path)
    return [keys[c] if c is not None else None for c in (u, i, r, t)]


class Cells:
    """The cells read, as columns: user ids, item ids, values (text until :meth:`values`), times, line numbers."""

    def __init__(self):
        self.users, self.items, self.texts, self.times, self.lines = [], [], [], [], []

    def __len__(self) -> int:
        return len(self.users)

    def codes(self, header_items=None):
        """(user codes, user ids, item codes, item ids): ids in order of first appearance (a wide table's items:
        its header's, rated or not)."""
        out = []
        for names, given in ((self.users, None), (self.items, header_items)):
            ids = list(given or dict.fromkeys(names))
            index = {name: n for n, name in enumerate(ids)}
            out += [np.fromiter(map(index.__getitem__, names), np.int64, len(names)), ids]
        return tuple(out)

    def time_values(self, rows) -> np.ndarray:
        """The times of the given cells (by their place in the file), as strings."""
        return np.array(self.times, dtype=object)[rows]

    def values(self, path, what) -> np.ndarray:
        """The values as numbers (1 each when the table has no rating column); the first bad one named by line."""
        if not self.texts:
            return np.ones(len(self.users))
        try:
            values = np.array(self.texts, dtype=np.float64)
        except (TypeError, ValueError):
            values = None
        if values is None or not np.isfinite(values).all():
            for text, line, name in zip(self.texts, self.lines, what):
                parse_number(text, path, line, name)  # raises for the first that is not a finite number
        return values


def _long_rows(path, header, rows, u, i, r, t, kind, progress=None):
    cells = Cells()
    users, items, texts, times, lines = cells.users, cells.items, cells.texts, cells.times, cells.lines
    width = max(c for c in (u, i, r, t) if c is not None) + 1
    for line, fields in rows:
        if len(fields) < width:
            raise CorpusError(f"{path}:{line}: {len(fields)} fields, expected at least {width} "
                              f"({', '.join(header[:width])})")
        users.append(fields[u].strip())
        items.append(fields[i].strip())
        if r is not None:
            texts.append(fields[r])
        if t is not None:
            times.append(fields[t].strip())
        lines.append(line)
        if progress is not None and not len(lines) & 0xFFFF:
            progress(len(lines))
    cells.what = itertools.repeat(header[r] if r is not None else "")
    return cells, _long_info(header, u, i, r, t, kind)


def _long_from_json(path, encoding, user_column, item_column, rating_column, time_column):
    cells = Cells()
    columns = None
    for line, record in _json_rows(path, encoding):
        if columns is None:
            columns = json_columns(record, path, line, user_column, item_column, rating_column, time_column)
        cu, ci, cr, ct = columns
        if cu not in record or ci not in record:
            raise CorpusError(f"{path}:{line}: the record has no {cu if cu not in record else ci!r} field")
        cells.users.append(str(record[cu]))
        cells.items.append(str(record[ci]))
        if cr is not None:
            cells.texts.append(parse_number(record.get(cr), path, line, cr))
        if ct is not None:
            cells.times.append(str(record.get(ct)))
        cells.lines.append(line)
    if columns is None:
        raise CorpusError(f"{path} is empty: expected JSON objects with a user, an item and a rating")
    cells.what = itertools.repeat(columns[2])
    return cells, {"format": "long", "columns": dict(zip(("user", "item", "rating", "time"), columns))}


def _wide_rows(path, header, rows):
    items = header[1:]
    if not items:
        raise CorpusError(f"{path}: found no user and item columns, and one column is not a users × items table; "
                          "name the columns with --user-column, --item-column and --rating-column")
    if len(set(items)) != len(items):
        raise CorpusError(f"{path}: the header names an item twice (a wide table's header is its items)")
    cells = Cells()
    for line, fields in rows:
        if len(fields) > len(header):
            raise CorpusError(f"{path}:{line}: {len(fields)} fields, but the header has {len(header)}")
        user = fields[0].strip()
        for item, text in zip(items, fields[1:]):
            text = text.strip()
            if text:
                cells.users.append(user)
                cells.items.append(item)
                cells.texts.append(parse_number(text, path, line, f"rating of {item!r}"))
                cells.lines.append(line)
    cells.what = itertools.repeat("rating")
    return cells, {"format": "wide", "columns": {"user": header[0] or None}, "header_items": items}


def assemble_cells(path, cells: Cells, info) -> Ratings:
    if not len(cells):
        raise CorpusError(f"{path} holds no ratings")
    vals = cells.values(path, cells.what)
    rows, users, cols, items = cells.codes(info.pop("header_items", None))
    n = len(cells)
    indptr, indices, source, duplicates, first = last_cells(rows, cols, len(users), len(items))
    if duplicates:  # first: the first line that a later one replaces
        warnings.warn(f"{path}: {duplicates} duplicate (user, item) rows (e.g. {users[rows[first]]!r} × "
                      f"{items[cols[first]]!r}, line {cells.lines[first]}); the last of each is kept", TopicmfWarning,
                      stacklevel=3)
    R = sp.csr_matrix((vals[source], indices, indptr), shape=(len(users), len(items)))
    R.has_sorted_indices = True
    times = cells.time_values(source) if info["columns"].get("time") else None
    info = dict(info, source=str(path), cells_read=n, duplicates=int(duplicates), users=len(users),
                items=len(items), known=int(R.nnz))
    return Ratings(R, tuple(users), tuple(items), times, info)
