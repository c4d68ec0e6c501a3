"""Every lower bound pyproject.toml declares is a version CI installs and tests: the runtime
requirements and the instructor, dask and test extras' in the oldest set (.ci/oldest.txt, Python
3.10), the deploy extra's in its own (.ci/oldest-deploy.txt, Python 3.11), the site extra's where
the site is built (.ci/oldest-site.txt). A floor raised or added without its pin fails here. (The
lab extra's JupyterLab, for a student's own machine, has no floor: CI never runs it.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOOR = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*>=\s*([^,;\s]+)")
SETS = {
    "oldest.txt": ("dependencies", "instructor", "dask", "test"),
    "oldest-deploy.txt": ("deploy",),
    "oldest-site.txt": ("site",),
}
# The test extra's HTTP client, browser driver and axe-core run the service and page tests: those run in the
# deploy extra's oldest set, where they are pinned.
PINNED_ELSEWHERE = {("test", "httpx"): "oldest-deploy.txt", ("test", "playwright"): "oldest-deploy.txt",
                    ("test", "axe-playwright-python"): "oldest-deploy.txt"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, list[str]]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; CI's first step runs this on 3.13
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"dependencies": project["dependencies"], **project["optional-dependencies"]}


def pins(file_name: str) -> dict[str, str]:
    lines = (ROOT / ".ci" / file_name).read_text(encoding="utf-8").splitlines()
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[canonical(name)] = version.strip()
    return found


def test_every_declared_floor_is_pinned_in_an_oldest_set_ci_installs():
    groups = declared()
    checked = 0
    for file_name, group_names in SETS.items():
        for group in group_names:
            for requirement in groups[group]:
                match = FLOOR.match(requirement)
                if not match:
                    continue
                name, floor = canonical(match[1]), match[2]
                where = PINNED_ELSEWHERE.get((group, name), file_name)
                pinned = pins(where).get(name, "")
                # the floor's own release, to the floor's precision: >=2.16 is tested by 2.16.2
                assert pinned == floor or pinned.startswith(floor + "."), (
                    f"pyproject.toml's {group} declares {name}>={floor}, but .ci/{where} installs "
                    f"{name} {pinned or 'at no pinned version'}: pin the floor's release, so it is tested"
                )
                checked += 1
    assert checked >= 30  # the scan found the floors (runtime, extras)


def test_every_group_with_floors_has_its_set():
    covered = {group for groups in SETS.values() for group in groups}
    with_floors = {group for group, requirements in declared().items()
                   if any(FLOOR.match(requirement) for requirement in requirements)}
    assert with_floors <= covered, f"extras with floors CI does not pin: {sorted(with_floors - covered)}"
