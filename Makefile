# The commands of the README:
#   make quickstart   set up .venv, then train, evaluate and predict with the full HMTL model on the bundled sample
#   make test         set up .venv (and Chromium, for the demo's browser test), then lint, then run the test suite
#   make test-fast    the same without the slow tests (those that train a model or run the allennlp command)
#   make lint         flake8, black --check and mypy (settings in setup.cfg and pyproject.toml)
#   make demo         set up .venv, then serve the web demo of the pretrained or quick-start model
# All create or reuse .venv; see scripts/setup_env.sh for the install order and why.
VENV := .venv
PYTHON := $(VENV)/bin/python
# Two deprecation warnings that other packages give on every `allennlp` command (fairscale's
# torch.cuda.amp calls, py-rouge's pkg_resources import; README, "Output of other packages"),
# silenced for the commands run here only: their modules are named, so no other warning is hidden.
export PYTHONWARNINGS := ignore::FutureWarning:fairscale.experimental.nn.offload,ignore::UserWarning:rouge.rouge

.PHONY: setup browser lint test test-fast quickstart demo clean-venv

setup:
	@bash scripts/setup_env.sh

browser:
	@bash scripts/setup_browser.sh

LINTED := hmtl_allennlp hmtl_allennlp_compat tests benchmarks scripts

lint: setup
	$(VENV)/bin/flake8 $(LINTED)
	$(VENV)/bin/black --check --quiet $(LINTED)
	$(VENV)/bin/mypy

test: lint browser
	OMP_NUM_THREADS=1 $(PYTHON) -m pytest tests

test-fast: lint browser
	OMP_NUM_THREADS=1 $(PYTHON) -m pytest tests -m "not slow"

quickstart: setup
	@bash scripts/quickstart.sh

demo: setup
	@bash scripts/demo.sh

clean-venv:
	rm -rf $(VENV)
