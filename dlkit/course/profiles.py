"""One switch for how big a run is: ``$DLKIT_PROFILE`` is ``quick`` (small data, few epochs: CI,
``dlkit demo``, a rehearsal) or ``full`` (the real data and epochs; the default).

Labs ask the profile for each size instead of testing the variable themselves::

    profile = current_profile()
    epochs = profile.choose(full=5, quick=1)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

PROFILE_VARIABLE = "DLKIT_PROFILE"
PROFILES = ("quick", "full")
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
    """The profile named by ``$DLKIT_PROFILE`` (default ``full``); rejects unknown names."""
    name = os.environ.get(PROFILE_VARIABLE, "full").strip().lower() or "full"
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_VARIABLE}={name!r} is not a profile; use one of {PROFILES}")
    return Profile(name)
