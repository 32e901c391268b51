# The two commands of the README: `make synth` and `make test`. Everything installs itself.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
CDK      := node_modules/.bin/cdk
PROJECT  ?= examples/factory-floor
OUT      ?= cdk.out
TF_OUT   ?= cdktf.out

# Quiet, offline-friendly CDK and jsii.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Install without byte-compiling (the provider bindings hold thousands of modules we never import:
# ~100 s → ~25 s); Python then caches bytecode for the modules actually imported, on first use.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install install-checkov synth test check lint bench bench-dtdl bench-local deploy diff destroy local clean mutate

# The Python and the npm installs are independent, so they run side by side (`-j`). uv installs the
# pinned packages: ~38 s instead of pip's ~90 s for `.[dev]` on an empty cache, ~12 s instead of ~26 s
# for checkov (7 December, this machine). UV_NATIVE_TLS: the system's certificate store, as pip uses.
UV       := $(BIN)/uv
UV_PIP   := UV_NATIVE_TLS=1 $(UV) pip install --quiet --no-compile
install:
	@$(MAKE) -s --no-print-directory -j3 $(VENV)/.installed node_modules/.installed

# checkov pins an old boto3, so it gets its own virtualenv; the Terraform scan tests use it (and
# fail, saying so, when it is missing: `make test` installs it).
CHECKOV_VENV := .venv-checkov
install-checkov: $(CHECKOV_VENV)/.installed
$(CHECKOV_VENV)/.installed: | $(UV)
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(UV_PIP) --python $(CHECKOV_VENV)/bin/python checkov==3.2.469
	touch $@

$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.9.17

# aws-cdk-lib and its dependency aws-cdk.cloud-assembly-schema both ship
# aws_cdk/cloud_assembly_schema/__init__.py, and jsii needs aws-cdk-lib's (its struct types name
# aws-cdk-lib). pip installs dependencies first, so aws-cdk-lib's copy won; uv installs in parallel
# and either may win. Reinstalling aws-cdk-lib alone, at the version just installed, makes it win
# (tests/test_installed_packages.py).
$(VENV)/.installed: setup.py | $(UV)
	$(UV_PIP) --python $(BIN)/python -e '.[dev]'
	$(UV_PIP) --python $(BIN)/python --no-deps --reinstall-package aws-cdk-lib \
		"aws-cdk-lib==$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("aws-cdk-lib"))')"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# app.py runs as the CDK CLI would run it (`cdk synth -c project=...` works too, for twins with at
# least one AWS stack: the CLI refuses an assembly without any).
# CONTEXT adds context entries as JSON members, e.g. CONTEXT='"gcp_project": "p1", "region": "eu-west-1"'.
comma := ,
synth: install
	CDK_OUTDIR=$(OUT) CDK_CONTEXT_JSON='{"project": "$(PROJECT)", "tf_outdir": "$(TF_OUT)"$(if $(CONTEXT),$(comma) $(CONTEXT))}' \
		$(BIN)/python app.py

# Three pytest workers (pytest-xdist) on a 2-core machine: about half of the suite waits (local
# runs, servers starting, subprocesses), so a third worker fills the cores. They steal work from
# each other test by test (worksteal): the synths are shared on disk by all workers
# (tests/synth_cache.py), so no file needs to stay on one worker, and no long file runs alone at
# the end. TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 3
test:
	@$(MAKE) -s --no-print-directory -j3 $(VENV)/.installed node_modules/.installed $(CHECKOV_VENV)/.installed
	$(BIN)/pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal)

# Mutation testing of the security and data-integrity cores (mutation/run.py; README, Mutation
# testing): cosmic-ray, pinned, in its own virtualenv. It mutates files in place, one at a time:
# run nothing else in this checkout meanwhile.
MUTATE_VENV := .venv-mutate
$(MUTATE_VENV)/.installed: | $(UV)
	test -x $(MUTATE_VENV)/bin/python || $(PYTHON) -m venv $(MUTATE_VENV)
	$(UV_PIP) --python $(MUTATE_VENV)/bin/python cosmic-ray==8.7.0
	touch $@

mutate: install $(MUTATE_VENV)/.installed
	$(BIN)/python mutation/run.py

# The code's static checks: ruff on the whole repository (ruff.toml), mypy strict on every package but
# the tests (mypy.ini lists the modules not strict yet, each with its reason). Any finding fails.
check: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# `check`, then the synthesized example: CloudFormation errors fail (W3005 warnings come from every
# lambda.Function's own DependsOn), and the code must compile.
lint: check synth
	$(BIN)/python -m compileall -q twin_model cdk_app constructs_lib runtime
	$(BIN)/cfn-lint --non-zero-exit-code error $(OUT)/*.template.json

bench: install
	$(BIN)/python bench/run.py

# The official DTDL parser's cost: Node start-up, a diamond ontology, RealEstateCore load and synth (bench/dtdl.md).
bench-dtdl: install
	$(BIN)/python bench/dtdl.py

# `make local DEVICES=10 MESSAGES=100` on the bundled example, timed after its synth (bench/local.md).
bench-local: install
	$(BIN)/python bench/local.py

# Deploy order comes from the topology (receivers before senders); DRY_RUN=1 prints the plan only.
deploy diff destroy: install
	$(BIN)/python -m twin_ops $@ --project $(PROJECT) --out $(OUT) --tf-out $(TF_OUT) --cdk $(CDK) $(if $(DRY_RUN),--dry-run)

# The synthesized twin run on this machine (README "Try it locally"); DEVICES, MESSAGES, OUTAGE optional.
local: install
	$(BIN)/python -m twin_ops local --project $(PROJECT)$(if $(DEVICES), --devices $(DEVICES))$(if $(MESSAGES), --messages $(MESSAGES))$(if $(OUTAGE), --outage $(OUTAGE))

clean:
	rm -rf $(OUT) $(TF_OUT) .pytest_cache .mypy_cache .ruff_cache
