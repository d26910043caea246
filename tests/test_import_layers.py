"""planning, calendar, worker, exchange and hearings import each other only downwards, at module
level: no cycle, and no import inside a function to hide one (a small AST walk; the
architecture owner will generalise it to every package)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "mediation"
CHECKED = ("planning", "calendar", "worker", "exchange", "hearings")
# Lower may not import higher (docs/architecture.md).
LAYERS = {
    **dict.fromkeys(("db", "extensions", "config", "timeutil", "signals", "worker", "web",
                     "forms", "i18n"), 0),
    "regions": 1, "auth": 2, "audit": 3, "centres": 4, "roster": 4, "cases": 5,
    "conflicts": 6, "hearings": 7, "exchange": 8, "planning": 9, "calendar": 10,
    **dict.fromkeys(("dashboard", "home", "imports", "demo", "admin", "ops"), 11),
}


def _feature(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "mediation" else None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, package: str):
    """(imported module, inside a function?) for every import outside `if TYPE_CHECKING:`."""
    out = []

    def visit(node, in_function):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, ast.Import):
            out.extend((alias.name, in_function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, in_function))
            if node.module == "mediation":  # from mediation import signals, worker
                out.extend((f"mediation.{alias.name}", in_function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((f"mediation.{package}", in_function))
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return out


def _edges():
    """feature → {imported feature: [where]}, and the function-level cross-feature imports."""
    edges: dict[str, dict[str, list[str]]] = {}
    hidden = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        package = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem
        for module, in_function in _imports(ast.parse(path.read_text()), package):
            target = _feature(module)
            if target is None or target == package or target not in LAYERS:
                continue
            edges.setdefault(package, {}).setdefault(target, []).append(str(rel))
            if in_function and package in CHECKED:
                hidden.append(f"{rel}: {module}")
    return edges, hidden


def test_no_function_level_cross_feature_import():
    _, hidden = _edges()
    assert hidden == []


@pytest.mark.parametrize("package", CHECKED)
def test_imports_go_down_the_layers(package):
    edges, _ = _edges()
    upward = {target: where for target, where in edges.get(package, {}).items()
              if LAYERS[target] > LAYERS[package]}
    assert upward == {}


def test_no_cycle_among_the_checked_packages_and_cases():
    edges, _ = _edges()
    nodes = set(CHECKED) | {"cases"}
    graph = {n: {t for t in edges.get(n, {}) if t in nodes} for n in nodes}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def walk(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
                return True
            if state.get(nxt) is None and walk(nxt, path + [node]):
                return True
        state[node] = 2
        return False

    for n in sorted(nodes):
        if state.get(n) is None and walk(n, []):
            break
    assert cycle == []
