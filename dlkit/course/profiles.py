"""One switch for how big a run is: the profile, ``quick`` (small data, few epochs: CI, ``dlkit
demo``, a rehearsal) or ``full`` (the real data and epochs; the default), set by ``$DLKIT_PROFILE``
(read by ``dlkit.settings``, with every other setting).

Labs ask the profile for each size instead of testing the variable themselves::

    profile = current_profile()
    epochs = profile.choose(full=5, quick=1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from dlkit.settings import DEFAULT_PROFILE, PROFILES, current

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Profile", "current_profile"]

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """The active run profile; ``choose`` picks the value that belongs to it."""

    name: str

    @property
    def quick(self) -> bool:
        return self.name == "quick"

    def choose(self, *, full: T, quick: T) -> T:
        """``quick`` in the quick profile, ``full`` otherwise."""
        return quick if self.quick else full


def current_profile() -> Profile:
    """The profile ``$DLKIT_PROFILE`` names (default ``full``); an unknown name is a ``SettingError``."""
    return Profile(current().profile)
