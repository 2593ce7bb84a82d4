"""The page's panels of topics over time, per label and as a tree, read back from the run's own CSV files.

The run writes topics_over_time.csv and topics_per_label.csv before the page, and a re-rendered
page (`topicmf report DIR`) finds them in the folder: the page and the files say the same.
"""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["group_panels", "PANEL_WORDS"]

PANEL_WORDS = 6  # words shown per topic and group


def _read(path: Path, group: str) -> dict | None:
    if not path.is_file():
        return None
    names, starts, share, words = [], [], {}, {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            name = row[group]
            if name not in share:
                names.append(name)
                starts.append(row.get("start"))
                share[name], words[name] = {}, {}
            t = int(row["topic"])
            share[name][t] = float(row["share"])
            if row["rank"] != "0" and int(row["rank"]) <= PANEL_WORDS:
                words[name].setdefault(t, []).append(row["word"])
    if not names:
        return None
    k = 1 + max(t for s in share.values() for t in s)
    return {"names": names, "starts": starts if any(starts) else None,
            "share": [[round(share[n].get(t, 0.0), 5) for t in range(k)] for n in names],
            "words": [[words[n].get(t, []) for t in range(k)] for n in names]}


def _tree(path: Path) -> list | None:
    """The merges of hierarchy.csv as [node, left, right, distance, words] (None when there is no file)."""
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as f:
        return [[int(r["node"]), int(r["left"]), int(r["right"]), round(float(r["distance"]), 4),
                 r["words"].split(" ")[:PANEL_WORDS]] for r in csv.DictReader(f)]


def group_panels(directory) -> dict:
    """{"time", "label", "tree"} for the page: per group, its name, each topic's share and words; the topic tree."""
    directory = Path(directory)
    return {"time": _read(directory / "topics_over_time.csv", "bin"),
            "label": _read(directory / "topics_per_label.csv", "label"), "tree": _tree(directory / "hierarchy.csv")}
