# The two commands of the README: `make demo` (set up + run the main job) and
# `make test` (set up + run every check). Both create .venv/ on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[store,bot,aws,web,dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/jifen demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

test: setup lint typecheck
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# -- the Lambda artifact: `sam build` runs `make build-<LogicalId>` for every function --
# (template.yaml: Metadata.BuildMethod makefile) with ARTIFACTS_DIR set. The artifact
# holds only what runs in Lambda: functions/ without the command line (cli.py,
# commands/), bot/, web/ (the web function's pages: templates and bundled assets),
# the plan files JIFEN_PLAN_PATH names and requirements.txt's packages
# as arm64 wheels for Python 3.12. tests/, bench/, local/ (dev server, demo, embedded
# endpoint) and moto never ship; tests/unit/test_template.py builds it to check.
# LAMBDA_PIP=true skips the dependencies (the test does).
LAMBDA_PLATFORM ?= manylinux2014_aarch64
LAMBDA_PYTHON ?= 3.12
LAMBDA_PIP ?= $(PYTHON) -m pip install --quiet --disable-pip-version-check \
	--requirement requirements.txt --target "$(ARTIFACTS_DIR)" \
	--platform $(LAMBDA_PLATFORM) --implementation cp --python-version $(LAMBDA_PYTHON) \
	--only-binary=:all: --upgrade --no-compile --no-warn-conflicts
LAMBDA_SOURCES := functions bot web $(wildcard infra/plans/*.yaml)
LAMBDA_EXCLUDES := --exclude=__pycache__ --exclude='*.pyc' \
	--exclude=functions/cli.py --exclude=functions/commands

build-%:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)"
	$(LAMBDA_PIP)
	tar -cf - $(LAMBDA_EXCLUDES) $(LAMBDA_SOURCES) | tar -xf - -C "$(ARTIFACTS_DIR)"
