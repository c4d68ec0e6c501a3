"""A package's public names, each imported from its own module when first used (PEP 562).

``dlkit.deploy`` and ``dlkit.classroom`` declare their API in ``__init__`` but import nothing there,
so that importing one small module of theirs (a model card, a server) does not load numpy, Keras or
FastAPI. Each maps its names to their modules and hands the map to ``lazy_names``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` whose public names live in the modules
    ``where`` gives: a name is imported when first read, then kept in the package like any other."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
