# Two commands a newcomer needs: `make demo` and `make test`.
# uv is bootstrapped into .tools/ when it is not on PATH; the project lives in .venv/.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen
PY_DIRS := camhealth tests bench dashboards deploy

.PHONY: demo test lint types pytest sync clean

demo: .venv/.synced
	$(RUN) camhealth demo

test: lint types pytest

lint: .venv/.synced
	$(RUN) ruff check $(PY_DIRS)
	$(RUN) ruff format --check $(PY_DIRS)

types: .venv/.synced
	$(RUN) mypy

pytest: .venv/.synced
	$(RUN) pytest -q $(PYTEST_ARGS)

sync: .venv/.synced

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

clean:
	rm -rf .venv .tools .mypy_cache .pytest_cache .ruff_cache
