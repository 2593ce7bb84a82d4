"""The parameter reference in Markdown, made from the registries (``python -m topicmf.spec``).

docs/reference/parameters.md is this text; tests/test_registries.py checks that it is current, so the
documented parameters are the declared ones.
"""

from __future__ import annotations

from .params import Param, ParamTable
from .ratings import FAMILIES
from .runs import RUN_PARAMS
from .topics import FIT_PARAMS, MODELS

__all__ = ["reference"]


def _value(value) -> str:
    return "—" if value is None else f"`{value!r}`" if isinstance(value, str) else f"`{value}`"


def _table(params, solvers=True) -> list[str]:
    lines = ["| parameter | option | accepts | default | meaning |", "|---|---|---|---|---|"]
    for p in params:
        meaning = p.help + (f" ({', '.join(p.solvers)} only)" if solvers and p.solvers else "")
        # the model's solver and size are the commands' own options (--solver, -k), not settings
        option = "`--solver`" if p.name == "solver" else "`-k`" if p.name == "n_components" else (
            f"`{p.option}`" if p.cli else "")
        lines.append(f"| `{p.name}` | {option} | {_accepts(p)} | {_value(p.default)} | {meaning} |")
    return lines


def _accepts(p: Param) -> str:
    return p.describe().replace("|", "\\|")


def reference() -> str:
    """Every model's and family's declared parameters, and a run's own, as Markdown."""
    out = ["# Parameters", "",
           "Made by `python -m topicmf.spec` from the registries (`topicmf/spec`): the estimators and fit",
           "functions take these defaults and check these ranges; the command line offers the parameters",
           "with an option. Do not edit by hand.", ""]
    out += ["## Topic models", ""]
    for spec in MODELS.values():
        solvers = ", ".join(f"`{s.name}`" + (" (on a cluster too)" if s.cluster else "") for s in spec.solver_table)
        out += [f"### `{spec.name}`: {spec.title} (`{spec.params.owner}`)", "", f"{spec.description}. Solvers, "
                f"the default first: {solvers}. Weightings: {', '.join(spec.weightings)}.", ""]
        out += _table(spec.params) + [""]
    out += ["### Beside the model's own (`fit_topic_model`, `topicmf run`)", ""]
    out += _table(ParamTable("fit", FIT_PARAMS.values()).params + RUN_PARAMS.params, solvers=False) + [""]
    out += ["## Rating families", ""]
    for family in FAMILIES.values():
        solvers = ", ".join(f"`{s.name}`" for s in family.solver_table)
        out += [f"### `{family.name}`: {family.title} (`{family.params.owner}`)", "",
                f"{family.description[:1].upper() + family.description[1:]}. Solvers, the default first: {solvers}.",
                ""]
        out += _table(family.function_params) + [""]
    return "\n".join(out).rstrip() + "\n"
