"""dlkit's settings: every ``DLKIT_*`` environment variable, read in this one place into one frozen
object, and written from it into the environment of every kernel dlkit starts.

``current()`` reads the environment each time it is called (a notebook may change a variable
between cells; the test suite gives each test its own cache), checks every value and makes every
folder absolute against the folder it was read in, so two processes handed the same settings
point at the same places. ``Settings.for_kernel()`` is the only way dlkit hands settings to a
child: the demo's kernels, the grader's sandboxed ones, the benchmarks' processes.

The table of variables in ``docs/reference.md`` is written from ``VARIABLES`` by
``tools/cli_reference.py``: one source for every name, meaning and default.

Example:
    >>> from dlkit.settings import current
    >>> current().profile
    'full'
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dlkit.errors import DlkitError

__all__ = [
    "DEFAULT_PROFILE",
    "PRECISIONS",
    "PROFILES",
    "VARIABLES",
    "Settings",
    "SettingError",
    "Variable",
    "current",
    "variable_of",
]

PROFILES = ("quick", "full")
DEFAULT_PROFILE = "full"  # a lab opened on its own reaches the real accuracies and asserts its lesson
PRECISIONS = ("auto", "measure", "float32", "bfloat16")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")


class SettingError(DlkitError, ValueError):
    """An environment variable holds a value dlkit cannot use; the message names it and the choices."""


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, the setting it fills, what it means and its default."""

    name: str
    field: str
    meaning: str
    default: str


VARIABLES = (
    Variable("DLKIT_PROFILE", "profile",
             "`full` (all the data, the real accuracies, each lab asserts its lesson) or `quick` (a few "
             "thousand examples and epochs: CI, rehearsals; `dlkit demo` and `dlkit grade` run it unless "
             "told otherwise)", DEFAULT_PROFILE),
    Variable("DLKIT_DATA_DIR", "data_dir",
             "a folder of your own copies of the datasets, searched first (e.g. the full MNIST for an "
             "offline classroom); read-only to dlkit", "none"),
    Variable("DLKIT_WEIGHTS_DIR", "weights_dir",
             "a folder of pretrained weights (VGG16's ImageNet files, EfficientNet-Lite0's checkpoint), "
             "searched first; read-only to dlkit", "none"),
    Variable("DLKIT_CACHE_DIR", "cache_dir",
             "dlkit's cache: fetched datasets and weights, converted weights, pony folders, saved "
             "histories, the bfloat16 measurement", "the platform's user cache folder"),
    Variable("DLKIT_OFFLINE", "offline",
             "`1`, `true`, `yes` or `on`: never use the network; a file that is not on the machine is an "
             "error naming what to fetch (`0`, `false`, `no`, `off` or unset: downloads allowed)", "unset"),
    Variable("DLKIT_CPU_PRECISION", "cpu_precision",
             "on a CPU: `auto` (use the stored bfloat16 measurement, measuring once), `measure` (measure "
             "again), `float32` or `bfloat16` (choose by hand)", "auto"),
    Variable("DLKIT_LABS_DIR", "labs_dir",
             "where `dlkit demo`, `dlkit grade` and `dlkit student-copy` find the instructor's labs when "
             "not run from a checkout", "the checkout's `labs/`"),
)


def _default_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("dlkit"))


def _folder(value: str | None, base: Path) -> Path | None:
    """A folder named in a variable, absolute: ``~`` expanded, a relative one taken from ``base``."""
    if not value or not value.strip():
        return None
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else (base / path).absolute()


def _choice(name: str, value: str | None, choices: tuple[str, ...], default: str) -> str:
    word = (value or "").strip().lower() or default
    if word not in choices:
        raise SettingError(f"{name}={value!r} is not a choice; use one of {', '.join(choices)}")
    return word


def _flag(name: str, value: str | None) -> bool:
    word = (value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(f"{name}={value!r}: use 1, true, yes or on (or 0, false, no, off)")


@dataclass(frozen=True)
class Settings:
    """Everything the ``DLKIT_*`` variables set, checked, folders absolute."""

    profile: str = DEFAULT_PROFILE
    offline: bool = False
    data_dir: Path | None = None
    weights_dir: Path | None = None
    cache_dir: Path | None = None  # None: the platform's user cache folder (``cache_folder``)
    cpu_precision: str = "auto"
    labs_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise SettingError(f"profile {self.profile!r} is not one of {', '.join(PROFILES)}")
        if self.cpu_precision not in PRECISIONS:
            raise SettingError(f"CPU precision {self.cpu_precision!r} is not one of {', '.join(PRECISIONS)}")

    @classmethod
    def from_environment(
        cls, environment: Mapping[str, str] | None = None, base: Path | None = None
    ) -> Settings:
        """The settings ``environment`` (default: this process's) gives, relative folders taken from
        ``base`` (default: the current folder). Raises ``SettingError`` naming a bad value."""
        env = os.environ if environment is None else environment
        base = base or Path.cwd()
        return cls(
            profile=_choice("DLKIT_PROFILE", env.get("DLKIT_PROFILE"), PROFILES, DEFAULT_PROFILE),
            offline=_flag("DLKIT_OFFLINE", env.get("DLKIT_OFFLINE")),
            data_dir=_folder(env.get("DLKIT_DATA_DIR"), base),
            weights_dir=_folder(env.get("DLKIT_WEIGHTS_DIR"), base),
            cache_dir=_folder(env.get("DLKIT_CACHE_DIR"), base),
            cpu_precision=_choice("DLKIT_CPU_PRECISION", env.get("DLKIT_CPU_PRECISION"), PRECISIONS, "auto"),
            labs_dir=_folder(env.get("DLKIT_LABS_DIR"), base),
        )

    def cache_folder(self) -> Path:
        """dlkit's cache: ``cache_dir``, or the platform's user cache folder (e.g. ~/.cache/dlkit)."""
        return self.cache_dir or _default_cache()

    def replace(self, **changes) -> Settings:
        """These settings with some changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def for_kernel(self) -> dict[str, str]:
        """The ``DLKIT_*`` variables that give a child process (a kernel) these same settings: the
        one place dlkit writes them. Settings at their default are written too, so a child never
        falls back on a variable of its parent's."""
        values = {
            "DLKIT_PROFILE": self.profile,
            "DLKIT_OFFLINE": "1" if self.offline else "0",
            "DLKIT_CACHE_DIR": str(self.cache_folder()),
            "DLKIT_CPU_PRECISION": self.cpu_precision,
        }
        for name, folder in (("DLKIT_DATA_DIR", self.data_dir), ("DLKIT_WEIGHTS_DIR", self.weights_dir),
                             ("DLKIT_LABS_DIR", self.labs_dir)):
            values[name] = str(folder) if folder else ""
        return values


def variable_of(field: str) -> str:
    """The environment variable that sets ``field`` ("data_dir" -> "DLKIT_DATA_DIR"), for messages."""
    return next(variable.name for variable in VARIABLES if variable.field == field)


def current() -> Settings:
    """The settings this process's environment gives now."""
    return Settings.from_environment()
