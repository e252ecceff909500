# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FEEDS ?= feeds

.PHONY: demo test bench clean

$(BIN)/sanctions-feed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/sanctions-feed  ## run a full update over the bundled sample sources
	$(BIN)/sanctions-feed update --samples --feeds $(FEEDS)
	@echo "Feed written to $(abspath $(FEEDS))/latest/"

test: $(BIN)/sanctions-feed  ## run the test suite
	$(BIN)/python -m pytest -q

bench: $(BIN)/sanctions-feed  ## measure normalization and the OFAC update path
	$(BIN)/python bench/bench_normalize.py
	$(BIN)/python bench/bench_ofac.py --repeat 5

clean:
	rm -rf $(VENV) $(FEEDS) .pytest_cache
