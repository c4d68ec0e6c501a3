"""Plain-text tables for the command line (no dependency, readable in any terminal or log)."""

from __future__ import annotations

from collections.abc import Sequence


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns separated by two spaces, with a dashed rule under the headers. A cell
    holding several lines ("\\n") keeps them one under another, so a row with many results stays as
    narrow as its longest result instead of running off a projector's terminal."""
    cells = [[str(value).split("\n") for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(line) for row in cells for line in row[column]))
              for column, h in enumerate(headers)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        for depth in range(max(len(cell) for cell in row)):
            parts = [cell[depth] if depth < len(cell) else "" for cell in row]
            lines.append("  ".join(v.ljust(w) for v, w in zip(parts, widths, strict=True)).rstrip())
    return "\n".join(lines)
