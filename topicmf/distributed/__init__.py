"""Running past one machine: a corpus read, counted and factorized on a Dask cluster.

``topicmf run CORPUS --dask ADDRESS`` (or ``--dask local:N`` for N worker
processes on this machine) needs the optional dependencies
(``pip install 'topicmf[dask]'``).  The pattern is the one gensim's
distributed LSI and Spark's ALS use, on Dask's own scheduler, workers and
actors:

* each worker reads and counts its share of the input itself
  (:mod:`.reading`): a range of files, or a range of bytes of a table;
* the count matrix stays on the workers as row blocks, one
  :class:`~topicmf.distributed.block.Block` actor each, and is never
  gathered; so do the token streams for coherence;
* the topic solvers of :mod:`topicmf.factorize.topics` run on the blocks
  unchanged, through :class:`~.rows.ClusterRows` (the second backend of
  their row interface): per iteration only n_terms × k and k × k statistics
  travel, so traffic does not grow with the number of documents;
* W, the ids and the labels stay on the blocks after the fit: a run's
  per-document work and files are done there (:mod:`topicmf.workflow.cluster`);
  only sums, the coherence counts of the top words and the page's sample
  of documents come to the client (``topicmf.Topics`` brings the documents
  into its memory on purpose, as an estimator holds its fit).

The same corpus and seed give the same matrix and the same fit as on one
machine (up to the order of floating-point additions).
"""

from .cluster import open_client, require_dask
from .reading import DistributedMatrix, read_corpus
from .rows import ClusterRows

__all__ = ["open_client", "require_dask", "read_corpus", "DistributedMatrix", "ClusterRows"]
