# collab-workbook: the README's two commands are `make workbook` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: workbook test lab data install unit sync nbval e2e bench outputs clean-venv

workbook: $(STAMP) data                 ## execute every notebook in order, headless, and print wall times
	$(PY) tools/run_notebooks.py

test: $(STAMP) unit sync nbval e2e      ## unit tests, nbdev sync check, every notebook through nbval, the widgets in a real JupyterLab

lab: $(STAMP) data                      ## open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

install: $(STAMP)

# The venv is (re)built when pyproject.toml or constraints.txt change. constraints.txt pins torch and
# torchvision to the builds on this machine's disk, so pip never downloads another torch.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 2> >(grep -v "^WARNING: Location 'file:" >&2)
	$(PY) -c "import nbs_lib, fastai, torch; print('installed: fastai', fastai.__version__, '/ torch', torch.__version__)"
	touch $@

data: $(STAMP)                          ## fetch (once), verify and print MovieLens 100k's counts; REFRESH=1 fetches anew
	$(PY) -c "from nbs_lib.data import load_ml100k; print(load_ml100k(refresh=bool('$(REFRESH)')))"

unit: $(STAMP)
	$(PY) -m pytest tests -q --ignore=tests/e2e

# JupyterLab + headless Chromium (Debian's, installed by the tests when missing); screenshots in build/e2e-screenshots/
e2e: $(STAMP) data
	$(PY) -m pytest tests/e2e -q --durations=0

# nbdev-clean and nbdev-export must leave notebooks/ and nbs_lib/ exactly as they are.
sync: $(STAMP)
	@before=$$(find notebooks nbs_lib -type f -not -path '*/.ipynb_checkpoints/*' -not -name '*.pyc' | sort | xargs sha256sum); \
	$(VENV)/bin/nbdev-clean && $(VENV)/bin/nbdev-export; \
	after=$$(find notebooks nbs_lib -type f -not -path '*/.ipynb_checkpoints/*' -not -name '*.pyc' | sort | xargs sha256sum); \
	if [ "$$before" != "$$after" ]; then diff <(echo "$$before") <(echo "$$after"); \
	  echo "nbdev-clean/nbdev-export changed the files above: notebooks were not clean or nbs_lib is out of sync. Commit the result."; exit 1; \
	else echo "nbs_lib matches the notebooks; notebooks are clean."; fi

# nbval runs a numbered copy (see tools/nbval_copy.py) and checks the cells marked NBVAL_CHECK_OUTPUT.
nbval: $(STAMP) data
	$(PY) tools/nbval_copy.py notebooks build/nbval
	$(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider build/nbval -q

bench: $(STAMP) data                    ## accuracy and speed against the book and the classic baselines -> docs/BENCHMARKS.md
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[bench]' 2> >(grep -v "^WARNING: Location 'file:" >&2)
	$(PY) tools/bench.py

outputs: $(STAMP) data                  ## re-execute notebooks (NB="02 04" for some) and save their outputs
	$(PY) tools/run_notebooks.py --inplace $(NB) && $(VENV)/bin/nbdev-clean && $(VENV)/bin/nbdev-export

clean-venv:
	rm -rf $(VENV)
