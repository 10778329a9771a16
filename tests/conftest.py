"""Shared fixtures: the loaded bundled graph, a CLI runner with real exit codes, the seed documents."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("GOALGRAPH_SEEDS", REPO.parent / "shared" / "seeds"))
ID = "https://w3id.org/goalgraph/id/"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """The SHACL 'already validated' cache lives in a temporary folder, never the user's ~/.cache."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def graph():
    import goalgraph

    return goalgraph.load(include_env=False)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def _clean_env(extra: dict[str, str] | None, tmp_cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GOALGRAPH_GRAPH"}
    env["XDG_CACHE_HOME"] = tmp_cache  # validation cache per test session, never the user's
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def cli(tmp_path_factory):
    """Run `python -m goalgraph ARGS` in a subprocess: real exit codes, real stderr."""
    cache = str(tmp_path_factory.mktemp("cache"))

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str | None = None) -> CliResult:
        proc = subprocess.run([sys.executable, "-m", "goalgraph", *args], capture_output=True, text=True,
                              env=_clean_env(env, cache), cwd=cwd or REPO, input=stdin, timeout=120)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not (SEEDS / "002_aca8ac76e3e5bf7f.txt").is_file():
        pytest.skip(f"seed documents not found at {SEEDS} (set GOALGRAPH_SEEDS)")
    return SEEDS


def one_error_line(result: CliResult) -> str:
    """Assert the bad-input contract: exit 2, exactly one line on stderr, no traceback."""
    assert result.code == 2, (result.code, result.err)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    assert lines[0].startswith("goalgraph: error: ")
    return lines[0]


def fresh_venv_with_goalgraph(tmp: Path) -> Path:
    """Build goalgraph's wheel and install it alone into a new venv; dependencies are borrowed from the
    test environment through a .pth file, so no network is needed. Returns the venv folder."""
    import sysconfig
    import venv

    dist = tmp / "dist"
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist),
                            str(REPO)], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheels = list(dist.glob("goalgraph-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheels[0])],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    return env_dir


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory):
    """A random-init GPT-2 (about 0.1M parameters) with a BPE trained offline, saved like any checkpoint."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from tiny_models import build_tiny_gpt2

    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_lm(tiny_lm_dir):
    from goalgraph.runtime.causal_lm import CausalLM

    return CausalLM.load(str(tiny_lm_dir), device="cpu", batch_size=4)


WATCHED_MODULES = ("torch", "transformers", "sentence_transformers", "rdflib", "pyshacl", "pandas", "pluggy",
                   "pydantic")


def modules_loaded_by_cli(*argvs: list[str]) -> set[str]:
    """Run the given `goalgraph` command lines in one fresh interpreter (output swallowed, each must exit 0) and
    return which of WATCHED_MODULES (top-level names) ended up imported."""
    code = (
        "import io, contextlib, sys\n"
        "from goalgraph.cli import main\n"
        f"for argv in {list(argvs)!r}:\n"
        "    buf = io.StringIO()\n"
        "    try:\n"
        "        with contextlib.redirect_stdout(buf):\n"
        "            main(argv)\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({WATCHED_MODULES!r}))))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())
