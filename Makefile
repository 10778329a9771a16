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
	$(PY) -m pip install --quiet "$(TORCH)" -e ".[dev,runtime,values,embeddings,align]"
	# Editable installs are not byte-compiled, and PYTHONDONTWRITEBYTECODE (set on these machines) stops
	# Python from caching it: without this every `goalgraph show` recompiles the package (~50 ms).
	$(PY) -m compileall -q goalgraph plugins/goalgraph_builtins
	touch $(STAMP)

# The main job on the bundled graph: a literature-linked plan for each goal level, then a real offline run of
# the basic-values plan (a small model trained here in seconds, the bundled MiniLM for the value profiler) and
# its report; then the model aligned towards a value profile, measured again and compared. Everything lands in
# demo-out/.
DEMO   ?= demo-out
GG     := $(VENV)/bin/goalgraph
LEVELS := human-instructions human-preferences value-principles basic-values

demo: setup
	@mkdir -p $(DEMO)
	@for level in $(LEVELS); do \
	  echo; echo "== What should a model aligned with $$level be checked on, and why?"; \
	  $(GG) plan --goal $$level --format md -o $(DEMO)/plan-$$level.md || exit $$?; \
	  cat $(DEMO)/plan-$$level.md; \
	done
	@echo; echo "== Building the demo model (a tiny GPT-2 trained offline on our own sentences)"
	$(PY) -m goalgraph.testing talking-model $(DEMO)/model
	@echo; echo "== Plan for basic values with Schwartz's theory, the SVO slider bound to its six items"
	$(GG) plan --goal basic-values --theory schwartz-basic-values \
	  --data instrument/svo-slider=demo/data/svo_primary_items.jsonl -o $(DEMO)/plan-run.yaml
	@echo; echo "== Running every runnable step"
	$(GG) run $(DEMO)/plan-run.yaml --model $(DEMO)/model --output $(DEMO)/run --limit 12
	@echo; echo "== Report"
	$(GG) report $(DEMO)/run --format md -o $(DEMO)/run/report.md
	@cat $(DEMO)/run/report.md
	@echo; echo "== Human preferences: TruthfulQA's evaluator on six questions we wrote in its native schema"
	$(GG) plan --goal human-preferences --data benchmark/truthfulqa=demo/data/truthfulqa_demo.jsonl \
	  -o $(DEMO)/plan-preferences-run.yaml
	$(GG) run $(DEMO)/plan-preferences-run.yaml --model $(DEMO)/model --output $(DEMO)/run-preferences
	$(GG) report $(DEMO)/run-preferences --format html -o $(DEMO)/run-preferences/report.html
	@echo; echo "== Aligning with a value profile: best-of-8 sampling towards demo/data/target-caring.json"
	$(GG) align value-best-of-n --model $(DEMO)/model --target demo/data/target-caring.json \
	  --output $(DEMO)/model-caring --option n=8
	$(GG) run $(DEMO)/plan-run.yaml --model $(DEMO)/model-caring --output $(DEMO)/run-caring --limit 12
	$(GG) report $(DEMO)/run --compare $(DEMO)/run-caring --target demo/data/target-caring.json \
	  --format md -o $(DEMO)/run-caring/compare.md
	@sed -n '/^### Schwartz/,/^### Social/p' $(DEMO)/run-caring/compare.md
	$(GG) ask aligned-models --with-results $(DEMO)/model-caring
	@echo; echo "Plans, runs and reports are in $(DEMO)/: open $(DEMO)/run-preferences/report.html in a browser"

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m pip install --quiet "$(TORCH)" -e ".[bench]"
	$(PY) benchmarks/bench_graph.py
	$(PY) benchmarks/bench_plugins.py
	$(PY) benchmarks/bench_profiler.py
	$(PY) benchmarks/bench_plan.py
	$(PY) benchmarks/bench_run.py
	$(PY) benchmarks/bench_align.py
	# lm-eval lives in its own venv (created on first use, about 2 GB): the anchor must not share our packages.
	$(PY) benchmarks/bench_eval.py --lmeval-venv .venv-lmeval --create-venv

clean:
	rm -rf $(VENV) build dist .pytest_cache $(DEMO)
