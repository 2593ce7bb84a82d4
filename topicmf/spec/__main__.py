"""``python -m topicmf.spec``: print the parameter reference (docs/parameters.md)."""

from .reference import reference

print(reference(), end="")
