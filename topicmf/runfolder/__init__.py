"""Run folders, shared by ``topicmf run`` and ``topicmf recommend``: how a run's files are written and read.

Atomic files and a staged folder that replaces an earlier run only when complete
(:mod:`.staging`), ``.npz`` arrays read without pickles and checked against their SHA-256
(:mod:`.npz`), strings packed as UTF-8 (:mod:`.strings`) and the manifest (:mod:`.manifest`).
"""
