"""Old import path, kept for labs already handed out: the code lives in ``dlkit.course.ponies``."""

from dlkit.course.ponies import CLASS_NAMES, PONY_CLASSES, draw_pony, generate_ponies, pony_splits

__all__ = ["CLASS_NAMES", "PONY_CLASSES", "draw_pony", "generate_ponies", "pony_splits"]
