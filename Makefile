# The first Python >= 3.11 on PATH (python3 first); `make PYTHON=/path/to/python` to choose another.
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11 python; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: connector-test install test lint format run clean bench sam-install sam-validate sam-build sam-check check-template fuzz \
	browser-install browser-check lock client-models ts-test ts-client-types

$(STAMP): pyproject.toml clients/python/pyproject.toml connector/pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed on PATH (or set PYTHON=/path/to/python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e clients/python -e connector
	touch $(STAMP)

install: $(STAMP)

# Template checkers in a virtual environment of their own: checkov pins boto3 and packaging versions
# that clash with the app's. tests/test_template_hardening.py runs both; `make check-template` alone too.
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed-2
$(TOOLS_STAMP):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed on PATH (or set PYTHON=/path/to/python3)"; exit 1; }
	rm -rf $(TOOLS_VENV)
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/pip install --quiet 'checkov>=3.2,<4' 'cfn-lint>=1.20,<2'
	touch $(TOOLS_STAMP)

check-template: $(TOOLS_STAMP)
	$(TOOLS_VENV)/bin/cfn-lint template.yaml
	$(TOOLS_VENV)/bin/checkov --quiet --compact --framework cloudformation -f template.yaml

# In parallel: one worker per core (TEST_WORKERS=1 for one), each with its own moto and state machine.
# Tests sharing a module's server (tests/local) stay on one worker (xdist_group).
TEST_WORKERS ?= auto
# connector/tests run the sandbox in their own process (export_api_local/pytest_plugin.py), apart from the
# suite's in-process moto.
test: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup
	@$(MAKE) --no-print-directory -j2 --output-sync=target connector-test ts-test

connector-test: $(STAMP)
	$(BIN)/pytest -p no:xdist connector/tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/shared functions export_api_local tests benchmarks clients/python connector

# The Python client's models, generated from the contract (settings: [tool.datamodel-codegen] in
# clients/python/pyproject.toml), then formatted with the repository's ruff settings. The suite checks
# that the committed file is what this makes.
client-models: $(STAMP)
	cd clients/python && ../../$(BIN)/datamodel-codegen
	$(BIN)/ruff format --quiet clients/python/export_api_client/models.py
	$(BIN)/ruff check --fix --quiet clients/python/export_api_client/models.py
	$(BIN)/ruff format --quiet clients/python/export_api_client/models.py

# The TypeScript client (clients/typescript): `npm ci` from its lock file when that changed, then `npm test`:
# tsc --strict over the client and its tests, then node --test (scripted and recorded answers, the types
# against the contract, Pleo's flow against export-api-sandbox). Without Node 20+ it says so and skips.
TS_CLIENT := clients/typescript
ts-test: $(STAMP)
	@if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null \
		|| ! command -v npm >/dev/null; then \
		echo "Node 20+ and npm are not on PATH: skipping the TypeScript client's tests ($(TS_CLIENT))"; \
	else \
		cd $(TS_CLIENT) && { [ node_modules/.installed -nt package-lock.json ] \
			|| { npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; }; } \
		&& npm test --silent; \
	fi

# The TypeScript client's types, generated from the contract by openapi-typescript; its tests check
# that the committed file is what this makes.
ts-client-types:
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund --loglevel=error && npm run --silent generate

# Contract fuzzing: schemathesis against `make run`'s server, every operation of the contract
# and of docs/admin-api.openapi.yaml, FUZZ_EXAMPLES examples per operation and generation mode (the
# suite runs 3); prints the counts.
FUZZ_EXAMPLES ?= 100
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s tests/local/test_fuzz.py

# The job console (/console) in a real browser: Playwright drives Chromium from Debian's packages through
# the jobs page and two job pages of `make run`'s demo (tests/browser), fails on a console error or an
# empty graph, and keeps screenshots in .local/browser-check/ (BROWSER_CHECK_DOCS=1 refreshes
# docs/console-job.png). `make test` runs the same tests where Chromium is installed.
CHROMIUM ?= $(shell command -v chromium || echo /usr/bin/chromium)
browser-install:
	@test -x "$(CHROMIUM)" || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

browser-check: $(STAMP) browser-install
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest tests/browser

# Every figure of the benchmarks (DynamoDB cost, scaling, cold start, webhooks, package size, the soak): one table, JSON in benchmarks/results/.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The whole service on 127.0.0.1:3000, AWS emulated on 127.0.0.1:5000, demo data and credentials in
# .local/demo.json; Ctrl-C stops it. Settings: see "Configuration" in README.md.
run: $(STAMP)
	$(BIN)/python -m export_api_local

# Each layer's requirements (layers/<layer>/requirements.in) resolved for the layers' platform (Lambda arm64,
# python3.12), every package pinned with its hashes into layers/<layer>/requirements.txt. `sam build` installs
# exactly these (pip's hash-checking mode). A layer is resolved against the pins of the layers a function
# has beside it (LOCKED_WITH_<layer>) and leaves out what they ship: a function that has both gets one copy,
# of one version. Run after changing a dependency; tests/test_layer_lock.py checks the locks, the inputs,
# template.yaml and pyproject.toml agree.
LOCK_FLAGS := --quiet --python-platform aarch64-manylinux2014 --python-version 3.12 --generate-hashes \
	--custom-compile-command 'make lock'
LOCKED_WITH_framework := shared
LOCKED_WITH_auth := shared
LOCKED_WITH_webhooks := shared framework
define lock-layer
	$(BIN)/uv pip compile $(LOCK_FLAGS) layers/$(1)/requirements.in -o layers/$(1)/requirements.txt \
		$(foreach base,$(LOCKED_WITH_$(1)),-c layers/$(base)/requirements.txt \
			$$(sed -n 's/^\([A-Za-z0-9_.-]*\)==.*/--no-emit-package \1/p' layers/$(base)/requirements.txt))
endef
lock: $(STAMP)
	$(call lock-layer,shared)
	$(call lock-layer,framework)
	$(call lock-layer,auth)
	$(call lock-layer,webhooks)

# SAM CLI in a virtual environment of its own (it pins boto3 and pydantic versions that clash with the
# app's), on the template's runtime: `sam build` without a container needs python3.12 on PATH.
SAM_VENV := .venv-sam
SAM_CLI_VERSION ?= 1.170.0
SAM_PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	$$p -c '' >/dev/null 2>&1 && { command -v $$p || echo $$p; } && break; done)
SAM := SAM_CLI_TELEMETRY=0 PATH="$(abspath $(SAM_VENV))/bin:$$PATH" $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_CLI_VERSION)

$(SAM_STAMP):
	@test -n "$(SAM_PYTHON)" || { echo "python3.12 (the template's runtime) is needed: set SAM_PYTHON=/path/to/python3.12"; exit 1; }
	rm -rf $(SAM_VENV)
	$(SAM_PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet 'aws-sam-cli==$(SAM_CLI_VERSION)'
	touch $(SAM_STAMP)

sam-install: $(SAM_STAMP)

sam-validate: $(SAM_STAMP)
	$(SAM) validate --lint --template-file template.yaml

# Builds every function and layer for the Lambda platform (manylinux, arm64), no container.
sam-build: $(SAM_STAMP)
	$(SAM) build --template-file template.yaml --build-dir .aws-sam/build
	@ls .aws-sam/build/FrameworkLayer/python/pydantic_core/*cpython-312-aarch64-linux-gnu.so >/dev/null \
		|| { echo "the framework layer's pydantic-core is not built for python3.12 on arm64"; exit 1; }
	@ls .aws-sam/build/AuthLayer/python/_cffi_backend.cpython-312-aarch64-linux-gnu.so >/dev/null \
		|| { echo "the auth layer's cffi is not built for python3.12 on arm64"; exit 1; }
	@echo "sam build: the layers' compiled packages are built for python3.12 on arm64 (aarch64)"

sam-check: sam-validate sam-build

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(SAM_VENV) $(TOOLS_VENV) .aws-sam .mypy_cache .ruff_cache .local
