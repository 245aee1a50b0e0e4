# Two commands on a fresh machine: `make demo` and `make test`.
# Both set up .venv from the hash-pinned lock file first; nothing is installed by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lab bench docs lock clean-venv

setup: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml sandbox/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "osint-kit needs Python 3.11 or newer; set PYTHON=python3.11")'
	@command -v openssl >/dev/null || { echo "installing openssl (Debian package)"; apt-get update -qq && apt-get install -y -qq openssl; }
	@command -v chromium >/dev/null || [ -n "$$OSINT_KIT_CHROMIUM" ] || { echo "installing chromium (Debian package, for web capture)"; apt-get update -qq && apt-get install -y -qq chromium; }
	@command -v ffprobe >/dev/null || { echo "installing ffmpeg (Debian package; video metadata and review aids)"; apt-get update -qq && apt-get install -y -qq ffmpeg; }
	@command -v exiftool >/dev/null || { echo "installing exiftool (Debian package libimage-exiftool-perl; photo and video metadata)"; apt-get update -qq && apt-get install -y -qq libimage-exiftool-perl; }
	@command -v age >/dev/null || { echo "installing age (Debian package; the tests decrypt bundles with it)"; apt-get update -qq && apt-get install -y -qq age; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "installing python3-venv (Debian package)"; apt-get update -qq && apt-get install -y -qq python3-venv; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/lock.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
# the sandbox (fake platforms, test TSA, fixture site, demo) is a distribution of its own
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e sandbox
	touch $(STAMP)

demo: setup
	$(PY) -m osint_kit_sandbox.demo

test: setup
	$(PY) -m ruff check src tests bench tools
	$(PY) -m mypy
	$(PY) -m pytest

# JupyterLab on loopback only, with a token (printed), the project's kernel, the
# notebooks and the case folders; as root (the usual container user) too.
lab: setup
	$(PY) -m osint_kit lab

bench: setup
	$(PY) bench/run.py

# The parts of docs/ made from the code (layers and modules, custody event types);
# a test fails while they are stale.
docs: setup
	$(PY) tools/gendocs.py

# Maintainers: re-pin every dependency (needs network to PyPI).
lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra lab --universal \
	    --python-version 3.11 --generate-hashes -o requirements/lock.txt

clean-venv:
	rm -rf $(VENV)
