"""The page's panels of topics over time, per label and as a tree, read back from the run's own tables.

The run writes topics_over_time and topics_per_label (CSV or Parquet) before the page, and a
re-rendered page (`topicmf report DIR`) finds them in the folder: the page and the files say the
same.
"""

from __future__ import annotations

from pathlib import Path

from ..runfolder.tables import read_rows

__all__ = ["group_panels", "PANEL_WORDS"]

PANEL_WORDS = 6  # words shown per topic and group


def _read(directory: Path, stem: str, group: str) -> dict | None:
    rows = read_rows(directory, stem)
    if rows is None:
        return None
    names, starts, share, words = [], [], {}, {}
    for row in rows:
        name = row[group]
        if name not in share:
            names.append(name)
            starts.append(row.get("start"))
            share[name], words[name] = {}, {}
        t = int(row["topic"])
        share[name][t] = float(row["share"])
        if 0 < int(row["rank"]) <= PANEL_WORDS:
            words[name].setdefault(t, []).append(row["word"])
    if not names:
        return None
    k = 1 + max(t for s in share.values() for t in s)
    return {"names": names, "starts": starts if any(starts) else None,
            "share": [[round(share[n].get(t, 0.0), 5) for t in range(k)] for n in names],
            "words": [[words[n].get(t, []) for t in range(k)] for n in names]}


def _tree(directory: Path) -> list | None:
    """The merges of the hierarchy table as [node, left, right, distance, words] (None when there is none)."""
    rows = read_rows(directory, "hierarchy")
    if rows is None:
        return None
    return [[int(r["node"]), int(r["left"]), int(r["right"]), round(float(r["distance"]), 4),
             r["words"].split(" ")[:PANEL_WORDS]] for r in rows]


def group_panels(directory) -> dict:
    """{"time", "label", "tree"} for the page: per group, its name, each topic's share and words; the topic tree."""
    directory = Path(directory)
    return {"time": _read(directory, "topics_over_time", "bin"),
            "label": _read(directory, "topics_per_label", "label"), "tree": _tree(directory)}
