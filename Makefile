# gongkai: `make demo` runs the main job on the bundled sample web; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the project's root on sys.path (a .pth entry), not setuptools' import hook: the hook runs after Python's
# path search, so the capture folder `archive/` beside a db in the working directory would shadow the
# `archive` package for `python -m`, Scrapyd and `scrapy crawl` run there
EDITABLE := --config-settings editable_mode=compat

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' $(EDITABLE)
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gongkai demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev,bench]' $(EDITABLE)
	touch $(BENCH_STAMP)

# benchmarks against their baselines (bench/README.md): prints a table, writes bench/results.json (~13 min)
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) demo .pytest_cache
