"""Old import path, kept for labs already handed out: the code lives in ``dlkit.course.profiles``."""

from dlkit.course.profiles import current_profile

__all__ = ["current_profile"]
