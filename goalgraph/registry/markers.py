"""The pluggy markers. Plugins write `from goalgraph.registry import hookimpl`."""
from __future__ import annotations

import pluggy

PROJECT = "goalgraph"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
