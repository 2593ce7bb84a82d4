"""Topics over time on a cluster: the documents' times are parsed and binned on the blocks that read them.

One machine parses every time (:func:`topicmf.model.timebins.parse_times`) and bins them
(:func:`~topicmf.model.timebins.make_bins`).  Here each block parses its own and sends a
summary — the kind of its values, their extremes, a few distinct values — or the first value it
could not read; the client plans the bins from the summaries (the same plan one machine makes
from all the times), each block counts its documents per bin, and the bins without documents
are dropped.  Each document's bin stays on its block (``block.time_bin``) for the topics per
bin; the client holds the bins' names only.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...errors import TopicmfError
from ...model.timebins import (MIXED_KINDS, TimeBins, bin_index, merge_time_summaries, parse_times, plan_bins,
                               time_summary, used_bins)

__all__ = ["cluster_bins"]


def parse_on(block) -> dict:
    """This block's times parsed: its summary, or the first value it cannot read, or that it mixes kinds."""
    try:
        block.parsed = parse_times(block.times, block.ids)
    except TopicmfError as exc:
        return {"mixed": True} if str(exc) == MIXED_KINDS else {"bad": str(exc)}
    times, kind = block.parsed
    return {"summary": time_summary(times, kind) if times.size else None}


def count_on(block, plan) -> np.ndarray:
    block.time_bin = bin_index(block.parsed[0], plan)
    return np.bincount(block.time_bin, minlength=plan.n)


def renumber_on(block, new: np.ndarray) -> None:
    block.time_bin = new[block.time_bin]
    del block.parsed


def bins_of(block) -> np.ndarray:
    return block.time_bin


def cluster_bins(dtm, how, gather: bool = False) -> TimeBins:
    """The time bins of the documents on the blocks of ``dtm`` (a :class:`~topicmf.distributed.DistributedMatrix`),
    as :func:`~topicmf.model.timebins.make_bins` makes them on one machine — the same errors first: the first
    unreadable value in corpus order, then a mix of dates and numbers.  Each document's bin stays on its block
    (``index`` is empty), unless ``gather`` brings them here (a model held in this process)."""
    parsed = dtm.call("run", parse_on)
    bad = [p["bad"] for p in parsed if "bad" in p]
    if bad:
        raise TopicmfError(bad[0])
    if any(p.get("mixed") for p in parsed):
        raise TopicmfError(MIXED_KINDS)
    plan = plan_bins(merge_time_summaries([p["summary"] for p in parsed]), how)
    new, bins = used_bins(plan, sum(dtm.call("run", count_on, plan)))
    dtm.call("run", renumber_on, new)
    return replace(bins, index=np.concatenate(dtm.call("run", bins_of))) if gather else bins
