"""What is built for students is what students may see. ``pip install dlkit`` (every Colab install
cell) gets the wheel; the sdist is what a package index would serve. Both must carry what dlkit
needs at run time (the registry, the embedded MNIST subset with its licence, the lab costs) and
nothing of the instructor labs' solutions. The instructor's ``dlkit demo`` finds the labs in a
checkout, or where ``--labs``/``DLKIT_LABS_DIR`` points, never inside the package."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from dlkit.instructor.student_copy import BEGIN, END, SOLUTION_TAG

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))


def solution_blocks() -> list[str]:
    """The code between each pair of solution markers in the labs, whitespace squeezed."""
    blocks = []
    for lab in LABS:
        for cell in nbformat.read(lab, as_version=4).cells:
            lines, inside = [], False
            for line in cell.source.splitlines():
                if line.strip().startswith(BEGIN):
                    inside, lines = True, []
                elif line.strip().startswith(END):
                    inside = False
                    blocks.append(" ".join(" ".join(lines).split()))
                elif inside:
                    lines.append(line)
    return blocks


def archive_files(archive: Path) -> dict[str, bytes]:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return {name: wheel.read(name) for name in wheel.namelist()}
    with tarfile.open(archive) as sdist:
        members = [member for member in sdist.getmembers() if member.isfile()]
        return {m.name.split("/", 1)[1]: sdist.extractfile(m).read() for m in members}  # no "dlkit-X/"


def leaks(files: dict[str, bytes], solutions: list[str]) -> list[str]:
    """Where a built archive shows a solution: a notebook with a solution-tagged cell or solution
    markers, or any file holding a lab's solution code."""
    found = []
    for name, content in files.items():
        text = content.decode("utf-8", errors="replace")
        if name.endswith(".ipynb"):
            for cell in json.loads(text).get("cells", []):
                source = "".join(cell.get("source", []))
                if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []) or BEGIN in source:
                    found.append(f"{name}: a solution cell")
        squeezed = " ".join(text.replace("\\n", "\n").replace('\\"', '"').split())  # notebooks escape
        found += [f"{name}: {block[:60]!r}..." for block in solutions if block in squeezed]
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    [wheel], [sdist] = out.glob("dlkit-*.whl"), out.glob("dlkit-*.tar.gz")
    twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                           capture_output=True, text=True)
    assert twine.returncode == 0, twine.stdout + twine.stderr  # an index would accept both
    return {"wheel": archive_files(wheel), "sdist": archive_files(sdist), "wheel_path": {str(wheel): b""}}


def test_the_solutions_the_leak_check_looks_for_are_there_to_find():
    solutions = solution_blocks()
    assert len(solutions) >= 5 and all(solutions)  # every lab has a Your turn with a solution
    lab_files = {lab.name: lab.read_bytes() for lab in LABS}
    assert leaks(lab_files, solutions)  # the check fires on the instructor labs themselves


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_built_packages_carry_the_runtime_data_and_no_solution(built, kind):
    files = built[kind]
    for needed in ("dlkit/data/registry.json", "dlkit/instructor/lab_costs.json",
                   "dlkit/data/embedded/mnist_subset.npz", "dlkit/data/embedded/MNIST-LICENSE.txt",
                   "dlkit/web/drawing_pad.js", "dlkit/deploy/page.js", "dlkit/classroom/student.js",
                   "dlkit/classroom/projector.html"):  # the pages' files: a page without them is blank
        assert needed in files
    assert not [name for name in files if name.endswith(".ipynb")]
    assert leaks(files, solution_blocks()) == []


def test_an_installed_wheel_has_no_labs_and_the_demo_says_where_to_find_them(built, tmp_path):
    [wheel] = built["wheel_path"]
    venv = tmp_path / "venv"  # a real install: nothing from this checkout is importable there
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
                   check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    wheel], check=True, capture_output=True)
    probe = ("import dlkit.instructor.labs as d; print(d.__file__); "
             "print(*[lab.path.name for lab in d.find_labs()])")
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    found = subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=environment,
                           capture_output=True, text=True, check=True)
    where, labs = (found.stdout.splitlines() + [""])[:2]
    assert str(venv) in where and labs == ""
    demo = subprocess.run([str(venv / "bin" / "dlkit"), "demo", "--only", "01"], cwd=tmp_path,
                          env=environment, capture_output=True, text=True)
    assert demo.returncode != 0 and "checkout" in demo.stderr and "Traceback" not in demo.stderr
    environment["DLKIT_LABS_DIR"] = str(ROOT / "labs")  # the instructor's checkout
    found = subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=environment,
                           capture_output=True, text=True, check=True)
    assert found.stdout.splitlines()[1].split() == [lab.name for lab in LABS]
    # A student's install (no instructor extra): the demo names the extra that runs notebooks.
    if subprocess.run([str(python), "-c", "import nbclient, ipykernel"], capture_output=True).returncode:
        demo = subprocess.run([str(venv / "bin" / "dlkit"), "demo", "--only", "01"], cwd=tmp_path,
                              env=environment, capture_output=True, text=True)
        assert demo.returncode == 1 and 'pip install "dlkit[instructor]"' in demo.stderr, demo.stderr
