"""The version folders of a knowledge index, and the ``CURRENT`` pointer to the one served.

``INDEX_DIR/versions/<version>`` holds one complete build; ``INDEX_DIR/CURRENT`` names the
version the bot serves and is replaced in one atomic rename. A version folder without its
``meta.json`` is incomplete and never served.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

__all__ = ["FORMAT", "KEEP_VERSIONS", "current_version", "version_dir", "point_current_at", "prune"]

# The layout of a version folder; a build never reuses a version of another format.
FORMAT = 2
KEEP_VERSIONS = 3


def current_version(index_dir: Path) -> str | None:
    """The version named by ``INDEX_DIR/CURRENT``, if it exists and is complete."""
    try:
        name = (Path(index_dir) / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if name and (Path(index_dir) / "versions" / name / "meta.json").is_file():
        return name
    return None


def version_dir(index_dir: Path, version: str) -> Path:
    """The folder of ``version`` under ``index_dir``."""
    return Path(index_dir) / "versions" / version


def point_current_at(index_dir: Path, version: str) -> None:
    """Make ``version`` the one served, in one atomic rename."""
    tmp = index_dir / f".CURRENT.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / "CURRENT")


def prune(index_dir: Path, keep: set[str]) -> None:
    """Keep the newest versions (and any named in ``keep``); remove the rest."""
    versions = index_dir / "versions"
    complete = sorted(
        (p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
        reverse=True,
    )
    for old in complete[KEEP_VERSIONS:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in versions.glob(".building-*"):
        if time.time() - stale.stat().st_mtime > 24 * 3600:
            shutil.rmtree(stale, ignore_errors=True)
