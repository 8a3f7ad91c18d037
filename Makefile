# The course pipeline:  mml/ + source_assignments/  ->  release/  ->  grading  ->  book
#
#   make course   set up .venv (and Debian packages), build the dataset, the
#                 student release and the book, then train a tiny model as a smoke test
#   make test     every test (sets up .venv first when it is missing)
#
# Other targets: setup, data, release, book, demo, bench, clean (see README.md).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Parallel test workers: the machine's cores (CI has 2).
TEST_WORKERS ?= auto

# One BLAS thread per process: tests run in parallel workers, and OpenBLAS
# threads competing for the same cores made training 20x slower here.
export OPENBLAS_NUM_THREADS ?= 1
# nbgrader runs alembic (its database migrations) from PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: course setup data release book demo test bench clean hub

course: setup data release book demo

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt tools/install_system_deps.sh hub/requirements.txt hub/package-lock.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[course]'
	bash tools/install_system_deps.sh
	$(PY) hub/launch.py setup
	@touch $(STAMP)

data: setup
	$(PY) -m mml.datasets build

release: setup
	$(PY) tools/build_release.py

# The book reads the committed release/; it never rebuilds it (make release does).
book: setup data
	$(PY) tools/build_book.py

demo: setup
	$(PY) -m mml

test: setup data
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# The course JupyterHub on 127.0.0.1 (as root; settings in hub/hub_settings.py).
hub: setup
	$(PY) hub/launch.py run

bench: setup
	$(PY) -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(PY) benchmarks/run_all.py

clean:
	rm -rf _build book/_build book/notebooks benchmarks/results .pytest_cache

# Teaching-assistant targets (collect, autograde, feedback, export).
-include autograder/grading.mk
