"""Nearest neighbours for both halves: documents by their topics and words, items by their factors.

Exact search in bounded blocks and an NN-descent graph for large collections
(:mod:`.graph`, :mod:`.nndescent`), and the words-and-topics document similarity they can
score with (:mod:`.scores`).
"""
