# Tether: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
CONFORMANCE := $(SHARED)/kustomize-conformance/cases

.PHONY: install system-deps binaries lint typecheck imports unit pytest conformance test demo clean

$(BIN)/tether: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/tether

install: $(BIN)/tether

# System tools the tests run for real (git, sshd for the loopback SSH git server); idempotent.
system-deps:
	bash scripts/ensure-system-deps.sh

# Build (once, cached under ~/.cache/tether) the real control plane and the kustomize oracle.
binaries: install
	$(BIN)/tether dev binaries

lint: install
	$(BIN)/ruff check src tests $(wildcard bench scripts)

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: binaries system-deps
	$(BIN)/pytest -q -p no:cacheprovider

conformance: install
	@if [ -d "$(CONFORMANCE)" ]; then \
	  $(BIN)/python -m tether.kustomize.conformance "$(CONFORMANCE)"; \
	else echo "no $(CONFORMANCE): conformance cases skipped"; fi

# Every test and check: install, build/cache the cluster binaries, lint, types, layers,
# unit + integration tests (real control plane), kustomize conformance.
test: lint typecheck imports pytest conformance

# The whole GitOps loop on the embedded example: local cluster, loopback git server with the
# seed's monorepo, bootstrap, controller; ends with `get sources git` / `get ks` all True.
demo: binaries
	$(BIN)/tether dev cluster up
	$(BIN)/tether --kubeconfig "$$($(BIN)/tether dev cluster kubeconfig)" check --pre
	$(BIN)/tether demo up

clean:
	-$(BIN)/tether demo down
	rm -rf $(VENV)
