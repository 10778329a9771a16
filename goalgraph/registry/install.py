"""Installing and removing plugin distributions with pip, without letting them move goalgraph.

Every install runs pip for the current interpreter with a constraint pinning the installed goalgraph
version, so a plugin can neither upgrade nor downgrade its host. What was installed is recorded in a lock
file, so `goalgraph plugins install --restore` brings the plugins back after goalgraph itself is upgraded.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from goalgraph.errors import GoalgraphError

_URL_MARKERS = ("://", "git+", "hg+", "svn+", "bzr+", "@ http", "@http")


def lock_path() -> Path:
    from goalgraph.util.paths import data_dir

    return data_dir() / "plugins.lock.json"


def read_lock() -> list[dict]:
    try:
        data = json.loads(lock_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise GoalgraphError(f"plugin lock file {lock_path()} is unreadable: {exc}") from None
    return list(data.get("plugins", []))


def write_lock(entries: list[dict]) -> None:
    from goalgraph.util.atomic import write_text_atomic

    write_text_atomic(lock_path(), json.dumps({"format": 1, "plugins": entries}, indent=2) + "\n")


def is_url(spec: str) -> bool:
    return any(m in spec for m in _URL_MARKERS)


@dataclass
class PipResult:
    command: list[str]
    returncode: int
    output: str


def _pip(args: list[str], dry_run: bool) -> PipResult:
    from goalgraph import __version__

    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="goalgraph-pin-", delete=False) as fh:
        fh.write(f"goalgraph=={__version__}\n")
        constraint = fh.name
    cmd = [sys.executable, "-m", "pip", "install", "--constraint", constraint, *args]
    if dry_run:
        cmd.append("--dry-run")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        os.unlink(constraint)
    return PipResult(cmd, proc.returncode, (proc.stdout or "") + (proc.stderr or ""))


_GENERIC = ("metadata-generation-failed", "subprocess-exited-with-error", "See above", "this is an issue",
            "originates from a subprocess")


def _last_error(output: str) -> str:
    """The most specific error line of pip's output (the cause, not pip's generic closing line)."""
    lines = [line.strip(" |│╰─>") for line in output.splitlines()
             if line.strip() and not line.startswith("WARNING")]
    specific = [line for line in lines if ("Error" in line or line.lower().startswith("error"))
                and not any(g.lower() in line.lower() for g in _GENERIC)]
    return (specific or lines or ["pip failed"])[-1]


def install(specs: list[str], editable: list[str], dry_run: bool = False, allow_url: bool = False,
            no_build_isolation: bool = False) -> PipResult:
    """pip install the given requirement specs and editable paths, goalgraph pinned; record them."""
    if not specs and not editable:
        raise GoalgraphError("nothing to install: name a plugin, or give -e PATH")
    for spec in [*specs, *editable]:
        if is_url(spec) and not allow_url:
            raise GoalgraphError(f"refusing to install from a URL ({spec}); pass --allow-url if you trust it")
    for path in editable:
        if not is_url(path) and not Path(path).exists():
            raise GoalgraphError(f"editable path not found: {path}")
    args = list(specs)
    for path in editable:
        args += ["-e", str(Path(path).resolve()) if not is_url(path) else path]
    if no_build_isolation:
        args.append("--no-build-isolation")
    result = _pip(args, dry_run)
    if result.returncode != 0:
        raise GoalgraphError(f"pip could not install {' '.join([*specs, *editable])}: {_last_error(result.output)}")
    if not dry_run:
        entries = [e for e in read_lock() if e["spec"] not in specs and e["spec"] not in editable]
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        entries += [{"spec": s, "editable": False, "installed": now} for s in specs]
        entries += [{"spec": str(Path(p).resolve()) if not is_url(p) else p, "editable": True, "installed": now}
                    for p in editable]
        write_lock(entries)
    return result


def restore(dry_run: bool = False, no_build_isolation: bool = False) -> PipResult | None:
    """Reinstall everything the lock file records (after goalgraph itself was upgraded)."""
    entries = read_lock()
    if not entries:
        return None
    specs = [e["spec"] for e in entries if not e["editable"]]
    editable = [e["spec"] for e in entries if e["editable"]]
    return install(specs, editable, dry_run=dry_run, allow_url=True, no_build_isolation=no_build_isolation)


def uninstall(names: list[str]) -> PipResult:
    """pip uninstall the distributions and drop them from the lock file."""
    if not names:
        raise GoalgraphError("name the plugin distribution(s) to uninstall")
    if any(n.replace("_", "-").lower() == "goalgraph" for n in names):
        raise GoalgraphError("refusing to uninstall goalgraph itself")
    cmd = [sys.executable, "-m", "pip", "uninstall", "--yes", *names]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    output = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        raise GoalgraphError(f"pip could not uninstall {' '.join(names)}: {_last_error(output)}")
    wanted = {n.replace("_", "-").lower() for n in names}
    kept = [e for e in read_lock() if _dist_name_of(e).replace("_", "-").lower() not in wanted]
    write_lock(kept)
    return PipResult(cmd, proc.returncode, output)


def _dist_name_of(entry: dict) -> str:
    """Distribution name of a lock entry: a requirement's name, or an editable project's pyproject name."""
    spec = entry["spec"]
    if entry.get("editable"):
        pyproject = Path(spec) / "pyproject.toml"
        try:
            import tomllib

            return tomllib.loads(pyproject.read_text())["project"]["name"]
        except (OSError, KeyError, ValueError, ImportError):
            return Path(spec).name
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(spec).name
    except InvalidRequirement:
        return spec
