"""The package's layout holds: every import a lab makes works (today's labs and the ones already
handed out), imports go one way between the rooms, and every package declares its public API."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dlkit"
LAB_IMPORT = re.compile(r"^\s*(from dlkit[\w.]* import [^\n#]+|import dlkit[\w.]*)", re.MULTILINE)

# The dlkit imports of the labs as students received them before the package was split into
# rooms (labs/*.ipynb at the commit before the restructuring). Their copies must keep working.
HANDED_OUT = [  # noqa: E501 (import lines as the labs wrote them)
    "from dlkit import check",
    "from dlkit import check, deck_examples",
    "from dlkit.convolution import conv2d_valid, format_matrix, match_filter, max_pool, relu, truncate",
    "from dlkit.datasets import load_image_folder",
    "from dlkit.datasets import load_mnist",
    "from dlkit.doctor import versions_line",
    "from dlkit.evaluate import classification_report, confusion_matrix, format_classification_report, top_mistakes",  # noqa: E501
    "from dlkit.evaluate import confusion_matrix, top_mistakes",
    "from dlkit.evaluate import regression_report",
    "from dlkit.live_plot import LiveHistoryPlot",
    "from dlkit.plots import plot_confusion_matrix, plot_feature_maps, plot_filters, plot_history, show_mistakes",  # noqa: E501
    "from dlkit.plots import plot_confusion_matrix, plot_history, plot_prediction, show_images, show_mistakes",  # noqa: E501
    "from dlkit.ponies import PONY_CLASSES, draw_pony, pony_splits",
    "from dlkit.pretrained import decode_predictions, imagenet_class_names, load_base, load_photos",
    "from dlkit.pretrained import preprocess_input, requested_weights",
    "from dlkit.profiles import current_profile",
    "from dlkit.repeatability import set_seed",
    "from dlkit.results import load_history",
    "from dlkit.results import save_history",
    "from dlkit.runtime import pick_runtime",
]


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


@pytest.mark.parametrize("statement", sorted(set(current_lab_imports()) | set(HANDED_OUT)))
def test_every_import_a_lab_makes_works_in_a_fresh_interpreter(statement):
    run = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True, check=False)
    assert run.returncode == 0, f"{statement}\n{run.stderr[-1500:]}"


def test_old_paths_reach_the_same_objects_as_the_new_ones():
    from dlkit import check as old_check
    from dlkit.convolution import max_pool as old_max_pool
    from dlkit.course import check
    from dlkit.course.convolution import max_pool
    from dlkit.course.profiles import current_profile
    from dlkit.profiles import current_profile as old_current_profile

    assert old_check is check and old_max_pool is max_pool and old_current_profile is current_profile


# Imports go one way: instructor -> lab modules -> course -> data -> errors.
ROOMS = {"errors": 0, "data": 1, "course": 2, "lab": 3, "instructor": 4}
OLD_PATHS = {"convolution", "doctor", "ponies", "profiles", "repeatability", "results"}


def room_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "lab"  # the package itself
    if parts[1] in ("errors", "data", "course", "instructor"):
        return parts[1]
    return "lab"  # datasets, plots, evaluate, runtime, pretrained, live_plot (and the old paths)


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
        if importer.split(".")[-1] in OLD_PATHS and importer.count(".") == 1:
            continue  # an old path re-exports from wherever its code went
        for imported in dlkit_imports(path):
            if importlib.util.find_spec(imported.rsplit(".", 1)[0]) is None:
                continue
            if imported == "dlkit":  # `import dlkit` for its version
                continue
            if ROOMS[room_of(imported)] > ROOMS[room_of(importer)]:
                wrong.append(f"{importer} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_nothing_in_dlkit_imports_an_old_path():
    old = {f"dlkit.{name}" for name in OLD_PATHS}
    users = [
        f"{module_name(path)} imports {imported}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not (path.parent == PACKAGE and path.stem in OLD_PATHS)
        for imported in dlkit_imports(path)
        if imported in old or imported.rsplit(".", 1)[0] in old
    ]
    assert not users, users


PACKAGES = sorted(module_name(init.parent / "__init__.py") for init in PACKAGE.rglob("__init__.py"))


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "dlkit.data.embedded"])
def test_every_package_declares_its_public_api_and_every_name_in_it_exists(package):
    module = importlib.import_module(package)
    assert isinstance(getattr(module, "__all__", None), list), f"{package} has no __all__"
    for name in module.__all__:
        assert getattr(module, name, None) is not None or importlib.util.find_spec(f"{package}.{name}"), (
            f"{package}.__all__ names {name}, which does not exist"
        )
