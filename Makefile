# Two entry points: `make warehouse` builds the warehouse from raw/, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: warehouse test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

warehouse: $(STAMP)
	$(BIN)/juesuan run

test: $(STAMP)
	$(BIN)/ruff check flows tests benchmarks expectations
	@# pytest exits 5 when it collected no tests: say so, and fail (a suite that ran nothing has not passed).
	$(BIN)/pytest; status=$$?; if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$status

bench: $(STAMP)
	$(BIN)/python benchmarks/extraction_throughput.py
	$(BIN)/python benchmarks/extraction_speed.py
	$(BIN)/python benchmarks/incremental_run.py

clean:
	rm -rf $(VENV) build warehouse.duckdb warehouse.duckdb.*
