"""Write docs/reference.md's generated parts: the environment variables from dlkit's settings
(``dlkit.settings.VARIABLES``) and the commands from dlkit's own argument parser, so the reference
says what the code reads and what `dlkit COMMAND --help` says (one source each).

    python tools/cli_reference.py           # rewrite the block between the markers
    python tools/cli_reference.py --check   # exit 1 when the page is out of date (the tests run this)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "reference.md"
START, END = "<!-- cli-reference -->", "<!-- /cli-reference -->"
VARIABLES_START, VARIABLES_END = "<!-- settings-reference -->", "<!-- /settings-reference -->"


def variables_table() -> str:
    """Every DLKIT_* variable dlkit reads, with what it does and its default."""
    from dlkit.settings import VARIABLES

    rows = [f"| `{v.name}` | {v.meaning} | {v.default} |" for v in VARIABLES]
    lines = ["| variable | what it does | default |", "|---|---|---|", *rows,
             "| `KERAS_BACKEND` | Keras' own: `tensorflow`, `jax` or `torch`, set before Keras is first "
             "imported (each lab's first cell) | `tensorflow` |"]
    return "\n".join([VARIABLES_START, "", *lines, "", VARIABLES_END])


def rendered() -> str:
    """Every subcommand's help, as `--help` prints it, at a fixed width."""
    import os

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the page must not depend on it
    from dlkit.instructor.cli import build_parser

    parser = build_parser()
    subparsers = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    parts = [START, "", "```text", parser.format_help().rstrip(), "```"]
    for name, command in subparsers.choices.items():
        parts += ["", f"### `dlkit {name}`", "", "```text", command.format_help().rstrip(), "```"]
    return "\n".join([*parts, "", END])


def main(argv: list[str]) -> int:
    check = "--check" in argv
    page = PAGE.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(page):
        raise SystemExit(f"{PAGE} has no {START} ... {END} block to fill")
    new = pattern.sub(lambda _: rendered(), page)
    variables = re.compile(re.escape(VARIABLES_START) + ".*?" + re.escape(VARIABLES_END), re.DOTALL)
    if not variables.search(new):
        raise SystemExit(f"{PAGE} has no {VARIABLES_START} ... {VARIABLES_END} block to fill")
    new = variables.sub(lambda _: variables_table(), new)
    if new == page:
        return 0
    if check:
        print(f"{PAGE.relative_to(ROOT)} is out of date: run python tools/cli_reference.py", file=sys.stderr)
        return 1
    PAGE.write_text(new)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
