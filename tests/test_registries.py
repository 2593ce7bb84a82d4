"""The registries (topicmf.spec) own what a model is: every name, default and check comes from them.

Four properties keep it so: no code outside topicmf/spec compares a model's, family's or
solver's name with a literal; the estimators' and fit functions' defaults are the tables';
a bad value is refused with scikit-learn's one-line message, at the boundary, whatever the
entry point; and the tables load neither numba nor scikit-learn.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import ROOT
from topicmf.spec import FAMILIES, MODELS, Param, ParamTable

PACKAGE = ROOT / "topicmf"
MODEL_NAMES = set(MODELS)
FAMILY_NAMES = set(FAMILIES)
SOLVER_NAMES = {s for m in MODELS.values() for s in m.solvers} | {s for f in FAMILIES.values() for s in f.solvers}


def _literals(node) -> set:
    """The string constants of an expression (a constant, or a tuple/list/set of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_literals(e) for e in node.elts)) if node.elts else set()
    return set()


def _switches(path) -> list[str]:
    """Comparisons of a name with a model, family or solver literal; dicts keyed by several model names."""
    found = []
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and all(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops):
            operands = [node.left, *node.comparators]
            literals = set().union(*(_literals(o) for o in operands))
            text = " ".join(ast.get_source_segment(source, o) or "" for o in operands)
            names = literals & (MODEL_NAMES | FAMILY_NAMES)
            solvers = literals & SOLVER_NAMES if "solver" in text else set()
            if names or solvers:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.get_source_segment(source, node)}")
        elif isinstance(node, ast.Dict):
            keys = set().union(*(_literals(k) for k in node.keys if k is not None)) if node.keys else set()
            if len(keys & MODEL_NAMES) >= 2 or len(keys & FAMILY_NAMES) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: a dict keyed by model names")
    return found


def test_no_name_switches_outside_the_registries():
    switches = [line for path in sorted(PACKAGE.rglob("*.py")) if "spec" not in path.relative_to(PACKAGE).parts
                for line in _switches(path)]
    assert not switches, "ask the registry (topicmf.spec) instead:\n" + "\n".join(switches)


def test_the_switch_finder_finds_switches(tmp_path):
    """The test above is only as good as its finder: it must see the forms that used to be there."""
    path = ROOT / "tests" / "_switch_probe.py"
    path.write_text('def f(model, solver, m):\n    a = model != "lsa"\n    b = solver == "sgd"\n'
                    '    c = m in ("pnmf", "nmf")\n    d = {"pnmf": 1, "nmf": 2, "lsa": 3}[m]\n    e = m == "exact"\n')
    try:
        found = _switches(path)
    finally:
        path.unlink()
    assert [line.split(":")[1] for line in found] == ["2", "3", "4", "5"]  # "exact" is not compared as a solver


def test_the_documented_parameters_are_the_declared_ones():
    """docs/reference/parameters.md is what ``python -m topicmf.spec`` makes from the tables: regenerate it after a
    change."""
    from topicmf.spec.reference import reference

    assert (ROOT / "docs" / "reference" / "parameters.md").read_text(encoding="utf-8") == reference(), (
        "docs/reference/parameters.md is stale: python -m topicmf.spec > docs/reference/parameters.md")


def test_the_tables_load_neither_numba_nor_scikit_learn():
    code = ("import sys; import topicmf.spec; from topicmf.cli import main; "
            "print('numba' in sys.modules, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_topic_estimators_and_fit_functions_take_their_defaults_from_the_table(name):
    spec = MODELS[name]
    estimator = spec.estimator()
    expected = {p.name: p.default for p in spec.params if p.name in estimator.get_params()}
    assert estimator.get_params() == expected
    assert set(estimator.get_params()) == set(spec.params.names()) - {"W", "H"}
    signature = inspect.signature(spec.fit).parameters
    assert list(signature)[:2] == ["X", "n_components"]
    for param in spec.params:
        if param.name != "n_components":
            assert signature[param.name].default == param.default, param.name


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_rating_estimators_take_their_defaults_from_the_table(name):
    family = FAMILIES[name]
    assert family.estimator().get_params() == family.params.defaults()
    signature = inspect.signature(family.fit).parameters
    for param in family.function_params:
        if param.name != "n_components":
            assert signature[param.name].default == param.default, param.name


def test_every_solver_of_the_registry_has_an_implementation_and_no_other():
    from topicmf.factorize.ratings.models import EXPLICIT_SWEEPS, IMPLICIT_ROW_SOLVES

    assert tuple(EXPLICIT_SWEEPS) == FAMILIES["explicit"].solvers
    assert tuple(IMPLICIT_ROW_SOLVES) == FAMILIES["implicit"].solvers
    for spec in MODELS.values():
        assert spec.params["solver"].choices == spec.solvers


BAD = [
    ("pnmf", {"alpha_W": -1.0}, r"The 'alpha_W' parameter of PoissonNMF must be a float in the range \[0, inf\)\. "
                                r"Got -1.0 instead\."),
    ("pnmf", {"max_iter": 0}, r"'max_iter' parameter of PoissonNMF must be an int in the range \[1, inf\)"),
    ("pnmf", {"max_iter": 2.5}, r"'max_iter' parameter of PoissonNMF must be an int"),
    ("pnmf", {"tol": float("nan")}, r"'tol' parameter of PoissonNMF must be a float"),
    ("pnmf", {"learning_rate": 0.0}, r"'learning_rate' parameter of PoissonNMF must be a float in the range \(0, inf\)"),
    ("pnmf", {"background": 1.0}, r"'background' parameter of PoissonNMF must be a float in the range \[0, 1\)"),
    ("pnmf", {"solver": "hals"}, r"'solver' parameter of PoissonNMF must be a str among \{'cd', 'mu', 'sgd'\}"),
    ("pnmf", {"solver": "sgd", "background": 0.5}, r"applies to the cd and mu solvers only; solver 'sgd'"),
    ("pnmf", {"solver": "mu", "n_inner": 3}, r"'n_inner' parameter of PoissonNMF applies to the cd solver only"),
    ("nmf", {"init": "svd"}, r"'init' parameter of FrobeniusNMF must be a str among"),
    ("nmf", {"extrapolate": "yes"}, r"'extrapolate' parameter of FrobeniusNMF must be a bool"),
    ("nmf", {"random_state": "0"}, r"'random_state' parameter of FrobeniusNMF must be None, an int or a numpy Generator"),
    ("lsa", {"sigma": "middle"}, r"'sigma' parameter of LSA must be a str among \{'left', 'right', 'sqrt'\}"),
    ("lsa", {"alpha_W": 1.0}, r"'alpha_W' parameter of LSA applies to the als, gd and sgd solvers only"),
]


@pytest.mark.parametrize("name, params, message", BAD)
def test_a_bad_parameter_gets_the_same_message_from_every_entry_point(name, params, message):
    from topicmf.factorize import factorize

    X = sp.csr_matrix(np.random.default_rng(0).poisson(1.0, (12, 9)).astype(float) + np.eye(12, 9))
    with pytest.raises(ValueError, match=message):
        factorize(X, 2, model=name, **params)
    with pytest.raises(ValueError, match=message):
        MODELS[name].fit(X, 2, **params)
    with pytest.raises(ValueError, match=message):
        MODELS[name].estimator(2, **params).fit(X)


def test_an_unknown_parameter_names_the_ones_there_are():
    from topicmf.factorize import factorize

    with pytest.raises(TypeError, match="FrobeniusNMF has no parameter 'sigma'; it has n_components, solver"):
        factorize(np.ones((3, 3)), 1, model="nmf", sigma="left")
    with pytest.raises(ValueError, match="LSA has no parameter 'init'"):
        MODELS["lsa"].params.check({"init": "random"})


def test_the_check_runs_once_at_the_boundary(monkeypatch):
    """An estimator's fit checks its parameters once; what it calls runs with the checks off."""
    from topicmf.factorize import PoissonNMF

    calls = []
    real = ParamTable.check

    def counting(self, values, **kw):
        calls.append(self.owner)
        return real(self, values, **kw)

    monkeypatch.setattr(ParamTable, "check", counting)
    PoissonNMF(2, max_iter=3, random_state=0).fit(np.random.default_rng(1).poisson(2.0, (20, 15)) + 1.0)
    assert calls == ["PoissonNMF"]


def _count_checks(monkeypatch) -> list:
    calls = []
    real = ParamTable.check

    def counting(self, values, **kw):
        calls.append((self.owner, tuple(sorted(values))))
        return real(self, values, **kw)

    monkeypatch.setattr(ParamTable, "check", counting)
    return calls


def test_a_run_checks_each_parameter_once_where_it_enters(monkeypatch, tmp_path):
    """topicmf.run checks its own parameters and the model's once; the fits it makes (the model, the held-out
    fit, a merge's refit) do not check them again."""
    from conftest import DEMO
    from topicmf.workflow import run

    calls = _count_checks(monkeypatch)
    run(DEMO, out=tmp_path / "run", k=6, reduce_to=4, heldout=0.2, fit_params={"alpha_W": 0.1}, seed=1)
    owners = [owner for owner, _ in calls]
    assert owners == ["topicmf run", "PoissonNMF"]
    assert "alpha_W" in calls[1][1]


def test_a_recommend_job_checks_each_parameter_once_where_it_enters(monkeypatch, tmp_path):
    from conftest import ROOT as root
    from topicmf.workflow.recommend import recommend

    calls = _count_checks(monkeypatch)
    recommend(root / "corpora" / "ratings_lecture.csv", out=tmp_path / "r", k=2, folds=2, settings={"alpha": 0.2})
    assert [owner for owner, _ in calls] == ["ExplicitMF"]  # not once per fold and fit


@pytest.mark.parametrize("param, value, ok", [
    (Param("x", "int", 1, "", low=1), 1, True),
    (Param("x", "int", 1, "", low=1), True, False),
    (Param("x", "int", 1, "", low=1, choices=("auto",)), "auto", True),
    (Param("x", "float", 0.5, "", low=0, high=1, closed="neither"), 0.0, False),
    (Param("x", "float", 0.5, "", low=0, high=1, closed="neither"), 1.0, False),
    (Param("x", "float", 0.5, "", low=0, high=1, closed="left"), 0.0, True),
    (Param("x", "float", 0.5, "", low=0, high=1, closed="right"), 1.0, True),
    (Param("x", "float", None, "", low=0, none=True), None, True),
    (Param("x", "float", 0.0, "", low=0), None, False),
    (Param("x", "float", 0.0, "", low=0), np.float32(2.5), True),
    (Param("x", "str", "a", "", choices=("a", "b")), "c", False),
    (Param("x", "seed", None, ""), np.random.default_rng(0), True),
])
def test_a_parameter_accepts_what_it_declares(param, value, ok):
    if ok:
        param.check(value, "Owner")
    else:
        with pytest.raises(ValueError, match=r"The 'x' parameter of Owner must be"):
            param.check(value, "Owner")
