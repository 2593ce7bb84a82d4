"""Documents stored as rows: CSV, TSV and JSON Lines files, read as a stream."""

from __future__ import annotations

import codecs
import csv
import json
import sys
from collections.abc import Iterator
from typing import NamedTuple

from ..errors import CorpusError

__all__ = ["Row", "sniff_encoding", "read_header", "iter_rows", "table_dialect"]

_UNLABELLED = "(unlabelled)"

# Documents can be long; the csv module's default field limit (128 KiB) is not.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class Row(NamedTuple):
    doc_id: str
    label: str | None
    text: str


def sniff_encoding(path: str) -> str | None:
    """Check, by streaming the bytes, that ``path`` is UTF-8.

    Returns None when it is (a BOM is allowed), else the fallback encoding
    that decodes it: cp1252, or latin-1 where cp1252 leaves a byte undefined.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return None if encoding == "utf-8-sig" else encoding
    return "latin-1"


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


def iter_rows(
    path: str,
    encoding: str,
    *,
    text_column: str,
    id_column: str | None,
    label_column: str | None,
    skipped: list[tuple[str, str]],
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
    if path.lower().endswith(".jsonl"):
        records = _jsonl_records(path, encoding, skipped, (text_column, id_column, label_column))
    else:
        records = _csv_records(path, encoding, (text_column, id_column, label_column))
    seen: dict[str, int] = {}
    for number, record in records:
        text = record.get(text_column)
        if text is None:
            text = ""
        elif not isinstance(text, str):
            text = json.dumps(text, ensure_ascii=False) if isinstance(text, (list, dict)) else str(text)
        if id_column is None:
            doc_id = str(number)
        else:
            value = record.get(id_column)
            doc_id = "" if value is None else str(value).strip()
            if not doc_id:
                raise CorpusError(f"{path}: record {number} has an empty {id_column!r} id")
        if doc_id in seen:
            raise CorpusError(
                f"{path}: id {doc_id!r} appears in records {seen[doc_id]} and {number}; "
                "ids must be unique (drop --id-column to number the records instead)"
            )
        seen[doc_id] = number
        label = None
        if label_column is not None:
            value = record.get(label_column)
            label = str(value).strip() if value not in (None, "") else _UNLABELLED
        yield Row(doc_id, label, text)


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
