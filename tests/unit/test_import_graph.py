"""The package's imports, read from the source (every import, lazy ones inside functions included):
no cycles, nothing imports upward against the flow of data, and the product never needs the dev package."""

from __future__ import annotations

import ast
from pathlib import Path

from credit_warehouse.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "plugins" / "credit_warehouse"
# the stages in the order data flows; a stage may import earlier stages, never later ones
FLOW = ("feeds", "load", "quality", "transform", "publish")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t != name and (t in modules or t.startswith("credit_warehouse_dev"))}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _stage(module: str) -> int | None:
    parts = module.split(".")
    return FLOW.index(parts[1]) if len(parts) > 1 and parts[1] in FLOW else None


def test_the_package_has_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_stage_imports_a_later_one():
    upward = sorted((source, target) for source, targets in _graph().items() for target in targets
                    if _stage(source) is not None and _stage(target) is not None and _stage(target) > _stage(source))
    assert upward == []


def test_the_product_never_imports_the_dev_package():
    assert sorted((s, t) for s, targets in _graph().items() for t in targets if t.startswith("credit_warehouse_dev")) \
        == []


def test_the_tests_mirror_the_packages_folder_for_folder():
    """tests/unit/<x> and tests/integration/<x> test package folder <x> (dev: the development package);
    dags mirrors the DAG folder."""
    plugins = PROJECT_ROOT / "plugins"
    folders = {p.name for p in (plugins / "credit_warehouse").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    dev = {f"dev/{p.name}" for p in (plugins / "credit_warehouse_dev").iterdir() if (p / "__init__.py").exists()}
    allowed = folders | dev | {"dev", "dags"}
    tests = PROJECT_ROOT / "tests"
    found = {str(p.parent.relative_to(tests / kind)) for kind in ("unit", "integration")
             for p in (tests / kind).rglob("test_*.py")} - {"."}
    assert found - allowed == set()
