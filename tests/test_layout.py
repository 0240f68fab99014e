"""The package's structure, checked on its source (``ast``, nothing imported).

- no SQL (``.execute(``, ``.executemany(``, ``.sql(``) in ``views/``, ``analysis/``,
  ``service/``: they read the store through ``critmin.store.read``;
- no function in ``views/`` longer than 40 lines (from its ``def`` to its last line);
- imports flow one way through the layers (``LAYERS``): a module imports only from its
  own layer and earlier ones — every import, also those inside functions;
- every test file mirrors the package: ``tests/<pkg>/test_<module>[_<topic>].py`` for a
  module ``src/critmin/<pkg>/<module>.py`` (or sub-package ``<pkg>/<module>/``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "critmin"
TESTS = REPO / "tests"
LAYERS = ("sources", "store", "catalog", "pipeline", "indicators", "methods", "analysis",
          "service", "views")
# top-level modules: the shared base (importable from every layer) and the entry point
BASE = ("critmin", "critmin.config", "critmin.errors")
ENTRY = ("critmin.__main__",)
NO_SQL = ("views", "analysis", "service")
SQL_CALLS = ("execute", "executemany", "sql")
MAX_VIEW_FUNCTION_LINES = 40
TOP_LEVEL_TESTS = {"test_layout", "test_methods_doc"}  # of the whole package or its docs


def _modules(folder: Path = PACKAGE) -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, _parsed(path)


@functools.cache
def _parsed(path: Path) -> ast.Module:
    """The syntax tree of ``path``, parsed once per process (the tests only read it)."""
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"


def _rank(module: str) -> int | None:
    """The module's layer position; -1 for the base, len(LAYERS) for the entry point."""
    if module in BASE:
        return -1
    if module in ENTRY:
        return len(LAYERS)
    parts = module.split(".")
    if parts[0] == "critmin" and len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return None


def _imported(module: str, path: Path, node: ast.AST) -> list[str]:
    """The ``critmin`` modules an import statement names (relative ones resolved)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "critmin"]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + (
            [node.module] if node.module else []))
    else:
        base = node.module or ""
    if base.split(".")[0] != "critmin":
        return []
    if base != "critmin":
        return [base for _a in node.names]
    # ``from critmin import views, errors, __version__``: names may be modules themselves
    return [f"critmin.{a.name}" if _rank(f"critmin.{a.name}") is not None else base
            for a in node.names]


def sql_calls() -> list[str]:
    found = []
    for layer in NO_SQL:
        for _name, path, tree in _modules(PACKAGE / layer):
            found += [f"{_where(path, n)} .{n.func.attr}(" for n in ast.walk(tree)
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                      and n.func.attr in SQL_CALLS]
    return found


def long_view_functions() -> list[str]:
    found = []
    for _name, path, tree in _modules(PACKAGE / "views"):
        for n in ast.walk(tree):
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = n.end_lineno - n.lineno + 1
                if lines > MAX_VIEW_FUNCTION_LINES:
                    found.append(f"{_where(path, n)} {n.name}: {lines} lines")
    return found


def upward_imports() -> list[str]:
    found = []
    for name, path, tree in _modules():
        own = _rank(name)
        if own is None:
            found.append(f"{path.relative_to(REPO)}: module outside the layers {LAYERS}")
            continue
        for node in ast.walk(tree):
            for target in _imported(name, path, node):
                rank = _rank(target)
                if rank is None or rank > own:
                    found.append(f"{_where(path, node)} {name} imports {target}")
    return found


def unmirrored_tests() -> list[str]:
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        rel = path.relative_to(TESTS)
        stem = path.stem.removeprefix("test_")
        if len(rel.parts) == 1:
            ok = path.stem in TOP_LEVEL_TESTS or (PACKAGE / f"{stem}.py").is_file()
        else:
            package = PACKAGE.joinpath(*rel.parts[:-1])
            words = stem.split("_")
            ok = package.is_dir() and any(
                (package / f"{m}.py").is_file() or (package / m / "__init__.py").is_file()
                for m in ("_".join(words[:i]) for i in range(len(words), 0, -1)))
        if not ok:
            where = "/".join(("src/critmin", *rel.parts[:-1], f"{stem.split('_')[0]}*.py"))
            found.append(f"{rel}: mirrors no module (looked for {where})")
    return found


def test_no_sql_in_views_analysis_service():
    found = sql_calls()
    assert not found, "SQL outside store.read:\n" + "\n".join(found)


def test_view_functions_are_short():
    found = long_view_functions()
    assert not found, f"functions over {MAX_VIEW_FUNCTION_LINES} lines:\n" + "\n".join(found)


def test_imports_flow_one_way_through_the_layers():
    found = upward_imports()
    assert not found, "imports against the layer order:\n" + "\n".join(found)


def test_test_files_mirror_the_package():
    found = unmirrored_tests()
    assert not found, "test files that mirror no module:\n" + "\n".join(found)


def test_the_checks_see_the_package():
    """The checks above look at real files (a wrong path would make them pass vacuously)."""
    names = {name for name, _path, _tree in _modules()}
    assert {f"critmin.{layer}" for layer in LAYERS} <= names

    def imported(module: str, file: str, code: str) -> list[str]:
        return _imported(module, PACKAGE / file, ast.parse(code).body[0])

    assert imported("critmin.views.cli", "views/cli.py", "from ..store import read") == [
        "critmin.store"]
    assert imported("critmin.views", "views/__init__.py", "from . import cli") == [
        "critmin.views"]
    assert imported("critmin.x", "x.py", "from critmin import views, errors, __version__"
                    ) == ["critmin.views", "critmin.errors", "critmin"]
    assert imported("critmin.store.read", "store/read.py", "import critmin.views.cli") == [
        "critmin.views.cli"]
    assert _rank("critmin.views.cli") == LAYERS.index("views") > _rank("critmin.store.read")
