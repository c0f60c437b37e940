# Convenience targets; the scripts are the source of truth and need only Python.
.PHONY: run test lint
run:
	./run.sh
test:
	./test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && scripts/code_health.sh
