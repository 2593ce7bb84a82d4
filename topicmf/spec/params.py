"""Declared parameters: each one's type, range, default and help, written once.

A model family's :class:`ParamTable` is what its estimator and fit function validate
against (:meth:`ParamTable.check`, with scikit-learn's wording), what the command line
builds its options, choices, ranges and help from, and what the documentation lists.
Validation happens once, where a call enters the library: a public fit function or
estimator checks its parameters and runs the rest with the check switched off
(:func:`checked`), the way scikit-learn's ``skip_parameter_validation`` works for nested
estimators.
"""

from __future__ import annotations

import math
import numbers
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

__all__ = ["Param", "ParamTable", "SolverTable", "checked", "validation_done", "listing"]

_KINDS = ("int", "float", "str", "bool", "seed", "array")
#: Set while the parameters of a call are known to be checked: inner boundaries skip their checks.
_CHECKED: ContextVar[bool] = ContextVar("topicmf_parameters_checked", default=False)


@contextmanager
def checked():
    """Run the block with parameter checks off: the caller has checked everything it passes on."""
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def validation_done() -> bool:
    """True inside :func:`checked`: a boundary further out has validated the parameters."""
    return _CHECKED.get()


@dataclass(frozen=True)
class Param:
    """One parameter of a model family.

    Attributes
    ----------
    name : str
        The keyword of the estimator and the fit function.
    kind : {"int", "float", "str", "bool", "seed", "array"}
        "seed": None, an int or a numpy Generator; "array": an array-like, or None (not
        checked here: its shape depends on the data).
    default : object
        The estimator's and fit function's default.
    help : str
        One line, as ``--help`` and the documentation show it.
    low, high : float or None
        The range of a number; None is unbounded.
    closed : {"both", "left", "right", "neither"}
        Which ends of [low, high] belong to the range.
    choices : tuple of str
        The values a "str" parameter takes; for an "int", words it takes besides numbers ("auto").
    none : bool
        None is allowed too (meaning: the solver's own default, or nothing given).
    solvers : tuple of str or None
        The solvers that use the parameter (None: all); another solver refuses a value
        other than the default.
    option : str or None
        The command-line option, where it differs from ``--<name with dashes>``; None with
        ``cli`` False.
    cli : bool
        Whether the command line offers it.
    """

    name: str
    kind: str
    default: object
    help: str
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    choices: tuple = ()
    none: bool = False
    solvers: tuple | None = None
    option: str | None = None
    cli: bool = True

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")
        if self.option is None and self.cli:
            object.__setattr__(self, "option", "--" + self.name.replace("_", "-"))

    def but(self, **changes) -> "Param":
        """This parameter with some attributes changed (another family's default or help)."""
        return replace(self, **changes)

    # --- describing ---------------------------------------------------------------------------
    @property
    def interval(self) -> str:
        """The range as text: ``[0, inf)``, ``(0, 1)``."""
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else _number(self.low)
        high = "inf" if self.high is None else _number(self.high)
        return f"{left}{low}, {high}{right}"

    def describe(self) -> str:
        """What a valid value is, in scikit-learn's words: "a float in the range [0, inf)"."""
        if self.kind == "int":
            text = f"an int in the range {self.interval}" + "".join(f" or {c!r}" for c in self.choices)
        elif self.kind == "float":
            text = f"a float in the range {self.interval}"
        elif self.kind == "str":
            text = "a str among {" + ", ".join(repr(c) for c in self.choices) + "}"
        elif self.kind == "bool":
            text = "a bool"
        elif self.kind == "seed":
            return "None, an int or a numpy Generator"
        else:
            text = "an array-like"
        return f"None or {text}" if self.none else text

    # --- checking -----------------------------------------------------------------------------
    def contains(self, value) -> bool:
        """Whether a number lies in the range."""
        if self.low is not None and (value < self.low or (value == self.low and self.closed in ("right", "neither"))):
            return False
        if self.high is not None and (value > self.high or (value == self.high and self.closed in ("left", "neither"))):
            return False
        return True

    def check(self, value, owner: str):
        """The value, normalised (an int as int, a float as float), or ValueError in scikit-learn's words."""
        if value is None and (self.none or self.kind in ("seed", "array")):
            return None
        ok = False
        if self.kind == "int":
            if isinstance(value, str) and value in self.choices:
                return value
            ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and self.contains(value)
            value = int(value) if ok else value
        elif self.kind == "float":
            ok = (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
                  and self.contains(value))
            value = float(value) if ok else value
        elif self.kind == "str":
            ok = isinstance(value, str) and value in self.choices
        elif self.kind == "bool":
            ok = isinstance(value, (bool, numbers.Integral)) and value in (0, 1)
            value = bool(value) if ok else value
        elif self.kind == "seed":
            ok = _is_seed(value)
        else:
            ok = True
        if not ok:
            raise ValueError(f"The {self.name!r} parameter of {owner} must be {self.describe()}. Got {value!r} instead.")
        return value


def listing(names, conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (or another conjunction)."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _is_seed(value) -> bool:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return True
    import numpy as np

    return isinstance(value, (np.random.Generator, np.random.RandomState))


class SolverTable:
    """What a family's registry entry answers about its solvers (its ``solver_table``, default first)."""

    solver_table: tuple
    name: str

    @property
    def solvers(self) -> tuple:
        """The solvers' names, default first."""
        return tuple(s.name for s in self.solver_table)

    @property
    def default_solver(self) -> str:
        return self.solver_table[0].name

    def solver(self, name: str | None):
        """The solver ``name`` (None: the default); ValueError naming the family's solvers otherwise."""
        name = name or self.default_solver
        for s in self.solver_table:
            if s.name == name:
                return s
        raise ValueError(f"Unknown solver {name!r} for {self.name}; choose one of {', '.join(self.solvers)}")


class ParamTable:
    """A family's parameters, in the order its estimator takes them."""

    def __init__(self, owner: str, params):
        self.owner = owner
        self.params = tuple(params)
        self._by_name = {p.name: p for p in self.params}
        if len(self._by_name) != len(self.params):
            raise ValueError(f"{owner} declares a parameter twice")

    def __iter__(self):
        return iter(self.params)

    def __contains__(self, name) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    def names(self) -> tuple:
        return tuple(self._by_name)

    def default(self, name: str):
        return self._by_name[name].default

    def defaults(self) -> dict:
        """Every parameter's default, by name."""
        return {p.name: p.default for p in self.params}

    def check(self, values: dict, *, solver: str | None = None, owner: str | None = None) -> dict:
        """The given values checked and normalised (parameters not given are not filled in).

        Raises ValueError for an unknown parameter, a value out of its range, or a value
        other than the default for a parameter the chosen ``solver`` does not use.
        """
        owner = owner or self.owner
        out = {}
        # the solver first: what the others may be depends on it
        for name, value in sorted(values.items(), key=lambda item: item[0] != "solver"):
            param = self._by_name.get(name)
            if param is None:
                raise ValueError(f"{owner} has no parameter {name!r}; it has {', '.join(self.names())}")
            value = param.check(value, owner)
            if (solver is not None and param.solvers is not None and solver not in param.solvers
                    and value is not None and value != param.default):
                raise ValueError(f"The {name!r} parameter of {owner} applies to the {listing(param.solvers)} "
                                 f"solver{'s' if len(param.solvers) > 1 else ''} only; solver {solver!r} does not use it")
            out[name] = value
        return out
