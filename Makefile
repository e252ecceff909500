# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOWEST ?= .venv-lowest
YENTE_VENV ?= .venv-yente
FEEDS ?= feeds
# One worker more than cores: the tests that wait on a scheduler's poll leave a core idle.
JOBS ?= $(shell n=$$(nproc 2>/dev/null) && echo $$((n + 1)) || echo auto)
# The folders install under sanctions_feed.* through a package-dir mapping that type checkers
# cannot follow: mypy reads a tree of links laid out as the installed package.
TYPECHECK := .typecheck/sanctions_feed

.PHONY: demo test test-tools test-lowest lint ci bench mutation clean

$(BIN)/sanctions-feed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The compiled Keccak/base58 fast path where it installs; the portable default otherwise.
	$(BIN)/pip install --quiet -e '.[test,lint,fast]' || $(BIN)/pip install --quiet -e '.[test,lint]'
	touch $@

demo: $(BIN)/sanctions-feed  ## run a full update over the bundled sample sources
	$(BIN)/sanctions-feed update --samples --feeds $(FEEDS)
	@echo "Feed written to $(abspath $(FEEDS))/latest/; open $(abspath $(FEEDS))/site/index.html to read it"

test: $(BIN)/sanctions-feed test-tools $(YENTE_VENV)/.installed  ## the test suite, with coverage (the crawler child process included)
	rm -f .coverage .coverage.*
	$(BIN)/python -m coverage run -m pytest -q -n $(JOBS) --dist worksteal
	$(BIN)/python -m coverage combine -q
	$(BIN)/python -m coverage report --format=total | sed 's/^/coverage (lines, crawler child included): /; s/$$/%/'
	$(BIN)/python -m coverage report --fail-under=90 > /dev/null

# The stock minisign tool checks our signatures in the tests, Debian's Chromium (with its
# driver, and fonts for Hebrew and Japanese) opens the site, and Debian's nginx runs deploy/'s site: installed where this machine can
# (root with apt); the tests that need them skip with a reason elsewhere.
TEST_PACKAGES = minisign chromium chromium-driver fonts-noto-core fonts-noto-cjk nginx-light
test-tools:
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p > /dev/null 2>&1 || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1 \
		&& { apt-get install -y -qq $$missing > /dev/null 2>&1 \
		     || { apt-get update -qq > /dev/null 2>&1 && apt-get install -y -qq $$missing > /dev/null 2>&1; }; }; } \
		|| echo "could not install$$missing: the tests that use them will skip"

# yente (OpenSanctions' screening API) reads our catalog in tests/test_catalog.py with its own
# loaders: in a virtualenv of its own, since it pins its own followthemoney and FastAPI.
$(YENTE_VENV)/.installed:
	@$(PYTHON) -m venv $(YENTE_VENV) && $(YENTE_VENV)/bin/pip install --quiet 'yente>=5.5,<6' > /dev/null 2>&1 \
		&& touch $@ || echo "could not install yente into $(YENTE_VENV): the test that runs it will skip"

test-lowest: $(BIN)/sanctions-feed  ## the test suite on the lowest declared dependency versions
	$(BIN)/pip install --quiet uv
	$(BIN)/uv venv --quiet --allow-existing --python $(BIN)/python $(LOWEST)
	UV_NATIVE_TLS=1 $(BIN)/uv pip install --quiet --python $(LOWEST)/bin/python --resolution lowest-direct -e '.[test,fast]'
	$(LOWEST)/bin/python -m pytest -q -p no:cacheprovider -n $(JOBS) --dist worksteal

lint: $(BIN)/sanctions-feed  ## ruff and mypy (default settings)
	$(BIN)/ruff check .
	rm -rf .typecheck && mkdir -p $(TYPECHECK)
	for f in sanctions_feed/*; do case $${f##*/} in __pycache__|migrations) ;; *) ln -s ../../$$f $(TYPECHECK)/;; esac; done
	for d in spiders normalize publish schemas; do ln -s ../../$$d $(TYPECHECK)/$$d; done
	$(BIN)/mypy $(TYPECHECK)

ci: test lint test-lowest  ## what .ci/run runs

bench: $(BIN)/sanctions-feed  ## measure normalization, the OFAC update path, bulk screening and the screening API
	$(BIN)/python bench/bench_normalize.py
	$(BIN)/python bench/bench_ofac.py --repeat 5
	$(BIN)/python bench/bench_check.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_poll.py

# cosmic-ray mutates the files in place and puts each back: leave the tree alone while it runs
# (`git checkout -- .` restores one left mutated by an interrupted run).
MUTATION ?= $(wildcard tests/mutation/*.toml)
mutation: $(BIN)/sanctions-feed  ## mutation testing of the decision modules (tests/mutation/*.toml)
	$(BIN)/pip install --quiet "cosmic-ray>=8.4"
	rm -rf .mutation/verify-history && mkdir -p .mutation  # the signed history verify.toml reuses: made again by this code
	for config in $(MUTATION); do name=$$(basename $$config .toml); \
		$(BIN)/cosmic-ray baseline $$config || { echo "$$config: its tests fail without a mutant"; exit 1; }; \
		$(BIN)/cosmic-ray init $$config .mutation/$$name.sqlite --force && \
		$(BIN)/cosmic-ray exec $$config .mutation/$$name.sqlite || exit 1; done
	$(BIN)/python tests/mutation/score.py .mutation/*.sqlite

clean:
	rm -rf $(VENV) $(LOWEST) $(YENTE_VENV) $(FEEDS) .pytest_cache .typecheck .coverage .coverage.* .mutation
