"""The run profile switch read by every lab."""

import pytest

from dlkit.course.profiles import current_profile


def test_default_profile_is_full():
    assert current_profile().name == "full"
    assert current_profile().choose(full=5, quick=1) == 5


def test_quick_profile_chooses_the_quick_value(monkeypatch):
    monkeypatch.setenv("DLKIT_PROFILE", "Quick")
    assert current_profile().quick
    assert current_profile().choose(full=60_000, quick=3_000) == 3_000


def test_unknown_profile_is_an_error_naming_the_choices(monkeypatch):
    monkeypatch.setenv("DLKIT_PROFILE", "fast")
    with pytest.raises(ValueError, match="quick"):
        current_profile()
