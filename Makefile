# Both entry points create or refresh .venv, so a fresh machine needs only Python 3.11 + pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# GraphiQL's browser assets: npm ci on the committed lock (.ci/run installs nodejs/npm).
GRAPHIQL := web/graphiql
GRAPHIQL_STAMP := $(GRAPHIQL)/node_modules/.installed
# The README's client generators, pinned: npm ci for TypeScript, and ariadne-codegen in its
# own venv (it pins graphql-core<3.3, which the gateway's venv cannot take).
CODEGEN := docs/codegen
CODEGEN_NPM_STAMP := $(CODEGEN)/node_modules/.installed
CODEGEN_VENV := .venv-codegen
CODEGEN_PY_STAMP := $(CODEGEN_VENV)/.installed

.PHONY: demo test lint typecheck bench schema clean install graphiql codegen-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(GRAPHIQL_STAMP): $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: npm not found (apt-get install nodejs npm)" >&2; exit 1; }
	cd $(GRAPHIQL) && npm ci --no-audit --no-fund --loglevel=error
	touch $(GRAPHIQL_STAMP)

graphiql: $(GRAPHIQL_STAMP)

$(CODEGEN_NPM_STAMP): $(CODEGEN)/package.json $(CODEGEN)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: npm not found (apt-get install nodejs npm)" >&2; exit 1; }
	cd $(CODEGEN) && npm ci --no-audit --no-fund --loglevel=error
	touch $(CODEGEN_NPM_STAMP)

$(CODEGEN_PY_STAMP): $(CODEGEN)/requirements.txt
	test -x $(CODEGEN_VENV)/bin/python || $(PYTHON) -m venv $(CODEGEN_VENV)
	$(CODEGEN_VENV)/bin/python -m pip install --quiet -r $(CODEGEN)/requirements.txt
	touch $(CODEGEN_PY_STAMP)

codegen-tools: $(CODEGEN_NPM_STAMP) $(CODEGEN_PY_STAMP)

# Without npm the demo still starts; its GraphiQL page then loads from a CDN and says so.
demo: $(STAMP)
	@$(MAKE) --no-print-directory graphiql || echo "make: GraphiQL assets not installed; the page falls back to a CDN" >&2
	$(BIN)/recgw demo

test: $(STAMP) $(GRAPHIQL_STAMP) $(CODEGEN_NPM_STAMP) $(CODEGEN_PY_STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

schema: $(STAMP)
	$(BIN)/recgw export-schema

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(GRAPHIQL)/node_modules \
		$(CODEGEN)/node_modules $(CODEGEN_VENV)
