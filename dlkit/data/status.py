"""Where a registry file is and whether it verifies, without changing or downloading anything:
what ``dlkit datasets`` and ``dlkit doctor`` report. It walks the same search order as loading
(``dlkit.data.search``), so "verified" here means loading will use that copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlkit.data.registry import RegistryEntry, RegistryFile
from dlkit.data.search import search


@dataclass(frozen=True)
class FileStatus:
    """What ``inspect`` found for a file: "verified", "corrupt" or "missing", and where."""

    status: str
    path: Path | None
    detail: str


def inspect(entry: RegistryEntry, file: RegistryFile) -> FileStatus:
    """The copy loading would use and whether it verifies, changing nothing.

    "verified": loading uses that copy (bad copies passed over on the way are named in
    ``detail``); "corrupt": loading would refuse a copy in the user's folder, or finds only bad
    copies; "missing": no copy anywhere.
    """
    findings = list(search(entry, file))
    if not findings:
        return FileStatus("missing", None, f"`dlkit fetch {entry.name}` gets it")
    last = findings[-1]
    passed_over = "".join(
        f"; passed over {f.candidate.source}: {f.problem}" for f in findings if not f.verified
    )
    where = last.candidate.source
    if last.verified:
        return FileStatus("verified", last.candidate.path, f"{where}: {last.version.name}{passed_over}")
    if last.candidate.bad_copy_stops_search:
        detail = f"{where}: {last.problem}; loading stops here (the user's file is left unchanged)"
        return FileStatus("corrupt", last.candidate.path, detail)
    first = findings[0]
    return FileStatus("corrupt", first.candidate.path, f"{first.candidate.source}: {first.problem}")
