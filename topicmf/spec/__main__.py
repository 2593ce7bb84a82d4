"""``python -m topicmf.spec``: print the parameter reference (docs/reference/parameters.md)."""

from .reference import reference

print(reference(), end="")
