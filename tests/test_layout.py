"""The package's layout holds: every import a lab makes works, imports go one way between the
rooms and never in a circle, `dlkit demo` starts light, and every package declares its public API."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import nbformat
import pytest
from fresh_interpreter import FreshRun

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dlkit"
LAB_IMPORT = re.compile(r"^\s*(from dlkit[\w.]* import [^\n#]+|import dlkit[\w.]*)", re.MULTILINE)


def current_lab_imports() -> list[str]:
    found = set()
    for lab in sorted((ROOT / "labs").glob("*.ipynb")):
        for cell in nbformat.read(lab, as_version=4).cells:
            if cell.cell_type == "code":
                found.update(match.strip() for match in LAB_IMPORT.findall(cell.source))
    return sorted(found)


def test_the_labs_import_dlkit_and_the_scan_finds_them():
    imports = current_lab_imports()
    assert len(imports) >= 15, imports  # every lab's setup cell imports several dlkit modules
    assert any("load_mnist" in line for line in imports)


LAB_IMPORTS = FreshRun([sys.executable, "-c", "\n".join(current_lab_imports())])


@pytest.mark.fresh_interpreter(LAB_IMPORTS)
def test_every_import_the_labs_make_works_in_one_fresh_interpreter():
    run = LAB_IMPORTS.outcome()
    assert run.returncode == 0, run.stderr[-2000:]


# Imports go one way: instructor -> lab modules -> course -> data -> settings -> errors.
ROOMS = {"errors": 0, "settings": 0.5, "data": 1, "course": 2, "lab": 3, "instructor": 4}


def room_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "lab"  # the package itself
    if parts[1] in ("errors", "settings", "data", "course", "instructor"):
        return parts[1]
    return "lab"  # datasets, plots, evaluate, runtime, precision, pretrained, frozen_base, live_plot, deploy


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def dlkit_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dlkit"):
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("dlkit"))
    return names


def test_imports_go_one_way_between_the_rooms():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for imported in dlkit_imports(path):
            if importlib.util.find_spec(imported.rsplit(".", 1)[0]) is None:
                continue
            if imported == "dlkit":  # `import dlkit` for its version
                continue
            if ROOMS[room_of(imported)] > ROOMS[room_of(importer)]:
                wrong.append(f"{importer} imports {imported}")
    assert not wrong, "\n".join(wrong)


def dlkit_module_of(imported: str) -> str | None:
    """The dlkit module an imported name lives in: ``dlkit.deploy.server.create_app`` ->
    ``dlkit.deploy.server``; None for a name that is not in dlkit."""
    while imported.startswith("dlkit"):
        path = ROOT / Path(*imported.split("."))
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return imported
        imported = imported.rpartition(".")[0]
    return None


def imported_modules(path: Path) -> set[str]:
    """The dlkit modules ``path`` imports, at its top or inside a function: ``from dlkit.data import
    locations`` imports the module ``dlkit.data.locations`` (and runs the package's ``__init__``,
    which is not counted as an import of the package's contents)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dlkit"):
            submodules = {dlkit_module_of(f"{node.module}.{alias.name}") for alias in node.names}
            named = {module for module in submodules if module != node.module}
            modules |= named if len(named) == len(node.names) else named | {dlkit_module_of(node.module)}
        elif isinstance(node, ast.Import):
            modules |= {dlkit_module_of(alias.name) for alias in node.names}
    return {module for module in modules if module}


def import_graph() -> dict[str, set[str]]:
    """Each dlkit module and the dlkit modules it imports."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        graph[importer] = imported_modules(path) - {importer, "dlkit"}
    return graph


def test_no_two_modules_import_each_other_even_inside_a_function():
    try:
        tuple(TopologicalSorter(import_graph()).static_order())
    except CycleError as circle:
        pytest.fail(f"an import circle: {' -> '.join(circle.args[1])}")


def test_the_circle_check_finds_a_circle_made_inside_a_function(tmp_path, monkeypatch):
    graph = import_graph()
    graph["dlkit.data.registry"] = graph["dlkit.data.registry"] | {"dlkit.data.fetch"}
    with pytest.raises(CycleError):  # fetch imports registry; registry importing fetch back closes it
        tuple(TopologicalSorter(graph).static_order())
    assert "dlkit.data.registry" in import_graph()["dlkit.data.fetch"]


def test_dlkit_demo_starts_on_the_standard_library_alone():
    # `dlkit demo` on a bare install must get as far as saying where the labs are (2814dbe was a
    # revert: pooch pulled into its start printed a traceback instead): no TensorFlow, Keras,
    # NumPy, pooch, platformdirs or any other package before it has labs to run.
    probe = (
        "import sys\n"
        "from dlkit.instructor import cli\n"
        "try:\n"
        "    cli.main(['demo', '--labs', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "imported = {name.split('.')[0] for name in sys.modules if not name.startswith('__editable__')}\n"
        "print(sorted(imported - set(sys.stdlib_module_names) - {'dlkit', '__main__', '_distutils_hack'}))"
    )
    empty = ROOT / "tests"  # a folder with no lab notebooks in it
    run = subprocess.run([sys.executable, "-c", probe, str(empty)], capture_output=True, text=True)
    assert "no lab notebooks" in run.stdout + run.stderr, run.stderr[-1500:]
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stdout


PACKAGES = sorted(module_name(init.parent / "__init__.py") for init in PACKAGE.rglob("__init__.py"))


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "dlkit.data.embedded"])
def test_every_package_declares_its_public_api_and_every_name_in_it_exists(package):
    module = importlib.import_module(package)
    assert isinstance(getattr(module, "__all__", None), list), f"{package} has no __all__"
    for name in module.__all__:
        assert getattr(module, name, None) is not None or importlib.util.find_spec(f"{package}.{name}"), (
            f"{package}.__all__ names {name}, which does not exist"
        )
