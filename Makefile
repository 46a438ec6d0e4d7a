# initiatives: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DB     ?= sqlite:///initiatives.db
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install demo test test-fast system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,semantic]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Set up and run the main job on the embedded SQLite default: ingest the sample documents, audit them,
## make the search vectors, and serve the web UI on http://$(HOST):$(PORT) (Ctrl-C stops it).
demo: $(STAMP)
	$(BIN)/initiatives init --db "$(DB)"
	$(BIN)/initiatives ingest --db "$(DB)" examples/documents
	$(BIN)/initiatives audit --db "$(DB)"
	$(BIN)/initiatives embed --db "$(DB)"
	@echo
	@echo "Serving http://$(HOST):$(PORT)  (read-only for visitors; to edit and review, create an account:"
	@echo "  $(BIN)/initiatives user add YOURNAME --role admin --db \"$(DB)\")"
	$(BIN)/initiatives serve --db "$(DB)" --host $(HOST) --port $(PORT)

## System packages the tests use (PostgreSQL server, Chromium); installs only what is missing.
system-deps:
	bash scripts/system-deps.sh

## All tests: store tests on SQLite and on a real PostgreSQL server the run starts itself.
test: $(STAMP) system-deps
	$(BIN)/python -m pytest

## Tests without the system packages (PostgreSQL tests skipped); for a quick local loop only.
test-fast: $(STAMP)
	INITIATIVES_SKIP_POSTGRES=1 $(BIN)/python -m pytest -x -q

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache artifacts
