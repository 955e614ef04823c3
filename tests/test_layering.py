"""The architecture, enforced: who may import whom, no import circles, no huge modules,
Qt only under ``ui/``.

Every rule is a function over a root directory that returns its problems, one readable
line each, so the same checker runs on the real tree and on small fake trees that show it
can fail.  Imports are read from the AST of every ``.py`` file under the product packages,
including imports inside functions (a lazy import is still a dependency).  An import
under ``if TYPE_CHECKING:`` never runs: it counts for layering, and for circles only
when asked (``circle_problems(root, type_checking=True)``).
"""

import ast
import functools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "devices", "offline_cache", "ui")
QT = ("PySide6", "shiboken6")
MAX_LINES = 600

# The layers, lowest first: package -> the packages it may import.  A module belongs to the
# longest declared name that is a prefix of its own (kiosk.central.reference.server is in
# "kiosk.central.reference", kiosk.central.client in "kiosk.central").  Every package may
# also import its own modules and ``kiosk`` itself (kiosk/__init__.py: the version).
SERVICES = frozenset(  # everything a journey may use
    {
        "kiosk.base",
        "devices",
        "offline_cache",
        "kiosk.runtime",
        "kiosk.central",
        "kiosk.catalogue",
        "kiosk.printing",
        "kiosk.face",
        "kiosk.scan",
        "kiosk.forms",
        "kiosk.calendar",
        "kiosk.payment",
        "kiosk.staff",
        "kiosk.speech",
        "kiosk.doctor",
    }
)
WIRING = frozenset({"kiosk.core", "kiosk.app", "kiosk.sync_setup"})
ALLOWED: dict[str, frozenset[str]] = {
    "kiosk": frozenset(),  # kiosk/__init__.py only: the version
    "kiosk.base": frozenset(),  # shared value types: nothing from the project
    "devices": frozenset({"kiosk.base"}),
    "offline_cache": frozenset({"kiosk.base"}),
    "kiosk.runtime": frozenset({"kiosk.base"}),
    "kiosk.central": frozenset({"kiosk.base"}),  # protocol and client
    "kiosk.central.reference": frozenset({"kiosk.base", "kiosk.central", "offline_cache"}),
    "kiosk.catalogue": frozenset({"kiosk.base", "kiosk.runtime", "kiosk.central"}),
    "kiosk.printing": frozenset({"kiosk.base", "kiosk.runtime", "kiosk.catalogue"}),
    "kiosk.face": frozenset({"kiosk.base", "kiosk.runtime", "devices"}),
    "kiosk.scan": frozenset({"kiosk.base", "devices"}),
    "kiosk.forms": frozenset({"kiosk.base", "kiosk.runtime", "kiosk.catalogue"}),
    "kiosk.calendar": frozenset({"kiosk.base", "kiosk.runtime"}),  # working days
    "kiosk.payment": frozenset({"kiosk.base", "kiosk.runtime", "kiosk.catalogue"}),  # VietQR
    # Roles, sign-in and the audit trail; spoken texts; the technician's checks.
    "kiosk.staff": frozenset(
        {"kiosk.base", "kiosk.runtime", "kiosk.central", "devices", "offline_cache"}
    ),
    "kiosk.speech": frozenset({"kiosk.base", "kiosk.runtime", "kiosk.catalogue", "devices"}),
    "kiosk.doctor": SERVICES - {"kiosk.doctor"},
    "kiosk.journeys": SERVICES,
    # The wiring (composition root, building it from settings, the sync set-up) may
    # import every layer and one another; only sync_setup starts the reference centre,
    # the demo's own centre.
    "kiosk.core": SERVICES | {"kiosk.journeys"} | WIRING,
    "kiosk.app": SERVICES | {"kiosk.journeys"} | WIRING,
    "kiosk.sync_setup": SERVICES | {"kiosk.journeys", "kiosk.central.reference"} | WIRING,
    # The command line may use anything (`kiosk central serve` runs the reference centre).
    "kiosk.cli": SERVICES | {"kiosk.journeys", "kiosk.central.reference"} | WIRING,
    "kiosk.__main__": frozenset({"kiosk.cli"}),  # python -m kiosk
    # The screens: anything but the command line and the reference centre.
    "ui": SERVICES | {"kiosk.journeys"} | WIRING,
}
# Single modules allowed more than their package.
EXTRA: dict[str, frozenset[str]] = {
    # The entry point imports ui lazily, inside the GUI commands (run, demo, demo-tour).
    "kiosk.cli.main": frozenset({"ui"}),
}
# ``kiosk`` itself is a package of subpackages: the name matches only kiosk/__init__.py,
# never a module below it, so a new subpackage under kiosk/ must be declared above.
EXACT = frozenset({"kiosk"})
ALWAYS = frozenset({"kiosk"})

# Product modules allowed over MAX_LINES lines (module -> why); keep it short.
LONG_MODULES: dict[str, str] = {}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "kiosk.core"
    path: str  # its file, relative to the root
    line: int
    target: str  # the imported module, resolved (relative imports, "from a import b")
    type_checking: bool  # under ``if TYPE_CHECKING:``: never runs

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def product_files(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Module name -> file, for every .py file under the product packages."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(
    node: ast.AST, type_checking: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement in ``node``, with whether it sits under TYPE_CHECKING."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, type_checking
    elif isinstance(node, ast.If) and _is_type_checking(node.test):
        for statement in node.body:
            yield from _import_nodes(statement, True)
        for statement in node.orelse:
            yield from _import_nodes(statement, type_checking)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _import_nodes(child, type_checking)


@functools.cache
def imports(root: Path, packages: tuple[str, ...] = PACKAGES) -> tuple[Import, ...]:
    """Every import in the product files (third-party ones included), targets resolved.

    Read once per root and test session: the rules below share it.
    """
    modules = product_files(root, packages)
    found = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(root).as_posix()
        for node, type_checking in _import_nodes(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    here = module.split(".") if is_package else module.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join(here + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # "from a import b" imports the module a.b when there is one, else a name of a.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in dict.fromkeys(targets):
                found.append(Import(module, rel, node.lineno, target, type_checking))
    return tuple(found)


def package_of(module: str, allowed: dict[str, frozenset[str]] = ALLOWED) -> str | None:
    """The declared package a module belongs to (the longest matching name), if any."""
    best = None
    for package in allowed:
        inside = module.startswith(package + ".") and package not in EXACT
        if (module == package or inside) and (best is None or len(package) > len(best)):
            best = package
    return best


def layering_problems(
    root: Path,
    allowed: dict[str, frozenset[str]] = ALLOWED,
    extra: dict[str, frozenset[str]] = EXTRA,
) -> list[str]:
    """Imports between project packages that the table does not allow."""
    problems = []
    everything = imports(root)
    for module in product_files(root):
        if package_of(module, allowed) is None:
            problems.append(f"{module} is in no package declared in the layering table")
    for imp in everything:
        if imp.target.split(".")[0] not in PACKAGES:
            continue
        source, target = package_of(imp.source, allowed), package_of(imp.target, allowed)
        if source is None or target is None:
            if source is not None:  # the source itself is already reported as undeclared
                problems.append(f"{imp.where()}: {imp.source} imports unknown {imp.target}")
            continue
        may = allowed[source] | extra.get(imp.source, frozenset()) | ALWAYS | {source}
        if target not in may:
            problems.append(
                f"{imp.where()}: {imp.source} ({source}) imports {imp.target} ({target})"
            )
    return sorted(problems)


def qt_problems(root: Path) -> list[str]:
    """Qt (or the ui package) imported outside ui/; the entry point's lazy ui imports aside."""
    problems = []
    for imp in imports(root):
        if imp.source.split(".")[0] == "ui":
            continue
        top = imp.target.split(".")[0]
        if top in QT or (top == "ui" and "ui" not in EXTRA.get(imp.source, frozenset())):
            problems.append(f"{imp.where()}: {imp.source} imports {imp.target}")
    return sorted(problems)


def import_graph(root: Path, type_checking: bool = False) -> dict[str, dict[str, Import]]:
    """Module -> {imported project module: one import that makes the edge}.

    Imports under ``if TYPE_CHECKING:`` never run; they make edges only if asked.
    """
    modules = product_files(root)
    graph: dict[str, dict[str, Import]] = {module: {} for module in modules}
    for imp in imports(root):
        if imp.type_checking and not type_checking:
            continue
        if imp.target not in modules or imp.target == imp.source:
            continue
        graph[imp.source].setdefault(imp.target, imp)
    return graph


def strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: every strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _one_cycle(graph: dict[str, dict[str, Import]], members: list[str]) -> list[Import]:
    """A shortest circle through the component's first member, as its import statements."""
    inside, start = set(members), members[0]
    came: dict[str, Import] = {}
    queue = [start]
    for node in queue:
        for target, imp in sorted(graph[node].items()):
            if target not in inside or target in came:
                continue
            came[target] = imp
            if target == start:
                path = [imp]
                while path[0].source != start:
                    path.insert(0, came[path[0].source])
                return path
            queue.append(target)
    raise AssertionError("a strongly connected component always holds a circle")


def circle_problems(root: Path, type_checking: bool = False) -> list[str]:
    """Every import circle: each strongly connected component of more than one module.

    With ``type_checking``, imports under ``if TYPE_CHECKING:`` count too (a circle of
    names between modules, although nothing loops at run time).
    """
    graph = import_graph(root, type_checking)
    problems = []
    for members in strongly_connected(graph):
        if len(members) < 2:
            continue
        steps = " -> ".join(f"{imp.source} ({imp.where()})" for imp in _one_cycle(graph, members))
        problems.append(f"import circle among {', '.join(members)}: {steps} -> {members[0]}")
    return sorted(problems)


def size_problems(
    root: Path, max_lines: int = MAX_LINES, exceptions: dict[str, str] = LONG_MODULES
) -> list[str]:
    """Product modules longer than ``max_lines`` lines, but the listed exceptions."""
    problems = []
    for module, path in product_files(root).items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > max_lines and module not in exceptions:
            problems.append(f"{path.relative_to(root)}: {lines} lines (at most {max_lines})")
    return problems


def architecture_problems(root: Path) -> list[str]:
    """Every rule at once."""
    return qt_problems(root) + layering_problems(root) + circle_problems(root) + size_problems(root)


# The real tree.


def test_core_packages_never_import_qt_or_the_ui() -> None:
    assert qt_problems(ROOT) == []


def test_the_core_loads_without_qt() -> None:
    code = (
        "import sys, kiosk.app, kiosk.core, kiosk.cli.main, devices.card.simulator, "
        "devices.camera.simulator, offline_cache.outbox; "
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_packages_import_only_the_layers_the_table_allows() -> None:
    assert layering_problems(ROOT) == []


def test_there_is_no_import_circle_not_even_between_type_names() -> None:
    assert circle_problems(ROOT, type_checking=True) == []


def test_no_product_module_is_over_600_lines() -> None:
    assert size_problems(ROOT) == []


def test_every_long_module_exception_still_exists() -> None:
    assert set(LONG_MODULES) <= set(product_files(ROOT))


# Fake trees: the checker catches what it must.


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").write_text('"""Package."""\n', encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent != root:
            init = path.parent / "__init__.py"
            if not init.exists():
                init.write_text('"""Package."""\n', encoding="utf-8")
        path.write_text(text, encoding="utf-8")
    return root


def test_a_clean_fake_tree_has_no_problem(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "kiosk/base/events.py": "import threading\n",
            "kiosk/runtime/flow.py": "from kiosk.base import events\n",
            "devices/card/base.py": "from kiosk.base.events import Signal\n",
            "kiosk/core.py": "from kiosk.runtime import flow\nfrom devices.card import base\n",
            "kiosk/cli/main.py": "def gui():\n    from ui import app\n",
            "ui/app.py": "from PySide6 import QtCore\nimport kiosk.core\n",
        },
    )
    assert architecture_problems(root) == []


def test_an_upward_import_is_reported_where_it_is(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "kiosk/runtime/session.py": '"""Session."""\n',
            "devices/card/base.py": (
                '"""Card."""\n\n\ndef read():\n    from kiosk.runtime.session import X\n'
            ),
            "kiosk/journeys/form.py": "from ..central.reference import server\n",
            "kiosk/central/reference/server.py": '"""Server."""\n',
        },
    )
    assert layering_problems(root) == [
        "devices/card/base.py:5: devices.card.base (devices) imports "
        "kiosk.runtime.session (kiosk.runtime)",
        "kiosk/journeys/form.py:1: kiosk.journeys.form (kiosk.journeys) imports "
        "kiosk.central.reference.server (kiosk.central.reference)",
    ]


def test_an_import_under_type_checking_still_counts_for_layering(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "kiosk/runtime/session.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from kiosk.catalogue.model import Catalogue\n",
            "kiosk/catalogue/model.py": '"""Model."""\n',
        },
    )
    assert layering_problems(root) == [
        "kiosk/runtime/session.py:3: kiosk.runtime.session (kiosk.runtime) imports "
        "kiosk.catalogue.model (kiosk.catalogue)"
    ]


def test_an_undeclared_package_is_reported(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"kiosk/kitchen/terminal.py": "from kiosk.base import events\n"})
    assert layering_problems(root) == [
        "kiosk.kitchen is in no package declared in the layering table",
        "kiosk.kitchen.terminal is in no package declared in the layering table",
    ]


def test_ui_outside_ui_is_reported_but_for_the_entry_point(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "kiosk/cli/main.py": "def gui():\n    from ui import app\n",
            "kiosk/cli/card.py": "import ui.app\n",
            "kiosk/scan/qr.py": "def show():\n    from PySide6.QtGui import QImage\n",
            "ui/app.py": '"""App."""\n',
        },
    )
    assert qt_problems(root) == [
        "kiosk/cli/card.py:1: kiosk.cli.card imports ui.app",
        "kiosk/scan/qr.py:2: kiosk.scan.qr imports PySide6.QtGui",
    ]


def test_a_circle_is_reported_with_its_imports(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "kiosk/catalogue/a.py": "from kiosk.catalogue import b\n",
            "kiosk/catalogue/b.py": '"""B."""\n\n\ndef late():\n    from . import a\n',
            "kiosk/catalogue/c.py": "from kiosk.catalogue import a\nimport kiosk.catalogue.c\n",
        },
    )
    assert circle_problems(root) == [
        "import circle among kiosk.catalogue.a, kiosk.catalogue.b: "
        "kiosk.catalogue.a (kiosk/catalogue/a.py:1) -> "
        "kiosk.catalogue.b (kiosk/catalogue/b.py:5) -> kiosk.catalogue.a"
    ]


def test_every_circle_is_listed_and_type_checking_imports_break_none(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "devices/x.py": "import devices.y\n",
            "devices/y.py": "import devices.z\n",
            "devices/z.py": "import devices.x\n",
            "offline_cache/p.py": "from offline_cache import q\n",
            "offline_cache/q.py": "from offline_cache.p import thing\n",
            "kiosk/forms/m.py": "from kiosk.forms import n\n",
            "kiosk/forms/n.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from kiosk.forms import m\n",
        },
    )
    problems = circle_problems(root)
    assert [problem.split(":")[0] for problem in problems] == [
        "import circle among devices.x, devices.y, devices.z",
        "import circle among offline_cache.p, offline_cache.q",
    ]
    asked = circle_problems(root, type_checking=True)
    assert [problem.split(":")[0] for problem in asked] == [
        "import circle among devices.x, devices.y, devices.z",
        "import circle among kiosk.forms.m, kiosk.forms.n",
        "import circle among offline_cache.p, offline_cache.q",
    ]


def test_a_long_module_is_reported_unless_excepted(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"kiosk/core.py": "x = 1\n" * 601, "kiosk/app.py": "y = 2\n"})
    assert size_problems(root) == ["kiosk/core.py: 601 lines (at most 600)"]
    assert size_problems(root, exceptions={"kiosk.core": "being split"}) == []
