"""The feature packages are layered: a package imports only its own layer and those below it.

Read from the source (AST), no import is executed. Every module under `mediation/` is mapped to
its feature package (`mediation/cases/views.py` → cases; the core modules `db`, `extensions`,
… → core), and the test fails on:

  (a) a cycle between feature packages;
  (b) an import of a higher layer (LAYERS, lowest first);
  (c) an import of another feature package inside a function (the usual way of hiding a cycle
      from Python), unless listed in FUNCTION_LEVEL_ALLOWED with a reason.

Imports under `if TYPE_CHECKING:` are not counted: they exist only for annotations (a model's
`Mapped["Case"]` next to a relationship named by string), are never executed, and so can neither
form an import cycle nor pull a higher feature in at run time.
The composition root (`mediation/__init__.py` create_app, `models.py`, `cli.py`) assembles
every feature and is above all layers.

PENDING lists the known violations still to be removed, each a (importer, imported) pair of
packages. A pending pair is tolerated; a pending pair that no longer occurs fails the test, so
the list shrinks as the work lands.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mediation"

# Lowest first. A package may import its own layer and the layers below it.
LAYERS: list[set[str]] = [
    {"core"},
    {"regions"},
    {"auth"},
    {"audit"},
    {"centres", "roster"},
    {"hearings"},
    {"availability"},
    {"cases"},
    {"attachments", "conflicts"},
    {"exchange"},
    {"planning"},
    {"attendance"},
    {"calendar"},
    {"dashboard", "home", "imports", "demo", "admin", "ops", "search", "notices",
     "termination"},
]
# Modules directly under mediation/ that form the lowest layer.
CORE_MODULES = {"db", "extensions", "config", "timeutil", "signals", "worker", "web", "forms",
                "secret_links", "planner_words", "emails", "spreadsheets", "bounded_json",
                "i18n", "storage"}
# The composition root: builds the app from every feature (above every layer, not checked).
ROOT_MODULES = {"__init__", "models", "cli"}

# Function-level imports of another package that are fine as they are (none yet). Key:
# (importer, imported) packages; value: why it must be a function-level import.
FUNCTION_LEVEL_ALLOWED: dict[tuple[str, str], str] = {}

# Known violations still to remove, each (importer, imported) with a comment on the way out. Empty
# now; a stale entry fails test_pending_entries_are_still_needed.
PENDING: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str  # package
    imported: str  # package
    where: str  # path:line
    target: str  # the module named
    in_function: bool


def _rank() -> dict[str, int]:
    return {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def _package_of_module(name: str) -> str | None:
    """`mediation.cases.views` → cases; `mediation.web` → core; the root → "root"."""
    parts = name.split(".")
    if parts[0] != "mediation":
        return None
    if len(parts) == 1:
        return "root"
    head = parts[1]
    if head in CORE_MODULES:
        return "core"
    if head in ROOT_MODULES or head == "create_app":
        return "root"
    return head


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolve against this module's package
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    if prefix == "mediation":  # `from mediation import worker`: the names are modules
        return [f"mediation.{alias.name}" for alias in node.names]
    return [prefix]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def collect_imports() -> list[Import]:
    out: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        importer = _package_of_module(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

        def visit(node: ast.AST, in_function: bool, _path=path, _module=module,
                  _importer=importer) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child):
                    for other in child.orelse:
                        visit(other, in_function)
                    continue
                inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef
                                                   | ast.Lambda)
                if isinstance(child, ast.Import | ast.ImportFrom):
                    for target in _targets(child, _module, _path.name == "__init__.py"):
                        imported = _package_of_module(target)
                        if imported is None or imported == _importer:
                            continue
                        where = f"{_path.relative_to(PACKAGE.parent)}:{child.lineno}"
                        out.append(Import(_importer, imported, where, target, in_function))
                visit(child, inside)

        visit(tree, False)
    return out


def violations(imports: list[Import]) -> dict[tuple[str, str], list[str]]:
    """(importer, imported) → what is wrong, for rules (b) and (c) and unknown packages."""
    rank = _rank()
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for imp in imports:
        if imp.importer == "root":
            continue
        pair = (imp.importer, imp.imported)
        for pkg in pair:
            if pkg not in rank and pkg != "root":
                found[pair].append(f"{imp.where}: package {pkg!r} is in no layer (add it to "
                                   "LAYERS)")
        if imp.imported == "root":
            found[pair].append(f"{imp.where}: imports the composition root ({imp.target})")
        elif pair[0] in rank and pair[1] in rank and rank[imp.imported] > rank[imp.importer]:
            found[pair].append(f"{imp.where}: {imp.importer} imports higher layer "
                               f"{imp.imported} ({imp.target})")
        if imp.in_function and pair not in FUNCTION_LEVEL_ALLOWED:
            found[pair].append(f"{imp.where}: function-level import of {imp.target}")
    return found


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(set(graph) | {b for _, b in edges}):
        if v not in index:
            strongconnect(v)
    return out


def _edges(imports: list[Import]) -> set[tuple[str, str]]:
    return {(i.importer, i.imported) for i in imports if "root" not in (i.importer, i.imported)}


def test_no_cycle_between_packages():
    edges = _edges(collect_imports()) - PENDING
    found = cycles(edges)
    assert not found, "import cycles between feature packages: " + "; ".join(
        " ⇄ ".join(c) + " via " + ", ".join(f"{a}→{b}" for a, b in sorted(edges)
                                          if a in c and b in c)
        for c in found)


def test_no_import_of_a_higher_layer_or_inside_a_function():
    found = {pair: msgs for pair, msgs in violations(collect_imports()).items()
             if pair not in PENDING}
    assert not found, "layering violations (see LAYERS at the top of tests/test_layers.py):\n" + \
        "\n".join(m for msgs in found.values() for m in msgs)


def test_pending_entries_are_still_needed():
    imports = collect_imports()
    needed = set(violations(imports))
    edges = _edges(imports)
    in_cycles = {(a, b) for c in cycles(edges) for a, b in edges if a in c and b in c}
    stale = sorted(p for p in PENDING if p not in needed and p not in in_cycles)
    assert not stale, f"PENDING entries no longer needed, remove them: {stale}"


def test_the_checker_sees_what_it_must():
    """The rules themselves, on a made-up graph and on this package's known facts."""
    assert cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [["a", "b", "c"]]
    assert cycles({("a", "b"), ("b", "c")}) == []
    imports = collect_imports()
    assert any(i.importer == "cases" and i.imported == "roster" for i in imports)
    fake = [Import("regions", "cases", "x.py:1", "mediation.cases.models", False),
            Import("cases", "roster", "y.py:2", "mediation.roster.models", True)]
    found = violations(fake)
    assert "higher layer" in found[("regions", "cases")][0]
    assert "function-level" in found[("cases", "roster")][0]
