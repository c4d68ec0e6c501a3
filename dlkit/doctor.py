"""Old import path, kept for labs already handed out: the code lives in ``dlkit.runtime``."""

from dlkit.runtime import versions_line

__all__ = ["versions_line"]
