"""Documents stored as rows: CSV, TSV and JSON Lines files, read as a stream."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from typing import NamedTuple

from ..errors import CorpusError
from .decoding import stream_encoding, visible_text
from .limits import too_long

__all__ = ["Row", "sniff_encoding", "read_header", "first_record_fields", "iter_rows", "table_dialect", "Share",
           "line_shares", "csv_shares", "read_share", "record_values", "RecordIds", "RawRecordIds"]

_UNLABELLED = "(unlabelled)"

# Documents can be long; the csv module's default field limit (128 KiB) is not.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class Row(NamedTuple):
    doc_id: str
    label: str | None
    text: str
    time: str | None = None  # the raw value of the time column, when one is named


def sniff_encoding(path: str) -> str | None:
    """Check, by streaming the bytes, that ``path`` is UTF-8.

    Returns None when it is (a BOM is allowed), else the fallback encoding
    that decodes it: cp1252, or latin-1 where cp1252 leaves a byte undefined.
    """
    return stream_encoding(path)[1]


def table_dialect(path: str) -> dict:
    """csv.reader keyword arguments for a .csv or .tsv file.

    TSV is read without quote processing: each line is one record and a
    double quote is an ordinary character, as in most tab-separated exports.
    """
    if path.lower().endswith(".tsv"):
        return {"delimiter": "\t", "quoting": csv.QUOTE_NONE}
    return {"delimiter": ","}


def read_header(path: str, encoding: str) -> tuple[list[str], list[str] | None]:
    """Return the header row and the first data row (or None) of a CSV/TSV file."""
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, **table_dialect(path))
        try:
            header = next(reader)
        except StopIteration:
            raise CorpusError(f"{path} is empty: expected a header row naming its columns") from None
        except csv.Error as exc:
            raise CorpusError(f"{path}: malformed header row ({exc})") from None
        first = next(reader, None)
    header = [name.strip() for name in header]
    if not any(header):
        raise CorpusError(f"{path} has an empty header row: expected column names")
    return header, first


def first_record_fields(path: str, encoding: str) -> list[str] | None:
    """The field names of the first JSON object in a JSON Lines file (None when there is none)."""
    with open(path, encoding=encoding) as fh:
        for line in fh:
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict):
                    return [str(k) for k in record]
    return None


class RecordIds:
    """Ids of a table's records, in order: the id column's values (checked), or the record numbers.

    Used wherever records are read — in this process, or in a worker from a
    :class:`Share` — so the rules and messages are the same.
    """

    def __init__(self, path: str, id_column: str | None):
        self.path = path
        self.id_column = id_column
        self.number = 0
        self.seen: dict[str, int] = {}

    def next(self, value) -> str:
        """The id of the next record, given its id column's value (ignored without an id column)."""
        self.number += 1
        if self.id_column is None:
            return str(self.number)
        doc_id = "" if value is None else str(value).strip()
        if not doc_id:
            raise CorpusError(f"{self.path}: record {self.number} has an empty {self.id_column!r} id")
        if doc_id in self.seen:
            raise CorpusError(
                f"{self.path}: id {doc_id!r} appears in records {self.seen[doc_id]} and {self.number}; ids must be "
                f"unique (pass --id-column none to number the records instead of using {self.id_column!r})"
            )
        self.seen[doc_id] = self.number
        return doc_id


class RawRecordIds:
    """The id column's raw values (None without one), for numbering and checking later, in corpus order.

    A part of a corpus read on its own (on a cluster worker) cannot number
    or check its records alone; the whole sequence goes through
    :class:`RecordIds` afterwards.
    """

    def next(self, value):
        return value


def record_values(record: dict, text_column: str, id_column: str | None, label_column: str | None,
            time_column: str | None = None):
    """(id value, label, text, time) of one record (a JSON object or a CSV row by column name).

    A JSON string may hold a lone surrogate (``"\\ud800"``), which no output could write: an id, label or
    time keeps it as that visible escape (:func:`~topicmf.corpus.decoding.visible_text`; the text gets the same
    where every text is loaded, :func:`topicmf.corpus.load_text`).
    """
    text = record.get(text_column)
    if text is None:
        text = ""
    elif not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False) if isinstance(text, (list, dict)) else str(text)
    label = None
    if label_column is not None:
        value = record.get(label_column)
        label = visible_text(str(value).strip()) if value not in (None, "") else _UNLABELLED
    when = None
    if time_column is not None:
        value = record.get(time_column)
        when = None if value is None else visible_text(str(value).strip())
    value = record.get(id_column) if id_column is not None else None
    return (visible_text(value) if isinstance(value, str) else value), label, text, when


def iter_rows(
    path: str,
    encoding: str,
    *,
    text_column: str,
    id_column: str | None,
    label_column: str | None,
    skipped: list[tuple[str, str]],
    time_column: str | None = None,
) -> Iterator[Row]:
    """Yield one :class:`Row` per record of a CSV, TSV or JSON Lines file.

    Ids are the ``id_column`` values, or the 1-based record number when no id
    column is named.  A JSON Lines record that is not a JSON object is skipped
    and appended to ``skipped`` as ``("FILE:LINE", reason)``.

    Raises
    ------
    CorpusError
        A named column is missing, or two records share an id.
    """
    columns = (text_column, id_column, label_column, time_column)
    if path.lower().endswith(".jsonl"):
        records = _jsonl_records(path, encoding, skipped, columns)
    else:
        records = _csv_records(path, encoding, columns)
    ids = RecordIds(path, id_column)
    for _, record in records:
        value, label, text, when = record_values(record, *columns)
        yield Row(ids.next(value), label, text, when)


class Share(NamedTuple):
    """A byte range of a table with one record per line (JSON Lines, TSV), for a worker to read itself.

    Ranges start at the beginning of a line; a TSV's header line is in no share.
    """

    path: str
    encoding: str
    start: int
    end: int
    columns: tuple  # text, id, label and time column (None when unused)
    header: tuple | None  # a TSV's or CSV's column names
    kind: str = "jsonl"  # "jsonl", "tsv" or "csv"
    max_chars: int | None = None  # a longer record is a bad line (topicmf.corpus.limits.ReadLimits.max_chars)


SHARE_BYTES = 1 << 20  # bytes of a table per share: a few hundred records


def line_shares(path: str, encoding: str, columns: tuple, size: int = SHARE_BYTES,
                max_chars: int | None = None) -> Iterator[Share]:
    """Cut a JSON Lines or TSV file into shares of about ``size`` bytes, each ending at a line end.

    The encodings tables are read with (UTF-8, cp1252, latin-1) all write a
    line end as the byte 0x0A, so cutting the bytes there cuts no character.
    """
    header = None
    kind = "tsv" if path.lower().endswith(".tsv") else "jsonl"
    with open(path, "rb") as fh:
        start = 0
        if kind == "tsv":
            first = fh.readline()
            header = tuple(name.strip() for name in first.decode(encoding).rstrip("\r\n").split("\t"))
            start = fh.tell()
        total = os.fstat(fh.fileno()).st_size
        while start < total:
            fh.seek(min(total, start + size))
            fh.readline()  # to the end of the line the cut falls in
            end = min(total, fh.tell()) if start + size < total else total
            yield Share(path, encoding, start, end, columns, header, kind, max_chars)
            start = end


class _TrackedLines:
    """The lines of a binary file, decoded, with the byte offset reached so far (for the csv module)."""

    def __init__(self, fh, encoding: str):
        self.fh = fh
        self.encoding = encoding
        self.offset = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.fh.readline()
        if not line:
            raise StopIteration
        text = line.decode(self.encoding if self.offset == 0 else self.encoding.replace("-sig", ""))
        self.offset = self.fh.tell()
        return text


def csv_shares(path: str, encoding: str, columns: tuple, size: int = SHARE_BYTES,
               max_chars: int | None = None) -> Iterator[Share]:
    """Cut a CSV file into shares of about ``size`` bytes at record boundaries.

    A quoted field may hold line ends, so the boundaries come from parsing
    the file here with the csv module (no tokenizing); whoever reads a share
    parses its records again.  Used where every worker must read its share
    itself (on a cluster).
    """
    with open(path, "rb") as fh:
        lines = _TrackedLines(fh, encoding)
        reader = csv.reader(lines, **table_dialect(path))
        try:
            header = tuple(name.strip() for name in next(reader))
        except StopIteration:
            return
        start = lines.offset
        number = 0
        try:
            for _ in reader:
                number += 1
                if lines.offset - start >= size:
                    yield Share(path, encoding, start, lines.offset, columns, header, "csv", max_chars)
                    start = lines.offset
        except csv.Error as exc:
            raise CorpusError(f"{path}: malformed record after record {number} ({exc})") from None
        if lines.offset > start:
            yield Share(path, encoding, start, lines.offset, columns, header, "csv", max_chars)


def _within(lines: list[str], limit: int | None, bad: list):
    """(number, line) of the lines of at most ``limit`` characters; the others go to ``bad`` with the reason."""
    for number, line in enumerate(lines, 1):
        if limit is not None and len(line) > limit:
            bad.append((number, too_long("a record", len(line), limit)))
        else:
            yield number, line


def read_share(share: Share) -> tuple[list[tuple], list[tuple[int, str]], int]:
    """The records of a share: ``(rows, bad lines, lines)``.

    ``rows`` are ``(id value or None, label, text, time)``; ``bad lines`` are
    ``(line number within the share, reason)`` for JSON Lines that are not
    JSON objects and records longer than ``share.max_chars``; ``lines`` is
    the number of lines read.
    """
    with open(share.path, "rb") as fh:
        fh.seek(share.start)
        data = fh.read(share.end - share.start)
    # the file's encoding, found by sniffing it whole (a BOM only where the file starts)
    text = data.decode(share.encoding if share.start == 0 else share.encoding.replace("-sig", ""))
    del data
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    columns = tuple(share.columns) + (None,) * (4 - len(share.columns))
    rows, bad = [], []
    limit = share.max_chars
    if share.kind == "csv":
        index = {name: share.header.index(name) for name in share.columns if name is not None}
        reader = csv.reader(io.StringIO(text, newline=""), **table_dialect(share.path))
        for fields in reader:
            if fields:
                record = {name: fields[i] if i < len(fields) else None for name, i in index.items()}
                values = record_values(record, *columns)
                if limit is not None and len(values[2]) > limit:
                    bad.append((reader.line_num, too_long("a record", len(values[2]), limit)))
                    continue
                rows.append(values)
        return rows, bad, len(lines)
    if share.header is not None:
        index = {name: share.header.index(name) for name in share.columns if name is not None}
        for number, line in _within(lines, limit, bad):
            fields = line.rstrip("\r").split("\t")
            if fields == [""]:
                continue  # a blank line
            record = {name: fields[i] if i < len(fields) else None for name, i in index.items()}
            rows.append(record_values(record, *columns))
        return rows, bad, len(lines)
    decode = json.loads
    for number, line in _within(lines, limit, bad):
        if not line.strip():
            continue
        try:
            record = decode(line)
        except json.JSONDecodeError as exc:
            bad.append((number, f"invalid JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            bad.append((number, "not a JSON object"))
            continue
        rows.append(record_values(record, *columns))
    return rows, bad, len(lines)


def _csv_records(path, encoding, columns):
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, **table_dialect(path))
        header = [name.strip() for name in next(reader)]
        for name in columns:
            if name is not None and name not in header:
                raise CorpusError(
                    f"{path} has no column {name!r}; its columns are: {', '.join(header)}"
                )
        index = {name: header.index(name) for name in columns if name is not None}
        number = 0
        try:
            for fields in reader:
                if not fields:
                    continue  # a blank line
                number += 1
                yield number, {name: fields[i] if i < len(fields) else None for name, i in index.items()}
        except csv.Error as exc:
            raise CorpusError(f"{path}: malformed record after record {number} ({exc})") from None


def _jsonl_records(path, encoding, skipped, columns):
    number = 0
    with open(path, encoding=encoding) as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                skipped.append((f"{path}:{line_no}", f"invalid JSON ({exc.msg})"))
                continue
            if not isinstance(record, dict):
                skipped.append((f"{path}:{line_no}", "not a JSON object"))
                continue
            if number == 0:
                for name in columns:
                    if name is not None and name not in record:
                        raise CorpusError(
                            f"{path}: the first record has no field {name!r}; its fields are: "
                            f"{', '.join(map(str, record))}"
                        )
            number += 1
            yield number, record
