# The two commands of the README:
#   make quickstart   set up .venv, then train, evaluate and predict with the full HMTL model on the bundled sample
#   make test         set up .venv, then run the whole test suite
# Both create or reuse .venv; see scripts/setup_env.sh for the install order and why.
VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: setup test quickstart clean-venv

setup:
	@bash scripts/setup_env.sh

test: setup
	OMP_NUM_THREADS=1 $(PYTHON) -m pytest tests

quickstart: setup
	@bash scripts/quickstart.sh

clean-venv:
	rm -rf $(VENV)
