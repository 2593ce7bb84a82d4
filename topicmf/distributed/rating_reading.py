"""A rating table read by a cluster's workers: each reads a byte range of it, and the cells go where they belong.

One machine (:func:`topicmf.ratings.read_ratings`) numbers users and items in the order they
first appear in the file and keeps the last row of a (user, item) pair.  Here the client reads
the first line only (the format and the columns, as one machine finds them) and cuts the file
at line ends; each :class:`~.rating_block.RatingBlock` parses its range.  The ids are numbered
as one machine numbers them without any list of them on the client: each distinct id is sent
to the block its hash names, which finds where it first appears; the blocks holding first
appearances number them (a count per block is all the client adds up), and every block learns
the numbers of its ids from their owners.  The cells then go to the block owning their user
(a contiguous range of users), which keeps the last of each pair, and from there to the block
owning their item.  Every message goes through the exchange folder (:mod:`.exchange`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..corpus.tables import sniff_encoding
from ..errors import CorpusError, TopicmfError, TopicmfWarning
from ..ratings.reading import delimiter_of, json_columns, json_record, long_columns, split_fields
from .cluster import Closing, ask, ask_all, create_blocks
from .rating_block import RatingBlock

__all__ = ["table_spec", "byte_ranges", "DistributedRatings", "read_ratings_on_cluster"]


def table_spec(path, columns: dict) -> dict:
    """How the blocks parse the table at ``path``: its format, columns and where its data starts — found from its
    first line (or record) as :func:`topicmf.ratings.read_ratings` finds them."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such file")
    encoding = sniff_encoding(str(path)) or "utf-8-sig"
    user, item, rating, when = (columns.get(k) for k in ("user", "item", "rating", "time"))
    with open(path, "rb") as fh:
        start, line, first = 0, 0, None
        for raw in fh:
            line += 1
            text = raw.decode(encoding if start == 0 else encoding.replace("-sig", "")).rstrip("\r\n")
            if text.strip():
                first = text
                break
            start += len(raw)
        header_end = fh.tell() if first is not None else 0
    if first is None:
        raise CorpusError(f"{path} is empty: expected rows of user, item and rating")
    spec = {"path": str(path), "encoding": encoding, "kind": "text", "first_line": line}
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        record, problem = json_record(first)
        if problem:
            raise CorpusError(f"{path}:{line}: {problem}")
        names = json_columns(record, path, line, user, item, rating, when)
        return dict(spec, kind="json", start=0, line_offset=0, fields=names, format="long",
                    columns=dict(zip(("user", "item", "rating", "time"), names)))
    delimiter = delimiter_of(path, first)
    header = [h.strip() for h in split_fields(first, delimiter)]
    spec.update(delimiter=delimiter)
    found = long_columns(header, path, user, item, rating, when)
    if found is None:
        raise TopicmfError(f"{path} is a wide table (a row per user, a column per item): --dask reads long tables "
                           "(a row per rating); run without --dask")
    names, index, kind = found
    no_header = kind == "long (no header)"  # the first line is data
    return dict(spec, start=0 if no_header else header_end, line_offset=0 if no_header else line, header=names,
                index=index, format=kind, columns=_names(names, index))


def _names(header, index) -> dict:
    return dict(zip(("user", "item", "rating", "time"), (header[c] if c is not None else None for c in index)))


def byte_ranges(spec: dict, n_parts: int) -> list[tuple[int, int]]:
    """The table's data cut into about ``n_parts`` ranges of bytes, each ending at a line end (the encodings tables
    are read with all write a line end as the byte 0x0A)."""
    total = os.path.getsize(spec["path"])
    start = spec["start"]
    size = max(1, (total - start) // max(1, n_parts))
    ranges = []
    with open(spec["path"], "rb") as fh:
        while start < total:
            fh.seek(min(total, start + size))
            fh.readline()
            end = min(total, fh.tell()) if start + size < total and len(ranges) < n_parts - 1 else total
            ranges.append((start, end))
            start = end
    return ranges


def _bounds(n: int, parts: int) -> np.ndarray:
    """Contiguous ranges of about equal size: ``bounds[b]`` … ``bounds[b + 1]`` for block b."""
    return np.linspace(0, n, parts + 1).round().astype(np.int64)


class DistributedRatings(Closing):
    """A rating matrix held by a cluster's blocks: block b owns users ``user_bounds[b]`` … and items
    ``item_bounds[b]`` …; the client holds counts and sums (:func:`read_ratings_on_cluster`)."""

    def __init__(self, client, blocks, exchange, n_users, n_items, nnz, user_bounds, item_bounds, info, total,
                 binary, rating_range, own_exchange):
        self.client, self.blocks, self.exchange = client, blocks, exchange
        self.n_users, self.n_items, self.nnz = n_users, n_items, nnz
        self.user_bounds, self.item_bounds = user_bounds, item_bounds
        self.info, self.total, self.binary, self.rating_range = info, total, binary, rating_range
        self._own_exchange = own_exchange

    @property
    def shape(self) -> tuple:
        return self.n_users, self.n_items

    @property
    def implicit_looking(self) -> bool:
        return self.binary

    def call(self, method: str, *args) -> list:
        return ask_all(self.blocks, method, *args)

    def call_each(self, method: str, args: list) -> list:
        return ask(self.blocks, method, args, method.replace("_", " "))

    def run(self, function, *args) -> list:
        """``function(block, *args)`` on every block; their answers in block order."""
        return ask(self.blocks, "run", [(function, *args)] * len(self.blocks), function.__name__.replace("_", " "))

    def close(self) -> None:
        if self._own_exchange:
            shutil.rmtree(self.exchange, ignore_errors=True)


def read_ratings_on_cluster(client, path, columns: dict | None = None, min_rating=None, exchange=None,
                            progress=None) -> DistributedRatings:
    """Read the rating table at ``path`` on the cluster of ``client`` (see the module's docstring): the same
    users, items and known cells as :func:`topicmf.ratings.read_ratings` (and, with ``min_rating``,
    :func:`topicmf.workflow.recommend.positives`), held by the blocks."""
    spec = table_spec(path, columns or {})
    own = exchange is None
    if own:
        exchange = tempfile.mkdtemp(prefix="topicmf-exchange-", dir=os.environ.get("TOPICMF_SCRATCH"))
    exchange = str(exchange)
    try:
        workers = sorted(client.scheduler_info()["workers"])
        ranges = byte_ranges(spec, len(workers))
        blocks = create_blocks(client, RatingBlock, workers, len(ranges))
        read = ask(blocks, "read", [(spec, a, b) for a, b in ranges], "reading the ratings")
        if progress is not None:
            progress(sum(r["cells"] for r in read), None)
        lines = np.concatenate([[0], np.cumsum([r["lines"] for r in read])])[:-1] + spec["line_offset"]
        for kind in ("problem", "number"):  # the first in the file, as one machine stops at it
            for r, before in zip(read, lines):
                if r[kind] is not None:
                    raise CorpusError(f"{spec['path']}:{int(before + r[kind][0])}: {r[kind][1]}")
        cells = np.array([r["cells"] for r in read], np.int64)
        if not cells.sum():
            raise CorpusError(f"{spec['path']} holds no ratings")
        offsets = np.concatenate([[0], np.cumsum(cells)[:-1]]).astype(np.int64)
        n = len(blocks)
        ask(blocks, "send_ids", [(exchange, int(o), n) for o in offsets], "numbering the ids")
        ask_all(blocks, "find_firsts", exchange, offsets)
        counts = np.array(ask_all(blocks, "count_firsts", exchange), np.int64)  # blocks × (users, items)
        bases = np.concatenate([np.zeros((1, 2), np.int64), np.cumsum(counts, axis=0)[:-1]])
        n_users, n_items = (int(x) for x in counts.sum(axis=0))
        bounds = {"users": _bounds(n_users, n), "items": _bounds(n_items, n)}
        ask(blocks, "number_firsts", [(exchange, [int(x) for x in base], n) for base in bases], "numbering the ids")
        ask_all(blocks, "answer_numbers", exchange, bounds)
        ask_all(blocks, "take_numbers", exchange)
        ask_all(blocks, "send_cells", exchange, bounds["users"], n_items)
        built = ask_all(blocks, "build_users", exchange, bounds["users"], min_rating)
        duplicates = sum(b["duplicates"] for b in built)
        if duplicates:
            position = min(b["first_replaced"] for b in built if b["first_replaced"] is not None)
            owner = int(np.searchsorted(offsets, position, side="right") - 1)
            user, item, line = ask([blocks[owner]], "where", [(position, int(offsets[owner]))], "reading")[0]
            warnings.warn(f"{spec['path']}: {duplicates} duplicate (user, item) rows (e.g. {user!r} × {item!r}, line "
                          f"{int(lines[owner] + line)}); the last of each is kept", TopicmfWarning, stacklevel=2)
        ask_all(blocks, "drop_cells")
        nnz = sum(b["nnz"] for b in built)
        if min_rating is not None and nnz == 0:
            low, high = min(b["min"] for b in built), max(b["max"] for b in built)
            raise TopicmfError(f"no rating is at least {min_rating:g} (ratings run from {low:g} to {high:g})")
        ask(blocks, "send_columns", [(exchange, bounds["items"], int(bounds["users"][b])) for b in range(n)],
            "sending the cells")
        ask_all(blocks, "build_items", exchange, bounds["items"], n_users)
    except BaseException:
        if own:
            shutil.rmtree(exchange, ignore_errors=True)
        raise
    info = {"format": spec["format"], "columns": spec["columns"], "source": spec["path"],
            "cells_read": int(cells.sum()), "duplicates": int(duplicates), "users": n_users, "items": n_items,
            "known": int(nnz), "workers": {"blocks": n, "users": np.diff(bounds["users"]).tolist(),
                                           "items": np.diff(bounds["items"]).tolist()}}
    if min_rating is not None:
        info["min_rating"] = min_rating
    rating_range = (min(b["low"] for b in built), max(b["high"] for b in built))
    return DistributedRatings(client, blocks, exchange, n_users, n_items, int(nnz), bounds["users"],
                              bounds["items"], info, sum(b["sum"] for b in built),
                              all(b["binary"] for b in built if b["nnz"]), rating_range, own)
