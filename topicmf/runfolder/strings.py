"""Many strings stored as one UTF-8 buffer with offsets, decoded only when asked for.

A saved run of a million documents holds a million ids and labels; turning
them all into Python strings takes about a second, while ``topicmf similar``
needs one id found and ten shown.  :class:`PackedStrings` is a read-only
sequence over the buffer: items are decoded on access (all at once, and
kept, when the whole sequence is iterated), and :meth:`PackedStrings.find`
locates a string by searching the bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PackedStrings"]


class PackedStrings(Sequence):
    """A read-only sequence of strings over ``data`` (UTF-8 bytes) cut at ``offsets`` (n + 1 positions)."""

    def __init__(self, data: bytes, offsets: np.ndarray):
        self._data = data
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self._all: tuple | None = None

    def __len__(self) -> int:
        return self._offsets.size - 1

    def _one(self, i: int) -> str:
        return self._data[self._offsets[i] : self._offsets[i + 1]].decode("utf-8", "surrogatepass")

    def __getitem__(self, i):
        if self._all is not None:
            return self._all[i]
        if isinstance(i, slice):
            return tuple(self._one(j) for j in range(*i.indices(len(self))))
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("index out of range")
        return self._one(int(i))

    def __iter__(self):
        return iter(self.decoded())

    def decoded(self) -> tuple:
        """Every string (decoded once, then kept)."""
        if self._all is None:
            starts, ends = self._offsets[:-1].tolist(), self._offsets[1:].tolist()
            data = self._data
            self._all = tuple(data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, ends))
        return self._all

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and tuple(self) == tuple(other)

    def __hash__(self):
        return hash(self.decoded())

    def find(self, value: str) -> int:
        """The position of ``value`` (its first occurrence), or -1: a search in the bytes, no decoding."""
        offsets = self._offsets
        if value == "":
            empty = np.flatnonzero(np.diff(offsets) == 0)
            return int(empty[0]) if empty.size else -1
        needle = value.encode("utf-8", "surrogatepass")
        at = self._data.find(needle)
        while at >= 0:
            i = int(np.searchsorted(offsets, at, side="right")) - 1
            if offsets[i] == at and offsets[i + 1] == at + len(needle):
                return i
            at = self._data.find(needle, at + 1)
        return -1

    def __repr__(self) -> str:
        return f"PackedStrings({len(self)} strings)"
