"""Where goalgraph keeps its own files (XDG base directories)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Caches that may vanish at any time: validation results, the plugin snapshot."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "goalgraph"


def data_dir() -> Path:
    """State worth keeping: the plugin lock file."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "goalgraph"
