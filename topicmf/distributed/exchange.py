"""Blocks handing each other data through a folder every worker sees: a shuffle that bypasses the client.

Per-document data — ids to check for duplicates, document vectors to group
by topic, neighbour lists to merge — has to move between the blocks of a
corpus, and the process that runs ``topicmf`` must not be in the way (it
would then hold a copy of everything).  Dask's own futures could carry it
worker to worker, but the blocks are actors, and an actor that waits on
another actor of the same worker waits forever.  So the blocks write what
each other block needs as files in a folder of the run being written (on
the filesystem the workers share, as they share the corpus), and read what
is addressed to them: a Hadoop-style shuffle, with the client only saying
when each side may start.  Each message is one ``.npz`` file (no pickle),
written under a temporary name and renamed, and deleted once read.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..runfolder.npz import pack_strings

__all__ = ["Exchange", "stable_hashes", "by_owner"]


def stable_hashes(values) -> np.ndarray:
    """A stable 64-bit hash of each string (the same in every process, unlike Python's ``hash``): which block owns
    an id."""
    return np.array([int.from_bytes(hashlib.blake2b(v.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                    "little") for v in values], dtype=np.uint64)


def by_owner(owner: np.ndarray, ids: list, **arrays) -> dict:
    """Messages for :meth:`Exchange.send` addressed by ``owner`` (each row's block): per block, its rows of
    ``arrays`` and of the strings ``ids`` (packed as ``ids``)."""
    messages = {}
    for target in np.unique(owner).tolist():
        rows = np.flatnonzero(owner == target)
        message = {name: values[rows] for name, values in arrays.items()}
        pack_strings([ids[j] for j in rows], message, "ids")
        messages[int(target)] = message
    return messages


class Exchange:
    """A folder through which the blocks of one corpus send each other named messages of arrays."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, name: str, source: int, target: int) -> Path:
        return self.root / name / f"{source:05d}-{target:05d}.npz"

    def send(self, name: str, source: int, messages: dict) -> None:
        """Write ``messages[target]`` (a dict of arrays) for each target block; an empty dict sends nothing."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        for target, arrays in messages.items():
            self._write(folder, self._path(name, source, target), arrays)

    @staticmethod
    def _write(folder: Path, path: Path, arrays: dict) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".npz", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def publish(self, name: str, source: int, arrays: dict) -> None:
        """Write ``arrays`` once for every block to read (:meth:`collect`): a broadcast, kept until :meth:`clear`."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        self._write(folder, folder / f"{source:05d}.npz", arrays)

    def collect(self, name: str) -> list[dict]:
        """Every block's published arrays of ``name``, in block order."""
        out = []
        for path in sorted((self.root / name).glob("[0-9]*.npz")):
            with np.load(path, allow_pickle=False) as data:
                out.append({key: data[key] for key in data.files})
        return out

    def clear(self, name: str) -> None:
        shutil.rmtree(self.root / name, ignore_errors=True)

    def receive(self, name: str, target: int) -> list[tuple[int, dict]]:
        """Every message of ``name`` addressed to ``target``, as (source, arrays) in source order; deleted once read."""
        folder = self.root / name
        out = []
        if not folder.is_dir():
            return out
        for path in sorted(folder.glob(f"*-{target:05d}.npz")):
            with np.load(path, allow_pickle=False) as data:
                out.append((int(path.name.split("-", 1)[0]), {key: data[key] for key in data.files}))
            path.unlink()
        return out
