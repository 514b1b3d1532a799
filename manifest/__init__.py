"""The Teams app for the Prevention First assistant.

This folder holds the Teams app manifest (``manifest.json``, with placeholder GUIDs for the app
and the bot), its two icons, the script that draws them (``make_icons.py``) and the packaging
step (``package.py``) that fills in the bot's ``MicrosoftAppId`` and writes the zip to upload
to Teams::

    MicrosoftAppId=<bot app id> python -m manifest.package --out build/prevention-first.zip

The library functions are imported lazily so that ``python -m manifest.package`` does not
import its own module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from manifest.package import (
        MANIFEST_DIR,
        PLACEHOLDER_ID,
        ManifestError,
        app_id_from_environment,
        build_package,
        load_manifest,
    )

__all__ = [
    "MANIFEST_DIR",
    "PLACEHOLDER_ID",
    "ManifestError",
    "app_id_from_environment",
    "build_package",
    "load_manifest",
]


def __getattr__(name: str) -> Any:
    """Import the public names from :mod:`manifest.package` on first use."""
    if name in __all__:
        from manifest import package

        return getattr(package, name)
    raise AttributeError(f"module 'manifest' has no attribute {name!r}")
