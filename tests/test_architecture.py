"""Layering contracts for ``bot/``, read from the source with ``ast``.

The layers (docs/design.md): ``bot.core`` is pure Python; ``bot.store`` holds all SQL and is
the only package that talks to SQLite; ``bot.discord_adapter`` is the only package that
imports discord.py; the front ends sit on top of the services. These tests keep it that way.

Every import counts: module level, inside functions and inside ``if TYPE_CHECKING:``, because
each one is a dependency somebody has to understand (a function-level import hides a cycle,
it does not remove it). ``importlib.import_module("bot.x")`` with a literal name counts too.

The checker is plain functions over a ``{path: source}`` mapping, so the last tests feed it a
small synthetic tree with one violation of every rule and make sure each one is reported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------

CORE = "bot.core"
STORE = "bot.store"
LIBRARY = "bot.library"
READING = "bot.reading"
APP = "bot.app"
SETTINGS = "bot.settings"
SERVICES = "bot.services"
CLI_OUTPUT = "bot.cli_output"
CONSOLE = "bot.console"
ADAPTER = "bot.discord_adapter"
MAIN = "bot.__main__"
ROOT_PACKAGE = "bot"  # bot/__init__.py: the version string; anyone may import it

_BELOW_FRONT_ENDS = frozenset({CORE, STORE, LIBRARY, READING, APP, SETTINGS, SERVICES})

# What each node (a package under bot/, or a top-level module) may import from bot.
# ``None`` means anything. A node missing from this table is a failure: decide its layer here.
LAYERS: dict[str, frozenset[str] | None] = {
    ROOT_PACKAGE: frozenset(),
    CORE: frozenset(),
    STORE: frozenset({CORE}),
    LIBRARY: frozenset({CORE, STORE}),
    READING: frozenset({CORE, STORE, LIBRARY}),
    APP: frozenset({CORE, STORE, LIBRARY, READING}),
    SETTINGS: frozenset({CORE}),
    SERVICES: frozenset({CORE, STORE, LIBRARY, READING, APP, SETTINGS}),
    CLI_OUTPUT: frozenset(),
    CONSOLE: _BELOW_FRONT_ENDS | {CLI_OUTPUT},  # not discord_adapter
    ADAPTER: _BELOW_FRONT_ENDS,  # not console
    MAIN: None,
}

# Frameworks that do I/O: bot.core imports none of them.
IO_FRAMEWORKS = frozenset({"discord", "aiosqlite", "sqlite3", "asyncpg", "aiohttp"})

# Third-party (or stdlib) modules that exactly one package may import.
OWNED_FRAMEWORKS: dict[str, str] = {"discord": ADAPTER, "aiosqlite": STORE, "sqlite3": STORE, "asyncpg": STORE}

# Where SQL may live, as string literals or .sql files.
SQL_HOME = STORE
SQL = re.compile(
    r"\b(SELECT\s[\s\S]{1,400}?\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TABLE|(UNIQUE\s+)?INDEX|VIEW|TRIGGER)|ALTER\s+TABLE|DROP\s+TABLE|BEGIN\s+IMMEDIATE|PRAGMA\s+\w+)\b"
)

# Packages whose modules must not import each other in a circle.
CYCLE_FREE_PACKAGES = (ADAPTER,)

# ---------------------------------------------------------------------------------------------
# Reading the source
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, e.g. bot.reading.live
    target: str  # the absolute module imported, e.g. bot.library.catalog
    path: str
    line: int
    where: str  # "module level", "function level", "TYPE_CHECKING" or "dynamic"

    @property
    def at(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def top(self) -> str:
        return self.target.split(".")[0]

    def describe(self) -> str:
        return f"{self.at}: {self.importer} imports {self.target} ({self.where})"


def node_of(module: str) -> str | None:
    """The layer node of a module: ``bot.<package>`` or ``bot.<top-level module>``; None outside bot."""
    parts = module.split(".")
    if parts[0] != "bot":
        return None
    return ".".join(parts[:2])


def module_of(path: str) -> tuple[str, bool]:
    """``bot/reading/live.py`` -> (``bot.reading.live``, False); ``bot/core/__init__.py`` -> (``bot.core``, True)."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportCollector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, path: str, known: frozenset[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.path = path
        self.known = known
        self.imports: list[Import] = []
        self._functions = 0
        self._type_checking = 0

    @property
    def _where(self) -> str:
        if self._functions:
            return "function level"
        return "TYPE_CHECKING" if self._type_checking else "module level"

    def _add(self, target: str, node: ast.AST, where: str | None = None) -> None:
        self.imports.append(Import(self.module, target, self.path, node.lineno, where or self._where))  # type: ignore[attr-defined]

    def _in_function(self, node: ast.AST) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _in_function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self._type_checking += 1
        for child in node.body:
            self.visit(child)
        self._type_checking -= 1
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        for alias in node.names:
            candidate = f"{module}.{alias.name}"
            self._add(candidate if candidate in self.known else module, node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in {"import_module", "__import__"} and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self._add(first.value, node, "dynamic")
        self.generic_visit(node)


def _docstring_nodes(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def string_literals(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal but docstrings; an f-string counts as one string."""
    skip = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                skip.add(id(value))
                is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
                parts.append(value.value if is_text else "{}")  # type: ignore[union-attr]
            yield node.lineno, "".join(parts)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


@dataclass(frozen=True)
class Module:
    name: str
    path: str
    is_package: bool
    tree: ast.Module

    @property
    def node(self) -> str:
        return node_of(self.name) or self.name


class Project:
    """The modules of one source tree and every import between them."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)
        self.modules: list[Module] = []
        for path, text in sorted(self.files.items()):
            if path.endswith(".py"):
                name, is_package = module_of(path)
                self.modules.append(Module(name, path, is_package, ast.parse(text, filename=path)))

    @classmethod
    def from_disk(cls, root: Path = ROOT, package: str = "bot") -> Project:
        files = {}
        for file in sorted((root / package).rglob("*")):
            if file.suffix in {".py", ".sql"} and "__pycache__" not in file.parts:
                files[file.relative_to(root).as_posix()] = file.read_text(encoding="utf-8")
        return cls(files)

    @cached_property
    def imports(self) -> list[Import]:
        known = frozenset(m.name for m in self.modules)
        found = []
        for module in self.modules:
            collector = _ImportCollector(module.name, module.is_package, module.path, known)
            collector.visit(module.tree)
            found += collector.imports
        return found

    def imports_from(self, node: str) -> Iterator[Import]:
        return (i for i in self.imports if node_of(i.importer) == node)


# ---------------------------------------------------------------------------------------------
# The checks: each returns human-readable violations, empty when the rule holds
# ---------------------------------------------------------------------------------------------


def check_core_is_pure(project: Project) -> list[str]:
    problems = []
    for imp in project.imports_from(CORE):
        target_node = node_of(imp.target)
        if target_node is not None and target_node != CORE:
            problems.append(f"{imp.describe()}: bot.core may import only bot.core")
        elif imp.top in IO_FRAMEWORKS:
            problems.append(f"{imp.describe()}: bot.core does no I/O (no {', '.join(sorted(IO_FRAMEWORKS))})")
    return problems


def check_owned_frameworks(project: Project) -> list[str]:
    problems = []
    for imp in project.imports:
        owner = OWNED_FRAMEWORKS.get(imp.top)
        if owner is not None and node_of(imp.importer) != owner:
            problems.append(f"{imp.describe()}: only {owner} may import {imp.top}")
    return problems


def check_sql_stays_in_store(project: Project) -> list[str]:
    problems = []
    for module in project.modules:
        if module.node == SQL_HOME:
            continue
        for line, text in string_literals(module.tree):
            match = SQL.search(text)
            if match:
                keyword, snippet = match.group(1).split()[0], " ".join(text.split())[:70]
                problems.append(f"{module.path}:{line}: SQL ({keyword}) outside bot/store: {snippet!r}")
    for path in project.files:
        if path.endswith(".sql") and node_of(module_of(path)[0]) != SQL_HOME:
            problems.append(f"{path}: an .sql file outside bot/store")
    return problems


def check_layers(project: Project) -> list[str]:
    problems = []
    nodes = {m.node for m in project.modules} | {
        node for i in project.imports if (node := node_of(i.target)) is not None
    }
    for node in sorted(nodes - LAYERS.keys()):
        problems.append(f"{node} is not in the layer table: add it to LAYERS in tests/test_architecture.py")
    for imp in project.imports:
        source, target = node_of(imp.importer), node_of(imp.target)
        if source is None or target is None or source == target or target == ROOT_PACKAGE:
            continue
        allowed = LAYERS.get(source, frozenset())
        if allowed is None or source not in LAYERS or target not in LAYERS:
            continue
        if target not in allowed:
            may = ", ".join(sorted(allowed)) or "nothing else in bot"
            problems.append(f"{imp.describe()}: {source} may import only: {may}")
    return problems


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the components with more than one node, each a list of nodes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _cycle_through(start: str, graph: Mapping[str, set[str]], within: set[str]) -> list[str]:
    """A shortest path start -> ... -> start inside one strongly connected component."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*paths[node], start]
            if nxt in within and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"{start} is in a cycle but no path leads back to it")


def find_cycles(edges: Mapping[tuple[str, str], Import], most: int = 8) -> list[str]:
    """The cycles of the graph given by ``edges``: per strongly connected component, the shortest
    cycle through each of its nodes (at most ``most``), every step with the import that makes it."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    problems = []
    for component in _strongly_connected(graph):
        cycles: dict[tuple[str, ...], list[str]] = {}
        for start in component:
            path = _cycle_through(start, graph, set(component))
            loop = path[:-1]
            turn = loop.index(min(loop))
            cycles.setdefault(tuple(loop[turn:] + loop[:turn]), path)
        lines = [f"cycle among {', '.join(component)}:"]
        for path in sorted(cycles.values(), key=len)[:most]:
            lines.append("  " + " -> ".join(path))
            lines += [f"      {a} -> {b}: {edges[a, b].at} ({edges[a, b].where})" for a, b in pairwise(path)]
        problems.append("\n  ".join(lines))
    return problems


def check_package_cycles(project: Project) -> list[str]:
    edges: dict[tuple[str, str], Import] = {}
    for imp in project.imports:
        source, target = node_of(imp.importer), node_of(imp.target)
        if source and target and source != target:
            edges.setdefault((source, target), imp)
    return find_cycles(edges)


def check_module_cycles(project: Project, package: str) -> list[str]:
    def inside(module: str) -> bool:
        return module == package or module.startswith(package + ".")

    edges: dict[tuple[str, str], Import] = {}
    for imp in project.imports:
        if inside(imp.importer) and inside(imp.target) and imp.importer != imp.target:
            edges.setdefault((imp.importer, imp.target), imp)
    return find_cycles(edges)


def report(rule: str, problems: list[str]) -> str:
    return f"{rule} ({len(problems)} violation{'s' * (len(problems) != 1)}):\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------------
# The contracts, on the real tree
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.from_disk()


def test_the_checker_sees_the_tree(project):
    names = {m.name for m in project.modules}
    assert {"bot.core.ratings", "bot.store.database", "bot.discord_adapter.client"} <= names
    assert any(i.where == "function level" for i in project.imports)


def test_core_imports_no_other_bot_package_and_no_io_framework(project):
    problems = check_core_is_pure(project)
    assert not problems, report("bot.core must stay pure Python", problems)


def test_only_the_owner_imports_discord_and_sqlite(project):
    problems = check_owned_frameworks(project)
    assert not problems, report("discord is for bot.discord_adapter, aiosqlite/sqlite3/asyncpg for bot.store", problems)


def test_sql_lives_only_in_the_store(project):
    problems = check_sql_stays_in_store(project)
    assert not problems, report("SQL outside bot/store", problems)


def test_packages_import_only_the_layers_below_them(project):
    problems = check_layers(project)
    assert not problems, report("imports against the layer table", problems)


def test_no_import_cycles_between_packages(project):
    problems = check_package_cycles(project)
    assert not problems, report("import cycles between bot's packages", problems)


def test_no_import_cycles_inside_the_discord_adapter(project):
    problems = [p for package in CYCLE_FREE_PACKAGES for p in check_module_cycles(project, package)]
    assert not problems, report("import cycles between modules of bot.discord_adapter", problems)


# ---------------------------------------------------------------------------------------------
# The checker itself can fail
# ---------------------------------------------------------------------------------------------

BROKEN = {
    "bot/__init__.py": '"""Root."""\n',
    "bot/core/__init__.py": "",
    "bot/core/models.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from bot.store.rows import Row\n"  # core -> store, only for typing: still a dependency
    ),
    "bot/core/fetch.py": "def get():\n    import aiohttp\n",  # I/O in core, inside a function
    "bot/store/__init__.py": "",
    "bot/store/rows.py": "import aiosqlite\nQUERY = 'SELECT id FROM rows'\n",  # fine: the store
    "bot/library/__init__.py": "",
    "bot/library/catalog.py": "from bot.reading import live\n",  # library -> reading: upwards
    "bot/library/schema.sql": "CREATE TABLE stories (id INTEGER);\n",
    "bot/reading/__init__.py": "",
    "bot/reading/live.py": (
        "import discord\n"
        "from ..library import catalog\n"  # relative import, closes library <-> reading
        "def move(db, n):\n"
        "    return db.execute(f'''\n        UPDATE readings SET position = {n}''')\n"
    ),
    "bot/console/__init__.py": "",
    "bot/console/app.py": "import sqlite3\nfrom bot.discord_adapter import client\n",
    "bot/discord_adapter/__init__.py": "",
    "bot/discord_adapter/client.py": "import discord\ndef hook():\n    from bot.discord_adapter import views\n",
    "bot/discord_adapter/views.py": "import importlib\nimportlib.import_module('bot.discord_adapter.client')\n",
    "bot/plugins/__init__.py": "",
    "bot/plugins/extra.py": "import bot.core.models\n",
}


def test_checker_reports_each_broken_rule():
    project = Project(BROKEN)

    core = "\n".join(check_core_is_pure(project))
    assert "bot/core/models.py:3: bot.core.models imports bot.store.rows (TYPE_CHECKING)" in core
    assert "bot/core/fetch.py:2: bot.core.fetch imports aiohttp (function level)" in core

    owned = "\n".join(check_owned_frameworks(project))
    assert "bot/reading/live.py:1" in owned and "only bot.discord_adapter may import discord" in owned
    assert "bot/console/app.py:1" in owned and "only bot.store may import sqlite3" in owned
    assert "bot/store/rows.py" not in owned and "bot/discord_adapter/client.py" not in owned

    sql = check_sql_stays_in_store(project)
    assert any(p.startswith("bot/reading/live.py:4: SQL (UPDATE)") for p in sql), sql
    assert "bot/library/schema.sql: an .sql file outside bot/store" in sql
    assert not any(p.startswith("bot/store") for p in sql)

    layers = "\n".join(check_layers(project))
    assert "bot/library/catalog.py:1: bot.library.catalog imports bot.reading.live (module level)" in layers
    assert "bot/console/app.py:2: bot.console.app imports bot.discord_adapter.client" in layers
    assert "bot.plugins is not in the layer table" in layers
    assert "bot/reading/live.py:2" not in layers  # reading may import library

    packages = "\n".join(check_package_cycles(project))
    assert "cycle among bot.library, bot.reading" in packages
    assert "bot.library -> bot.reading: bot/library/catalog.py:1 (module level)" in packages
    assert "bot.reading -> bot.library: bot/reading/live.py:2 (module level)" in packages

    modules = "\n".join(check_module_cycles(project, ADAPTER))
    assert "cycle among bot.discord_adapter.client, bot.discord_adapter.views" in modules
    assert "bot/discord_adapter/client.py:3 (function level)" in modules
    assert "bot/discord_adapter/views.py:2 (dynamic)" in modules


CLEAN = {
    "bot/__init__.py": "",
    "bot/core/__init__.py": "",
    "bot/core/models.py": '"""Models: never SELECT id FROM stories here: the store does that."""\nimport re\n',
    "bot/store/__init__.py": "",
    "bot/store/stories.py": "import aiosqlite\nfrom bot.core import models\nQ = 'SELECT * FROM stories'\n",
    "bot/store/migrations/0001.sql": "CREATE TABLE stories (id INTEGER);\n",
    "bot/library/__init__.py": "",
    "bot/library/catalog.py": "import typing\nif typing.TYPE_CHECKING:\n    from bot.store import stories\n",
    "bot/discord_adapter/__init__.py": "",
    "bot/discord_adapter/client.py": "import discord\nfrom bot.library.catalog import x\nfrom bot import services\n",
    "bot/discord_adapter/cogs/__init__.py": "",
    "bot/discord_adapter/cogs/reading.py": "from bot.discord_adapter import client\nLABEL = 'Select a story'\n",
    "bot/services.py": "from bot.library import catalog\nfrom bot.settings import Settings\n",
    "bot/settings.py": "from bot.core.models import x\n",
    "bot/__main__.py": "import bot\nfrom bot.console import app\nfrom bot.discord_adapter import client\n",
}


def test_checker_passes_a_clean_tree():
    project = Project(CLEAN)
    for check in (check_core_is_pure, check_owned_frameworks, check_sql_stays_in_store, check_layers):
        assert check(project) == [], check.__name__
    assert check_package_cycles(project) == []
    assert check_module_cycles(project, ADAPTER) == []
