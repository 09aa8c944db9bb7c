# How each layer's Makefile (BuildMethod makefile: `sam build` runs its build-<Layer> target in a copy of
# the layer's directory) installs the layer's lock, requirements.txt, into $(ARTIFACTS_DIR)/python: binary
# wheels for Lambda's arm64 python3.12, less the files no import reads (C sources and headers, type
# stubs) and the compiled bytecode. benchmarks/package.py builds the layers the same way.
PYTHON ?= python3
LAYER_PYTHON = $(ARTIFACTS_DIR)/python

# $(call install-lock,<pip flags>): --no-deps for a layer whose lock leaves out what another layer ships.
define install-lock
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile $(1) \
		--platform manylinux2014_aarch64 --implementation cp --python-version 3.12 --only-binary=:all: \
		--target "$(LAYER_PYTHON)" -r requirements.txt
	rm -rf "$(LAYER_PYTHON)/bin"
	find "$(LAYER_PYTHON)" -type f \( -name '*.c' -o -name '*.h' -o -name '*.pyi' \) -delete
	find "$(LAYER_PYTHON)" -mindepth 1 -type d -empty -delete
endef

define remove-bytecode
	find "$(LAYER_PYTHON)" -name __pycache__ -type d -prune -exec rm -rf {} +
endef
