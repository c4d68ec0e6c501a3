"""The ``dlkit`` command: one grammar for every sub-command.

- data: ``fetch``, ``datasets``, ``doctor``, ``check-folder``, ``ponies`` (``data_commands``);
- labs: ``demo``, ``student-copy``, ``grade``, each naming labs the same way (``lab_commands``);
- serving: ``serve`` and ``classroom serve|export|delete`` (``serving_commands``).

Shared options and the types that validate every number are in ``options``; every default comes
from the API the option feeds. Errors print as one readable line, and the exit status says how it
went (0 fine, 1 a failure dlkit explains, 2 a command line it could not read, 130 interrupted).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dlkit.errors import DlkitError
from dlkit.instructor.cli.data_commands import add_data_commands
from dlkit.instructor.cli.lab_commands import add_lab_commands
from dlkit.instructor.cli.serving_commands import CLASSROOM_COMMANDS, add_serving_commands

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlkit", description="Helpers for the dlkit deep-learning labs.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_data_commands(commands)
    add_lab_commands(commands)
    add_serving_commands(commands)
    return parser


def _with_classroom_action(argv: list[str]) -> list[str]:
    """``dlkit classroom MODEL ...`` as ``dlkit classroom serve MODEL ...`` (the short form people type)."""
    if len(argv) >= 2 and argv[0] == "classroom" and argv[1] not in (*CLASSROOM_COMMANDS, "-h", "--help"):
        return [argv[0], "serve", *argv[1:]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    argv = _with_classroom_action(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DlkitError as error:
        print(f"dlkit: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dlkit: interrupted", file=sys.stderr)
        return 130

