"""What the service worker precaches, and a version that changes whenever any of it does.

The worker's source has one placeholder, ``__SHELL__``, that the server replaces with
these settings when it serves ``/sw.js``. The version is a hash of everything the worker
would precache (hashed asset URLs, the rendered offline page in every language) and of
the worker itself, so any change installs a new worker and offers the update.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

WORKER_FILE = "sw.js"
SETTINGS_PLACEHOLDER = "__SHELL__"
# Folders under static/ whose every file is part of the app shell.
PRECACHED_FOLDERS = ("css", "js", "icons")


def worker_path(static_folder: Path) -> Path:
    """service_worker/ sits beside static/, in the checkout and in the wheel alike."""
    return static_folder.parent / "service_worker" / WORKER_FILE


def shell_files(static_folder: Path) -> list[str]:
    """Paths under static/ of every file the shell precaches, in a stable order."""
    found = []
    for folder in PRECACHED_FOLDERS:
        for path in (static_folder / folder).rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                found.append(path.relative_to(static_folder).as_posix())
    return sorted(found)


def precache_urls(static_folder: Path, asset_url: Callable[[str], str]) -> list[str]:
    """The content-hashed URLs of the shell's static files, exactly as pages link them."""
    return [asset_url(path) for path in shell_files(static_folder)]


def shell_version(
    worker_source: str,
    urls: Sequence[str],
    offline_pages: Sequence[str],
    names: Mapping[str, Any],
) -> str:
    """A short hash of everything the worker does and keeps: a new one installs anew."""
    digest = hashlib.sha256()
    for part in (worker_source, *urls, *offline_pages, json.dumps(names, sort_keys=True)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def fill_worker(worker_source: str, settings: dict[str, Any]) -> str:
    """The worker as served: its settings object in place of the placeholder."""
    if worker_source.count(SETTINGS_PLACEHOLDER) != 1:
        raise RuntimeError(f"{WORKER_FILE} must contain {SETTINGS_PLACEHOLDER} exactly once")
    return worker_source.replace(SETTINGS_PLACEHOLDER, json.dumps(settings, sort_keys=True))
