"""Command-line options built from the declared parameter tables (:mod:`topicmf.spec`).

An option's type, range, choices, default and help come from its :class:`~topicmf.spec.Param`,
so ``--help`` and the library cannot disagree.  Where several families share an option
(``--alpha`` of both rating families, ``--max-iter`` of the three topic models) its help says
what it means for each and the default is "the family's own", unless all families agree.
"""

from __future__ import annotations

import click

from ..spec import Param, listing

__all__ = ["click_type", "param_option", "shared_options", "shared_option", "option_values", "check_family_options"]


def _lower(text: str) -> str:
    """A help sentence continued after a prefix ("explicit: ..."), its first letter lowered unless it is an acronym."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _number(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def click_type(param: Param):
    """The click type that accepts what ``param`` accepts."""
    if param.kind in ("int", "float"):
        range_type = click.IntRange if param.kind == "int" else click.FloatRange
        if param.low is None and param.high is None:
            return int if param.kind == "int" else float
        return range_type(min=param.low, max=param.high, min_open=param.closed in ("right", "neither"),
                          max_open=param.closed in ("left", "neither"))
    if param.kind == "str":
        return click.Choice(param.choices)
    raise ValueError(f"{param.name}: no command-line type for a {param.kind} parameter")


def param_option(param: Param, *declarations: str, help: str | None = None, **settings):
    """A click option for one parameter: its type, default and help from the table (``settings`` override)."""
    declarations = declarations or (param.option,)
    if param.name != declarations[-1].lstrip("-").replace("-", "_"):
        declarations = (*declarations, param.name)
    settings.setdefault("type", click_type(param))
    settings.setdefault("default", param.default)
    settings.setdefault("show_default", param.default is not None)
    return click.option(*declarations, help=help or param.help, **settings)


def shared_options(families, *, exclude=("solver",)):
    """The command-line parameters of several families, one entry per option in order of first appearance.

    Returns [(Param, {family name: Param})]: the first declaration and every family's own.
    """
    found: dict[str, tuple] = {}
    for family in families:
        for param in family.params:
            if not param.cli or param.name in exclude:
                continue
            first, owners = found.setdefault(param.option, (param, {}))
            owners[family.name] = param
    return list(found.values())


def shared_option(param: Param, owners: dict, n_families: int):
    """One option for a parameter several families have: typed by the first, its help naming each family's meaning,
    default and solvers; no default of its own unless every family has it, with one default, for every solver."""
    defaults = [p.default for p in owners.values()]
    meanings = {p.help for p in owners.values()}
    if len(meanings) == 1:
        text = param.help.rstrip(".")
        if len(owners) < n_families:
            text = f"{' and '.join(owners)} only: {_lower(text)}"
    else:
        text = "; ".join(f"{name}: {_lower(p.help.rstrip('.'))}" for name, p in owners.items())
    notes = [f"{name}: {listing(p.solvers)} only" for name, p in owners.items() if p.solvers is not None]
    shown = [(name, d) for name, d in zip(owners, defaults) if d is not None]
    if shown and len(set(d for _, d in shown)) == 1:
        notes.insert(0, f"default {_number(shown[0][1])}")
    elif shown:
        notes.insert(0, "default " + ", ".join(f"{_number(d)} {name}" for name, d in shown))
    if notes:
        text += " (" + "; ".join(notes) + ")"
    return param_option(param, help=text + ".", default=None, show_default=False)


def option_values(params: dict, options) -> dict:
    """The values given for ``options`` (removed from ``params``), by parameter name, leaving out those not given."""
    given = {}
    for param, _owners in options:
        value = params.pop(param.name)
        if value is not None:
            given[param.name] = value
    return given


def check_family_options(family, solver: str | None, given: dict, options, *, family_option: str,
                         solver_option: str = "--solver") -> None:
    """Refuse, as a usage error naming the options, an option the chosen family or solver does not take."""
    solver = solver or family.default_solver
    for param, owners in options:
        if param.name not in given:
            continue
        own = owners.get(family.name)
        if own is None:
            raise click.UsageError(f"{param.option} applies to {family_option} {' or '.join(owners)} only")
        if own.solvers is not None and solver not in own.solvers:
            raise click.UsageError(f"{param.option} applies to {solver_option} {listing(own.solvers, 'or')} of "
                                   f"{family_option} {family.name} only")
