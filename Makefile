# The commands of the README:
#   make quickstart   set up .venv, then train, evaluate and predict with the full HMTL model on the bundled sample
#   make test         set up .venv (and Chromium, for the demo's browser test), then run the test suite
#   make demo         set up .venv, then serve the web demo of the pretrained or quick-start model
# All create or reuse .venv; see scripts/setup_env.sh for the install order and why.
VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: setup browser test quickstart demo clean-venv

setup:
	@bash scripts/setup_env.sh

browser:
	@bash scripts/setup_browser.sh

test: setup browser
	OMP_NUM_THREADS=1 $(PYTHON) -m pytest tests

quickstart: setup
	@bash scripts/quickstart.sh

demo: setup
	@bash scripts/demo.sh

clean-venv:
	rm -rf $(VENV)
