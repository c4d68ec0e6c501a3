"""dlkit's settings: every DLKIT_* variable read in one place, checked, folders made absolute, and
written whole into a kernel's environment, so a child sees what its parent meant."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from dlkit.settings import VARIABLES, SettingError, Settings, current

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_when_nothing_is_set():
    settings = Settings.from_environment({})
    assert (settings.profile, settings.offline, settings.data_dir, settings.cpu_precision) == (
        "full", False, None, "auto")
    assert settings.cache_dir is None and settings.cache_folder().is_absolute()


def test_values_are_read_checked_and_folders_made_absolute_against_where_they_were_read(tmp_path):
    settings = Settings.from_environment(
        {"DLKIT_PROFILE": " Quick ", "DLKIT_OFFLINE": "yes", "DLKIT_DATA_DIR": "data",
         "DLKIT_CACHE_DIR": "~/cache", "DLKIT_CPU_PRECISION": "float32"},
        base=tmp_path,
    )
    assert settings.profile == "quick" and settings.offline and settings.cpu_precision == "float32"
    assert settings.data_dir == tmp_path / "data"
    assert settings.cache_dir == Path("~/cache").expanduser()


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DLKIT_PROFILE", "fast", "quick, full"),
        ("DLKIT_OFFLINE", "maybe", "1, true, yes or on"),
        ("DLKIT_CPU_PRECISION", "float16", "auto, measure, float32, bfloat16"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_variable_and_the_choices(variable, value, says):
    with pytest.raises(SettingError, match=re.escape(says)) as refused:
        Settings.from_environment({variable: value})
    assert variable in str(refused.value)


def test_offline_takes_the_words_people_write_and_nothing_else():
    for word in ("1", "true", "YES", "on"):
        assert Settings.from_environment({"DLKIT_OFFLINE": word}).offline
    for word in ("", "0", "false", "No", "off"):
        assert not Settings.from_environment({"DLKIT_OFFLINE": word}).offline


def test_a_kernel_gets_every_setting_so_none_of_its_parents_leaks_in(tmp_path, monkeypatch):
    from dlkit.instructor.notebook_runner import environment_for

    monkeypatch.setenv("DLKIT_DATA_DIR", str(tmp_path / "the-parents-data"))
    chosen = Settings(profile="quick", offline=True, cache_dir=tmp_path / "cache")
    environment = environment_for(chosen, MPLBACKEND="Agg")
    assert environment["DLKIT_DATA_DIR"] == ""  # not the parent's folder
    assert Settings.from_environment(environment) == chosen  # the child reads back what was meant
    default_cache = Settings(profile="quick")
    read_back = Settings.from_environment(environment_for(default_cache))
    assert read_back.cache_folder() == default_cache.cache_folder()
    assert environment["MPLBACKEND"] == "Agg" and environment["PATH"] == os.environ["PATH"]


def test_a_relative_data_folder_points_the_grader_and_its_kernel_at_one_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLKIT_DATA_DIR", "shared-data")
    assert current().data_dir == tmp_path / "shared-data"
    kernel = Settings.from_environment(current().for_kernel(), base=Path("/somewhere/else"))
    assert kernel.data_dir == tmp_path / "shared-data"


def test_settings_are_the_only_reader_of_dlkit_variables():
    """No other module of dlkit reads a DLKIT_* variable from the environment."""
    readers = []
    for path in (ROOT / "dlkit").rglob("*.py"):
        if path.name == "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(
                r"DLKIT_[A-Z_]+", node.value
            ):
                readers.append(f"{path.relative_to(ROOT)}: {node.value}")
    assert readers == []


def test_the_reference_table_lists_every_variable_the_settings_read():
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(DLKIT_[A-Z_]+)` \|", reference, re.MULTILINE))
    assert listed == {variable.name for variable in VARIABLES}
    assert {variable.field for variable in VARIABLES} == set(Settings.__dataclass_fields__)
