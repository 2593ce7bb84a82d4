"""The shape of the code: data flows one way and the library never imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from topicmf.cli import main

PACKAGE = ROOT / "topicmf"
# stage -> the topicmf modules it may import (besides itself)
ALLOWED = {
    "errors": set(),
    "spec": {"errors"},
    "resources": {"errors"},
    "corpus": {"errors"},
    "text": {"errors", "spec", "resources", "corpus"},
    "factorize": {"spec"},
    "neighbours": {"factorize"},
    "runfolder": {"errors"},
    "model": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "runfolder"},
    "ratings": {"errors", "spec", "corpus", "factorize", "neighbours", "runfolder"},
    "report": {"errors", "spec", "model", "ratings", "neighbours", "runfolder"},
    "distributed": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "model"},
    "workflow": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "runfolder", "model",
                 "ratings", "distributed", "report", "__init__"},
    "console": set(),
    "cli": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "model", "ratings", "report",
            "workflow", "console", "__init__"},
    "__main__": {"cli"},
    "__init__": {"errors", "corpus", "text", "factorize", "model", "workflow"},
}


def _stage(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _is_module(parts: list[str]) -> bool:
    base = ROOT.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = base + (node.module.split(".") if node.module else [])
                names = [module] if node.module else [module + [a.name] for a in node.names]
                # `from . import name` names a submodule, or an attribute of the package
                names = [n if _is_module(n) else n[:-1] for n in names]
            else:
                names = [node.module.split(".")] if node.module else []
            for parts in names:
                if parts and parts[0] == "topicmf":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "topicmf":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path):
    stage = _stage(path)
    assert stage in ALLOWED, f"{stage} is a new stage: add it to ALLOWED in this test"
    imported = _imports(path) - {stage}
    assert imported <= ALLOWED[stage], f"{path.name} imports {imported - ALLOWED[stage]}"


def test_no_file_is_too_long():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"split these by responsibility: {long}"


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help and command.help.strip(), name
        assert f"topicmf {name}" in readme, f"README does not document `topicmf {name}`"
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def test_subpackages_are_not_shadowed_by_exports():
    import importlib
    import types

    import topicmf

    for name in ("corpus", "text", "factorize", "model", "report"):
        assert isinstance(getattr(topicmf, name), types.ModuleType), name
        assert importlib.import_module(f"topicmf.{name}") is getattr(topicmf, name)
