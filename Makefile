# Two commands: `make demo` and `make test`. Each sets up its own virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.goalgraph-installed
# The CPU build of torch is pinned and installed in the same pip command as everything else,
# so no dependency can pull a multi-GB CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH)" -e ".[dev,runtime,values,embeddings]"
	# Editable installs are not byte-compiled, and PYTHONDONTWRITEBYTECODE (set on these machines) stops
	# Python from caching it: without this every `goalgraph show` recompiles the package (~50 ms).
	$(PY) -m compileall -q goalgraph plugins/goalgraph_builtins
	touch $(STAMP)

demo: setup
	@echo "== goalgraph stats"
	$(VENV)/bin/goalgraph stats
	@echo "== How do the goal levels evolve, and which learning level does each mirror?"
	$(VENV)/bin/goalgraph ask goal-evolution
	@echo "== Which benchmarks measure each goal level?"
	$(VENV)/bin/goalgraph ask benchmarks-per-level
	@echo "== Which value dimensions does no benchmark or instrument cover?"
	$(VENV)/bin/goalgraph ask uncovered-dimensions

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/bench_graph.py
	$(PY) benchmarks/bench_plugins.py
	$(PY) benchmarks/bench_profiler.py
	# lm-eval lives in its own venv (created on first use, about 2 GB): the anchor must not share our packages.
	$(PY) benchmarks/bench_eval.py --lmeval-venv .venv-lmeval --create-venv

clean:
	rm -rf $(VENV) build dist .pytest_cache
