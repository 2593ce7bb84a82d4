"""The worker side of a rating matrix on a cluster: a byte range read, then a block of users and a block of items.

A :class:`RatingBlock` (a Dask actor, one per worker) first parses its byte range of the table
(:mod:`.rating_reading`), then takes part in numbering the ids, then owns a contiguous range of
users — their rows of R, U and the user biases — and a contiguous range of items — their rows
of Rᵀ, V and the item biases — for ALS (:mod:`.als`).  It answers with counts and sums only;
what moves between blocks goes through the exchange folder.
"""

from __future__ import annotations

import csv

import numpy as np
import scipy.sparse as sp

from ..ratings.reading import json_record, number_problem
from ..runfolder.npz import pack_strings, unpack_strings
from .exchange import Exchange, by_owner, stable_hashes

__all__ = ["RatingBlock"]

SIDES = ("users", "items")


class RatingBlock:
    """One worker's part of a rating table (a Dask actor)."""

    def __init__(self, index: int, threads: int = 1):
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        self.index = index
        self.R = self.Rt = None  # rows of the users and of the items this block owns
        self.arrays = {}  # factors and biases of those rows (U, b; V, c)

    # --- reading ---------------------------------------------------------------------------------------------
    def read(self, spec: dict, start: int, end: int) -> dict:
        """Parse this block's bytes; returns how many cells and lines, and the first problem (local line, text)."""
        with open(spec["path"], "rb") as fh:
            fh.seek(start)
            data = fh.read(end - start)
        text = data.decode(spec["encoding"] if start == 0 else spec["encoding"].replace("-sig", ""))
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.cells = {"users": [], "items": [], "texts": [], "times": [], "lines": []}
        problem = (self._json if spec["kind"] == "json" else self._text)(spec, lines)
        c = self.cells
        number = None
        if problem is None:
            c["values"], number = _values(c, spec)
        del c["texts"]
        binary = bool(np.all((c["values"] == 0) | (c["values"] == 1))) if problem is None and number is None else True
        return {"cells": len(c["users"]), "lines": len(lines), "problem": problem, "number": number,
                "binary": binary}

    def _text(self, spec, lines):
        u, i, r, t = spec["index"]
        header = spec["header"]
        width = max(x for x in (u, i, r, t) if x is not None) + 1
        comma = spec["delimiter"] == ","
        c = self.cells
        for n, line in enumerate(lines, 1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            fields = next(csv.reader([line])) if comma else line.split(spec["delimiter"])
            if comma and not (fields and (fields[0].strip() or any(f.strip() for f in fields))):
                continue
            if len(fields) < width:
                return n, (f"{len(fields)} fields, expected at least {width} ({', '.join(header[:width])})")
            c["users"].append(fields[u].strip())
            c["items"].append(fields[i].strip())
            if r is not None:
                c["texts"].append(fields[r])
            if t is not None:
                c["times"].append(fields[t].strip())
            c["lines"].append(n)
        return None

    def _json(self, spec, lines):
        cu, ci, cr, ct = spec["fields"]
        c = self.cells
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            record, problem = json_record(line)
            if problem:
                return n, problem
            if cu not in record or ci not in record:
                return n, f"the record has no {cu if cu not in record else ci!r} field"
            c["users"].append(str(record[cu]))
            c["items"].append(str(record[ci]))
            if cr is not None:
                bad = number_problem(record.get(cr), cr)
                if bad is not None:
                    return n, bad
                c["texts"].append(record.get(cr))
            if ct is not None:
                c["times"].append(str(record.get(ct)))
            c["lines"].append(n)
        return None

    def where(self, position: int, offset: int) -> tuple:
        """(user, item, local line) of this block's cell ``position`` (global, this block's first: ``offset``)."""
        at = position - offset
        return self.cells["users"][at], self.cells["items"][at], self.cells["lines"][at]

    # --- numbering the ids as one machine does: in order of first appearance -----------------------------------
    def send_ids(self, exchange: str, offset: int, n_blocks: int) -> None:
        """Send each distinct id (users, items) and where it first appears here to the block its hash names."""
        self.offset = offset
        ex = Exchange(exchange)
        self.distinct = {}
        for side in SIDES:
            first = {}
            for at, value in enumerate(self.cells[side]):
                first.setdefault(value, at)
            ids = list(first)
            positions = np.fromiter(first.values(), np.int64, len(ids)) + offset
            self.distinct[side] = ids
            ex.send(f"{side}-ids", self.index, by_owner(stable_hashes(ids) % np.uint64(n_blocks), ids,
                                                       position=positions))

    def find_firsts(self, exchange: str, offsets: np.ndarray) -> None:
        """As an owner: where each id first appears; tell the blocks holding those positions."""
        ex = Exchange(exchange)
        self.owned = {}
        for side in SIDES:
            first, asked = {}, []
            for source, arrays in ex.receive(f"{side}-ids", self.index):
                ids = unpack_strings(arrays, "ids", "exchange")
                asked.append((source, ids))
                for value, position in zip(ids, arrays["position"].tolist()):
                    if position < first.get(value, position + 1):
                        first[value] = position
            self.owned[side] = (first, asked)
            positions = np.sort(np.fromiter(first.values(), np.int64, len(first)))
            holder = np.searchsorted(offsets, positions, side="right") - 1
            ex.send(f"{side}-firsts", self.index, {int(b): {"position": positions[holder == b]}
                                                    for b in np.unique(holder).tolist()})

    def count_firsts(self, exchange: str) -> list:
        """How many ids first appear in this block's range, per side."""
        ex = Exchange(exchange)
        self.firsts = {}
        for side in SIDES:
            parts = [a["position"] for _, a in ex.receive(f"{side}-firsts", self.index)]
            self.firsts[side] = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        return [int(self.firsts[side].size) for side in SIDES]

    def number_firsts(self, exchange: str, bases: list, n_blocks: int) -> None:
        """Number the ids first appearing here (from ``bases``, per side) and tell their owners."""
        ex = Exchange(exchange)
        for side, base in zip(SIDES, bases):
            ids = [self.cells[side][p - self.offset] for p in self.firsts[side].tolist()]
            numbers = base + np.arange(len(ids), dtype=np.int64)
            ex.send(f"{side}-numbered", self.index, by_owner(stable_hashes(ids) % np.uint64(n_blocks), ids,
                                                            number=numbers))
        del self.firsts

    def answer_numbers(self, exchange: str, bounds: dict) -> None:
        """As an owner: the numbers of the ids each block asked about, and (for the page, the files) each id to the
        block owning its number's range."""
        ex = Exchange(exchange)
        for side in SIDES:
            number = {}
            for _, arrays in ex.receive(f"{side}-numbered", self.index):
                number.update(zip(unpack_strings(arrays, "ids", "exchange"), arrays["number"].tolist()))
            _, asked = self.owned[side]
            answers = {}
            for source, ids in asked:
                arrays = {"number": np.array([number[v] for v in ids], np.int64)}
                pack_strings(ids, arrays, "ids")
                answers[source] = arrays
            ex.send(f"{side}-numbers", self.index, answers)
            numbers = np.fromiter(number.values(), np.int64, len(number))
            names = list(number)
            owner = np.searchsorted(bounds[side], numbers, side="right") - 1
            ex.send(f"{side}-names", self.index, by_owner(owner, names, number=numbers))
        del self.owned

    def take_numbers(self, exchange: str) -> None:
        """Each cell's user and item numbers; the ids of the users and items this block owns, in number order."""
        ex = Exchange(exchange)
        self.ids = {}
        for side in SIDES:
            number = {}
            for _, arrays in ex.receive(f"{side}-numbers", self.index):
                number.update(zip(unpack_strings(arrays, "ids", "exchange"), arrays["number"].tolist()))
            self.cells[side + "_n"] = np.fromiter((number[v] for v in self.cells[side]), np.int64,
                                                  len(self.cells[side]))
            got = [(a["number"], unpack_strings(a, "ids", "exchange")) for _, a in ex.receive(f"{side}-names",
                                                                                             self.index)]
            numbers = np.concatenate([g[0] for g in got]) if got else np.zeros(0, np.int64)
            names = [x for g in got for x in g[1]]
            self.ids[side] = [names[j] for j in np.argsort(numbers, kind="stable").tolist()]
        del self.distinct

    # --- the cells where their user, then their item, is ----------------------------------------------------------
    def send_cells(self, exchange: str, user_bounds: np.ndarray, n_items: int) -> None:
        c = self.cells
        rows, cols, values = c["users_n"], c["items_n"], c["values"]
        positions = self.offset + np.arange(rows.size, dtype=np.int64)
        owner = np.searchsorted(user_bounds, rows, side="right") - 1
        Exchange(exchange).send("cells", self.index, {
            int(b): {"row": rows[owner == b], "col": cols[owner == b], "value": values[owner == b],
                     "position": positions[owner == b]} for b in np.unique(owner).tolist()})
        self.n_items = n_items

    def build_users(self, exchange: str, user_bounds: np.ndarray, min_rating) -> dict:
        """This block's users' rows of R: the last row of each (user, item) pair kept; with ``min_rating``, the cells
        rated at least that as interactions of value 1.  Returns counts and sums."""
        parts = [a for _, a in Exchange(exchange).receive("cells", self.index)]
        first, n_users = int(user_bounds[self.index]), int(user_bounds[self.index + 1] - user_bounds[self.index])
        rows, cols, values, positions = (np.concatenate([p[key] for p in parts]) if parts else np.zeros(0)
                                         for key in ("row", "col", "value", "position"))
        rows, cols, positions = (a.astype(np.int64) for a in (rows, cols, positions))
        order = np.lexsort((positions, cols, rows))
        key = rows[order] * self.n_items + cols[order]
        last = np.ones(order.size, bool)
        last[:-1] = key[1:] != key[:-1]
        replaced = positions[order[~last]]
        keep = order[last]
        R = sp.csr_matrix((values[keep].astype(np.float64), (rows[keep] - first, cols[keep])),
                          shape=(n_users, self.n_items))
        R.sort_indices()
        out = {"duplicates": int(replaced.size), "first_replaced": int(replaced.min()) if replaced.size else None,
               "min": float(R.data.min()) if R.nnz else np.inf, "max": float(R.data.max()) if R.nnz else -np.inf}
        if min_rating is not None:
            R.data = (R.data >= min_rating).astype(np.float64)
            R.eliminate_zeros()
        self.R = R
        out.update(nnz=int(R.nnz), sum=float(R.data.sum()), binary=bool(np.all((R.data == 0) | (R.data == 1))),
                   low=float(R.data.min()) if R.nnz else np.inf, high=float(R.data.max()) if R.nnz else -np.inf)
        return out

    def drop_cells(self) -> None:
        del self.cells

    def send_columns(self, exchange: str, item_bounds: np.ndarray, user_offset: int) -> None:
        """This block's cells to the blocks owning their items."""
        coo = self.R.tocoo()
        owner = np.searchsorted(item_bounds, coo.col, side="right") - 1
        Exchange(exchange).send("columns", self.index, {
            int(b): {"row": coo.row[owner == b].astype(np.int64) + user_offset, "col": coo.col[owner == b],
                     "value": coo.data[owner == b]} for b in np.unique(owner).tolist()})

    def build_items(self, exchange: str, item_bounds: np.ndarray, n_users: int) -> int:
        """This block's items' rows of Rᵀ (users ascending)."""
        parts = [a for _, a in Exchange(exchange).receive("columns", self.index)]
        first = int(item_bounds[self.index])
        n_items = int(item_bounds[self.index + 1] - first)
        rows, cols, values = (np.concatenate([p[key] for p in parts]) if parts else np.zeros(0)
                              for key in ("row", "col", "value"))
        Rt = sp.csr_matrix((values.astype(np.float64), (cols.astype(np.int64) - first, rows.astype(np.int64))),
                           shape=(n_items, n_users))
        Rt.sort_indices()
        self.Rt = Rt
        return int(Rt.nnz)

    # --- the rest runs functions where the block is (:mod:`.als`, :mod:`topicmf.workflow.cluster`) ---------------
    def run(self, function, *args):
        return function(self, *args)


def _values(cells: dict, spec: dict):
    """The cells' values (1 each without a rating column) and the first that is not a finite number."""
    texts = cells["texts"]
    if spec["kind"] == "json" or (spec["kind"] == "text" and spec["index"][2] is not None):
        if not texts and cells["users"]:
            return np.ones(len(cells["users"])), None
        try:
            values = np.array(texts, dtype=np.float64)
        except (TypeError, ValueError):
            values = None
        if values is None or not np.isfinite(values).all():
            what = spec["fields"][2] if spec["kind"] == "json" else spec["header"][spec["index"][2]]
            for text, line in zip(texts, cells["lines"]):
                bad = number_problem(text, what)
                if bad is not None:
                    return np.zeros(len(texts)), (line, bad)
        return values, None
    return np.ones(len(cells["users"])), None
