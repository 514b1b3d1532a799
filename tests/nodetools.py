"""Run the project's Node tools from Python tests.

The Teams manifest and Adaptive Card validators are Node scripts (``tools/validate_manifest.js``
and ``tools/validate_card.js``) because Microsoft publishes the manifest schemas and the card
parser as npm packages. The packages are pinned in ``package.json`` / ``package-lock.json``;
:func:`ensure_node_modules` runs ``npm ci`` when they are missing or at other versions, so a
fresh checkout needs nothing but Node and npm on the ``PATH``.

Example::

    from tests.nodetools import validate_cards, validate_manifest

    assert validate_manifest("manifest/manifest.json") == []
    assert validate_cards([card.content for card in reply.attachments]) == []
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "REPO_ROOT",
    "NodeToolsError",
    "card_problems",
    "ensure_node_modules",
    "validate_cards",
    "validate_manifest",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO_ROOT / "node_modules"
VALIDATE_MANIFEST_JS = REPO_ROOT / "tools" / "validate_manifest.js"
VALIDATE_CARD_JS = REPO_ROOT / "tools" / "validate_card.js"
NPM_CI_TIMEOUT = 600
TOOL_TIMEOUT = 120

_install_lock = threading.Lock()
_installed = False


class NodeToolsError(RuntimeError):
    """Node or npm is missing, ``npm ci`` failed, or a Node tool crashed or gave bad output."""


def _executable(name: str) -> str:
    """Return the full path of ``name`` on the PATH, or raise naming what to install."""
    found = shutil.which(name)
    if found is None:
        raise NodeToolsError(f"{name} is not on the PATH; install Node.js 20 (with npm) to run the node tests")
    return found


def _out_of_date() -> list[str]:
    """Return the npm packages from ``package.json`` that are missing or at another version."""
    manifest = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    wanted: dict[str, str] = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    stale = []
    for name, spec in wanted.items():
        installed = NODE_MODULES / name / "package.json"
        if not installed.is_file():
            stale.append(name)
            continue
        version = json.loads(installed.read_text(encoding="utf-8")).get("version")
        # Only exact pins can be compared without a semver parser; package.json pins exactly.
        if spec[:1].isdigit() and version != spec:
            stale.append(name)
    return stale


@contextmanager
def _interprocess_lock() -> Iterator[None]:
    """Hold a lock shared by every process using this checkout (pytest-xdist workers, say)."""
    digest = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"prevention-first-npm-ci-{digest}.lock"
    try:
        import fcntl
    except ImportError:  # Windows: the in-process lock is all there is.
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_node_modules() -> None:
    """Install the pinned npm packages with ``npm ci`` unless they are already in place.

    Safe to call from many tests, threads and pytest-xdist workers: the check is cheap, and
    the install runs at most once at a time under a thread lock and a file lock, re-checking
    after the locks are taken.

    Raises:
        NodeToolsError: npm is missing, ``npm ci`` failed, or the packages are still missing
            afterwards.
    """
    global _installed
    if _installed:
        return
    with _install_lock, _interprocess_lock():
        if _out_of_date():
            completed = subprocess.run(
                [_executable("npm"), "ci", "--no-audit", "--no-fund"],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT,
                check=False,
            )
            if completed.returncode != 0:
                output = (completed.stdout + completed.stderr).strip()[-3000:]
                raise NodeToolsError(f"npm ci failed with exit status {completed.returncode}:\n{output}")
            stale = _out_of_date()
            if stale:
                raise NodeToolsError(f"npm ci ran but these packages are still missing or wrong: {stale}")
        _installed = True


def _run_tool(script: Path, args: Sequence[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a Node tool from the repository root; exit status 0 and 1 are both results."""
    ensure_node_modules()
    completed = subprocess.run(
        [_executable("node"), str(script), *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
    )
    if completed.returncode not in (0, 1):
        raise NodeToolsError(
            f"{script.name} failed with exit status {completed.returncode}: {completed.stderr.strip()[-3000:]}"
        )
    return completed


def validate_manifest(path: str | os.PathLike[str]) -> list[str]:
    """Validate a Teams app manifest against Microsoft's schema, offline.

    Args:
        path: A ``manifest.json``, a folder holding one (its icons are checked too), or an app
            package zip (its layout and icons are checked too).

    Returns:
        The errors, each starting with the JSON pointer it concerns where there is one, for
        example ``/id must match pattern ...``; an empty list when the manifest is valid.

    Raises:
        NodeToolsError: The tool could not run or its output was not the expected JSON.
    """
    completed = _run_tool(VALIDATE_MANIFEST_JS, [os.fspath(path)])
    try:
        result = json.loads(completed.stdout.splitlines()[0])
        errors = [str(error) for error in result["errors"]]
    except (IndexError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise NodeToolsError(f"validate_manifest.js gave unexpected output: {completed.stdout!r}") from error
    if bool(errors) != (completed.returncode == 1):
        raise NodeToolsError(f"validate_manifest.js exit status {completed.returncode} disagrees with {errors}")
    return errors


def card_problems(cards: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return every problem ``tools/validate_card.js`` finds, errors and warnings alike.

    All cards are checked by one Node process.

    Args:
        cards: Adaptive Card JSON objects (the ``content`` of card attachments).

    Returns:
        One dict per problem with ``card`` (index into ``cards``), ``severity`` (``"error"`` or
        ``"warning"``), ``event``, ``message`` and, where known, ``element`` and ``pointer``.

    Raises:
        NodeToolsError: The tool could not run or its output was not JSON lines.
    """
    if not cards:
        return []
    completed = _run_tool(VALIDATE_CARD_JS, ["-"], stdin=json.dumps(list(cards)))
    try:
        return [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise NodeToolsError(f"validate_card.js gave unexpected output: {completed.stdout!r}") from error


def validate_cards(cards: Sequence[Mapping[str, Any]], *, include_warnings: bool = False) -> list[str]:
    """Validate Adaptive Cards as Teams would parse them (at most version 1.5).

    All cards are checked by one Node process, so pass every card of a test at once.

    Args:
        cards: Adaptive Card JSON objects (the ``content`` of card attachments).
        include_warnings: Also return warnings (hints, deprecations, element types newer than
            the card's declared version).

    Returns:
        One line per problem, such as
        ``card 2: UnknownElementType: Unknown element type "Foo". ... (AdaptiveCard)``;
        an empty list when every card is valid.

    Raises:
        NodeToolsError: The tool could not run or its output was not JSON lines.
    """
    lines = []
    for problem in card_problems(cards):
        if problem.get("severity") != "error" and not include_warnings:
            continue
        where = f" ({problem['element']})" if problem.get("element") else ""
        lines.append(f"card {problem.get('card')}: {problem.get('event')}: {problem.get('message')}{where}")
    return lines
