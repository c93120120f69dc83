# `make run` serves the console against the embedded sandbox; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CATALOGUES := $(wildcard webapp/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test test-fast bench translations extract-messages clean node-runtime

# Python caches compiled modules in __pycache__ (git ignores it). Where the environment turns that
# off, every process a test starts (each console, sandbox and test worker) compiled the project
# again from source and pytest rewrote every test module on every run.
unexport PYTHONDONTWRITEBYTECODE

run: $(VENV)/.installed-run $(COMPILED) node-runtime
	$(BIN)/python -m webapp

# Workers each take whole files: a file's tests may share a sandbox, console or browser its
# module starts once (tests/system/test_test_distribution.py). The whole suite runs three on
# two cores, as its browser and process tests wait on consoles, sandboxes and chromium that a
# third worker's tests fill (bench/README.md: 232 s against 260 s with two, fifth pass);
# the unit tests only compute, so two. TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 3
FAST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest --dist loadfile
# The project's modules are compiled once before the workers start: in a fresh clone the three
# workers and the first consoles and sandboxes they start would otherwise each compile them.
test: $(VENV)/.installed-test $(COMPILED) node-runtime
	$(BIN)/python -m compileall -q webapp
	$(PYTEST) -n $(TEST_WORKERS)

# The unit tests alone (tests/unit): the quick loop while editing.
test-fast: $(VENV)/.installed-test $(COMPILED)
	$(PYTEST) -n $(FAST_WORKERS) tests/unit

# Benchmarks measure speed targets; figures go in bench/README.md (never asserted in tests).
bench: $(VENV)/.installed-test node-runtime
	$(BIN)/python -m bench.lambda_invoke
	$(BIN)/python -m bench.lambda_isolation
	$(BIN)/python -m bench.gateway_stage
	$(BIN)/python -m bench.gateway_load
	$(BIN)/python -m bench.dynamodb_items
	$(BIN)/python -m bench.item_import
	$(BIN)/python -m bench.log_events
	$(BIN)/python -m bench.wizard
	$(BIN)/python -m bench.sandbox_state
	$(BIN)/python -m bench.stack_map

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(BIN)/python requirements.txt constraints.txt
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

# The AWS SDK for JavaScript v3 that AWS's Node.js runtimes give handlers without bundling:
# installed from the checked-in lock into .node-runtime/ (git-ignored), again only when the lock
# changes. Without npm the console still runs Python functions, so this says so and goes on.
NODE_RUNTIME := webapp/sandbox/awslambda/node_runtime
NODE_RUNTIME_DIR := .node-runtime
NPM := $(shell command -v npm 2>/dev/null)
ifeq ($(NPM),)
node-runtime:
	@echo "npm not found: Node.js functions will run without the AWS SDK for JavaScript (apt-get install nodejs npm, then make again)"
else
node-runtime: $(NODE_RUNTIME_DIR)/.installed
endif

$(NODE_RUNTIME_DIR)/.installed: $(NODE_RUNTIME)/package.json $(NODE_RUNTIME)/package-lock.json
	mkdir -p $(NODE_RUNTIME_DIR)
	cp $^ $(NODE_RUNTIME_DIR)/
	$(NPM) ci --omit=dev --ignore-scripts --no-audit --no-fund --prefix $(NODE_RUNTIME_DIR)
	touch $@

%.mo: %.po $(VENV)/.installed-run
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Refresh the message catalogues after changing UI strings, then translate the new entries.
extract-messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --no-location --sort-output --project "Serverless Console" -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching

translations: $(COMPILED)

clean:
	rm -rf $(VENV) $(COMPILED) $(NODE_RUNTIME_DIR)
